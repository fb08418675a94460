//! Runs every run of a spec through a [`Backend`]: in parallel (rayon) unless the backend runs
//! one at a time, each written as soon as it finishes, skipping runs already done (resume);
//! the records are merged in run order at the end, so the merged CSVs are byte-identical
//! whatever the number of threads.
//!
//! A run that fails ([`RunError::Run`], or a panic in the backend) is a result: it is written
//! with status `failed: ...` and done again on resume. A stop request or a fatal backend error
//! ends the sweep: the runs finished so far stay written and merged, the interrupted one is
//! not written. A stop request ([`Backend::stop_requested`], e.g. Ctrl-C) is checked before
//! each run by every worker thread: no run starts after it, runs already going finish.
//!
//! On resume a run folder that fails its check (see [`crate::folder::verify_run_dir`]) is
//! reported ([`RunEvent::Damaged`]) and run again.

use crate::error::Result;
use crate::folder::{ResultDir, RunFile, RunWriter};
use crate::record::run_record;
use crate::spec::{RunPlan, Spec};
use mlsim_core::Records;
use mlsim_core::backend::{Backend, RunError};
use mlsim_core::record::RunRecord;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// What a sweep did.
#[derive(Clone, Debug, Default)]
pub struct SweepOutcome {
    /// Runs in the spec.
    pub total: usize,
    /// Runs skipped because a previous invocation finished them.
    pub skipped: usize,
    /// Runs this invocation finished and wrote (ok or failed).
    pub written: usize,
    /// Runs that failed, with their reasons.
    pub failed: Vec<(u32, String)>,
    /// Why the sweep stopped before its end (a stop request: `interrupted`, `interrupted by
    /// SIGINT`, ...; or a fatal backend error), if it did.
    pub stopped: Option<String>,
    /// Whether it stopped because a stop was requested (Ctrl-C, SIGTERM), not because of an
    /// error.
    pub interrupted: bool,
    /// Wall time of this invocation \[s\].
    pub elapsed_s: f64,
}

impl SweepOutcome {
    /// The manifest's status: `complete`, `some runs failed`, `interrupted` (a stop request)
    /// or `failed` (a fatal backend error stopped the sweep).
    pub fn status(&self) -> &'static str {
        if self.interrupted {
            "interrupted"
        } else if self.stopped.is_some() {
            "failed"
        } else if self.failed.is_empty() {
            "complete"
        } else {
            "some runs failed"
        }
    }

    /// Whether every run is done and ok.
    pub fn success(&self) -> bool {
        self.stopped.is_none() && self.failed.is_empty()
    }
}

/// Progress of a sweep, for the caller to show.
#[derive(Debug)]
pub enum RunEvent<'a> {
    /// A resumed folder: `skipped` of `total` runs were done before.
    Resuming {
        /// Runs already done.
        skipped: usize,
        /// Runs in the spec.
        total: usize,
    },
    /// A run's file, left by a previous invocation, fails its check: the run is done again.
    Damaged {
        /// The run.
        run: u32,
        /// Its folder, relative to the result folder (`runs/000001`; `runs/000001.csv` for
        /// an older version's run file).
        file: String,
        /// Why it fails (`length 1234 ≠ 5678`, ...).
        why: String,
    },
    /// The runs start: `todo` of them (after those a resumed folder already holds).
    Started {
        /// Runs this invocation does.
        todo: usize,
    },
    /// A run was written.
    Finished {
        /// Runs this invocation has finished so far (this one included).
        done: usize,
        /// Runs this invocation does.
        todo: usize,
        /// Its `runs.csv` row.
        record: &'a RunRecord,
        /// Its records, when the backend is sequential (the emulation: its runs are short and
        /// their lines show them); empty otherwise (the simulator's rows are streamed to the
        /// run file, never held: see [`crate::folder::RunWriter`]).
        records: &'a Records,
        /// Rows of `invocations.csv` (protocol runs) or `calls.csv` (serverless runs) the run wrote.
        invocations: u64,
        /// Its wall time \[s\].
        wall_s: f64,
        /// Wall time of the sweep so far \[s\].
        elapsed_s: f64,
    },
}

/// Executes one run through `backend`, its records going to `sink` as they are produced;
/// never panics (a panic in the backend becomes a failed run, whose rows are discarded). `Err`
/// only for a stop request or a fatal backend error.
pub fn execute(
    spec: &Spec,
    plan: &RunPlan,
    backend: &dyn Backend,
    sink: &mut RunWriter,
) -> Result<RunRecord, RunError> {
    let sc = spec.scenario(plan);
    let point = &spec.points[plan.point as usize];
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        backend.run(spec.kind, &sc, plan, &mut *sink)
    }));
    let (status, events) = match result {
        Ok(Ok(s)) => ("ok".to_string(), s.events),
        Ok(Err(e)) if e.is_fatal() => return Err(e),
        Ok(Err(e)) => {
            sink.discard();
            (format!("failed: {e}"), 0)
        }
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            sink.discard();
            (format!("failed: internal error (please report): {msg}"), 0)
        }
    };
    Ok(run_record(
        spec.kind,
        plan,
        &point.params,
        &sc,
        status,
        events,
    ))
}

/// Runs what is not done yet (`resumed`: the folder existed, skip its finished runs) through
/// `backend`, with `jobs` threads (all cores when `None`; one at a time if the backend is
/// sequential), reporting progress to `progress`; then merges every finished run's records.
pub fn run_all(
    spec: &Spec,
    dir: &ResultDir,
    backend: &dyn Backend,
    resumed: bool,
    jobs: Option<usize>,
    progress: &(dyn Fn(&RunEvent<'_>) + Sync),
) -> Result<SweepOutcome> {
    run_plans(spec, spec.runs(), dir, backend, resumed, jobs, progress)
}

/// [`run_all`] for some of the spec's runs only (`runs`, in run order: a shard, see
/// [`crate::shard`]); the folder's merged CSVs then hold these runs.
pub fn run_plans(
    spec: &Spec,
    runs: &[RunPlan],
    dir: &ResultDir,
    backend: &dyn Backend,
    resumed: bool,
    jobs: Option<usize>,
    progress: &(dyn Fn(&RunEvent<'_>) + Sync),
) -> Result<SweepOutcome> {
    let start = Instant::now();
    // A folder this invocation created has no finished run to skip: don't look for any.
    let todo: Vec<RunPlan> = if resumed {
        runs.iter()
            .filter(|p| match dir.run_state(p.run) {
                RunFile::Done => false,
                RunFile::Missing | RunFile::Failed => true,
                RunFile::Damaged(why) => {
                    progress(&RunEvent::Damaged {
                        run: p.run,
                        file: dir.run_file(p.run).strip_prefix(&dir.root).map_or_else(
                            |_| ResultDir::run_file_name(p.run),
                            |f| f.display().to_string(),
                        ),
                        why,
                    });
                    true
                }
            })
            .copied()
            .collect()
    } else {
        runs.to_vec()
    };
    let skipped = runs.len() - todo.len();
    if skipped > 0 {
        progress(&RunEvent::Resuming {
            skipped,
            total: runs.len(),
        });
    }
    progress(&RunEvent::Started { todo: todo.len() });
    let done = AtomicUsize::new(0);
    let halt = AtomicBool::new(false);
    // One run: execute, write, report. `Ok(Err(_))`: the sweep must stop.
    let one = |plan: &RunPlan| -> Result<Result<Option<(u32, String)>, RunError>> {
        if halt.load(Ordering::Relaxed) {
            // Another run hit an error that ends the sweep: start nothing more.
            return Ok(Ok(None));
        }
        if backend.stop_requested() {
            return Ok(Err(RunError::Interrupted));
        }
        let t = Instant::now();
        // On the progress board while it runs (the CLI's bar reads it).
        let on_board = mlsim_core::progress::enter(plan.run);
        let mut writer = dir.run_writer(plan.run, backend.sequential());
        let executed = execute(spec, plan, backend, &mut writer);
        drop(on_board);
        let rec = match executed {
            Ok(r) => r,
            Err(e) => {
                halt.store(true, Ordering::Relaxed);
                return Ok(Err(e));
            }
        };
        let invocations = writer.rows("invocations") + writer.rows("calls");
        let records = dir
            .finish_run(&rec, &spec.points[plan.point as usize], writer)
            .inspect_err(|_| halt.store(true, Ordering::Relaxed))?;
        if backend.sequential() {
            // A run of a sequential backend (the emulation's) takes seconds to minutes: made
            // durable at once; the simulator's are made durable together, before the merge.
            crate::folder::sync_fs(&dir.run_dir(plan.run))?;
        }
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(&RunEvent::Finished {
            done: n,
            todo: todo.len(),
            record: &rec,
            records: &records,
            invocations,
            wall_s: t.elapsed().as_secs_f64(),
            elapsed_s: start.elapsed().as_secs_f64(),
        });
        Ok(Ok((rec.status != "ok").then_some((rec.run, rec.status))))
    };
    let mut failed = Vec::new();
    // The first reason to stop, and whether it was a stop request.
    let mut stopped: Option<(String, bool)> = None;
    let mut stop = |e: RunError| {
        let interrupted = matches!(e, RunError::Interrupted);
        let why = if interrupted {
            mlsim_core::stop::describe()
        } else {
            e.to_string()
        };
        stopped.get_or_insert((why, interrupted));
    };
    if backend.sequential() {
        for plan in &todo {
            match one(plan)? {
                Ok(f) => failed.extend(f),
                Err(e) => {
                    stop(e);
                    break;
                }
            }
        }
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.unwrap_or(0))
            .build()?;
        let results: Vec<_> = pool.install(|| todo.par_iter().map(one).collect());
        // The first error in run order (not the first to happen), so the message does not
        // depend on the thread count; every run finished before it is written either way.
        let mut first_err = None;
        for r in results {
            match r {
                Ok(Ok(f)) => failed.extend(f),
                Ok(Err(e)) => stop(e),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_err {
            return Err(e);
        }
    }
    failed.sort();
    let (stopped, interrupted) = stopped.map_or((None, false), |(w, i)| (Some(w), i));
    // The run folders written by this sweep become durable (one syncfs, not one fsync per
    // file: see `folder::run_dir::write_check`).
    crate::folder::sync_fs(&dir.root.join("runs"))?;
    dir.merge(&runs.iter().map(|p| p.run).collect::<Vec<_>>())?;
    Ok(SweepOutcome {
        total: runs.len(),
        skipped,
        written: done.load(Ordering::Relaxed),
        failed,
        stopped,
        interrupted,
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}
