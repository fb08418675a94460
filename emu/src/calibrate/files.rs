//! The files a calibration measures into, read back for a re-fit: `items.csv` (per-item times,
//! output bytes and set-up times; [`items_csv`], [`read_items`]) beside the samples CSV
//! ([`crate::ckpt::sample::read_csv`]), and both together for `mlsim calibrate --from`
//! ([`refit_inputs`]).

use std::path::{Path, PathBuf};

use mlsim_core::app::App;
use mlsim_core::calibration::Measurements;

use crate::ckpt::Method;
use crate::ckpt::sample::{Environment, ReadCsvError, read_csv};

/// `items.csv`: one line per observation: app, quantity (`item_ms`, `output_bytes`,
/// `setup_ms`), value.
pub fn items_csv(m: &Measurements) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["app", "quantity", "value"])?;
    for (q, map) in [
        ("item_ms", &m.item_ms),
        ("output_bytes", &m.output_bytes),
        ("setup_ms", &m.setup_ms),
    ] {
        for (app, v) in map {
            for x in v {
                w.write_record([app.name(), q, &format!("{x:.6}")])?;
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Why `items.csv` cannot be read; each names the file (and the line).
#[derive(Debug, thiserror::Error)]
pub enum ItemsCsvError {
    /// The file cannot be opened.
    #[error("cannot read {}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: csv::Error,
    },
    /// A line is not CSV.
    #[error("{}: line {line}", path.display())]
    Record {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
        /// Why.
        source: csv::Error,
    },
    /// A line is not `app,quantity,value`.
    #[error("{}: line {line}: expected app,quantity,value", path.display())]
    Bad {
        /// The file.
        path: PathBuf,
        /// The line.
        line: usize,
    },
}

/// Adds the observations of the `items.csv` at `path` to `m`.
pub fn read_items(path: &Path, m: &mut Measurements) -> Result<(), ItemsCsvError> {
    let mut r = csv::Reader::from_path(path).map_err(|source| ItemsCsvError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|source| ItemsCsvError::Record {
            path: path.to_path_buf(),
            line,
            source,
        })?;
        let bad = || ItemsCsvError::Bad {
            path: path.to_path_buf(),
            line,
        };
        let app = rec.get(0).and_then(App::parse).ok_or_else(bad)?;
        let v: f64 = rec.get(2).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let map = match rec.get(1) {
            Some("item_ms") => &mut m.item_ms,
            Some("output_bytes") => &mut m.output_bytes,
            Some("setup_ms") => &mut m.setup_ms,
            _ => return Err(bad()),
        };
        map.entry(app).or_default().push(v);
    }
    Ok(())
}

/// What a re-fit starts from.
#[derive(Clone, Debug)]
pub struct Refit {
    /// The samples of the chosen apps and methods, and their apps' item and set-up times.
    pub measurements: Measurements,
    /// The environment of the samples' first line.
    pub env: Environment,
    /// The `items.csv` that is not beside the samples, if so: then the set-up times come from
    /// the samples' set-up column, and the per-item times and output bytes are not measured.
    pub no_items: Option<PathBuf>,
}

/// Why a re-fit cannot start.
#[derive(Debug, thiserror::Error)]
pub enum RefitError {
    /// The samples CSV cannot be read.
    #[error(transparent)]
    Samples(#[from] ReadCsvError),
    /// No sample is of the chosen apps and methods.
    #[error("--from {}: no samples of the chosen --apps and --methods", from.display())]
    NoSamples {
        /// The samples CSV.
        from: PathBuf,
    },
    /// The `items.csv` beside the samples cannot be read.
    #[error(transparent)]
    Items(#[from] ItemsCsvError),
}

/// The measurements of the samples CSV `from` (`mlsim calibrate --from`) of `apps` and
/// `methods`, with the `items.csv` beside it if there is one.
pub fn refit_inputs(from: &Path, apps: &[App], methods: &[Method]) -> Result<Refit, RefitError> {
    let (mut samples, env) = read_csv(from)?;
    samples.retain(|s| apps.contains(&s.app) && methods.contains(&s.method));
    if samples.is_empty() {
        return Err(RefitError::NoSamples {
            from: from.to_path_buf(),
        });
    }
    let mut m = Measurements {
        samples,
        ..Default::default()
    };
    let items = from.with_file_name("items.csv");
    let no_items = if items.is_file() {
        read_items(&items, &mut m)?;
        None
    } else {
        // The samples' set-up column (one value per app and run of `measure`).
        for s in &m.samples {
            let v = m.setup_ms.entry(s.app).or_default();
            let ms = s.setup.as_secs_f64() * 1e3;
            if !v.contains(&ms) {
                v.push(ms);
            }
        }
        Some(items)
    };
    m.item_ms.retain(|k, _| apps.contains(k));
    m.output_bytes.retain(|k, _| apps.contains(k));
    m.setup_ms.retain(|k, _| apps.contains(k));
    Ok(Refit {
        measurements: m,
        env,
        no_items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ckpt::sample::{Sample, to_csv};
    use mlsim_core::methods::named;
    use std::collections::BTreeMap;
    use std::time::Duration;

    #[test]
    fn items_csv_round_trips() {
        let m = Measurements {
            item_ms: BTreeMap::from([(App::Taxi, vec![0.25, 0.5])]),
            setup_ms: BTreeMap::from([(App::Stress, vec![1600.0])]),
            ..Default::default()
        };
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("items.csv");
        std::fs::write(&p, items_csv(&m).expect("csv")).expect("write");
        let mut back = Measurements::default();
        read_items(&p, &mut back).expect("reads");
        assert_eq!(back.item_ms, m.item_ms);
        assert_eq!(back.setup_ms, m.setup_ms);
        std::fs::write(&p, "app,quantity,value\ntaxi,item_ms,x\n").expect("write");
        let e = read_items(&p, &mut back).expect_err("bad").to_string();
        assert_eq!(
            e,
            format!("{}: line 2: expected app,quantity,value", p.display())
        );
    }

    fn sample(app: App, method: &str, setup_ms: u64) -> Sample {
        Sample {
            app,
            method: named(method),
            sample: 0,
            exec_before: Duration::from_secs(1),
            setup: Duration::from_millis(setup_ms),
            checkpoint: Duration::from_millis(3),
            size_bytes: 100,
            raw_bytes: 200,
            restore: Duration::from_millis(2),
            items_done: Some(10),
        }
    }

    #[test]
    fn a_refit_keeps_the_chosen_samples_and_set_ups() {
        let dir = tempfile::tempdir().expect("tmp");
        let from = dir.path().join("s.csv");
        let s = [
            sample(App::Taxi, "microlambda", 15),
            sample(App::Taxi, "criu", 15),
            sample(App::Taxi, "criu", 16),
            sample(App::Stress, "criu", 1600),
        ];
        let env = Environment {
            host: "h".into(),
            ..Default::default()
        };
        std::fs::write(&from, to_csv(&s, &env).expect("csv")).expect("write");
        // Without items.csv: set-up times from the samples' column, once per distinct value.
        let r = refit_inputs(&from, &[App::Taxi], &[named("criu")]).expect("refit");
        assert_eq!(r.measurements.samples, s[1..3]);
        assert_eq!(r.env.host, "h");
        assert_eq!(r.no_items, Some(dir.path().join("items.csv")));
        assert_eq!(
            r.measurements.setup_ms,
            BTreeMap::from([(App::Taxi, vec![15.0, 16.0])])
        );
        // With items.csv: its values, of the chosen apps only.
        let m = Measurements {
            item_ms: BTreeMap::from([(App::Taxi, vec![0.25]), (App::Stress, vec![2.0])]),
            ..Default::default()
        };
        std::fs::write(dir.path().join("items.csv"), items_csv(&m).expect("csv")).expect("w");
        let r = refit_inputs(&from, &[App::Taxi], &[named("criu")]).expect("refit");
        assert_eq!(r.no_items, None);
        assert!(r.measurements.setup_ms.is_empty());
        assert_eq!(
            r.measurements.item_ms,
            BTreeMap::from([(App::Taxi, vec![0.25])])
        );
        let e = refit_inputs(&from, &[App::Face], &[named("criu")]).expect_err("none");
        assert_eq!(
            e.to_string(),
            format!(
                "--from {}: no samples of the chosen --apps and --methods",
                from.display()
            )
        );
    }
}
