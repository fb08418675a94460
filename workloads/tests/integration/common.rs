//! Helpers shared by the workload tests.

use std::path::PathBuf;

use mlsim_workloads::checkpoint::{CheckpointRequest, Resumable, RunOutcome, Runner, load_state};

/// Run a fresh workload to the end, collecting outputs.
pub fn run_all<W: Resumable>(mut w: W) -> Vec<W::Output> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let r = Runner::new(CheckpointRequest::new(), dir.path().join("never"));
    match r
        .run(&mut w, |o| {
            out.push(o);
            Ok(())
        })
        .unwrap()
    {
        RunOutcome::Finished { .. } => out,
        RunOutcome::Checkpointed(_) => panic!("checkpointed without a request"),
    }
}

/// Run a workload interrupted after `segments[0]` items, resumed from the state file in a freshly
/// built workload, interrupted again after `segments[1]` more items, and so on; returns all
/// outputs and the number of checkpoints taken.
pub fn run_with_checkpoints<W: Resumable>(
    make: impl Fn() -> W,
    segments: &[u64],
) -> (Vec<W::Output>, usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.ckpt");
    let mut out = Vec::new();
    let mut resume_from: Option<PathBuf> = None;
    let mut checkpoints = 0;
    for seg in segments
        .iter()
        .copied()
        .map(Some)
        .chain(std::iter::once(None))
    {
        let mut w = make();
        if let Some(p) = &resume_from {
            w.restore(load_state::<W>(p).unwrap()).unwrap();
        }
        let r = Runner::new(CheckpointRequest::new(), &path).checkpoint_after_items(seg);
        match r
            .run(&mut w, |o| {
                out.push(o);
                Ok(())
            })
            .unwrap()
        {
            RunOutcome::Finished { .. } => return (out, checkpoints),
            RunOutcome::Checkpointed(rep) => {
                assert!(rep.compressed_bytes > 0);
                checkpoints += 1;
                resume_from = Some(path.clone());
            }
        }
    }
    unreachable!()
}

pub use mlsim_datasets::testing::data_file;

/// The shared Midtown Manhattan GraphML (never copied into the repository), or `None` after a
/// loud SKIPPED banner (a failure under `MLSIM_REQUIRE_DATA=1`).
pub fn midtown_graphml() -> Option<PathBuf> {
    mlsim_datasets::testing::shared_data(mlsim_datasets::testing::MIDTOWN_GRAPHML)
}
