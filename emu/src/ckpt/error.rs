//! What can go wrong while checkpointing for real.

use std::path::PathBuf;

/// An error of [`crate::ckpt`].
#[derive(Debug, thiserror::Error)]
pub enum CkptError {
    /// A program could not be started (not installed?).
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// A program ran and failed.
    #[error("{command} failed ({status}): {detail}")]
    Command {
        /// The command line, shortened.
        command: String,
        /// Its exit status.
        status: String,
        /// The end of its stderr, or of its log file.
        detail: String,
    },
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The run's ledger could not record a resource.
    #[error("ledger: {0}")]
    Ledger(#[from] crate::ledger::LedgerError),
    /// Redis answered with an error or something that is not RESP2.
    #[error("redis: {0}")]
    Redis(String),
    /// A workload program is not built or not installed.
    #[error("{what} not found: {hint}")]
    Missing {
        /// What is missing.
        what: String,
        /// How to get it.
        hint: String,
    },
    /// A workload behaved unexpectedly (finished before its checkpoint, bad report, …).
    #[error("workload: {0}")]
    Workload(String),
    /// Something did not happen in time.
    #[error("timed out after {secs:.1} s waiting for {what}")]
    Timeout {
        /// What we waited for.
        what: String,
        /// How long \[s\].
        secs: f64,
    },
}

impl CkptError {
    /// An [`CkptError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CkptError {
        let path = path.into();
        move |source| CkptError::Io { path, source }
    }
}
