//! `mlsim-workload`: run, checkpoint, resume and benchmark the ride-hailing and stress workloads.
//!
//! ```text
//! mlsim-workload run taxi   [--items N] [--checkpoint-after SECS] [--state-out F] [--resume F] …
//!                           [--graph grid|helsinki|FILE.graphml|FILE.osm.pbf]
//!                           [--trips synthetic|tlc|FILE.csv|FILE.parquet] [--zones FILE.geojson]
//! mlsim-workload run stress [--recording synthetic|systole|DIR] …
//!                           [--shards K --shard S --window W [--parts DIR]
//!                            [--carry-in F] [--carry-out F]]
//! mlsim-workload bench [--quick]
//! mlsim-workload hold --memory-bytes N --dir D --seed S [--resume]
//! ```
//! Outputs go to `--output` (default stdout) as JSON lines, one per item. At the end one JSON
//! line goes to stderr: `{"event":"finished",…}` or `{"event":"checkpoint",…}` with the
//! checkpoint time and size (also written to `--report F`). A checkpoint is taken at the next
//! safe point after `--checkpoint-after SECS` (counted from process start, like the paper's
//! timeout tracker), after `--checkpoint-at-item K`, or on `SIGUSR1`.
//! With `--shards K` the stress program runs one shard of one window (see
//! `mlsim_workloads::stress::shard`): shard S ≥ 1 writes its detected events as one JSON line;
//! shard 0 waits for the other shards' lines in `--parts DIR/part-<s>.json`, joins, writes the
//! window's output line (the same as the unsharded program's) and the state for the next
//! window to `--carry-out` (read back by the next window's shard 0 with `--carry-in`).
//! `hold` is the process of one long-running blocking function of the emulated suspend study:
//! it holds N bytes of seeded memory and serves CPU bursts requested through files in D until
//! `D/stop` or `D/checkpoint` (see `mlsim_workloads::hold` for the file protocol).
//! Exit codes: 0 finished or checkpointed, 1 the workload failed, 2 usage, input or state-file
//! error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use mlsim_workloads::apps::{StressOptions, TaxiOptions};
use mlsim_workloads::checkpoint::{
    CheckpointRequest, Resumable, RunError, RunOutcome, Runner, load_state,
};
use mlsim_workloads::stress::shard::{ShardFiles, ShardId, ShardOutput, ShardWorkload};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "mlsim-workload",
    version,
    about = "Run, checkpoint (μλ style) and benchmark the ride-hailing and stress workloads"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one workload until it finishes or is asked to checkpoint.
    Run(Box<RunArgs>),
    /// Benchmark every workload (each in its own process): per-item time, RSS, state size, checkpoint time.
    Bench {
        /// Fewer items and checkpoints.
        #[arg(long)]
        quick: bool,
        /// Also write the results as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// The process of one long-running blocking function (suspend study): hold N bytes of
    /// seeded memory, serve CPU bursts requested through files in D, stop or checkpoint on request.
    Hold(HoldArgs),
    /// (internal) benchmark one workload in this process.
    #[command(hide = true)]
    BenchOne {
        name: String,
        #[arg(long)]
        quick: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum App {
    Taxi,
    Stress,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Which workload.
    app: App,
    /// Process at most this many items (taxi: requests; stress: 30-s windows).
    #[arg(long)]
    items: Option<u64>,
    /// Checkpoint at the first safe point after this many seconds since process start.
    #[arg(long, value_name = "SECS")]
    checkpoint_after: Option<f64>,
    /// Checkpoint after this many items of this run.
    #[arg(long, value_name = "K")]
    checkpoint_at_item: Option<u64>,
    /// Where to write the state file [default: APP.ckpt, APP the application name].
    #[arg(long, value_name = "F")]
    state_out: Option<PathBuf>,
    /// Continue from this state file (the inputs must be the same as in the first run).
    #[arg(long, value_name = "F")]
    resume: Option<PathBuf>,
    /// Per-item JSON lines go here [default: stdout].
    #[arg(long, value_name = "F")]
    output: Option<PathBuf>,
    /// Write the final report (JSON) here too.
    #[arg(long, value_name = "F")]
    report: Option<PathBuf>,
    /// Seed of synthetic inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// taxi: street graph: `grid` (built-in Manhattan-like grid), `helsinki` (installed OSM
    /// extract) or a FILE, by extension: an OSMnx `.graphml` or an OpenStreetMap `.osm.pbf`
    /// extract (drivable ways, oneway respected, lengths in metres).
    #[arg(long, default_value = "grid", value_name = "grid|helsinki|FILE")]
    graph: String,
    /// taxi: trips: `synthetic`, `tlc` (installed 2019-01 sample) or a TLC trip FILE, by
    /// extension: `.csv` or `.parquet` (the TLC's monthly `yellow_tripdata_YYYY-MM.parquet`;
    /// needs a build with `--features parquet`). Real trips are placed in `--zones`.
    #[arg(long, default_value = "synthetic", value_name = "synthetic|tlc|FILE")]
    trips: String,
    /// taxi: taxi-zone GeoJSON for a trip CSV [default: installed pyhailing zones].
    #[arg(long)]
    zones: Option<PathBuf>,
    /// taxi: synthetic fleet size.
    #[arg(long, default_value_t = 5000)]
    taxis: usize,
    /// taxi: synthetic requests.
    #[arg(long, default_value_t = 5000)]
    requests: usize,
    /// taxi: requests per batch.
    #[arg(long, default_value_t = 16)]
    batch: u32,
    /// taxi, real trips: place a trip's taxi or pick-up on the street graph only if a graph node
    /// is within this distance \[m\] of its zone's point (farther ones are dropped).
    #[arg(long, default_value_t = 1000.0, value_name = "M", value_parser = positive_metres)]
    max_snap_m: f64,
    /// stress: `synthetic`, `systole` (installed) or a directory with Task1_ECG.npy and Task1_Respiration.npy.
    #[arg(long, default_value = "synthetic")]
    recording: String,
    /// stress: synthetic alternating calm/stress blocks.
    #[arg(long, default_value_t = 4)]
    blocks: usize,
    /// stress: synthetic block length \[s\].
    #[arg(long, default_value_t = 300.0)]
    block_s: f64,
    /// stress: feature-extraction worker threads.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// stress: run one shard of one window, the window's extraction split over this many shards.
    #[arg(long, value_name = "K", requires_all = ["shard", "window"])]
    shards: Option<u32>,
    /// stress, with --shards: this shard (0 joins the window).
    #[arg(long, value_name = "S", requires = "shards")]
    shard: Option<u32>,
    /// stress, with --shards: the window (0-based).
    #[arg(long, value_name = "W", requires = "shards")]
    window: Option<u32>,
    /// stress, shard 0 of several: folder where the other shards' `part-<s>.json` appear.
    #[arg(long, value_name = "DIR", requires = "shards")]
    parts: Option<PathBuf>,
    /// stress, shard 0 of a window > 0: the state after the previous window (its --carry-out).
    #[arg(long, value_name = "F", requires = "shards")]
    carry_in: Option<PathBuf>,
    /// stress, shard 0: write the state after this window here.
    #[arg(long, value_name = "F", requires = "shards")]
    carry_out: Option<PathBuf>,
}

/// `mlsim-workload hold` (protocol: `mlsim_workloads::hold`).
#[derive(clap::Args)]
struct HoldArgs {
    /// Total resident memory to hold, in bytes (the process's own VmRSS at start is subtracted
    /// from the buffer it allocates).
    #[arg(long, value_name = "N")]
    memory_bytes: u64,
    /// Folder the driver and this process exchange files in (must exist): ready, event-K,
    /// done-K, checkpoint, state, stop.
    #[arg(long, value_name = "D")]
    dir: PathBuf,
    /// Seed of the memory contents.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Continue from D/state (the μλ restore: same --seed and --memory-bytes as the run that
    /// checkpointed).
    #[arg(long)]
    resume: bool,
}

/// `hold`: run the process, report how it ended as one JSON line on stderr.
fn hold(args: &HoldArgs) -> Result<(), Fail> {
    use mlsim_workloads::hold::{HoldConfig, HoldExit};
    // SAFETY: nothing in this process has opened a file descriptor yet (clap only parsed the
    // arguments); only inherited ones are closed, so CRIU / docker checkpoint can dump it.
    unsafe { mlsim_workloads::hold::close_inherited_fds() };
    let cfg = HoldConfig {
        memory_bytes: args.memory_bytes,
        dir: args.dir.clone(),
        seed: args.seed,
        resume: args.resume,
    };
    let (event, served) = match mlsim_workloads::hold::run(&cfg) {
        Ok(HoldExit::Stopped { served }) => ("stopped", served),
        Ok(HoldExit::Checkpointed { served }) => ("checkpoint", served),
        Err(e) => return Err(Fail(e.exit_code(), e.into())),
    };
    eprintln!("{}", serde_json::json!({"event": event, "served": served}));
    Ok(())
}

/// An error with its exit code.
struct Fail(u8, anyhow::Error);

fn input<E: Into<anyhow::Error>>(e: E) -> Fail {
    Fail(2, e.into())
}

#[derive(Serialize)]
struct Finished<'a> {
    event: &'a str,
    app: &'a str,
    items_this_run: u64,
    items_total: Option<u64>,
    wall_s: f64,
}

fn write_report(path: Option<&Path>, json: &str) -> Result<(), Fail> {
    eprintln!("{json}");
    if let Some(p) = path {
        mlsim_workloads::checkpoint::atomic::write_atomic(p, format!("{json}\n").as_bytes())
            .map_err(input)?;
    }
    Ok(())
}

fn drive<W>(
    mut w: W,
    args: &RunArgs,
    request: CheckpointRequest,
    started: Instant,
    keep: fn(&W::Output) -> bool,
) -> Result<(), Fail>
where
    W: Resumable,
    W::Output: Serialize,
{
    if let Some(p) = &args.resume {
        let state = load_state::<W>(p)
            .map_err(|e| Fail(2, anyhow::Error::new(e).context("cannot resume")))?;
        w.restore(state).map_err(|e| {
            Fail(
                2,
                anyhow::Error::new(e).context(format!("cannot resume from {}", p.display())),
            )
        })?;
    }
    let state_out = args
        .state_out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.ckpt", W::APP)));
    let mut sink: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .with_context(|| format!("cannot create {}", p.display()))
                .map_err(input)?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let runner = Runner::new(request, &state_out).checkpoint_after_items(args.checkpoint_at_item);
    let outcome = runner.run(&mut w, |o| {
        if !keep(&o) {
            return Ok(());
        }
        serde_json::to_writer(&mut sink, &o).map_err(std::io::Error::other)?;
        sink.write_all(b"\n")
    });
    sink.flush().map_err(|e| Fail(2, e.into()))?;
    drop(sink);
    match outcome {
        Ok(RunOutcome::Finished { items }) => {
            let f = Finished {
                event: "finished",
                app: W::APP,
                items_this_run: items,
                items_total: w.items_done(),
                wall_s: started.elapsed().as_secs_f64(),
            };
            write_report(
                args.report.as_deref(),
                &serde_json::to_string(&f).map_err(input)?,
            )
        }
        Ok(RunOutcome::Checkpointed(rep)) => {
            let mut v = serde_json::to_value(&rep).map_err(input)?;
            v["event"] = "checkpoint".into();
            v["wall_s"] = started.elapsed().as_secs_f64().into();
            write_report(args.report.as_deref(), &v.to_string())
        }
        Err(RunError::Workload(e)) => {
            Err(Fail(1, anyhow::Error::new(e).context("workload failed")))
        }
        Err(e) => Err(Fail(2, anyhow::Error::new(e))),
    }
}

/// `--max-snap-m`: a distance above 0 \[m\].
fn positive_metres(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(m) if m > 0.0 && m.is_finite() => Ok(m),
        _ => Err(format!(
            "{s} is not a distance above 0 in metres (e.g. 1000)"
        )),
    }
}

fn run(args: &RunArgs, started: Instant) -> Result<(), Fail> {
    let request = CheckpointRequest::new();
    request
        .register_signal()
        .context("cannot install the SIGUSR1 handler")
        .map_err(input)?;
    if let Some(s) = args.checkpoint_after {
        let d = Duration::try_from_secs_f64(s).map_err(|_| {
            Fail(
                2,
                anyhow::anyhow!("--checkpoint-after {s}: not a non-negative number of seconds"),
            )
        })?;
        // Counted from process start, like the paper's timeout tracker.
        request.arm_after(d.saturating_sub(started.elapsed()));
    }
    match args.app {
        App::Taxi => {
            let opts = TaxiOptions {
                graph: args.graph.clone(),
                trips: args.trips.clone(),
                zones: args.zones.clone(),
                taxis: args.taxis,
                requests: args.requests,
                max_snap_m: args.max_snap_m,
                items: args.items.map(|n| n as usize),
                seed: args.seed,
                config: mlsim_workloads::taxi::TaxiConfig {
                    batch_size: args.batch,
                    ..Default::default()
                },
                ..TaxiOptions::default()
            };
            let w = opts
                .build()
                .context("cannot build the ride-hailing input")
                .map_err(input)?;
            drive(w, args, request, started, |_| true)
        }
        App::Stress => {
            let opts = StressOptions {
                recording: args.recording.clone(),
                blocks: args.blocks,
                block_s: args.block_s,
                items: args.items.map(|n| n.min(u64::from(u32::MAX)) as u32),
                seed: args.seed,
                config: mlsim_workloads::stress::StressConfig {
                    workers: args.workers,
                },
                ..StressOptions::default()
            };
            let w = opts
                .build()
                .context("cannot build the stress input")
                .map_err(input)?;
            match args.shards {
                None => drive(w, args, request, started, |_| true),
                Some(shards) => {
                    let w = shard_workload(w, args, shards)?;
                    drive(w, args, request, started, |o| {
                        !matches!(o, ShardOutput::Progress)
                    })
                }
            }
        }
    }
}

/// One shard of one window of `w` (`--shards`).
fn shard_workload(
    w: mlsim_workloads::stress::StressWorkload,
    args: &RunArgs,
    shards: u32,
) -> Result<ShardWorkload, Fail> {
    let id = ShardId {
        window: args.window.unwrap_or(0),
        shard: args.shard.unwrap_or(0),
        shards,
    };
    let carry_in = match &args.carry_in {
        Some(p) => Some(
            load_state::<mlsim_workloads::stress::StressWorkload>(p)
                .map_err(|e| Fail(2, anyhow::Error::new(e).context("cannot read --carry-in")))?,
        ),
        None => None,
    };
    let files = ShardFiles {
        parts: args.parts.clone(),
        carry_in,
        carry_out: args.carry_out.clone(),
    };
    ShardWorkload::new(w, id, files)
        .context("cannot run the shard")
        .map_err(input)
}

fn bench_one(name: &str, quick: bool) -> Result<(), Fail> {
    let dir = std::env::temp_dir();
    let t = Instant::now();
    let cps = if quick { 5 } else { 50 };
    let result = match name {
        "taxi" | "taxi-tlc" => {
            let opts = if name == "taxi" {
                TaxiOptions::default()
            } else {
                TaxiOptions {
                    trips: "tlc".into(),
                    ..TaxiOptions::default()
                }
            };
            let w = opts.build().map_err(input)?;
            let source = format!("{}; {}", w.input().source, w.input().graph.source);
            let items = if quick { 300 } else { 2000 };
            mlsim_workloads::bench::bench(w, &source, t.elapsed().as_secs_f64(), items, cps, &dir)
        }
        "stress" | "stress-systole" => {
            let opts = if name == "stress" {
                StressOptions::default()
            } else {
                StressOptions {
                    recording: "systole".into(),
                    ..StressOptions::default()
                }
            };
            let w = opts.build().map_err(input)?;
            let source = w.input().source.clone();
            let items = if quick {
                8
            } else {
                u64::from(w.input().windows())
            };
            mlsim_workloads::bench::bench(w, &source, t.elapsed().as_secs_f64(), items, cps, &dir)
        }
        other => return Err(Fail(2, anyhow::anyhow!("unknown benchmark {other}"))),
    }
    .map_err(|e| Fail(1, anyhow::anyhow!("{e}")))?;
    println!("{}", serde_json::to_string(&result).map_err(input)?);
    Ok(())
}

fn bench_all(quick: bool, json: Option<&Path>) -> Result<(), Fail> {
    let exe = std::env::current_exe().map_err(input)?;
    let mut names = vec!["taxi", "stress"];
    let have = |rel: &str| mlsim_workloads::data::require(rel).is_ok();
    if have(mlsim_workloads::apps::TLC_SAMPLE) && have(mlsim_workloads::apps::TAXI_ZONES) {
        names.push("taxi-tlc");
    } else {
        eprintln!(
            "note: TLC sample or taxi zones not installed, skipping taxi-tlc (run scripts/setup-workloads.sh)"
        );
    }
    if have(mlsim_workloads::apps::SYSTOLE_DIR) {
        names.push("stress-systole");
    } else {
        eprintln!(
            "note: systole recordings not installed, skipping stress-systole (run scripts/setup-workloads.sh)"
        );
    }
    let mut all = Vec::new();
    println!(
        "{:<15} {:>7} {:>10} {:>10} {:>10} {:>9} {:>9} {:>10} {:>10} {:>9}",
        "workload",
        "items",
        "setup s",
        "item ms",
        "item p95",
        "RSS MiB",
        "HWM MiB",
        "state KB",
        "state max",
        "ckpt ms"
    );
    for name in names {
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("bench-one").arg(name);
        if quick {
            cmd.arg("--quick");
        }
        let out = cmd.output().map_err(input)?;
        if !out.status.success() {
            return Err(Fail(
                1,
                anyhow::anyhow!(
                    "benchmark {name} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
            ));
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(input)?;
        let g = |p: &str| {
            v.pointer(p)
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(f64::NAN)
        };
        println!(
            "{:<15} {:>7} {:>10.2} {:>10.3} {:>10.3} {:>9.1} {:>9.1} {:>10.1} {:>10.1} {:>9.3}",
            name,
            g("/items"),
            g("/setup_s"),
            g("/item_ms/mean"),
            g("/item_ms/p95"),
            g("/rss_kib") / 1024.0,
            g("/hwm_kib") / 1024.0,
            g("/state_bytes/mean") / 1000.0,
            g("/state_bytes/max") / 1000.0,
            g("/checkpoint_ms/mean"),
        );
        all.push(v);
    }
    println!(
        "paper (μλ): checkpoint < 10 ms; state < 128 KB (face, stress), < 281 KB (ride hailing)"
    );
    if let Some(p) = json {
        let text = serde_json::to_string_pretty(&all).map_err(input)?;
        std::fs::write(p, text).map_err(input)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let started = Instant::now();
    let cli = Cli::parse();
    let r = match &cli.cmd {
        Cmd::Run(args) => run(args, started),
        Cmd::Bench { quick, json } => bench_all(*quick, json.as_deref()),
        Cmd::BenchOne { name, quick } => bench_one(name, *quick),
        Cmd::Hold(args) => hold(args),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(code, e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(code)
        }
    }
}
