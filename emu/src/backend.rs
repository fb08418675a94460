//! The emulation behind the pipeline's [`Backend`] seam: each run is replayed for real by
//! [`crate::run::run_scenario`], one at a time (runs would share the machine's cores and
//! disturb each other's timings). [`EmuBackend::new`] checks what every run needs (root, the
//! workload programs) and installs the Ctrl-C handler; [`Backend::check`] checks every run of
//! a spec before anything starts (protocol runs only, the face program when an app needs it,
//! the C-RAN core mapping, sharding) and, for a protocol sweep, measures the host's speed
//! ([`crate::host`]: the trackers budget with it; `emu/host.json` records it).

use crate::host::{self, HostSpeed};
use crate::run::{EmuOptions, cran, run_scenario, stop};
use mlsim_core::backend::{
    Backend, CheckError, PlannedRun, RunError, RunKind, RunPlan, RunSummary,
};
use mlsim_core::scenario::Scenario;
use mlsim_core::sink::RecordSink;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Why the emulation cannot run here at all.
#[derive(Debug, thiserror::Error)]
pub enum EmuSetupError {
    /// Not root.
    #[error(
        "`mlsim emu run` needs root (network namespaces, CRIU); run it with sudo after `sudo bash scripts/setup-emu.sh`"
    )]
    NotRoot,
    /// A program is missing.
    #[error("the emulation runs the real workloads: {0}")]
    Program(#[from] crate::ckpt::CkptError),
    /// The agent program (this executable) cannot be found.
    #[error("cannot locate the mlsim executable: {0}")]
    Exe(std::io::Error),
}

/// Replays runs for real.
#[derive(Clone, Debug)]
pub struct EmuBackend {
    /// `mlsim` itself, started as `mlsim agent ROLE CONFIG`.
    exe: PathBuf,
    /// The `mlsim-workload` program.
    workload_bin: PathBuf,
    /// The `mlsim-face` program, if built.
    face_bin: Option<PathBuf>,
    /// Run `r`'s work folder is `work_root/run-<r:06>`.
    work_root: PathBuf,
    /// Give up on a run after this long.
    timeout: Duration,
    /// Real cores per spec core (see [`EmuOptions::cpu_scale`]).
    cpu_scale: Option<f64>,
    /// How the trackers' host speed is set (`--host-speed`).
    host: HostSpeed,
    /// The host speed [`Backend::check`] settled on (1 until then).
    host_speed: Arc<OnceLock<f64>>,
    /// What [`Backend::check`] settled, for `emu/host.json`.
    host_record: Arc<OnceLock<host::HostRecord>>,
    /// `emu/host.json` was written.
    host_written: Arc<OnceLock<()>>,
}

impl EmuBackend {
    /// An emulation backend whose runs work in `work_root/run-NNNNNN`; fails unless root and
    /// the workload program is built. Installs the SIGINT/SIGTERM handler (a stop is honoured
    /// between runs and within a run, see [`stop`]).
    pub fn new(
        work_root: &Path,
        timeout: Duration,
        cpu_scale: Option<f64>,
        host: HostSpeed,
    ) -> Result<Self, EmuSetupError> {
        stop::install();
        if !crate::sys::is_root() {
            return Err(EmuSetupError::NotRoot);
        }
        let workload_bin = crate::ckpt::workload_binary()?;
        let face_bin = crate::ckpt::Binaries::find().ok().and_then(|b| b.face);
        Ok(EmuBackend {
            exe: std::env::current_exe().map_err(EmuSetupError::Exe)?,
            workload_bin,
            face_bin,
            work_root: work_root.to_path_buf(),
            timeout,
            cpu_scale,
            host,
            host_speed: Arc::new(OnceLock::new()),
            host_record: Arc::new(OnceLock::new()),
            host_written: Arc::new(OnceLock::new()),
        })
    }

    /// The `mlsim-workload` program in use.
    pub fn workload_bin(&self) -> &Path {
        &self.workload_bin
    }

    fn options(&self, run: u32) -> EmuOptions {
        EmuOptions {
            agent_cmd: vec![self.exe.clone().into(), "agent".into()],
            workload_bin: self.workload_bin.clone(),
            face_bin: self.face_bin.clone(),
            work_dir: self.work_root.join(format!("run-{run:06}")),
            timeout: self.timeout,
            cpu_scale: self.cpu_scale,
            host_speed: self.host_speed.get().copied().unwrap_or(1.0),
        }
    }

    /// Settles the trackers' host speed for a protocol sweep of `scenarios` (measuring it if
    /// asked to and the sweep has taxi, the probe's yardstick) and says what it is. The speed is
    /// measured even when no run has a tracker, for the folder's record ([`host::HostRecord`]).
    fn settle_host_speed<'a>(
        &self,
        scenarios: impl IntoIterator<Item = &'a Scenario>,
    ) -> Result<String, CheckError> {
        let need = host::need(scenarios);
        let use_ = if need.trackers {
            "the timeout trackers budget for it"
        } else {
            "no run has a timeout tracker (an r_limit) to budget with it; recorded in emu/host.json for `mlsim compare`"
        };
        let record =
            |host_speed: f64, source: &str, cpu_s: Vec<f64>, model_s: f64| host::HostRecord {
                host_speed,
                source: source.to_string(),
                cpu_s,
                model_s,
                probe_items: host::PROBE_ITEMS,
                resumed: Vec::new(),
            };
        let (rec, note) = match (self.host, need.taxi) {
            (HostSpeed::Fixed(h), _) => (
                record(h, "given", Vec::new(), 0.0),
                format!(
                    "host speed {h} (--host-speed): the timeout trackers budget the model's times divided by it"
                ),
            ),
            (HostSpeed::Auto, None) => (
                record(1.0, "not measured", Vec::new(), 0.0),
                "host speed not measured: no run has the app taxi, whose model the probe runs against; the timeout trackers budget the model's times as they are (`--host-speed X` sets it)".to_string(),
            ),
            (HostSpeed::Auto, Some(taxi)) => {
                let cannot = |e: String| CheckError {
                    run: None,
                    message: format!(
                        "cannot measure this machine's speed ({e}); `--host-speed 1` skips the probe and budgets the model's times as they are"
                    ),
                };
                let p = host::probe(&self.workload_bin, taxi).map_err(cannot)?;
                let (Some(h), Some(median)) = (p.speed(), p.median_cpu_s()) else {
                    return Err(cannot(format!(
                        "the probe measured no CPU time: {:?} s",
                        p.cpu_s
                    )));
                };
                (
                    record(h, "measured", p.cpu_s.clone(), p.model_s),
                    format!(
                        "host speed {h:.3} of the model's reference core: taxi's {} items took {median:.3} s of CPU (median of {}) against the model's {:.3} s; {use_} (`--host-speed 1`: the model's times as they are; see README, Emulation)",
                        host::PROBE_ITEMS,
                        p.cpu_s.len(),
                        p.model_s
                    ),
                )
            }
        };
        // One sweep per backend: a second check keeps the first value.
        let _ = self.host_speed.set(rec.host_speed);
        let _ = self.host_record.set(rec);
        Ok(note)
    }

    /// Writes the sweep's [`host::HostRecord`] into the work folder, once (at its first protocol
    /// run: the result folder exists by then). A resumed sweep measures again and adds its
    /// speed to the first session's record; a failed write is said, not fatal (the trackers
    /// have their speed already).
    fn write_host_record(&self) {
        if let Some(rec) = self.host_record.get() {
            self.host_written.get_or_init(|| {
                if let Err(e) = rec.write(&self.work_root) {
                    eprintln!(
                        "warning: cannot write {}: {e} (the host speed was {})",
                        self.work_root.join(host::RECORD).display(),
                        rec.host_speed
                    );
                }
            });
        }
    }
}

/// Whether the emulation replays runs of `kind`: protocol runs and the suspend study; a
/// checkpoint probe is measured by `mlsim emu checkpoints`. Checked by [`Backend::check`], and
/// by the CLI before it looks for the workload programs.
pub fn replays(kind: RunKind) -> Result<(), CheckError> {
    match kind {
        RunKind::Protocol | RunKind::Suspend | RunKind::Serverless => {}
        RunKind::CheckpointProbe { .. } => {
            return Err(CheckError {
                run: None,
                message: "`mlsim emu run` replays protocol experiments (Figs. 6/7), suspend and serverless studies; checkpoint probes (Figs. 4/5) are measured by `mlsim emu checkpoints`".into(),
            });
        }
    }
    Ok(())
}

/// What a suspend run needs here: one worker BBU, a method the emulation performs, and its
/// tool (Docker for `pause` and `docker`, CRIU for `criu`).
fn check_suspend(run: u32, sc: &Scenario) -> Result<(), CheckError> {
    crate::suspend::check(sc).map_err(|message| CheckError {
        run: Some(run),
        message,
    })?;
    let tool = match crate::suspend::function::Runtime::of(sc.checkpoint.method.name()) {
        Some(r) if r.in_container() => Some(("docker", "docker")),
        Some(crate::suspend::function::Runtime::Criu) => Some(("criu", "criu")),
        _ => None,
    };
    let why = match tool {
        // The daemon must answer, not only the client exist.
        Some(("docker", _)) => crate::ckpt::docker::versions().err().map(|e| e.to_string()),
        Some((program, _)) => {
            let ok = std::process::Command::new(program)
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            (!ok).then(|| format!("`{program} --version` does not run"))
        }
        None => None,
    };
    if let (Some((program, _)), Some(why)) = (tool, why) {
        let method = sc.checkpoint.method.name();
        return Err(CheckError {
            run: Some(run),
            message: format!(
                "method {method:?} needs {program}, which is not ready here ({why}): `sudo bash scripts/setup-emu.sh` (it starts dockerd)"
            ),
        });
    }
    Ok(())
}

impl Backend for EmuBackend {
    fn name(&self) -> &str {
        "emu"
    }

    fn sequential(&self) -> bool {
        true
    }

    fn check(&self, kind: RunKind, runs: &[PlannedRun<'_>]) -> Result<Vec<String>, CheckError> {
        replays(kind)?;
        if kind == RunKind::Suspend {
            // The functions are `mlsim-workload hold` processes (the app gives their memory).
            for r in runs {
                check_suspend(r.plan.run, r.scenario)?;
            }
        } else if kind == RunKind::Serverless {
            for r in runs {
                crate::serverless::check(r.scenario).map_err(|message| CheckError {
                    run: Some(r.plan.run),
                    message,
                })?;
            }
            if let Err(e) = crate::ckpt::docker::versions() {
                return Err(CheckError {
                    run: None,
                    message: format!(
                        "a serverless study's instances are containers: Docker is not ready here ({e}): `sudo bash scripts/setup-emu.sh` (it starts dockerd)"
                    ),
                });
            }
        } else {
            check_face(runs, self.face_bin.as_deref())?;
        }
        // The C-RAN core mapping of every run, checked before anything starts.
        let machine = cran::machine_cores();
        let mut scales = Vec::new();
        for r in runs {
            let scale =
                cran::scale_of(r.scenario, self.cpu_scale, machine).map_err(|e| CheckError {
                    run: Some(r.plan.run),
                    message: e,
                })?;
            if !scales.contains(&scale) {
                scales.push(scale);
            }
            if kind == RunKind::Protocol {
                check_shards(r.plan.run, r.scenario)?;
            }
            check_speed(r.plan.run, r.scenario, scale)?;
        }
        let shown: Vec<String> = scales.iter().map(|x| format!("{x:.4}")).collect();
        let mut notes = Vec::new();
        if kind == RunKind::Protocol {
            notes.push(self.settle_host_speed(runs.iter().map(|r| r.scenario))?);
        }
        notes.insert(0, format!(
            "C-RAN load on the worker BBUs: {} real cores per spec core ({machine} cores here){}",
            shown.join(", "),
            if scales.iter().any(|&x| x < 1.0) {
                "; scaled down: offloaded work gets S·(c − ⌈L·c⌉) real cores (each invocation at most S when the workers' speed is S; see README, Emulation)"
            } else {
                ""
            }
        ));
        Ok(notes)
    }

    fn run(
        &self,
        kind: RunKind,
        sc: &Scenario,
        plan: &RunPlan,
        sink: &mut dyn RecordSink,
    ) -> Result<RunSummary, RunError> {
        if kind == RunKind::Suspend {
            let records = match crate::suspend::run_suspend(sc, plan.run, &self.options(plan.run)) {
                Ok(r) => r,
                Err(crate::run::RunError::Interrupted) => return Err(RunError::Interrupted),
                Err(e) => return Err(RunError::Run(Box::new(e))),
            };
            records.replay(sink);
            return Ok(RunSummary { events: 0 });
        }
        if kind == RunKind::Serverless {
            let records =
                match crate::serverless::run_serverless(sc, plan.run, &self.options(plan.run)) {
                    Ok(r) => r,
                    Err(crate::run::RunError::Interrupted) => return Err(RunError::Interrupted),
                    Err(e) => return Err(RunError::Run(Box::new(e))),
                };
            records.replay(sink);
            return Ok(RunSummary { events: 0 });
        }
        if !matches!(kind, RunKind::Protocol) {
            return Err(RunError::Fatal(
                "the emulation replays protocol runs and suspend studies only".into(),
            ));
        }
        self.write_host_record();
        // A request that failed (e.g. no progress within r_limit) is a result, kept in
        // requests.csv, not a failed run.
        let records = match run_scenario(sc, plan.run, &self.options(plan.run)) {
            Ok(r) => r,
            Err(crate::run::RunError::Interrupted) => return Err(RunError::Interrupted),
            Err(e) => return Err(RunError::Run(Box::new(e))),
        };
        records.replay(sink);
        Ok(RunSummary { events: 0 })
    }
}

/// How to get the face program, for messages.
const FACE_BUILD: &str =
    "bash scripts/setup-face.sh && cargo build --release -p mlsim-face --features dlib";

/// If some run uses the app "face": fails with what to do unless `face_bin` is there and works
/// (`mlsim-face run --frames 0`: dlib built in, models found).
fn check_face(runs: &[PlannedRun<'_>], face_bin: Option<&Path>) -> Result<(), CheckError> {
    let face_runs: Vec<u32> = runs
        .iter()
        .filter(|r| r.scenario.workloads.iter().any(|w| w.app.name == "face"))
        .map(|r| r.plan.run)
        .collect();
    let Some(first) = face_runs.first() else {
        return Ok(());
    };
    let which = format!(
        "{} of its runs (the first: run {first}) use the app \"face\"",
        face_runs.len()
    );
    let fail = |message: String| CheckError { run: None, message };
    let Some(bin) = face_bin else {
        return Err(fail(format!(
            "{which}, whose program mlsim-face (built with dlib) was not found next to mlsim, in $CARGO_TARGET_DIR/release or target/release; build it with `{FACE_BUILD}` (same target folder as mlsim), or set MLSIM_FACE_BIN"
        )));
    };
    // With 0 frames it finishes at once and writes no state file.
    let probe = std::env::temp_dir().join(format!("mlsim-face-probe-{}.ckpt", std::process::id()));
    let out = std::process::Command::new(bin)
        .args(["run", "--frames", "0", "--state-out"])
        .arg(&probe)
        .output()
        .map_err(|e| fail(format!("cannot run {}: {e}", bin.display())))?;
    let _ = std::fs::remove_file(&probe);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(fail(format!(
            "{which}, but `{} run --frames 0` fails ({}): {}; build it with `{FACE_BUILD}`",
            bin.display(),
            out.status,
            err.trim()
        )));
    }
    Ok(())
}

/// The emulation gives every spec core of every worker the same share of real cores, `scale`
/// (the `--cpu-scale` mapping), so a worker's cores run at speed 1 relative to the reference
/// only if the scale is 1. A worker of speed 1 replays the spec as before (its cores are
/// `scale` real cores, the simulator's are reference cores: see the README, Emulation); a
/// worker whose speed equals the scale replays it exactly (a spec core of speed `scale` *is*
/// `scale` real cores: the same spec then means the same in both modes). Any other speed is
/// refused instead of replaying a different spec.
fn check_speed(run: u32, sc: &Scenario, scale: f64) -> Result<(), CheckError> {
    for &b in &sc.topology.workers {
        let Some(bbu) = sc.topology.bbus.get(b as usize) else {
            continue;
        };
        if !speed_fits(bbu.speed, scale) {
            return Err(CheckError {
                run: Some(run),
                message: format!(
                    "worker BBU {b} has speed = {}, but the emulation runs every spec core on {scale} real cores (the --cpu-scale mapping); set `speed = 1` or `speed = {scale}` in [bbu] and [[bbu_override]] (or `--cpu-scale {}`) to emulate this spec",
                    bbu.speed, bbu.speed
                ),
            });
        }
    }
    Ok(())
}

/// Whether a worker of `speed` can be emulated at `scale` real cores per spec core (see
/// [`check_speed`]).
fn speed_fits(speed: f64, scale: f64) -> bool {
    speed == 1.0 || (speed - scale).abs() <= 1e-9
}

/// Sharding (`shards > 1`: one stage per item, its work split over `shards` tasks) is emulated
/// for the stress program (its shard mode); refuses other sharded apps instead of replaying
/// something else than the spec says.
fn check_shards(run: u32, sc: &Scenario) -> Result<(), CheckError> {
    for (c, w) in sc.workloads.iter().enumerate() {
        if w.app.shards > 1 && w.app.name != "stress" {
            // The field as the spec writes it: `workload` for one class, `workload[c]` in a mix.
            let field = if sc.workloads.len() > 1 {
                format!("workload[{c}].shards")
            } else {
                "workload.shards".into()
            };
            return Err(CheckError {
                run: Some(run),
                message: format!(
                    "app \"{}\" has shards = {}, but only the stress program has a shard mode; set `{field} = 1` in the spec (or `shards = 1` in the model's [apps.{}])",
                    w.app.name, w.app.shards, w.app.name
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::speed_fits;

    #[test]
    fn a_worker_runs_at_speed_one_or_at_the_speed_of_its_real_share() {
        // 4 spec cores on 2 real ones: scale 0.5. Speed 1 (as before) and speed 0.5 (a spec
        // core is half a real core) fit; 0.7 and 2 do not. At scale 1 only speed 1 fits.
        assert!(speed_fits(1.0, 0.5) && speed_fits(0.5, 0.5));
        assert!(!speed_fits(0.7, 0.5) && !speed_fits(2.0, 0.5));
        assert!(speed_fits(1.0, 1.0) && !speed_fits(0.5, 1.0));
    }
}
