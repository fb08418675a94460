//! The simulator behind the pipeline's [`Backend`] seam: a protocol run is
//! [`crate::model::simulate`], a checkpoint probe [`crate::probe::probe`], a suspend run
//! [`crate::suspend::simulate_suspend`]. Runs are independent
//! and may go in parallel.

use mlsim_core::backend::{Backend, RunError, RunKind, RunPlan, RunSummary};
use mlsim_core::scenario::Scenario;
use mlsim_core::sink::RecordSink;

/// Simulates runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimBackend;

impl Backend for SimBackend {
    fn name(&self) -> &str {
        "sim"
    }

    fn run(
        &self,
        kind: RunKind,
        sc: &Scenario,
        plan: &RunPlan,
        mut sink: &mut dyn RecordSink,
    ) -> Result<RunSummary, RunError> {
        let events = match kind {
            RunKind::Protocol => crate::model::simulate(sc, plan.run, &mut sink).map(|s| s.events),
            RunKind::CheckpointProbe { samples } => {
                crate::probe::probe(sc, samples, plan.run, &mut sink).map(u64::from)
            }
            RunKind::Suspend => {
                return crate::suspend::simulate_suspend(sc, plan.run, &mut sink)
                    .map(|s| RunSummary { events: s.events })
                    .map_err(|e| RunError::Run(Box::new(e)));
            }
            RunKind::Serverless => {
                return crate::serverless::simulate_serverless(sc, plan.run, &mut sink)
                    .map(|s| RunSummary { events: s.events })
                    .map_err(|e| RunError::Run(Box::new(e)));
            }
        };
        // A model error ends this run only; the sweep goes on.
        events
            .map(|events| RunSummary { events })
            .map_err(|e| RunError::Run(Box::new(e)))
    }
}
