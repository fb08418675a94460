//! The PNG: size, and text drawn with the embedded font (no system fonts are loaded).

use mlsim_plots::{Figure, checkpoint_time_svg, execution_time_svg, svg_to_png};
use resvg::tiny_skia::Pixmap;

use crate::common::{ckpt, req};

/// Pixels of `pm` inside the rectangle that are clearly not white.
fn inked(pm: &Pixmap, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = pm.pixel(x, y).unwrap();
            if u32::from(p.red()) + u32::from(p.green()) + u32::from(p.blue()) < 600 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn text_renders_with_the_embedded_font() {
    let svg = r##"<svg width="200" height="60" viewBox="0 0 200 60" xmlns="http://www.w3.org/2000/svg">
<text x="10" y="40" font-family="sans-serif" font-size="30" fill="#000000">
μλ CRIU
</text>
</svg>"##;
    let pm = Pixmap::decode_png(&svg_to_png(svg, "test").unwrap()).unwrap();
    assert_eq!((pm.width(), pm.height()), (200, 60));
    assert!(inked(&pm, 0, 0, 200, 60) > 100, "no text was drawn");
}

#[test]
fn figures_have_their_size_and_a_title() {
    let svg = checkpoint_time_svg(&[ckpt("face", "criu", 300.0, 1)]).unwrap();
    let pm = Pixmap::decode_png(&svg_to_png(&svg, "fig4").unwrap()).unwrap();
    assert_eq!((pm.width(), pm.height()), Figure::Fig4.size());
    // The title sits at the top left.
    assert!(inked(&pm, 20, 10, 250, 50) > 100);

    let svg = execution_time_svg(&[req("face", "criu", Some(2.0), 1, 3.0)], &[]).unwrap();
    let pm = Pixmap::decode_png(&svg_to_png(&svg, "fig6").unwrap()).unwrap();
    assert_eq!((pm.width(), pm.height()), Figure::Fig6.size());
}

#[test]
fn png_is_deterministic() {
    let svg = checkpoint_time_svg(&[ckpt("face", "criu", 300.0, 1)]).unwrap();
    assert_eq!(
        svg_to_png(&svg, "fig4").unwrap(),
        svg_to_png(&svg, "fig4").unwrap()
    );
}
