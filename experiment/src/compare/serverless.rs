//! The serverless study (seed 004) compared: per grid point, what the simulator predicts
//! against what the emulation measured, metric by metric, and the summary over the points
//! (the suspend comparison's rows, table and files: [`super::suspend`]).
//!
//! Definitions (also in the README; every value pools the point's replications):
//! - `cold_ratio`: invocations that waited for a cold start / invocations (`calls.csv`);
//! - `wait_mean_s`, `wait_p99_s`: mean and 99th percentile (nearest rank) of `calls.csv`
//!   `wait_s` (arrival → compute: cold start, memory and core waits);
//! - `response_mean_s`: mean of `response_s`;
//! - `cold_start_s`: mean of `instances.csv` `cold_start_s` (the simulator's drawn cold start
//!   against the emulation's container start with the function's memory built);
//! - `cold_starts`: instances started per run;
//! - `idle_mib_s`, `busy_mib_s`: `pools.csv` memory-time of idle and of busy instances per run;
//! - error [%] = 100 · (sim − emu) / emu, when both sides finished every run of the point and
//!   the emulation's value is not 0.

use super::bail;
use super::suspend::MetricRow;
use mlsim_core::record::{CallRecord, InstanceRecord, Mode, PoolRecord, RunRecord};
use std::collections::BTreeMap;
use std::path::Path;

/// The metrics, in table order.
pub const METRICS: [&str; 8] = [
    "cold_ratio",
    "wait_mean_s",
    "wait_p99_s",
    "response_mean_s",
    "cold_start_s",
    "cold_starts",
    "idle_mib_s",
    "busy_mib_s",
];

/// One side's records of a serverless study.
#[derive(Clone, Debug, Default)]
pub struct ServerlessRecords {
    /// `runs.csv`.
    pub runs: Vec<RunRecord>,
    /// `calls.csv`.
    pub calls: Vec<CallRecord>,
    /// `instances.csv`.
    pub instances: Vec<InstanceRecord>,
    /// `pools.csv`.
    pub pools: Vec<PoolRecord>,
}

impl ServerlessRecords {
    /// Reads the serverless records of folder `dir`, which must be of `mode` (`role` names
    /// the argument in errors).
    pub fn read(dir: &Path, mode: Mode, role: &str) -> crate::error::Result<Self> {
        let read = |name: &str| -> crate::error::Result<Vec<_>> {
            crate::summary::read_csv(&dir.join(name))
        };
        let r = ServerlessRecords {
            runs: read("runs.csv")?,
            calls: crate::summary::read_csv(&dir.join("calls.csv"))?,
            instances: crate::summary::read_csv(&dir.join("instances.csv"))?,
            pools: crate::summary::read_csv(&dir.join("pools.csv"))?,
        };
        if let Some(p) = r.pools.iter().find(|p| p.mode != mode) {
            bail!(
                "{role} {} holds {:?} records (pools.csv, run {}), not {mode:?}: give the simulator's folder (`mlsim run SPEC`) first and the emulation's (`mlsim emu run SPEC`) second",
                dir.display(),
                p.mode,
                p.run
            );
        }
        Ok(r)
    }
}

/// Every metric at every point of one side: (policy, params, values); `None` where a run of
/// the point failed or the metric has no value.
fn values(r: &ServerlessRecords) -> BTreeMap<u32, (String, String, [Option<f64>; 8])> {
    let point_of: BTreeMap<u32, u32> = r.runs.iter().map(|x| (x.run, x.point)).collect();
    let mut runs_of: BTreeMap<u32, u32> = BTreeMap::new();
    for x in &r.runs {
        *runs_of.entry(x.point).or_default() += 1;
    }
    let mut out = BTreeMap::new();
    for (&p, &n) in &runs_of {
        let first = r.runs.iter().find(|x| x.point == p).expect("a run");
        let failed = r.runs.iter().any(|x| x.point == p && x.status != "ok");
        let of = |run: u32| point_of.get(&run) == Some(&p);
        let policy = r
            .pools
            .iter()
            .find(|x| of(x.run))
            .map_or(String::new(), |x| x.policy.to_string());
        let mut v = [None; 8];
        if !failed {
            let calls: Vec<&CallRecord> = r.calls.iter().filter(|c| of(c.run)).collect();
            let mean =
                |xs: &[f64]| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
            let cold = calls.iter().filter(|c| c.cold).count() as f64;
            v[0] = (!calls.is_empty()).then(|| cold / calls.len() as f64);
            let mut waits: Vec<f64> = calls.iter().map(|c| c.wait_s).collect();
            v[1] = mean(&waits);
            waits.sort_unstable_by(f64::total_cmp);
            v[2] = (!waits.is_empty()).then(|| {
                waits[((0.99 * waits.len() as f64).ceil() as usize).clamp(1, waits.len()) - 1]
            });
            v[3] = mean(&calls.iter().map(|c| c.response_s).collect::<Vec<_>>());
            let starts: Vec<f64> = r
                .instances
                .iter()
                .filter(|i| of(i.run))
                .filter_map(|i| i.cold_start_s)
                .collect();
            v[4] = mean(&starts);
            let per_run = |x: f64| x / f64::from(n);
            let pools: Vec<&PoolRecord> = r.pools.iter().filter(|x| of(x.run)).collect();
            v[5] = Some(per_run(
                pools.iter().map(|x| f64::from(x.cold_starts)).sum(),
            ));
            v[6] = Some(per_run(pools.iter().map(|x| x.idle_mib_s).sum()));
            v[7] = Some(per_run(pools.iter().map(|x| x.busy_mib_s).sum()));
        }
        out.insert(p, (policy, first.params.clone(), v));
    }
    out
}

/// Compares two sides of one spec, point by point and metric by metric.
pub fn compare(sim: &ServerlessRecords, emu: &ServerlessRecords) -> Vec<MetricRow> {
    super::suspend::rows_of(&values(sim), &values(emu), &METRICS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn side(mode: Mode, wait: f64, cold_start: f64) -> ServerlessRecords {
        let call = |cold: bool, w: f64| CallRecord {
            run: 0,
            mode,
            cold,
            wait_s: w,
            response_s: w + 0.05,
            ..CallRecord::default()
        };
        ServerlessRecords {
            runs: vec![RunRecord {
                run: 0,
                point: 0,
                status: "ok".into(),
                ..RunRecord::default()
            }],
            calls: vec![call(true, wait), call(false, 0.0)],
            instances: vec![InstanceRecord {
                run: 0,
                mode,
                cold_start_s: Some(cold_start),
                ..InstanceRecord::default()
            }],
            pools: vec![PoolRecord {
                run: 0,
                mode,
                policy: Cow::Borrowed("fixed"),
                cold_starts: 1,
                idle_mib_s: 100.0,
                busy_mib_s: 10.0,
                ..PoolRecord::default()
            }],
        }
    }

    #[test]
    fn errors_follow_the_definitions() {
        // Sim: waits 0.5 and 0 → mean 0.25, p99 (the 2nd of 2) 0.5, cold start 0.5; emu:
        // waits 0.4 and 0 → mean 0.2, p99 0.4, cold start 0.4. Errors: mean wait
        // 100·(0.25−0.2)/0.2 = +25 %, p99 +25 %, cold start +25 %; cold ratio 1/2 both: 0 %.
        let rows = compare(&side(Mode::Sim, 0.5, 0.5), &side(Mode::Emu, 0.4, 0.4));
        let err = |m: &str| {
            rows.iter()
                .find(|r| r.metric == m)
                .and_then(|r| r.err_pct)
                .expect(m)
        };
        assert!((err("wait_mean_s") - 25.0).abs() < 1e-9);
        assert!((err("wait_p99_s") - 25.0).abs() < 1e-9);
        assert!((err("cold_start_s") - 25.0).abs() < 1e-9);
        assert!(err("cold_ratio").abs() < 1e-12);
        assert!(err("idle_mib_s").abs() < 1e-12);
        assert_eq!(rows[0].method, "fixed");
    }
}
