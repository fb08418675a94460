//! Print sizes of the figures (`mlsim run --figure-size`, `mlsim plot --figure-size`).
//!
//! A figure is laid out in pixels with fixed text sizes (tick labels 14.5 px in the SVG). On a
//! screen the layout's own size is right (`screen`, the default, unchanged). For a paper the
//! figure must print at the template's width with legible text: `two-column` is the text width
//! of the IEEE and ACM two-column templates, 7.16 in (516 pt), `one-column` one column, 3.5 in
//! (252 pt). A print size lays the figure out at most [`max_layout_width`] px wide — the width
//! at which its tick labels print at [`MIN_LABEL_PT`] — so a wide figure's panels get narrower
//! while its text keeps its size; a figure that cannot be laid out that narrow (its panels
//! would be narrower than its minimum) is refused with the size its labels would print at. The
//! SVG and the PDF then carry the printed size in points, and the PNG is rendered at 300 dpi.

use std::cell::Cell;

use crate::style;

/// The size figures are drawn for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FigureSize {
    /// The layout's own size in px (1 px = 1 pt in the PDF): as before print sizes existed.
    #[default]
    Screen,
    /// The text width of a two-column paper: 7.16 in (516 pt).
    TwoColumn,
    /// One column of a two-column paper: 3.5 in (252 pt).
    OneColumn,
}

impl FigureSize {
    /// Every size, in the order the help lists them.
    pub const ALL: [FigureSize; 3] = [
        FigureSize::Screen,
        FigureSize::TwoColumn,
        FigureSize::OneColumn,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FigureSize::Screen => "screen",
            FigureSize::TwoColumn => "two-column",
            FigureSize::OneColumn => "one-column",
        }
    }

    /// The size called `name` (case and surrounding blanks ignored).
    pub fn from_name(name: &str) -> Option<FigureSize> {
        let n = name.trim().to_ascii_lowercase();
        FigureSize::ALL.into_iter().find(|s| s.name() == n)
    }

    /// Printed width \[pt\]; `None` for the screen.
    pub fn width_pt(self) -> Option<f64> {
        match self {
            FigureSize::Screen => None,
            FigureSize::TwoColumn => Some(516.0),
            FigureSize::OneColumn => Some(252.0),
        }
    }
}

impl std::fmt::Display for FigureSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Smallest printed size of tick labels a print layout keeps \[pt\] (journals ask for 6–8 pt).
pub const MIN_LABEL_PT: f64 = 6.0;

/// Resolution of the PNG of a print size \[dpi\].
pub const PRINT_DPI: f64 = 300.0;

/// Tick labels' font size in the SVG \[px\]: plotters writes a font of size `s` as `s / 1.24`.
fn label_px() -> f64 {
    style::LABEL_SIZE / 1.24
}

thread_local! {
    static CURRENT: Cell<FigureSize> = const { Cell::new(FigureSize::Screen) };
}

/// Runs `f` with figures drawn for `size` on this thread.
pub fn with_size<R>(size: FigureSize, f: impl FnOnce() -> R) -> R {
    let before = CURRENT.with(|c| c.replace(size));
    let out = f();
    CURRENT.with(|c| c.set(before));
    out
}

/// The size figures are drawn for on this thread.
pub fn current() -> FigureSize {
    CURRENT.with(Cell::get)
}

/// The widest layout \[px\] whose tick labels print at [`MIN_LABEL_PT`] at `size`'s width;
/// `None` for the screen.
pub fn max_layout_width(size: FigureSize) -> Option<u32> {
    size.width_pt()
        .map(|pt| (pt * label_px() / MIN_LABEL_PT).floor() as u32)
}

/// [`layout_width`] for `figure`, its refusal as the error the caller returns.
pub(crate) fn fit(figure: &'static str, natural: u32, min: u32) -> Result<u32, crate::PlotError> {
    layout_width(natural, min).map_err(|label_pt| crate::PlotError::TooNarrow {
        figure,
        size: current().name(),
        min_px: min,
        label_pt,
        min_pt: MIN_LABEL_PT,
    })
}

/// The layout width \[px\] of a figure whose screen layout is `natural` px wide and which
/// cannot be narrower than `min` px, at the current size: `natural` on the screen, else at
/// most [`max_layout_width`]. `Err`: the size its labels would print at when laid out at
/// `min` (below [`MIN_LABEL_PT`]).
pub(crate) fn layout_width(natural: u32, min: u32) -> Result<u32, f64> {
    let size = current();
    let Some(max) = max_layout_width(size) else {
        return Ok(natural);
    };
    if natural <= max {
        return Ok(natural);
    }
    if min > max {
        let pt = size.width_pt().unwrap_or(0.0) * label_px() / f64::from(min);
        return Err(pt);
    }
    Ok(max)
}

/// Panels per row at the current size: `n` panels at most `max_cols` to a row on the screen;
/// at a print size only as many as fit [`max_layout_width`] at `min_panel_w` px each beside
/// `fixed` px (a legend column); at least 1.
pub(crate) fn columns(n: usize, max_cols: usize, min_panel_w: u32, fixed: u32) -> usize {
    let cols = n.min(max_cols).max(1);
    match max_layout_width(current()) {
        None => cols,
        Some(max) => cols
            .min((max.saturating_sub(fixed) / min_panel_w.max(1)) as usize)
            .max(1),
    }
}

/// A grid of `n` panels beside a legend column `legend` px wide: at most `max_cols` to a row
/// ([`columns`]), each `panel` px on the screen; at a print size narrower (at least
/// `min_panel_w` px), keeping its aspect. Returns (columns, rows, the figure's width, a panel's
/// height) \[px\], or the refusal of [`fit`].
pub(crate) fn panel_grid(
    figure: &'static str,
    n: usize,
    max_cols: usize,
    panel: (u32, u32),
    min_panel_w: u32,
    legend: u32,
) -> Result<(usize, usize, u32, u32), crate::PlotError> {
    let cols = columns(n, max_cols, min_panel_w, legend);
    let rows = n.div_ceil(cols);
    let natural_w = cols as u32 * panel.0 + legend;
    let w = fit(figure, natural_w, cols as u32 * min_panel_w + legend)?;
    let panel_h = panel.1 * (w - legend) / (natural_w - legend);
    Ok((cols, rows, w, panel_h))
}

/// Tallest printed figure \[pt\]: the text height of a US letter or A4 page, 9 in.
pub const MAX_HEIGHT_PT: f64 = 648.0;

/// Refuses a print layout of `w` × `h` px that would print taller than [`MAX_HEIGHT_PT`].
pub(crate) fn check_height(figure: &'static str, w: u32, h: u32) -> Result<(), crate::PlotError> {
    let Some(pt) = current().width_pt() else {
        return Ok(());
    };
    let height = pt * f64::from(h) / f64::from(w.max(1));
    if height > MAX_HEIGHT_PT {
        return Err(crate::PlotError::TooTall {
            figure,
            size: current().name(),
            height_pt: height,
            max_pt: MAX_HEIGHT_PT,
        });
    }
    Ok(())
}

/// The printed size of a figure's tick labels \[pt\] when its layout is `layout_w` px wide;
/// `None` for the screen.
#[cfg(test)]
fn label_pt(layout_w: u32) -> Option<f64> {
    current()
        .width_pt()
        .map(|pt| pt * label_px() / f64::from(layout_w.max(1)))
}

/// `svg` (as plotters writes it: `<svg width="W" height="H" viewBox="0 0 W H" …`) with its
/// printed size in points at the current size (`width="516pt" height="…pt"`, the view box
/// kept); unchanged on the screen.
pub(crate) fn physical(svg: String) -> String {
    let Some(pt) = current().width_pt() else {
        return svg;
    };
    let Some((w, h)) = root_size(&svg) else {
        return svg;
    };
    let height = pt * h / w;
    let old = format!("<svg width=\"{}\" height=\"{}\"", fmt(w), fmt(h));
    if !svg.starts_with(&old) {
        return svg;
    }
    format!(
        "<svg width=\"{}pt\" height=\"{}pt\"{}",
        fmt(pt),
        fmt((height * 100.0).round() / 100.0),
        &svg[old.len()..]
    )
}

/// A number as plotters writes a size (`1600`), or with decimals.
fn fmt(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The `width` and `height` of an SVG's root element, in its user units (no unit).
fn root_size(svg: &str) -> Option<(f64, f64)> {
    let head = &svg[..svg.find('>')?];
    let attr = |name: &str| -> Option<f64> {
        let i = head.find(&format!(" {name}=\""))? + name.len() + 3;
        let v = &head[i..i + head[i..].find('"')?];
        v.parse().ok()
    };
    Some((attr("width")?, attr("height")?))
}

/// Whether `svg`'s root gives its size in points (a print size).
pub(crate) fn in_points(svg: &str) -> bool {
    svg.find('>')
        .is_some_and(|end| svg[..end].contains("pt\" height=\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_widths_keep_labels_at_six_points() {
        // 14.516 px labels at 6 pt: 516 pt → 1248 px, 252 pt → 609 px.
        assert_eq!(max_layout_width(FigureSize::TwoColumn), Some(1248));
        assert_eq!(max_layout_width(FigureSize::OneColumn), Some(609));
        assert_eq!(max_layout_width(FigureSize::Screen), None);
        assert_eq!(
            layout_width(1600, 900),
            Ok(1600),
            "the screen keeps its size"
        );
        with_size(FigureSize::TwoColumn, || {
            assert_eq!(layout_width(1600, 900), Ok(1248));
            assert_eq!(layout_width(900, 600), Ok(900), "narrow enough already");
            // Fig. 6 at 1248 px: labels 516 · 14.516 / 1248 = 6.0 pt.
            assert!((label_pt(1248).unwrap() - 6.0).abs() < 0.01);
        });
        with_size(FigureSize::OneColumn, || {
            // Three panels need 1000 px: labels would print at 252 · 14.516 / 1000 = 3.66 pt.
            let e = layout_width(1600, 1000).unwrap_err();
            assert!((e - 3.658).abs() < 0.01, "{e}");
            assert_eq!(layout_width(900, 500), Ok(609));
        });
        assert_eq!(current(), FigureSize::Screen, "restored");
    }

    #[test]
    fn the_svg_carries_its_printed_size() {
        let svg = "<svg width=\"1248\" height=\"468\" viewBox=\"0 0 1248 468\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n".to_string();
        assert_eq!(physical(svg.clone()), svg, "screen: unchanged");
        let p = with_size(FigureSize::TwoColumn, || physical(svg.clone()));
        // 516 pt wide, 516 · 468 / 1248 = 193.5 pt high, the view box kept.
        assert!(
            p.starts_with("<svg width=\"516pt\" height=\"193.5pt\" viewBox=\"0 0 1248 468\""),
            "{p}"
        );
        assert!(in_points(&p) && !in_points(&svg));
        assert_eq!(
            FigureSize::from_name(" Two-Column "),
            Some(FigureSize::TwoColumn)
        );
        assert_eq!(FigureSize::from_name("a4"), None);
    }
}
