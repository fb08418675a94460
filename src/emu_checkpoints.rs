//! `mlsim emu checkpoints`: measure real μλ, CRIU and Docker checkpoints of the workloads (the
//! paper's Figs. 4 and 5) and their restores on another host.
//!
//! Per app and method, `--samples` checkpoints after uniformly random execution durations; each
//! sample is appended to `OUT/checkpoints.csv` (rewritten atomically after every sample, so a
//! killed run leaves the samples taken so far), then a table of median/min/max is printed. The
//! measurement itself is `mlsim_emu::ckpt::sample::measure`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use mlsim_core::stats::median_min_max;
use mlsim_emu::ckpt::sample::{Environment, Plan, Sample, environment, measure};
use mlsim_emu::ckpt::{App, Binaries, Method, Tool, measurable, tool};
use mlsim_experiment::folder::write_atomic;

/// Options of `mlsim emu checkpoints`.
#[derive(Args, Debug)]
pub struct CheckpointsArgs {
    /// Workloads to measure.
    #[arg(long, value_delimiter = ',', default_value = "taxi,stress,face")]
    apps: Vec<String>,
    /// Checkpoint methods to measure.
    #[arg(long, value_delimiter = ',', default_value = "microlambda,criu,docker")]
    methods: Vec<String>,
    /// Checkpoints per app and method.
    #[arg(long, default_value_t = 20)]
    samples: usize,
    /// Result folder (checkpoints.csv, the run's ledger) [default: results/emu-checkpoints].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Shortest execution before a checkpoint, after the set-up [s].
    #[arg(long, default_value_t = 0.5)]
    exec_min_s: f64,
    /// Longest execution before a checkpoint [s]. Durations are uniform in [min, max) and count
    /// from the end of the app's set-up (input built, models loaded; measured per app); stress
    /// scales them by 0.05 (its windows take ~2 ms each).
    #[arg(long, default_value_t = 5.0)]
    exec_max_s: f64,
    /// Seed of the drawn durations and of the workload inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn secs(s: f64, what: &str) -> Result<Duration> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| anyhow::anyhow!("{what} {s}: not a duration in seconds"))
}

fn plan(a: &CheckpointsArgs) -> Result<Plan> {
    plan_of(
        &a.apps,
        &a.methods,
        a.samples,
        a.exec_min_s,
        a.exec_max_s,
        a.seed,
    )
}

/// The measurement plan of command-line options (`--apps`, `--methods`, `--samples`,
/// `--exec-min-s`, `--exec-max-s`, `--seed`), shared with `mlsim calibrate`.
pub fn plan_of(
    apps: &[String],
    methods: &[String],
    samples: usize,
    exec_min_s: f64,
    exec_max_s: f64,
    seed: u64,
) -> Result<Plan> {
    let apps = apps
        .iter()
        .map(|s| {
            App::parse(s)
                .ok_or_else(|| anyhow::anyhow!("--apps: unknown app {s:?} (taxi, stress, face)"))
        })
        .collect::<Result<Vec<_>>>()?;
    let methods = methods
        .iter()
        .map(|s| {
            Method::parse(s)
                .filter(|m| measurable().contains(m))
                .ok_or_else(|| {
                    let names: Vec<&str> = measurable().into_iter().map(Method::name).collect();
                    anyhow::anyhow!("--methods: unknown method {s:?} ({})", names.join(", "))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    if apps.is_empty() || methods.is_empty() {
        bail!("--apps and --methods must name at least one each");
    }
    if samples == 0 {
        bail!("--samples must be at least 1");
    }
    let mut p = Plan::new(apps, methods, samples);
    p.exec_min = secs(exec_min_s, "--exec-min-s")?;
    p.exec_max = secs(exec_max_s, "--exec-max-s")?;
    if p.exec_max < p.exec_min {
        bail!("--exec-max-s {exec_max_s} is below --exec-min-s {exec_min_s}");
    }
    p.seed = seed;
    Ok(p)
}

/// The columns of `checkpoints.csv` (also read back by `mlsim calibrate --from`).
pub(crate) const HEADER: [&str; 14] = [
    "app",
    "method",
    "sample",
    "exec_before_s",
    "setup_s",
    "checkpoint_s",
    "size_bytes",
    "raw_bytes",
    "restore_s",
    "host",
    "kernel",
    "criu_version",
    "docker_version",
    "items_done",
];

/// The CSV of `samples` (one header line, one line per sample).
pub(crate) fn csv_bytes(samples: &[Sample], env: &Environment) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for s in samples {
        w.write_record([
            s.app.name().to_string(),
            s.method.name().to_string(),
            s.sample.to_string(),
            format!("{:.6}", s.exec_before.as_secs_f64()),
            format!("{:.6}", s.setup.as_secs_f64()),
            format!("{:.9}", s.checkpoint.as_secs_f64()),
            s.size_bytes.to_string(),
            s.raw_bytes.to_string(),
            format!("{:.9}", s.restore.as_secs_f64()),
            env.host.clone(),
            env.kernel.clone(),
            env.criu.clone().unwrap_or_default(),
            env.docker.clone().unwrap_or_default(),
            s.items_done.map(|n| n.to_string()).unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The table of median/min/max per app and method.
/// What is missing on this host to emulate `methods` (`redis`: whether program-state methods
/// need redis-server here), or `None`.
pub(crate) fn missing_tool(
    methods: &[Method],
    env: &Environment,
    redis: bool,
) -> Option<&'static str> {
    methods.iter().find_map(|&m| match tool(m)? {
        Tool::Criu if env.criu.is_none() => Some("criu not found"),
        Tool::Docker if env.docker.is_none() => Some("dockerd with --experimental is not running"),
        Tool::Redis if redis && env.redis.is_none() => Some("redis-server not found"),
        _ => None,
    })
}

fn table(samples: &[Sample]) -> String {
    let mut out = format!(
        "{:<7} {:<9} {:>3}  {:>26}  {:>29}  {:>26}\n",
        "app",
        "method",
        "n",
        "checkpoint ms med [min,max]",
        "size KB (lz4) med [min,max]",
        "restore ms med [min,max]"
    );
    let mut keys: Vec<(App, Method)> = samples.iter().map(|s| (s.app, s.method)).collect();
    keys.sort();
    keys.dedup();
    let fmt = |v: Vec<f64>| match median_min_max(v) {
        Some((m, lo, hi)) if m < 100.0 => format!("{m:.2} [{lo:.2}, {hi:.2}]"),
        Some((m, lo, hi)) => format!("{m:.0} [{lo:.0}, {hi:.0}]"),
        None => "-".into(),
    };
    for (app, method) in keys {
        let these: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.app == app && s.method == method)
            .collect();
        out.push_str(&format!(
            "{:<7} {:<9} {:>3}  {:>26}  {:>29}  {:>26}\n",
            app.name(),
            method.name(),
            these.len(),
            fmt(these
                .iter()
                .map(|s| s.checkpoint.as_secs_f64() * 1e3)
                .collect()),
            fmt(these.iter().map(|s| s.size_bytes as f64 / 1e3).collect()),
            fmt(these
                .iter()
                .map(|s| s.restore.as_secs_f64() * 1e3)
                .collect()),
        ));
    }
    out.push_str(
        "paper: μλ < 10 ms, < 128 KB (face, stress), < 281 KB (taxi); CRIU >= 150 ms (taxi), > 22 MB (face, stress), > 1.8 MB (taxi)\n",
    );
    out
}

/// Runs `mlsim emu checkpoints`.
pub fn run(a: CheckpointsArgs) -> Result<ExitCode> {
    let plan = match plan(&a) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    if !mlsim_emu::sys::is_root() {
        eprintln!("error: mlsim emu checkpoints needs root (namespaces, CRIU, Docker)");
        return Ok(ExitCode::from(2));
    }
    let bins = Binaries::find().context("the workload binaries")?;
    if plan.apps.contains(&App::Face) && bins.face.is_none() {
        eprintln!(
            "error: mlsim-face (dlib) not found: cargo build --release -p mlsim-face --features dlib, or set MLSIM_FACE_BIN"
        );
        return Ok(ExitCode::from(2));
    }
    let env = environment();
    if let Some(missing) = missing_tool(&plan.methods, &env, true) {
        eprintln!("error: {missing}: bash scripts/setup-emu.sh");
        return Ok(ExitCode::from(2));
    }
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from("results/emu-checkpoints"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let run_dir = out.join("run");
    let ledger =
        mlsim_emu::ledger::Ledger::create(&run_dir).context("cannot create the run ledger")?;
    let csv_path = out.join("checkpoints.csv");
    eprintln!(
        "mlsim emu checkpoints: {} apps x {} methods x {} samples, exec {:.1}-{:.1} s; host {} kernel {} criu {} docker {} redis {}",
        plan.apps.len(),
        plan.methods.len(),
        plan.samples,
        plan.exec_min.as_secs_f64(),
        plan.exec_max.as_secs_f64(),
        env.host,
        env.kernel,
        env.criu.as_deref().unwrap_or("-"),
        env.docker.as_deref().unwrap_or("-"),
        env.redis.as_deref().unwrap_or("-"),
    );
    let mut taken: Vec<Sample> = Vec::new();
    let mut write_err = None;
    let result = measure(&plan, &bins, &ledger, &run_dir.join("work"), |s| {
        eprintln!(
            "  {} {} #{:<2} exec {:.2} s (set-up {:.2} s): checkpoint {:.2} ms, {} B lz4 ({} B raw), restore {:.2} ms",
            s.app,
            s.method,
            s.sample,
            s.exec_before.as_secs_f64(),
            s.setup.as_secs_f64(),
            s.checkpoint.as_secs_f64() * 1e3,
            s.size_bytes,
            s.raw_bytes,
            s.restore.as_secs_f64() * 1e3
        );
        taken.push(s.clone());
        if let Err(e) = csv_bytes(&taken, &env).and_then(|b| Ok(write_atomic(&csv_path, &b)?)) {
            write_err.get_or_insert(e);
        }
    });
    let cleaned = mlsim_emu::ledger::clean_ledger(ledger.path());
    if let Some(e) = write_err {
        return Err(e);
    }
    print!("{}", table(&taken));
    println!("samples: {}", csv_path.display());
    if let Err(e) = cleaned {
        eprintln!("warning: cleaning the run's objects: {e}");
    }
    match result {
        Ok(m) => {
            for r in &m.retried {
                eprintln!("note: retried once after a failure: {r}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::methods::named;

    fn sample(app: App, method: Method, i: usize, ms: u64) -> Sample {
        Sample {
            app,
            method,
            sample: i,
            exec_before: Duration::from_secs(1),
            setup: Duration::from_millis(250),
            checkpoint: Duration::from_millis(ms),
            size_bytes: 1000 * ms,
            raw_bytes: 2000 * ms,
            restore: Duration::from_millis(2 * ms),
            items_done: Some(ms),
        }
    }

    #[test]
    fn csv_has_one_line_per_sample_and_the_table_median_min_max() {
        let s = vec![
            sample(App::Taxi, named("criu"), 0, 150),
            sample(App::Taxi, named("criu"), 1, 170),
            sample(App::Taxi, named("criu"), 2, 160),
            sample(App::Taxi, named("microlambda"), 0, 1),
        ];
        let env = Environment {
            host: "h".into(),
            kernel: "6.18".into(),
            criu: Some("4.1.1".into()),
            docker: None,
            redis: None,
        };
        let text = String::from_utf8(csv_bytes(&s, &env).expect("csv")).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0], HEADER.join(","));
        assert_eq!(
            lines[1],
            "taxi,criu,0,1.000000,0.250000,0.150000000,150000,300000,0.300000000,h,6.18,4.1.1,,150"
        );
        let t = table(&s);
        // CRIU checkpoint ms: median 160 of {150, 160, 170}; size KB = ms.
        assert!(t.contains("160 [150, 170]"), "{t}");
        assert!(t.contains("microlambda"), "{t}");
    }

    #[test]
    fn bad_options_are_usage_errors() {
        let args = |apps: &str, min: f64, max: f64| CheckpointsArgs {
            apps: vec![apps.into()],
            methods: vec!["criu".into()],
            samples: 3,
            out: None,
            exec_min_s: min,
            exec_max_s: max,
            seed: 1,
        };
        assert!(plan(&args("taxi", 0.5, 5.0)).is_ok());
        assert!(plan(&args("chess", 0.5, 5.0)).is_err());
        assert!(plan(&args("taxi", 5.0, 0.5)).is_err());
        assert!(plan(&args("taxi", -1.0, 0.5)).is_err());
    }
}
