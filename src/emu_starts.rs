//! `mlsim emu starts`: measure what a serverless instance's cold and warm starts take on this
//! machine (`mlsim_emu::serverless::starts`), fit the cold start against the function's memory
//! (a line: base + per MiB, with the cv of observed/fitted), and write a model file's
//! `[serverless]` table that specs read when they give no start costs of their own.
//!
//! Writes into `--out` (default `results/emu-starts/`), atomically: `starts.csv` (rewritten
//! after every sample, so a killed run keeps what it measured) and `serverless.toml` (the
//! table, to paste into a model file); prints a table and the fit.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use mlsim_emu::serverless::starts::{StartPlan, StartSample, measure};
use mlsim_experiment::folder::write_atomic;

/// Options of `mlsim emu starts`.
#[derive(Args, Debug)]
pub struct StartsArgs {
    /// Function memory sizes to measure [MiB].
    #[arg(long, value_delimiter = ',', default_value = "32,128,512")]
    sizes_mib: Vec<u64>,
    /// Cold starts per size.
    #[arg(long, default_value_t = 10)]
    samples: u32,
    /// Warm starts per cold start.
    #[arg(long, default_value_t = 3)]
    warm: u32,
    /// Result folder [default: results/emu-starts].
    #[arg(long)]
    out: Option<PathBuf>,
}

fn csv_of(samples: &[StartSample]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for s in samples {
        w.serialize(s)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// Runs `mlsim emu starts`.
pub fn run(a: StartsArgs) -> Result<ExitCode> {
    if a.sizes_mib.is_empty() || a.sizes_mib.contains(&0) || a.samples == 0 {
        eprintln!("error: give memory sizes of 1 MiB or more (--sizes-mib) and --samples ≥ 1");
        return Ok(ExitCode::from(2));
    }
    if !mlsim_emu::sys::is_root() {
        eprintln!("error: mlsim emu starts needs root (Docker, cgroups)");
        return Ok(ExitCode::from(2));
    }
    if let Err(e) = mlsim_emu::ckpt::docker::versions() {
        eprintln!("error: Docker is not ready here ({e}): sudo bash scripts/setup-emu.sh");
        return Ok(ExitCode::from(2));
    }
    let bins = mlsim_emu::ckpt::Binaries::find().context("the workload binaries")?;
    let out = a.out.unwrap_or_else(|| PathBuf::from("results/emu-starts"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let csv_path = out.join("starts.csv");
    let plan = StartPlan {
        sizes_mib: a.sizes_mib.clone(),
        samples: a.samples,
        warm: a.warm,
        workload_bin: bins.workload.clone(),
        work_dir: out.join("run"),
    };
    eprintln!(
        "mlsim emu starts: {} sizes x {} cold starts (x {} warm each)",
        plan.sizes_mib.len(),
        plan.samples,
        plan.warm
    );
    let mut taken: Vec<StartSample> = Vec::new();
    let mut write_err = None;
    let result = measure(&plan, &mut |s| {
        eprintln!(
            "  {} {:>5} MiB #{:<2} {:.1} ms",
            s.kind,
            s.memory_mib,
            s.sample,
            s.seconds * 1e3
        );
        taken.push(s.clone());
        if let Err(e) = csv_of(&taken).and_then(|b| Ok(write_atomic(&csv_path, &b)?)) {
            write_err.get_or_insert(e);
        }
    });
    if let Some(e) = write_err {
        return Err(e);
    }
    result.map_err(|e| anyhow::anyhow!("{e}"))?;
    let cold: Vec<&StartSample> = taken.iter().filter(|s| s.kind == "cold").collect();
    let x: Vec<f64> = cold.iter().map(|s| s.memory_mib).collect();
    let y: Vec<f64> = cold.iter().map(|s| s.seconds * 1e3).collect();
    let line = mlsim_experiment::fit::time_line("cold start [ms]", &x, &y)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let warm: Vec<f64> = taken
        .iter()
        .filter(|s| s.kind == "warm")
        .map(|s| s.seconds * 1e3)
        .collect();
    let warm_ms = if warm.is_empty() {
        0.0
    } else {
        warm.iter().sum::<f64>() / warm.len() as f64
    };
    let starts = mlsim_experiment::spec::model_file::Starts {
        cold_base: mlsim_core::SimDuration::from_millis_f64(line.base),
        cold_per_mib_ns: line.slope * 1e6,
        cold_cv: line.cv,
        warm: mlsim_core::SimDuration::from_millis_f64(warm_ms),
    };
    for &mib in &a.sizes_mib {
        let v: Vec<f64> = cold
            .iter()
            .filter(|s| s.memory_mib == mib as f64)
            .map(|s| s.seconds * 1e3)
            .collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "{mib:>6} MiB: cold start median {:.1} ms (min {:.1}, max {:.1}, n {})",
            sorted[sorted.len() / 2],
            sorted[0],
            sorted[sorted.len() - 1],
            sorted.len()
        );
    }
    let mut table = String::new();
    mlsim_experiment::calibrate::model_toml::serverless_section(
        &mut table,
        &starts,
        &format!(
            "measured by `mlsim emu starts` on {}: cold start against the function's memory, n = {}, R² = {}, cv of observed/fitted = {:.3}{}; warm start: mean of {} invocations",
            mlsim_emu::ckpt::sample::environment().host,
            line.n,
            line.r2.map_or("-".into(), |r| format!("{r:.3}")),
            line.cv,
            line.fallback
                .as_deref()
                .map_or(String::new(), |f| format!(" ({f})")),
            warm.len()
        ),
    );
    let toml_path = out.join("serverless.toml");
    write_atomic(&toml_path, table.as_bytes())?;
    print!("{table}");
    eprintln!("wrote {} and {}", csv_path.display(), toml_path.display());
    Ok(ExitCode::SUCCESS)
}
