//! SVG → PDF with krilla: pure Rust, vector, text in the embedded font (as in the PNG), no
//! system fonts; the same figure as the SVG and the PNG, at the SVG's size (1 px = 1 pt; a
//! print size at its width in points).

use krilla::Document;
use krilla::geom::Size;
use krilla::page::PageSettings;
use krilla_svg::{SurfaceExt, SvgSettings};
use resvg::usvg;

use crate::PlotError;

/// Renders `svg` to PDF bytes; `figure` names the figure in errors. The bytes depend on the SVG
/// only (no creation date, no random document id).
pub fn svg_to_pdf(svg: &str, figure: &'static str) -> Result<Vec<u8>, PlotError> {
    let err = |message: String| PlotError::Raster { figure, message };
    let tree =
        usvg::Tree::from_str(svg, &crate::raster::options()?).map_err(|e| err(e.to_string()))?;
    // A screen figure: 1 px = 1 pt. A print size's root is in points, which usvg reads at
    // 96 dpi: back to points.
    let k = if crate::size::in_points(svg) {
        72.0 / 96.0
    } else {
        1.0
    };
    let (w, h) = (tree.size().width() * k, tree.size().height() * k);
    let size = Size::from_wh(w, h).ok_or_else(|| err(format!("bad size {w}x{h}")))?;
    let mut document = Document::new();
    {
        let mut page = document.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        surface
            .draw_svg(&tree, size, SvgSettings::default())
            .ok_or_else(|| err("krilla could not draw the SVG".into()))?;
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| err(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_svg_becomes_a_deterministic_pdf() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect x="0" y="0" width="60" height="40" fill="#D55E00"/><text x="64" y="25" font-family="sans-serif" font-size="14">μλ 2 s</text></svg>"##;
        let a = svg_to_pdf(svg, "test").unwrap();
        let b = svg_to_pdf(svg, "test").unwrap();
        assert!(a.starts_with(b"%PDF-"), "{:?}", &a[..8]);
        assert_eq!(a, b);
        // The page is the SVG's size in points.
        let text = String::from_utf8_lossy(&a);
        let i = text.find("/MediaBox").expect("a MediaBox");
        assert!(
            text[i..].starts_with("/MediaBox[0 0 120 40]"),
            "{}",
            &text[i..i + 40]
        );
    }
}
