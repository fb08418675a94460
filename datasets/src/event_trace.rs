//! Event traces of blocking functions (the suspend study, seed 000): a CSV file with the header
//! `function,time_s`, one row per event: the function's index (0-based, as deployed) and the
//! time it arrives, in seconds from the start of the run. Rows may come in any order; each
//! function's events are sorted by time.

use crate::ReadError;
use crate::limits::read_capped;
use std::path::Path;

const FORMAT: &str = "event trace";

#[derive(serde::Deserialize)]
struct RawRow {
    function: u32,
    time_s: f64,
}

/// Largest event trace read \[bytes\] (a few million rows).
pub const MAX_EVENT_TRACE_BYTES: u64 = 64 << 20;

/// Reads an event trace: per function (index = function), its event times \[s\], sorted.
pub fn read_event_trace(path: &Path) -> Result<Vec<Vec<f64>>, ReadError> {
    let bytes = read_capped(
        path,
        FORMAT,
        MAX_EVENT_TRACE_BYTES,
        "an event trace has one short row per event: is this the right file?",
    )?;
    parse(path, &bytes)
}

/// Parses event trace bytes (`file` is used in errors only).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<Vec<Vec<f64>>, ReadError> {
    let row_err = |line: u64, message: String| ReadError::line(file, FORMAT, line, message);
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
    if headers.iter().collect::<Vec<_>>() != ["function", "time_s"] {
        return Err(row_err(
            1,
            format!(
                "the header must be `function,time_s`, found `{}`",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let mut out: Vec<Vec<f64>> = Vec::new();
    let mut rows: u64 = 0;
    for rec in rdr.deserialize::<RawRow>() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            row_err(
                line,
                format!(
                    "malformed row ({e}); each row is a function index and a time: function,time_s"
                ),
            )
        })?;
        rows += 1;
        let line = rows + 1;
        if !rec.time_s.is_finite() || rec.time_s < 0.0 {
            return Err(row_err(
                line,
                format!("time_s {} must be a finite number ≥ 0", rec.time_s),
            ));
        }
        if rec.function >= 1_000_000 {
            return Err(row_err(
                line,
                format!(
                    "function {} is out of range: function indices go from 0 to 999999",
                    rec.function
                ),
            ));
        }
        let f = rec.function as usize;
        if out.len() <= f {
            out.resize(f + 1, Vec::new());
        }
        out[f].push(rec.time_s);
    }
    if rows == 0 {
        return Err(row_err(
            1,
            "the trace has no rows; add at least one `FUNCTION,TIME_S` row".into(),
        ));
    }
    for times in &mut out {
        times.sort_by(f64::total_cmp);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Vec<f64>>, ReadError> {
        parse(Path::new("ev.csv"), text.as_bytes())
    }

    #[test]
    fn rows_in_any_order_are_sorted_per_function() {
        let got = p("function,time_s\n1,5.0\n0,2.5\n1,1.0\n3,0\n").unwrap();
        assert_eq!(got, vec![vec![2.5], vec![1.0, 5.0], vec![], vec![0.0]]);
    }

    #[test]
    fn errors_name_file_line_and_fix() {
        let e = p("time_s,function\n").unwrap_err().to_string();
        assert!(
            e.starts_with("ev.csv:1: event trace: the header must be `function,time_s`"),
            "{e}"
        );
        let e = p("function,time_s\n0,1\n0,-1\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "ev.csv:3: event trace: time_s -1 must be a finite number ≥ 0"
        );
        let e = p("function,time_s\n0,x\n").unwrap_err().to_string();
        assert!(e.starts_with("ev.csv:2: event trace: malformed row"), "{e}");
        let e = p("function,time_s\n").unwrap_err().to_string();
        assert!(e.contains("no rows"), "{e}");
        let e = p("function,time_s\n2000000,1\n").unwrap_err().to_string();
        assert!(
            e.contains("ev.csv:2: event trace: function 2000000 is out of range"),
            "{e}"
        );
    }

    #[test]
    fn an_endless_file_is_refused() {
        let e = read_event_trace(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("did not end within the limit"), "{e}");
        assert!(
            e.contains("/dev/zero") && e.contains("67108864 bytes"),
            "{e}"
        );
        let e = p(&format!("function,time_s\n0,{}\n", "1".repeat(5000)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("longer than 4096 bytes"), "{e}");
    }
}
