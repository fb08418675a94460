//! Line styles, markers, font sizes and neutral colours shared by the figures. Each method's
//! colours and line style are in its definition (`mlsim_core::methods`; the paper's look: μλ red,
//! CRIU blue, long-running black), read through [`crate::method`].

use plotters::style::{BLACK, Color, IntoFont, RGBAColor, RGBColor, TextStyle};

/// Font family of every text; the PNG renderer maps it to the embedded font.
pub const FONT: &str = "sans-serif";
/// Figure title size [px, plotters units].
pub const TITLE_SIZE: f64 = 30.0;
/// Panel caption size.
pub const CAPTION_SIZE: f64 = 23.0;
/// Axis description size.
pub const DESC_SIZE: f64 = 20.0;
/// Tick label size.
pub const LABEL_SIZE: f64 = 18.0;
/// Legend text size.
pub const LEGEND_SIZE: f64 = 19.0;

/// A text style of `size` in the figure font, black.
pub fn text(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// Width of a y label area \[px\] whose widest tick label has `chars` characters: room for the
/// rotated axis description, the labels and a gap.
pub fn y_label_area(chars: usize) -> u32 {
    let char_w = LABEL_SIZE / 1.24 * 0.55;
    (DESC_SIZE + 22.0 + chars as f64 * char_w).ceil() as u32
}

/// Light grey of grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// How a series line is stroked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineStyle {
    /// Continuous.
    Solid,
    /// Round dots.
    Dotted,
    /// Dashes.
    Dashed,
    /// Dashes and dots.
    DashDot,
}

impl LineStyle {
    /// The opacity that tags a line of this style in plotters' SVG, where `dash` turns it into a
    /// `stroke-dasharray` (plotters' SVG backend has no dash support of its own). The tags
    /// differ from 1 by less than a rendering could show.
    pub fn tag_alpha(self) -> f64 {
        match self {
            LineStyle::Solid => 1.0,
            LineStyle::Dotted => DOTTED_ALPHA,
            LineStyle::Dashed => DASHED_ALPHA,
            LineStyle::DashDot => DASHDOT_ALPHA,
        }
    }

    /// `color` tagged with this style, for lines.
    pub fn tagged(self, color: RGBColor) -> RGBAColor {
        color.mix(self.tag_alpha())
    }
}

/// Opacity tag of dotted lines (see [`LineStyle::tag_alpha`]).
pub const DOTTED_ALPHA: f64 = 0.998;
/// Opacity tag of dashed lines (see [`LineStyle::tag_alpha`]).
pub const DASHED_ALPHA: f64 = 0.997;
/// Opacity tag of dash-dotted lines (see [`LineStyle::tag_alpha`]).
pub const DASHDOT_ALPHA: f64 = 0.996;

/// The Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"): eight colours told apart
/// with every common colour-vision deficiency: black, orange, sky blue, bluish green, yellow,
/// blue, vermillion, reddish purple.
pub const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(240, 228, 66),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
];

/// `c` lightened towards white by `t` (0: itself, 1: white): shades of one colour family.
pub fn shade(c: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * t).round() as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// A marker shape for points of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// Disc.
    Circle,
    /// Axis-aligned square.
    Square,
    /// Triangle pointing up.
    TriangleUp,
    /// Square on its corner.
    Diamond,
    /// Triangle pointing down.
    TriangleDown,
    /// Regular pentagon.
    Pentagon,
    /// Regular hexagon.
    Hexagon,
}

impl Marker {
    /// Markers given to runtime limits, in ascending r_limit order (cycled when exhausted).
    pub const FOR_LIMITS: [Marker; 6] = [
        Marker::Square,
        Marker::TriangleUp,
        Marker::Diamond,
        Marker::TriangleDown,
        Marker::Pentagon,
        Marker::Hexagon,
    ];

    /// The marker of the `i`-th runtime limit.
    pub fn for_limit(i: usize) -> Self {
        Self::FOR_LIMITS[i % Self::FOR_LIMITS.len()]
    }
}
