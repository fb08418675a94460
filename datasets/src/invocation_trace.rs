//! Invocation traces: a CSV file with the header `time_s,function`, one row per invocation: the
//! time it arrives, in seconds from the start of the run (finite, ≥ 0), and the name of the
//! function invoked (any non-empty text). Rows are sorted by time (equal times are allowed).

use std::collections::HashMap;
use std::path::Path;

use crate::ReadError;
use crate::error::csv_error;
use crate::limits::{LineCap, MAX_TRACE_LINE_BYTES, read_capped};

const FORMAT: &str = "invocation trace";
const HINT: &str = "each row is a time and a function name: time_s,function";

/// Largest invocation trace read \[bytes\] (some twenty million rows).
pub const MAX_INVOCATION_TRACE_BYTES: u64 = 512 << 20;

/// An invocation trace: the functions invoked and, per function, its invocation times.
#[derive(Clone, Debug, PartialEq)]
pub struct InvocationTrace {
    /// The functions' names, in order of first appearance.
    pub names: Vec<String>,
    /// Per function (index as in [`names`](Self::names)), its invocation times \[s\], sorted.
    pub per_function: Vec<Vec<f64>>,
}

/// Reads an invocation trace.
pub fn read_invocation_trace(path: &Path) -> Result<InvocationTrace, ReadError> {
    let bytes = read_capped(
        path,
        FORMAT,
        MAX_INVOCATION_TRACE_BYTES,
        "an invocation trace has one short row per invocation: is this the right file?",
    )?;
    parse(path, &bytes)
}

/// Parses invocation trace bytes (`file` is used in errors only).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<InvocationTrace, ReadError> {
    let err = |line: u64, message: String| ReadError::line(file, FORMAT, line, message);
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(LineCap::new(bytes, MAX_TRACE_LINE_BYTES));
    let headers = rdr
        .headers()
        .map_err(|e| csv_error(file, FORMAT, e, 1, HINT))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != ["time_s", "function"] {
        return Err(err(
            1,
            format!(
                "the header must be `time_s,function`, found `{}`; correct the first line",
                headers.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let mut trace = InvocationTrace {
        names: Vec::new(),
        per_function: Vec::new(),
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut previous = 0.0;
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => line = rec.position().map_or(line + 1, |p| p.line()),
            Ok(false) => break,
            Err(e) => return Err(csv_error(file, FORMAT, e, line + 1, HINT)),
        }
        let (text, name) = (&rec[0], &rec[1]);
        let time: f64 = text.parse().map_err(|_| {
            err(
                line,
                format!("time_s `{text}` is not a number; write the time in seconds, e.g. 12.5"),
            )
        })?;
        if !time.is_finite() || time < 0.0 {
            return Err(err(
                line,
                format!(
                    "time_s {time} must be a finite number ≥ 0; write seconds from the start of the run"
                ),
            ));
        }
        if time < previous {
            return Err(err(
                line,
                format!(
                    "time_s {time} is earlier than the row before ({previous}): events must be sorted by time; sort the file, e.g. `sort -t, -k1,1g`"
                ),
            ));
        }
        previous = time;
        if name.is_empty() {
            return Err(err(
                line,
                "the function name is empty; write the name of the function invoked".into(),
            ));
        }
        let f = match index.get(name) {
            Some(&f) => f,
            None => {
                index.insert(name.to_owned(), trace.names.len());
                trace.names.push(name.to_owned());
                trace.per_function.push(Vec::new());
                trace.names.len() - 1
            }
        };
        trace.per_function[f].push(time);
    }
    if trace.names.is_empty() {
        return Err(err(
            1,
            "no invocations: the file has only its header; add one `TIME_S,FUNCTION` row per invocation".into(),
        ));
    }
    Ok(trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<InvocationTrace, ReadError> {
        parse(Path::new("inv.csv"), text.as_bytes())
    }

    #[test]
    fn functions_in_order_of_first_appearance() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("inv.csv");
        std::fs::write(
            &f,
            "time_s,function\n0,resize\n0.5,thumb\n0.5,resize\n2,\"a, b\"\n7.25,thumb\n",
        )
        .unwrap();
        let got = read_invocation_trace(&f).unwrap();
        assert_eq!(got.names, ["resize", "thumb", "a, b"]);
        assert_eq!(
            got.per_function,
            vec![vec![0.0, 0.5], vec![0.5, 7.25], vec![2.0]]
        );
    }

    #[test]
    fn errors_name_file_line_and_fix() {
        let e = p("time_s,function\n1,a\n2,b\n1.5,a\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "inv.csv:4: invocation trace: time_s 1.5 is earlier than the row before (2): events must be sorted by time; sort the file, e.g. `sort -t, -k1,1g`"
        );
        let e = p("time_s,function\n1,a\n-1,a\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "inv.csv:3: invocation trace: time_s -1 must be a finite number ≥ 0; write seconds from the start of the run"
        );
        let e = p("time_s,function\n1,a\n2, \n").unwrap_err().to_string();
        assert_eq!(
            e,
            "inv.csv:3: invocation trace: the function name is empty; write the name of the function invoked"
        );
        let e = p("function,time_s\na,1\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "inv.csv:1: invocation trace: the header must be `time_s,function`, found `function,time_s`; correct the first line"
        );
        let e = p("time_s,function\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "inv.csv:1: invocation trace: no invocations: the file has only its header; add one `TIME_S,FUNCTION` row per invocation"
        );
        let e = p("time_s,function\n1,a\nx,a\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "inv.csv:3: invocation trace: time_s `x` is not a number; write the time in seconds, e.g. 12.5"
        );
        let e = p("time_s,function\n1,a\n2,a,b\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "inv.csv:3: invocation trace: the row has 3 fields but the header has 2; each row is a time and a function name: time_s,function"
        );
        let e = p("time_s,function\ninf,a\n").unwrap_err().to_string();
        assert!(
            e.starts_with("inv.csv:2: invocation trace: time_s inf must be"),
            "{e}"
        );
    }

    #[test]
    fn a_long_line_is_refused() {
        let e = p(&format!("time_s,function\n0,{}\n", "f".repeat(5000)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2 is longer than 4096 bytes"), "{e}");
    }
}
