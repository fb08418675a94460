//! `mlsim emu run SPEC`: the same spec as `mlsim run`, each run replayed for real by the
//! emulation driver ([`mlsim_emu::run`]), written to the same result folder layout (records
//! with mode `emu`), so `mlsim plot DIR` draws Figs. 6/7 from emulation records.
//!
//! Runs go one at a time (they share the machine's cores and would disturb each other's
//! timings). A folder of the same spec is resumed (finished runs are kept). Ctrl-C or SIGTERM
//! stops after tearing down the current run: the runs finished so far stay written and merged,
//! the interrupted one is not written (a resume does it again).

use crate::output::ResultDir;
use crate::runner::SweepOutcome;
use crate::spec::{self, Kind};
use anyhow::{Context, Result, bail};
use mlsim_emu::run::{EmuOptions, RunError, run_scenario, stop};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Default result folder of `mlsim emu run` for experiment `name`: `results/<name>-emu`, so it
/// never collides with the simulator's `results/<name>`.
pub fn default_out(name: &str) -> PathBuf {
    PathBuf::from("results").join(format!("{name}-emu"))
}

/// Runs a spec in emulation.
pub fn run(
    path: &Path,
    out: Option<PathBuf>,
    timeout_s: f64,
    cpu_scale: Option<f64>,
    quiet: bool,
) -> Result<ExitCode> {
    stop::install();
    let s = spec::load(path)?;
    if !matches!(s.kind, Kind::Protocol) {
        bail!(
            "{}: `mlsim emu run` replays protocol experiments (Figs. 6/7); checkpoint probes (Figs. 4/5) are measured by `mlsim emu checkpoints`",
            path.display()
        );
    }
    if !mlsim_emu::sys::is_root() {
        bail!(
            "`mlsim emu run` needs root (network namespaces, CRIU); run it with sudo after `sudo bash scripts/setup-emu.sh`"
        );
    }
    let workload_bin =
        mlsim_emu::ckpt::workload_binary().context("the emulation runs the real workloads")?;
    let face_bin = mlsim_emu::ckpt::Binaries::find().ok().and_then(|b| b.face);
    let runs = s.runs();
    check_face(path, &s, &runs, face_bin.as_deref())?;
    // The C-RAN core mapping of every run, checked before anything starts.
    let machine = mlsim_emu::run::cran::machine_cores();
    let mut scales = Vec::new();
    for plan in &runs {
        let cores = mlsim_emu::run::cran::worker_cores(&s.scenario(plan));
        let scale = mlsim_emu::run::cran::plan(&cores, cpu_scale, machine)
            .map_err(|e| anyhow::anyhow!("{}: run {}: {e}", path.display(), plan.run))?;
        if !scales.contains(&scale) {
            scales.push(scale);
        }
        let sc = s.scenario(plan);
        check_shards(path, plan.run, &sc)?;
        check_speed(path, plan.run, &sc)?;
    }
    let exe = std::env::current_exe().context("cannot locate the mlsim executable")?;
    let root = out.unwrap_or_else(|| default_out(&s.name));
    let model_text = crate::model_text(&s)?;
    let (dir, resumed) = ResultDir::prepare(&root, &s, &model_text)?;
    if !quiet {
        eprintln!(
            "{} \"{}\" in EMULATION: {} runs, workload {} → {}",
            if resumed { "resuming" } else { "running" },
            s.name,
            runs.len(),
            workload_bin.display(),
            root.display()
        );
        let shown: Vec<String> = scales.iter().map(|x| format!("{x:.4}")).collect();
        eprintln!(
            "C-RAN load on the worker BBUs: {} real cores per spec core ({machine} cores here){}",
            shown.join(", "),
            if scales.iter().any(|&x| x < 1.0) {
                "; scaled down: offloaded work gets S·(c − ⌈L·c⌉) real cores (see README, Emulation)"
            } else {
                ""
            }
        );
    }
    crate::write_manifest(&dir.root, &s, "running", None)?;
    let start = Instant::now();
    let mut failed = Vec::new();
    let mut skipped = 0;
    let mut interrupted = false;
    for plan in &runs {
        if resumed && dir.is_done(plan.run) {
            skipped += 1;
            continue;
        }
        if stop::requested() {
            interrupted = true;
            break;
        }
        let sc = s.scenario(plan);
        let point = &s.points[plan.point as usize];
        let opts = EmuOptions {
            agent_cmd: vec![exe.clone().into(), "agent".into()],
            workload_bin: workload_bin.clone(),
            face_bin: face_bin.clone(),
            work_dir: root.join("emu").join(format!("run-{:06}", plan.run)),
            timeout: Duration::from_secs_f64(timeout_s),
            cpu_scale,
        };
        let t = Instant::now();
        let (status, records) = match run_scenario(&sc, plan.run, &opts) {
            // The emulation ran: "ok", as a simulated run is; a request that failed (e.g. no
            // progress within r_limit) is a result, kept in requests.csv, not a failed run.
            Ok(r) => ("ok".to_string(), r),
            Err(RunError::Interrupted) => {
                interrupted = true;
                break;
            }
            Err(e) => (format!("failed: {e}"), Default::default()),
        };
        let rec = crate::runner::run_record(plan, &point.params, &sc, status.clone(), 0);
        dir.write_run(&rec, &records)?;
        if !quiet {
            let exec: Vec<String> = records
                .requests
                .iter()
                .map(|q| {
                    if q.status == "ok" {
                        format!("{:.3}", q.exec_time_s)
                    } else {
                        format!("{:.3} (request {}: {})", q.exec_time_s, q.request, q.status)
                    }
                })
                .collect();
            eprintln!(
                "  run {} ({}): {status}; execution time [s] {}; {:.1} s wall",
                plan.run,
                rec.params,
                exec.join(" "),
                t.elapsed().as_secs_f64()
            );
        }
        if status != "ok" {
            failed.push((plan.run, status));
        }
    }
    dir.merge(&runs.iter().map(|p| p.run).collect::<Vec<_>>())?;
    let outcome = SweepOutcome {
        total: runs.len(),
        skipped,
        failed: failed.clone(),
        elapsed_s: start.elapsed().as_secs_f64(),
    };
    let rows = crate::write_summary(&dir.root)?;
    let mut drawn = Vec::new();
    for f in &s.figures {
        match crate::draw(&dir.root, f) {
            Ok(p) => drawn.extend(p),
            Err(e) => eprintln!("could not draw {f}: {e:#}"),
        }
    }
    let status = if interrupted {
        "interrupted"
    } else if failed.is_empty() {
        "complete"
    } else {
        "some runs failed"
    };
    crate::write_manifest(&dir.root, &s, status, Some(&outcome))?;
    if !quiet {
        print!("{}", crate::summary::table(&rows));
        for p in &drawn {
            eprintln!("wrote {}", p.display());
        }
    }
    for (run, why) in &failed {
        eprintln!("run {run} {why}");
    }
    eprintln!(
        "{status}: {} runs ({} resumed) in {:.1} s; results in {}",
        runs.len(),
        skipped,
        outcome.elapsed_s,
        dir.root.display()
    );
    Ok(if failed.is_empty() && !interrupted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// How to get the face program, for messages.
const FACE_BUILD: &str =
    "bash scripts/setup-face.sh && cargo build --release -p mlsim-face --features dlib";

/// If some run uses the app "face": fails with what to do unless `face_bin` is there and works
/// (`mlsim-face run --frames 0`: dlib built in, models found).
fn check_face(
    path: &Path,
    s: &spec::Spec,
    runs: &[crate::spec::RunPlan],
    face_bin: Option<&Path>,
) -> Result<()> {
    let face_runs: Vec<u32> = runs
        .iter()
        .filter(|p| s.scenario(p).workloads.iter().any(|w| w.app.name == "face"))
        .map(|p| p.run)
        .collect();
    let Some(first) = face_runs.first() else {
        return Ok(());
    };
    let which = format!(
        "{}: {} of its runs (the first: run {first}) use the app \"face\"",
        path.display(),
        face_runs.len()
    );
    let Some(bin) = face_bin else {
        bail!(
            "{which}, whose program mlsim-face (built with dlib) was not found next to mlsim, in $CARGO_TARGET_DIR/release or target/release; build it with `{FACE_BUILD}` (same target folder as mlsim), or set MLSIM_FACE_BIN"
        );
    };
    // With 0 frames it finishes at once and writes no state file.
    let probe = std::env::temp_dir().join(format!("mlsim-face-probe-{}.ckpt", std::process::id()));
    let out = std::process::Command::new(bin)
        .args(["run", "--frames", "0", "--state-out"])
        .arg(&probe)
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let _ = std::fs::remove_file(&probe);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{which}, but `{} run --frames 0` fails ({}): {}; build it with `{FACE_BUILD}`",
            bin.display(),
            out.status,
            err.trim()
        );
    }
    Ok(())
}

/// The emulation runs every spec core of every worker on the same share of real cores (the cpu
/// scale), so it cannot make one BBU faster or slower than the reference core; refuses a worker
/// BBU of speed ≠ 1 instead of replaying it at speed 1 (the simulator's tracker lead and run
/// times would be at the spec's speed, the emulation's at 1).
fn check_speed(path: &Path, run: u32, sc: &mlsim_core::scenario::Scenario) -> Result<()> {
    for &b in &sc.topology.workers {
        let Some(bbu) = sc.topology.bbus.get(b as usize) else {
            continue;
        };
        if bbu.speed != 1.0 {
            bail!(
                "{}: run {run}: worker BBU {b} has speed = {}, but the emulation runs every BBU at the reference speed (it scales cores, not their speed); set `speed = 1` in [bbu] and [[bbu_override]] to emulate this spec",
                path.display(),
                bbu.speed
            );
        }
    }
    Ok(())
}

/// Sharding (`shards > 1`: one stage per item, its work split over `shards` tasks) is emulated
/// for the stress program (its shard mode); refuses other sharded apps instead of replaying
/// something else than the spec says.
fn check_shards(path: &Path, run: u32, sc: &mlsim_core::scenario::Scenario) -> Result<()> {
    for w in &sc.workloads {
        if w.app.shards > 1 && w.app.name != "stress" {
            bail!(
                "{}: run {run}: app \"{}\" has shards = {}, but only the stress program has a shard mode; set `workload.shards = 1` in the spec (or `shards = 1` in the model's [apps.{}])",
                path.display(),
                w.app.name,
                w.app.shards,
                w.app.name
            );
        }
    }
    Ok(())
}
