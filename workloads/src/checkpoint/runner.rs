//! Running a [`Resumable`] workload until it finishes or is asked to checkpoint.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::format::{self, Codec};
use super::{CheckpointError, CheckpointRequest, Resumable, Step, atomic};

/// How a [`Runner::run`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The workload produced all its output.
    Finished {
        /// Items processed in this run (not counting earlier runs before a resume).
        items: u64,
    },
    /// The workload stopped at a safe point and wrote its state.
    Checkpointed(CheckpointReport),
}

/// What a checkpoint cost: the paper's Fig. 4 (time) and Fig. 5 (size) quantities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckpointReport {
    /// Application name.
    pub app: String,
    /// The state file written.
    pub path: PathBuf,
    /// Items processed in this run before the checkpoint.
    pub items_this_run: u64,
    /// Items processed in total (all runs), when the workload knows.
    pub items_total: Option<u64>,
    /// Checkpoint time \[ns\]: from the start of checkpointing (safe point reached) until the file
    /// is renamed into place and synced, i.e. serialize + compress + write + fsync + rename.
    pub checkpoint_ns: u64,
    /// Of which serialization and compression \[ns\].
    pub serialize_ns: u64,
    /// Serialized state before compression \[bytes\].
    pub raw_bytes: u64,
    /// Size of the state file on disk, header included \[bytes\].
    pub compressed_bytes: u64,
    /// For a deadline request: how long after the deadline the safe point was reached \[ns\].
    pub safe_point_delay_ns: Option<u64>,
}

impl CheckpointReport {
    /// Checkpoint time as a [`Duration`].
    pub fn checkpoint_time(&self) -> Duration {
        Duration::from_nanos(self.checkpoint_ns)
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E: std::error::Error + 'static> {
    /// The workload itself failed.
    #[error(transparent)]
    Workload(E),
    /// Writing the checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The output sink failed.
    #[error("cannot write output: {0}")]
    Output(#[source] std::io::Error),
}

/// Runs a workload, polling a [`CheckpointRequest`] at every safe point.
#[derive(Debug, Clone)]
pub struct Runner {
    request: CheckpointRequest,
    state_out: PathBuf,
    codec: Codec,
    checkpoint_after_items: Option<u64>,
}

/// Timing of [`save_state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveStats {
    /// Serialize + compress \[ns\].
    pub serialize_ns: u64,
    /// Serialize + compress + atomic durable write \[ns\].
    pub total_ns: u64,
    /// Serialized bytes before compression.
    pub raw_bytes: u64,
    /// File size \[bytes\].
    pub file_bytes: u64,
}

/// Serialize, compress and atomically write `state` of application `app` to `path`.
pub fn save_state<S: Serialize + ?Sized>(
    app: &str,
    state: &S,
    path: &Path,
    codec: Codec,
) -> Result<SaveStats, CheckpointError> {
    let start = Instant::now();
    let enc = format::encode(app, state, codec)?;
    let serialize_ns = start.elapsed().as_nanos() as u64;
    atomic::write_atomic(path, &enc.bytes)?;
    let total_ns = start.elapsed().as_nanos() as u64;
    Ok(SaveStats {
        serialize_ns,
        total_ns,
        raw_bytes: enc.raw_len,
        file_bytes: enc.bytes.len() as u64,
    })
}

/// Read and verify the state file at `path` written by application `W::APP`.
pub fn load_state<W: Resumable>(path: &Path) -> Result<W::State, CheckpointError> {
    let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
        path: path.to_owned(),
        source,
    })?;
    format::decode::<W::State>(W::APP, &bytes).map_err(|e| e.with_path(path))
}

impl Runner {
    /// A runner that writes its checkpoint to `state_out` when `request` is set.
    pub fn new(request: CheckpointRequest, state_out: impl Into<PathBuf>) -> Self {
        Self {
            request,
            state_out: state_out.into(),
            codec: Codec::Lz4,
            checkpoint_after_items: None,
        }
    }

    /// Also checkpoint, deterministically, after this many items of this run (tests, and
    /// `--checkpoint-at-item`).
    pub fn checkpoint_after_items(mut self, items: Option<u64>) -> Self {
        self.checkpoint_after_items = items;
        self
    }

    /// Payload compression (default lz4).
    pub fn codec(mut self, codec: Codec) -> Self {
        self.codec = codec;
        self
    }

    /// The request this runner polls.
    pub fn request(&self) -> &CheckpointRequest {
        &self.request
    }

    /// Run `workload`, handing each item's output to `on_output`, until it is done or a
    /// checkpoint is requested; in the latter case write the state and report.
    pub fn run<W, F>(
        &self,
        workload: &mut W,
        mut on_output: F,
    ) -> Result<RunOutcome, RunError<W::Error>>
    where
        W: Resumable,
        F: FnMut(W::Output) -> std::io::Result<()>,
    {
        let mut items = 0u64;
        loop {
            let by_count = self.checkpoint_after_items.is_some_and(|n| items >= n);
            if by_count || self.request.is_requested() {
                let delay = self.request.overdue();
                let stats = save_state(W::APP, workload.state(), &self.state_out, self.codec)?;
                return Ok(RunOutcome::Checkpointed(CheckpointReport {
                    app: W::APP.to_owned(),
                    path: self.state_out.clone(),
                    items_this_run: items,
                    items_total: workload.items_done(),
                    checkpoint_ns: stats.total_ns,
                    serialize_ns: stats.serialize_ns,
                    raw_bytes: stats.raw_bytes,
                    compressed_bytes: stats.file_bytes,
                    safe_point_delay_ns: delay.map(|d| d.as_nanos() as u64),
                }));
            }
            match workload.step().map_err(RunError::Workload)? {
                Step::Done => return Ok(RunOutcome::Finished { items }),
                Step::Item(out) => {
                    on_output(out).map_err(RunError::Output)?;
                    items += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter that sums 0..n: the smallest resumable workload.
    struct Sum {
        n: u64,
        state: (u64, u64),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("never")]
    struct Never;

    impl Resumable for Sum {
        const APP: &'static str = "sum";
        type State = (u64, u64);
        type Output = u64;
        type Error = Never;
        fn step(&mut self) -> Result<Step<u64>, Never> {
            if self.state.0 == self.n {
                return Ok(Step::Done);
            }
            self.state.1 += self.state.0;
            self.state.0 += 1;
            Ok(Step::Item(self.state.1))
        }
        fn state(&self) -> &(u64, u64) {
            &self.state
        }
        fn restore(&mut self, s: (u64, u64)) -> Result<(), Never> {
            self.state = s;
            Ok(())
        }
    }

    #[test]
    fn checkpoint_then_resume_continues_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sum.ckpt");
        let mut outs = Vec::new();
        let mut w = Sum {
            n: 10,
            state: (0, 0),
        };
        let r = Runner::new(CheckpointRequest::new(), &path).checkpoint_after_items(Some(4));
        let RunOutcome::Checkpointed(rep) = r
            .run(&mut w, |o| {
                outs.push(o);
                Ok(())
            })
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(rep.items_this_run, 4);
        assert!(rep.compressed_bytes > 0);
        let mut w2 = Sum {
            n: 10,
            state: (0, 0),
        };
        w2.restore(load_state::<Sum>(&path).unwrap()).unwrap();
        let r2 = Runner::new(CheckpointRequest::new(), &path);
        assert_eq!(
            r2.run(&mut w2, |o| {
                outs.push(o);
                Ok(())
            })
            .unwrap(),
            RunOutcome::Finished { items: 6 }
        );
        let expect: Vec<u64> = (0..10).map(|i| (0..=i).sum()).collect();
        assert_eq!(outs, expect);
    }

    #[test]
    fn a_pending_request_checkpoints_at_the_first_safe_point() {
        let dir = tempfile::tempdir().unwrap();
        let req = CheckpointRequest::new();
        req.request();
        let mut w = Sum {
            n: 10,
            state: (0, 0),
        };
        let out = Runner::new(req, dir.path().join("s"))
            .run(&mut w, |_| Ok(()))
            .unwrap();
        assert!(matches!(
            out,
            RunOutcome::Checkpointed(CheckpointReport {
                items_this_run: 0,
                ..
            })
        ));
    }
}
