//! The backend seam: what executes one run of an experiment.
//!
//! The experiment pipeline (spec → run plan → result folder → summaries → figures) is written
//! once against [`Backend`]; the simulator, the emulation and a test mock implement it. The
//! pipeline gives a backend the validated [`Scenario`] of a run and its [`RunPlan`]; the
//! backend sends the run's records to the [`RecordSink`] and returns a [`RunSummary`], or a
//! [`RunError`] that says whether only this run failed or the whole sweep must stop.

use crate::scenario::Scenario;
use crate::sink::RecordSink;

/// One run of an experiment: a sweep point and a replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunPlan {
    /// Run index: point × replications + replication.
    pub run: u32,
    /// Point index.
    pub point: u32,
    /// Replication.
    pub replication: u32,
    /// Seed of the run, derived from the experiment seed and the replication only (so all
    /// points of one replication share common random numbers).
    pub seed: u64,
}

/// What an experiment's runs do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// The full seven-step protocol (Figs. 6 and 7).
    Protocol,
    /// Checkpoints after random execution durations (Figs. 4 and 5).
    CheckpointProbe {
        /// Checkpoints per run.
        samples: u32,
    },
    /// Long-running blocking functions on memory-limited BBUs, suspended while they block by
    /// a pause or a checkpoint to disk (seed 000; [`crate::scenario::Suspend`]).
    Suspend,
    /// Serverless functions with cold starts, keep-alive and prewarming (seed 004;
    /// [`crate::serverless::Serverless`]).
    Serverless,
}

impl RunKind {
    /// The kind as a spec spells it (`kind = "..."`).
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Protocol => "protocol",
            RunKind::CheckpointProbe { .. } => "checkpoint_probe",
            RunKind::Suspend => "suspend",
            RunKind::Serverless => "serverless",
        }
    }
}

/// What a finished run reports besides its records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// The `events` column of `runs.csv`: events handled by the simulator, checkpoints taken
    /// by a probe, 0 where the backend counts none (the emulation).
    pub events: u64,
}

/// An error of one boxed cause.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a run (or the sweep) did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// This run failed; the sweep goes on. The run is written with status `failed: <cause>`
    /// and done again on resume.
    #[error(transparent)]
    Run(Cause),
    /// The user asked to stop (Ctrl-C, SIGTERM): the sweep stops, this run is not written.
    #[error("interrupted")]
    Interrupted,
    /// The backend cannot go on: the sweep stops, this run is not written.
    #[error("{0}")]
    Fatal(Cause),
}

impl RunError {
    /// A failure of this run only, from a message.
    pub fn run(msg: impl Into<String>) -> Self {
        RunError::Run(msg.into().into())
    }

    /// Whether the sweep must stop (the run is not written).
    pub fn is_fatal(&self) -> bool {
        !matches!(self, RunError::Run(_))
    }
}

/// A problem found before any run starts ([`Backend::check`]): the sweep does not start.
#[derive(Debug, thiserror::Error)]
#[error("{}{message}", run.map_or_else(String::new, |r| format!("run {r}: ")))]
pub struct CheckError {
    /// The run concerned, if one.
    pub run: Option<u32>,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// One run as [`Backend::check`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct PlannedRun<'a> {
    /// The run.
    pub plan: &'a RunPlan,
    /// Its sweep point's scenario (the same for every replication; its `seed` is not the
    /// run's: a check must not depend on it).
    pub scenario: &'a Scenario,
}

/// Executes runs. Implementations: the simulator (`mlsim_sim::backend::SimBackend`), the
/// emulation (`mlsim_emu::backend::EmuBackend`) and a deterministic mock
/// (`mlsim_experiment::testing::MockBackend`).
pub trait Backend: Sync {
    /// Short name for messages and records (`sim`, `emu`, `mock`).
    fn name(&self) -> &str;

    /// Whether runs must go one at a time (the emulation: parallel runs would share the
    /// machine's cores and disturb each other's timings). Default: runs may go in parallel.
    fn sequential(&self) -> bool {
        false
    }

    /// Checks every run up front, before anything is written; returns lines worth showing the
    /// user (e.g. how the emulation maps cores). Default: nothing to check.
    fn check(&self, kind: RunKind, runs: &[PlannedRun<'_>]) -> Result<Vec<String>, CheckError> {
        let _ = (kind, runs);
        Ok(Vec::new())
    }

    /// Whether the user asked to stop (checked before each run, by every worker thread).
    /// Default: the process-wide request of [`crate::stop`] (Ctrl-C, SIGTERM).
    fn stop_requested(&self) -> bool {
        crate::stop::requested()
    }

    /// Executes run `plan` of scenario `sc` (its seed is the plan's), sending its records to
    /// `sink`. On [`RunError::Run`] the records sent so far are discarded.
    fn run(
        &self,
        kind: RunKind,
        sc: &Scenario,
        plan: &RunPlan,
        sink: &mut dyn RecordSink,
    ) -> Result<RunSummary, RunError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_run_errors_let_the_sweep_go_on() {
        assert!(!RunError::run("x").is_fatal());
        assert!(RunError::Interrupted.is_fatal());
        assert!(RunError::Fatal("y".into()).is_fatal());
        assert_eq!(RunError::run("no workers").to_string(), "no workers");
        let e = CheckError {
            run: Some(3),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "run 3: bad");
    }
}
