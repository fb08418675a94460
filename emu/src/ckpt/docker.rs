//! Docker checkpoints of a workload container, restored into *another* container.
//!
//! Docker 20.10 refuses `docker start --checkpoint-dir` ("custom checkpointdir is not supported"),
//! so migration goes: `docker checkpoint create SRC NAME` (stops SRC; images land in
//! `<DockerRootDir>/containers/<SRC id>/checkpoints/NAME`), `docker create` the target with the
//! same image, command and mounts, copy the folder to `…/containers/<TARGET id>/checkpoints/NAME`,
//! `docker start --checkpoint NAME TARGET`. Needs dockerd with `--experimental`. Containers run
//! with `--security-opt seccomp=unconfined` and `--network none` (the workloads need no network;
//! Docker cannot join a named host namespace), and the per-item output goes to a bind-mounted
//! host folder that both containers share (runc passes bind mounts to CRIU as external mounts).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::CkptError;
use super::archive;
use super::proc::{describe, run_checked, run_checked_within, tail};
use super::rootfs::Rootfs;
use crate::ledger::{Ledger, Resource};

pub mod leftovers;

/// The file [`Container::start_checkpoint`] writes into a checkpoint folder before each restore
/// attempt, so dockerd's upload of the folder never collides with containerd's own copy of the
/// same images (moby/moby#42900).
pub const RESTORE_NONCE: &str = "mlsim-restore-nonce";

/// The longest a container operation (start, pause, unpause, checkpoint, restore) may take
/// before it is given up on ([`run_checked_within`]): far above the seconds they take (a 211-MB
/// checkpoint is written in about 4 s), far below a run's timeout.
const CONTAINER_OP_LIMIT: Duration = Duration::from_secs(120);

fn docker() -> Command {
    Command::new("docker")
}

fn stdout_of(cmd: &mut Command) -> Result<String, CkptError> {
    let out = run_checked(cmd)?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Client and server versions (`docker version`).
pub fn versions() -> Result<(String, String), CkptError> {
    let s = stdout_of(docker().args([
        "version",
        "--format",
        "{{.Client.Version}} {{.Server.Version}} {{.Server.Experimental}}",
    ]))?;
    let mut it = s.split_whitespace();
    let client = it.next().unwrap_or("").to_string();
    let server = it.next().unwrap_or("").to_string();
    if it.next() != Some("true") {
        return Err(CkptError::Missing {
            what: "dockerd with --experimental (needed by docker checkpoint)".into(),
            hint: "bash scripts/setup-emu.sh".into(),
        });
    }
    Ok((client, server))
}

/// `docker info`'s DockerRootDir (usually `/var/lib/docker`).
pub fn root_dir() -> Result<PathBuf, CkptError> {
    Ok(PathBuf::from(stdout_of(docker().args([
        "info",
        "--format",
        "{{.DockerRootDir}}",
    ]))?))
}

/// [`root_dir`], asked once per process (dockerd's root does not move while it runs).
fn cached_root_dir() -> Option<PathBuf> {
    static ROOT: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);
    let mut root = ROOT.lock().unwrap_or_else(|p| p.into_inner());
    if root.is_none() {
        *root = root_dir().ok();
    }
    root.clone()
}

/// Imports `rootfs` as `REPO:<hash>` unless that tag exists already; returns the tag. A new
/// image is recorded in the ledger first.
pub fn import(rootfs: &Rootfs, repo: &str, ledger: &Ledger) -> Result<String, CkptError> {
    let tag = format!("{repo}:{:016x}", rootfs.hash);
    let exists = docker()
        .args(["image", "inspect", &tag])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if exists {
        return Ok(tag);
    }
    ledger.record(&Resource::Image { name: tag.clone() })?;
    let mut cmd = docker();
    cmd.args(["import", "-c"])
        .arg(format!("ENV LD_LIBRARY_PATH={}", rootfs.ld_library_path()))
        .args(["-c", "ENV MLSIM_DATA=/data", "-", &tag])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|source| CkptError::Spawn {
        program: "docker".into(),
        source,
    })?;
    let stdin = child
        .stdin
        .take()
        .ok_or_else(|| CkptError::Workload("docker import: no stdin".into()))?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(stdin));
    tar.follow_symlinks(false);
    let wrote = tar
        .append_dir_all(".", &rootfs.dir)
        .and_then(|()| tar.into_inner())
        .and_then(|mut w| w.flush());
    let out = child
        .wait_with_output()
        .map_err(CkptError::io(&rootfs.dir))?;
    if !out.status.success() {
        return Err(CkptError::Command {
            command: describe(&cmd),
            status: out.status.to_string(),
            detail: tail(&String::from_utf8_lossy(&out.stderr), 1500),
        });
    }
    wrote.map_err(CkptError::io(&rootfs.dir))?;
    Ok(tag)
}

/// A container to create.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    /// Image tag.
    pub image: String,
    /// Command and arguments inside the container.
    pub argv: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Bind mounts: (host folder, container folder).
    pub binds: Vec<(PathBuf, PathBuf)>,
    /// `--cgroup-parent`: the v1 cgroup path the container's cgroups go under (e.g. a BBU's
    /// offload cgroup, so that its CPU quota applies); `None`: Docker's default.
    pub cgroup_parent: Option<String>,
    /// `--memory`: the container's memory limit \[bytes\] (its memory cgroup's limit); `None`:
    /// no limit.
    pub memory_limit: Option<u64>,
}

/// A container we created; removed (`docker rm -f`) on drop.
#[derive(Debug)]
pub struct Container {
    name: String,
    id: String,
}

impl Container {
    /// `docker create --name NAME …` (recorded in the ledger first).
    pub fn create(
        name: &str,
        spec: &ContainerSpec,
        ledger: &Ledger,
    ) -> Result<Container, CkptError> {
        ledger.record(&Resource::Container {
            name: name.to_string(),
        })?;
        let mut cmd = docker();
        cmd.args([
            "create",
            "--name",
            name,
            "--security-opt",
            "seccomp=unconfined",
            "--network",
            "none",
        ]);
        if let Some(p) = spec.cgroup_parent.as_deref().filter(|p| *p != "/") {
            cmd.arg("--cgroup-parent").arg(p);
        }
        if let Some(bytes) = spec.memory_limit {
            cmd.arg("--memory").arg(bytes.to_string());
        }
        for (k, v) in &spec.env {
            cmd.arg("-e").arg(format!("{k}={v}"));
        }
        for (h, c) in &spec.binds {
            cmd.arg("-v")
                .arg(format!("{}:{}", h.display(), c.display()));
        }
        cmd.arg(&spec.image).args(&spec.argv);
        let id = stdout_of(&mut cmd)?;
        Ok(Container {
            name: name.to_string(),
            id,
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its full id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `docker start`.
    pub fn start(&self) -> Result<(), CkptError> {
        run_checked_within(docker().args(["start", &self.name]), CONTAINER_OP_LIMIT).map(drop)
    }

    /// `docker pause` (the cgroup freezer: every process of the container stops where it is and
    /// keeps its memory); returns the wall time of the command, which returns once the cgroup
    /// is frozen. See [`super::pause`].
    pub fn pause(&self) -> Result<Duration, CkptError> {
        let t = Instant::now();
        run_checked_within(docker().args(["pause", &self.name]), CONTAINER_OP_LIMIT)?;
        Ok(t.elapsed())
    }

    /// `docker unpause` (thaws the cgroup: the processes go on where they stopped); returns the
    /// wall time of the command.
    pub fn unpause(&self) -> Result<Duration, CkptError> {
        let t = Instant::now();
        run_checked_within(docker().args(["unpause", &self.name]), CONTAINER_OP_LIMIT)?;
        Ok(t.elapsed())
    }

    /// Docker's view of it: `docker inspect`'s `.State.Status` (`created`, `running`, `paused`,
    /// `exited`, …), exit code and the host pid of its first process (0 when it has none).
    pub fn state(&self) -> Result<State, CkptError> {
        let s = stdout_of(docker().args([
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}",
            &self.name,
        ]))?;
        let mut it = s.split_whitespace();
        let status = it.next().unwrap_or("").to_string();
        let exit_code = it.next().and_then(|c| c.parse().ok());
        let pid = it.next().and_then(|c| c.parse().ok());
        match (status.is_empty(), exit_code, pid) {
            (false, Some(exit_code), Some(pid)) => Ok(State {
                status,
                exit_code,
                pid,
            }),
            _ => Err(CkptError::Workload(format!(
                "docker inspect {}: unexpected state {s:?} (want \"STATUS EXITCODE PID\")",
                self.name
            ))),
        }
    }

    /// Where checkpoint `ckpt` of this container lives.
    pub fn checkpoint_dir(&self, root: &Path, ckpt: &str) -> PathBuf {
        root.join("containers")
            .join(&self.id)
            .join("checkpoints")
            .join(ckpt)
    }

    /// `docker checkpoint create` (stops the container); returns the time from its start until
    /// the images are fsync'd. containerd's leftover copy of the images, if any, is removed
    /// afterwards (not timed; see [`leftovers`]).
    pub fn checkpoint(&self, root: &Path, ckpt: &str) -> Result<Duration, CkptError> {
        let snap = leftovers::Snapshot::take();
        let t = Instant::now();
        let done = run_checked_within(
            docker().args(["checkpoint", "create", &self.name, ckpt]),
            CONTAINER_OP_LIMIT,
        );
        let images = self.checkpoint_dir(root, ckpt);
        let synced = done.and_then(|_| archive::sync_tree(&images));
        let elapsed = t.elapsed();
        snap.remove_ours(&std::collections::BTreeSet::from([self.id.clone()]));
        synced.map(|()| elapsed)
    }

    /// Copies checkpoint `ckpt` of `from` into this (created, not started) container and
    /// `docker start --checkpoint`s it; returns the time of the start.
    pub fn start_from(
        &self,
        from: &Container,
        root: &Path,
        ckpt: &str,
    ) -> Result<Duration, CkptError> {
        let dst = self.checkpoint_dir(root, ckpt);
        archive::copy_tree(&from.checkpoint_dir(root, ckpt), &dst)?;
        self.start_checkpoint(ckpt)
    }

    /// `docker start --checkpoint CKPT` of this (created, not started) container whose
    /// [`Container::checkpoint_dir`] already holds the images; returns the time of the start.
    /// containerd's leftover copy of the images is removed afterwards (see [`leftovers`]).
    pub fn start_checkpoint(&self, ckpt: &str) -> Result<Duration, CkptError> {
        let snap = leftovers::Snapshot::take();
        let root = cached_root_dir();
        let started = self.start_checkpoint_once(root.as_deref(), ckpt);
        if let Some(root) = root {
            snap.remove_ours(&leftovers::ids_of(&self.checkpoint_dir(&root, ckpt)));
        }
        started
    }

    /// dockerd 20.10 uploads the checkpoint folder to containerd's content store as a tar
    /// (1 s mtimes) before a restore, and fails with "failed to upload checkpoint to
    /// containerd: commit failed: content sha256:…: already exists" (moby/moby#42900) when a
    /// blob with the same bytes is still there: the tar containerd made of the same images at
    /// `docker checkpoint create`, until its garbage collector removes it. Our restores copy or
    /// unpack exactly those images within a second, so the tars are equal whenever that
    /// collection is late (a loaded machine: the project's CI failed twice on it even with three
    /// 200 ms retries). So each attempt first writes [`RESTORE_NONCE`] (this container's id and
    /// the attempt) into the folder: CRIU reads only the images it knows, and the upload is a
    /// blob of its own. The bounded retry stays for any other "already exists". Only the
    /// attempt that succeeds is timed.
    fn start_checkpoint_once(
        &self,
        root: Option<&Path>,
        ckpt: &str,
    ) -> Result<Duration, CkptError> {
        const BACKOFF_MS: [u64; 4] = [250, 500, 1000, 2000];
        let mut attempt = 0;
        loop {
            if let Some(root) = root {
                let nonce = self.checkpoint_dir(root, ckpt).join(RESTORE_NONCE);
                std::fs::write(&nonce, format!("{} {attempt}\n", self.id))
                    .map_err(CkptError::io(&nonce))?;
            }
            let t = Instant::now();
            match run_checked_within(
                docker().args(["start", "--checkpoint", ckpt, &self.name]),
                CONTAINER_OP_LIMIT,
            ) {
                Ok(_) => return Ok(t.elapsed()),
                Err(CkptError::Command { detail, .. })
                    if detail.contains("already exists") && attempt < BACKOFF_MS.len() =>
                {
                    eprintln!(
                        "mlsim-emu: docker start --checkpoint {ckpt} {}: \"already exists\" \
                         (moby/moby#42900); retrying in {} ms",
                        self.name, BACKOFF_MS[attempt]
                    );
                    std::thread::sleep(Duration::from_millis(BACKOFF_MS[attempt]));
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Starts `docker wait` in the background: poll it with [`Waiter::try_wait`].
    pub fn waiter(&self) -> Result<Waiter, CkptError> {
        let child = docker()
            .args(["wait", &self.name])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| CkptError::Spawn {
                program: "docker".into(),
                source,
            })?;
        Ok(Waiter {
            child,
            name: self.name.clone(),
        })
    }

    /// `docker wait`: its exit code, at most `timeout`.
    pub fn wait(&self, timeout: Duration) -> Result<i64, CkptError> {
        let mut child = docker()
            .args(["wait", &self.name])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| CkptError::Spawn {
                program: "docker".into(),
                source,
            })?;
        let t = Instant::now();
        loop {
            if child
                .try_wait()
                .map_err(CkptError::io("docker wait"))?
                .is_some()
            {
                break;
            }
            if t.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Err(CkptError::Timeout {
                    what: format!("container {}", self.name),
                    secs: timeout.as_secs_f64(),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let out = child
            .wait_with_output()
            .map_err(CkptError::io("docker wait"))?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| CkptError::Workload(format!("docker wait {}: no exit code", self.name)))
    }

    /// Its stdout so far (`docker logs`, stdout only).
    pub fn stdout(&self) -> Result<String, CkptError> {
        let out = run_checked(docker().args(["logs", &self.name]).stderr(Stdio::null()))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Its stderr so far (`docker logs`, stderr only).
    pub fn stderr(&self) -> Result<String, CkptError> {
        let out = docker()
            .args(["logs", &self.name])
            .stdout(Stdio::null())
            .output()
            .map_err(|source| CkptError::Spawn {
                program: "docker".into(),
                source,
            })?;
        Ok(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A container's state as `docker inspect` reports it ([`Container::state`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// `.State.Status`: `created`, `running`, `paused`, `restarting`, `exited`, `dead`, …
    pub status: String,
    /// `.State.ExitCode` (0 while it runs).
    pub exit_code: i64,
    /// `.State.Pid`: the host pid of its first process; 0 when it has none.
    pub pid: u32,
}

/// A background `docker wait` of a container (killed on drop).
#[derive(Debug)]
pub struct Waiter {
    child: std::process::Child,
    name: String,
}

impl Waiter {
    /// The container's exit code once it has stopped; `None` while it runs.
    pub fn try_wait(&mut self) -> Result<Option<i64>, CkptError> {
        if self
            .child
            .try_wait()
            .map_err(CkptError::io("docker wait"))?
            .is_none()
        {
            return Ok(None);
        }
        let mut text = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            use std::io::Read;
            out.read_to_string(&mut text)
                .map_err(CkptError::io("docker wait"))?;
        }
        text.trim()
            .parse()
            .map(Some)
            .map_err(|_| CkptError::Workload(format!("docker wait {}: no exit code", self.name)))
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker()
            .args(["rm", "-f", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
