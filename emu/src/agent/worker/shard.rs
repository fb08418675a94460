//! Sharded stress on a worker: the command line and the files of a shard task.
//!
//! A shard task ([`ShardMsg`]) runs `mlsim-workload run stress … --shards K --shard S --window W`
//! (the input is still the request's whole recording, `--items` its windows, so every shard
//! sees the same signal as the unsharded program). Shard S ≥ 1's output is its detected events
//! (one JSON line), which [`super::invoke::store`] appends to `mlsim:out:<req>:<task>` like any
//! output. Shard 0 joins: while it runs, a [`PartsFetcher`] copies the other shards' outputs
//! from Redis into its parts folder as they arrive; its `--carry-in` is the state after the
//! previous window (`mlsim:carry:<req>:<W−1>`, fetched before the start) and its `--carry-out`
//! goes to `mlsim:carry:<req>:<W>` when it completes ([`store_carry`], before the event is
//! published, so the next window finds it). The files live in the task folder, which the
//! emulated hosts share (a CRIU-restored shard 0 finds them at the same paths; a Docker
//! container has it bound at `/out`).

use super::super::AgentError;
use super::super::protocol::{InvokeMsg, carry_key, output_key};
use super::super::resp::Resp;
use super::Worker;
use super::invoke::task_dir;
use mlsim_core::record::Outcome;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Shard 0's folder of the other shards' parts (in the task folder).
fn parts_dir(tdir: &Path) -> PathBuf {
    tdir.join("parts")
}

/// Shard 0's state after its window (in the task folder).
fn carry_out_file(tdir: &Path) -> PathBuf {
    tdir.join("carry-out.ckpt")
}

/// Appends the shard arguments of `m` (if it is a shard task) to the workload's `argv`, and
/// for shard 0 of a window > 0 fetches the carried state from Redis into the task folder.
/// `inside`: where the program sees the task folder (a container's bind mount), if elsewhere.
pub(super) fn extend_argv(
    w: &Worker,
    m: &InvokeMsg,
    tdir: &Path,
    inside: Option<&Path>,
    argv: &mut Vec<OsString>,
) -> Result<(), AgentError> {
    let seen = inside.unwrap_or(tdir);
    let Some(s) = m.shard else {
        return Ok(());
    };
    for (k, v) in [
        ("--shards", s.shards),
        ("--shard", s.shard),
        ("--window", s.window),
    ] {
        argv.push(k.into());
        argv.push(v.to_string().into());
    }
    if s.shard != 0 {
        return Ok(());
    }
    let parts = parts_dir(tdir);
    std::fs::create_dir_all(&parts).map_err(AgentError::io("mkdir the parts folder"))?;
    argv.push("--parts".into());
    argv.push(parts_dir(seen).into());
    argv.push("--carry-out".into());
    argv.push(carry_out_file(seen).into());
    if s.window > 0 {
        let mut redis = Resp::connect(w.cfg.common.redis, Duration::from_secs(10))?;
        let key = carry_key(m.req, s.window - 1);
        let Some(carry) = redis.get(&key)?.0 else {
            return Err(AgentError::Other(format!(
                "{key} is missing: window {} has no carried state",
                s.window - 1
            )));
        };
        let file = tdir.join("carry-in.ckpt");
        std::fs::write(&file, carry).map_err(AgentError::io("write the carried state"))?;
        argv.push("--carry-in".into());
        argv.push(seen.join("carry-in.ckpt").into());
    }
    Ok(())
}

/// Copies the other shards' outputs from Redis into shard 0's parts folder while it runs
/// (stops when all are there, or when dropped).
pub(super) struct PartsFetcher {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for PartsFetcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Poll period of the parts fetcher.
const POLL: Duration = Duration::from_millis(5);

/// Starts the fetcher for invocation `m` if it is shard 0 of several.
pub(super) fn fetch_parts(w: &Worker, m: &InvokeMsg) -> Option<PartsFetcher> {
    let s = m.shard.filter(|s| s.shard == 0 && s.shards > 1)?;
    let dir = parts_dir(&task_dir(w, m));
    let redis = w.cfg.common.redis;
    let req = m.req;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut missing: Vec<u32> = (1..s.shards)
            .filter(|i| !dir.join(part_name(*i)).exists())
            .collect();
        let mut conn: Option<Resp> = None;
        while !missing.is_empty() && !flag.load(Ordering::Relaxed) {
            if conn.is_none() {
                conn = Resp::connect(redis, Duration::from_secs(1)).ok();
            }
            if let Some(c) = conn.as_mut() {
                let mut still = Vec::new();
                for &i in &missing {
                    match c.get(&output_key(req, s.task_of(i))) {
                        Ok((Some(part), _)) if !part.is_empty() => {
                            if write_part(&dir, i, &part).is_err() {
                                still.push(i);
                            }
                        }
                        Ok(_) => still.push(i),
                        Err(_) => {
                            still.push(i);
                            conn = None;
                            break;
                        }
                    }
                }
                if conn.is_some() {
                    missing = still;
                }
            }
            std::thread::sleep(POLL);
        }
    });
    Some(PartsFetcher {
        stop,
        thread: Some(thread),
    })
}

/// The file name the shard program reads shard `i`'s part from (`mlsim-workload`'s
/// `stress::shard::part_file`).
fn part_name(i: u32) -> String {
    format!("part-{i}.json")
}

/// Writes a part atomically (the shard program must never see half of it).
fn write_part(dir: &Path, i: u32, part: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{}.tmp", part_name(i)));
    std::fs::write(&tmp, part)?;
    std::fs::rename(&tmp, dir.join(part_name(i)))
}

/// Step 5 of a completed shard 0: its carried state to `mlsim:carry:<req>:<window>` [bytes sent].
pub(super) fn store_carry(
    w: &Worker,
    m: &InvokeMsg,
    outcome: Outcome,
    redis: &mut Resp,
) -> Result<u64, AgentError> {
    let Some(s) = m.shard.filter(|s| s.shard == 0) else {
        return Ok(0);
    };
    if outcome != Outcome::Completed {
        return Ok(0);
    }
    let file = carry_out_file(&task_dir(w, m));
    let bytes = std::fs::read(&file).map_err(AgentError::io(format!(
        "read the carried state {}",
        file.display()
    )))?;
    Ok(redis.set(&carry_key(m.req, s.window), &bytes)?)
}
