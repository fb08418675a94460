//! The samples CSV that `mlsim emu checkpoints` (`checkpoints.csv`) and `mlsim calibrate`
//! (`samples.csv`) write ([`to_csv`], one line per [`Sample`] with the [`Environment`] on every
//! line), and reading it back ([`read_csv`], for `mlsim calibrate --from` and for resuming).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Environment, Sample};
use crate::ckpt::{App, Method};

/// The columns of the samples CSV.
pub const CSV_HEADER: [&str; 14] = [
    "app",
    "method",
    "sample",
    "exec_before_s",
    "setup_s",
    "checkpoint_s",
    "size_bytes",
    "raw_bytes",
    "restore_s",
    "host",
    "kernel",
    "criu_version",
    "docker_version",
    "items_done",
];

/// The CSV of `samples` (one header line, one line per sample).
pub fn to_csv(samples: &[Sample], env: &Environment) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    for s in samples {
        w.write_record([
            s.app.name().to_string(),
            s.method.name().to_string(),
            s.sample.to_string(),
            format!("{:.6}", s.exec_before.as_secs_f64()),
            format!("{:.6}", s.setup.as_secs_f64()),
            format!("{:.9}", s.checkpoint.as_secs_f64()),
            s.size_bytes.to_string(),
            s.raw_bytes.to_string(),
            format!("{:.9}", s.restore.as_secs_f64()),
            env.host.clone(),
            env.kernel.clone(),
            env.criu.clone().unwrap_or_default(),
            env.docker.clone().unwrap_or_default(),
            s.items_done.map(|n| n.to_string()).unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Why a samples CSV file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadCsvError {
    /// The file cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file's text is not a samples CSV.
    #[error("in {}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why.
        source: ParseCsvError,
    },
}

/// Why samples CSV text does not parse; each names the line (the header is line 1).
#[derive(Debug, thiserror::Error)]
pub enum ParseCsvError {
    /// No readable header line.
    #[error("no header line")]
    Header(#[source] csv::Error),
    /// A required column is missing.
    #[error("missing column `{0}`")]
    MissingColumn(&'static str),
    /// A line is not CSV.
    #[error("line {line}")]
    Record {
        /// The line.
        line: usize,
        /// Why.
        source: csv::Error,
    },
    /// A value is not a number.
    #[error("line {line}: `{column}` = {value:?} is not a number")]
    NotANumber {
        /// The line.
        line: usize,
        /// The column.
        column: &'static str,
        /// The value.
        value: String,
    },
    /// A number is negative or not finite.
    #[error("line {line}: `{column}` = {value} is not a non-negative number")]
    Negative {
        /// The line.
        line: usize,
        /// The column.
        column: &'static str,
        /// The value.
        value: f64,
    },
    /// A value is not a non-negative integer.
    #[error("line {line}: `{column}` = {value:?} is not an integer")]
    NotAnInteger {
        /// The line.
        line: usize,
        /// The column.
        column: &'static str,
        /// The value.
        value: String,
    },
    /// The app is not one of the real workloads.
    #[error("line {line}: unknown app {value:?}")]
    UnknownApp {
        /// The line.
        line: usize,
        /// The value.
        value: String,
    },
    /// The method is not in the registry.
    #[error("line {line}: unknown method {value:?}")]
    UnknownMethod {
        /// The line.
        line: usize,
        /// The value.
        value: String,
    },
}

/// The samples of a CSV file and the environment of its first row.
pub fn read_csv(path: &Path) -> Result<(Vec<Sample>, Environment), ReadCsvError> {
    // A samples CSV has one short row per checkpoint: 256 MiB is millions of samples.
    let text =
        mlsim_datasets::limits::read_to_string_capped(path, 256 << 20).map_err(|source| {
            ReadCsvError::Read {
                path: path.to_path_buf(),
                source,
            }
        })?;
    parse_csv(&text).map_err(|source| ReadCsvError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses samples CSV text: columns by header name; `items_done` may be missing (files of
/// older versions) or empty.
pub fn parse_csv(text: &str) -> Result<(Vec<Sample>, Environment), ParseCsvError> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().map_err(ParseCsvError::Header)?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &'static str| col(name).ok_or(ParseCsvError::MissingColumn(name));
    let (app, method, sample) = (need("app")?, need("method")?, need("sample")?);
    let (exec, setup, ck) = (
        need("exec_before_s")?,
        need("setup_s")?,
        need("checkpoint_s")?,
    );
    let (size, raw, restore) = (need("size_bytes")?, need("raw_bytes")?, need("restore_s")?);
    let (host, kernel, criu, docker, items) = (
        col("host"),
        col("kernel"),
        col("criu_version"),
        col("docker_version"),
        col("items_done"),
    );
    let mut out = Vec::new();
    let mut env = Environment::default();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|source| ParseCsvError::Record { line, source })?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        let num = |c: usize, column: &'static str| -> Result<f64, ParseCsvError> {
            let v: f64 = get(c).parse().map_err(|_| ParseCsvError::NotANumber {
                line,
                column,
                value: get(c).to_string(),
            })?;
            if !v.is_finite() || v < 0.0 {
                return Err(ParseCsvError::Negative {
                    line,
                    column,
                    value: v,
                });
            }
            Ok(v)
        };
        let int = |c: usize, column: &'static str| -> Result<u64, ParseCsvError> {
            get(c).parse().map_err(|_| ParseCsvError::NotAnInteger {
                line,
                column,
                value: get(c).to_string(),
            })
        };
        let secs = |c: usize, column: &'static str| num(c, column).map(Duration::from_secs_f64);
        let a = App::parse(get(app)).ok_or_else(|| ParseCsvError::UnknownApp {
            line,
            value: get(app).to_string(),
        })?;
        let m = Method::parse(get(method)).ok_or_else(|| ParseCsvError::UnknownMethod {
            line,
            value: get(method).to_string(),
        })?;
        let items_done = match items.map(get) {
            None | Some("") => None,
            Some(_) => Some(int(items.unwrap_or_default(), "items_done")?),
        };
        if i == 0 {
            let opt = |c: Option<usize>| c.map(|c| get(c).to_string()).filter(|s| !s.is_empty());
            env = Environment {
                host: opt(host).unwrap_or_default(),
                kernel: opt(kernel).unwrap_or_default(),
                criu: opt(criu),
                docker: opt(docker),
                redis: None,
            };
        }
        out.push(Sample {
            app: a,
            method: m,
            sample: int(sample, "sample")? as usize,
            exec_before: secs(exec, "exec_before_s")?,
            setup: secs(setup, "setup_s")?,
            checkpoint: secs(ck, "checkpoint_s")?,
            size_bytes: int(size, "size_bytes")?,
            raw_bytes: int(raw, "raw_bytes")?,
            restore: secs(restore, "restore_s")?,
            items_done,
        });
    }
    Ok((out, env))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::methods::named;

    fn sample(app: App, method: Method, i: usize, ms: u64) -> Sample {
        Sample {
            app,
            method,
            sample: i,
            exec_before: Duration::from_secs(1),
            setup: Duration::from_millis(250),
            checkpoint: Duration::from_millis(ms),
            size_bytes: 1000 * ms,
            raw_bytes: 2000 * ms,
            restore: Duration::from_millis(2 * ms),
            items_done: Some(ms),
        }
    }

    /// An error and its sources, joined by ": " (what the CLI prints).
    fn chain(e: &dyn std::error::Error) -> String {
        let mut s = e.to_string();
        let mut next = e.source();
        while let Some(c) = next {
            s.push_str(&format!(": {c}"));
            next = c.source();
        }
        s
    }

    #[test]
    fn csv_has_one_line_per_sample() {
        let s = vec![
            sample(App::Taxi, named("criu"), 0, 150),
            sample(App::Taxi, named("criu"), 1, 170),
            sample(App::Taxi, named("microlambda"), 0, 1),
        ];
        let env = Environment {
            host: "h".into(),
            kernel: "6.18".into(),
            criu: Some("4.1.1".into()),
            docker: None,
            redis: None,
        };
        let text = String::from_utf8(to_csv(&s, &env).expect("csv")).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(
            lines[1],
            "taxi,criu,0,1.000000,0.250000,0.150000000,150000,300000,0.300000000,h,6.18,4.1.1,,150"
        );
    }

    #[test]
    fn round_trips_what_emu_checkpoints_writes() {
        let s = Sample {
            app: App::Taxi,
            method: named("criu"),
            sample: 4,
            exec_before: Duration::from_millis(1500),
            setup: Duration::from_millis(20),
            checkpoint: Duration::from_micros(151_250),
            size_bytes: 2_000_000,
            raw_bytes: 40_000_000,
            restore: Duration::from_millis(90),
            items_done: Some(5123),
        };
        let env = Environment {
            host: "h".into(),
            kernel: "6.18".into(),
            criu: Some("4.1.1".into()),
            docker: None,
            redis: None,
        };
        let bytes = to_csv(std::slice::from_ref(&s), &env).expect("csv");
        let (back, e) = parse_csv(&String::from_utf8(bytes).expect("utf8")).expect("parses");
        assert_eq!(back, vec![s]);
        assert_eq!(e, env);
    }

    #[test]
    fn older_files_without_items_and_bad_values() {
        let old = "app,method,sample,exec_before_s,setup_s,checkpoint_s,size_bytes,raw_bytes,restore_s\ntaxi,mulambda,0,1,0.01,0.002,100,200,0.001\n";
        let (s, _) = parse_csv(old).expect("parses");
        assert_eq!(s[0].items_done, None);
        let bad = old.replace("0.002", "fast");
        let e = chain(&parse_csv(&bad).expect_err("bad"));
        assert_eq!(e, "line 2: `checkpoint_s` = \"fast\" is not a number");
        let e = chain(&parse_csv(&old.replace("0.002", "-1")).expect_err("bad"));
        assert_eq!(
            e,
            "line 2: `checkpoint_s` = -1 is not a non-negative number"
        );
        let e = chain(&parse_csv("app,method\ntaxi,criu\n").expect_err("bad"));
        assert_eq!(e, "missing column `sample`");
        let e = chain(&parse_csv(&old.replace("taxi", "chess")).expect_err("bad"));
        assert_eq!(e, "line 2: unknown app \"chess\"");
        let e = chain(&parse_csv(&old.replace(",0,1,", ",x,1,")).expect_err("bad"));
        assert_eq!(e, "line 2: `sample` = \"x\" is not an integer");
    }

    #[test]
    fn read_errors_name_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("s.csv");
        let e = chain(&read_csv(&p).expect_err("missing"));
        assert!(
            e.starts_with(&format!("cannot read {}: ", p.display())),
            "{e}"
        );
        std::fs::write(&p, "app,method\ntaxi,criu\n").expect("write");
        let e = chain(&read_csv(&p).expect_err("bad"));
        assert_eq!(e, format!("in {}: missing column `sample`", p.display()));
    }
}
