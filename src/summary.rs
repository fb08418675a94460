//! The per-point summary (`summary.csv`, and the table `mlsim run` prints), computed from the
//! merged record CSVs only, so `mlsim plot` can redo it.

use mlsim_core::record::{CheckpointRecord, RequestRecord, RunRecord};
use serde::Serialize;
use std::collections::BTreeMap;

/// One sweep point, aggregated over its replications.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Sweep point.
    pub point: u32,
    /// Application.
    pub app: String,
    /// Checkpoint method.
    pub method: String,
    /// r_limit [s]; empty for long-running.
    pub r_limit_s: Option<f64>,
    /// Items per request.
    pub items: u32,
    /// Runs (replications) of the point with status ok.
    pub runs: u32,
    /// Requests the client was notified of with an output.
    pub requests_ok: u32,
    /// Requests that failed or did not finish.
    pub requests_failed: u32,
    /// Mean execution time of ok requests [s].
    pub exec_mean_s: f64,
    /// Half-width of the 95 % confidence interval of that mean [s] (normal approximation).
    pub exec_ci95_s: f64,
    /// Mean network load per request [bytes].
    pub bytes_mean: f64,
    /// Mean invocations per request.
    pub invocations_mean: f64,
    /// Mean checkpoints per request.
    pub checkpoints_mean: f64,
    /// Mean missed checkpoints per request.
    pub missed_mean: f64,
    /// Mean lost work per request [s].
    pub lost_work_mean_s: f64,
    /// Median checkpoint time [ms] (empty without checkpoints).
    pub ckpt_time_median_ms: Option<f64>,
    /// Median compressed checkpoint size [bytes].
    pub ckpt_size_median_bytes: Option<f64>,
}

fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        f64::NAN
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Aggregates records per sweep point (points in order).
pub fn summarize(
    runs: &[RunRecord],
    requests: &[RequestRecord],
    checkpoints: &[CheckpointRecord],
) -> Vec<SummaryRow> {
    let point_of: BTreeMap<u32, &RunRecord> = runs.iter().map(|r| (r.run, r)).collect();
    let mut rows: BTreeMap<u32, (SummaryRow, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>)> =
        BTreeMap::new();
    for r in runs {
        let e = rows.entry(r.point).or_insert_with(|| {
            (
                SummaryRow {
                    point: r.point,
                    app: r.app.clone(),
                    method: r.method.clone(),
                    r_limit_s: r.r_limit_s,
                    items: r.items,
                    ..Default::default()
                },
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            )
        });
        if r.status == "ok" {
            e.0.runs += 1;
        }
    }
    let mut acc: BTreeMap<u32, [Vec<f64>; 5]> = BTreeMap::new();
    for q in requests {
        let Some(run) = point_of.get(&q.run) else {
            continue;
        };
        let Some(e) = rows.get_mut(&run.point) else {
            continue;
        };
        if q.status == "ok" {
            e.0.requests_ok += 1;
            e.1.push(q.exec_time_s);
        } else {
            e.0.requests_failed += 1;
        }
        let a = acc.entry(run.point).or_default();
        a[0].push(q.bytes as f64);
        a[1].push(q.invocations as f64);
        a[2].push(q.checkpoints as f64);
        a[3].push(q.missed_checkpoints as f64);
        a[4].push(q.lost_work_s);
    }
    for c in checkpoints {
        let Some(run) = point_of.get(&c.run) else {
            continue;
        };
        if let Some(e) = rows.get_mut(&run.point) {
            e.2.push(c.time_ns as f64 / 1e6);
            e.3.push(c.size_bytes as f64);
        }
    }
    rows.into_iter()
        .map(|(p, (mut row, exec, times, sizes, _))| {
            row.exec_mean_s = mean(&exec);
            row.exec_ci95_s = if exec.len() > 1 {
                let m = row.exec_mean_s;
                let sd = (exec.iter().map(|x| (x - m).powi(2)).sum::<f64>()
                    / (exec.len() - 1) as f64)
                    .sqrt();
                1.96 * sd / (exec.len() as f64).sqrt()
            } else {
                0.0
            };
            if let Some(a) = acc.get(&p) {
                row.bytes_mean = mean(&a[0]);
                row.invocations_mean = mean(&a[1]);
                row.checkpoints_mean = mean(&a[2]);
                row.missed_mean = mean(&a[3]);
                row.lost_work_mean_s = mean(&a[4]);
            }
            row.ckpt_time_median_ms = median(times);
            row.ckpt_size_median_bytes = median(sizes);
            row
        })
        .collect()
}

/// The summary as an aligned text table (what `mlsim run` prints).
pub fn table(rows: &[SummaryRow]) -> String {
    let mut out = String::new();
    let header = [
        "point",
        "app",
        "method",
        "r_limit_s",
        "items",
        "ok",
        "exec_mean_s",
        "±ci95",
        "bytes_mean",
        "invocations",
        "ckpt_ms",
        "ckpt_bytes",
    ];
    let body: Vec<[String; 12]> = rows
        .iter()
        .map(|r| {
            [
                r.point.to_string(),
                r.app.clone(),
                r.method.clone(),
                r.r_limit_s.map_or("-".into(), |x| format!("{x}")),
                r.items.to_string(),
                format!("{}/{}", r.requests_ok, r.requests_ok + r.requests_failed),
                format!("{:.3}", r.exec_mean_s),
                format!("{:.3}", r.exec_ci95_s),
                format!("{:.0}", r.bytes_mean),
                format!("{:.2}", r.invocations_mean),
                r.ckpt_time_median_ms
                    .map_or("-".into(), |x| format!("{x:.1}")),
                r.ckpt_size_median_bytes
                    .map_or("-".into(), |x| format!("{x:.0}")),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &body {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
            + "\n"
    };
    out.push_str(&line(header.to_vec()));
    for row in &body {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
