//! Errors of the ride-hailing workload.

use std::path::PathBuf;

/// Why ride-hailing input could not be read or the workload could not run.
#[derive(Debug, thiserror::Error)]
pub enum TaxiError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A GraphML street graph is malformed.
    #[error("GraphML {path}: {reason}")]
    GraphMl {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An OSM PBF file is malformed, truncated or has no drivable streets.
    #[error("OSM PBF {path}: {reason}")]
    Pbf {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A trip Parquet file is malformed or lacks a column.
    #[error("trip Parquet {path}: {reason}")]
    TripsParquet {
        /// The file.
        path: PathBuf,
        /// What is wrong (names the column and, for bad values, the 1-based row).
        reason: String,
    },
    /// A file's kind is not known from its name.
    #[error("{path}: {reason}")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Which extensions are accepted.
        reason: String,
    },
    /// A trip CSV is malformed.
    #[error("trip CSV {path}, line {line}: {reason}")]
    Trips {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 when the header is at fault).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A taxi-zone GeoJSON file is malformed.
    #[error("taxi zones {path}: {reason}")]
    Zones {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The street graph is unusable (empty, bad lengths, …).
    #[error("street graph: {0}")]
    Graph(String),
    /// The inputs leave nothing to do (no taxis or no requests inside the graph).
    #[error("no usable input: {0}")]
    NoInput(String),
    /// A state from a checkpoint does not fit this input.
    #[error("state does not fit this input: {0}")]
    StateMismatch(String),
}
