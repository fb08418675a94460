//! One blocking function of the emulated suspend study, for real: a `mlsim-workload hold`
//! process that holds the function's resident memory and burns each event's burst of CPU,
//! driven through files in its folder (see `mlsim_workloads::hold`), and what each suspend
//! method does to it.
//!
//! | method | the function runs | suspend | wake |
//! |---|---|---|---|
//! | `long_running` (`none`) | natively | never | never |
//! | `pause` | in a container | `docker pause` (memory kept) | `docker unpause` |
//! | `docker` | in a container | `docker checkpoint create` (the container stops: memory freed) | `docker start --checkpoint` |
//! | `criu` | natively | `criu dump` (the process ends: memory freed) | `criu restore` |
//! | `microlambda` | natively | the process saves its program state and exits | a new process resumes from it |
//!
//! Every process (native, or a container's under `--cgroup-parent`) lives in the BBU's
//! offload cgroups: the CPU quota of the C-RAN emulation and the BBU's memory cgroup.
//! Each operation runs on a thread of its own and owns the [`Function`] while it runs; the
//! machine never asks for two operations on one function at once.

use crate::ckpt::docker::{Container, ContainerSpec};
use crate::ckpt::proc::{Launch, Proc};
use crate::ckpt::{criu, docker};
use crate::ledger::Ledger;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How a function's process runs and is suspended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// A native process that never suspends (`long_running`).
    Native,
    /// A container, paused in place.
    Pause,
    /// A container, checkpointed by Docker (CRIU under runc).
    Docker,
    /// A native process, dumped and restored by CRIU.
    Criu,
    /// A native process that saves its program state and exits; resumed by a new process.
    MicroLambda,
}

impl Runtime {
    /// The runtime of a method, by its registry name; `None` for a method the suspend study's
    /// emulation does not perform.
    pub fn of(method: &str) -> Option<Runtime> {
        Some(match method {
            "long_running" => Runtime::Native,
            "pause" => Runtime::Pause,
            "docker" => Runtime::Docker,
            "criu" => Runtime::Criu,
            "microlambda" => Runtime::MicroLambda,
            _ => return None,
        })
    }

    /// Whether the function runs in a container.
    pub fn in_container(self) -> bool {
        matches!(self, Runtime::Pause | Runtime::Docker)
    }
}

/// What every function of a run shares.
#[derive(Clone, Debug)]
pub struct Shared {
    /// The run's ledger (every thread records what it creates).
    pub ledger: std::sync::Arc<Ledger>,
    /// The `mlsim-workload` program (native runs).
    pub workload_bin: PathBuf,
    /// The image with the program at `/bin/mlsim-workload` (container runs).
    pub image: Option<String>,
    /// `cgroup.procs` files of the BBU's offload cgroups (cpu, cpuacct, memory).
    pub cgroup_procs: Vec<PathBuf>,
    /// The `--cgroup-parent` of containers (the offload cgroup's path).
    pub cgroup_parent: Option<String>,
    /// Docker's root folder (where container checkpoints live).
    pub docker_root: Option<PathBuf>,
    /// Resident memory of one function \[bytes\].
    pub memory_bytes: u64,
    /// Seed of the function's memory contents (plus its index).
    pub seed: u64,
    /// Real CPU time per spec-core nanosecond of a burst.
    pub cpu_scale: f64,
    /// Longest any one operation may take.
    pub timeout: Duration,
}

/// One function's process, or container, and what it needs to go on.
#[derive(Debug)]
pub struct Function {
    /// Index.
    pub f: u32,
    /// Its folder (events in, results out; bind-mounted at `/fn` in a container).
    pub dir: PathBuf,
    runtime: Runtime,
    proc: Option<Proc>,
    container: Option<Container>,
    /// Checkpoints taken so far (the next one's name).
    suspends: u32,
    /// Its memory's checksum, from `ready`.
    checksum: Option<u64>,
    /// Events served (the next event's index).
    served: u32,
    /// Its memory if not the run's [`Shared::memory_bytes`] (a serverless function's).
    memory_bytes: Option<u64>,
}

/// What an operation measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Done {
    /// Wall time of the operation.
    pub took: Duration,
    /// Bytes the suspend wrote to disk (the image folder's files), if it wrote any.
    pub written: Option<u64>,
}

fn err(f: u32, what: &str, e: impl std::fmt::Display) -> String {
    format!("function {f}: {what}: {e}")
}

/// Writes `text` to `path` atomically (a temporary file, then a rename).
fn put(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Sum of the sizes of the regular files under `dir` \[bytes\].
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// A JSON line of the hold program's, read once it exists (and parses), at most `timeout`.
fn wait_json(
    path: &Path,
    timeout: Duration,
    alive: &mut dyn FnMut() -> Result<(), String>,
) -> Result<serde_json::Value, String> {
    let t = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                return Ok(v);
            }
        }
        alive()?;
        if t.elapsed() > timeout {
            return Err(format!(
                "{} did not appear within {:.0} s",
                path.display(),
                timeout.as_secs_f64()
            ));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

impl Function {
    /// Function `f` of a run, not started; its folder `dir` is created.
    pub fn new(f: u32, dir: PathBuf, runtime: Runtime) -> Result<Function, String> {
        std::fs::create_dir_all(&dir).map_err(|e| err(f, "create its folder", e))?;
        Ok(Function {
            f,
            dir,
            runtime,
            proc: None,
            container: None,
            suspends: 0,
            checksum: None,
            served: 0,
            memory_bytes: None,
        })
    }

    /// The same function holding `bytes` of memory instead of the run's.
    pub fn with_memory(mut self, bytes: u64) -> Function {
        self.memory_bytes = Some(bytes);
        self
    }

    fn hold_args(&self, sh: &Shared, dir: &str, resume: bool) -> Vec<String> {
        let mut a = vec![
            "hold".to_string(),
            "--memory-bytes".into(),
            self.memory_bytes.unwrap_or(sh.memory_bytes).to_string(),
            "--dir".into(),
            dir.to_string(),
            "--seed".into(),
            (sh.seed.wrapping_add(u64::from(self.f))).to_string(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    }

    /// Checks that the process (or container) is still there.
    fn alive(&mut self) -> Result<(), String> {
        if let Some(p) = &mut self.proc {
            if let Ok(Some(st)) = p.try_wait() {
                let log = std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default();
                return Err(err(
                    self.f,
                    "the hold process ended",
                    format!("{st:?}: {}", crate::ckpt::proc::tail(&log, 600)),
                ));
            }
        }
        Ok(())
    }

    /// Waits for `ready` (removing it), and keeps the memory's checksum.
    fn await_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let path = self.dir.join("ready");
        let v = wait_json(&path, timeout, &mut || self.alive_check())?;
        let _ = std::fs::remove_file(&path);
        let sum = v.get("checksum").and_then(serde_json::Value::as_u64);
        let served = v.get("served").and_then(serde_json::Value::as_u64);
        match (self.checksum, sum) {
            (Some(a), Some(b)) if a != b => {
                return Err(err(
                    self.f,
                    "resumed with other memory",
                    format!("checksum {b:#x}, was {a:#x}"),
                ));
            }
            (_, Some(b)) => self.checksum = Some(b),
            _ => return Err(err(self.f, "bad ready file", v)),
        }
        if served != Some(u64::from(self.served)) {
            return Err(err(
                self.f,
                "resumed at another event",
                format!("served {served:?}, expected {}", self.served),
            ));
        }
        Ok(())
    }

    fn alive_check(&mut self) -> Result<(), String> {
        self.alive()
    }

    fn native(&mut self, sh: &Shared, ledger: &Ledger, resume: bool) -> Result<(), String> {
        let dir = self.dir.to_string_lossy().into_owned();
        let mut argv = vec![sh.workload_bin.clone().into_os_string()];
        argv.extend(self.hold_args(sh, &dir, resume).into_iter().map(Into::into));
        let launch = Launch {
            argv,
            env: Vec::new(),
            netns: None,
            stdout: self.dir.join("stdout"),
            stderr: self.dir.join("stderr"),
        };
        let p = Proc::spawn_in(&launch, &sh.cgroup_procs, ledger)
            .map_err(|e| err(self.f, "start mlsim-workload hold", e))?;
        self.proc = Some(p);
        Ok(())
    }

    /// Starts the function (its memory granted) and waits until it holds its memory.
    pub fn deploy(&mut self, sh: &Shared, ledger: &Ledger) -> Result<Done, String> {
        let t = Instant::now();
        if self.runtime.in_container() {
            let image = sh
                .image
                .clone()
                .ok_or_else(|| err(self.f, "deploy", "no image"))?;
            let name = crate::names::container(ledger.run_id(), &format!("fn{}", self.f));
            let spec = ContainerSpec {
                image,
                argv: std::iter::once("/bin/mlsim-workload".to_string())
                    .chain(self.hold_args(sh, "/fn", false))
                    .collect(),
                env: Vec::new(),
                binds: vec![(self.dir.clone(), PathBuf::from("/fn"))],
                cgroup_parent: sh.cgroup_parent.clone(),
                memory_limit: None,
            };
            let c = Container::create(&name, &spec, ledger)
                .map_err(|e| err(self.f, "docker create", e))?;
            c.start().map_err(|e| err(self.f, "docker start", e))?;
            self.container = Some(c);
        } else {
            self.native(sh, ledger, false)?;
        }
        self.await_ready(sh.timeout)?;
        Ok(Done {
            took: t.elapsed(),
            written: None,
        })
    }

    /// Serves the next event: `wall` of spec-core time, `wall × cpu_scale` of real CPU.
    pub fn burst(&mut self, sh: &Shared, wall: Duration) -> Result<Done, String> {
        let t = Instant::now();
        let k = self.served;
        let ev = self.dir.join(format!("event-{k}"));
        let cpu_ns = (wall.as_nanos() as f64 * sh.cpu_scale).round() as u64;
        put(&ev, &format!("work_ns={cpu_ns}\n")).map_err(|e| err(self.f, "write event", e))?;
        let done = self.dir.join(format!("done-{k}"));
        let v = wait_json(&done, sh.timeout, &mut || self.alive_check())?;
        let took = t.elapsed();
        let _ = std::fs::remove_file(&ev);
        let _ = std::fs::remove_file(&done);
        let sum = v.get("checksum").and_then(serde_json::Value::as_u64);
        if sum.is_none() || sum != self.checksum {
            return Err(err(
                self.f,
                &format!("event {k}: its memory changed"),
                format!("checksum {sum:?}, expected {:?}", self.checksum),
            ));
        }
        self.served += 1;
        Ok(Done {
            took,
            written: None,
        })
    }

    fn container(&self) -> Result<&Container, String> {
        self.container
            .as_ref()
            .ok_or_else(|| err(self.f, "no container", "not deployed"))
    }

    fn images(&self) -> PathBuf {
        self.dir.join("images")
    }

    /// Suspends the blocked function with its method.
    pub fn suspend(&mut self, sh: &Shared) -> Result<Done, String> {
        match self.runtime {
            Runtime::Native => Err(err(self.f, "suspend", "long-running never suspends")),
            Runtime::Pause => {
                let took = self
                    .container()?
                    .pause()
                    .map_err(|e| err(self.f, "docker pause", e))?;
                Ok(Done {
                    took,
                    written: None,
                })
            }
            Runtime::Docker => {
                let root = sh
                    .docker_root
                    .clone()
                    .ok_or_else(|| err(self.f, "docker checkpoint", "no docker root"))?;
                self.suspends += 1;
                let name = format!("s{}", self.suspends);
                let c = self.container()?;
                let took = c
                    .checkpoint(&root, &name)
                    .map_err(|e| err(self.f, "docker checkpoint create", e))?;
                let written = dir_bytes(&c.checkpoint_dir(&root, &name));
                Ok(Done {
                    took,
                    written: Some(written),
                })
            }
            Runtime::Criu => {
                let pid = self
                    .proc
                    .as_ref()
                    .map(Proc::pid)
                    .ok_or_else(|| err(self.f, "criu dump", "no process"))?;
                let images = self.images();
                let _ = std::fs::remove_dir_all(&images);
                let d = criu::dump(pid, None, &images, &self.dir.join("criu"))
                    .map_err(|e| err(self.f, "criu dump", e))?;
                // The dumped process was killed: reap it.
                if let Some(mut p) = self.proc.take() {
                    let _ = p.wait(Duration::from_secs(10));
                }
                Ok(Done {
                    took: d.checkpoint_time,
                    written: Some(d.size.raw_bytes),
                })
            }
            Runtime::MicroLambda => {
                let t = Instant::now();
                put(&self.dir.join("checkpoint"), "")
                    .map_err(|e| err(self.f, "ask for a checkpoint", e))?;
                let mut p = self
                    .proc
                    .take()
                    .ok_or_else(|| err(self.f, "checkpoint", "no process"))?;
                let st = p
                    .wait(sh.timeout)
                    .map_err(|e| err(self.f, "wait for the checkpoint", e))?;
                let took = t.elapsed();
                if st.is_some_and(|s| !s.success()) {
                    return Err(err(self.f, "checkpoint", format!("exited with {st:?}")));
                }
                let state = self.dir.join("state");
                let written = std::fs::metadata(&state)
                    .map_err(|e| err(self.f, "its state file", e))?
                    .len();
                Ok(Done {
                    took,
                    written: Some(written),
                })
            }
        }
    }

    /// Wakes the suspended function (unpause, or restore) until it runs again.
    pub fn wake(&mut self, sh: &Shared, ledger: &Ledger) -> Result<Done, String> {
        let t = Instant::now();
        match self.runtime {
            Runtime::Native => return Err(err(self.f, "wake", "long-running never suspends")),
            Runtime::Pause => {
                let took = self
                    .container()?
                    .unpause()
                    .map_err(|e| err(self.f, "docker unpause", e))?;
                return Ok(Done {
                    took,
                    written: None,
                });
            }
            Runtime::Docker => {
                let name = format!("s{}", self.suspends);
                let took = self
                    .container()?
                    .start_checkpoint(&name)
                    .map_err(|e| err(self.f, "docker start --checkpoint", e))?;
                if let Some(root) = &sh.docker_root {
                    let c = self.container()?;
                    let _ = std::fs::remove_dir_all(c.checkpoint_dir(root, &name));
                }
                return Ok(Done {
                    took,
                    written: None,
                });
            }
            Runtime::Criu => {
                let r = criu::restore(&self.images(), None, &self.dir.join("criu"))
                    .map_err(|e| err(self.f, "criu restore", e))?;
                let pid = r.proc.pid();
                ledger
                    .record_process(pid)
                    .map_err(|e| err(self.f, "record the restored process", e))?;
                // CRIU puts it back in the cgroups it was dumped from (these); make sure.
                for p in &sh.cgroup_procs {
                    let _ = std::fs::write(p, pid.to_string());
                }
                self.proc = Some(r.proc);
                let _ = std::fs::remove_dir_all(self.images());
                return Ok(Done {
                    took: r.restore_time,
                    written: None,
                });
            }
            Runtime::MicroLambda => {
                self.native(sh, ledger, true)?;
                self.await_ready(sh.timeout)?;
            }
        }
        Ok(Done {
            took: t.elapsed(),
            written: None,
        })
    }

    /// Ends the function (its process or container); the folder stays.
    pub fn stop(mut self) {
        let _ = put(&self.dir.join("stop"), "");
        if let Some(c) = self.container.take() {
            if let Ok(s) = c.state() {
                if s.status == "paused" {
                    let _ = c.unpause();
                }
            }
            drop(c);
        }
        if let Some(mut p) = self.proc.take() {
            let _ = p.wait(Duration::from_secs(2));
            p.kill();
        }
    }
}

/// Docker's root folder, if Docker runs (for container checkpoints).
pub fn docker_root() -> Option<PathBuf> {
    docker::root_dir().ok()
}
