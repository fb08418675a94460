//! Figures of a result folder, drawn by mlsim-plots from the merged CSVs: the validated
//! spec's figure list after a sweep, and `mlsim plot DIR` (which redoes the summaries too).

use crate::error::{Error, Result};
use crate::folder::write_atomic;
use crate::spec;
use std::path::{Path, PathBuf};

/// Draws figure `name` into `root` for print size `size` (`<name>.svg`, `<name>.png` and
/// `<name>.pdf`, all rendered before any is written, each written by [`write_atomic`]);
/// returns the files written.
pub fn draw(root: &Path, name: &str, size: mlsim_plots::FigureSize) -> Result<Vec<PathBuf>> {
    let fig =
        mlsim_plots::Figure::from_name(name).ok_or_else(|| Error::UnknownFigure(name.into()))?;
    let err = |source| Error::Figure {
        figure: name.into(),
        dir: root.to_path_buf(),
        source,
    };
    let svg = mlsim_plots::svg_from_dir_at(fig, root, size).map_err(err)?;
    let png = mlsim_plots::svg_to_png(&svg, fig.name()).map_err(err)?;
    let pdf = mlsim_plots::svg_to_pdf(&svg, fig.name()).map_err(err)?;
    let svg_path = root.join(format!("{}.svg", fig.name()));
    let png_path = root.join(format!("{}.png", fig.name()));
    let pdf_path = root.join(format!("{}.pdf", fig.name()));
    write_atomic(&svg_path, svg.as_bytes())?;
    write_atomic(&png_path, &png)?;
    write_atomic(&pdf_path, &pdf)?;
    Ok(vec![svg_path, png_path, pdf_path])
}

/// What [`redraw`] did.
#[derive(Debug, Default)]
pub struct Redrawn {
    /// Whether `policies.csv` was written.
    pub policies: bool,
    /// Files written.
    pub drawn: Vec<PathBuf>,
    /// Figures skipped for lack of data (only when no figure was named), with why.
    pub skipped: Vec<(String, Error)>,
}

/// Redoes the summaries and figures of a finished result folder from its CSVs alone (holding
/// the folder's lock, see [`crate::folder::lock`]): the
/// figures named in `figures`, else those of the folder's `spec.toml` (validated), else every
/// figure with data (skipping, not failing, those without).
pub fn redraw(dir: &Path, figures: &[String], size: mlsim_plots::FigureSize) -> Result<Redrawn> {
    if !dir.join("runs.csv").is_file() && dir.join("runs.parquet").is_file() {
        return Err(Error::Folder(format!(
            "{} keeps its tables as Parquet only (`--format parquet`); `mlsim plot` reads the CSVs: run the spec again into it with `--format both` (nothing is re-run; the CSVs are merged again from runs/), then plot",
            dir.display()
        )));
    }
    if !dir.join("runs.csv").is_file() {
        return Err(Error::Folder(format!(
            "{} is not a finished mlsim result folder (no runs.csv); run `mlsim run SPEC` first",
            dir.display()
        )));
    }
    // It rewrites files: one writer at a time, as for a sweep.
    let _lock = crate::folder::lock(dir)?;
    crate::folder::remove_temps(dir);
    let study = if crate::suspend_summary::write_if_suspend(dir)?.is_some() {
        "suspend"
    } else if crate::serverless_summary::write_if_serverless(dir)?.is_some() {
        "serverless"
    } else {
        crate::summary::write(dir)?;
        "protocol"
    };
    let named: Vec<String> = if !figures.is_empty() {
        figures.to_vec()
    } else {
        let spec_file = dir.join("spec.toml");
        match spec::read_text(&spec_file) {
            Ok(text) => spec::figures_of(&spec_file, &text)?,
            Err(_) => Vec::new(),
        }
    };
    let mut out = Redrawn {
        policies: crate::policy_table::write(dir, &named)?.is_some(),
        ..Redrawn::default()
    };
    crate::columns::write(dir, study)?;
    let list: Vec<String> = if named.is_empty() {
        spec::known_figures()
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        named.clone()
    };
    for f in list {
        match draw(dir, &f, size) {
            Ok(paths) => out.drawn.extend(paths),
            Err(e) if named.is_empty() => out.skipped.push((f, e)),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
