//! Print sizes (`--figure-size`): every figure for a two-column paper, laid out no wider than
//! the width at which its tick labels print at 6 pt, its SVG and PDF in points, its PNG at
//! 300 dpi; at one column, a figure that cannot fit is refused, naming the way out.

use mlsim_plots::{
    Figure, FigureSize, PlotError, svg_from_dir, svg_from_dir_at, svg_to_pdf, svg_to_png,
};

use crate::files::every_figure_folder;

/// (width, height) of the root and the view box's width of an SVG.
fn root(svg: &str) -> (String, String, f64) {
    let head = &svg[..svg.find('>').unwrap()];
    let attr = |name: &str| {
        let i = head.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        head[i..i + head[i..].find('"').unwrap()].to_string()
    };
    let view: Vec<f64> = attr("viewBox")
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    (attr("width"), attr("height"), view[2])
}

/// The PNG's pixel width (IHDR).
fn png_width(png: &[u8]) -> u32 {
    u32::from_be_bytes(png[16..20].try_into().unwrap())
}

#[test]
fn every_figure_draws_two_column_at_516_points() {
    let dir = tempfile::tempdir().unwrap();
    every_figure_folder(dir.path());
    for fig in Figure::ALL {
        let screen = svg_from_dir(fig, dir.path()).unwrap();
        assert_eq!(
            svg_from_dir_at(fig, dir.path(), FigureSize::Screen).unwrap(),
            screen,
            "{fig}: the screen is the default"
        );
        let svg = svg_from_dir_at(fig, dir.path(), FigureSize::TwoColumn).unwrap();
        let (w, h, view_w) = root(&svg);
        assert_eq!(w, "516pt", "{fig}");
        assert!(h.ends_with("pt"), "{fig}: {h}");
        // Tick labels of 18 / 1.24 = 14.516 px print at ≥ 6 pt on 516 pt when the layout is at
        // most 516 · 14.516 / 6 = 1248 px wide.
        assert!(view_w <= 1248.0, "{fig}: laid out {view_w} px wide");
        let (_, _, screen_w) = root(&screen);
        assert_eq!(
            view_w,
            screen_w.min(1248.0),
            "{fig}: only wider ones narrow"
        );
        // 516 pt = 7.1667 in, at 300 dpi: 2150 px.
        let png = svg_to_png(&svg, fig.name()).unwrap();
        assert_eq!(png_width(&png), 2150, "{fig}");
        let pdf = String::from_utf8_lossy(&svg_to_pdf(&svg, fig.name()).unwrap()).into_owned();
        let i = pdf.find("/MediaBox[0 0 ").unwrap();
        assert!(
            pdf[i..].starts_with("/MediaBox[0 0 516 "),
            "{fig}: {}",
            &pdf[i..i + 30]
        );
    }
}

#[test]
fn one_column_draws_what_fits_and_refuses_the_rest_by_name() {
    let dir = tempfile::tempdir().unwrap();
    every_figure_folder(dir.path());
    let mut drawn = Vec::new();
    for fig in Figure::ALL {
        match svg_from_dir_at(fig, dir.path(), FigureSize::OneColumn) {
            Ok(svg) => {
                let (w, h, view_w) = root(&svg);
                assert_eq!(w, "252pt", "{fig}");
                // 252 · 14.516 / 6 = 609.7: at most 609 px.
                assert!(view_w <= 609.0, "{fig}: {view_w}");
                let h: f64 = h.trim_end_matches("pt").parse().unwrap();
                assert!(h <= 648.0, "{fig}: {h} pt high");
                // 252 pt = 3.5 in, at 300 dpi: 1050 px.
                assert_eq!(png_width(&svg_to_png(&svg, fig.name()).unwrap()), 1050);
                drawn.push(fig.name());
            }
            Err(e @ (PlotError::TooNarrow { .. } | PlotError::TooTall { .. })) => {
                let m = e.to_string();
                assert!(
                    m.starts_with(&format!("{} cannot be drawn one-column", fig.name()))
                        && m.contains("--figure-size two-column"),
                    "{m}"
                );
            }
            Err(e) => panic!("{fig}: {e}"),
        }
    }
    // Single panels fit one column; so do the line figures of one app (panels stack).
    for name in ["fig4", "fig5", "fig6", "fig7", "serverless-tradeoff"] {
        assert!(drawn.contains(&name), "{name} not drawn: {drawn:?}");
    }
    // suspend-fit's two panels side by side need 230 + 2 · 300 = 830 px: refused.
    let e = svg_from_dir_at(Figure::SuspendFit, dir.path(), FigureSize::OneColumn).unwrap_err();
    assert!(matches!(e, PlotError::TooNarrow { min_px: 830, .. }), "{e}");
}
