//! SVG → PNG with resvg: pure Rust, text in the embedded font, no system fonts.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

use crate::PlotError;
use crate::font::FONT_TTF;

/// A font database holding only the embedded font, answering every generic family.
fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT_TTF.to_vec());
        let family = db
            .faces()
            .next()
            .and_then(|face| face.families.first())
            .map(|(name, _)| name.clone());
        if let Some(family) = family {
            db.set_sans_serif_family(family.clone());
            db.set_serif_family(family.clone());
            db.set_monospace_family(family);
        }
        Arc::new(db)
    })
    .clone()
}

/// usvg's options: the embedded font for every family (the PNG and the PDF).
pub(crate) fn options() -> Result<usvg::Options<'static>, PlotError> {
    let fontdb = fonts();
    let family = fontdb
        .faces()
        .next()
        .and_then(|face| face.families.first())
        .map(|(name, _)| name.clone())
        .ok_or_else(|| PlotError::Raster {
            figure: "any",
            message: "the embedded font did not load".into(),
        })?;
    Ok(usvg::Options {
        font_family: family,
        fontdb,
        ..usvg::Options::default()
    })
}

/// Renders `svg` to PNG bytes at its own pixel size on a white background (a print size, whose
/// root is in points, at 300 dpi); `figure` names the figure in errors.
pub fn svg_to_png(svg: &str, figure: &'static str) -> Result<Vec<u8>, PlotError> {
    let err = |message: String| PlotError::Raster { figure, message };
    let tree = usvg::Tree::from_str(svg, &options()?).map_err(|e| err(e.to_string()))?;
    // A print size (its root in points, which usvg reads at 96 dpi) is rendered at 300 dpi.
    let scale = if crate::size::in_points(svg) {
        (crate::size::PRINT_DPI / 96.0) as f32
    } else {
        1.0
    };
    let size = tree
        .size()
        .scale_by(scale)
        .ok_or_else(|| err("bad size".into()))?
        .to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| err(format!("bad size {}x{}", size.width(), size.height())))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| err(e.to_string()))
}
