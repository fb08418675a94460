//! `mlsim emu run SPEC`: the same spec and pipeline as `mlsim run`, each run replayed for real
//! by the emulation backend ([`mlsim_emu::backend::EmuBackend`]), written to the same result
//! folder layout (records with mode `emu`), so `mlsim plot DIR` draws Figs. 6/7 from emulation
//! records.
//!
//! Runs go one at a time (they share the machine's cores and would disturb each other's
//! timings). A folder of the same spec is resumed (finished runs are kept). Ctrl-C or SIGTERM
//! stops after tearing down the current run: the runs finished so far stay written and merged,
//! the interrupted one is not written (a resume does it again); exit code 130 (see
//! `crate::stop`).

use anyhow::Result;
use mlsim_emu::backend::EmuBackend;
use mlsim_experiment::{pipeline, runner, spec};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Default result folder of `mlsim emu run` for experiment `name`: `results/<name>-emu`, so it
/// never collides with the simulator's `results/<name>`.
pub fn default_out(name: &str) -> PathBuf {
    PathBuf::from("results").join(format!("{name}-emu"))
}

/// How the emulation maps the spec onto this machine.
pub struct Machine {
    /// Real cores per spec core (`--cpu-scale`; `None`: the largest that fits).
    pub cpu_scale: Option<f64>,
    /// The trackers' host speed (`--host-speed`).
    pub host_speed: mlsim_emu::host::HostSpeed,
}

/// Runs a spec in emulation.
pub fn run(
    path: &Path,
    out: Option<PathBuf>,
    timeout_s: f64,
    machine: Machine,
    quiet: bool,
    force: bool,
) -> Result<ExitCode> {
    // Runs go one at a time.
    let s = spec::load_with(
        path,
        &spec::Options {
            force,
            jobs: 1,
            ..spec::Options::default()
        },
    )?;
    // What the emulation cannot replay is refused before it looks for the workload programs.
    mlsim_emu::backend::replays(s.kind).map_err(|source| mlsim_experiment::Error::Check {
        spec: s.file.clone(),
        source,
    })?;
    // The shape the emulated suspend study needs (one worker BBU, a method it performs), or
    // the serverless study's (one worker, concurrency 1, no image pulls).
    type ShapeCheck = fn(&mlsim_core::scenario::Scenario) -> Result<(), String>;
    let shape: Option<ShapeCheck> = match s.kind {
        mlsim_core::RunKind::Suspend => Some(mlsim_emu::suspend::check),
        mlsim_core::RunKind::Serverless => Some(mlsim_emu::serverless::check),
        _ => None,
    };
    if let Some(check) = shape {
        let mut seen = std::collections::BTreeSet::new();
        for plan in s.runs().iter().filter(|p| seen.insert(p.point)) {
            if let Err(message) = check(&s.scenario(plan)) {
                return Err(mlsim_experiment::Error::Check {
                    spec: s.file.clone(),
                    source: mlsim_core::backend::CheckError {
                        run: Some(plan.run),
                        message,
                    },
                }
                .into());
            }
        }
    }
    let root = out.unwrap_or_else(|| default_out(&s.name));
    crate::stop::install()?;
    let backend = EmuBackend::new(
        &root.join("emu"),
        Duration::from_secs_f64(timeout_s),
        machine.cpu_scale,
        machine.host_speed,
    )?;
    let p = pipeline::prepare(&s, &root, &backend)?;
    let resume = crate::report::resume_command("mlsim emu run", path, &root);
    if !quiet {
        eprintln!(
            "{} \"{}\" in EMULATION: {} runs, workload {} → {}",
            if p.resumed { "resuming" } else { "running" },
            s.name,
            s.runs().len(),
            backend.workload_bin().display(),
            root.display()
        );
        for n in &p.notes {
            eprintln!("{n}");
        }
    }
    let progress = |e: &runner::RunEvent<'_>| {
        if !quiet {
            crate::report::progress_per_run(e);
        }
    };
    let (outcome, mut f) = pipeline::sweep(&s, &p, &backend, None, &progress)
        .map_err(|e| crate::report::after_error(e, &resume))?;
    let drawn: Vec<PathBuf> = std::mem::take(&mut f.figures)
        .into_iter()
        .flat_map(|(_, r)| r.ok())
        .flatten()
        .collect();
    crate::report::warnings(&f.warnings);
    if !quiet {
        print!("{}", f.table(mlsim_experiment::summary::TableSize::Full));
        if let Some(rows) = &f.policies {
            print!("\n{}", mlsim_experiment::policy_table::table(rows));
        }
        for p in &drawn {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(crate::report::end(&outcome, &p.dir.root, 1, &resume))
}
