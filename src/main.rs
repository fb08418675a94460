//! `mlsim`: the command-line front end: arguments (clap), dispatch, printing and exit codes.
//! The pipeline (spec → runs → result folder → summaries → figures, compare) is the library
//! `mlsim-experiment`; this binary hands it a backend: the simulator (`mlsim run`) or the
//! emulation (`mlsim emu run`). All errors reach the user with context; exit codes are
//! 0 (success; a figure without data is only a warning), 1 (some runs failed, or a backend
//! error stopped the sweep), 2 (usage, spec or I/O error, a result folder in use by another
//! process) and 130 (`mlsim run`/`mlsim emu run` stopped by Ctrl-C or SIGTERM: the finished
//! runs are kept and merged, the manifest says `interrupted`; a second signal ends the process
//! at once, also with 130, 143 for SIGTERM). After any stop the same command finishes the
//! missing runs.
// The doc comments of the argument structs are clap's --help texts, written for a terminal
// (`[default: results/<experiment name>]`, units as `[s]`), not rustdoc markdown.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

mod bench;
mod calibrate;
mod compare;
mod emu_checkpoints;
mod emu_cmd;
mod emu_run;
mod emu_starts;
mod progress;
mod report;
mod slurm;
mod stop;

use anyhow::Result;
use clap::{Parser, Subcommand};
use mlsim_experiment::{pipeline, runner, spec};
use mlsim_sim::backend::SimBackend;
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
        /// Worker threads (1 or more) [default: all cores]. The output does not depend on it.
        #[arg(long, value_parser = at_least_one)]
        jobs: Option<usize>,
        /// Require an existing result folder of this spec and finish its missing runs
        /// (an existing folder of the same spec is resumed even without this flag).
        #[arg(long)]
        resume: bool,
        /// Print only errors and the final line.
        #[arg(long, short)]
        quiet: bool,
        /// The summary table printed: `short` (mean execution time by app × items and
        /// method@r_limit, at most 30 rows), `full` (every row and column), `none`.
        #[arg(long, value_enum, default_value_t = Table::Short)]
        table: Table,
        /// The tables the folder keeps: `both` (CSV and Parquet), `csv`, or `parquet` (the CSV
        /// tables removed once the summaries, figures and Parquet files are written; the run
        /// files under runs/ stay). Parquet: ZSTD, typed nullable columns as columns.csv says.
        #[arg(long, value_enum, default_value_t = TableFormat::Both)]
        format: TableFormat,
        /// The size the figures are drawn for: `screen` (the layout's own size), `two-column`
        /// (7.16 in, the text width of a two-column paper) or `one-column` (3.5 in): laid out
        /// so that tick labels print at 6 pt or more, SVG and PDF in points, PNG at 300 dpi.
        #[arg(long, value_enum, default_value_t = FigSize::Screen)]
        figure_size: FigSize,
        /// Use this model instead of the spec's `experiment.model`: a built-in model ("default",
        /// the fitted one; "paper") or a model file (e.g. results/calibration/model.toml).
        #[arg(long)]
        model: Option<String>,
        /// Multiply every BBU's speed by F (`bbu.speed`, each `bbu_override` speed), e.g. to
        /// simulate the host an emulation ran on at the speed `mlsim emu run` measured; the
        /// folder's spec.toml keeps the scaled spec (`mlsim compare` accepts the speed-only
        /// difference).
        #[arg(long, value_name = "F", conflicts_with_all = ["shard", "origin"])]
        speed_scale: Option<f64>,
        /// Run even when the estimated peak memory exceeds the available memory
        /// (`mlsim validate` prints the estimates; the fixed limits still hold).
        #[arg(long)]
        force: bool,
        /// Run only shard K of N (0 ≤ K < N, as Slurm's --array=0-(N-1) task ids): the runs
        /// with run % N == K, into DIR/shards/K-of-N (DIR: --out or results/<experiment name>).
        /// `mlsim merge` collects the shards into DIR.
        #[arg(long, value_parser = mlsim_experiment::shard::Shard::parse)]
        shard: Option<mlsim_experiment::shard::Shard>,
        /// Read the spec's text from SPEC (a copy) as if it were the file ORIGIN: relative paths
        /// in it (model file, traces) resolve against ORIGIN's folder. `mlsim slurm`'s jobs use it.
        #[arg(long, conflicts_with = "model")]
        origin: Option<PathBuf>,
    },
    /// Collect the finished runs of a spec's shards (mlsim run --shard) into one result folder:
    /// CSVs, summary and figures as one `mlsim run` writes them; names the runs still missing.
    Merge {
        /// The experiment spec (TOML) the shards ran.
        spec: PathBuf,
        /// The experiment folder [default: results/<experiment name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Shard folders (or other result folders of the spec) to collect [default:
        /// DIR/shards/*].
        shards: Vec<PathBuf>,
        /// As for `run`.
        #[arg(long, short)]
        quiet: bool,
        /// As for `run`.
        #[arg(long, value_enum, default_value_t = Table::Short)]
        table: Table,
        /// As for `run`.
        #[arg(long)]
        model: Option<String>,
        /// As for `run`.
        #[arg(long, conflicts_with = "model")]
        origin: Option<PathBuf>,
    },
    /// Write (and with --submit, submit) a Slurm job array running a spec's shards and a
    /// dependent job merging them.
    Slurm(slurm::SlurmArgs),
    /// Check a spec and its model file and print the estimated runs, events, output size and
    /// peak memory; run nothing, write nothing.
    Validate {
        /// The experiment spec (TOML).
        spec: PathBuf,
        /// As for `run`.
        #[arg(long)]
        model: Option<String>,
        /// As for `run`.
        #[arg(long, value_name = "F")]
        speed_scale: Option<f64>,
        /// Accept a spec whose estimated peak memory exceeds the available memory.
        #[arg(long)]
        force: bool,
        /// Runs at a time assumed by the peak-memory estimate, as `run --jobs` [default: all
        /// cores].
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Redraw the figures and the summary of a result folder from its CSVs alone.
    Plot {
        /// A result folder written by `mlsim run`.
        dir: PathBuf,
        /// Figures to draw [default: those the spec names, else every one with data].
        #[arg(long, value_delimiter = ',')]
        figures: Vec<String>,
        /// The size the figures are drawn for (as `mlsim run --figure-size`).
        #[arg(long, value_enum, default_value_t = FigSize::Screen)]
        figure_size: FigSize,
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
    /// Print a shell completion script, e.g. `mlsim completions bash > ~/.local/share/bash-completion/completions/mlsim`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum BenchCmd {
    /// The DES kernel on the hold model at 10 k and 1 M pending events.
    Kernel {
        /// Events per measurement (1 or more).
        #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(1..))]
        events: u64,
    },
    /// A whole spec into a temporary folder, with 1 thread and with all cores (each in a child
    /// process): wall time, events/s, invocations/s, peak memory, bytes per invocation held.
    Spec {
        /// The experiment spec.
        spec: PathBuf,
        /// One measurement with N threads, in this process.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        jobs: Option<u64>,
    },
    /// The model alone: every run of a spec in the simulator, one after the other on one
    /// thread, its records counted and dropped (no files): events/s, invocations/s, and peak
    /// memory per invocation of the largest run.
    Model {
        /// The experiment spec.
        spec: PathBuf,
    },
}

/// `mlsim run --table`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Table {
    Short,
    Full,
    None,
}

impl From<Table> for mlsim_experiment::summary::TableSize {
    fn from(t: Table) -> Self {
        match t {
            Table::Short => Self::Short,
            Table::Full => Self::Full,
            Table::None => Self::None,
        }
    }
}

/// `mlsim run --format`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum TableFormat {
    Both,
    Csv,
    Parquet,
}

/// The print size of figures (`--figure-size`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum FigSize {
    Screen,
    TwoColumn,
    OneColumn,
}

impl From<FigSize> for mlsim_plots::FigureSize {
    fn from(s: FigSize) -> Self {
        match s {
            FigSize::Screen => Self::Screen,
            FigSize::TwoColumn => Self::TwoColumn,
            FigSize::OneColumn => Self::OneColumn,
        }
    }
}

impl From<TableFormat> for mlsim_experiment::parquet_out::Format {
    fn from(t: TableFormat) -> Self {
        match t {
            TableFormat::Both => Self::Both,
            TableFormat::Csv => Self::Csv,
            TableFormat::Parquet => Self::Parquet,
        }
    }
}

/// A count of 1 or more (`--jobs`): 0 threads would run nothing.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        Ok(_) => Err("must be 1 or more (leave it out to use every core)".into()),
        Err(e) => Err(format!("{s:?} is not a count: {e}")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match dispatch(args) {
        Ok(code) => code,
        Err(e) => {
            if let Some(s) = e.downcast_ref::<spec::SpecErrors>() {
                eprint!("error: {s}");
            } else if let Some(mlsim_experiment::Error::Spec(s)) =
                e.downcast_ref::<mlsim_experiment::Error>()
            {
                eprint!("error: {s}");
            } else {
                eprintln!("error: {}", message(&e));
            }
            ExitCode::from(2)
        }
    }
}

/// An error and its causes, each cause once: most of our errors already say their cause
/// (`cannot write F: No space left on device`), which `{:#}` would print a second time.
fn message(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let t = cause.to_string();
        if !msg.contains(&t) {
            msg.push_str(": ");
            msg.push_str(&t);
        }
    }
    msg
}

fn dispatch(args: Args) -> Result<ExitCode> {
    match args.cmd {
        Cmd::Run {
            spec,
            out,
            jobs,
            resume,
            quiet,
            table,
            format,
            figure_size,
            model,
            speed_scale,
            force,
            shard,
            origin,
        } => {
            let opts = spec::Options {
                speed_scale,
                ..options(model, force, jobs)
            };
            let s = slurm::load(&spec, &opts, origin.as_deref())?;
            let root = out.unwrap_or_else(|| PathBuf::from("results").join(&s.name));
            match shard {
                Some(shard) => slurm::run_shard(slurm::ShardRun {
                    spec: &s,
                    shard,
                    root,
                    jobs,
                    resume,
                    quiet,
                }),
                None => run(
                    &spec,
                    &s,
                    root,
                    jobs,
                    resume,
                    quiet,
                    table.into(),
                    format.into(),
                    figure_size.into(),
                ),
            }
        }
        Cmd::Merge {
            spec,
            out,
            shards,
            quiet,
            table,
            model,
            origin,
        } => {
            let s = slurm::load(&spec, &options(model, false, None), origin.as_deref())?;
            let root = out.unwrap_or_else(|| PathBuf::from("results").join(&s.name));
            slurm::merge(&s, &root, shards, quiet, table.into())
        }
        Cmd::Slurm(a) => slurm::slurm(a),
        Cmd::Emu { what } => emu_cmd::dispatch(what),
        Cmd::Compare(a) => compare::run(a),
        Cmd::Calibrate(a) => calibrate::run(a),
        Cmd::Agent { args } => Ok(ExitCode::from(mlsim_emu::agent::main_with_args(&args))),
        Cmd::Validate {
            spec,
            model,
            speed_scale,
            force,
            jobs,
        } => {
            let opts = spec::Options {
                speed_scale,
                ..options(model, force, jobs)
            };
            let s = spec::load_with(&spec, &opts)?;
            println!(
                "{}: ok — experiment \"{}\", {} point(s) × {} replication(s) = {} runs, model \"{}\"; estimated ~{} events, ~{} output, ~{} peak memory",
                spec.display(),
                s.name,
                s.points.len(),
                s.replications,
                s.runs().len(),
                s.model.label,
                spec::estimate::count(s.estimate.events),
                spec::estimate::bytes(s.estimate.output_bytes),
                spec::estimate::bytes(s.estimate.peak_memory),
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Plot {
            dir,
            figures,
            figure_size,
        } => {
            let r = mlsim_experiment::figures::redraw(&dir, &figures, figure_size.into())?;
            if r.policies {
                println!("wrote {}", dir.join("policies.csv").display());
            }
            for p in &r.drawn {
                println!("wrote {}", p.display());
            }
            for (f, e) in &r.skipped {
                eprintln!("skipped {f}: {e}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Completions { shell } => {
            use clap::CommandFactory;
            use std::io::Write;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Args::command(), "mlsim", &mut script);
            // A closed pipe (`| head`) is not an error worth a message.
            match std::io::stdout().write_all(&script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(anyhow::anyhow!("cannot write the completion script: {e}"))
                }
                _ => Ok(ExitCode::SUCCESS),
            }
        }
        Cmd::Bench {
            what: BenchCmd::Kernel { events },
        } => {
            bench::print_kernel(events)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Bench {
            what: BenchCmd::Model { spec },
        } => {
            bench::model(&spec)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Bench {
            what: BenchCmd::Spec { spec, jobs },
        } => {
            match jobs {
                Some(j) => bench::spec_once(&spec, j as usize)?,
                None => bench::spec(&spec)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The spec options of `--model`, `--force` and `--jobs`.
fn options(model: Option<String>, force: bool, jobs: Option<usize>) -> spec::Options {
    let d = spec::Options::default();
    spec::Options {
        model,
        force,
        jobs: jobs.unwrap_or(d.jobs),
        ..d
    }
}

/// `mlsim run`: every run of a spec in the simulator.
#[allow(clippy::too_many_arguments)] // one per option of `mlsim run`
fn run(
    path: &Path,
    s: &spec::Spec,
    root: PathBuf,
    jobs: Option<usize>,
    resume: bool,
    quiet: bool,
    table: mlsim_experiment::summary::TableSize,
    format: mlsim_experiment::parquet_out::Format,
    figure_size: mlsim_plots::FigureSize,
) -> Result<ExitCode> {
    if resume && !root.exists() {
        anyhow::bail!(
            "--resume: {} does not exist; run without --resume to start it",
            root.display()
        );
    }
    let backend = SimBackend;
    stop::install()?;
    let mut p = pipeline::prepare(s, &root, &backend)?;
    p.dir.format = format;
    p.dir.figure_size = figure_size;
    let resume = report::resume_command("mlsim run", path, &root);
    if !quiet {
        eprintln!(
            "{} \"{}\": {} runs ({} points × {} replications), model \"{}\" → {}{}",
            if p.resumed { "resuming" } else { "running" },
            s.name,
            s.runs().len(),
            s.points.len(),
            s.replications,
            s.model.label,
            root.display(),
            if p.resumed {
                " (finishing missing runs)"
            } else {
                ""
            }
        );
    }
    let bar = crate::progress::Sweep::new(quiet);
    let progress = |e: &runner::RunEvent<'_>| bar.event(e);
    let swept = pipeline::sweep(s, &p, &backend, jobs, &progress);
    bar.finish();
    let (outcome, mut f) = swept.map_err(|e| report::after_error(e, &resume))?;
    let drawn: Vec<PathBuf> = std::mem::take(&mut f.figures)
        .into_iter()
        .flat_map(|(_, r)| r.ok())
        .flatten()
        .collect();
    report::warnings(&f.warnings);
    if !quiet {
        print!("{}", f.table(table));
        if let Some(rows) = &f.policies {
            print!("\n{}", mlsim_experiment::policy_table::table(rows));
        }
        for p in &drawn {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(report::end(&outcome, &p.dir.root, 2, &resume))
}
