//! C-RAN load traces: a CSV file with the header `time_s,load`, one row per change, `time_s`
//! in seconds from the start of the run (strictly increasing, the first row at 0) and `load`
//! the fraction of the BBU's cores C-RAN processing needs (0 to 1). The load holds from a row's
//! time until the next row's.

use std::path::{Path, PathBuf};

/// A problem with a load trace file.
#[derive(Debug, thiserror::Error)]
pub enum LoadTraceError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_TRACE_BYTES`] (or endless, like a device).
    #[error(
        "{file}: more than {MAX_TRACE_BYTES} bytes; a load trace has one short row per change of load: is this the right file?"
    )]
    TooLarge {
        /// The file.
        file: PathBuf,
    },
    /// A row is malformed or out of range.
    #[error("{file}:{line}: {message}")]
    Row {
        /// The file.
        file: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// What is wrong and how to fix it.
        message: String,
    },
}

#[derive(serde::Deserialize)]
struct RawRow {
    time_s: f64,
    load: f64,
}

/// Largest trace read \[bytes\] (a million rows of about 20 bytes).
pub const MAX_TRACE_BYTES: u64 = 64 << 20;

/// Reads a trace into `(time \[s\], load fraction)` points.
pub fn read_load_trace(path: &Path) -> Result<Vec<(f64, f64)>, LoadTraceError> {
    use std::io::Read;
    let file = path.to_path_buf();
    let io = |source| LoadTraceError::Io {
        file: file.clone(),
        source,
    };
    let mut text = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_TRACE_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_TRACE_BYTES {
        return Err(LoadTraceError::TooLarge { file });
    }
    parse(&file, &text)
}

/// Parses trace bytes (`file` is used in errors only).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<Vec<(f64, f64)>, LoadTraceError> {
    let row_err = |line: u64, message: String| LoadTraceError::Row {
        file: file.to_path_buf(),
        line,
        message,
    };
    let mut rdr =
        csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(crate::limits::LineCap::new(
                bytes,
                crate::limits::MAX_TRACE_LINE_BYTES,
            ));
    let headers = rdr
        .headers()
        .map_err(|e| row_err(1, format!("cannot read the header: {e}")))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != ["time_s", "load"] {
        return Err(row_err(
            1,
            format!(
                "the header must be `time_s,load`, found `{}`",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let mut points: Vec<(f64, f64)> = Vec::new();
    for rec in rdr.deserialize::<RawRow>() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_err(
                line,
                format!("malformed row ({e}); each row must be two numbers: time_s,load"),
            )
        })?;
        let line = points.len() as u64 + 2;
        if !rec.time_s.is_finite() || rec.time_s < 0.0 {
            return Err(row_err(
                line,
                format!("time_s {} must be a finite number ≥ 0", rec.time_s),
            ));
        }
        if !(0.0..=1.0).contains(&rec.load) {
            return Err(row_err(
                line,
                format!(
                    "load {} must be a fraction of the cores between 0 and 1",
                    rec.load
                ),
            ));
        }
        if let Some(&(prev, _)) = points.last() {
            if rec.time_s <= prev {
                return Err(row_err(
                    line,
                    format!(
                        "time_s {} is not after the previous row's {prev}; rows must be in strictly increasing time",
                        rec.time_s
                    ),
                ));
            }
        } else if rec.time_s != 0.0 {
            return Err(row_err(
                line,
                format!(
                    "the first row is at {} s; add a row at time_s = 0 so the load is defined from the start",
                    rec.time_s
                ),
            ));
        }
        points.push((rec.time_s, rec.load));
    }
    if points.is_empty() {
        return Err(row_err(
            1,
            "the trace has no rows; add at least `0,LOAD`".into(),
        ));
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Vec<(f64, f64)>, String> {
        parse(Path::new("t.csv"), s.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_a_good_trace() {
        assert_eq!(
            p("time_s,load\n0,0.5\n10, 0.25\n").unwrap(),
            vec![(0.0, 0.5), (10.0, 0.25)]
        );
    }

    #[test]
    fn names_the_line_of_each_kind_of_bad_row() {
        assert_eq!(
            p("time_s,load\n0,0.5\n5,abc\n")
                .unwrap_err()
                .split(" (")
                .next()
                .unwrap(),
            "t.csv:3: malformed row"
        );
        assert!(
            p("time_s,load\n0,1.5\n")
                .unwrap_err()
                .starts_with("t.csv:2: load 1.5")
        );
        assert!(
            p("time_s,load\n0,0.1\n0,0.2\n")
                .unwrap_err()
                .starts_with("t.csv:3: time_s 0 is not after")
        );
        assert!(
            p("time_s,load\n3,0.1\n")
                .unwrap_err()
                .contains("add a row at time_s = 0")
        );
        assert!(
            p("t,l\n0,0.1\n")
                .unwrap_err()
                .starts_with("t.csv:1: the header must be")
        );
        assert!(p("time_s,load\n").unwrap_err().contains("no rows"));
        assert!(
            p("time_s,load\n0,0.1,7\n")
                .unwrap_err()
                .starts_with("t.csv:2: malformed row")
        );
    }

    #[test]
    fn a_long_line_is_refused() {
        let long = format!("time_s,load\n0,{}\n", "1".repeat(5000));
        let e = p(&long).unwrap_err();
        assert!(e.contains("line 2 is longer than 4096 bytes"), "{e}");
        let e = p(&"x".repeat(5000)).unwrap_err();
        assert!(e.contains("longer than 4096 bytes"), "{e}");
    }

    #[test]
    fn missing_file_names_the_file() {
        let e = read_load_trace(Path::new("/nonexistent/trace.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/trace.csv: cannot read"), "{e}");
        let e = read_load_trace(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/dev/zero: more than 67108864 bytes"), "{e}");
    }
}
