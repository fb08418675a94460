//! # mlsim-datasets: readers for the data files mlsim consumes
//!
//! Every reader of an external format lives here; the crates that use the data (`mlsim`,
//! `mlsim-workloads`) only decide what to do with it. Each reader parses raw records, validates
//! them, and reports problems as a [`ReadError`] that names the file, the place (line, byte
//! offset or record) and the fix, so that a user can correct the file without guessing. Readers
//! return plain data. None reads forever: whole-file readers stop at a size cap, line readers at
//! a line-length cap ([`limits`]).
//!
//! - [`load_trace`]: C-RAN load traces (CSV `time_s,load`).
//! - [`event_trace`]: event traces of blocking functions (CSV `function,time_s`).
//! - [`invocation_trace`]: invocation traces by function name (CSV `time_s,function`).
//! - [`azure`]: the Azure Functions trace of 2019 (invocations per function and minute, with
//!   the functions' durations and their apps' memory).
//! - [`trips`]: NYC TLC trip records, CSV; [`read_trips_file`] picks CSV or Parquet by name.
//! - `trips_parquet` (cargo feature `parquet`): the TLC's monthly Parquet files.
//! - [`zones`]: TLC taxi-zone polygons (GeoJSON).
//! - [`street`]: street networks; [`read_street_network`] picks [`graphml`] (OSMnx GraphML) or
//!   [`pbf`] (OpenStreetMap `.osm.pbf`, with [`pbf::drive`] deciding which ways cars drive).
//! - [`npy`]: NumPy `.npy` recordings (the stress workload's ECG and respiration).
//! - [`geo`]: WGS 84 → UTM projection, points and polygons, shared by the readers and their users.
//! - [`data`]: the data folder that the set-up scripts fill; [`testing`]: how tests skip (loudly)
//!   or fail when a data file is absent.
#![warn(missing_docs)]

pub mod azure;
pub mod data;
mod error;
pub mod event_trace;
pub mod geo;
pub mod graphml;
pub mod invocation_trace;
pub mod limits;
pub mod load_trace;
pub mod npy;
pub mod pbf;
pub mod street;
pub mod testing;
pub mod trips;
#[cfg(feature = "parquet")]
pub mod trips_parquet;
pub mod zones;

pub use azure::{AzureDuration, AzureFunction, AzureMemory, AzureTrace, read_azure_trace};
pub use error::{ReadError, line_of};
pub use event_trace::read_event_trace;
pub use invocation_trace::{InvocationTrace, read_invocation_trace};
pub use load_trace::{LoadTraceError, read_load_trace};
pub use street::{StreetNetwork, read_street_network};
pub use trips::{TripRecord, Trips, read_trips_file};
