//! The placement-policy comparison: per (method, r_limit, placement) group, completion-time
//! statistics with confidence intervals across replications, and per-request and per-run
//! costs. `mlsim` writes it as `policies.csv`; the `policies` figure draws it.
//!
//! Only runs with status `ok` count. The runs of a group are pooled per replication (if a spec
//! also sweeps other keys, all points of the group in one replication form one sample), so the
//! replications are the independent samples: a statistic (mean, p95, p99 completion time of
//! the finished requests) is computed per replication, and the group shows the mean of those
//! values ± t(0.975, n − 1)·sd/√n over its n replications (sd with the n − 1 denominator).

use std::borrow::Borrow;
use std::collections::BTreeMap;

use mlsim_core::record::{BbuRecord, RequestRecord, RunRecord};

use mlsim_core::stats::RepCi;

/// One row of the comparison: a placement policy under one method and runtime limit.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyRow {
    /// Checkpoint method (`long_running`, `microlambda`, `criu`, ...).
    pub method: String,
    /// Runtime limit \[s\]; `None` for long-running (or a limit of `"none"`).
    pub r_limit_s: Option<f64>,
    /// Placement policy name.
    pub placement: String,
    /// Runs with status `ok`.
    pub runs: u32,
    /// Distinct replications among them.
    pub replications: u32,
    /// Requests of those runs.
    pub requests: u64,
    /// Requests with status `ok` (the client got its output).
    pub finished: u64,
    /// Requests with a `failed: ...` status.
    pub failed: u64,
    /// Requests the run's end cut short (any other status, e.g. `unfinished: ...`).
    pub unfinished: u64,
    /// Mean completion time \[s\] (`exec_time_s` of finished requests), over replications.
    pub mean_s: Option<RepCi>,
    /// 95th percentile of completion time \[s\], over replications.
    pub p95_s: Option<RepCi>,
    /// 99th percentile of completion time \[s\], over replications.
    pub p99_s: Option<RepCi>,
    /// Missed checkpoints (deadline misses) per request.
    pub misses_per_request: f64,
    /// Lost work per request \[s\].
    pub lost_work_s_per_request: f64,
    /// Migrations per request.
    pub migrations_per_request: f64,
    /// Eviction notices per request.
    pub evictions_per_request: f64,
    /// Network load per request \[bytes\].
    pub bytes_per_request: f64,
    /// C-RAN wait episodes per run, summed over the BBUs.
    pub cran_waits_per_run: f64,
    /// C-RAN wait per run, summed over the BBUs [core-s].
    pub cran_wait_core_s_per_run: f64,
}

/// The sort key of a group: method, r_limit ascending in whole µs (none first), placement.
pub(crate) type GroupKey = (usize, String, Option<i64>, String);

/// The key of the group of `run`.
pub(crate) fn group_key(run: &RunRecord) -> GroupKey {
    (
        crate::method::rank(&run.method),
        run.method.clone(),
        run.r_limit_s.map(|r| (r * 1e6).round() as i64),
        placement_label(run),
    )
}

/// The placement of `run` as the table names it: the policy, followed by its swept parameters
/// in brackets when the spec sweeps any (`forecast_aware[alpha=0.2 horizon_s=60]`), so that
/// variants of one policy stay apart.
pub fn placement_label(run: &RunRecord) -> String {
    let params: Vec<&str> = run
        .params
        .split(';')
        .filter(|kv| kv.starts_with("placement.") && !kv.starts_with("placement.kind="))
        .map(|kv| kv.trim_start_matches("placement."))
        .collect();
    if params.is_empty() {
        run.placement.clone()
    } else {
        format!("{}[{}]", run.placement, params.join(" "))
    }
}

/// The `p`-quantile (0 ≤ p ≤ 1) of non-empty ascending `x`, linearly interpolated between
/// order statistics (type 7: fractional index p·(n − 1)).
pub(crate) fn quantile_sorted(x: &[f64], p: f64) -> f64 {
    let h = p * (x.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

/// The comparison table: one row per (method, r_limit, placement) group of the `ok` runs, in
/// that order (methods in registry order, limits ascending, placements by name).
/// `requests` is read once, in order: a slice or a stream of records
/// ([`crate::input::stream_requests`]).
pub fn policy_rows<R: Borrow<RequestRecord>>(
    runs: &[RunRecord],
    requests: impl IntoIterator<Item = R>,
    bbus: &[BbuRecord],
) -> Vec<PolicyRow> {
    /// What is collected per group.
    #[derive(Default)]
    struct Acc {
        row: Option<PolicyRow>,
        replications: BTreeMap<u32, Vec<f64>>,
        sums: [f64; 5],
        cran: [f64; 2],
    }
    let ok_runs: BTreeMap<u32, &RunRecord> = runs
        .iter()
        .filter(|r| r.status == "ok")
        .map(|r| (r.run, r))
        .collect();
    let mut groups: BTreeMap<GroupKey, Acc> = BTreeMap::new();
    for run in ok_runs.values() {
        let acc = groups.entry(group_key(run)).or_default();
        let row = acc.row.get_or_insert_with(|| PolicyRow {
            method: run.method.clone(),
            r_limit_s: run.r_limit_s,
            placement: placement_label(run),
            runs: 0,
            replications: 0,
            requests: 0,
            finished: 0,
            failed: 0,
            unfinished: 0,
            mean_s: None,
            p95_s: None,
            p99_s: None,
            misses_per_request: f64::NAN,
            lost_work_s_per_request: f64::NAN,
            migrations_per_request: f64::NAN,
            evictions_per_request: f64::NAN,
            bytes_per_request: f64::NAN,
            cran_waits_per_run: f64::NAN,
            cran_wait_core_s_per_run: f64::NAN,
        });
        row.runs += 1;
        acc.replications.entry(run.replication).or_default();
    }
    // Each run's group, found once (the key allocates and parses the run's parameters).
    let slots: BTreeMap<&GroupKey, usize> =
        groups.keys().enumerate().map(|(i, k)| (k, i)).collect();
    let of_run: BTreeMap<u32, (u32, usize)> = ok_runs
        .values()
        .map(|run| (run.run, (run.replication, slots[&group_key(run)])))
        .collect();
    let mut groups: Vec<Acc> = groups.into_values().collect();
    for q in requests {
        let q = q.borrow();
        let Some(&(replication, slot)) = of_run.get(&q.run) else {
            continue;
        };
        let acc = &mut groups[slot];
        let Some(row) = acc.row.as_mut() else {
            continue;
        };
        row.requests += 1;
        if q.status == "ok" {
            row.finished += 1;
            if q.exec_time_s.is_finite() {
                acc.replications
                    .entry(replication)
                    .or_default()
                    .push(q.exec_time_s);
            }
        } else if q.status.starts_with("failed") {
            row.failed += 1;
        } else {
            row.unfinished += 1;
        }
        let v = [
            f64::from(q.missed_checkpoints),
            q.lost_work_s,
            f64::from(q.migrations),
            f64::from(q.evictions),
            q.bytes as f64,
        ];
        for (s, x) in acc.sums.iter_mut().zip(v) {
            *s += x;
        }
    }
    for b in bbus {
        if let Some(&(_, slot)) = of_run.get(&b.run) {
            groups[slot].cran[0] += f64::from(b.cran_waits);
            groups[slot].cran[1] += b.cran_wait_core_s;
        }
    }
    groups
        .into_iter()
        .filter_map(|acc| {
            let mut row = acc.row?;
            row.replications = acc.replications.len() as u32;
            let mut per_rep: [Vec<f64>; 3] = Default::default();
            for mut times in acc.replications.into_values() {
                if times.is_empty() {
                    continue;
                }
                times.sort_by(f64::total_cmp);
                per_rep[0].push(times.iter().sum::<f64>() / times.len() as f64);
                per_rep[1].push(quantile_sorted(&times, 0.95));
                per_rep[2].push(quantile_sorted(&times, 0.99));
            }
            row.mean_s = RepCi::new(&per_rep[0]);
            row.p95_s = RepCi::new(&per_rep[1]);
            row.p99_s = RepCi::new(&per_rep[2]);
            if row.requests > 0 {
                let n = row.requests as f64;
                let [misses, lost, migrations, evictions, bytes] = acc.sums;
                row.misses_per_request = misses / n;
                row.lost_work_s_per_request = lost / n;
                row.migrations_per_request = migrations / n;
                row.evictions_per_request = evictions / n;
                row.bytes_per_request = bytes / n;
            }
            if row.runs > 0 {
                row.cran_waits_per_run = acc.cran[0] / f64::from(row.runs);
                row.cran_wait_core_s_per_run = acc.cran[1] / f64::from(row.runs);
            }
            Some(row)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::record::Mode;

    fn run(run: u32, replication: u32, placement: &str) -> RunRecord {
        RunRecord {
            run,
            point: run / 2,
            replication,
            app: "face".into(),
            method: "microlambda".into(),
            placement: placement.into(),
            r_limit_s: Some(2.0),
            items: Some(4),
            status: "ok".into(),
            ..Default::default()
        }
    }

    fn req(run: u32, t: f64, status: &str, missed: u32, bytes: u64) -> RequestRecord {
        RequestRecord {
            run,
            mode: Mode::Sim,
            app: "face".into(),
            method: "microlambda".into(),
            r_limit_s: Some(2.0),
            exec_time_s: t,
            missed_checkpoints: missed,
            lost_work_s: 0.5 * f64::from(missed),
            migrations: 1,
            evictions: missed,
            bytes,
            status: status.into(),
            ..Default::default()
        }
    }

    fn bbu(run: u32, waits: u32, core_s: f64) -> BbuRecord {
        BbuRecord {
            run,
            cran_waits: waits,
            cran_wait_core_s: core_s,
            ..Default::default()
        }
    }

    /// Two policies, two replications each (runs 0, 1: random; runs 2, 3: least_loaded) and a
    /// third random replication whose run failed (left out).
    ///
    /// random, replication 0 (run 0): finished 1, 2, 3, 4, 10 \[s\] and one failed request.
    ///   mean = 20/5 = 4. p95: fractional index 0.95·4 = 3.8 → 4 + 0.8·(10 − 4) = 8.8.
    ///   p99: index 3.96 → 4 + 0.96·6 = 9.76.
    /// random, replication 1 (run 1): finished 2, 4 \[s\].
    ///   mean = 3. p95: index 0.95 → 2 + 0.95·2 = 3.9. p99: index 0.99 → 3.98.
    /// Over the n = 2 replications, t(0.975, 1) = 12.706204736 and sd = |a − b|/√2, so the
    /// half-width is 12.706204736·(|a − b|/√2)/√2 = 12.706204736·|a − b|/2:
    ///   mean 3.5 ± 12.706204736·0.5 = 6.353102368,
    ///   p95 (8.8 + 3.9)/2 = 6.35 ± 12.706204736·2.45,
    ///   p99 (9.76 + 3.98)/2 = 6.87 ± 12.706204736·2.89.
    /// Per request over all 8 requests of random: misses 1 + 2 = 3 → 3/8 = 0.375; lost work
    ///   0.5 s per miss → 1.5/8 = 0.1875 s; migrations 8/8 = 1; bytes (7·100 + 1·900)/8 = 200.
    /// C-RAN waits: run 0 has BBUs with 1 and 2 episodes (0.25 + 0.5 core-s), run 1 none:
    ///   (1 + 2)/2 runs = 1.5 episodes and 0.75/2 = 0.375 core-s per run.
    /// least_loaded: one finished request of 6 s in each replication: mean 6 ± 0 (sd 0), and
    ///   an unfinished request in run 3.
    #[test]
    fn per_replication_ci_by_hand() {
        let mut failed_run = run(4, 2, "random");
        failed_run.status = "failed: boom".into();
        let runs = vec![
            run(0, 0, "random"),
            run(1, 1, "random"),
            run(2, 0, "least_loaded"),
            run(3, 1, "least_loaded"),
            failed_run,
        ];
        let requests = vec![
            req(0, 1.0, "ok", 0, 100),
            req(0, 10.0, "ok", 2, 100),
            req(0, 3.0, "ok", 0, 100),
            req(0, 2.0, "ok", 0, 100),
            req(0, 4.0, "ok", 0, 100),
            req(0, f64::NAN, "failed: no progress", 1, 900),
            req(1, 4.0, "ok", 0, 100),
            req(1, 2.0, "ok", 0, 100),
            req(2, 6.0, "ok", 0, 100),
            req(3, 6.0, "ok", 0, 100),
            req(3, f64::NAN, "unfinished: the run ended first", 0, 100),
            req(4, 1000.0, "ok", 9, 1),
        ];
        let bbus = vec![
            bbu(0, 1, 0.25),
            bbu(0, 2, 0.5),
            bbu(1, 0, 0.0),
            bbu(4, 7, 7.0),
        ];
        let rows = policy_rows(&runs, &requests, &bbus);
        let names: Vec<&str> = rows.iter().map(|r| r.placement.as_str()).collect();
        assert_eq!(names, ["least_loaded", "random"]);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let t1 = 12.706204736;

        let r = &rows[1];
        assert_eq!((r.runs, r.replications), (2, 2));
        assert_eq!(
            (r.requests, r.finished, r.failed, r.unfinished),
            (8, 7, 1, 0)
        );
        let mean = r.mean_s.unwrap();
        assert_eq!(mean.n, 2);
        assert!(close(mean.mean, 3.5) && close(mean.ci95.unwrap(), t1 * 0.5));
        let p95 = r.p95_s.unwrap();
        assert!(close(p95.mean, 6.35) && close(p95.ci95.unwrap(), t1 * 2.45));
        let p99 = r.p99_s.unwrap();
        assert!(close(p99.mean, 6.87) && close(p99.ci95.unwrap(), t1 * 2.89));
        assert!(close(r.misses_per_request, 0.375));
        assert!(close(r.lost_work_s_per_request, 0.1875));
        assert!(close(r.migrations_per_request, 1.0));
        assert!(close(r.evictions_per_request, 0.375));
        assert!(close(r.bytes_per_request, 200.0));
        assert!(close(r.cran_waits_per_run, 1.5));
        assert!(close(r.cran_wait_core_s_per_run, 0.375));

        let l = &rows[0];
        assert_eq!(
            (l.requests, l.finished, l.failed, l.unfinished),
            (3, 2, 0, 1)
        );
        let m = l.mean_s.unwrap();
        assert_eq!((m.n, m.mean, m.ci95), (2, 6.0, Some(0.0)));
        assert!(close(l.cran_waits_per_run, 0.0));
    }

    #[test]
    fn swept_policy_parameters_split_groups() {
        let mut a = run(0, 0, "forecast_aware");
        a.params = "placement.kind=forecast_aware;placement.alpha=0.2;items=3".into();
        assert_eq!(placement_label(&a), "forecast_aware[alpha=0.2]");
        let mut b = run(1, 0, "forecast_aware");
        b.params = "placement.alpha=0.5;placement.kind=forecast_aware".into();
        assert_eq!(placement_label(&b), "forecast_aware[alpha=0.5]");
        assert_eq!(policy_rows(&[a, b], &[], &[]).len(), 2);
        assert_eq!(placement_label(&run(2, 0, "random")), "random");
    }
}
