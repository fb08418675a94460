//! The one error type of the readers: which file, where in it (line, byte offset or record), in
//! which format, and what is wrong with a hint at the fix.

use std::path::{Path, PathBuf};

/// A data file could not be read or is malformed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{}: cannot read this {format} file: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The format that was expected.
        format: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file as a whole is unusable (unknown extension, too large, nothing usable in it).
    #[error("{}: {format}: {message}", file.display())]
    File {
        /// The file.
        file: PathBuf,
        /// The format that was expected.
        format: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A line of a text file is malformed.
    #[error("{}:{line}: {format}: {message}", file.display())]
    Line {
        /// The file.
        file: PathBuf,
        /// The format.
        format: &'static str,
        /// 1-based line number.
        line: u64,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A binary file is malformed at a byte offset.
    #[error("{}: {format}: byte {offset}: {message}", file.display())]
    Byte {
        /// The file.
        file: PathBuf,
        /// The format.
        format: &'static str,
        /// 0-based byte offset where the problem is.
        offset: u64,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A record (row, feature, element) is malformed where no line is known.
    #[error("{}: {format}: {record}: {message}", file.display())]
    Record {
        /// The file.
        file: PathBuf,
        /// The format.
        format: &'static str,
        /// Which record, e.g. `row 5, column PULocationID` or `feature 3`.
        record: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl ReadError {
    /// An I/O error while reading `file` as `format`.
    pub fn io(file: &Path, format: &'static str, source: std::io::Error) -> Self {
        Self::Io {
            file: file.to_owned(),
            format,
            source,
        }
    }

    /// A problem with the whole file.
    pub fn file(file: &Path, format: &'static str, message: impl Into<String>) -> Self {
        Self::File {
            file: file.to_owned(),
            format,
            message: message.into(),
        }
    }

    /// A problem on line `line` (1-based).
    pub fn line(file: &Path, format: &'static str, line: u64, message: impl Into<String>) -> Self {
        Self::Line {
            file: file.to_owned(),
            format,
            line,
            message: message.into(),
        }
    }

    /// A problem at byte `offset` (0-based).
    pub fn byte(
        file: &Path,
        format: &'static str,
        offset: u64,
        message: impl Into<String>,
    ) -> Self {
        Self::Byte {
            file: file.to_owned(),
            format,
            offset,
            message: message.into(),
        }
    }

    /// A problem with one record.
    pub fn record(
        file: &Path,
        format: &'static str,
        record: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Record {
            file: file.to_owned(),
            format,
            record: record.into(),
            message: message.into(),
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { file, .. }
            | Self::File { file, .. }
            | Self::Line { file, .. }
            | Self::Byte { file, .. }
            | Self::Record { file, .. } => file,
        }
    }
}

/// 1-based line number of byte `offset` in `text` (offsets past the end count as the last line).
pub fn line_of(text: &[u8], offset: usize) -> u64 {
    let end = offset.min(text.len());
    text[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// A [`csv::Error`] met while reading `file` as `format`, as a [`ReadError`]: at the line the CSV
/// reader names (else `line`), with `hint` saying what a row of the format holds. Rows with a
/// different number of fields than the header and text that is not UTF-8 get their own message;
/// an I/O error (such as a line over the line cap, which names its line) is about the file.
pub(crate) fn csv_error(
    file: &Path,
    format: &'static str,
    e: csv::Error,
    line: u64,
    hint: &str,
) -> ReadError {
    let line = e.position().map_or(line, |p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => return ReadError::file(file, format, io.to_string()),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields but the header has {expected_len}; {hint}"),
        csv::ErrorKind::Utf8 { .. } => {
            format!("the row is not UTF-8 text; save the file as UTF-8 (plain CSV); {hint}")
        }
        _ => format!("malformed CSV ({e}); {hint}"),
    };
    ReadError::line(file, format, line, message)
}
