//! `mlsim`: the command-line front end. Parses arguments, turns a spec into runs, writes the
//! result folder, draws the figures. All errors reach the user with context; exit codes are
//! 0 (success), 1 (some runs failed) and 2 (usage, spec or I/O error).

mod bench;
mod calibrate;
mod compare;
mod emu_checkpoints;
mod emu_cmd;
mod emu_run;
mod output;
mod policy_table;
mod runner;
mod spec;
mod summary;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mlsim",
    version,
    about = "Simulate checkpointed offloading onto C-RAN edge BBUs (MicroLambda vs CRIU) and draw the paper's figures"
)]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run every sweep point of a spec and write a result folder with CSVs and figures.
    Run {
        /// The experiment spec (TOML), e.g. experiments/fig6.toml.
        spec: PathBuf,
        /// Result folder [default: results/<experiment name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]. The output does not depend on it.
        #[arg(long)]
        jobs: Option<usize>,
        /// Require an existing result folder of this spec and finish its missing runs
        /// (an existing folder of the same spec is resumed even without this flag).
        #[arg(long)]
        resume: bool,
        /// Print only errors and the final line.
        #[arg(long, short)]
        quiet: bool,
        /// Use this model instead of the spec's `experiment.model`: a built-in model ("default",
        /// the fitted one; "paper") or a model file (e.g. results/calibration/model.toml).
        #[arg(long)]
        model: Option<String>,
    },
    /// Check a spec and its model file; run nothing, write nothing.
    Validate {
        /// The experiment spec (TOML).
        spec: PathBuf,
        /// As for `run`.
        #[arg(long)]
        model: Option<String>,
    },
    /// Redraw the figures and the summary of a result folder from its CSVs alone.
    Plot {
        /// A result folder written by `mlsim run`.
        dir: PathBuf,
        /// Figures to draw [default: those the spec names, else every one with data].
        #[arg(long, value_delimiter = ',')]
        figures: Vec<String>,
    },
    /// Compare the simulator with the emulation: per grid point errors of two result folders
    /// of one spec, or (--checkpoints) simulated vs real checkpoint times and sizes (Figs. 4, 5).
    Compare(compare::CompareArgs),
    /// The emulation mode: replay specs for real on network namespaces (needs root).
    Emu {
        #[command(subcommand)]
        what: emu_cmd::EmuCmd,
    },
    /// (internal) an emulation agent process: `mlsim agent client|manager|worker CONFIG.json`.
    #[command(hide = true)]
    Agent {
        /// Role and config file.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Measure the real workloads (emulation substrate, root) and fit the simulator's models.
    Calibrate(calibrate::CalibrateArgs),
    /// Measure performance (use a release build).
    Bench {
        #[command(subcommand)]
        what: BenchCmd,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// The DES kernel on the hold model at 10 k and 1 M pending events.
    Kernel {
        /// Events per measurement.
        #[arg(long, default_value_t = 5_000_000)]
        events: u64,
    },
    /// Wall time of a whole spec into a temporary folder, with 1 thread and with all cores.
    Spec {
        /// The experiment spec.
        spec: PathBuf,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    match dispatch(args) {
        Ok(code) => code,
        Err(e) => {
            if let Some(s) = e.downcast_ref::<spec::SpecErrors>() {
                eprint!("error: {s}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(2)
        }
    }
}

fn dispatch(args: Args) -> Result<ExitCode> {
    match args.cmd {
        Cmd::Run {
            spec,
            out,
            jobs,
            resume,
            quiet,
            model,
        } => run(&spec, out, jobs, resume, quiet, model.as_deref()),
        Cmd::Emu { what } => emu_cmd::dispatch(what),
        Cmd::Compare(a) => compare::run(a),
        Cmd::Calibrate(a) => calibrate::run(a),
        Cmd::Agent { args } => Ok(ExitCode::from(mlsim_emu::agent::main_with_args(&args))),
        Cmd::Validate { spec, model } => {
            let s = spec::load_with_model(&spec, model.as_deref())?;
            println!(
                "{}: ok — experiment \"{}\", {} point(s) × {} replication(s) = {} runs, model \"{}\"",
                spec.display(),
                s.name,
                s.points.len(),
                s.replications,
                s.runs().len(),
                s.model.name
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Plot { dir, figures } => {
            plot(&dir, &figures, true)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Bench {
            what: BenchCmd::Kernel { events },
        } => {
            bench::print_kernel(events)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Bench {
            what: BenchCmd::Spec { spec },
        } => {
            let s = spec::load(&spec)?;
            let model_text = model_text(&s)?;
            for jobs in [
                1,
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            ] {
                let tmp =
                    std::env::temp_dir().join(format!("mlsim-bench-{}-{jobs}", std::process::id()));
                let t = std::time::Instant::now();
                let (dir, _) = output::ResultDir::prepare(&tmp, &s, &model_text)?;
                let o = runner::run_all(&s, &dir, false, Some(jobs), true)?;
                write_summary(&dir.root)?;
                for f in &s.figures {
                    draw(&dir.root, f)?;
                }
                println!(
                    "{}: {} runs with {jobs} thread(s): {:.2} s wall (simulation {:.2} s)",
                    spec.display(),
                    o.total,
                    t.elapsed().as_secs_f64(),
                    o.elapsed_s
                );
                std::fs::remove_dir_all(&tmp).ok();
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn model_text(s: &spec::Spec) -> Result<String> {
    s.model_source
        .text()
        .with_context(|| format!("cannot read model file {}", s.model_source.describe()))
}

fn run(
    path: &Path,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    resume: bool,
    quiet: bool,
    model: Option<&str>,
) -> Result<ExitCode> {
    let s = spec::load_with_model(path, model)?;
    let root = out.unwrap_or_else(|| PathBuf::from("results").join(&s.name));
    if resume && !root.exists() {
        anyhow::bail!(
            "--resume: {} does not exist; run without --resume to start it",
            root.display()
        );
    }
    let model_text = model_text(&s)?;
    let (dir, resumed) = output::ResultDir::prepare(&root, &s, &model_text)?;
    if !quiet {
        eprintln!(
            "{} \"{}\": {} runs ({} points × {} replications), model \"{}\" → {}{}",
            if resumed { "resuming" } else { "running" },
            s.name,
            s.runs().len(),
            s.points.len(),
            s.replications,
            s.model.name,
            root.display(),
            if resumed {
                " (finishing missing runs)"
            } else {
                ""
            }
        );
    }
    write_manifest(&dir.root, &s, "running", None)?;
    let outcome = runner::run_all(&s, &dir, resumed, jobs, quiet)?;
    let rows = write_summary(&dir.root)?;
    let policies = policy_table::write(&dir.root, &s.figures)?;
    let mut drawn = Vec::new();
    for f in &s.figures {
        drawn.extend(draw(&dir.root, f)?);
    }
    let status = if outcome.failed.is_empty() {
        "complete"
    } else {
        "some runs failed"
    };
    write_manifest(&dir.root, &s, status, Some(&outcome))?;
    if !quiet {
        print!("{}", summary::table(&rows));
        if let Some(p) = &policies {
            print!("\n{}", policy_table::table(p));
        }
        for p in &drawn {
            eprintln!("wrote {}", p.display());
        }
    }
    for (run, why) in &outcome.failed {
        eprintln!("run {run} {why}");
    }
    eprintln!(
        "{}: {} runs ({} resumed) in {:.2} s; results in {}",
        status,
        outcome.total,
        outcome.skipped,
        outcome.elapsed_s,
        dir.root.display()
    );
    Ok(if outcome.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn git_revision(dir: &Path) -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn write_manifest(
    root: &Path,
    s: &spec::Spec,
    status: &str,
    o: Option<&runner::SweepOutcome>,
) -> Result<()> {
    let spec_dir = s
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let runs: Vec<serde_json::Value> = s
        .runs()
        .iter()
        .map(|p| serde_json::json!({"run": p.run, "point": p.point, "replication": p.replication, "seed": p.seed}))
        .collect();
    let m = serde_json::json!({
        "tool": "mlsim",
        "version": env!("CARGO_PKG_VERSION"),
        "git_revision": git_revision(spec_dir),
        "spec_file": s.file.display().to_string(),
        "experiment": s.name,
        "kind": format!("{:?}", s.kind),
        "seed": s.seed,
        "replications": s.replications,
        "points": s.points.iter().map(|p| p.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")).collect::<Vec<_>>(),
        "model": { "file": s.model_source.describe(), "provenance": s.model.provenance },
        "status": status,
        "runs_total": s.runs().len(),
        "runs_failed": o.map(|o| o.failed.iter().map(|(r, w)| serde_json::json!({"run": r, "status": w})).collect::<Vec<_>>()),
        "per_run_status": "runs.csv (column status) and the [run] section of runs/NNNNNN.csv",
        "run_plan": runs,
    });
    output::write_atomic(
        &root.join("manifest.json"),
        serde_json::to_string_pretty(&m)?.as_bytes(),
    )
}

fn read_csv<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut v = Vec::new();
    for (i, rec) in r.deserialize().enumerate() {
        v.push(rec.with_context(|| format!("{}: malformed row {}", path.display(), i + 2))?);
    }
    Ok(v)
}

fn write_summary(root: &Path) -> Result<Vec<summary::SummaryRow>> {
    let runs = read_csv(&root.join("runs.csv"))?;
    let requests = read_csv(&root.join("requests.csv"))?;
    let checkpoints = read_csv(&root.join("checkpoints.csv"))?;
    let rows = summary::summarize(&runs, &requests, &checkpoints);
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r)?;
    }
    output::write_atomic(
        &root.join("summary.csv"),
        &w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?;
    Ok(rows)
}

fn draw(root: &Path, name: &str) -> Result<Vec<PathBuf>> {
    let fig = mlsim_plots::Figure::from_name(name).with_context(|| {
        format!(
            "unknown figure {name:?} (known: {})",
            spec::known_figures().join(", ")
        )
    })?;
    mlsim_plots::draw(fig, root)
        .with_context(|| format!("cannot draw {name} in {}", root.display()))
}

fn plot(dir: &Path, figures: &[String], verbose: bool) -> Result<()> {
    if !dir.join("runs.csv").is_file() {
        anyhow::bail!(
            "{} is not a finished mlsim result folder (no runs.csv); run `mlsim run SPEC` first",
            dir.display()
        );
    }
    write_summary(dir)?;
    let named: Vec<String> = if !figures.is_empty() {
        figures.to_vec()
    } else {
        std::fs::read_to_string(dir.join("spec.toml"))
            .ok()
            .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
            .and_then(|t| t.get("experiment")?.get("figures")?.as_array().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    if policy_table::write(dir, &named)?.is_some() && verbose {
        println!("wrote {}", dir.join("policies.csv").display());
    }
    let list = if named.is_empty() {
        spec::known_figures()
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        named.clone()
    };
    for f in &list {
        match draw(dir, f) {
            Ok(paths) => {
                for p in paths {
                    if verbose {
                        println!("wrote {}", p.display());
                    }
                }
            }
            Err(e) if named.is_empty() => eprintln!("skipped {f}: {e:#}"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
