//! μλ checkpoints through Redis: a worker runs the workload with a checkpoint deadline, the
//! program writes its state file at the next safe point and exits, the worker puts the file's
//! bytes into the store; another worker (another host) gets them, writes them to its own disk and
//! starts the workload with `--resume`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::proc::Proc;
use super::store::{RedisStore, StateStore};
use super::workload::{RunArgs, WorkloadRun};
use super::{CkptError, netns};
use crate::ledger::Ledger;

/// A worker: a host (network namespace) with a local folder, talking to the store.
#[derive(Clone, Debug)]
pub struct Worker {
    /// The network namespace file the workload runs in (`None`: this namespace).
    pub netns: Option<PathBuf>,
    /// The namespace the worker talks to the store from (usually `netns`; `None`: this one).
    pub store_netns: Option<PathBuf>,
    /// Its local disk (state files, logs).
    pub dir: PathBuf,
    /// The Redis server, as reachable from `store_netns`.
    pub store: SocketAddr,
}

/// A μλ checkpoint that reached the store.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpointed {
    /// The store key.
    pub key: String,
    /// The workload's checkpoint time: safe point reached → state file fsync'd and renamed.
    pub checkpoint_time: Duration,
    /// The state file's size (lz4-compressed, header included) \[bytes\].
    pub size_bytes: u64,
    /// Serialized state before compression \[bytes\].
    pub raw_bytes: u64,
    /// Wall time from the start of the process until it exited after checkpointing.
    pub wall: Duration,
    /// Time to put the bytes into the store.
    pub upload: Duration,
    /// Items the program had finished at the checkpoint (its report's `items_total`, else
    /// `items_this_run`), if it reported them.
    pub items: Option<u64>,
}

/// How a first run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum FirstRun {
    /// It finished before the deadline.
    Finished,
    /// It checkpointed and its state is in the store.
    Checkpointed(Checkpointed),
}

/// A file name stem for `key` (letters, digits, `-`, `_`, `.`; others become `_`).
fn stem(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn report_u64(v: &serde_json::Value, k: &str) -> Result<u64, CkptError> {
    v.get(k)
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| CkptError::Workload(format!("checkpoint report without {k}: {v}")))
}

fn exit_ok(
    status: Option<std::process::ExitStatus>,
    what: &str,
    log: &Path,
) -> Result<(), CkptError> {
    match status {
        Some(s) if !s.success() => Err(CkptError::Command {
            command: what.into(),
            status: s.to_string(),
            detail: super::proc::tail(&std::fs::read_to_string(log).unwrap_or_default(), 1500),
        }),
        _ => Ok(()),
    }
}

impl Worker {
    /// Runs `run` on this worker with a checkpoint `deadline`, per-item output to `output`; on a
    /// checkpoint, puts the state under `key`.
    pub fn run_until_checkpoint(
        &self,
        run: &WorkloadRun,
        deadline: Duration,
        output: &Path,
        key: &str,
        ledger: &Ledger,
        timeout: Duration,
    ) -> Result<FirstRun, CkptError> {
        std::fs::create_dir_all(&self.dir).map_err(CkptError::io(&self.dir))?;
        let state = self.dir.join(format!("{}.ckpt", stem(key)));
        let launch = run.launch(
            &RunArgs {
                output: Some(output),
                state_out: Some(&state),
                deadline: Some(deadline),
                resume: None,
            },
            self.netns.clone(),
            &self.dir.join(format!("{}.first", stem(key))),
        );
        let mut p = Proc::spawn(&launch, ledger)?;
        let status = p.wait(timeout)?;
        let wall = p.started().elapsed();
        exit_ok(status, "workload (first run)", &launch.stderr)?;
        let Some(rep) = run.checkpoint_report(&launch) else {
            return Ok(FirstRun::Finished);
        };
        let bytes = std::fs::read(&state).map_err(CkptError::io(&state))?;
        let t = Instant::now();
        netns::run_in(self.store_netns.as_deref(), || {
            RedisStore::connect(self.store)?.put(key, &bytes)
        })?;
        let upload = t.elapsed();
        let _ = std::fs::remove_file(&state);
        Ok(FirstRun::Checkpointed(Checkpointed {
            key: key.to_string(),
            checkpoint_time: Duration::from_nanos(report_u64(&rep, "checkpoint_ns")?),
            size_bytes: report_u64(&rep, "compressed_bytes")?,
            raw_bytes: report_u64(&rep, "raw_bytes")?,
            wall,
            upload,
            items: rep
                .get("items_total")
                .and_then(serde_json::Value::as_u64)
                .or_else(|| {
                    rep.get("items_this_run")
                        .and_then(serde_json::Value::as_u64)
                }),
        }))
    }

    /// Gets the state under `key` from the store, writes it to this worker's disk (fsync'd) and
    /// starts `run` with `--resume`, per-item output to `output`. Returns the process and the
    /// restore time: store GET + durable local write (the state is then where the program reads it).
    pub fn resume(
        &self,
        run: &WorkloadRun,
        key: &str,
        output: &Path,
        ledger: &Ledger,
    ) -> Result<(Proc, Duration), CkptError> {
        std::fs::create_dir_all(&self.dir).map_err(CkptError::io(&self.dir))?;
        let state = self.dir.join(format!("{}.resume.ckpt", stem(key)));
        let t = Instant::now();
        let bytes = netns::run_in(self.store_netns.as_deref(), || {
            RedisStore::connect(self.store)?.get(key)
        })?
        .ok_or_else(|| CkptError::Workload(format!("no state under key {key}")))?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&state).map_err(CkptError::io(&state))?;
            f.write_all(&bytes)
                .and_then(|()| f.sync_all())
                .map_err(CkptError::io(&state))?;
        }
        let restore = t.elapsed();
        let launch = run.launch(
            &RunArgs {
                output: Some(output),
                resume: Some(&state),
                ..RunArgs::default()
            },
            self.netns.clone(),
            &self.dir.join(format!("{}.resume", stem(key))),
        );
        Ok((Proc::spawn(&launch, ledger)?, restore))
    }
}
