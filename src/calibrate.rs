//! `mlsim calibrate`: measure the real workloads on the emulation substrate and fit the
//! simulator's cost and application models.
//!
//! Measures as root (`mlsim_emu::calibrate`: per app and method, `--samples` real checkpoints
//! after uniformly random execution durations, each restored on another host; per app, the
//! set-up time of the real program (`--setup-runs` runs) and per-item compute time and output
//! bytes, taxi and stress timed in process by `mlsim_workloads::item_times`). With `--from CSV`
//! it measures nothing and re-fits existing samples (no root). The fit and the model file are
//! `mlsim_experiment::calibrate`'s.
//!
//! Writes into `--out` (default `results/calibration/`), each file atomically:
//! `samples.csv` (rewritten after every sample; a later run with the same `--out` keeps every
//! (app, method) that already has `--samples` samples and measures only the others),
//! `items.csv` (per-item times, output bytes and set-up times), `model.toml` (a complete model
//! file, parsed back before it is written), `fit.csv` (one row per fitted quantity) and
//! `residuals.svg`/`.png`; prints the fit table.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use mlsim_core::calibration::Measurements;
use mlsim_emu::calibrate::{Campaign, Event, Refit, items_csv, refit_inputs};
use mlsim_emu::ckpt::sample::{Environment, Plan, environment, read_csv, to_csv};
use mlsim_emu::ckpt::{App, Binaries};
use mlsim_experiment::calibrate::{self as lib, Provenance};
use mlsim_experiment::folder::write_atomic;

/// Options of `mlsim calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Workloads to measure.
    #[arg(long, value_delimiter = ',', default_value = "taxi,stress,face")]
    apps: Vec<String>,
    /// Checkpoint methods to measure (microlambda, criu, docker; `mulambda` is accepted too).
    #[arg(long, value_delimiter = ',', default_value = "microlambda,criu")]
    methods: Vec<String>,
    /// Checkpoints per app and method.
    #[arg(long, default_value_t = 50)]
    samples: usize,
    /// Output folder [default: results/calibration].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Re-fit the samples of this CSV (written by `mlsim calibrate` or `mlsim emu checkpoints`)
    /// instead of measuring; an `items.csv` beside it is used too. Needs no root.
    #[arg(long, value_name = "CSV")]
    from: Option<PathBuf>,
    /// Shortest execution before a checkpoint, after the set-up [s].
    #[arg(long, default_value_t = 0.5)]
    exec_min_s: f64,
    /// Longest execution before a checkpoint [s] (stress scales both by 0.05).
    #[arg(long, default_value_t = 5.0)]
    exec_max_s: f64,
    /// Seed of the drawn durations and of the workload inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Set-up measurements per app (process start → first safe point).
    #[arg(long, default_value_t = 5)]
    setup_runs: usize,
    /// The model the unmeasured parts are copied from [default: the built-in paper model].
    #[arg(long, value_name = "TOML")]
    base_model: Option<PathBuf>,
}

/// The plan of the options, which are checked.
fn check(a: &CalibrateArgs) -> Result<Plan> {
    let plan = Plan::from_options(
        &a.apps,
        &a.methods,
        a.samples,
        a.exec_min_s,
        a.exec_max_s,
        a.seed,
    )?;
    if a.setup_runs == 0 {
        bail!("--setup-runs must be at least 1");
    }
    if let Some(f) = &a.from
        && !f.is_file()
    {
        bail!("--from {}: no such file", f.display());
    }
    Ok(plan)
}

/// Measures what `--from` does not give (`mlsim_emu::calibrate`), printing its progress and
/// saving `samples.csv` and `items.csv` as it goes; `Err` before measuring, `Ok(Err)` after.
fn measure_all(
    plan: &Plan,
    a: &CalibrateArgs,
    out: &Path,
    env: &Environment,
) -> Result<Result<Measurements>> {
    let bins = Binaries::find().context("the workload binaries")?;
    if plan.apps.contains(&App::Face) && bins.face.is_none() {
        bail!(
            "mlsim-face (dlib) not found: bash scripts/setup-face.sh && cargo build --release -p mlsim-face --features dlib, or set MLSIM_FACE_BIN"
        );
    }
    let csv_path = out.join("samples.csv");
    let taken = if csv_path.is_file() {
        read_csv(&csv_path)?.0
    } else {
        Vec::new()
    };
    let run_dir = out.join("run");
    let ledger =
        mlsim_emu::ledger::Ledger::create(&run_dir).context("cannot create the run ledger")?;
    let campaign = Campaign {
        plan,
        setup_runs: a.setup_runs,
        bins: &bins,
        ledger: &ledger,
        dir: &run_dir,
    };
    let in_process =
        |app, items, seed| Ok(mlsim_workloads::item_times::item_times(app, items, seed)?);
    let result = campaign.run(taken, in_process, |e| progress(e, out, env));
    if let Err(e) = mlsim_emu::ledger::clean_ledger(ledger.path()) {
        eprintln!("warning: cleaning the run's objects: {e}");
    }
    Ok(result)
}

/// Prints a step of the measurement and saves what it measured so far.
fn progress(e: Event<'_>, out: &Path, env: &Environment) -> Result<()> {
    match e {
        Event::Kept { app, method, have } => eprintln!(
            "  {app} {method}: {have} samples already in {}, kept",
            out.join("samples.csv").display()
        ),
        Event::Sample { sample: s, all } => {
            eprintln!(
                "  {} {} #{:<2} exec {:.2} s: checkpoint {:.2} ms, {} B raw, {} items, restore {:.2} ms",
                s.app,
                s.method,
                s.sample,
                s.exec_before.as_secs_f64(),
                s.checkpoint.as_secs_f64() * 1e3,
                s.raw_bytes,
                s.items_done.map_or("?".into(), |n| n.to_string()),
                s.restore.as_secs_f64() * 1e3
            );
            write_atomic(&out.join("samples.csv"), &to_csv(all, env)?)?;
        }
        Event::Retried(r) => eprintln!("note: retried once after a failure: {r}"),
        Event::Setup { app, ms } => eprintln!(
            "  {app} set-up: {:?} ms",
            ms.iter()
                .map(|x| (x * 10.0).round() / 10.0)
                .collect::<Vec<_>>()
        ),
        Event::Items { app, times, all } => {
            eprintln!(
                "  {app} items: {} ({} values, mean {:.4} ms)",
                times.how,
                times.item_ms.len(),
                times.item_ms.iter().sum::<f64>() / times.item_ms.len().max(1) as f64
            );
            write_atomic(&out.join("items.csv"), &items_csv(all)?)?;
        }
    }
    Ok(())
}

/// Runs `mlsim calibrate`.
pub fn run(a: CalibrateArgs) -> Result<ExitCode> {
    let usage = |e: anyhow::Error| {
        eprintln!("error: {e:#}");
        Ok(ExitCode::from(2))
    };
    let plan = match check(&a) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let base = match lib::base_model(a.base_model.as_deref()) {
        Ok(b) => b,
        Err(e) => return usage(e.into()),
    };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results/calibration"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let (m, env, source) = match &a.from {
        Some(from) => {
            let Refit {
                measurements: m,
                env,
                no_items,
            } = match refit_inputs(from, &plan.apps, &plan.methods) {
                Ok(r) => r,
                Err(e) => return usage(e.into()),
            };
            if let Some(items) = no_items {
                eprintln!(
                    "note: no {} beside the samples: per-item times and output bytes come from the base model",
                    items.display()
                );
            }
            if from.canonicalize().ok() != out.join("samples.csv").canonicalize().ok() {
                let bytes = to_csv(&m.samples, &env)?;
                write_atomic(&out.join("samples.csv"), &bytes)?;
            }
            (m, env, format!("re-fit of {}", from.display()))
        }
        None => {
            if !mlsim_emu::sys::is_root() {
                return usage(anyhow!(
                    "mlsim calibrate needs root to measure (namespaces, CRIU, Docker); use --from CSV to re-fit existing samples"
                ));
            }
            let env = environment();
            // redis-server is checked below, for every calibration.
            if let Some(missing) = mlsim_emu::ckpt::missing_tool(&plan.methods, &env, false) {
                return usage(anyhow!("{missing}: bash scripts/setup-emu.sh"));
            }
            if env.redis.is_none() {
                return usage(anyhow!("redis-server not found: bash scripts/setup-emu.sh"));
            }
            eprintln!(
                "mlsim calibrate: {} apps x {} methods x {} samples; host {} kernel {} criu {} docker {} redis {}",
                plan.apps.len(),
                plan.methods.len(),
                plan.samples,
                env.host,
                env.kernel,
                env.criu.as_deref().unwrap_or("-"),
                env.docker.as_deref().unwrap_or("-"),
                env.redis.as_deref().unwrap_or("-"),
            );
            let m = match measure_all(&plan, &a, &out, &env)? {
                Ok(m) => m,
                Err(e) => {
                    eprintln!(
                        "error: {e:#}\n(the samples taken so far are in {}; run the same command again to continue)",
                        out.join("samples.csv").display()
                    );
                    return Ok(ExitCode::from(1));
                }
            };
            // The CPUs this process may use (its affinity and its cgroup's CPU quota; one in
            // a 1-core cgroup: the reference core of the simulator's per-core times).
            let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
            (
                m,
                env,
                format!(
                    "measured by mlsim calibrate with {cpus} CPU(s) available (affinity and CPU quota)"
                ),
            )
        }
    };
    let prov = Provenance {
        host: env.host.clone(),
        kernel: env.kernel.clone(),
        criu: env.criu.clone().unwrap_or_default(),
        docker: env.docker.clone().unwrap_or_default(),
        redis: env.redis.clone().unwrap_or_default(),
        date: lib::utc_now(),
        git: mlsim_experiment::manifest::git_revision(Path::new(env!("CARGO_MANIFEST_DIR"))),
        samples: m.samples.len(),
        source,
    };
    let f = match lib::fit_and_write(&out, &m, &base, &prov) {
        Ok(f) => f,
        Err(e) => return usage(e.into()),
    };
    print!("{}", lib::table(&f));
    println!("model: {}", out.join("model.toml").display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(apps: &str, methods: &str, samples: usize, min: f64, max: f64) -> CalibrateArgs {
        CalibrateArgs {
            apps: apps.split(',').map(String::from).collect(),
            methods: methods.split(',').map(String::from).collect(),
            samples,
            out: None,
            from: None,
            exec_min_s: min,
            exec_max_s: max,
            seed: 1,
            setup_runs: 5,
            base_model: None,
        }
    }

    #[test]
    fn bad_options_are_usage_errors() {
        assert!(check(&args("taxi", "mulambda", 3, 0.5, 5.0)).is_ok());
        let err = |a: CalibrateArgs| format!("{:#}", check(&a).expect_err("an error"));
        assert!(err(args("chess", "criu", 3, 0.5, 5.0)).contains("unknown app \"chess\""));
        assert!(err(args("taxi", "zfs", 3, 0.5, 5.0)).contains("unknown method \"zfs\""));
        assert!(err(args("taxi", "criu", 0, 0.5, 5.0)).contains("--samples"));
        assert!(err(args("taxi", "criu", 3, 5.0, 0.5)).contains("below"));
        assert!(err(args("taxi", "criu", 3, -1.0, 0.5)).contains("--exec-min-s"));
        let mut a = args("taxi", "criu", 3, 0.5, 5.0);
        a.setup_runs = 0;
        assert!(err(a).contains("--setup-runs"));
        let mut a = args("taxi", "criu", 3, 0.5, 5.0);
        a.from = Some(PathBuf::from("/nonexistent/samples.csv"));
        assert!(err(a).contains("no such file"));
    }
}
