//! Pixel-space drawing on an SVG figure: the primitives the figures compose (segments, paths,
//! boxes, markers, text), each a single SVG element.

use plotters::coord::Shift;
use plotters::element::{Circle, Drawable, PathElement, PointCollection, Polygon, Rectangle, Text};
use plotters::prelude::{DrawingArea, SVGBackend};
use plotters::style::{Color, RGBAColor, ShapeStyle, TextStyle, WHITE};
use plotters_backend::{BackendCoord, DrawingBackend, DrawingErrorKind};

use crate::PlotError;
use crate::style::Marker;

/// A pixel position: (x right, y down) \[px\].
pub type Px = (i32, i32);

/// The whole figure as a drawing area in pixels, with the figure's name for errors.
pub struct Canvas<'a> {
    /// The root drawing area (pixel coordinates).
    pub area: DrawingArea<SVGBackend<'a>, Shift>,
    /// The figure being drawn, named in errors.
    pub figure: &'static str,
}

impl<'a> Canvas<'a> {
    /// Draws `element` on the root area.
    fn put<E>(&self, element: &E) -> Result<(), PlotError>
    where
        for<'b> &'b E: PointCollection<'b, Px>,
        E: Drawable<SVGBackend<'a>>,
    {
        self.area
            .draw(element)
            .map_err(|e| PlotError::draw(self.figure, e))
    }

    /// A straight segment (an SVG `<line>`).
    pub fn segment(&self, from: Px, to: Px, color: RGBAColor, width: u32) -> Result<(), PlotError> {
        self.put(&Segment {
            ends: [from, to],
            style: ShapeStyle::from(color).stroke_width(width),
        })
    }

    /// A polyline through `points` (one SVG `<polyline>`).
    pub fn path(&self, points: Vec<Px>, color: RGBAColor, width: u32) -> Result<(), PlotError> {
        self.put(&PathElement::new(
            points,
            ShapeStyle::from(color).stroke_width(width),
        ))
    }

    /// A filled rectangle between two corners.
    pub fn fill_rect(&self, a: Px, b: Px, color: RGBAColor) -> Result<(), PlotError> {
        self.put(&Rectangle::new([a, b], color.filled()))
    }

    /// A filled polygon through `corners`.
    pub fn polygon(&self, corners: Vec<Px>, color: RGBAColor) -> Result<(), PlotError> {
        self.put(&Polygon::new(corners, color.filled()))
    }

    /// A rectangle outline (four segments, so it can be wider than 1 px).
    pub fn stroke_rect(&self, a: Px, b: Px, color: RGBAColor, width: u32) -> Result<(), PlotError> {
        let corners = [a, (b.0, a.1), b, (a.0, b.1)];
        for i in 0..4 {
            self.segment(corners[i], corners[(i + 1) % 4], color, width)?;
        }
        Ok(())
    }

    /// A circle of radius `r` \[px\], filled or outlined.
    pub fn circle(&self, c: Px, r: u32, color: RGBAColor, filled: bool) -> Result<(), PlotError> {
        let style = if filled {
            color.filled()
        } else {
            ShapeStyle::from(color).stroke_width(2)
        };
        self.put(&Circle::new(c, r, style))
    }

    /// `text` at `pos`, anchored as `style` says.
    pub fn text(&self, text: &str, pos: Px, style: &TextStyle<'_>) -> Result<(), PlotError> {
        self.put(&Text::new(text.to_string(), pos, style.clone()))
    }

    /// A marker of half-size `r` \[px\] centred at `c`: filled in `color`, or hollow (white
    /// inside, `color` outline) when `hollow`.
    pub fn marker(
        &self,
        marker: Marker,
        c: Px,
        r: i32,
        color: RGBAColor,
        hollow: bool,
    ) -> Result<(), PlotError> {
        if marker == Marker::Circle {
            if hollow {
                self.circle(c, r as u32, WHITE.to_rgba(), true)?;
            }
            return self.circle(c, r as u32, color, !hollow);
        }
        let outline = marker_outline(marker, c, r);
        let fill = if hollow { WHITE.to_rgba() } else { color };
        self.put(&Polygon::new(outline.clone(), fill.filled()))?;
        if hollow {
            for i in 0..outline.len() {
                self.segment(outline[i], outline[(i + 1) % outline.len()], color, 2)?;
            }
        }
        Ok(())
    }
}

/// The corners of a polygonal `marker` of half-size `r` centred at `c`.
fn marker_outline(marker: Marker, c: Px, r: i32) -> Vec<Px> {
    let regular = |n: usize, phase: f64, scale: f64| -> Vec<Px> {
        (0..n)
            .map(|i| {
                let a = phase + std::f64::consts::TAU * i as f64 / n as f64;
                let rr = f64::from(r) * scale;
                (
                    c.0 + (rr * a.cos()).round() as i32,
                    c.1 + (rr * a.sin()).round() as i32,
                )
            })
            .collect()
    };
    use std::f64::consts::FRAC_PI_2;
    match marker {
        Marker::Square => vec![
            (c.0 - r, c.1 - r),
            (c.0 + r, c.1 - r),
            (c.0 + r, c.1 + r),
            (c.0 - r, c.1 + r),
        ],
        Marker::Diamond => regular(4, -FRAC_PI_2, 1.3),
        Marker::TriangleUp => regular(3, -FRAC_PI_2, 1.3),
        Marker::TriangleDown => regular(3, FRAC_PI_2, 1.3),
        Marker::Pentagon => regular(5, -FRAC_PI_2, 1.15),
        Marker::Hexagon | Marker::Circle => regular(6, 0.0, 1.15),
    }
}

/// A straight line drawn with the backend's `draw_line` (an SVG `<line>`, not a polyline).
struct Segment {
    ends: [Px; 2],
    style: ShapeStyle,
}

impl<'b> PointCollection<'b, Px> for &'b Segment {
    type Point = &'b Px;
    type IntoIter = &'b [Px; 2];
    fn point_iter(self) -> Self::IntoIter {
        &self.ends
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Segment {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        match (points.next(), points.next()) {
            (Some(a), Some(b)) => backend.draw_line(a, b, &self.style),
            _ => Ok(()),
        }
    }
}
