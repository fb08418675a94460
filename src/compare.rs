//! `mlsim compare`: the simulator against reality.
//!
//! - `mlsim compare SIM_DIR EMU_DIR [--out DIR]`: two result folders of one spec, one by
//!   `mlsim run` (mode sim) and one by `mlsim emu run` (mode emu). Per grid point, the
//!   simulator's signed and absolute % error against the emulation for the mean execution time
//!   and the mean network bytes per request, and for evictions, missed checkpoints and lost work
//!   per request and C-RAN's wait per run (with whether their 95 % intervals overlap;
//!   definitions in [`grid`]); the summary (median and
//!   max |error| per metric, points where a side failed). Prints the table and writes
//!   `compare.csv`, `compare-summary.csv` and `compare.svg`/`.png` (simulator over emulation,
//!   log-log, y = x ± 5 %) to DIR [default: results/compare-<experiment name>].
//!   For a suspend study (seed 000) the comparison is per point and metric instead (wake
//!   latency, suspend and wake times, bytes, memory; see [`suspend`]):
//!   `compare-suspend.csv` and `compare-suspend-summary.csv`.
//! - `mlsim compare --checkpoints SIM_DIR REAL [--out DIR]`: Figs. 4 and 5 with simulated and
//!   real checkpoints side by side and the paper's bounds (see [`checkpoints`]):
//!   `fig4-compare.*`, `fig5-compare.*`, `checkpoints-compare.csv` [default DIR:
//!   results/compare-checkpoints].
//!
//! The comparison itself is [`mlsim_experiment::compare`]; this is its command line.
//!
//! Exit 0 when the comparison was made, whatever the errors; 2 on bad input.

use anyhow::Result;
use clap::Args;
use mlsim_experiment::compare::{
    CheckpointComparison, GridComparison, ServerlessComparison, SuspendComparison, checkpoints,
    grid, is_serverless, is_suspend, suspend,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `mlsim compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// Result folder of the simulator (`mlsim run SPEC`).
    pub sim_dir: PathBuf,
    /// Result folder of the emulation (`mlsim emu run SPEC`, same spec); with --checkpoints,
    /// the real checkpoints: the samples CSV of `mlsim emu checkpoints` / `mlsim calibrate`, or
    /// a folder holding checkpoints.csv.
    pub other: PathBuf,
    /// Compare checkpoint times and sizes (Figs. 4 and 5) instead of a grid.
    #[arg(long)]
    pub checkpoints: bool,
    /// Output folder [default: results/compare-<experiment> or results/compare-checkpoints].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `mlsim compare`.
pub fn run(a: CompareArgs) -> Result<ExitCode> {
    if a.checkpoints {
        run_checkpoints(&a.sim_dir, &a.other, a.out)
    } else {
        run_grid(&a.sim_dir, &a.other, a.out)
    }
}

fn run_grid(sim_dir: &Path, emu_dir: &Path, out: Option<PathBuf>) -> Result<ExitCode> {
    if is_suspend(sim_dir) {
        return run_suspend(sim_dir, emu_dir, out);
    }
    if is_serverless(sim_dir) {
        return run_serverless(sim_dir, emu_dir, out);
    }
    let c = GridComparison::read(sim_dir, emu_dir)?;
    let name = c.name().to_string();
    let out = out.unwrap_or_else(|| PathBuf::from("results").join(format!("compare-{name}")));
    let w = c.write(&out)?;
    println!(
        "{} (simulator, model {}) vs {} (emulation), experiment \"{name}\"\n\
         error = 100 · (sim − emu) / emu; exec = mean exec_time_s, bytes = mean requests.csv \
         bytes (all protocol messages of a request)",
        sim_dir.display(),
        c.sim.model(),
        emu_dir.display()
    );
    if !c.speeds.is_empty() {
        println!(
            "the specs differ in BBU speeds only: {}; the simulator modelled BBUs of other \
             speeds than the emulation's spec (e.g. at the speed of the emulation's host, which \
             `mlsim emu run` prints)",
            c.speeds.join(", ")
        );
    }
    match mlsim_emu::host::HostRecord::read(&emu_dir.join("emu")) {
        Ok(Some(h)) => println!("{}", host_line(&h, c.speeds.is_empty())),
        Ok(None) => {}
        Err(e) => eprintln!("warning: the emulation's host speed is unreadable: {e}"),
    }
    print!("{}", grid::table(&c.points));
    print!("{}", grid::summary_text(&c.summary));
    if let Some(reason) = &w.no_figure {
        eprintln!("no figure: {reason}");
    }
    for p in &w.files {
        eprintln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// What the emulation's `emu/host.json` says of its host, and, when the simulator ran the
/// emulation's spec as it is (`same_speeds`) on a host measurably off the reference core, how to
/// simulate the host instead.
fn host_line(h: &mlsim_emu::host::HostRecord, same_speeds: bool) -> String {
    let mut line = match h.source.as_str() {
        "measured" => format!(
            "the emulation's host ran at {:.3} of the model's reference core (measured by `mlsim emu run`: taxi's {} items, {:.3} s of CPU against the model's {:.3} s)",
            h.host_speed,
            h.probe_items,
            h.host_speed.recip() * h.model_s,
            h.model_s
        ),
        "given" => format!(
            "the emulation was told its host runs at {} of the model's reference core (--host-speed)",
            h.host_speed
        ),
        _ => "the emulation's host speed was not measured (no taxi in the spec)".to_string(),
    };
    if !h.resumed.is_empty() {
        let r: Vec<String> = h.resumed.iter().map(|x| format!("{x:.3}")).collect();
        line.push_str(&format!(
            " (resumed later at {}: the runs of those sessions ran on that host)",
            r.join(", ")
        ));
    }
    if same_speeds && h.source == "measured" && (h.host_speed - 1.0).abs() > 0.05 {
        line.push_str(&format!(
            "; its times are about {:.2}× the reference core's: to compare with the host itself, simulate the spec with `mlsim run SPEC --speed-scale {:.3}` (README, Comparing simulation and emulation)",
            h.host_speed.recip(),
            h.host_speed
        ));
    }
    line
}

fn run_serverless(sim_dir: &Path, emu_dir: &Path, out: Option<PathBuf>) -> Result<ExitCode> {
    let c = ServerlessComparison::read(sim_dir, emu_dir)?;
    let out = out_dir(&c.sim, out);
    let w = c.write(&out)?;
    per_metric(
        (sim_dir, emu_dir),
        &c.sim,
        ("serverless study", "The serverless study"),
        (&c.rows, &c.summary),
        &w.files,
    );
    Ok(ExitCode::SUCCESS)
}

fn run_suspend(sim_dir: &Path, emu_dir: &Path, out: Option<PathBuf>) -> Result<ExitCode> {
    let c = SuspendComparison::read(sim_dir, emu_dir)?;
    let out = out_dir(&c.sim, out);
    let w = c.write(&out)?;
    per_metric(
        (sim_dir, emu_dir),
        &c.sim,
        ("suspend study", "Emulating the suspend study"),
        (&c.rows, &c.summary),
        &w.files,
    );
    Ok(ExitCode::SUCCESS)
}

/// `--out`, else `results/compare-<experiment>`.
fn out_dir(sim: &mlsim_experiment::compare::folder::Folder, out: Option<PathBuf>) -> PathBuf {
    let name = sim.experiment().unwrap_or("experiment");
    out.unwrap_or_else(|| PathBuf::from("results").join(format!("compare-{name}")))
}

/// Prints a per-metric comparison (a study's `(what, README section)`): the heading, the
/// table, the summary lines, the files written.
fn per_metric(
    (sim_dir, emu_dir): (&Path, &Path),
    sim: &mlsim_experiment::compare::folder::Folder,
    (what, section): (&str, &str),
    (rows, summary): (&[suspend::MetricRow], &[suspend::MetricSummary]),
    files: &[PathBuf],
) {
    println!(
        "{} (simulator, model {}) vs {} (emulation), {what} \"{}\"\n\
         error = 100 · (sim − emu) / emu; definitions: README, \"{section}\"",
        sim_dir.display(),
        sim.model(),
        emu_dir.display(),
        sim.experiment().unwrap_or("experiment")
    );
    print!("{}", suspend::table(rows));
    print!("{}", suspend::summary_text(summary));
    for p in files {
        eprintln!("wrote {}", p.display());
    }
}

fn run_checkpoints(sim_dir: &Path, real: &Path, out: Option<PathBuf>) -> Result<ExitCode> {
    let c = CheckpointComparison::read(sim_dir, real)?;
    let out = out.unwrap_or_else(|| PathBuf::from("results/compare-checkpoints"));
    let w = c.write(&out)?;
    println!(
        "{} (simulator) vs {} (real); paper: Rahman et al., Sec. IV-C",
        sim_dir.display(),
        real.display()
    );
    print!("{}", checkpoints::table(&c.rows));
    for p in &w.files {
        eprintln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::host_line;
    use mlsim_emu::host::HostRecord;

    #[test]
    fn the_host_line_says_the_speed_and_how_to_simulate_the_host() {
        // Measured at 0.58: the probe's median CPU time is 0.251 / 0.58 = 0.433 s; the spec was
        // simulated as it is, so the line says how to simulate the host (speeds × 0.580).
        let mut h = HostRecord {
            host_speed: 0.58,
            source: "measured".into(),
            cpu_s: vec![0.43, 0.433, 0.44],
            model_s: 0.251,
            probe_items: 1000,
            resumed: Vec::new(),
        };
        let l = host_line(&h, true);
        assert!(
            l.contains("ran at 0.580") && l.contains("0.433 s of CPU"),
            "{l}"
        );
        assert!(
            l.contains("--speed-scale 0.580") && l.contains("1.72×"),
            "{l}"
        );
        h.resumed = vec![0.675];
        assert!(host_line(&h, true).contains("resumed later at 0.675"));
        // Already simulated at other speeds: no advice.
        assert!(!host_line(&h, false).contains("--speed-scale"));
        // Within 5 % of the reference: no advice either.
        h.host_speed = 0.97;
        assert!(!host_line(&h, true).contains("--speed-scale"));
        h.source = "given".into();
        assert!(host_line(&h, true).contains("--host-speed"));
    }
}
