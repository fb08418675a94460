//! The simulator against reality, from result folders only.
//!
//! - [`GridComparison`]: two result folders of one spec, one by the simulator (mode sim) and
//!   one by the emulation (mode emu). Per grid point, the simulator's signed and absolute %
//!   error against the emulation for the mean execution time and the mean network bytes per
//!   request (definitions in [`grid`]); the summary (median and max |error| per metric, points
//!   where a side failed); `compare.csv`, `compare-summary.csv` and `compare.svg`/`.png`
//!   (simulator over emulation, log-log, y = x ± 5 %).
//! - [`CheckpointComparison`]: Figs. 4 and 5 with simulated and real checkpoints side by side
//!   and the paper's bounds (see [`checkpoints`]): `fig4-compare.*`, `fig5-compare.*`,
//!   `checkpoints-compare.csv`.
//! - [`SuspendComparison`]: two folders of one suspend study (seed 000): per point and metric
//!   (wake latency, suspend and wake times, bytes, memory; see [`suspend`]),
//!   `compare-suspend.csv` and `compare-suspend-summary.csv`.

pub mod checkpoints;
pub mod folder;
pub mod grid;
pub mod serverless;
pub mod suspend;

use crate::error::{Result, csv_err, io};
use crate::folder::{csv_rows, into_bytes, write_atomic};
use mlsim_core::record::{CheckpointRecord, Mode};
use std::path::{Path, PathBuf};

/// `return Err(Error::Compare(format!(...)))`.
macro_rules! bail {
    ($($t:tt)*) => {
        return Err($crate::error::Error::Compare(format!($($t)*)))
    };
}
pub(crate) use bail;

/// Over the points' signed errors [%] `(point, error)`: how many, the median and the max of
/// |error|, and the point of the max (the first, on ties).
pub(crate) fn abs_summary(
    errs: impl Iterator<Item = (u32, f64)>,
) -> (u32, Option<f64>, Option<f64>, Option<u32>) {
    let abs: Vec<(u32, f64)> = errs.map(|(p, e)| (p, e.abs())).collect();
    let max = abs
        .iter()
        .copied()
        .reduce(|a, b| if b.1 > a.1 { b } else { a });
    (
        abs.len() as u32,
        mlsim_core::stats::median(abs.iter().map(|a| a.1).collect()),
        max.map(|m| m.1),
        max.map(|m| m.0),
    )
}

/// A simulator and an emulation result folder of one spec, compared point by point.
pub struct GridComparison {
    /// The simulator's folder.
    pub sim: folder::Folder,
    /// The emulation's folder.
    pub emu: folder::Folder,
    /// Per point.
    pub points: Vec<grid::PointCmp>,
    /// Median and max |error| of each metric (execution time, bytes, [`grid::EXTRA`]).
    pub summary: [grid::MetricSummary; 6],
    /// Where the two specs' BBU speeds differ (`bbu.speed (0.58 vs 1.0)`), if they do: the
    /// simulator modelled BBUs of other speeds, e.g. the emulation host's (README, Emulation).
    pub speeds: Vec<String>,
}

/// What a comparison wrote.
#[derive(Debug, Default)]
pub struct Written {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Why no figure was drawn, if none was.
    pub no_figure: Option<String>,
}

impl GridComparison {
    /// Reads both folders (`sim_dir` of mode sim, `emu_dir` of mode emu), checks that they
    /// come from the same spec and compares them.
    pub fn read(sim_dir: &Path, emu_dir: &Path) -> Result<Self> {
        let sim = folder::Folder::read(sim_dir, Mode::Sim, "SIM_DIR")?;
        let emu = folder::Folder::read(emu_dir, Mode::Emu, "EMU_DIR")?;
        let speeds = folder::check_same_spec(&sim, &emu, folder::Speeds::Differ)?;
        let points = grid::compare(&sim, &emu);
        let summary = grid::summarize(&points);
        Ok(GridComparison {
            sim,
            emu,
            points,
            summary,
            speeds,
        })
    }

    /// The experiment's name (`[experiment] name` of the simulator's spec).
    pub fn name(&self) -> &str {
        self.sim.experiment().unwrap_or("experiment")
    }

    /// Writes `compare.csv`, `compare-summary.csv` and the scatter figure into `out`.
    pub fn write(&self, out: &Path) -> Result<Written> {
        std::fs::create_dir_all(out).map_err(io("create", out))?;
        let rows: Vec<grid::PointRow> = self.points.iter().map(grid::PointCmp::row).collect();
        let path = out.join("compare.csv");
        write_atomic(&path, &csv_rows(&rows).map_err(csv_err(&path))?)?;
        let path = out.join("compare-summary.csv");
        write_atomic(&path, &csv_rows_any(&self.summary).map_err(csv_err(&path))?)?;
        let points: Vec<mlsim_plots::SimEmuPoint> = self
            .points
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
        let mut w = Written {
            files: vec![out.join("compare.csv"), out.join("compare-summary.csv")],
            no_figure: None,
        };
        match mlsim_plots::sim_emu_scatter_svg(&points) {
            Ok(svg) => w
                .files
                .extend(write_figure(out, mlsim_plots::COMPARE_FIGURE, &svg)?),
            Err(mlsim_plots::PlotError::NoData { reason, .. }) => w.no_figure = Some(reason),
            Err(e) => return Err(e.into()),
        }
        Ok(w)
    }
}

/// Two result folders of one suspend study, compared metric by metric.
pub struct SuspendComparison {
    /// The simulator's folder (for its spec and model).
    pub sim: folder::Folder,
    /// Per point and metric.
    pub rows: Vec<suspend::MetricRow>,
    /// Per metric.
    pub summary: Vec<suspend::MetricSummary>,
}

impl SuspendComparison {
    /// Reads both folders (`sim_dir` of mode sim, `emu_dir` of mode emu), checks that they
    /// come from the same spec and compares them.
    pub fn read(sim_dir: &Path, emu_dir: &Path) -> Result<Self> {
        let sim = folder::Folder::read(sim_dir, Mode::Sim, "SIM_DIR")?;
        let emu = folder::Folder::read(emu_dir, Mode::Emu, "EMU_DIR")?;
        folder::check_same_spec(&sim, &emu, folder::Speeds::Same)?;
        let s = suspend::SuspendRecords::read(sim_dir, Mode::Sim, "SIM_DIR")?;
        let e = suspend::SuspendRecords::read(emu_dir, Mode::Emu, "EMU_DIR")?;
        let rows = suspend::compare(&s, &e);
        let summary = suspend::summarize(&rows);
        Ok(SuspendComparison { sim, rows, summary })
    }

    /// Writes `compare-suspend.csv` and `compare-suspend-summary.csv` into `out`.
    pub fn write(&self, out: &Path) -> Result<Written> {
        Ok(Written {
            files: suspend::write(&self.rows, &self.summary, out)?,
            no_figure: None,
        })
    }
}

/// Whether the result folder `dir` holds a suspend study (its `spec.toml` says
/// `experiment.kind = "suspend"`).
pub fn is_suspend(dir: &Path) -> bool {
    kind_of(dir).as_deref() == Some("suspend")
}

/// Whether the result folder `dir` holds a serverless study.
pub fn is_serverless(dir: &Path) -> bool {
    kind_of(dir).as_deref() == Some("serverless")
}

/// `experiment.kind` of the folder's `spec.toml`, if it says.
fn kind_of(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join("spec.toml"))
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .and_then(|t| Some(t.get("experiment")?.get("kind")?.as_str()?.to_string()))
}

/// Two result folders of one serverless study, compared metric by metric.
pub struct ServerlessComparison {
    /// The simulator's folder (for its spec and model).
    pub sim: folder::Folder,
    /// Per point and metric.
    pub rows: Vec<suspend::MetricRow>,
    /// Per metric.
    pub summary: Vec<suspend::MetricSummary>,
}

impl ServerlessComparison {
    /// Reads both folders (`sim_dir` of mode sim, `emu_dir` of mode emu), checks that they
    /// come from the same spec and compares them.
    pub fn read(sim_dir: &Path, emu_dir: &Path) -> Result<Self> {
        let sim = folder::Folder::read(sim_dir, Mode::Sim, "SIM_DIR")?;
        let emu = folder::Folder::read(emu_dir, Mode::Emu, "EMU_DIR")?;
        folder::check_same_spec(&sim, &emu, folder::Speeds::Same)?;
        let s = serverless::ServerlessRecords::read(sim_dir, Mode::Sim, "SIM_DIR")?;
        let e = serverless::ServerlessRecords::read(emu_dir, Mode::Emu, "EMU_DIR")?;
        let rows = serverless::compare(&s, &e);
        let summary = suspend::summarize_with(&rows, &serverless::METRICS);
        Ok(ServerlessComparison { sim, rows, summary })
    }

    /// Writes `compare-serverless.csv` and `compare-serverless-summary.csv` into `out`.
    pub fn write(&self, out: &Path) -> Result<Written> {
        Ok(Written {
            files: suspend::write_named(&self.rows, &self.summary, out, "compare-serverless")?,
            no_figure: None,
        })
    }
}

/// The simulator's checkpoints of a probe folder next to measured ones.
pub struct CheckpointComparison {
    /// Both sides' records (mode sim, then mode emu).
    pub records: Vec<CheckpointRecord>,
    /// The table per app × method × side.
    pub rows: Vec<checkpoints::CkptRow>,
}

impl CheckpointComparison {
    /// Reads the simulator's checkpoints of `sim_dir` and the measured ones of `real`.
    pub fn read(sim_dir: &Path, real: &Path) -> Result<Self> {
        let mut records = checkpoints::read_sim(sim_dir)?;
        let measured = checkpoints::read_real(real)?;
        if measured.is_empty() {
            bail!("REAL {}: no checkpoints", real.display());
        }
        records.extend(measured);
        let rows = checkpoints::rows(&records);
        Ok(CheckpointComparison { records, rows })
    }

    /// Writes `checkpoints-compare.csv` and Figs. 4/5 compared into `out`.
    pub fn write(&self, out: &Path) -> Result<Written> {
        std::fs::create_dir_all(out).map_err(io("create", out))?;
        let path = out.join("checkpoints-compare.csv");
        write_atomic(&path, &csv_rows_any(&self.rows).map_err(csv_err(&path))?)?;
        let mut files = vec![path];
        let fig4 = mlsim_plots::checkpoint_time_compare_svg(&self.records)?;
        files.extend(write_figure(out, "fig4-compare", &fig4)?);
        let fig5 = mlsim_plots::checkpoint_size_compare_svg(&self.records)?;
        files.extend(write_figure(out, "fig5-compare", &fig5)?);
        Ok(Written {
            files,
            no_figure: None,
        })
    }
}

/// Writes `<out>/<name>.svg` and its PNG atomically; returns both paths.
pub fn write_figure(out: &Path, name: &'static str, svg: &str) -> Result<Vec<PathBuf>> {
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
fn csv_rows_any<T: serde::Serialize>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)?;
    }
    into_bytes(w)
}
