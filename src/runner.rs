//! Runs every run of a spec in parallel (rayon), writes each as soon as it finishes, skips runs
//! already done (resume), and merges the records in run order at the end, so the merged CSVs
//! are byte-identical whatever the number of threads.

use crate::output::ResultDir;
use crate::spec::{Kind, RunPlan, Spec};
use anyhow::Result;
use mlsim_core::Records;
use mlsim_core::record::RunRecord;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// What a sweep did.
pub struct SweepOutcome {
    /// Runs in the spec.
    pub total: usize,
    /// Runs skipped because a previous invocation finished them.
    pub skipped: usize,
    /// Runs that failed, with their reasons.
    pub failed: Vec<(u32, String)>,
    /// Wall time of this invocation [s].
    pub elapsed_s: f64,
}

/// Simulates one run; never panics (a panic in the model becomes a failed run).
pub fn execute(spec: &Spec, plan: &RunPlan) -> (RunRecord, Records) {
    let sc = spec.scenario(plan);
    let point = &spec.points[plan.point as usize];
    let mut records = Records::default();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match spec.kind {
        Kind::Protocol => mlsim_sim::model::simulate(&sc, plan.run, &mut records).map(|s| s.events),
        Kind::CheckpointProbe { samples } => {
            mlsim_sim::probe::probe(&sc, samples, plan.run, &mut records).map(u64::from)
        }
    }));
    let (status, events) = match result {
        Ok(Ok(events)) => ("ok".to_string(), events),
        Ok(Err(e)) => (format!("failed: {e}"), 0),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            records = Records::default();
            (format!("failed: internal error (please report): {msg}"), 0)
        }
    };
    let rec = run_record(plan, &point.params, &sc, status, events);
    (rec, records)
}

/// The `runs.csv` row of one run of `sc` (simulated or emulated). A mixed workload's app is
/// its apps joined by `+`; `items` is its first class's.
pub fn run_record(
    plan: &RunPlan,
    params: &[(String, String)],
    sc: &mlsim_core::scenario::Scenario,
    status: String,
    events: u64,
) -> RunRecord {
    RunRecord {
        run: plan.run,
        point: plan.point,
        replication: plan.replication,
        seed: plan.seed,
        app: sc
            .workloads
            .iter()
            .map(|w| w.app.name.as_str())
            .collect::<Vec<_>>()
            .join("+"),
        method: sc.checkpoint.method.name().into(),
        placement: sc.placement.name().into(),
        r_limit_s: sc.checkpoint.r_limit.map(|d| d.as_secs_f64()),
        items: sc.workloads[0].items,
        params: params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";"),
        status,
        events,
    }
}

/// Runs what is not done yet (`resumed`: the folder existed, skip its finished runs), with
/// `jobs` threads (all cores when `None`).
pub fn run_all(
    spec: &Spec,
    dir: &ResultDir,
    resumed: bool,
    jobs: Option<usize>,
    quiet: bool,
) -> Result<SweepOutcome> {
    let start = Instant::now();
    let runs = spec.runs();
    // A folder this invocation created has no finished run to skip: don't look for any.
    let todo: Vec<RunPlan> = if resumed {
        runs.iter()
            .filter(|p| !dir.is_done(p.run))
            .copied()
            .collect()
    } else {
        runs.clone()
    };
    let skipped = runs.len() - todo.len();
    if !quiet && skipped > 0 {
        eprintln!("resuming: {skipped} of {} runs already done", runs.len());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()?;
    let done = AtomicUsize::new(0);
    let step = (todo.len() / 10).max(1);
    let results: Vec<Result<Option<(u32, String)>>> = pool.install(|| {
        todo.par_iter()
            .map(|plan| {
                let (rec, records) = execute(spec, plan);
                dir.write_run(
                    &rec,
                    &spec.points[plan.point as usize].scenario.placement,
                    &records,
                )?;
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if !quiet && (n % step == 0 || n == todo.len()) {
                    eprintln!(
                        "  {n}/{} runs ({:.1} s)",
                        todo.len(),
                        start.elapsed().as_secs_f64()
                    );
                }
                Ok((rec.status != "ok").then_some((rec.run, rec.status)))
            })
            .collect()
    });
    let mut failed = Vec::new();
    for r in results {
        if let Some(f) = r? {
            failed.push(f);
        }
    }
    failed.sort();
    dir.merge(&runs.iter().map(|p| p.run).collect::<Vec<_>>())?;
    Ok(SweepOutcome {
        total: runs.len(),
        skipped,
        failed,
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}
