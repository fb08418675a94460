//! `mlsim compare --checkpoints SIM_DIR REAL`: Figs. 4 and 5 with the simulator's checkpoints
//! and real ones side by side, next to the paper's reported bounds, and a table per app ×
//! method × side (count, median, min, max, and the share inside the paper's bound).
//!
//! REAL is the samples CSV of `mlsim emu checkpoints` or `mlsim calibrate` (columns `app`,
//! `method`, `checkpoint_s`, `size_bytes`, `raw_bytes`; method `mulambda` means μλ), a record
//! `checkpoints.csv` of an emulation result folder (`mlsim emu run`), or a folder holding
//! either as `checkpoints.csv` (or the samples as `samples.csv`, as `mlsim calibrate` writes).

use crate::error::{Result, csv_err};
use mlsim_core::record::{CheckpointRecord, Mode};
use mlsim_plots::{PAPER_SIZE_BYTES, PAPER_TIME_MS, PaperBound};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use super::bail;
use super::folder::mode_name;
use mlsim_core::stats::median;

/// One sample of the samples CSV (other columns are ignored).
#[derive(Deserialize)]
struct Sample {
    app: String,
    method: String,
    /// Checkpoint time \[s\].
    checkpoint_s: f64,
    /// Compressed size \[bytes\].
    size_bytes: u64,
    /// Raw size \[bytes\].
    raw_bytes: u64,
}

/// The records method name of a samples-CSV method name (older files spell μλ `mulambda`).
fn method_name(m: &str) -> String {
    mlsim_core::methods::find(m).map_or_else(|| m.to_string(), |id| id.name().to_string())
}

/// The CSV that REAL names: the file itself, or `checkpoints.csv` (`mlsim emu checkpoints`,
/// `mlsim emu run`) or else `samples.csv` (`mlsim calibrate`) inside a folder.
fn real_csv(real: &Path) -> Result<PathBuf> {
    let p = if real.is_dir() {
        let c = real.join("checkpoints.csv");
        if c.is_file() {
            c
        } else {
            real.join("samples.csv")
        }
    } else {
        real.to_path_buf()
    };
    if !p.is_file() {
        bail!(
            "REAL {}: no such CSV (give the samples CSV of `mlsim emu checkpoints` or `mlsim \
             calibrate`, or a folder holding checkpoints.csv or samples.csv)",
            p.display()
        );
    }
    Ok(p)
}

/// Reads the real checkpoints as records of mode `emu`.
pub fn read_real(real: &Path) -> Result<Vec<CheckpointRecord>> {
    let path = real_csv(real)?;
    let mut r = csv::Reader::from_path(&path).map_err(csv_err(&path))?;
    let headers = r.headers().map_err(csv_err(&path))?.clone();
    let has = |c: &str| headers.iter().any(|h| h == c);
    if has("checkpoint_s") {
        let mut out = Vec::new();
        for (i, s) in r.deserialize::<Sample>().enumerate() {
            let s = s.map_err(csv_err(&path))?;
            if !(s.checkpoint_s.is_finite() && s.checkpoint_s >= 0.0) {
                bail!(
                    "{}: row {}: checkpoint_s {} is not a time",
                    path.display(),
                    i + 2,
                    s.checkpoint_s
                );
            }
            out.push(CheckpointRecord {
                mode: Mode::Emu,
                app: s.app,
                method: method_name(&s.method),
                time_ns: (s.checkpoint_s * 1e9).round() as u64,
                raw_bytes: s.raw_bytes,
                size_bytes: s.size_bytes,
                deadline_met: true,
                ..CheckpointRecord::default()
            });
        }
        Ok(out)
    } else if has("time_ns") {
        let recs = mlsim_plots::read_checkpoints(&path, "fig4-compare")?;
        if let Some(c) = recs.iter().find(|c| c.mode != Mode::Emu) {
            bail!(
                "REAL {} holds {} records (run {}); give measured checkpoints",
                path.display(),
                mode_name(c.mode),
                c.run
            );
        }
        Ok(recs)
    } else {
        bail!(
            "REAL {}: neither a samples CSV (column checkpoint_s) nor a record checkpoints.csv \
             (column time_ns)",
            path.display()
        )
    }
}

/// Reads the simulator's checkpoints of a result folder (all of mode `sim`).
pub fn read_sim(dir: &Path) -> Result<Vec<CheckpointRecord>> {
    let path = dir.join("checkpoints.csv");
    if !path.is_file() {
        bail!(
            "SIM_DIR {} has no checkpoints.csv (run a checkpoint_probe spec such as \
             experiments/fig4.toml with `mlsim run`)",
            dir.display()
        );
    }
    let recs = mlsim_plots::read_checkpoints(&path, "fig4-compare")?;
    if let Some(c) = recs.iter().find(|c| c.mode != Mode::Sim) {
        bail!(
            "SIM_DIR {} holds {} records (run {}); give the simulator's folder first",
            dir.display(),
            mode_name(c.mode),
            c.run
        );
    }
    Ok(recs)
}

/// One row of `checkpoints-compare.csv`: one app × method × side.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CkptRow {
    /// Application.
    pub app: String,
    /// Method.
    pub method: String,
    /// `sim` or `real`.
    pub side: &'static str,
    /// Checkpoints.
    pub n: usize,
    /// Median checkpoint time \[ms\].
    pub time_median_ms: String,
    /// Shortest \[ms\].
    pub time_min_ms: String,
    /// Longest \[ms\].
    pub time_max_ms: String,
    /// The paper's time bound (`< 10 ms`), empty if none.
    pub paper_time: String,
    /// Share of checkpoints inside the paper's time bound [%].
    pub time_in_paper_pct: String,
    /// Median compressed size \[bytes\].
    pub size_median_bytes: String,
    /// Smallest \[bytes\].
    pub size_min_bytes: String,
    /// Largest \[bytes\].
    pub size_max_bytes: String,
    /// The paper's size bound (`< 128000 B`), empty if none.
    pub paper_size: String,
    /// Share of checkpoints inside the paper's size bound [%].
    pub size_in_paper_pct: String,
}

/// The rows, apps in figure order, μλ before CRIU, sim before real.
pub fn rows(records: &[CheckpointRecord]) -> Vec<CkptRow> {
    let mut keys: Vec<(String, String, Mode)> = records
        .iter()
        .map(|r| (r.app.clone(), r.method.clone(), r.mode))
        .collect();
    let app_rank = |a: &str| ["face", "taxi", "stress"].iter().position(|k| *k == a);
    let method_rank = |m: &str| mlsim_core::methods::find(m);
    keys.sort_by(|a, b| {
        (
            app_rank(&a.0),
            &a.0,
            method_rank(&a.1),
            &a.1,
            a.2 == Mode::Emu,
        )
            .cmp(&(
                app_rank(&b.0),
                &b.0,
                method_rank(&b.1),
                &b.1,
                b.2 == Mode::Emu,
            ))
    });
    keys.dedup();
    keys.into_iter()
        .map(|(app, method, mode)| {
            let of: Vec<&CheckpointRecord> = records
                .iter()
                .filter(|r| r.app == app && r.method == method && r.mode == mode)
                .collect();
            let times: Vec<f64> = of.iter().map(|r| r.time_ns as f64 / 1e6).collect();
            let sizes: Vec<f64> = of.iter().map(|r| r.size_bytes as f64).collect();
            let bound = |table: &[PaperBound]| {
                table
                    .iter()
                    .find(|b| b.app == app && b.method == method)
                    .copied()
            };
            let (tb, sb) = (bound(&PAPER_TIME_MS), bound(&PAPER_SIZE_BYTES));
            let share = |xs: &[f64], b: Option<PaperBound>| {
                b.map_or(String::new(), |b| {
                    let k = xs.iter().filter(|&&x| b.relation.holds(x, b.value)).count();
                    format!("{:.0}", 100.0 * k as f64 / xs.len().max(1) as f64)
                })
            };
            let desc = |b: Option<PaperBound>, unit: fn(f64) -> String| {
                b.map_or(String::new(), |b| b.relation.describe(&unit(b.value)))
            };
            let stat = |xs: &[f64], d: usize, f: fn(f64, f64) -> f64, start: f64| {
                format!("{:.d$}", xs.iter().copied().fold(start, f))
            };
            CkptRow {
                side: if mode == Mode::Emu { "real" } else { "sim" },
                n: of.len(),
                time_median_ms: format!("{:.3}", median(times.clone()).unwrap_or(f64::NAN)),
                time_min_ms: stat(&times, 3, f64::min, f64::INFINITY),
                time_max_ms: stat(&times, 3, f64::max, f64::NEG_INFINITY),
                paper_time: desc(tb, |v| format!("{v} ms")),
                time_in_paper_pct: share(&times, tb),
                size_median_bytes: format!("{:.0}", median(sizes.clone()).unwrap_or(f64::NAN)),
                size_min_bytes: stat(&sizes, 0, f64::min, f64::INFINITY),
                size_max_bytes: stat(&sizes, 0, f64::max, f64::NEG_INFINITY),
                paper_size: desc(sb, decimal_bytes),
                size_in_paper_pct: share(&sizes, sb),
                app,
                method,
            }
        })
        .collect()
}

/// A size \[bytes\] in decimal KB or MB, as the paper writes them: `128 KB`, `1.8 MB`.
fn decimal_bytes(v: f64) -> String {
    if v >= 1e6 {
        format!("{} MB", v / 1e6)
    } else if v >= 1e3 {
        format!("{} KB", v / 1e3)
    } else {
        format!("{v} B")
    }
}

/// The rows as the aligned table `mlsim compare --checkpoints` prints.
pub fn table(rows: &[CkptRow]) -> String {
    let header = [
        "app",
        "method",
        "side",
        "n",
        "time_med_ms",
        "min",
        "max",
        "paper",
        "in_%",
        "size_med_B",
        "min",
        "max",
        "paper",
        "in_%",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.app.clone(),
                r.method.clone(),
                r.side.to_string(),
                r.n.to_string(),
                r.time_median_ms.clone(),
                r.time_min_ms.clone(),
                r.time_max_ms.clone(),
                r.paper_time.clone(),
                r.time_in_paper_pct.clone(),
                r.size_median_bytes.clone(),
                r.size_min_bytes.clone(),
                r.size_max_bytes.clone(),
                r.paper_size.clone(),
                r.size_in_paper_pct.clone(),
            ]
        })
        .collect();
    crate::summary::aligned(&header, &body)
}
