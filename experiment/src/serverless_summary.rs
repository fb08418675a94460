//! The serverless study's per-point summary (seed 004): in a folder with `pools.csv`,
//! `summary.csv` holds these rows instead of the protocol summary's, computed from the merged
//! record CSVs only (so `mlsim plot` can redo it). Means are over replications of each run's
//! value, with the one confidence interval of [`mlsim_core::stats::RepCi`]; percentiles pool
//! the invocations of every replication. `calls.csv` is read row by row: only each
//! invocation's two delays are held (16 bytes), never its record.

use crate::error::{Result, csv_err};
use crate::summary::{aligned, read_csv};
use mlsim_core::record::{PoolRecord, RunRecord};
use mlsim_core::stats::RepCi;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One sweep point of a serverless study, over its replications.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServerlessRow {
    /// Sweep point.
    pub point: u32,
    /// Keep-alive / prewarm policy.
    pub policy: String,
    /// The swept parameters of the point (`key=value;…`, as in `runs.csv`).
    pub params: String,
    /// Runs (replications) of the point with status ok.
    pub runs: u32,
    /// Invocations served per run (mean).
    pub invocations: f64,
    /// Share of invocations that waited for a cold start, mean over replications.
    pub cold_ratio: f64,
    /// Its 95 % CI half-width; empty with fewer than two replications.
    pub cold_ratio_ci95: Option<f64>,
    /// Median start delay (arrival → compute), invocations of all replications pooled \[s\].
    pub wait_p50_s: Option<f64>,
    /// 99th percentile of the start delay (nearest rank) \[s\].
    pub wait_p99_s: Option<f64>,
    /// Mean start delay, mean over replications \[s\].
    pub wait_mean_s: Option<f64>,
    /// Its 95 % CI half-width \[s\].
    pub wait_ci95_s: Option<f64>,
    /// Median response time (arrival → end), pooled \[s\].
    pub response_p50_s: Option<f64>,
    /// 99th percentile of the response time \[s\].
    pub response_p99_s: Option<f64>,
    /// Memory-time of idle warm instances per run, summed over workers (the waste) \[GiB·s\].
    pub idle_gib_s: f64,
    /// Its 95 % CI half-width \[GiB·s\].
    pub idle_gib_s_ci95: Option<f64>,
    /// Memory-time of busy instances per run \[GiB·s\].
    pub busy_gib_s: f64,
    /// Memory-time of instances in their cold start per run \[GiB·s\].
    pub starting_gib_s: f64,
    /// Cold starts per run (prewarms included).
    pub cold_starts: f64,
    /// Prewarms per run.
    pub prewarms: f64,
    /// Idle instances reclaimed for another's cold start, per run.
    pub pressure_reclaims: f64,
}

/// The columns of `calls.csv` the summary reads.
#[derive(Deserialize)]
struct Call {
    run: u32,
    cold: bool,
    wait_s: f64,
    response_s: f64,
}

#[derive(Default)]
struct Acc {
    row: ServerlessRow,
    /// Per ok run: [calls, cold, wait sum, idle, busy, starting, cold starts, prewarms, pressure].
    per_run: BTreeMap<u32, [f64; 9]>,
    waits: Vec<f64>,
    responses: Vec<f64>,
}

const GIB_S: f64 = 1024.0;

/// Aggregates a serverless study per sweep point (points in order): `calls` yields
/// `(run, cold, wait_s, response_s)` per invocation.
pub fn summarize(
    runs: &[RunRecord],
    pools: &[PoolRecord],
    calls: impl IntoIterator<Item = (u32, bool, f64, f64)>,
) -> Vec<ServerlessRow> {
    let ok: BTreeMap<u32, &RunRecord> = runs
        .iter()
        .filter(|r| r.status == "ok")
        .map(|r| (r.run, r))
        .collect();
    let mut acc: BTreeMap<u32, Acc> = BTreeMap::new();
    for r in runs {
        let a = acc.entry(r.point).or_insert_with(|| Acc {
            row: ServerlessRow {
                point: r.point,
                params: r.params.clone(),
                ..ServerlessRow::default()
            },
            ..Acc::default()
        });
        if r.status == "ok" {
            a.row.runs += 1;
            a.per_run.entry(r.run).or_default();
        }
    }
    for p in pools {
        let Some(run) = ok.get(&p.run) else { continue };
        let Some(a) = acc.get_mut(&run.point) else {
            continue;
        };
        a.row.policy = p.policy.to_string();
        let v = a.per_run.entry(p.run).or_default();
        for (dst, x) in v[3..].iter_mut().zip([
            p.idle_mib_s / GIB_S,
            p.busy_mib_s / GIB_S,
            p.starting_mib_s / GIB_S,
            f64::from(p.cold_starts),
            f64::from(p.prewarms),
            f64::from(p.pressure_reclaims),
        ]) {
            *dst += x;
        }
    }
    for (run, cold, wait, response) in calls {
        let Some(r) = ok.get(&run) else { continue };
        let Some(a) = acc.get_mut(&r.point) else {
            continue;
        };
        let v = a.per_run.entry(run).or_default();
        v[0] += 1.0;
        v[1] += f64::from(u8::from(cold));
        v[2] += wait;
        a.waits.push(wait);
        a.responses.push(response);
    }
    acc.into_values()
        .map(|mut a| {
            let col =
                |f: &dyn Fn(&[f64; 9]) -> f64| -> Vec<f64> { a.per_run.values().map(f).collect() };
            let mean = |x: Vec<f64>| RepCi::new(&x).map_or(f64::NAN, |c| c.mean);
            let ratio = |v: &[f64; 9], k: usize| if v[0] > 0.0 { v[k] / v[0] } else { f64::NAN };
            a.row.invocations = mean(col(&|v| v[0]));
            let cold = RepCi::new(&col(&|v| ratio(v, 1)));
            a.row.cold_ratio = cold.map_or(f64::NAN, |c| c.mean);
            a.row.cold_ratio_ci95 = cold.and_then(|c| c.ci95);
            let wait = RepCi::new(&col(&|v| ratio(v, 2)));
            a.row.wait_mean_s = wait.map(|c| c.mean);
            a.row.wait_ci95_s = wait.and_then(|c| c.ci95);
            let idle = RepCi::new(&col(&|v| v[3]));
            a.row.idle_gib_s = idle.map_or(f64::NAN, |c| c.mean);
            a.row.idle_gib_s_ci95 = idle.and_then(|c| c.ci95);
            a.row.busy_gib_s = mean(col(&|v| v[4]));
            a.row.starting_gib_s = mean(col(&|v| v[5]));
            a.row.cold_starts = mean(col(&|v| v[6]));
            a.row.prewarms = mean(col(&|v| v[7]));
            a.row.pressure_reclaims = mean(col(&|v| v[8]));
            (a.row.wait_p50_s, a.row.wait_p99_s) = p50_p99(&mut a.waits);
            (a.row.response_p50_s, a.row.response_p99_s) = p50_p99(&mut a.responses);
            a.row
        })
        .collect()
}

/// Median and 99th percentile (nearest rank: the ⌈p·n⌉-th smallest).
fn p50_p99(x: &mut [f64]) -> (Option<f64>, Option<f64>) {
    if x.is_empty() {
        return (None, None);
    }
    x.sort_unstable_by(f64::total_cmp);
    let n = x.len() as f64;
    let rank = |p: f64| x[((p * n).ceil() as usize).clamp(1, x.len()) - 1];
    (Some(rank(0.5)), Some(rank(0.99)))
}

/// In a folder with `pools.csv` (a serverless study): computes the summary from the merged
/// CSVs and writes it to `summary.csv`; `None` (nothing written) in any other folder.
pub fn write_if_serverless(root: &Path) -> Result<Option<Vec<ServerlessRow>>> {
    let pools_file = root.join("pools.csv");
    if !pools_file.is_file() {
        return Ok(None);
    }
    let runs = read_csv(&root.join("runs.csv"))?;
    let pools = read_csv(&pools_file)?;
    let calls_file = root.join("calls.csv");
    let mut calls = Vec::new();
    if calls_file.is_file() {
        let mut r = csv::Reader::from_path(&calls_file).map_err(csv_err(&calls_file))?;
        for rec in r.deserialize::<Call>() {
            let c = rec.map_err(csv_err(&calls_file))?;
            calls.push((c.run, c.cold, c.wait_s, c.response_s));
        }
    }
    let rows = summarize(&runs, &pools, calls);
    crate::summary::write_rows_with_swept(root, &rows, "params")?;
    Ok(Some(rows))
}

/// The serverless summary as an aligned text table (what `mlsim run` prints).
pub fn table(rows: &[ServerlessRow]) -> String {
    let header = [
        "point",
        "policy",
        "params",
        "calls/run",
        "cold",
        "wait_p50_s",
        "wait_p99_s",
        "resp_p99_s",
        "idle_GiB_s",
        "±ci95",
        "cold_starts",
    ];
    let opt = |x: Option<f64>| x.map_or("-".into(), |v| format!("{v:.3}"));
    let body: Vec<[String; 11]> = rows
        .iter()
        .map(|r| {
            [
                r.point.to_string(),
                r.policy.clone(),
                r.params.clone(),
                format!("{:.0}", r.invocations),
                format!("{:.2}%", 100.0 * r.cold_ratio),
                opt(r.wait_p50_s),
                opt(r.wait_p99_s),
                opt(r.response_p99_s),
                format!("{:.1}", r.idle_gib_s),
                opt(r.idle_gib_s_ci95),
                format!("{:.0}", r.cold_starts),
            ]
        })
        .collect();
    aligned(&header, &body)
}
