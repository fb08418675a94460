//! The suspend study (seed 000) compared: per grid point, what the simulator predicts against
//! what the emulation measured, metric by metric, and the summary over the points.
//!
//! Definitions (also in the README; every mean pools the point's replications):
//! - `wake_latency_s`: mean of `events.csv` `wake_latency_s` over the events whose burst
//!   started (event arrival → burst start);
//! - `response_s`: mean of `events.csv` `response_s` over the events served;
//! - `served`: events served / events arrived;
//! - `suspend_s`, `wake_s`: the time of one suspend (pause, dump, state save) and of one wake
//!   (unpause, restore, resume): `functions.csv` Σ `suspend_s` / Σ `suspends`, Σ `wake_s` /
//!   Σ `wakes`;
//! - `suspends`: suspends per run;
//! - `bytes_per_suspend`: Σ `bytes_written` / Σ `suspends` (the simulator's model counts the
//!   compressed image; the emulation the files the runtime wrote);
//! - `memory_mean_mib`: the worker's mean memory held: the simulator's accounts
//!   ((running + blocked + paused) MiB·s / horizon), against the emulation's memory cgroup
//!   (`memory.csv` `measured_mean_mib`: the program, its libraries and page cache included);
//! - `memory_peak_mib`: `peak_resident_mib` (the admitted bytes) against the cgroup's
//!   high-water mark (`measured_peak_mib`);
//! - error [%] = 100 · (sim − emu) / emu, when both sides finished every run of the point and
//!   the emulation's value is not 0.

use super::bail;
use crate::error::{Result, csv_err, io};
use crate::folder::{csv_rows, write_atomic};
use mlsim_core::record::{FunctionEventRecord, FunctionRecord, MemoryRecord, Mode, RunRecord};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The metrics, in table order.
pub const METRICS: [&str; 9] = [
    "wake_latency_s",
    "response_s",
    "served",
    "suspend_s",
    "wake_s",
    "suspends",
    "bytes_per_suspend",
    "memory_mean_mib",
    "memory_peak_mib",
];

/// One side's records of a suspend study.
#[derive(Clone, Debug, Default)]
pub struct SuspendRecords {
    /// `runs.csv`.
    pub runs: Vec<RunRecord>,
    /// `events.csv`.
    pub events: Vec<FunctionEventRecord>,
    /// `functions.csv`.
    pub functions: Vec<FunctionRecord>,
    /// `memory.csv`.
    pub memory: Vec<MemoryRecord>,
}

impl SuspendRecords {
    /// Reads the suspend records of folder `dir`, which must be of `mode` (`role` names the
    /// argument in errors).
    pub fn read(dir: &Path, mode: Mode, role: &str) -> Result<Self> {
        let f = "compare";
        let r = SuspendRecords {
            runs: mlsim_plots::read_runs(&dir.join("runs.csv"), f)?,
            events: mlsim_plots::read_events(&dir.join("events.csv"), f)?,
            functions: mlsim_plots::read_functions(&dir.join("functions.csv"), f)?,
            memory: mlsim_plots::read_memory(&dir.join("memory.csv"), f)?,
        };
        if let Some(e) = r.functions.iter().find(|e| e.mode != mode) {
            bail!(
                "{role} {} holds {:?} records (functions.csv, run {}), not {mode:?}: give the simulator's folder (`mlsim run SPEC`) first and the emulation's (`mlsim emu run SPEC`) second",
                dir.display(),
                e.mode,
                e.run
            );
        }
        Ok(r)
    }
}

/// One metric at one point.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MetricRow {
    /// Sweep point.
    pub point: u32,
    /// Suspend method (a serverless study's comparison: its keep-alive / prewarm policy).
    pub method: String,
    /// The swept parameters.
    pub params: String,
    /// The metric (see the module documentation).
    pub metric: &'static str,
    /// The simulator's value (empty if its side failed or has none).
    pub sim: Option<f64>,
    /// The emulation's value.
    pub emu: Option<f64>,
    /// Signed error [%].
    pub err_pct: Option<f64>,
}

/// Per metric over the points: median and max |error|.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MetricSummary {
    /// The metric.
    pub metric: &'static str,
    /// Points with an error.
    pub points: u32,
    /// Median |error| [%].
    pub median_abs_err_pct: Option<f64>,
    /// Max |error| [%].
    pub max_abs_err_pct: Option<f64>,
    /// The point of the max.
    pub max_point: Option<u32>,
}

/// The values of every metric at every point of one side; `None` where a run failed or the
/// metric has no value (e.g. no suspend).
fn values(r: &SuspendRecords) -> BTreeMap<u32, (String, String, [Option<f64>; 9])> {
    let point_of: BTreeMap<u32, u32> = r.runs.iter().map(|x| (x.run, x.point)).collect();
    let mut out = BTreeMap::new();
    let mut points: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for x in &r.runs {
        points.entry(x.point).or_default().push(x.run);
    }
    for (&p, runs) in &points {
        let first = r
            .runs
            .iter()
            .find(|x| x.point == p)
            .expect("a run of the point");
        let failed = r.runs.iter().any(|x| x.point == p && x.status != "ok");
        let mut v = [None; 9];
        if !failed {
            let of = |run: u32| point_of.get(&run) == Some(&p);
            let ev: Vec<&FunctionEventRecord> = r.events.iter().filter(|e| of(e.run)).collect();
            let fs: Vec<&FunctionRecord> = r.functions.iter().filter(|e| of(e.run)).collect();
            let ms: Vec<&MemoryRecord> = r.memory.iter().filter(|e| of(e.run)).collect();
            let mean =
                |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
            v[0] = mean(ev.iter().filter_map(|e| e.wake_latency_s).collect());
            v[1] = mean(ev.iter().filter_map(|e| e.response_s).collect());
            let served = ev.iter().filter(|e| e.response_s.is_some()).count();
            v[2] = (!ev.is_empty()).then(|| served as f64 / ev.len() as f64);
            let sus: u32 = fs.iter().map(|f| f.suspends).sum();
            let wakes: u32 = fs.iter().map(|f| f.wakes).sum();
            v[3] = (sus > 0).then(|| fs.iter().map(|f| f.suspend_s).sum::<f64>() / f64::from(sus));
            v[4] = (wakes > 0).then(|| fs.iter().map(|f| f.wake_s).sum::<f64>() / f64::from(wakes));
            v[5] = Some(f64::from(sus) / runs.len() as f64);
            v[6] = (sus > 0)
                .then(|| fs.iter().map(|f| f.bytes_written as f64).sum::<f64>() / f64::from(sus));
            let emu = ms.iter().any(|m| m.measured_mean_mib.is_some());
            v[7] = mean(
                ms.iter()
                    .filter_map(|m| {
                        if emu {
                            m.measured_mean_mib
                        } else {
                            (m.horizon_s > 0.0).then(|| {
                                (m.running_mib_s + m.blocked_mib_s + m.paused_mib_s) / m.horizon_s
                            })
                        }
                    })
                    .collect(),
            );
            v[8] = mean(
                ms.iter()
                    .filter_map(|m| {
                        if emu {
                            m.measured_peak_mib
                        } else {
                            Some(m.peak_resident_mib)
                        }
                    })
                    .collect(),
            );
        }
        out.insert(p, (first.method.clone(), first.params.clone(), v));
    }
    out
}

/// Compares two sides of one spec, point by point and metric by metric.
pub fn compare(sim: &SuspendRecords, emu: &SuspendRecords) -> Vec<MetricRow> {
    rows_of(&values(sim), &values(emu), &METRICS)
}

/// Per point of the simulator's side (label, params, one value per metric) and metric: both
/// sides' values and the error 100 · (sim − emu) / emu where both exist and emu ≠ 0 (also the
/// serverless comparison's).
pub fn rows_of<const N: usize>(
    sim: &BTreeMap<u32, (String, String, [Option<f64>; N])>,
    emu: &BTreeMap<u32, (String, String, [Option<f64>; N])>,
    metrics: &[&'static str; N],
) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for (p, (method, params, sv)) in sim {
        let ev = emu.get(p).map(|x| x.2).unwrap_or([None; N]);
        for (i, metric) in metrics.iter().enumerate() {
            let err = match (sv[i], ev[i]) {
                (Some(a), Some(b)) if b != 0.0 => Some(100.0 * (a - b) / b),
                _ => None,
            };
            rows.push(MetricRow {
                point: *p,
                method: method.clone(),
                params: params.clone(),
                metric,
                sim: sv[i],
                emu: ev[i],
                err_pct: err,
            });
        }
    }
    rows
}

/// Median and max |error| per metric.
pub fn summarize(rows: &[MetricRow]) -> Vec<MetricSummary> {
    summarize_with(rows, &METRICS)
}

/// Median and max |error| of each of `metrics` (also the serverless comparison's).
pub fn summarize_with(rows: &[MetricRow], metrics: &[&'static str]) -> Vec<MetricSummary> {
    metrics
        .iter()
        .map(|&metric| {
            let (points, median_abs_err_pct, max_abs_err_pct, max_point) = super::abs_summary(
                rows.iter()
                    .filter(|r| r.metric == metric)
                    .filter_map(|r| r.err_pct.map(|e| (r.point, e))),
            );
            MetricSummary {
                metric,
                points,
                median_abs_err_pct,
                max_abs_err_pct,
                max_point,
            }
        })
        .collect()
}

/// The table `mlsim compare` prints: a line per point and metric.
pub fn table(rows: &[MetricRow]) -> String {
    let header = ["point", "method", "params", "metric", "sim", "emu", "err_%"];
    let num = |v: Option<f64>| v.map_or("-".into(), |x| format!("{x:.4}"));
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.point.to_string(),
                r.method.clone(),
                r.params.clone(),
                r.metric.to_string(),
                num(r.sim),
                num(r.emu),
                r.err_pct.map_or("-".into(), |e| format!("{e:+.1}")),
            ]
        })
        .collect();
    crate::summary::aligned(&header, &body)
}

/// The summary lines `mlsim compare` prints.
pub fn summary_text(s: &[MetricSummary]) -> String {
    let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} %"));
    s.iter()
        .map(|m| {
            format!(
                "{:<18} |error| median {}, max {}{} over {} point(s)\n",
                m.metric,
                pct(m.median_abs_err_pct),
                pct(m.max_abs_err_pct),
                m.max_point
                    .map_or(String::new(), |p| format!(" (point {p})")),
                m.points
            )
        })
        .collect()
}

/// Writes `compare-suspend.csv` and `compare-suspend-summary.csv` into `out`; returns their
/// paths.
pub fn write(rows: &[MetricRow], summary: &[MetricSummary], out: &Path) -> Result<Vec<PathBuf>> {
    write_named(rows, summary, out, "compare-suspend")
}

/// Writes `<stem>.csv` and `<stem>-summary.csv` into `out`; returns their paths.
pub fn write_named(
    rows: &[MetricRow],
    summary: &[MetricSummary],
    out: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(io("create", out))?;
    let a = out.join(format!("{stem}.csv"));
    let fixed: Vec<MetricRowText> = rows.iter().map(MetricRowText::of).collect();
    write_atomic(&a, &csv_rows(&fixed).map_err(csv_err(&a))?)?;
    let b = out.join(format!("{stem}-summary.csv"));
    let fixed: Vec<SummaryText> = summary.iter().map(SummaryText::of).collect();
    write_atomic(&b, &csv_rows(&fixed).map_err(csv_err(&b))?)?;
    Ok(vec![a, b])
}

/// A row with fixed decimals (the file is byte-identical for the same inputs).
#[derive(Default, Serialize)]
struct MetricRowText {
    point: u32,
    method: String,
    params: String,
    metric: &'static str,
    sim: String,
    emu: String,
    err_pct: String,
    abs_err_pct: String,
}

fn fixed(v: Option<f64>, d: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or(String::new(), |x| format!("{x:.d$}"))
}

impl MetricRowText {
    fn of(r: &MetricRow) -> Self {
        MetricRowText {
            point: r.point,
            method: r.method.clone(),
            params: r.params.clone(),
            metric: r.metric,
            sim: fixed(r.sim, 6),
            emu: fixed(r.emu, 6),
            err_pct: fixed(r.err_pct, 3),
            abs_err_pct: fixed(r.err_pct.map(f64::abs), 3),
        }
    }
}

#[derive(Default, Serialize)]
struct SummaryText {
    metric: &'static str,
    points: u32,
    median_abs_err_pct: String,
    max_abs_err_pct: String,
    max_point: Option<u32>,
}

impl SummaryText {
    fn of(s: &MetricSummary) -> Self {
        SummaryText {
            metric: s.metric,
            points: s.points,
            median_abs_err_pct: fixed(s.median_abs_err_pct, 3),
            max_abs_err_pct: fixed(s.max_abs_err_pct, 3),
            max_point: s.max_point,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(mode: Mode, wake: f64, suspend_s: f64, peak: f64) -> SuspendRecords {
        let run = RunRecord {
            run: 0,
            point: 0,
            method: "pause".into(),
            status: "ok".into(),
            ..RunRecord::default()
        };
        let ev = |e: u32, served: bool| FunctionEventRecord {
            run: 0,
            mode,
            event: e,
            wake_latency_s: Some(wake),
            response_s: served.then_some(wake + 0.1),
            ..FunctionEventRecord::default()
        };
        SuspendRecords {
            runs: vec![run],
            events: vec![ev(0, true), ev(1, false)],
            functions: vec![FunctionRecord {
                run: 0,
                mode,
                suspends: 2,
                wakes: 1,
                suspend_s,
                wake_s: 0.5,
                bytes_written: 1000,
                ..FunctionRecord::default()
            }],
            memory: vec![MemoryRecord {
                run: 0,
                mode,
                horizon_s: 10.0,
                running_mib_s: 10.0,
                blocked_mib_s: 20.0,
                paused_mib_s: 30.0,
                peak_resident_mib: peak,
                measured_mean_mib: (mode == Mode::Emu).then_some(8.0),
                measured_peak_mib: (mode == Mode::Emu).then_some(peak),
                ..MemoryRecord::default()
            }],
        }
    }

    #[test]
    fn errors_follow_the_definitions() {
        // Sim: wake 0.11 s, Σsuspend 0.4 s over 2 suspends = 0.2 s; emu: 0.10 s, 0.5 s / 2 =
        // 0.25 s. Errors: wake 100·(0.11−0.10)/0.10 = +10 %, suspend 100·(0.2−0.25)/0.25 =
        // −20 %. Served: 1 of 2 on both sides (0 %). Mean memory: sim (10+20+30)/10 = 6 MiB,
        // emu measured 8 MiB → −25 %. Peak: 100 vs 80 MiB → +25 %.
        let s = side(Mode::Sim, 0.11, 0.4, 100.0);
        let e = side(Mode::Emu, 0.10, 0.5, 80.0);
        let rows = compare(&s, &e);
        let err = |m: &str| {
            rows.iter()
                .find(|r| r.metric == m)
                .and_then(|r| r.err_pct)
                .expect(m)
        };
        assert!((err("wake_latency_s") - 10.0).abs() < 1e-9);
        assert!((err("suspend_s") + 20.0).abs() < 1e-9);
        assert!(err("served").abs() < 1e-12);
        assert!((err("memory_mean_mib") + 25.0).abs() < 1e-9);
        assert!((err("memory_peak_mib") - 25.0).abs() < 1e-9);
        let sum = summarize(&rows);
        let w = sum.iter().find(|m| m.metric == "suspend_s").expect("row");
        assert_eq!((w.points, w.max_point), (1, Some(0)));
        assert!((w.max_abs_err_pct.expect("max") - 20.0).abs() < 1e-9);
    }

    #[test]
    fn a_failed_run_gives_the_point_no_error() {
        let s = side(Mode::Sim, 0.11, 0.4, 100.0);
        let mut e = side(Mode::Emu, 0.10, 0.5, 80.0);
        e.runs[0].status = "failed".into();
        let rows = compare(&s, &e);
        assert!(rows.iter().all(|r| r.err_pct.is_none() && r.emu.is_none()));
        assert!(summarize(&rows).iter().all(|m| m.points == 0));
    }
}
