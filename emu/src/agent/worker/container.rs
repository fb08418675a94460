//! One invocation with method "docker": the workload runs in a container of the app's image
//! (assembled at install, see [`Worker::install`](super::Worker::install)); at the tracker's
//! signal, `docker checkpoint create` stops it and leaves its images in dockerd's folder of that
//! container; they are shipped through Redis as an lz4 tar (like CRIU's), and the next
//! invocation, on any worker, creates a *new* container with the same image, command and bind
//! mount, unpacks them into its checkpoint folder and `docker start --checkpoint`s it.
//!
//! Containers run with `--network none` (the workload needs no network; Docker cannot join a
//! named host namespace) and are recorded in the worker's ledger before they are created. The
//! per-item output of taxi and stress goes to `--output /out/out`, a bind mount of the task's
//! folder (`DIR/../tasks/`), which a restored container reopens by path at the position of the
//! checkpoint; face prints its items to stdout, read with `docker logs` per container.

use super::super::protocol::{CheckpointInfo, InvokeMsg};
use super::super::{AgentError, since};
use super::Worker;
use super::invoke::{
    Result5, item_output, pack, remember_sizes, report, rewind_files, task_dir, unpack,
};
use crate::ckpt::docker::{Container, ContainerSpec};
use crate::ckpt::workload::{App, WorkloadRun};
use mlsim_core::record::Outcome;
use std::path::Path;
use std::time::Duration;

/// Names of the checkpoints inside dockerd: the one a container is restored from, and the one
/// it makes (a restored container still holds the first: dockerd refuses a second of that name).
const CKPT_IN: &str = "in";
const CKPT_OUT: &str = "out";

/// The container of `run`: program at `/bin/<name>`, output at `/out/out` in `task_dir`, its
/// CPU under spec core `core`'s group if there is one.
fn spec(run: &WorkloadRun, image: &str, task_dir: &Path, core: Option<u32>) -> ContainerSpec {
    // The worker runs in its BBU's offload cgroup: the container's CPU goes under it (under its
    // spec core's group there, at one spec core's speed), so the C-RAN quota applies to Docker
    // invocations as to native ones.
    let own = crate::cgroup::own_cpu_cgroup();
    let parent = match (own, core) {
        (Some(o), Some(i)) if core_exists(&o, i) => Some(format!(
            "{}/{}",
            o.trim_end_matches('/'),
            crate::cgroup::core_group(i)
        )),
        (o, _) => o,
    };
    ContainerSpec {
        cgroup_parent: parent,
        ..crate::ckpt::sample::workload_container(run, image, task_dir, None)
    }
}

fn core_exists(own: &str, i: u32) -> bool {
    Path::new(crate::cgroup::CPU_ROOT)
        .join(own.trim_start_matches('/'))
        .join(crate::cgroup::core_group(i))
        .is_dir()
}

/// Runs one invocation in a container (fresh, or restored from `state`, the packed checkpoint).
pub(super) fn execute(
    w: &Worker,
    m: &InvokeMsg,
    state: &[u8],
    invoked_ns: u64,
    evict: &super::admission::EvictFlag,
    core: Option<u32>,
) -> Result<Result5, AgentError> {
    let epoch = w.cfg.common.epoch_unix_ns;
    let io = |what: &str| AgentError::io(what.to_string());
    let docker = |what: &str| {
        let what = what.to_string();
        move |e: crate::ckpt::CkptError| AgentError::Other(format!("{what}: {e}"))
    };
    let app =
        App::parse(&m.app).ok_or_else(|| AgentError::Other(format!("unknown app {}", m.app)))?;
    let binary = w
        .installed(&m.app)
        .ok_or_else(|| AgentError::Other(format!("λ({}) is not installed here", m.app)))?;
    let (image, root) = w.image(&m.app).ok_or_else(|| {
        AgentError::Other(format!("no container image of {} on this worker", m.app))
    })?;
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
    let name = crate::names::container(
        w.ledger.run_id(),
        &format!("r{}-t{}-i{}", m.req, m.task, m.inv),
    );
    let mut cspec = spec(&run, &image, &tdir, core);
    // A shard task: its arguments, with the task folder as the container sees it.
    let mut extra = Vec::new();
    super::shard::extend_argv(w, m, &tdir, Some(Path::new("/out")), &mut extra)?;
    cspec
        .argv
        .extend(extra.iter().map(|a| a.to_string_lossy().into_owned()));
    let c = Container::create(&name, &cspec, &w.ledger).map_err(docker("docker create"))?;
    let (start_ns, restore_ns) = if state.is_empty() {
        let start_ns = since(epoch);
        c.start().map_err(docker("docker start"))?;
        (start_ns, 0)
    } else {
        let images = c.checkpoint_dir(&root, CKPT_IN);
        unpack(state, &images).map_err(io("unpack the container checkpoint"))?;
        // After a missed checkpoint the output file (taxi, stress) grew past this checkpoint's
        // size; CRIU (inside runc) restores only files of the size it dumped.
        rewind_files(&tdir).map_err(io("rewind the task's files to the last checkpoint"))?;
        let start_ns = since(epoch);
        let t = c
            .start_checkpoint(CKPT_IN)
            .map_err(docker("docker start --checkpoint"))?;
        (start_ns, t.as_nanos() as u64)
    };
    let mut waiter = c.waiter().map_err(docker("docker wait"))?;

    // The timeout tracker: r_limit's signal and deadline, tightened by an eviction.
    let r_limit = m.r_limit_ns;
    let limits = || {
        super::admission::tracker(
            r_limit.map(|r| start_ns + r.saturating_sub(m.lead_ns)),
            r_limit.map(|r| start_ns + r),
            evict.deadline(),
            true,
        )
    };
    let mut dumped: Option<(u64, Duration)> = None;
    let mut killed = false;
    let code = loop {
        if let Some(code) = waiter.try_wait().map_err(docker("docker wait"))? {
            break Some(code);
        }
        let now = since(epoch);
        let (signal_at, deadline) = limits();
        if let Some(at) = signal_at
            && now >= at
        {
            match c.checkpoint(&root, CKPT_OUT) {
                Ok(t) => {
                    dumped = Some((now, t));
                    break None;
                }
                Err(e) => {
                    // It may have finished on its own while dockerd checkpointed it.
                    std::thread::sleep(Duration::from_millis(200));
                    if let Some(code) = waiter.try_wait().map_err(docker("docker wait"))? {
                        break Some(code);
                    }
                    return Err(AgentError::Other(format!("docker checkpoint create: {e}")));
                }
            }
        }
        if let Some(d) = deadline
            && now >= d
        {
            killed = true;
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let end_ns = since(epoch);
    drop(waiter);
    // An eviction during the checkpoint counts too.
    let deadline = limits().1;
    let mut ev = super::invoke::lost_event(w, m, invoked_ns, start_ns, end_ns, restore_ns);
    let work = end_ns.saturating_sub(start_ns);
    // Face's items (stdout) of this container, kept when its work is kept.
    let logs = |c: &Container| -> Result<Vec<u8>, AgentError> {
        if !run.output_on_stdout() {
            return Ok(Vec::new());
        }
        let text = c.stdout().map_err(docker("docker logs"))?;
        Ok(item_output(app, text.into_bytes()))
    };

    if let Some((sig_ns, t)) = dumped {
        let images = c.checkpoint_dir(&root, CKPT_OUT);
        let time_ns = t.as_nanos() as u64;
        let met = deadline.is_none_or(|dl| sig_ns + time_ns <= dl);
        let raw = crate::ckpt::archive::raw_size(&images).map_err(docker("image size"))?;
        let archive = pack(&images).map_err(io("pack the container checkpoint"))?;
        ev.checkpoint = Some(CheckpointInfo {
            start_ns: sig_ns,
            safepoint_wait_ns: 0,
            time_ns,
            items_done: 0,
            raw_bytes: raw,
            size_bytes: archive.len() as u64,
            deadline_met: met,
        });
        if !met {
            return Ok(Result5 {
                event: ev,
                state: None,
                output: Vec::new(),
            });
        }
        if !run.output_on_stdout() {
            remember_sizes(&tdir, &[&tdir.join("out")])
                .map_err(io("record the task's file sizes"))?;
        }
        ev.outcome = Outcome::Checkpointed;
        ev.work_ns = work;
        let output = logs(&c)?;
        return Ok(Result5 {
            event: ev,
            state: Some(archive),
            output,
        });
    }
    if killed {
        // `docker rm -f` on drop stops it; the work since the last checkpoint is lost.
        return Ok(Result5 {
            event: ev,
            state: None,
            output: Vec::new(),
        });
    }
    let stdout_f = dir.join("stdout");
    let stderr_f = dir.join("stderr");
    let out_text = c.stdout().map_err(docker("docker logs"))?;
    let err_text = c.stderr().map_err(docker("docker logs"))?;
    std::fs::write(&stdout_f, &out_text).map_err(io("write stdout"))?;
    std::fs::write(&stderr_f, &err_text).map_err(io("write stderr"))?;
    let rep = report(&[&stderr_f, &stdout_f]);
    if code != Some(0) || rep.is_none() {
        ev.error = Some(format!(
            "container {name} exited with {code:?}: {}",
            err_text.lines().last().unwrap_or("")
        ));
        return Ok(Result5 {
            event: ev,
            state: None,
            output: Vec::new(),
        });
    }
    let output = if run.output_on_stdout() {
        item_output(app, out_text.into_bytes())
    } else {
        std::fs::read(tdir.join("out")).map_err(io("read the output"))?
    };
    ev.outcome = Outcome::Completed;
    ev.items_done = m.items;
    ev.work_ns = work;
    Ok(Result5 {
        event: ev,
        state: None,
        output,
    })
}
