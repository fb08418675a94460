//! Legends drawn outside the plotting areas: a row of box swatches (Figs. 4, 5) or a column of
//! line samples (Figs. 6, 7).

use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBAColor, RGBColor};

use crate::PlotError;
use crate::canvas::{Canvas, Px};
use crate::style::{self, LineStyle, Marker};

/// What a legend entry shows before its label.
#[derive(Clone, Debug)]
pub enum Swatch {
    /// A box: fill and edge colour.
    Box {
        /// Fill.
        fill: RGBColor,
        /// Edge.
        edge: RGBColor,
    },
    /// A line sample with a marker in its middle.
    Line {
        /// Colour of line and marker.
        color: RGBColor,
        /// Stroke.
        style: LineStyle,
        /// Line width \[px\].
        width: u32,
        /// Marker shape, if any.
        marker: Option<Marker>,
        /// Whether the marker is hollow.
        hollow: bool,
    },
    /// A marker alone (scatter plots).
    Marker {
        /// Colour.
        color: RGBColor,
        /// Shape.
        marker: Marker,
        /// Whether it is hollow.
        hollow: bool,
    },
}

/// One legend entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The swatch.
    pub swatch: Swatch,
    /// The label text.
    pub label: String,
}

/// Width of a swatch \[px\].
const SWATCH_W: i32 = 44;
/// Gap between swatch and label \[px\].
const GAP: i32 = 8;

/// Rough width of `text` at the legend size \[px\] (SVG viewers lay text out themselves).
fn text_width(text: &str) -> i32 {
    (text.chars().count() as f64 * style::LEGEND_SIZE / 1.24 * 0.56).ceil() as i32
}

/// Draws `entries` in a row ending at `right` \[px\], vertically centred on `y` \[px\];
/// returns where the row starts \[px\].
pub fn row(canvas: &Canvas<'_>, entries: &[Entry], right: i32, y: i32) -> Result<i32, PlotError> {
    let widths: Vec<i32> = entries
        .iter()
        .map(|e| SWATCH_W + GAP + text_width(&e.label))
        .collect();
    let spacing = 24;
    let total: i32 = widths.iter().sum::<i32>() + spacing * (entries.len() as i32 - 1).max(0);
    let left = right - total;
    let mut x = left;
    for (entry, w) in entries.iter().zip(widths) {
        draw_entry(canvas, entry, (x, y))?;
        x += w + spacing;
    }
    Ok(left)
}

/// Draws `entries` in a column from `top_left` \[px\], `pitch` \[px\] apart.
pub fn column(
    canvas: &Canvas<'_>,
    entries: &[Entry],
    top_left: Px,
    pitch: i32,
) -> Result<(), PlotError> {
    for (i, entry) in entries.iter().enumerate() {
        draw_entry(
            canvas,
            entry,
            (top_left.0, top_left.1 + pitch * i as i32 + pitch / 2),
        )?;
    }
    Ok(())
}

/// Draws one entry whose swatch starts at `left` and is vertically centred on `y`.
fn draw_entry(canvas: &Canvas<'_>, entry: &Entry, (left, y): Px) -> Result<(), PlotError> {
    match &entry.swatch {
        Swatch::Box { fill, edge } => {
            let (a, b) = ((left + 8, y - 9), (left + SWATCH_W - 8, y + 9));
            canvas.fill_rect(a, b, fill.to_rgba())?;
            canvas.stroke_rect(a, b, edge.to_rgba(), 1)?;
        }
        Swatch::Line {
            color,
            style: line,
            width,
            marker,
            hollow,
        } => {
            canvas.segment((left, y), (left + SWATCH_W, y), line.tagged(*color), *width)?;
            if let Some(m) = marker {
                let c: RGBAColor = color.to_rgba();
                canvas.marker(*m, (left + SWATCH_W / 2, y), 6, c, *hollow)?;
            }
        }
        Swatch::Marker {
            color,
            marker,
            hollow,
        } => {
            canvas.marker(
                *marker,
                (left + SWATCH_W / 2, y),
                7,
                color.to_rgba(),
                *hollow,
            )?;
        }
    }
    let text = style::text(style::LEGEND_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
    canvas.text(&entry.label, (left + SWATCH_W + GAP, y), &text)
}
