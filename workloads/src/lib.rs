//! # mlsim-workloads: the paper's workloads as real, checkpointable programs
//!
//! MicroLambda evaluates three offloaded applications (Sec. IV-A of the paper): face
//! recognition, ride hailing and stress classification. This crate holds the shared μλ
//! checkpoint contract ([`checkpoint`]) and two of the workloads, each of which computes for real
//! on real data (or on a documented synthetic stand-in when the data has not been downloaded):
//!
//! - [`taxi`]: ride hailing ("find a taxi") on a street graph with reverse Dijkstra per request.
//! - [`stress`]: ECG + respiration feature extraction and an RBF SVM, every 30 s over 2 minutes.
//!
//! [`item_times`] times their items one by one in process, for `mlsim calibrate`.
//!
//! [`hold`] is the process of one long-running blocking function of the emulated suspend study
//! (`mlsim-workload hold`): it holds seeded, incompressible memory and burns CPU bursts on
//! request, driven through files, so the emulation can pause, checkpoint and restore it.
//!
//! Face recognition lives in its own crate (`mlsim-face`, native dlib), which implements
//! [`checkpoint::Resumable`] from here. The binary `mlsim-workload` runs any of them as its own
//! process, with `--resume STATE` and `SIGUSR1` checkpoints, and benchmarks them.
//!
//! ## Real data formats (ride hailing)
//! The readers live in `mlsim-datasets`; this crate decides what the workloads do with the data.
//! - Street graphs ([`taxi::load::read_graph_file`], `--graph FILE`): OSMnx GraphML
//!   (`.graphml`) or any OpenStreetMap extract (`.osm.pbf`, e.g. a Geofabrik/BBBike city):
//!   drivable `highway` classes, `oneway` respected, edge lengths \[m\] by haversine, simplified to
//!   intersections like OSMnx. Default: the built-in Manhattan-like grid.
//! - Trips (`mlsim_datasets::read_trips_file`, `--trips FILE`): NYC TLC trip records as `.csv`
//!   or as the TLC's monthly `.parquet` files. Parquet needs the non-default cargo feature
//!   `parquet` (`cargo build -p mlsim-workloads --features parquet`, forwarded to
//!   mlsim-datasets), which adds the `parquet` crate (no arrow; Snappy and ZSTD).
//! - `scripts/setup-workloads.sh` installs samples of each into the data folder ([`data`]).
#![warn(missing_docs)]

/// Where downloaded data lives (the data folder of `scripts/setup-workloads.sh`).
pub use mlsim_datasets::data;

pub mod apps;
pub mod bench;
pub mod checkpoint;
pub mod hold;
pub mod item_times;
pub mod stress;
pub mod taxi;
