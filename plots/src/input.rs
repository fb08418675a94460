//! Reading record CSVs (the schema of `mlsim-core`) with errors that name the file and line.

use std::io::Read;
use std::path::Path;

use mlsim_core::record::{
    BbuRecord, CheckpointRecord, FunctionEventRecord, FunctionRecord, MemoryRecord, RequestRecord,
    RunRecord,
};
use serde::de::DeserializeOwned;

use crate::PlotError;

/// Reads `checkpoints.csv`-shaped records from `path`; `figure` is named if the file is missing.
pub fn read_checkpoints(
    path: &Path,
    figure: &'static str,
) -> Result<Vec<CheckpointRecord>, PlotError> {
    read_csv(path, figure)
}

/// Reads `requests.csv`-shaped records from `path`; `figure` is named if the file is missing.
pub fn read_requests(path: &Path, figure: &'static str) -> Result<Vec<RequestRecord>, PlotError> {
    read_csv(path, figure)
}

/// Reads `runs.csv`-shaped records from `path`; `figure` is named if the file is missing.
pub fn read_runs(path: &Path, figure: &'static str) -> Result<Vec<RunRecord>, PlotError> {
    read_csv(path, figure)
}

/// Reads `bbus.csv`-shaped records from `path`; `figure` is named if the file is missing.
pub fn read_bbus(path: &Path, figure: &'static str) -> Result<Vec<BbuRecord>, PlotError> {
    read_csv(path, figure)
}

/// Reads `events.csv`-shaped records (the suspend study) from `path`; `figure` is named if the
/// file is missing.
pub fn read_events(
    path: &Path,
    figure: &'static str,
) -> Result<Vec<FunctionEventRecord>, PlotError> {
    read_csv(path, figure)
}

/// Reads `functions.csv`-shaped records (the suspend study) from `path`; `figure` is named if
/// the file is missing.
pub fn read_functions(path: &Path, figure: &'static str) -> Result<Vec<FunctionRecord>, PlotError> {
    read_csv(path, figure)
}

/// Reads `memory.csv`-shaped records (the suspend study) from `path`; `figure` is named if the
/// file is missing.
pub fn read_memory(path: &Path, figure: &'static str) -> Result<Vec<MemoryRecord>, PlotError> {
    read_csv(path, figure)
}

/// Reads every row of the CSV at `path` into `T` (columns matched by header name).
fn read_csv<T: DeserializeOwned>(path: &Path, figure: &'static str) -> Result<Vec<T>, PlotError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PlotError::MissingCsv {
                path: path.to_path_buf(),
                figure,
            });
        }
        Err(source) => {
            return Err(PlotError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    parse_csv(std::io::BufReader::new(file), path)
}

/// Parses CSV text from `reader`; `path` only names the source in errors.
pub(crate) fn parse_csv<T: DeserializeOwned>(
    reader: impl Read,
    path: &Path,
) -> Result<Vec<T>, PlotError> {
    let mut csv = csv::Reader::from_reader(reader);
    let headers = csv.headers().map_err(|e| csv_error(e, path, None))?.clone();
    let mut out = Vec::new();
    for row in csv.deserialize() {
        out.push(row.map_err(|e| csv_error(e, path, Some(&headers)))?);
    }
    Ok(out)
}

/// Turns a csv error into a [`PlotError`] with the line and, where known, the column name.
fn csv_error(err: csv::Error, path: &Path, headers: Option<&csv::StringRecord>) -> PlotError {
    let line = err.position().map_or(1, csv::Position::line);
    let message = match err.into_kind() {
        csv::ErrorKind::Io(source) => {
            return PlotError::Read {
                path: path.to_path_buf(),
                source,
            };
        }
        csv::ErrorKind::Deserialize { err, .. } => {
            let column = err
                .field()
                .and_then(|i| headers.and_then(|h| h.get(i as usize)));
            match column {
                Some(name) => format!("column `{name}`: {}", err.kind()),
                None => err.kind().to_string(),
            }
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        other => format!("{other:?}"),
    };
    PlotError::MalformedRow {
        path: path.to_path_buf(),
        line,
        message,
    }
}
