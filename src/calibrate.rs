//! `mlsim calibrate`: measure the real workloads on the emulation substrate and fit the
//! simulator's cost and application models.
//!
//! Measures (as root; `mlsim_emu::ckpt::sample::measure`, the code of `mlsim emu checkpoints`):
//! per app and method, `--samples` real checkpoints after uniformly random execution durations,
//! each restored on another host; per app, the set-up time of the real program (`--setup-runs`
//! runs, process start → first safe point) and per-item compute time and output bytes
//! ([`items`]). With `--from CSV` it measures nothing and re-fits existing samples (no root).
//!
//! Writes into `--out` (default `results/calibration/`), each file atomically:
//! `samples.csv` (rewritten after every sample; a later run with the same `--out` keeps every
//! (app, method) that already has `--samples` samples and measures only the others),
//! `items.csv` (per-item times, output bytes and set-up times), `model.toml` (a complete model
//! file, parsed back before it is written), `fit.csv` (one row per fitted quantity) and
//! `residuals.svg`/`.png`; prints the fit table.

mod items;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use mlsim_emu::ckpt::sample::{
    Environment, Plan, Sample, environment, measure, read_csv, setup_times, to_csv,
};
use mlsim_emu::ckpt::{App, Binaries, Method, WorkloadRun};

use mlsim_core::calibration::Measurements;
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

/// Items per app for the per-item timing: taxi requests (~0.24 ms each), stress windows
/// (~2 ms), face frames per run (~130 ms; three runs).
const ITEM_RUNS: [(App, u64); 3] = [(App::Taxi, 20_000), (App::Stress, 200), (App::Face, 20)];
const FACE_RUNS: usize = 3;

struct Checked {
    apps: Vec<App>,
    methods: Vec<Method>,
    plan: Plan,
}

fn check(a: &CalibrateArgs) -> Result<Checked> {
    let plan = Plan::from_options(
        &a.apps,
        &a.methods,
        a.samples,
        a.exec_min_s,
        a.exec_max_s,
        a.seed,
    )?;
    let (apps, methods) = (plan.apps.clone(), plan.methods.clone());
    if a.setup_runs == 0 {
        bail!("--setup-runs must be at least 1");
    }
    if let Some(f) = &a.from
        && !f.is_file()
    {
        bail!("--from {}: no such file", f.display());
    }
    Ok(Checked {
        apps,
        methods,
        plan,
    })
}

/// `items.csv`: one line per observation: app, quantity (`item_ms`, `output_bytes`,
/// `setup_ms`), value.
fn items_csv(m: &Measurements) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["app", "quantity", "value"])?;
    for (q, map) in [
        ("item_ms", &m.item_ms),
        ("output_bytes", &m.output_bytes),
        ("setup_ms", &m.setup_ms),
    ] {
        for (app, v) in map {
            for x in v {
                w.write_record([app.name(), q, &format!("{x:.6}")])?;
            }
        }
    }
    w.into_inner().map_err(|e| anyhow!("{e}"))
}

fn read_items(path: &Path, m: &mut Measurements) -> Result<()> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    for (i, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: line {}", path.display(), i + 2))?;
        let bad = || {
            anyhow!(
                "{}: line {}: expected app,quantity,value",
                path.display(),
                i + 2
            )
        };
        let app = rec.get(0).and_then(App::parse).ok_or_else(bad)?;
        let v: f64 = rec.get(2).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let map = match rec.get(1) {
            Some("item_ms") => &mut m.item_ms,
            Some("output_bytes") => &mut m.output_bytes,
            Some("setup_ms") => &mut m.setup_ms,
            _ => return Err(bad()),
        };
        map.entry(app).or_default().push(v);
    }
    Ok(())
}

/// Measures what `--from` does not give: checkpoint samples (resuming `samples.csv`), per-item
/// times and set-up times.
fn measure_all(
    c: &Checked,
    a: &CalibrateArgs,
    out: &Path,
    env: &Environment,
) -> Result<Result<Measurements>> {
    let bins = Binaries::find().context("the workload binaries")?;
    if c.apps.contains(&App::Face) && bins.face.is_none() {
        bail!(
            "mlsim-face (dlib) not found: bash scripts/setup-face.sh && cargo build --release -p mlsim-face --features dlib, or set MLSIM_FACE_BIN"
        );
    }
    let csv_path = out.join("samples.csv");
    let mut taken: Vec<Sample> = if csv_path.is_file() {
        read_csv(&csv_path)?.0
    } else {
        Vec::new()
    };
    let run_dir = out.join("run");
    let ledger =
        mlsim_emu::ledger::Ledger::create(&run_dir).context("cannot create the run ledger")?;
    let mut m = Measurements::default();
    let result = (|| -> Result<()> {
        for &app in &c.apps {
            for &method in &c.methods {
                let have = taken
                    .iter()
                    .filter(|s| s.app == app && s.method == method)
                    .count();
                if have >= c.plan.samples {
                    eprintln!(
                        "  {app} {method}: {have} samples already in {}, kept",
                        csv_path.display()
                    );
                    continue;
                }
                // A partial (app, method) is measured again from its first sample.
                taken.retain(|s| !(s.app == app && s.method == method));
                let plan = Plan {
                    apps: vec![app],
                    methods: vec![method],
                    ..c.plan.clone()
                };
                let mut write_err = None;
                let r = measure(&plan, &bins, &ledger, &run_dir.join("work"), |s| {
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
                    taken.push(s.clone());
                    if let Err(e) = to_csv(&taken, env)
                        .map_err(anyhow::Error::from)
                        .and_then(|b| Ok(write_atomic(&csv_path, &b)?))
                    {
                        write_err.get_or_insert(e);
                    }
                });
                if let Some(e) = write_err {
                    return Err(e);
                }
                let m = r.map_err(|e| anyhow!("{e}"))?;
                for r in &m.retried {
                    eprintln!("note: retried once after a failure: {r}");
                }
            }
            let run = WorkloadRun::new(
                app,
                &bins,
                ITEM_RUNS.iter().find(|x| x.0 == app).map_or(100, |x| x.1),
                c.plan.seed,
            )
            .map_err(|e| anyhow!("{e}"))?;
            let setups = setup_times(
                &run,
                a.setup_runs,
                &run_dir.join(format!("setup-{app}")),
                &ledger,
            )
            .map_err(|e| anyhow!("{app} set-up: {e}"))?;
            let setup_ms: Vec<f64> = setups.iter().map(|d| d.as_secs_f64() * 1e3).collect();
            let mean_setup =
                Duration::from_secs_f64(setup_ms.iter().sum::<f64>() / setup_ms.len() as f64 / 1e3);
            eprintln!(
                "  {app} set-up: {:?} ms",
                setup_ms
                    .iter()
                    .map(|x| (x * 10.0).round() / 10.0)
                    .collect::<Vec<_>>()
            );
            let it = items::measure(
                app,
                run.items,
                c.plan.seed,
                Some((&run, FACE_RUNS, mean_setup, &run_dir.join("items"))),
            )?;
            eprintln!(
                "  {app} items: {} ({} values, mean {:.4} ms)",
                it.how,
                it.item_ms.len(),
                it.item_ms.iter().sum::<f64>() / it.item_ms.len().max(1) as f64
            );
            m.setup_ms.insert(app, setup_ms);
            m.item_ms.insert(app, it.item_ms);
            m.output_bytes.insert(app, it.output_bytes);
            write_atomic(&out.join("items.csv"), &items_csv(&m)?)?;
        }
        Ok(())
    })();
    let cleaned = mlsim_emu::ledger::clean_ledger(ledger.path());
    if let Err(e) = cleaned {
        eprintln!("warning: cleaning the run's objects: {e}");
    }
    m.samples = taken;
    Ok(result.map(|()| m))
}

/// Runs `mlsim calibrate`.
pub fn run(a: CalibrateArgs) -> Result<ExitCode> {
    let usage = |e: anyhow::Error| {
        eprintln!("error: {e:#}");
        Ok(ExitCode::from(2))
    };
    let c = match check(&a) {
        Ok(c) => c,
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
            let (mut samples, env) = match read_csv(from) {
                Ok(x) => x,
                Err(e) => return usage(e.into()),
            };
            samples.retain(|s| c.apps.contains(&s.app) && c.methods.contains(&s.method));
            if samples.is_empty() {
                return usage(anyhow!(
                    "--from {}: no samples of the chosen --apps and --methods",
                    from.display()
                ));
            }
            let mut m = Measurements {
                samples,
                ..Default::default()
            };
            let items = from.with_file_name("items.csv");
            if items.is_file() {
                if let Err(e) = read_items(&items, &mut m) {
                    return usage(e);
                }
            } else {
                // The samples' set-up column (one value per app and run of `measure`).
                for s in &m.samples {
                    let v = m.setup_ms.entry(s.app).or_default();
                    let ms = s.setup.as_secs_f64() * 1e3;
                    if !v.contains(&ms) {
                        v.push(ms);
                    }
                }
                eprintln!(
                    "note: no {} beside the samples: per-item times and output bytes come from the base model",
                    items.display()
                );
            }
            m.item_ms.retain(|k, _| c.apps.contains(k));
            m.output_bytes.retain(|k, _| c.apps.contains(k));
            m.setup_ms.retain(|k, _| c.apps.contains(k));
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
            if let Some(missing) = mlsim_emu::ckpt::missing_tool(&c.methods, &env, false) {
                return usage(anyhow!("{missing}: bash scripts/setup-emu.sh"));
            }
            if env.redis.is_none() {
                return usage(anyhow!("redis-server not found: bash scripts/setup-emu.sh"));
            }
            eprintln!(
                "mlsim calibrate: {} apps x {} methods x {} samples; host {} kernel {} criu {} docker {} redis {}",
                c.apps.len(),
                c.methods.len(),
                c.plan.samples,
                env.host,
                env.kernel,
                env.criu.as_deref().unwrap_or("-"),
                env.docker.as_deref().unwrap_or("-"),
                env.redis.as_deref().unwrap_or("-"),
            );
            let m = match measure_all(&c, &a, &out, &env)? {
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
    use std::collections::BTreeMap;

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
        let err = |a: CalibrateArgs| format!("{:#}", check(&a).err().expect("an error"));
        assert!(err(args("chess", "criu", 3, 0.5, 5.0)).contains("unknown app \"chess\""));
        assert!(err(args("taxi", "zfs", 3, 0.5, 5.0)).contains("unknown method \"zfs\""));
        assert!(err(args("taxi", "criu", 0, 0.5, 5.0)).contains("--samples"));
        assert!(err(args("taxi", "criu", 3, 5.0, 0.5)).contains("below"));
        assert!(err(args("taxi", "criu", 3, -1.0, 0.5)).contains("--exec-min-s"));
        let mut a = args("taxi", "criu", 3, 0.5, 5.0);
        a.from = Some(PathBuf::from("/nonexistent/samples.csv"));
        assert!(err(a).contains("no such file"));
    }

    #[test]
    fn items_csv_round_trips() {
        let m = Measurements {
            item_ms: BTreeMap::from([(App::Taxi, vec![0.25, 0.5])]),
            setup_ms: BTreeMap::from([(App::Stress, vec![1600.0])]),
            ..Default::default()
        };
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("items.csv");
        std::fs::write(&p, items_csv(&m).expect("csv")).expect("write");
        let mut back = Measurements::default();
        read_items(&p, &mut back).expect("reads");
        assert_eq!(back.item_ms, m.item_ms);
        assert_eq!(back.setup_ms, m.setup_ms);
    }
}
