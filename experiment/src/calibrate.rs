//! `mlsim calibrate`'s fit and its outputs: from [`Measurements`] (taken by the emulation, or
//! read back from its files) to the simulator's models.
//!
//! - [`fitted`]: every fitted quantity, one report row each ([`fit`]), on the maths of
//!   [`crate::fit`];
//! - [`model_toml`]: the model file text ([`render`]), with what was not measured copied from a
//!   base model;
//! - here: the base model ([`base_model`]), the fit table ([`table`]), `fit.csv` ([`fit_csv`]),
//!   and [`fit_and_write`], which fits and writes `fit.csv`, `residuals.svg`/`.png` and `model.toml`
//!   (parsed back before it is written) into the output folder, each atomically.
//!
//! Measuring is the emulation's (`mlsim_emu::calibrate`); this crate never depends on it.

pub mod fitted;
pub mod model_toml;

use std::path::Path;

use mlsim_core::calibration::Measurements;

use crate::fit::FitError;
use crate::folder::write_atomic;
use crate::spec::diag::{Diags, Source};
use crate::spec::model_file::{self, ModelSet, ModelSource};

pub use fitted::{Fitted, fit};
pub use model_toml::{Provenance, render};

/// Why a calibration's fit or its outputs failed.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// The base model (`--base-model`, else the built-in paper model) is not valid: every
    /// problem, one per line.
    #[error("the base model is invalid:\n{0}")]
    BaseModel(String),
    /// A quantity cannot be fitted.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The rendered model file does not parse back (a bug): every problem, one per line.
    #[error("internal error: the fitted model does not validate:\n{0}")]
    Invalid(String),
    /// `fit.csv` could not be made.
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// The residual plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] mlsim_plots::PlotError),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] crate::Error),
}

/// Each diagnostic on its own indented line.
fn listed(d: &Diags) -> String {
    d.list.iter().map(|x| format!("  {x}\n")).collect()
}

/// The model the unmeasured parts are copied from: the model file `path`, else the built-in
/// paper model.
pub fn base_model(path: Option<&Path>) -> Result<ModelSet, CalibrateError> {
    let mut d = Diags::default();
    let src = Source::new(Path::new("--base-model"), String::new());
    let source = match path {
        Some(p) => ModelSource::File(p.to_path_buf()),
        None => ModelSource::Builtin("paper"),
    };
    match model_file::load(&source, &mut d, &src, &Default::default()) {
        Some(m) if d.is_empty() => Ok(m),
        _ => Err(CalibrateError::BaseModel(listed(&d))),
    }
}

/// Renders the model and checks that it parses back; the text and the parsed set.
pub fn model_text(
    f: &Fitted,
    base: &ModelSet,
    prov: &Provenance,
) -> Result<(String, ModelSet), CalibrateError> {
    let text = render(f, base, prov);
    let mut d = Diags::default();
    let src = Source::new(Path::new("model.toml"), text.clone());
    match model_file::parse(&src, &text, &mut d) {
        Some(m) if d.is_empty() => Ok((text, m)),
        _ => Err(CalibrateError::Invalid(listed(&d))),
    }
}

/// Fits `m` and writes into `out`, each file atomically: `fit.csv`, `residuals.svg` and
/// `residuals.png` (when a line was fitted) and, last, `model.toml` (`base` where not measured,
/// checked to parse back before anything is written). The fit, for [`table`].
pub fn fit_and_write(
    out: &Path,
    m: &Measurements,
    base: &ModelSet,
    prov: &Provenance,
) -> Result<Fitted, CalibrateError> {
    let f = fit(m)?;
    let (text, _) = model_text(&f, base, prov)?;
    write_atomic(&out.join("fit.csv"), &fit_csv(&f)?)?;
    let panels: Vec<mlsim_plots::ResidualPanel> = f
        .points
        .iter()
        .map(|p| mlsim_plots::ResidualPanel {
            title: p.quantity.clone(),
            x: p.x.clone(),
            residual: p
                .observed
                .iter()
                .zip(&p.fitted)
                .map(|(o, f)| o - f)
                .collect(),
        })
        .collect();
    if !panels.is_empty() {
        let svg = mlsim_plots::residuals_svg(&panels)?;
        write_atomic(&out.join("residuals.svg"), svg.as_bytes())?;
        write_atomic(
            &out.join("residuals.png"),
            &mlsim_plots::svg_png(&svg, "residuals")?,
        )?;
    }
    write_atomic(&out.join("model.toml"), text.as_bytes())?;
    Ok(f)
}

/// The fit table `mlsim calibrate` prints: one line per fitted quantity.
pub fn table(f: &Fitted) -> String {
    let mut out = format!(
        "{:<40} {:>4}  {:<44} {:>7} {:>7}  {}\n",
        "quantity", "n", "parameters", "R²", "cv", "note"
    );
    for r in &f.rows {
        out.push_str(&format!(
            "{:<40} {:>4}  {:<44} {:>7} {:>7.3}  {}\n",
            r.quantity,
            r.n,
            r.params,
            r.r2.map_or("-".into(), |x| format!("{x:.3}")),
            r.cv,
            r.fallback
                .as_deref()
                .map_or(String::new(), |f| format!("FALLBACK: {f}"))
        ));
    }
    out
}

/// `fit.csv`: one row per fitted quantity (n, parameters, R², cv, residual min/median/max,
/// fallback).
pub fn fit_csv(f: &Fitted) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "quantity",
        "n",
        "params",
        "r2",
        "cv",
        "spread_min",
        "spread_median",
        "spread_max",
        "fallback",
    ])?;
    for r in &f.rows {
        w.write_record([
            r.quantity.clone(),
            r.n.to_string(),
            r.params.clone(),
            r.r2.map_or(String::new(), |x| format!("{x:.6}")),
            format!("{:.6}", r.cv),
            format!("{:.6}", r.spread.0),
            format!("{:.6}", r.spread.1),
            format!("{:.6}", r.spread.2),
            r.fallback.clone().unwrap_or_default(),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// UTC now as RFC 3339 (days-from-civil inverse, Howard Hinnant's algorithm), for
/// [`Provenance::date`].
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_are_rfc3339() {
        let d = utc_now();
        assert_eq!(d.len(), 20, "{d}");
        assert!(
            d.starts_with("20") && d.ends_with('Z') && &d[10..11] == "T",
            "{d}"
        );
    }

    #[test]
    fn a_missing_base_model_names_the_file() {
        let e = base_model(Some(Path::new("/nonexistent/none.toml"))).expect_err("missing");
        let t = e.to_string();
        assert!(
            t.starts_with("the base model is invalid:\n  --base-model: ")
                && t.contains("none.toml"),
            "{t}"
        );
        assert!(base_model(None).is_ok());
    }
}
