//! Per grid point: the simulator's error against the emulation for the mean execution time and
//! the network bytes per request, and the summary over the points (median and max |error|).
//!
//! Definitions (also in the README):
//! - a side *failed* at a point when any of its runs there has a status other than `ok`, or any
//!   of its requests there is not `ok`, or it has no request there; such points get no error;
//! - execution time: the mean of `requests.csv` `exec_time_s` (client submit → client notified)
//!   over the point's replications of each replication's mean over its requests \[s\], with its
//!   95 % confidence half-width over the replications ([`mlsim_core::stats`]);
//! - network bytes: the mean of `requests.csv` `bytes` per request, the bytes of all protocol
//!   messages of the request (payload plus the spec's per-message header), which both modes
//!   record alike; not the links' wire bytes;
//! - per request, the mean over replications of each replication's mean, with its 95 %
//!   confidence half-width: evictions (`evictions`), missed checkpoints
//!   (`missed_checkpoints`) and lost work (`lost_work_s`); per run, C-RAN's wait for cores
//!   offloaded work held (`bbus.csv` `cran_wait_core_s`, summed over the run's BBUs);
//! - error [%] = 100 · (sim − emu) / emu (signed: positive when the simulator predicts more),
//!   and its absolute value; 0 when both are 0, none when only the emulation's is 0;
//! - for the last four metrics, whether the two 95 % intervals overlap (`agree`: `yes`/`no`,
//!   empty when a side has one replication), since counts of a few rare events per request
//!   are better judged by their intervals than by a percentage.

use super::folder::{Folder, PointKey};
use mlsim_core::record::{BbuRecord, RequestRecord, RunRecord};
use mlsim_core::stats::{RepCi, mean};
use serde::Serialize;
use std::collections::BTreeMap;

/// What one side shows at one point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Side {
    /// Runs of the point.
    pub runs: u32,
    /// Requests of the point, and how many are `ok`.
    pub requests: u32,
    /// Requests with status `ok`.
    pub requests_ok: u32,
    /// Whether some run or request failed, or there is no request.
    pub failed: bool,
    /// Mean execution time of the requests \[s\], over replications (NaN without requests).
    pub exec_mean_s: f64,
    /// Its 95 % confidence half-width over the replications \[s\] (`None` with one).
    pub exec_ci95_s: Option<f64>,
    /// Mean network bytes per request \[bytes\] (NaN without requests).
    pub bytes_mean: f64,
    /// Evictions, missed checkpoints and lost work \[s\] per request, and C-RAN's wait
    /// \[core-s\] per run: mean over replications and its 95 % half-width ([`EXTRA`]).
    pub extra: [Option<RepCi>; 4],
}

/// The metrics compared besides execution time and bytes (see the module documentation).
pub const EXTRA: [&str; 4] = [
    "evictions",
    "missed_checkpoints",
    "lost_work_s",
    "cran_wait_core_s",
];

/// One row of `compare.csv`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PointRow {
    /// Sweep point.
    pub point: u32,
    /// Application.
    pub app: String,
    /// Checkpoint method.
    pub method: String,
    /// r_limit \[s\]; `inf` for long-running.
    #[serde(with = "mlsim_core::record::r_limit")]
    pub r_limit_s: Option<f64>,
    /// Items per request; empty for a mix of workload classes.
    pub items: Option<u32>,
    /// `ok`, `sim_failed`, `emu_failed` or `both_failed`.
    pub status: String,
    /// Requests ok / all, simulator.
    pub sim_requests: String,
    /// Requests ok / all, emulation.
    pub emu_requests: String,
    /// Simulator's mean execution time \[s\].
    pub sim_exec_s: String,
    /// Emulation's mean execution time \[s\].
    pub emu_exec_s: String,
    /// 95 % confidence half-width of the simulator's mean execution time \[s\].
    pub sim_exec_ci95_s: String,
    /// 95 % confidence half-width of the emulation's mean execution time \[s\].
    pub emu_exec_ci95_s: String,
    /// Signed error of the execution time [%].
    pub exec_err_pct: String,
    /// Absolute error of the execution time [%].
    pub exec_abs_err_pct: String,
    /// Simulator's mean bytes per request \[bytes\].
    pub sim_bytes: String,
    /// Emulation's mean bytes per request \[bytes\].
    pub emu_bytes: String,
    /// Signed error of the bytes [%].
    pub bytes_err_pct: String,
    /// Absolute error of the bytes [%].
    pub bytes_abs_err_pct: String,
    /// Simulator's mean evictions per request.
    pub sim_evictions: String,
    /// Emulation's mean evictions per request.
    pub emu_evictions: String,
    /// Signed error of the evictions [%].
    pub evictions_err_pct: String,
    /// Whether the two 95 % intervals of the evictions overlap.
    pub evictions_agree: String,
    /// Simulator's mean missed checkpoints per request.
    pub sim_missed_checkpoints: String,
    /// Emulation's mean missed checkpoints per request.
    pub emu_missed_checkpoints: String,
    /// Signed error of the missed checkpoints [%].
    pub missed_checkpoints_err_pct: String,
    /// Whether the two 95 % intervals of the missed checkpoints overlap.
    pub missed_checkpoints_agree: String,
    /// Simulator's mean lost work per request \[s\].
    pub sim_lost_work_s: String,
    /// Emulation's mean lost work per request \[s\].
    pub emu_lost_work_s: String,
    /// Signed error of the lost work [%].
    pub lost_work_s_err_pct: String,
    /// Whether the two 95 % intervals of the lost work overlap.
    pub lost_work_s_agree: String,
    /// Simulator's mean C-RAN wait per run \[core-s\].
    pub sim_cran_wait_core_s: String,
    /// Emulation's mean C-RAN wait per run \[core-s\].
    pub emu_cran_wait_core_s: String,
    /// Signed error of the C-RAN wait [%].
    pub cran_wait_core_s_err_pct: String,
    /// Whether the two 95 % intervals of the C-RAN wait overlap.
    pub cran_wait_core_s_agree: String,
    /// The swept parameters.
    pub params: String,
}

/// The comparison of one point, with numbers (the row is their text).
#[derive(Clone, Debug, PartialEq)]
pub struct PointCmp {
    /// Point index.
    pub point: u32,
    /// Its identity.
    pub key: PointKey,
    /// The simulator's side.
    pub sim: Side,
    /// The emulation's side.
    pub emu: Side,
    /// Signed error of the execution time [%], when both sides succeeded.
    pub exec_err_pct: Option<f64>,
    /// Signed error of the bytes [%], when both sides succeeded and the emulation sent bytes.
    pub bytes_err_pct: Option<f64>,
    /// Signed errors of the [`EXTRA`] metrics [%].
    pub extra_err_pct: [Option<f64>; 4],
    /// Whether the two 95 % intervals of each [`EXTRA`] metric overlap (`None`: a side has
    /// no interval).
    pub extra_agree: [Option<bool>; 4],
}

impl PointCmp {
    /// `ok`, `sim_failed`, `emu_failed` or `both_failed`.
    pub fn status(&self) -> &'static str {
        match (self.sim.failed, self.emu.failed) {
            (false, false) => "ok",
            (true, false) => "sim_failed",
            (false, true) => "emu_failed",
            (true, true) => "both_failed",
        }
    }

    /// The CSV row (fixed decimals, so the file is byte-identical for the same inputs).
    pub fn row(&self) -> PointRow {
        let num = |v: f64, d: usize| {
            if v.is_finite() {
                format!("{v:.d$}")
            } else {
                String::new()
            }
        };
        let opt = |v: Option<f64>, abs: bool| {
            v.map_or(String::new(), |e| num(if abs { e.abs() } else { e }, 3))
        };
        PointRow {
            point: self.point,
            app: self.key.app.clone(),
            method: self.key.method.clone(),
            r_limit_s: self.key.r_limit_s,
            items: self.key.items,
            status: self.status().into(),
            sim_requests: format!("{}/{}", self.sim.requests_ok, self.sim.requests),
            emu_requests: format!("{}/{}", self.emu.requests_ok, self.emu.requests),
            sim_exec_s: num(self.sim.exec_mean_s, 6),
            emu_exec_s: num(self.emu.exec_mean_s, 6),
            sim_exec_ci95_s: self.sim.exec_ci95_s.map_or(String::new(), |h| num(h, 6)),
            emu_exec_ci95_s: self.emu.exec_ci95_s.map_or(String::new(), |h| num(h, 6)),
            exec_err_pct: opt(self.exec_err_pct, false),
            exec_abs_err_pct: opt(self.exec_err_pct, true),
            sim_bytes: num(self.sim.bytes_mean, 1),
            emu_bytes: num(self.emu.bytes_mean, 1),
            bytes_err_pct: opt(self.bytes_err_pct, false),
            bytes_abs_err_pct: opt(self.bytes_err_pct, true),
            sim_evictions: self.side_num(&self.sim, 0),
            emu_evictions: self.side_num(&self.emu, 0),
            evictions_err_pct: opt(self.extra_err_pct[0], false),
            evictions_agree: agree(self.extra_agree[0]),
            sim_missed_checkpoints: self.side_num(&self.sim, 1),
            emu_missed_checkpoints: self.side_num(&self.emu, 1),
            missed_checkpoints_err_pct: opt(self.extra_err_pct[1], false),
            missed_checkpoints_agree: agree(self.extra_agree[1]),
            sim_lost_work_s: self.side_num(&self.sim, 2),
            emu_lost_work_s: self.side_num(&self.emu, 2),
            lost_work_s_err_pct: opt(self.extra_err_pct[2], false),
            lost_work_s_agree: agree(self.extra_agree[2]),
            sim_cran_wait_core_s: self.side_num(&self.sim, 3),
            emu_cran_wait_core_s: self.side_num(&self.emu, 3),
            cran_wait_core_s_err_pct: opt(self.extra_err_pct[3], false),
            cran_wait_core_s_agree: agree(self.extra_agree[3]),
            params: self.key.params.clone(),
        }
    }

    /// Side `side`'s mean of [`EXTRA`] metric `k`, 6 decimals (empty without a value).
    fn side_num(&self, side: &Side, k: usize) -> String {
        side.extra[k]
            .as_ref()
            .filter(|c| c.mean.is_finite())
            .map_or(String::new(), |c| format!("{:.6}", c.mean))
    }
}

/// `yes`, `no` or empty.
fn agree(a: Option<bool>) -> String {
    match a {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    }
}

/// The per-metric summary over the points both sides finished.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricSummary {
    /// `exec_time` or `bytes`.
    pub metric: &'static str,
    /// Points with an error.
    pub points: u32,
    /// Median absolute error [%] (empty without points).
    #[serde(serialize_with = "fixed3")]
    pub median_abs_err_pct: Option<f64>,
    /// Largest absolute error [%].
    #[serde(serialize_with = "fixed3")]
    pub max_abs_err_pct: Option<f64>,
    /// The point of the largest absolute error.
    pub max_point: Option<u32>,
    /// Points where only the simulator failed.
    pub sim_failed: u32,
    /// Points where only the emulation failed.
    pub emu_failed: u32,
    /// Points where both failed.
    pub both_failed: u32,
    /// Points where the two 95 % intervals overlap, of those where both sides have one (the
    /// [`EXTRA`] metrics only; empty for the others).
    pub agree: String,
}

/// Writes a percentage with three decimals (empty when absent).
fn fixed3<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&format!("{v:.3}")),
        None => s.serialize_str(""),
    }
}

/// Compares every point of two folders of one spec (checked by the caller), in point order.
pub fn compare(sim: &Folder, emu: &Folder) -> Vec<PointCmp> {
    let (s, e) = (sides(sim), sides(emu));
    sim.points
        .iter()
        .map(|(&point, key)| {
            let sim = s.get(&point).cloned().unwrap_or_else(failed_side);
            let emu = e.get(&point).cloned().unwrap_or_else(failed_side);
            let both = !sim.failed && !emu.failed;
            let err = |a: f64, b: f64| (both && b > 0.0).then(|| 100.0 * (a - b) / b);
            let mut extra_err_pct = [None; 4];
            let mut extra_agree = [None; 4];
            for k in 0..EXTRA.len() {
                let (Some(a), Some(b)) = (&sim.extra[k], &emu.extra[k]) else {
                    continue;
                };
                if !both {
                    continue;
                }
                extra_err_pct[k] = if b.mean == 0.0 && a.mean == 0.0 {
                    Some(0.0)
                } else {
                    err(a.mean, b.mean)
                };
                extra_agree[k] = a
                    .ci95
                    .zip(b.ci95)
                    .map(|(ha, hb)| (a.mean - b.mean).abs() <= ha + hb);
            }
            PointCmp {
                point,
                key: key.clone(),
                exec_err_pct: err(sim.exec_mean_s, emu.exec_mean_s),
                bytes_err_pct: err(sim.bytes_mean, emu.bytes_mean),
                extra_err_pct,
                extra_agree,
                sim,
                emu,
            }
        })
        .collect()
}

fn failed_side() -> Side {
    Side {
        failed: true,
        exec_mean_s: f64::NAN,
        bytes_mean: f64::NAN,
        ..Side::default()
    }
}

/// Each point's side of a folder.
fn sides(f: &Folder) -> BTreeMap<u32, Side> {
    let mut s = per_point(&f.runs, &f.requests);
    add_cran_wait(&mut s, &f.runs, &f.bbus);
    s
}

/// Adds C-RAN's wait per run (its BBUs' `cran_wait_core_s` summed) to each point's side.
pub fn add_cran_wait(sides: &mut BTreeMap<u32, Side>, runs: &[RunRecord], bbus: &[BbuRecord]) {
    let mut per_run: BTreeMap<u32, f64> = runs.iter().map(|r| (r.run, 0.0)).collect();
    for b in bbus {
        if let Some(w) = per_run.get_mut(&b.run) {
            *w += b.cran_wait_core_s;
        }
    }
    let point_of: BTreeMap<u32, (u32, u32)> = runs
        .iter()
        .map(|r| (r.run, (r.point, r.replication)))
        .collect();
    let mut by_point: BTreeMap<u32, Vec<(u32, f64)>> = BTreeMap::new();
    if bbus.is_empty() {
        return;
    }
    for (run, w) in per_run {
        if let Some(&(p, rep)) = point_of.get(&run) {
            by_point.entry(p).or_default().push((rep, w));
        }
    }
    for (p, v) in by_point {
        if let Some(side) = sides.get_mut(&p) {
            side.extra[3] = RepCi::of_replication_means(v);
        }
    }
}

/// Aggregates runs and requests per point.
pub fn per_point(runs: &[RunRecord], requests: &[RequestRecord]) -> BTreeMap<u32, Side> {
    let point_of: BTreeMap<u32, u32> = runs.iter().map(|r| (r.run, r.point)).collect();
    let rep_of: BTreeMap<u32, u32> = runs.iter().map(|r| (r.run, r.replication)).collect();
    /// A point's side, its (replication, execution time), its bytes per request, and its
    /// (replication, value) of evictions, missed checkpoints and lost work per request.
    type Acc = (Side, Vec<(u32, f64)>, Vec<f64>, [Vec<(u32, f64)>; 3]);
    let mut acc: BTreeMap<u32, Acc> = BTreeMap::new();
    for r in runs {
        let a = acc.entry(r.point).or_default();
        a.0.runs += 1;
        a.0.failed |= r.status != "ok";
    }
    for q in requests {
        let Some(a) = point_of.get(&q.run).and_then(|p| acc.get_mut(p)) else {
            continue;
        };
        a.0.requests += 1;
        if q.status == "ok" {
            a.0.requests_ok += 1;
        } else {
            a.0.failed = true;
        }
        let rep = rep_of.get(&q.run).copied().unwrap_or(0);
        a.1.push((rep, q.exec_time_s));
        a.2.push(q.bytes as f64);
        a.3[0].push((rep, f64::from(q.evictions)));
        a.3[1].push((rep, f64::from(q.missed_checkpoints)));
        a.3[2].push((rep, q.lost_work_s));
    }
    acc.into_iter()
        .map(|(p, (mut side, exec, bytes, [ev, missed, lost]))| {
            side.extra[0] = RepCi::of_replication_means(ev);
            side.extra[1] = RepCi::of_replication_means(missed);
            side.extra[2] = RepCi::of_replication_means(lost);
            side.failed |= side.requests == 0;
            let exec = RepCi::of_replication_means(exec);
            side.exec_mean_s = exec.map_or(f64::NAN, |c| c.mean);
            side.exec_ci95_s = exec.and_then(|c| c.ci95);
            side.bytes_mean = mean(&bytes);
            (p, side)
        })
        .collect()
}

/// The summary of every metric: execution time, bytes, then the [`EXTRA`] ones.
pub fn summarize(cmp: &[PointCmp]) -> [MetricSummary; 6] {
    let count = |s: &str| cmp.iter().filter(|c| c.status() == s).count() as u32;
    let metric = |metric, err: &dyn Fn(&PointCmp) -> Option<f64>, k: Option<usize>| {
        let (points, median_abs_err_pct, max_abs_err_pct, max_point) =
            super::abs_summary(cmp.iter().filter_map(|c| err(c).map(|e| (c.point, e))));
        MetricSummary {
            metric,
            points,
            median_abs_err_pct,
            max_abs_err_pct,
            max_point,
            sim_failed: count("sim_failed"),
            emu_failed: count("emu_failed"),
            both_failed: count("both_failed"),
            agree: k.map_or(String::new(), |k| {
                let with: Vec<bool> = cmp.iter().filter_map(|c| c.extra_agree[k]).collect();
                format!("{}/{}", with.iter().filter(|a| **a).count(), with.len())
            }),
        }
    };
    [
        metric("exec_time", &|c| c.exec_err_pct, None),
        metric("bytes", &|c| c.bytes_err_pct, None),
        metric(EXTRA[0], &|c| c.extra_err_pct[0], Some(0)),
        metric(EXTRA[1], &|c| c.extra_err_pct[1], Some(1)),
        metric(EXTRA[2], &|c| c.extra_err_pct[2], Some(2)),
        metric(EXTRA[3], &|c| c.extra_err_pct[3], Some(3)),
    ]
}

/// The per-point table `mlsim compare` prints.
pub fn table(cmp: &[PointCmp]) -> String {
    let header = [
        "point",
        "app",
        "method",
        "r_limit_s",
        "items",
        "sim_exec_s",
        "emu_exec_s",
        "exec_err_%",
        "sim_bytes",
        "emu_bytes",
        "bytes_err_%",
        "status",
    ];
    let body: Vec<Vec<String>> = cmp
        .iter()
        .map(|c| {
            let num = |v: f64, d: usize| {
                if v.is_finite() {
                    format!("{v:.d$}")
                } else {
                    "-".into()
                }
            };
            let err = |e: Option<f64>| e.map_or("-".into(), |e| format!("{e:+.1}"));
            vec![
                c.point.to_string(),
                c.key.app.clone(),
                c.key.method.clone(),
                c.key.r_limit_s.map_or("-".into(), |x| format!("{x}")),
                c.key.items.map_or("-".into(), |i| i.to_string()),
                num(c.sim.exec_mean_s, 3),
                num(c.emu.exec_mean_s, 3),
                err(c.exec_err_pct),
                num(c.sim.bytes_mean, 0),
                num(c.emu.bytes_mean, 0),
                err(c.bytes_err_pct),
                c.status().to_string(),
            ]
        })
        .collect();
    crate::summary::aligned(&header, &body)
}

/// The summary lines `mlsim compare` prints.
pub fn summary_text(s: &[MetricSummary; 6]) -> String {
    let mut out = String::new();
    for m in s {
        let pct = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1} %"));
        out.push_str(&format!(
            "{:<9}  |error| median {}, max {}{} over {} point(s){}\n",
            m.metric,
            pct(m.median_abs_err_pct),
            pct(m.max_abs_err_pct),
            m.max_point
                .map_or(String::new(), |p| format!(" (point {p})")),
            m.points,
            if m.agree.is_empty() {
                String::new()
            } else {
                format!("; 95 % intervals overlap at {} point(s)", m.agree)
            }
        ));
    }
    let m = &s[0];
    out.push_str(&format!(
        "failed: {} point(s) on the simulator only, {} on the emulation only, {} on both\n",
        m.sim_failed, m.emu_failed, m.both_failed
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(run: u32, point: u32, status: &str) -> RunRecord {
        RunRecord {
            run,
            point,
            status: status.into(),
            ..RunRecord::default()
        }
    }

    fn req(run: u32, exec: f64, bytes: u64, status: &str) -> RequestRecord {
        RequestRecord {
            run,
            exec_time_s: exec,
            bytes,
            status: status.into(),
            ..RequestRecord::default()
        }
    }

    #[test]
    fn evictions_missed_checkpoints_lost_work_and_c_ran_wait_are_compared_by_replication() {
        // One point, two replications a side. Simulator: evictions per request 1 and 3 (mean
        // 2), missed 0 and 0, lost work 0.5 and 1.5 s (mean 1); emulation: evictions 2 and 2
        // (mean 2, half-width 0), missed 0 and 0, lost 1 and 1 (mean 1). Errors: evictions
        // 0 %, missed 0 % (both 0), lost 0 %. Half-widths: t(0.975, 1) = 12.706 × s/√2 with
        // s = √2 (evictions) → 12.706; the emulation's 0: |2 − 2| ≤ 12.706 overlaps.
        // C-RAN wait: sim runs 0.4 + 0.2 = 0.6 and 1.0 core-s (mean 0.8), emu 0.5 and 0.5
        // (mean 0.5): error 100·(0.8 − 0.5)/0.5 = +60 %; the emulation's half-width is 0 and
        // the simulator's 12.706·0.2828/√2 = 2.54 ≥ 0.3: overlap.
        let runs = [run(0, 0, "ok"), run(1, 0, "ok")];
        let runs = [
            RunRecord {
                replication: 0,
                ..runs[0].clone()
            },
            RunRecord {
                replication: 1,
                ..runs[1].clone()
            },
        ];
        let q = |run: u32, ev: u32, lost: f64| RequestRecord {
            evictions: ev,
            lost_work_s: lost,
            ..req(run, 1.0, 10, "ok")
        };
        let bbu = |run: u32, w: f64| BbuRecord {
            run,
            cran_wait_core_s: w,
            ..BbuRecord::default()
        };
        let mut sim = per_point(&runs, &[q(0, 1, 0.5), q(1, 3, 1.5)]);
        add_cran_wait(&mut sim, &runs, &[bbu(0, 0.4), bbu(0, 0.2), bbu(1, 1.0)]);
        let mut emu = per_point(&runs, &[q(0, 2, 1.0), q(1, 2, 1.0)]);
        add_cran_wait(&mut emu, &runs, &[bbu(0, 0.5), bbu(1, 0.5)]);
        let (s, e) = (&sim[&0], &emu[&0]);
        let m = |x: &Side, k: usize| x.extra[k].expect("a value").mean;
        assert_eq!((m(s, 0), m(s, 1), m(s, 2)), (2.0, 0.0, 1.0));
        assert!((m(s, 3) - 0.8).abs() < 1e-12 && (m(e, 3) - 0.5).abs() < 1e-12);
        let h = s.extra[0].expect("ci").ci95.expect("two replications");
        assert!((h - 12.706).abs() < 0.01, "{h}");
        // Through `compare`'s rule, on a point both sides finished.
        let key = PointKey {
            app: "taxi".into(),
            method: "criu".into(),
            r_limit_s: Some(2.0),
            items: Some(1),
            params: String::new(),
        };
        let folder = |runs: &[RunRecord], reqs: Vec<RequestRecord>, bbus: Vec<BbuRecord>| Folder {
            dir: std::path::PathBuf::new(),
            spec: toml::Table::new(),
            points: std::iter::once((0, key.clone())).collect(),
            runs: runs.to_vec(),
            requests: reqs,
            bbus,
        };
        let c = compare(
            &folder(
                &runs,
                vec![q(0, 1, 0.5), q(1, 3, 1.5)],
                vec![bbu(0, 0.4), bbu(0, 0.2), bbu(1, 1.0)],
            ),
            &folder(
                &runs,
                vec![q(0, 2, 1.0), q(1, 2, 1.0)],
                vec![bbu(0, 0.5), bbu(1, 0.5)],
            ),
        );
        let p = &c[0];
        assert_eq!(p.extra_err_pct[..3], [Some(0.0), Some(0.0), Some(0.0)]);
        assert!((p.extra_err_pct[3].expect("wait") - 60.0).abs() < 1e-9);
        assert_eq!(p.extra_agree[0], Some(true));
        assert_eq!(p.extra_agree[3], Some(true));
        let sum = summarize(&c);
        assert_eq!(sum[5].metric, "cran_wait_core_s");
        assert_eq!(sum[5].agree, "1/1");
        assert_eq!(p.row().cran_wait_core_s_err_pct, "60.000");
        assert_eq!(p.row().sim_evictions, "2.000000");
    }

    #[test]
    fn replications_pool_and_any_failure_marks_the_point() {
        // Point 0: two replications, requests 1 s/100 B and 3 s/300 B -> 2 s, 200 B.
        // Point 1: a failed run. Point 2: a run without requests.
        let runs = [
            run(0, 0, "ok"),
            run(1, 0, "ok"),
            run(2, 1, "failed"),
            run(3, 2, "ok"),
        ];
        let reqs = [
            req(0, 1.0, 100, "ok"),
            req(1, 3.0, 300, "ok"),
            req(2, 5.0, 1, "ok"),
        ];
        let s = per_point(&runs, &reqs);
        assert_eq!((s[&0].runs, s[&0].requests_ok), (2, 2));
        assert!(!s[&0].failed);
        assert_eq!((s[&0].exec_mean_s, s[&0].bytes_mean), (2.0, 200.0));
        assert!(s[&1].failed && s[&2].failed);
        assert!(s[&2].exec_mean_s.is_nan());
    }
}
