//! Building the workloads from plain option structs: what the `mlsim-workload` binary and the
//! emulator share, so that a resumed process rebuilds exactly the same inputs.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data;
use crate::stress::{self, StressConfig, StressError, StressInput, StressWorkload};
use crate::taxi::grid::GridSpec;
use crate::taxi::load::read_graph_file;
use crate::taxi::{TaxiConfig, TaxiError, TaxiInput, TaxiWorkload};
use mlsim_datasets::read_trips_file;
use mlsim_datasets::zones::read_zones;

pub use mlsim_datasets::data::{HELSINKI_PBF, SYSTOLE_DIR, TAXI_ZONES, TLC_SAMPLE};

/// Ride-hailing inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxiOptions {
    /// Street graph: `grid` (built-in), `helsinki` (the installed OSM extract) or a path to an
    /// OSMnx `.graphml` or an OpenStreetMap `.osm.pbf` file (chosen by extension).
    pub graph: String,
    /// Trips: `synthetic`, `tlc` (the installed TLC sample with the installed zones) or a path to
    /// a TLC trip `.csv` or `.parquet` file (Parquet needs the cargo feature `parquet`); real
    /// trips also need `zones`.
    pub trips: String,
    /// Taxi-zone GeoJSON for a trip CSV (default: the installed pyhailing zones).
    pub zones: Option<PathBuf>,
    /// Synthetic fleet size.
    pub taxis: usize,
    /// Synthetic request count (and cap on real requests with `items`).
    pub requests: usize,
    /// Synthetic horizon \[s\].
    pub horizon_s: f64,
    /// Snap points to the graph only if within this distance \[m\].
    pub max_snap_m: f64,
    /// Keep only this many requests.
    pub items: Option<usize>,
    /// Seed of the synthetic input and of point placement.
    pub seed: u64,
    /// Program parameters.
    pub config: TaxiConfig,
}

impl Default for TaxiOptions {
    fn default() -> Self {
        Self {
            graph: "grid".into(),
            trips: "synthetic".into(),
            zones: None,
            taxis: 5000,
            requests: 5000,
            horizon_s: 86_400.0,
            max_snap_m: 1000.0,
            items: None,
            seed: 1,
            config: TaxiConfig::default(),
        }
    }
}

impl TaxiOptions {
    /// Build the workload (reads files; nothing is downloaded).
    pub fn build(&self) -> Result<TaxiWorkload, TaxiError> {
        let graph = match self.graph.as_str() {
            "grid" => GridSpec::default().build()?,
            "helsinki" => {
                read_graph_file(&data::require(HELSINKI_PBF).map_err(TaxiError::NoInput)?)?
            }
            path => read_graph_file(std::path::Path::new(path))?,
        };
        let mut input = match self.trips.as_str() {
            "synthetic" => {
                TaxiInput::synthetic(graph, self.taxis, self.requests, self.horizon_s, self.seed)?
            }
            other => {
                let (csv, name) = if other == "tlc" {
                    (
                        data::require(TLC_SAMPLE).map_err(TaxiError::NoInput)?,
                        "TLC yellow 2019-01 sample".to_owned(),
                    )
                } else {
                    (PathBuf::from(other), other.to_owned())
                };
                let zones_path = match &self.zones {
                    Some(z) => z.clone(),
                    None => data::require(TAXI_ZONES).map_err(TaxiError::NoInput)?,
                };
                let trips = read_trips_file(&csv)?;
                let zones = read_zones(&zones_path)?;
                TaxiInput::from_trips(
                    graph,
                    &trips.trips,
                    &zones,
                    self.max_snap_m,
                    self.seed,
                    &name,
                )?
            }
        };
        if let Some(n) = self.items {
            input.truncate_requests(n);
        }
        TaxiWorkload::new(input, self.config.clone())
    }
}

/// Stress-classification inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressOptions {
    /// Recording: `synthetic`, `systole` (installed) or a directory holding `Task1_ECG.npy` and
    /// `Task1_Respiration.npy`.
    pub recording: String,
    /// Synthetic: number of alternating calm/stress blocks.
    pub blocks: usize,
    /// Synthetic: block length \[s\].
    pub block_s: f64,
    /// Keep only this many 30-s windows.
    pub items: Option<u32>,
    /// Seed of the synthetic recording.
    pub seed: u64,
    /// Synthetic training windows per class for the SVM.
    pub train_per_class: usize,
    /// Seed of the training set.
    pub train_seed: u64,
    /// Program parameters.
    pub config: StressConfig,
}

impl Default for StressOptions {
    fn default() -> Self {
        Self {
            recording: "synthetic".into(),
            blocks: 4,
            block_s: 300.0,
            items: None,
            seed: 1,
            train_per_class: 60,
            train_seed: 42,
            config: StressConfig::default(),
        }
    }
}

impl StressOptions {
    /// Train the classifier (deterministic in `train_seed`) and build the workload.
    pub fn build(&self) -> Result<StressWorkload, StressError> {
        let mut input = match self.recording.as_str() {
            "synthetic" => StressInput::synthetic(self.blocks, self.block_s, self.seed)?,
            "systole" => {
                StressInput::systole(&data::require(SYSTOLE_DIR).map_err(StressError::Input)?)?
            }
            dir => StressInput::systole(std::path::Path::new(dir))?,
        };
        if let Some(n) = self.items {
            input.truncate_windows(n);
        }
        let (x, y) = stress::svm::synthetic_set(self.train_per_class, input.fs, self.train_seed)?;
        let clf = stress::Classifier::train(&x, &y)?;
        StressWorkload::new(input, Arc::new(clf), &self.config)
    }
}
