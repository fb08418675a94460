//! The calibration's residual plot (`mlsim calibrate`): one panel per fitted line, residual
//! (observed − fitted) against the line's x, with the zero line. Points in μλ red, CRIU blue,
//! Docker green, by the method named at the start of the panel's title (else black).

use plotters::prelude::{ChartBuilder, Circle, IntoDrawingArea, PathElement, SVGBackend};
use plotters::style::{BLACK, Color, WHITE};

use crate::{PlotError, style};

/// One panel of [`residuals_svg`].
#[derive(Clone, Debug, PartialEq)]
pub struct ResidualPanel {
    /// Title: the fitted quantity, e.g. `criu.checkpoint_ms~raw_mib`.
    pub title: String,
    /// x of each sample [unit of the line's x].
    pub x: Vec<f64>,
    /// Observed − fitted of each sample [unit of the line's y].
    pub residual: Vec<f64>,
}

const FIGURE: &str = "residuals";
const PANEL: (u32, u32) = (560, 400);
const COLUMNS: usize = 3;

fn range(v: &[f64], symmetric: bool) -> std::ops::Range<f64> {
    let lo = v
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(f64::INFINITY, f64::min);
    let hi = v
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return -1.0..1.0;
    }
    let (lo, hi) = if symmetric {
        let m = lo.abs().max(hi.abs());
        // All residuals zero (an exact or one-sample fit): a unit range, not a degenerate one.
        let m = if m > 1e-9 { m } else { 1.0 };
        (-m, m)
    } else {
        (lo, hi)
    };
    let pad = ((hi - lo) * 0.08).max(hi.abs().max(1e-9) * 0.05);
    (lo - pad)..(hi + pad)
}

/// The residual figure as SVG. Deterministic: the same panels give the same bytes.
pub fn residuals_svg(panels: &[ResidualPanel]) -> Result<String, PlotError> {
    if panels.is_empty() {
        return Err(PlotError::no_data(FIGURE, "no fitted lines"));
    }
    let cols = panels.len().min(COLUMNS);
    let rows = panels.len().div_ceil(COLUMNS);
    let (w, h) = (cols as u32 * PANEL.0, 50 + rows as u32 * PANEL.1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(FIGURE, e))?;
        let (top, body) = root.split_vertically(50);
        top.titled(
            "Calibration residuals (observed − fitted)",
            style::text(style::TITLE_SIZE),
        )
        .map_err(|e| PlotError::draw(FIGURE, e))?;
        let areas = body.split_evenly((rows, cols));
        for (p, area) in panels.iter().zip(&areas) {
            let color = panel_method(&p.title).map_or(BLACK, crate::method::color);
            let xr = range(&p.x, false);
            let yr = range(&p.residual, true);
            let (x0, x1) = (xr.start, xr.end);
            let mut chart = ChartBuilder::on(area)
                .caption(&p.title, style::text(style::LABEL_SIZE))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(style::y_label_area(7))
                .build_cartesian_2d(xr, yr)
                .map_err(|e| PlotError::draw(FIGURE, e))?;
            chart
                .configure_mesh()
                .bold_line_style(style::GRID)
                .light_line_style(style::GRID)
                .x_labels(5)
                .y_labels(5)
                .label_style(style::text(14.0))
                .draw()
                .map_err(|e| PlotError::draw(FIGURE, e))?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x0, 0.0), (x1, 0.0)],
                    BLACK.stroke_width(1),
                )))
                .map_err(|e| PlotError::draw(FIGURE, e))?;
            chart
                .draw_series(
                    p.x.iter()
                        .zip(&p.residual)
                        .filter(|(x, r)| x.is_finite() && r.is_finite())
                        .map(|(x, r)| Circle::new((*x, *r), 4, color.filled())),
                )
                .map_err(|e| PlotError::draw(FIGURE, e))?;
        }
        root.present().map_err(|e| PlotError::draw(FIGURE, e))?;
    }
    Ok(svg)
}

/// The method a panel is about: the one whose name (or alias) starts its title or stands in
/// parentheses in it (`criu.checkpoint_ms~raw_mib`, `taxi.state_bytes~items (microlambda)`).
fn panel_method(title: &str) -> Option<crate::method::Method> {
    crate::method::Method::all().find(|m| {
        let d = m.def();
        std::iter::once(d.name())
            .chain(d.aliases().iter().copied())
            .any(|n| title.starts_with(&format!("{n}.")) || title.contains(&format!("({n})")))
    })
}

/// PNG bytes of an SVG drawn by this crate (rasterised with the embedded font).
pub fn svg_png(svg: &str, figure: &'static str) -> Result<Vec<u8>, PlotError> {
    crate::raster::svg_to_png(svg, figure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_circle_per_point_and_deterministic() {
        let p = vec![ResidualPanel {
            title: "criu.checkpoint_ms~raw_mib".into(),
            x: vec![1.0, 2.0, 3.0],
            residual: vec![-1.0, 0.5, f64::NAN],
        }];
        let svg = residuals_svg(&p).expect("draws");
        assert_eq!(svg, residuals_svg(&p).expect("draws"));
        assert_eq!(svg.matches("<circle").count(), 2, "NaN points are skipped");
        assert!(residuals_svg(&[]).is_err());
        assert!(
            svg_png(&svg, "residuals")
                .expect("png")
                .starts_with(b"\x89PNG")
        );
    }
}
