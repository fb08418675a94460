//! The suspend study's per-point summary (seed 000): in a folder with `memory.csv`,
//! `summary.csv` holds these rows instead of the protocol summary's, computed from the merged
//! record CSVs only (so `mlsim plot` can redo it). Means are over replications of each run's
//! value, with the one confidence interval of [`mlsim_core::stats::RepCi`].

use crate::error::Result;
use crate::summary::{aligned, read_csv};
use mlsim_core::record::{FunctionEventRecord, FunctionRecord, MemoryRecord, RunRecord};
use mlsim_core::stats::RepCi;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One sweep point of a suspend study, over its replications.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SuspendRow {
    /// Sweep point.
    pub point: u32,
    /// The functions' app.
    pub app: String,
    /// Suspend method (`long_running`: never suspends).
    pub method: String,
    /// Memory of the worker BBUs, summed \[MiB\].
    pub memory_mib: f64,
    /// Runs (replications) of the point with status ok.
    pub runs: u32,
    /// Functions in a run.
    pub functions: u32,
    /// Functions deployed (admitted at least once), mean over replications.
    pub deployed_mean: f64,
    /// Its 95 % CI half-width; empty with fewer than two replications.
    pub deployed_ci95: Option<f64>,
    /// Events whose burst ended / events that arrived (all replications pooled).
    pub served_share: f64,
    /// Median wake latency (arrival → burst start) of served events, pooled \[s\].
    pub wake_median_s: Option<f64>,
    /// 95th percentile of the same \[s\] (nearest rank).
    pub wake_p95_s: Option<f64>,
    /// Mean wake latency, mean over replications of each run's mean \[s\].
    pub wake_mean_s: Option<f64>,
    /// Its 95 % CI half-width \[s\].
    pub wake_ci95_s: Option<f64>,
    /// Memory-time of running functions per run \[MiB·s\].
    pub running_mib_s: f64,
    /// Memory-time of blocked, not suspended functions per run \[MiB·s\].
    pub blocked_mib_s: f64,
    /// Memory-time of paused (and suspending) functions per run \[MiB·s\].
    pub paused_mib_s: f64,
    /// Disk-time of checkpoints per run \[MiB·s\].
    pub disk_mib_s: f64,
    /// Suspends per run.
    pub suspends_mean: f64,
    /// Bytes written by checkpoints per run.
    pub bytes_written_mean: f64,
}

/// Aggregates a suspend study's records per sweep point (points in order).
pub fn summarize(
    runs: &[RunRecord],
    events: &[FunctionEventRecord],
    functions: &[FunctionRecord],
    memory: &[MemoryRecord],
) -> Vec<SuspendRow> {
    #[derive(Default)]
    struct Acc {
        row: SuspendRow,
        /// Per run (ok runs only): deployed, suspends, bytes, the four memory-times.
        per_run: BTreeMap<u32, [f64; 7]>,
        /// Per run: its functions (rows of `functions.csv`).
        functions: BTreeMap<u32, u32>,
        wakes: Vec<f64>,
        wake_by_rep: Vec<(u32, f64)>,
        arrived: u64,
        served: u64,
    }
    let ok: BTreeMap<u32, &RunRecord> = runs
        .iter()
        .filter(|r| r.status == "ok")
        .map(|r| (r.run, r))
        .collect();
    let mut acc: BTreeMap<u32, Acc> = BTreeMap::new();
    for r in runs {
        let a = acc.entry(r.point).or_insert_with(|| Acc {
            row: SuspendRow {
                point: r.point,
                app: r.app.clone(),
                method: r.method.clone(),
                ..SuspendRow::default()
            },
            ..Acc::default()
        });
        if r.status == "ok" {
            a.row.runs += 1;
        }
    }
    for m in memory {
        let Some(run) = ok.get(&m.run) else { continue };
        let Some(a) = acc.get_mut(&run.point) else {
            continue;
        };
        let v = a.per_run.entry(m.run).or_default();
        for (dst, x) in v.iter_mut().zip([
            f64::from(m.deployed),
            f64::from(m.suspends),
            m.bytes_written as f64,
            m.running_mib_s,
            m.blocked_mib_s,
            m.paused_mib_s,
            m.disk_mib_s,
        ]) {
            *dst += x;
        }
    }
    // Memory of a point: the sum over the worker BBUs of its first ok run.
    for a in acc.values_mut() {
        if let Some((&first, _)) = a.per_run.iter().next() {
            a.row.memory_mib = memory
                .iter()
                .filter(|m| m.run == first)
                .map(|m| m.memory_mib)
                .sum();
        }
    }
    for f in functions {
        let Some(run) = ok.get(&f.run) else { continue };
        if let Some(a) = acc.get_mut(&run.point) {
            *a.functions.entry(f.run).or_default() += 1;
        }
    }
    for e in events {
        let Some(run) = ok.get(&e.run) else { continue };
        let Some(a) = acc.get_mut(&run.point) else {
            continue;
        };
        a.arrived += 1;
        if let Some(w) = e.wake_latency_s {
            a.wakes.push(w);
            a.wake_by_rep.push((run.replication, w));
        }
        if e.response_s.is_some() {
            a.served += 1;
        }
    }
    acc.into_values()
        .map(|mut a| {
            let col = |k: usize| -> Vec<f64> { a.per_run.values().map(|v| v[k]).collect() };
            let deployed = RepCi::new(&col(0));
            a.row.deployed_mean = deployed.map_or(f64::NAN, |c| c.mean);
            a.row.deployed_ci95 = deployed.and_then(|c| c.ci95);
            let mean_of = |k: usize| RepCi::new(&col(k)).map_or(f64::NAN, |c| c.mean);
            a.row.suspends_mean = mean_of(1);
            a.row.bytes_written_mean = mean_of(2);
            a.row.running_mib_s = mean_of(3);
            a.row.blocked_mib_s = mean_of(4);
            a.row.paused_mib_s = mean_of(5);
            a.row.disk_mib_s = mean_of(6);
            a.row.functions = a.functions.values().copied().max().unwrap_or(0);
            a.row.served_share = if a.arrived == 0 {
                f64::NAN
            } else {
                a.served as f64 / a.arrived as f64
            };
            a.wakes.sort_by(f64::total_cmp);
            let n = a.wakes.len();
            a.row.wake_median_s = mlsim_core::stats::median(a.wakes.clone());
            a.row.wake_p95_s = (n > 0).then(|| a.wakes[(0.95 * n as f64).ceil() as usize - 1]);
            let wake = RepCi::of_replication_means(std::mem::take(&mut a.wake_by_rep));
            a.row.wake_mean_s = wake.map(|c| c.mean);
            a.row.wake_ci95_s = wake.and_then(|c| c.ci95);
            a.row
        })
        .collect()
}

/// In a folder with `memory.csv` (a suspend study): computes the summary from the merged CSVs
/// and writes it to `summary.csv`; `None` (nothing written) in any other folder.
pub fn write_if_suspend(root: &Path) -> Result<Option<Vec<SuspendRow>>> {
    let memory_file = root.join("memory.csv");
    if !memory_file.is_file() {
        return Ok(None);
    }
    let runs = read_csv(&root.join("runs.csv"))?;
    let memory = read_csv(&memory_file)?;
    let events_file = root.join("events.csv");
    let events = if events_file.is_file() {
        read_csv(&events_file)?
    } else {
        Vec::new()
    };
    let functions_file = root.join("functions.csv");
    let functions = if functions_file.is_file() {
        read_csv(&functions_file)?
    } else {
        Vec::new()
    };
    let rows = summarize(&runs, &events, &functions, &memory);
    crate::summary::write_rows_with_swept(root, &rows, "memory_mib")?;
    Ok(Some(rows))
}

/// The suspend summary as an aligned text table (what `mlsim run` prints).
pub fn table(rows: &[SuspendRow]) -> String {
    let header = [
        "point",
        "app",
        "method",
        "memory_mib",
        "deployed",
        "served",
        "wake_med_s",
        "wake_p95_s",
        "wake_mean_s",
        "±ci95",
        "suspends",
        "MiB_written",
    ];
    let opt = |x: Option<f64>| x.map_or("-".into(), |v| format!("{v:.3}"));
    let body: Vec<[String; 12]> = rows
        .iter()
        .map(|r| {
            [
                r.point.to_string(),
                r.app.clone(),
                r.method.clone(),
                format!("{:.0}", r.memory_mib),
                format!("{:.1}/{}", r.deployed_mean, r.functions),
                format!("{:.1}%", 100.0 * r.served_share),
                opt(r.wake_median_s),
                opt(r.wake_p95_s),
                opt(r.wake_mean_s),
                opt(r.wake_ci95_s),
                format!("{:.1}", r.suspends_mean),
                format!("{:.1}", r.bytes_written_mean / (1024.0 * 1024.0)),
            ]
        })
        .collect();
    aligned(&header, &body)
}
