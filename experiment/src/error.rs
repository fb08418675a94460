//! The pipeline's errors. Each names the file (or run) concerned and what to do; whether a
//! single run failed (a result, written to `runs.csv`) or the pipeline itself stopped is
//! decided by the runner: only the latter becomes an [`Error`].

use crate::spec::SpecErrors;
use std::path::PathBuf;

/// Why a pipeline step failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec (or its model file) is not usable: every problem found.
    #[error(transparent)]
    Spec(#[from] SpecErrors),
    /// A file operation failed.
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        /// What was attempted ("read", "write", "create", ...).
        what: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The model file could not be read.
    #[error("cannot read model file {file}: {source}")]
    ModelFile {
        /// The model file (or built-in model).
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A CSV file could not be read or written.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file (or the file being made).
        path: PathBuf,
        /// Why.
        source: csv::Error,
    },
    /// A result folder cannot be used as asked; the message says why and what to do.
    #[error("{0}")]
    Folder(String),
    /// A figure could not be drawn.
    #[error("cannot draw {figure} in {}: {source}", dir.display())]
    Figure {
        /// The figure.
        figure: String,
        /// The result folder.
        dir: PathBuf,
        /// Why.
        source: mlsim_plots::PlotError,
    },
    /// A figure name is not one mlsim draws.
    #[error("unknown figure {0:?} (known: {known})", known = crate::spec::known_figures().join(", "))]
    UnknownFigure(String),
    /// A table (`policies.csv`) could not be made from the folder's CSVs.
    #[error("cannot make the policy table of {}: {source}", dir.display())]
    Table {
        /// The result folder.
        dir: PathBuf,
        /// Why.
        source: mlsim_plots::PlotError,
    },
    /// Two result folders (or a folder and measurements) cannot be compared; says why.
    #[error("{0}")]
    Compare(String),
    /// Records could not be read or drawn by mlsim-plots.
    #[error(transparent)]
    Plot(#[from] mlsim_plots::PlotError),
    /// A backend refused the runs before any started.
    #[error("{}: {source}", spec.display())]
    Check {
        /// The spec file.
        spec: PathBuf,
        /// What the backend found.
        source: mlsim_core::backend::CheckError,
    },
    /// The worker thread pool could not be built.
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    /// The manifest could not be serialised.
    #[error("cannot serialise {what}: {source}")]
    Json {
        /// What.
        what: &'static str,
        /// Why.
        source: serde_json::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An [`Error::Io`] maker for `map_err`.
pub(crate) fn io(
    what: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { what, path, source }
}

/// An [`Error::Csv`] maker for `map_err`.
pub(crate) fn csv_err(path: impl Into<PathBuf>) -> impl FnOnce(csv::Error) -> Error {
    let path = path.into();
    move |source| Error::Csv { path, source }
}
