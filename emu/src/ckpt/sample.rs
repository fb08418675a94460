//! The measurement core: per app and method, checkpoints after uniformly random execution
//! durations (the paper's Figs. 4 and 5), each restored on another host, as typed [`Sample`]s.
//!
//! One sample, per method (hosts `a` and `b` are two network namespaces of this run):
//!
//! - **μλ**: worker `a` runs the workload with a deadline of the drawn duration; the program
//!   checkpoints at its next safe point (checkpoint time and lz4 size from its own report: safe
//!   point → state file fsync'd and renamed); the bytes go to Redis; worker `b` gets them and writes
//!   them to its disk (restore time = GET + durable write), then starts the program with `--resume`.
//! - **CRIU**: the workload runs in `a` for the drawn duration; `criu dump` (checkpoint time = dump
//!   plus fsync of the images); size = lz4 frame of the image folder's tar stream; `criu restore`
//!   into `b` (restore time = wall time of `criu restore -d`).
//! - **Docker**: a container runs the workload for the drawn duration; `docker checkpoint create`
//!   (plus fsync); size as for CRIU; the folder is copied into a new container, and restore time is the
//!   wall time of `docker start --checkpoint`.
//! - **Pause**: a container runs the workload for the drawn duration; `docker pause` (checkpoint
//!   time = its wall time), 100 ms frozen, `docker unpause` (restore time = its wall time), in
//!   the same container (see [`super::pause::cycle`]). Nothing is written: `size_bytes` is 0 and
//!   `raw_bytes` is the memory the frozen container's cgroup still holds.
//!
//! Execution durations count from the end of the program's set-up (input built, models
//! loaded): [`setup_time`] measures it once per app (minimum of three runs with a zero deadline,
//! i.e. until the first safe point), and each sample runs for that set-up plus a duration drawn
//! uniformly from `[exec_min, exec_max)`. Without the offset, a short draw would checkpoint a
//! program that has not started computing (stress builds its signal and trains its classifier
//! for seconds), which is not what the paper's figures show.
//!
//! Every sample checks that the restored (or resumed) program is still alive 100 ms later, then
//! stops it: correctness of the continuation is what the root tests check end to end.
//!
//! Also here: the [`Plan`] of the command-line options, the samples CSV ([`to_csv`],
//! [`read_csv`]) and the table `mlsim emu checkpoints` prints ([`median_table`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::docker::{Container, ContainerSpec};
use super::mulambda::{FirstRun, Worker};
use super::netns::BareNetns;
use super::proc::Proc;
use super::rootfs::{RootfsSpec, assemble};
use super::store::RedisServer;
use super::workload::{App, Binaries, RunArgs, WorkloadRun, data_dir, item_lines};
use super::{CkptError, Method, archive, criu, docker, pause};
use crate::ledger::{Ledger, Resource};
use mlsim_core::method::Captures;
use mlsim_core::methods::named;
use mlsim_core::stats::median_min_max;

mod csv_io;
mod plan;
mod table;

pub use csv_io::{CSV_HEADER, ParseCsvError, ReadCsvError, parse_csv, read_csv, to_csv};
pub use plan::{Plan, PlanError};
pub use table::median_table;

/// One checkpoint and its restore (the type is core's, so that the pipeline can fit it).
pub use mlsim_core::calibration::Sample;

/// Versions of the machine and tools the samples were taken with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// Host name.
    pub host: String,
    /// Kernel release (`uname -r`).
    pub kernel: String,
    /// CRIU version, if installed.
    pub criu: Option<String>,
    /// Docker client/server versions (`client/server`), if dockerd runs with `--experimental`.
    pub docker: Option<String>,
    /// redis-server version, if installed.
    pub redis: Option<String>,
}

/// Reads the [`Environment`] of this machine.
pub fn environment() -> Environment {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    Environment {
        host: read("/proc/sys/kernel/hostname"),
        kernel: read("/proc/sys/kernel/osrelease"),
        criu: criu::version().ok(),
        docker: docker::versions().ok().map(|(c, s)| format!("{c}/{s}")),
        redis: RedisServer::version().ok(),
    }
}

/// The hosts and services a measurement uses; created once, removed on drop.
struct Bench<'a> {
    ledger: &'a Ledger,
    dir: PathBuf,
    bins: Binaries,
    a: BareNetns,
    b: BareNetns,
    redis: Option<RedisServer>,
    images: BTreeMap<App, String>,
    docker_root: Option<PathBuf>,
}

const RUN_TIMEOUT: Duration = Duration::from_secs(120);

impl Bench<'_> {
    fn workload(&self, plan: &Plan, app: App) -> Result<WorkloadRun, CkptError> {
        let items = plan.items.get(&app).copied().unwrap_or(100);
        WorkloadRun::new(app, &self.bins, items, plan.seed)
    }

    fn sample_dir(
        &self,
        app: App,
        method: Method,
        i: usize,
        attempt: usize,
    ) -> Result<PathBuf, CkptError> {
        let d = self
            .dir
            .join(format!("{}-{}-{i:03}-{attempt}", app.name(), method.name()));
        self.ledger.record(&Resource::Dir { path: d.clone() })?;
        std::fs::create_dir_all(&d).map_err(CkptError::io(&d))?;
        Ok(d)
    }

    fn mulambda(
        &mut self,
        run: &WorkloadRun,
        setup: Duration,
        exec: Duration,
        dir: &Path,
    ) -> Result<Sample, CkptError> {
        // The face program's deadline clock starts after its models are loaded (its set-up).
        let deadline = if run.app == App::Face {
            exec
        } else {
            setup + exec
        };
        if self.redis.is_none() {
            self.redis = Some(RedisServer::start(
                self.ledger,
                &self.dir.join("redis"),
                None,
                None,
            )?);
        }
        let store = self
            .redis
            .as_ref()
            .map(RedisServer::addr)
            .ok_or_else(|| CkptError::Workload("no redis".into()))?;
        let worker = |ns: &BareNetns, name: &str| Worker {
            netns: Some(ns.path()),
            store_netns: None,
            dir: dir.join(name),
            store,
        };
        let (wa, wb) = (worker(&self.a, "a"), worker(&self.b, "b"));
        let sample = dir.file_name().unwrap_or_default().to_string_lossy();
        let key = format!("mlsim:{}:{sample}", self.ledger.run_id());
        let first = wa.run_until_checkpoint(
            run,
            deadline,
            &dir.join("out.a"),
            &key,
            self.ledger,
            RUN_TIMEOUT,
        )?;
        let FirstRun::Checkpointed(c) = first else {
            return Err(CkptError::Workload(format!(
                "{} finished before its {:.2} s deadline: give it more items",
                run.app,
                deadline.as_secs_f64()
            )));
        };
        let (mut p, restore) = wb.resume(run, &key, &dir.join("out.b"), self.ledger)?;
        alive_then_stop(&mut p)?;
        Ok(Sample {
            app: run.app,
            method: named("microlambda"),
            sample: 0,
            setup,
            exec_before: setup + exec,
            checkpoint: c.checkpoint_time,
            size_bytes: c.size_bytes,
            raw_bytes: c.raw_bytes,
            restore,
            items_done: c.items,
        })
    }

    fn criu(
        &self,
        run: &WorkloadRun,
        setup: Duration,
        exec: Duration,
        dir: &Path,
    ) -> Result<Sample, CkptError> {
        let exec = setup + exec;
        let launch = run.launch(
            &RunArgs {
                output: Some(&dir.join("out")),
                ..RunArgs::default()
            },
            Some(self.a.path()),
            &dir.join("w"),
        );
        let mut p = Proc::spawn(&launch, self.ledger)?;
        sleep_until(p.started() + exec);
        if p.try_wait()?.is_some() {
            return Err(CkptError::Workload(format!(
                "{} exited before {:.2} s: give it more items",
                run.app,
                exec.as_secs_f64()
            )));
        }
        let exec_before = p.started().elapsed();
        let dump = criu::dump(
            p.pid(),
            Some(&self.a.path()),
            &dir.join("images"),
            &dir.join("work"),
        )?;
        p.wait(Duration::from_secs(10))?;
        let items_done = output_items(run.app, &dir.join("out"));
        let r = criu::restore(&dump.images, Some(&self.b.path()), &dir.join("work"))?;
        let mut restored = r.proc;
        self.ledger.record_process(restored.pid())?;
        alive_then_stop(&mut restored)?;
        Ok(Sample {
            app: run.app,
            method: named("criu"),
            sample: 0,
            setup,
            exec_before,
            checkpoint: dump.checkpoint_time,
            size_bytes: dump.size.compressed_bytes,
            raw_bytes: dump.size.raw_bytes,
            restore: r.restore_time,
            items_done,
        })
    }

    fn image(&mut self, app: App) -> Result<String, CkptError> {
        if let Some(t) = self.images.get(&app) {
            return Ok(t.clone());
        }
        let tag = build_image(
            app,
            &self.bins,
            &self.dir.join(format!("rootfs-{}", app.name())),
            self.ledger,
        )?;
        self.images.insert(app, tag.clone());
        Ok(tag)
    }

    fn docker_root(&mut self) -> Result<PathBuf, CkptError> {
        if let Some(r) = &self.docker_root {
            return Ok(r.clone());
        }
        let r = docker::root_dir()?;
        self.docker_root = Some(r.clone());
        Ok(r)
    }

    /// A container of `run` (named after sample `i` and `role`), started: the time of the start.
    fn started_container(
        &mut self,
        run: &WorkloadRun,
        dir: &Path,
        i: usize,
        role: &str,
    ) -> Result<(Container, ContainerSpec, Instant), CkptError> {
        let image = self.image(run.app)?;
        let spec = container_spec(run, &image, dir);
        let name =
            crate::names::container(self.ledger.run_id(), &format!("{}-{i}-{role}", run.app));
        let c = Container::create(&name, &spec, self.ledger)?;
        // `docker start` returns once the workload process runs: count from there.
        c.start()?;
        Ok((c, spec, Instant::now()))
    }

    fn pause(
        &mut self,
        run: &WorkloadRun,
        setup: Duration,
        exec: Duration,
        dir: &Path,
        i: usize,
    ) -> Result<Sample, CkptError> {
        let (c, _, t) = self.started_container(run, dir, i, "paused")?;
        let cgroup = pause::ContainerCgroup::of(c.name())?;
        sleep_until(t + setup + exec);
        let exec_before = t.elapsed();
        let cycle = pause::cycle(&c, &cgroup, Duration::from_millis(100))?;
        let items_done = output_items(run.app, &dir.join("out").join("out"));
        std::thread::sleep(Duration::from_millis(100));
        let after = c.state()?;
        if after.status != "running" && !(after.status == "exited" && after.exit_code == 0) {
            return Err(CkptError::Workload(format!(
                "unpaused container {} is {} (exit code {}) 100 ms later: {}",
                c.name(),
                after.status,
                after.exit_code,
                super::proc::tail(&c.stderr().unwrap_or_default(), 800)
            )));
        }
        Ok(Sample {
            app: run.app,
            method: named("pause"),
            sample: 0,
            setup,
            exec_before,
            checkpoint: cycle.pause,
            size_bytes: 0,
            raw_bytes: cycle.paused_bytes,
            restore: cycle.unpause,
            items_done,
        })
    }

    fn docker(
        &mut self,
        run: &WorkloadRun,
        setup: Duration,
        exec: Duration,
        dir: &Path,
        i: usize,
    ) -> Result<Sample, CkptError> {
        let exec = setup + exec;
        let root = self.docker_root()?;
        let (src, spec, t) = self.started_container(run, dir, i, "src")?;
        sleep_until(t + exec);
        let exec_before = t.elapsed();
        let checkpoint = src.checkpoint(&root, "ck")?;
        let size = archive::measure(&src.checkpoint_dir(&root, "ck"))?;
        let items_done = output_items(run.app, &dir.join("out").join("out"));
        let name = crate::names::container(self.ledger.run_id(), &format!("{}-{i}-dst", run.app));
        let dst = Container::create(&name, &spec, self.ledger)?;
        let restore = dst.start_from(&src, &root, "ck")?;
        std::thread::sleep(Duration::from_millis(100));
        // Running, or already finished its work successfully.
        let state = std::process::Command::new("docker")
            .args([
                "inspect",
                "-f",
                "{{.State.Running}} {{.State.ExitCode}}",
                dst.name(),
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        if state != "true 0" && state != "false 0" {
            return Err(CkptError::Workload(format!(
                "restored container {} is not running: {}",
                dst.name(),
                super::proc::tail(&dst.stderr().unwrap_or_default(), 800)
            )));
        }
        Ok(Sample {
            app: run.app,
            method: named("docker"),
            sample: 0,
            setup,
            exec_before,
            checkpoint,
            size_bytes: size.compressed_bytes,
            raw_bytes: size.raw_bytes,
            restore,
            items_done,
        })
    }
}

/// The container of a workload run: per-item output to `/out/out` in the bind-mounted `dir/out`.
pub fn container_spec(run: &WorkloadRun, image: &str, dir: &Path) -> ContainerSpec {
    workload_container(
        run,
        image,
        &dir.join("out"),
        Some(Path::new("/tmp/state.ckpt")),
    )
}

/// The container of a workload run: the program at `/bin/<name>`, its per-item output at
/// `/out/out` in the bind-mounted host folder `out`, its state file (μλ) at `state_out` inside.
pub fn workload_container(
    run: &WorkloadRun,
    image: &str,
    out: &Path,
    state_out: Option<&Path>,
) -> ContainerSpec {
    let inside = WorkloadRun {
        binary: PathBuf::from("/bin").join(run.binary.file_name().unwrap_or_default()),
        models: None,
        ..run.clone()
    };
    let argv = inside
        .argv(&RunArgs {
            output: Some(Path::new("/out/out")),
            state_out,
            ..RunArgs::default()
        })
        .into_iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    ContainerSpec {
        image: image.to_string(),
        argv,
        env: Vec::new(),
        binds: vec![(out.to_path_buf(), PathBuf::from("/out"))],
        cgroup_parent: None,
        memory_limit: None,
    }
}

/// Builds (or finds) the image of `app`: its binary, libraries and data (face: the dlib models).
pub fn build_image(
    app: App,
    bins: &Binaries,
    rootfs_dir: &Path,
    ledger: &Ledger,
) -> Result<String, CkptError> {
    build_image_as(app, bins, rootfs_dir, "mlsim-workload", ledger)
}

/// [`build_image`] into the image repository `repo` (the tag is the root file system's hash).
pub fn build_image_as(
    app: App,
    bins: &Binaries,
    rootfs_dir: &Path,
    repo: &str,
    ledger: &Ledger,
) -> Result<String, CkptError> {
    let mut spec = RootfsSpec {
        binaries: vec![bins.for_app(app)?.to_path_buf()],
        data: Vec::new(),
    };
    if app == App::Face {
        let models = data_dir().join("face/models");
        if !models.is_dir() {
            return Err(CkptError::Missing {
                what: format!("face models in {}", models.display()),
                hint: "bash scripts/setup-face.sh".into(),
            });
        }
        spec.data.push((models, PathBuf::from("/data/face/models")));
    }
    ledger.record(&Resource::Dir {
        path: rootfs_dir.to_path_buf(),
    })?;
    let _ = std::fs::remove_dir_all(rootfs_dir);
    let rootfs = assemble(&spec, rootfs_dir)?;
    let tag = docker::import(&rootfs, repo, ledger)?;
    let _ = std::fs::remove_dir_all(rootfs_dir);
    Ok(tag)
}

/// The per-item output lines in the file `out` (see [`Sample::items_done`]). No file: 0 (the
/// programs create their output file after the set-up, so the checkpoint came before the first
/// item); `None` if it cannot be read.
fn output_items(app: App, out: &Path) -> Option<u64> {
    match std::fs::read(out) {
        Ok(text) => Some(item_lines(app, &String::from_utf8_lossy(&text)).len() as u64),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(0),
        Err(_) => None,
    }
}

fn sleep_until(t: Instant) {
    let now = Instant::now();
    if t > now {
        std::thread::sleep(t - now);
    }
}

/// Checks that `p` is still running 100 ms from now (or has finished its work successfully in
/// that time), then stops it.
fn alive_then_stop(p: &mut Proc) -> Result<(), CkptError> {
    std::thread::sleep(Duration::from_millis(100));
    let exited = p.try_wait()?;
    p.kill();
    match exited {
        None | Some(None) => Ok(()),
        Some(Some(s)) if s.success() => Ok(()),
        Some(Some(s)) => Err(CkptError::Workload(format!(
            "the restored process {} failed within 100 ms ({s})",
            p.pid()
        ))),
    }
}

/// Takes every sample of `plan` (apps × methods × samples), with run files under `dir`; calls
/// `on_sample` after each (for incremental output). A failed sample is an error: the paper's
/// statistics need every one.
pub fn measure(
    plan: &Plan,
    bins: &Binaries,
    ledger: &Ledger,
    dir: &Path,
    mut on_sample: impl FnMut(&Sample),
) -> Result<Measured, CkptError> {
    std::fs::create_dir_all(dir).map_err(CkptError::io(dir))?;
    let mut bench = Bench {
        ledger,
        dir: dir.to_path_buf(),
        bins: bins.clone(),
        a: BareNetns::add(ledger, "cka")?,
        b: BareNetns::add(ledger, "ckb")?,
        redis: None,
        images: BTreeMap::new(),
        docker_root: None,
    };
    let mut out = Measured::default();
    let retried = &mut out.retried;
    let mut samples = Vec::new();
    for &app in &plan.apps {
        let run = bench.workload(plan, app)?;
        let setup = setup_time(&run, &dir.join(format!("setup-{}", app.name())), ledger)?;
        for &method in &plan.methods {
            for (i, exec) in plan.durations(app, method).into_iter().enumerate() {
                // One retry per sample (a fresh run with the same drawn duration): the tools
                // have rare transient failures; a second failure ends the measurement.
                let mut attempt = 0;
                let s = loop {
                    let d = bench.sample_dir(app, method, i, attempt)?;
                    let r = match method.def().captures() {
                        Captures::ProgramState => bench.mulambda(&run, setup, exec, &d),
                        Captures::ProcessImage => bench.criu(&run, setup, exec, &d),
                        Captures::ContainerImage => {
                            bench.docker(&run, setup, exec, &d, i * 10 + attempt)
                        }
                        Captures::Nothing => Err(CkptError::Workload(format!(
                            "{method} takes no checkpoints to measure"
                        ))),
                        Captures::FrozenInPlace => {
                            bench.pause(&run, setup, exec, &d, i * 10 + attempt)
                        }
                    };
                    let _ = std::fs::remove_dir_all(&d);
                    match r {
                        Ok(s) => break s,
                        Err(e) if attempt == 0 => {
                            retried.push(format!("{app} {method} sample {i}: {e}"));
                            attempt += 1;
                        }
                        Err(e) => {
                            return Err(CkptError::Workload(format!(
                                "{app} {method} sample {i} failed twice: {e}"
                            )));
                        }
                    }
                };
                let s = Sample {
                    sample: i,
                    method,
                    ..s
                };
                on_sample(&s);
                samples.push(s);
            }
        }
    }
    out.samples = samples;
    Ok(out)
}

/// The set-up time of `run`: from process start until the program exits after a μλ checkpoint
/// with a zero deadline, i.e. at its first safe point (input built, models loaded), minimum of
/// three runs. Runs in `dir` (removed afterwards).
pub fn setup_time(run: &WorkloadRun, dir: &Path, ledger: &Ledger) -> Result<Duration, CkptError> {
    let walls = setup_times(run, 3, dir, ledger)?;
    // The minimum: set-up is pure computation, so other load on the machine only lengthens it;
    // an overestimate would let a short program (stress) finish before its checkpoint.
    let (_, min, _) =
        median_min_max(walls.iter().map(Duration::as_secs_f64).collect()).unwrap_or_default();
    Ok(Duration::from_secs_f64(min))
}

/// `runs` set-up times of `run` (see [`setup_time`]), in run order: from process start until the
/// program exits after a μλ checkpoint with a zero deadline. Runs in `dir` (removed afterwards).
pub fn setup_times(
    run: &WorkloadRun,
    runs: usize,
    dir: &Path,
    ledger: &Ledger,
) -> Result<Vec<Duration>, CkptError> {
    ledger.record(&Resource::Dir {
        path: dir.to_path_buf(),
    })?;
    std::fs::create_dir_all(dir).map_err(CkptError::io(dir))?;
    let mut walls = Vec::new();
    for i in 0..runs {
        let state = dir.join(format!("s{i}.ckpt"));
        let launch = run.launch(
            &RunArgs {
                output: Some(&dir.join(format!("out{i}"))),
                state_out: Some(&state),
                deadline: Some(Duration::ZERO),
                resume: None,
            },
            None,
            &dir.join(format!("log{i}")),
        );
        let mut p = Proc::spawn(&launch, ledger)?;
        let status = p.wait(RUN_TIMEOUT)?;
        walls.push(p.started().elapsed());
        if status.is_some_and(|s| !s.success()) || !state.is_file() {
            return Err(CkptError::Workload(format!(
                "{}: a run with a zero deadline did not checkpoint ({status:?}): {}",
                run.app,
                super::proc::tail(
                    &std::fs::read_to_string(&launch.stderr).unwrap_or_default(),
                    800
                )
            )));
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(walls)
}

/// The result of [`measure`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measured {
    /// Every sample, in order.
    pub samples: Vec<Sample>,
    /// Samples whose first attempt failed (and were taken again), with the error.
    pub retried: Vec<String>,
}
