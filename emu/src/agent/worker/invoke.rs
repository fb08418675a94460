//! One invocation of λ(f) on a worker: start (or CRIU-restore) the workload, run the timeout
//! tracker, checkpoint, and store the result in Redis (step 5).
//!
//! The tracker signals at `start + r_limit − lead` (the lead is the manager's budget for the
//! checkpoint and, for μλ, the wait for the next safe point, computed like the simulator's
//! tracker from the spec's cost model). μλ: `SIGUSR1`, the workload stops at its next safe point
//! and writes its state file. CRIU: `criu dump` of the workload process (it is killed by the
//! dump); the image folder is shipped as a tar stream in an lz4 frame (the codec of the μλ
//! state files). A process still alive at `start + r_limit` is killed: the checkpoint missed
//! the deadline and the invocation's work is lost.
//!
//! CRIU restores open files by path. The emulated hosts share the machine's file system, so the
//! workload's output file stays at its path in the task folder (`DIR/../tasks/`), which
//! stands for the function's local disk that a real deployment would migrate with the images.

use super::super::protocol::{CheckpointInfo, EventMsg, InvokeMsg};
use super::super::resp::Resp;
use super::super::{AgentError, since};
use super::Worker;
use super::admission::{EvictFlag, tracker};
use crate::ckpt::proc::{Launch, Proc};
use crate::ckpt::workload::{App, RunArgs, WorkloadRun, item_lines};
use mlsim_core::method::Captures;
use mlsim_core::record::Outcome;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What an invocation produced for step 5.
pub struct Result5 {
    /// The report to the manager.
    pub event: EventMsg,
    /// The new checkpoint (state file or image archive), if it checkpointed in time.
    pub state: Option<Vec<u8>>,
    /// Output lines to append to the task's output.
    pub output: Vec<u8>,
}

/// The report of invocation `m` with nothing gained yet (outcome lost, no items, no
/// checkpoint); the caller fills in what happened.
pub(super) fn lost_event(
    w: &Worker,
    m: &InvokeMsg,
    invoked_ns: u64,
    start_ns: u64,
    end_ns: u64,
    restore_ns: u64,
) -> EventMsg {
    EventMsg {
        req: m.req,
        task: m.task,
        inv: m.inv,
        bbu: w.cfg.bbu,
        outcome: Outcome::Lost,
        items_done: 0,
        invoked_ns,
        start_ns,
        end_ns,
        restore_ns,
        work_ns: 0,
        checkpoint: None,
        step5_bytes: 0,
        error: None,
        evicted: false,
    }
}

fn fail(w: &Worker, m: &InvokeMsg, invoked_ns: u64, why: String) -> Result5 {
    let now = since(w.cfg.common.epoch_unix_ns);
    Result5 {
        event: EventMsg {
            error: Some(why),
            ..lost_event(w, m, invoked_ns, now, now, 0)
        },
        state: None,
        output: Vec::new(),
    }
}

/// File of a task folder: the sizes of its open files at the last accepted CRIU dump.
const SIZES_FILE: &str = "sizes-at-checkpoint";

/// Records the lengths of `files` (a CRIU-dumped, now dead, workload's open files).
pub(super) fn remember_sizes(tdir: &Path, files: &[&Path]) -> std::io::Result<()> {
    let mut text = String::new();
    for f in files {
        if let Ok(md) = std::fs::metadata(f) {
            text.push_str(&format!("{}\t{}\n", md.len(), f.display()));
        }
    }
    std::fs::write(tdir.join(SIZES_FILE), text)
}

/// Truncates the files recorded by [`remember_sizes`] back to their recorded lengths.
pub(super) fn rewind_files(tdir: &Path) -> std::io::Result<()> {
    let Ok(text) = std::fs::read_to_string(tdir.join(SIZES_FILE)) else {
        return Ok(());
    };
    for line in text.lines() {
        let Some((len, path)) = line.split_once('\t') else {
            continue;
        };
        let (Ok(len), path) = (len.parse::<u64>(), Path::new(path)) else {
            continue;
        };
        if std::fs::metadata(path).is_ok_and(|m| m.len() > len) {
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)?
                .set_len(len)?;
        }
    }
    Ok(())
}

/// The task folder shared by the task's invocations (CRIU output files live there).
pub(super) fn task_dir(w: &Worker, m: &InvokeMsg) -> PathBuf {
    w.cfg
        .dir
        .parent()
        .unwrap_or(&w.cfg.dir)
        .join("tasks")
        .join(format!("r{}-t{}", m.req, m.task))
}

/// Packs a folder as tar in an lz4 frame.
pub fn pack(dir: &Path) -> std::io::Result<Vec<u8>> {
    let enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
    let mut tar = tar::Builder::new(enc);
    tar.follow_symlinks(false);
    tar.append_dir_all(".", dir)?;
    let enc = tar.into_inner()?;
    enc.finish()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// Unpacks what [`pack`] made into `dir`.
pub fn unpack(bytes: &[u8], dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let dec = lz4_flex::frame::FrameDecoder::new(bytes);
    tar::Archive::new(dec).unpack(dir)
}

/// The workload's last report: the last JSON line with an `event` field other than `frame`,
/// from its stderr (taxi, stress) or else its stdout (face prints `{"event":"finished"}` or
/// `{"event":"checkpoint","report":{…}}` after its frames). Face's nested `report` is merged
/// into the top level, so both read the same field names (`items_total`, `checkpoint_ns`, …).
pub(super) fn report(files: &[&Path]) -> Option<serde_json::Value> {
    files.iter().find_map(|f| {
        let text = std::fs::read_to_string(f).ok()?;
        let mut v = text
            .lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v.get("event").is_some_and(|e| e != "frame"))?;
        if let Some(serde_json::Value::Object(inner)) = v.get("report").cloned()
            && let Some(obj) = v.as_object_mut()
        {
            obj.extend(inner);
        }
        Some(v)
    })
}

/// The per-item output lines of `app` in `text` (face: its `frame` lines, without the status
/// line at the end; taxi and stress: the text as written).
pub(super) fn item_output(app: App, text: Vec<u8>) -> Vec<u8> {
    if app != App::Face {
        return text;
    }
    let mut out = Vec::with_capacity(text.len());
    for l in item_lines(app, &String::from_utf8_lossy(&text)) {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

/// Runs one invocation to its end; never panics on OS errors (they become a lost invocation
/// with `error` set). `evict` is its eviction flag, which the tracker polls; `core` the spec
/// core admission gave it, whose cgroup (if the BBU has them, [`crate::cgroup::CranLoad::split`])
/// the workload runs in.
pub fn execute(
    w: &Worker,
    m: &InvokeMsg,
    _input: &[u8],
    state: &[u8],
    invoked_ns: u64,
    evict: &EvictFlag,
    core: Option<u32>,
) -> Result5 {
    // Shard 0 of a sharded window: the other shards' parts come in while it runs.
    let _parts = super::shard::fetch_parts(w, m);
    let r = if m.method.def().captures() == Captures::ContainerImage {
        super::container::execute(w, m, state, invoked_ns, evict, core)
    } else {
        try_execute(w, m, state, invoked_ns, evict, core)
    };
    match r {
        Ok(r) => r,
        Err(e) => fail(w, m, invoked_ns, e.to_string()),
    }
}

fn try_execute(
    w: &Worker,
    m: &InvokeMsg,
    state: &[u8],
    invoked_ns: u64,
    evict: &EvictFlag,
    core: Option<u32>,
) -> Result<Result5, AgentError> {
    let epoch = w.cfg.common.epoch_unix_ns;
    // The cgroup of the invocation's spec core (none without C-RAN emulation).
    let core_procs = core.and_then(crate::cgroup::own_core_procs);
    let io = |what: &str| AgentError::io(what.to_string());
    let app =
        App::parse(&m.app).ok_or_else(|| AgentError::Other(format!("unknown app {}", m.app)))?;
    let binary = w
        .installed(&m.app)
        .ok_or_else(|| AgentError::Other(format!("λ({}) is not installed here", m.app)))?;
    let run = WorkloadRun {
        app,
        binary,
        items: u64::from(m.items),
        seed: m.seed,
        models: None,
    };
    let dir = w
        .cfg
        .dir
        .join(format!("inv-r{}-t{}-i{}", m.req, m.task, m.inv));
    std::fs::create_dir_all(&dir).map_err(io("mkdir invocation folder"))?;
    let tdir = task_dir(w, m);
    std::fs::create_dir_all(&tdir).map_err(io("mkdir task folder"))?;
    let r_limit = m.r_limit_ns;
    let criu = m.method.def().captures() == Captures::ProcessImage;
    // A CRIU-restored process keeps writing to the files it had open: keep them per task.
    let io_dir = if criu { &tdir } else { &dir };
    let stdout = io_dir.join("stdout");
    let stderr = io_dir.join("stderr");
    // Face prints its items to stdout; taxi and stress write them to `--output`.
    let criu_out = if run.output_on_stdout() {
        stdout.clone()
    } else {
        tdir.join("out.jsonl")
    };

    // Start: fresh, μλ resume, or CRIU restore.
    let (mut proc, start_ns, restore_ns, out_file) = if criu && !state.is_empty() {
        let images = dir.join("images-in");
        unpack(state, &images).map_err(io("unpack CRIU images"))?;
        // A later invocation whose dump missed its deadline ran on from these images and
        // appended to the task's files; CRIU restores only files of the size it dumped.
        rewind_files(&tdir).map_err(io("rewind the task's files to the last checkpoint"))?;
        let start_ns = since(epoch);
        let r = crate::ckpt::criu::restore(&images, Some(&w.cfg.netns), &dir.join("criu-restore"))
            .map_err(|e| AgentError::Other(format!("criu restore: {e}")))?;
        w.ledger
            .record_process(r.proc.pid())
            .map_err(|e| AgentError::Other(format!("ledger: {e}")))?;
        let _ = std::fs::remove_dir_all(&images);
        // CRIU puts the process back into the cgroups it was dumped in (another BBU's): move
        // it into its spec core's here (or this worker's own: its BBU's offload cgroup).
        match &core_procs {
            Some(p) => crate::cgroup::move_pid(r.proc.pid(), p),
            None => crate::cgroup::join_own_cgroups(r.proc.pid()),
        }
        .map_err(|e| AgentError::Other(format!("cgroup of the restored workload: {e}")))?;
        (r.proc, start_ns, r.restore_time.as_nanos() as u64, criu_out)
    } else {
        let resume = dir.join("in.ckpt");
        if !state.is_empty() {
            std::fs::write(&resume, state).map_err(io("write the state file"))?;
        }
        let out_file = if criu {
            criu_out
        } else if run.output_on_stdout() {
            stdout.clone()
        } else {
            dir.join("out.jsonl")
        };
        let state_out = dir.join("out.ckpt");
        let mut argv = run.argv(&RunArgs {
            output: Some(&out_file),
            state_out: (m.method.def().captures() == Captures::ProgramState)
                .then_some(state_out.as_path()),
            resume: (!state.is_empty()).then_some(resume.as_path()),
            deadline: None,
        });
        super::shard::extend_argv(w, m, &tdir, None, &mut argv)?;
        let launch = Launch {
            argv,
            env: Vec::new(),
            netns: None,
            stdout: stdout.clone(),
            stderr: stderr.clone(),
        };
        let start_ns = since(epoch);
        let p = Proc::spawn_in(
            &launch,
            core_procs.as_deref().unwrap_or_default(),
            &w.ledger,
        )
        .map_err(|e| AgentError::Other(format!("start the workload: {e}")))?;
        (p, start_ns, 0, out_file)
    };

    // The timeout tracker: r_limit's signal and deadline, tightened by an eviction.
    let checkpoints = m.method.def().checkpoints();
    let limits = || {
        tracker(
            r_limit.map(|r| start_ns + r.saturating_sub(m.lead_ns)),
            r_limit.map(|r| start_ns + r),
            evict.deadline(),
            checkpoints,
        )
    };
    let mut signalled: Option<u64> = None;
    let mut dump: Option<(u64, crate::ckpt::criu::Dump)> = None;
    let mut killed = false;
    let exit = loop {
        match proc.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) => {}
            Err(e) => return Err(AgentError::Other(format!("wait for the workload: {e}"))),
        }
        let now = since(epoch);
        let (signal_at, deadline) = limits();
        if let (Some(at), None) = (signal_at, signalled)
            && now >= at
        {
            signalled = Some(now);
            if criu {
                let d = crate::ckpt::criu::dump(
                    proc.pid(),
                    Some(&w.cfg.netns),
                    &dir.join("images-out"),
                    &dir.join("criu-dump"),
                );
                match d {
                    Ok(d) => {
                        dump = Some((now, d));
                        let _ = proc.wait(Duration::from_secs(10));
                        break None;
                    }
                    Err(e) => {
                        // The workload may have finished on its own while the tracker dumped it
                        // ("Unable to detach from PID: No such process"): then it is done, not
                        // broken.
                        if let Ok(s) = proc.wait(Duration::from_millis(200)) {
                            break s;
                        }
                        proc.kill();
                        return Err(AgentError::Other(format!("criu dump: {e}")));
                    }
                }
            } else {
                let _ = proc.signal(libc::SIGUSR1);
            }
        }
        if let Some(d) = deadline
            && now >= d
        {
            proc.kill();
            killed = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let end_ns = since(epoch);
    // An eviction during a dump counts too.
    let deadline = limits().1;
    let mut ev = lost_event(w, m, invoked_ns, start_ns, end_ns, restore_ns);
    let work = end_ns.saturating_sub(start_ns);

    if let Some((sig_ns, d)) = dump {
        // CRIU: the images are on the file system now.
        let time_ns = d.checkpoint_time.as_nanos() as u64;
        let ck_end = sig_ns + time_ns;
        let met = deadline.is_none_or(|dl| ck_end <= dl);
        let archive = pack(&d.images).map_err(io("pack CRIU images"))?;
        // Shipped: the folder would only fill the disk (face images are ~50 MB).
        let _ = std::fs::remove_dir_all(&d.images);
        ev.checkpoint = Some(CheckpointInfo {
            start_ns: sig_ns,
            safepoint_wait_ns: 0,
            time_ns,
            items_done: 0,
            raw_bytes: d.size.raw_bytes,
            size_bytes: archive.len() as u64,
            deadline_met: met,
        });
        if met {
            remember_sizes(&tdir, &[&out_file, &stdout, &stderr])
                .map_err(io("record the task's file sizes"))?;
            ev.outcome = Outcome::Checkpointed;
            ev.work_ns = work;
            return Ok(Result5 {
                event: ev,
                state: Some(archive),
                output: Vec::new(),
            });
        }
        return Ok(Result5 {
            event: ev,
            state: None,
            output: Vec::new(),
        });
    }
    if killed {
        if let Some(sig) = signalled {
            ev.checkpoint = Some(CheckpointInfo {
                start_ns: sig,
                deadline_met: false,
                ..Default::default()
            });
        }
        return Ok(Result5 {
            event: ev,
            state: None,
            output: Vec::new(),
        });
    }
    let status_ok = exit.is_none_or(|s| s.success());
    let rep = report(&[&stderr, &stdout]);
    let event_kind = rep
        .as_ref()
        .and_then(|v| v.get("event"))
        .and_then(|e| e.as_str())
        .unwrap_or("")
        .to_string();
    if !status_ok || rep.is_none() {
        let tail = std::fs::read_to_string(&stderr).unwrap_or_default();
        ev.error = Some(format!(
            "workload exited with {exit:?}: {}",
            tail.lines().last().unwrap_or("")
        ));
        return Ok(Result5 {
            event: ev,
            state: None,
            output: Vec::new(),
        });
    }
    let rep = rep.unwrap_or_default();
    let num = |k: &str| rep.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
    let output = item_output(app, std::fs::read(&out_file).unwrap_or_default());
    if event_kind == "checkpoint" {
        let time_ns = num("checkpoint_ns");
        let ck_start = end_ns.saturating_sub(time_ns);
        let met = deadline.is_none_or(|dl| end_ns <= dl);
        let items_done = num("items_total") as u32;
        let state_file = dir.join("out.ckpt");
        let bytes = std::fs::read(&state_file).map_err(io("read the state file"))?;
        ev.items_done = items_done;
        ev.checkpoint = Some(CheckpointInfo {
            start_ns: ck_start,
            safepoint_wait_ns: signalled.map_or(0, |s| ck_start.saturating_sub(s)),
            time_ns,
            items_done,
            raw_bytes: num("raw_bytes"),
            size_bytes: num("compressed_bytes"),
            deadline_met: met,
        });
        if met {
            ev.outcome = Outcome::Checkpointed;
            ev.work_ns = work;
            return Ok(Result5 {
                event: ev,
                state: Some(bytes),
                output,
            });
        }
        return Ok(Result5 {
            event: ev,
            state: None,
            output: Vec::new(),
        });
    }
    ev.outcome = Outcome::Completed;
    ev.items_done = m.items;
    ev.work_ns = work;
    Ok(Result5 {
        event: ev,
        state: None,
        output,
    })
}

/// Step 5: stores the state and output in Redis and publishes the event.
pub fn store(w: &Worker, m: &InvokeMsg, r: Result5) -> Result<(), AgentError> {
    let mut redis = Resp::connect(w.cfg.common.redis, Duration::from_secs(10))?;
    let mut bytes = 0;
    if let Some(s) = &r.state {
        bytes += redis.set(&super::super::protocol::state_key(m.req, m.task), s)?;
    }
    if !r.output.is_empty() {
        let (_, s, rcv) = redis.call(&[
            b"APPEND",
            super::super::protocol::output_key(m.req, m.task).as_bytes(),
            &r.output,
        ])?;
        bytes += s + rcv;
    }
    let mut ev = r.event;
    // A completed join also stores the state the next window carries on from.
    match super::shard::store_carry(w, m, ev.outcome, &mut redis) {
        Ok(b) => bytes += b,
        Err(e) => ev.error = Some(e.to_string()),
    }
    let probe = serde_json::to_vec(&ev).map_err(AgentError::json("event"))?;
    let publish_len = super::super::resp::encode(&[
        b"PUBLISH",
        super::super::protocol::EVENTS.as_bytes(),
        &probe,
    ])
    .len() as u64;
    // Count the PUBLISH itself (its length barely changes with the number in it).
    ev.step5_bytes = bytes + publish_len;
    let body = serde_json::to_vec(&ev).map_err(AgentError::json("event"))?;
    super::publish_event(&mut redis, &body)?;
    Ok(())
}
