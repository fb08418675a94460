//! Figures from a result folder to files: read, render, write atomically.

use std::path::{Path, PathBuf};

use mlsim_core::record::RunRecord;

use crate::input::{
    read_bbus, read_checkpoints, read_events, read_functions, read_memory, read_requests,
    read_runs, read_serverless_summary, stream_requests,
};
use crate::{
    Figure, FigureSize, PlotError, bars, boxplot, cdf, linechart, raster, serverless_cold,
    serverless_tradeoff, suspend_cost, suspend_fit, suspend_wake,
};

/// The SVG of `fig` drawn from the CSVs it needs in `results_dir` (see [`Figure::inputs`]),
/// for the screen.
pub fn svg_from_dir(fig: Figure, results_dir: &Path) -> Result<String, PlotError> {
    svg_from_dir_at(fig, results_dir, FigureSize::Screen)
}

/// [`svg_from_dir`] for print size `size` (see [`FigureSize`]): laid out for it, its printed
/// size in points on the SVG's root.
pub fn svg_from_dir_at(
    fig: Figure,
    results_dir: &Path,
    size: FigureSize,
) -> Result<String, PlotError> {
    crate::size::with_size(size, || {
        draw_svg(fig, results_dir).map(crate::size::physical)
    })
}

fn draw_svg(fig: Figure, results_dir: &Path) -> Result<String, PlotError> {
    let path = results_dir.join(fig.input());
    let name = fig.name();
    match fig {
        Figure::Fig4 => boxplot::checkpoint_time_svg(&read_checkpoints(&path, name)?),
        Figure::Fig5 => boxplot::checkpoint_size_svg(&read_checkpoints(&path, name)?),
        Figure::Fig6 => linechart::execution_time_svg(
            &read_requests(&path, name)?,
            &replications(results_dir, name)?,
        ),
        Figure::Fig7 => linechart::network_load_svg(
            &read_requests(&path, name)?,
            &replications(results_dir, name)?,
        ),
        // Requests streamed: a study of millions of them is drawn without holding them.
        Figure::Cdf => {
            let runs = read_runs(&results_dir.join("runs.csv"), name)?;
            let mut requests = stream_requests(&path, name)?;
            let svg = cdf::completion_cdf_svg(&runs, &mut requests);
            requests.finish()?;
            svg
        }
        Figure::Policies => {
            let runs = read_runs(&results_dir.join("runs.csv"), name)?;
            let bbus = read_bbus(&results_dir.join("bbus.csv"), name)?;
            let mut requests = stream_requests(&path, name)?;
            let svg = bars::policy_metrics_svg(&runs, &mut requests, &bbus);
            requests.finish()?;
            svg
        }
        // The main CSV first, so a folder of another study is told that one is missing.
        Figure::SuspendFit => {
            let memory = read_memory(&path, name)?;
            let events = read_events(&results_dir.join("events.csv"), name)?;
            let runs = read_runs(&results_dir.join("runs.csv"), name)?;
            suspend_fit::suspend_fit_svg(&runs, &memory, &events)
        }
        Figure::SuspendWake => {
            let events = read_events(&path, name)?;
            let memory = read_memory(&results_dir.join("memory.csv"), name)?;
            let runs = read_runs(&results_dir.join("runs.csv"), name)?;
            suspend_wake::suspend_wake_svg(&runs, &memory, &events)
        }
        Figure::SuspendCost => {
            let memory = read_memory(&path, name)?;
            let functions = read_functions(&results_dir.join("functions.csv"), name)?;
            let runs = read_runs(&results_dir.join("runs.csv"), name)?;
            suspend_cost::suspend_cost_svg(&runs, &memory, &functions)
        }
        Figure::ServerlessTradeoff => {
            serverless_tradeoff::serverless_tradeoff_svg(&read_serverless_summary(&path, name)?)
        }
        Figure::ServerlessCold => {
            serverless_cold::serverless_cold_svg(&read_serverless_summary(&path, name)?)
        }
    }
}

/// `runs.csv`, which maps runs to replications for the confidence bars of Figs. 6 and 7; empty
/// when the folder has none (then each run counts as a replication of its own).
fn replications(results_dir: &Path, name: &'static str) -> Result<Vec<RunRecord>, PlotError> {
    let runs = results_dir.join("runs.csv");
    if runs.is_file() {
        read_runs(&runs, name)
    } else {
        Ok(Vec::new())
    }
}

/// Reads the CSVs `fig` needs from `results_dir` and writes `<results_dir>/<name>.svg` and
/// `<name>.png`; returns the paths written.
///
/// Both images are rendered before either is written, and each is written to a temporary file
/// in `results_dir` then renamed, so a figure is never left half-written.
pub fn draw(fig: Figure, results_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let svg = svg_from_dir(fig, results_dir)?;
    let png = raster::svg_to_png(&svg, fig.name())?;
    let svg_path = results_dir.join(format!("{}.svg", fig.name()));
    let png_path = results_dir.join(format!("{}.png", fig.name()));
    write_atomic(&svg_path, svg.as_bytes())?;
    write_atomic(&png_path, &png)?;
    Ok(vec![svg_path, png_path])
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    let err = |source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    };
    let file_name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy());
    let tmp = path.with_file_name(format!(".{file_name}.tmp{}", std::process::id()));
    if let Err(e) = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}
