//! `mlsim emu checkpoints`: measure real μλ, CRIU and Docker checkpoints of the workloads (the
//! paper's Figs. 4 and 5) and their restores on another host.
//!
//! Per app and method, `--samples` checkpoints after uniformly random execution durations; each
//! sample is appended to `OUT/checkpoints.csv` (rewritten atomically after every sample, so a
//! killed run leaves the samples taken so far), then a table of median/min/max is printed. The
//! plan, the measurement, the CSV and the table are `mlsim_emu::ckpt::sample`'s.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use mlsim_emu::ckpt::sample::{
    Plan, PlanError, Sample, environment, measure, median_table, to_csv,
};
use mlsim_emu::ckpt::{App, Binaries, missing_tool};
use mlsim_experiment::folder::write_atomic;

/// Options of `mlsim emu checkpoints`.
#[derive(Args, Debug)]
pub struct CheckpointsArgs {
    /// Workloads to measure.
    #[arg(long, value_delimiter = ',', default_value = "taxi,stress,face")]
    apps: Vec<String>,
    /// Checkpoint methods to measure (also `pause`: `docker pause`/`unpause` of the running
    /// container; checkpoint_s = pause, restore_s = unpause, size_bytes = 0, raw_bytes = memory
    /// held while frozen).
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

fn plan(a: &CheckpointsArgs) -> Result<Plan, PlanError> {
    Plan::from_options(
        &a.apps,
        &a.methods,
        a.samples,
        a.exec_min_s,
        a.exec_max_s,
        a.seed,
    )
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
        // A pause writes nothing: its raw bytes are the memory the frozen container holds.
        let size = if s.method.def().frees_memory() {
            format!("{} B lz4 ({} B raw)", s.size_bytes, s.raw_bytes)
        } else {
            format!("nothing written, {} B held while frozen", s.raw_bytes)
        };
        eprintln!(
            "  {} {} #{:<2} exec {:.2} s (set-up {:.2} s): checkpoint {:.2} ms, {size}, restore {:.2} ms",
            s.app,
            s.method,
            s.sample,
            s.exec_before.as_secs_f64(),
            s.setup.as_secs_f64(),
            s.checkpoint.as_secs_f64() * 1e3,
            s.restore.as_secs_f64() * 1e3
        );
        taken.push(s.clone());
        if let Err(e) = to_csv(&taken, &env)
            .map_err(anyhow::Error::from)
            .and_then(|b| Ok(write_atomic(&csv_path, &b)?))
        {
            write_err.get_or_insert(e);
        }
    });
    let cleaned = mlsim_emu::ledger::clean_ledger(ledger.path());
    if let Some(e) = write_err {
        return Err(e);
    }
    print!("{}", median_table(&taken));
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
