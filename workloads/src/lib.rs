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
//! Face recognition lives in its own crate (`mlsim-face`, native dlib), which implements
//! [`checkpoint::Resumable`] from here. The binary `mlsim-workload` runs any of them as its own
//! process, with `--resume STATE` and `SIGUSR1` checkpoints, and benchmarks them.
#![warn(missing_docs)]

pub mod checkpoint;
pub mod taxi;
pub mod data;
pub mod stress;
pub mod apps;
pub mod bench;
