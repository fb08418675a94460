//! `mlsim compare`: the simulator against reality.
//!
//! - `mlsim compare SIM_DIR EMU_DIR [--out DIR]`: two result folders of one spec, one by
//!   `mlsim run` (mode sim) and one by `mlsim emu run` (mode emu). Per grid point, the
//!   simulator's signed and absolute % error against the emulation for the mean execution time
//!   and the mean network bytes per request (definitions in [`grid`]); the summary (median and
//!   max |error| per metric, points where a side failed). Prints the table and writes
//!   `compare.csv`, `compare-summary.csv` and `compare.svg`/`.png` (simulator over emulation,
//!   log-log, y = x ± 5 %) to DIR [default: results/compare-<experiment name>].
//! - `mlsim compare --checkpoints SIM_DIR REAL [--out DIR]`: Figs. 4 and 5 with simulated and
//!   real checkpoints side by side and the paper's bounds (see [`checkpoints`]):
//!   `fig4-compare.*`, `fig5-compare.*`, `checkpoints-compare.csv` [default DIR:
//!   results/compare-checkpoints].
//!
//! Exit 0 when the comparison was made, whatever the errors; 2 on bad input.

mod checkpoints;
mod folder;
mod grid;

use crate::output::{csv_rows, write_atomic};
use anyhow::{Context, Result};
use clap::Args;
use mlsim_core::record::Mode;
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
    let sim = folder::Folder::read(sim_dir, Mode::Sim, "SIM_DIR")?;
    let emu = folder::Folder::read(emu_dir, Mode::Emu, "EMU_DIR")?;
    folder::check_same_spec(&sim, &emu)?;
    let cmp = grid::compare(&sim, &emu);
    let summary = grid::summarize(&cmp);
    let name = sim.experiment().unwrap_or("experiment").to_string();
    let out = out.unwrap_or_else(|| PathBuf::from("results").join(format!("compare-{name}")));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let rows: Vec<grid::PointRow> = cmp.iter().map(grid::PointCmp::row).collect();
    write_atomic(&out.join("compare.csv"), &csv_rows(&rows)?)?;
    write_atomic(&out.join("compare-summary.csv"), &csv_rows_any(&summary)?)?;
    println!(
        "{} (simulator, model {}) vs {} (emulation), experiment \"{name}\"\n\
         error = 100 · (sim − emu) / emu; exec = mean exec_time_s, bytes = mean requests.csv \
         bytes (all protocol messages of a request)",
        sim_dir.display(),
        sim.model(),
        emu_dir.display()
    );
    print!("{}", grid::table(&cmp));
    print!("{}", grid::summary_text(&summary));
    let points: Vec<mlsim_plots::SimEmuPoint> = cmp
        .iter()
        .filter(|c| c.status() == "ok")
        .map(|c| mlsim_plots::SimEmuPoint {
            app: c.key.app.clone(),
            method: c.key.method.clone(),
            sim_exec_s: c.sim.exec_mean_s,
            emu_exec_s: c.emu.exec_mean_s,
            sim_bytes: c.sim.bytes_mean,
            emu_bytes: c.emu.bytes_mean,
        })
        .collect();
    let mut written = vec![out.join("compare.csv"), out.join("compare-summary.csv")];
    match mlsim_plots::sim_emu_scatter_svg(&points) {
        Ok(svg) => written.extend(write_figure(&out, mlsim_plots::COMPARE_FIGURE, &svg)?),
        Err(mlsim_plots::PlotError::NoData { reason, .. }) => {
            eprintln!("no figure: {reason}")
        }
        Err(e) => return Err(e.into()),
    }
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_checkpoints(sim_dir: &Path, real: &Path, out: Option<PathBuf>) -> Result<ExitCode> {
    let mut records = checkpoints::read_sim(sim_dir)?;
    let measured = checkpoints::read_real(real)?;
    if measured.is_empty() {
        anyhow::bail!("REAL {}: no checkpoints", real.display());
    }
    records.extend(measured);
    let out = out.unwrap_or_else(|| PathBuf::from("results/compare-checkpoints"));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let rows = checkpoints::rows(&records);
    write_atomic(&out.join("checkpoints-compare.csv"), &csv_rows_any(&rows)?)?;
    println!(
        "{} (simulator) vs {} (real); paper: Rahman et al., Sec. IV-C",
        sim_dir.display(),
        real.display()
    );
    print!("{}", checkpoints::table(&rows));
    let mut written = vec![out.join("checkpoints-compare.csv")];
    let fig4 = mlsim_plots::checkpoint_time_compare_svg(&records)?;
    written.extend(write_figure(&out, "fig4-compare", &fig4)?);
    let fig5 = mlsim_plots::checkpoint_size_compare_svg(&records)?;
    written.extend(write_figure(&out, "fig5-compare", &fig5)?);
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `<out>/<name>.svg` and its PNG atomically; returns both paths.
fn write_figure(out: &Path, name: &'static str, svg: &str) -> Result<Vec<PathBuf>> {
    let png = mlsim_plots::svg_to_png(svg, name)?;
    let (s, p) = (
        out.join(format!("{name}.svg")),
        out.join(format!("{name}.png")),
    );
    write_atomic(&s, svg.as_bytes())?;
    write_atomic(&p, &png)?;
    Ok(vec![s, p])
}

/// CSV of rows with a header line (there is always at least one row here).
fn csv_rows_any<T: serde::Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}
