//! Reading record CSVs (the schema of `mlsim-core`) with errors that name the file and line.

use std::io::Read;
use std::path::{Path, PathBuf};

use mlsim_core::record::{
    BbuRecord, CheckpointRecord, FunctionEventRecord, FunctionRecord, MemoryRecord, RequestRecord,
    RunRecord,
};
use serde::de::DeserializeOwned;

use crate::PlotError;
use crate::serverless_stats::{SERVERLESS_COLUMNS, ServerlessPoint};

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

/// Reads the `summary.csv` of a serverless study (the rows of `mlsim-experiment`'s
/// `serverless_summary`) from `path`; `figure` is named if the file is missing or lacks a
/// column the serverless figures read ([`SERVERLESS_COLUMNS`]), as in the summary of another
/// study.
pub fn read_serverless_summary(
    path: &Path,
    figure: &'static str,
) -> Result<Vec<ServerlessPoint>, PlotError> {
    let mut text = String::new();
    open(path, figure)?
        .read_to_string(&mut text)
        .map_err(|source| PlotError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let headers = csv::Reader::from_reader(text.as_bytes())
        .headers()
        .map_err(|e| csv_error(e, path, None))?
        .clone();
    let missing: Vec<String> = SERVERLESS_COLUMNS
        .iter()
        .filter(|c| !headers.iter().any(|h| h == **c))
        .map(|c| (*c).to_string())
        .collect();
    if !missing.is_empty() {
        return Err(PlotError::MissingColumns {
            path: path.to_path_buf(),
            figure,
            columns: missing.into_boxed_slice(),
        });
    }
    parse_csv(text.as_bytes(), path)
}

/// Opens `path`; a missing file is a [`PlotError::MissingCsv`] naming `figure`.
fn open(path: &Path, figure: &'static str) -> Result<std::fs::File, PlotError> {
    std::fs::File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            PlotError::MissingCsv {
                path: path.to_path_buf(),
                figure,
            }
        } else {
            PlotError::Read {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

/// The rows of a record CSV, one at a time (columns matched by header name): a study of
/// millions of requests is summarised without holding its records. Iterate it (`&mut`), then
/// call [`RecordStream::finish`]: a malformed row ends the iteration and is the error
/// `finish` returns.
pub struct RecordStream<T> {
    rows: csv::DeserializeRecordsIntoIter<std::io::BufReader<std::fs::File>, T>,
    headers: csv::StringRecord,
    path: PathBuf,
    error: Option<PlotError>,
}

impl<T: DeserializeOwned> Iterator for RecordStream<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        if self.error.is_some() {
            return None;
        }
        match self.rows.next()? {
            Ok(row) => Some(row),
            Err(e) => {
                self.error = Some(csv_error(e, &self.path, Some(&self.headers)));
                None
            }
        }
    }
}

impl<T> RecordStream<T> {
    /// The error that ended the iteration early, if any.
    pub fn finish(self) -> Result<(), PlotError> {
        self.error.map_or(Ok(()), Err)
    }
}

/// Streams `requests.csv`-shaped records from `path`; `figure` is named if the file is missing.
pub fn stream_requests(
    path: &Path,
    figure: &'static str,
) -> Result<RecordStream<RequestRecord>, PlotError> {
    let mut csv = csv::Reader::from_reader(std::io::BufReader::new(open(path, figure)?));
    let headers = csv.headers().map_err(|e| csv_error(e, path, None))?.clone();
    Ok(RecordStream {
        rows: csv.into_deserialize(),
        headers,
        path: path.to_path_buf(),
        error: None,
    })
}

/// Reads every row of the CSV at `path` into `T` (columns matched by header name).
fn read_csv<T: DeserializeOwned>(path: &Path, figure: &'static str) -> Result<Vec<T>, PlotError> {
    parse_csv(std::io::BufReader::new(open(path, figure)?), path)
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
