//! Errors of the ride-hailing workload.

/// Why ride-hailing input could not be read or the workload could not run.
#[derive(Debug, thiserror::Error)]
pub enum TaxiError {
    /// An input file (street graph, trips, zones) could not be read or is malformed.
    #[error(transparent)]
    Read(#[from] mlsim_datasets::ReadError),
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
