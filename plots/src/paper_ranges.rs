//! The checkpoint times and sizes the MicroLambda paper reports (Rahman et al., "Short and
//! Sweet Checkpoints for C-RAN MEC", Sec. IV-C, text on Figs. 4 and 5), as bounds per app and
//! method, and how the comparison figures draw them: a dashed line across the method's boxes
//! of the app, labelled with the bound.
//!
//! The paper's words (sizes in decimal units, as this crate's axes):
//! - Fig. 4: "While μλ creates a checkpoint for all applications in under 10 ms, CRIU takes at
//!   least 150 ms in the case of the ride hailing application and much longer for the other
//!   applications." (CRIU's bound for face and stress is therefore only "more than 150 ms".)
//! - Fig. 5: "for the face recognition and stress classification applications, … μλ
//!   checkpoints are under 128 KB, while CRIU checkpoints above 22 MB. … for the ride hailing
//!   application, … μλ checkpoints are under 281 KB, while CRIU checkpoints above 1.8 MB."

use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use crate::PlotError;
use crate::canvas::{Canvas, Px};
use crate::style::{self, LineStyle};

/// Which side of the bound the paper puts the values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    /// Every value is under the bound.
    Below,
    /// Every value is at least the bound.
    AtLeast,
    /// Every value is above the bound.
    Above,
    /// "Much longer" than the bound: above it, by an unstated margin.
    MuchAbove,
}

impl Relation {
    /// The relation as a symbol: `<`, `≥`, `>` (also for "much longer").
    pub fn symbol(self) -> &'static str {
        match self {
            Relation::Below => "<",
            Relation::AtLeast => "≥",
            Relation::Above | Relation::MuchAbove => ">",
        }
    }

    /// `<symbol> <value>`, and ` (much longer)` for [`Relation::MuchAbove`].
    pub fn describe(self, value: &str) -> String {
        let much = if self == Relation::MuchAbove {
            " (much longer)"
        } else {
            ""
        };
        format!("{} {value}{much}", self.symbol())
    }

    /// Whether `v` satisfies the relation to `bound`.
    pub fn holds(self, v: f64, bound: f64) -> bool {
        match self {
            Relation::Below => v < bound,
            Relation::AtLeast => v >= bound,
            Relation::Above | Relation::MuchAbove => v > bound,
        }
    }
}

/// One reported bound: the values of `method` on `app` are `relation` `value`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PaperBound {
    /// Application (`face`, `taxi`, `stress`).
    pub app: &'static str,
    /// Method (`microlambda`, `criu`).
    pub method: &'static str,
    /// Side of the bound.
    pub relation: Relation,
    /// The bound, in the figure's unit (ms for time, bytes for size).
    pub value: f64,
}

/// Fig. 4's bounds: checkpoint time \[ms\].
pub const PAPER_TIME_MS: [PaperBound; 6] = [
    bound("face", "microlambda", Relation::Below, 10.0),
    bound("taxi", "microlambda", Relation::Below, 10.0),
    bound("stress", "microlambda", Relation::Below, 10.0),
    bound("face", "criu", Relation::MuchAbove, 150.0),
    bound("taxi", "criu", Relation::AtLeast, 150.0),
    bound("stress", "criu", Relation::MuchAbove, 150.0),
];

/// Fig. 5's bounds: compressed checkpoint size [bytes, decimal units].
pub const PAPER_SIZE_BYTES: [PaperBound; 6] = [
    bound("face", "microlambda", Relation::Below, 128e3),
    bound("taxi", "microlambda", Relation::Below, 281e3),
    bound("stress", "microlambda", Relation::Below, 128e3),
    bound("face", "criu", Relation::Above, 22e6),
    bound("taxi", "criu", Relation::Above, 1.8e6),
    bound("stress", "criu", Relation::Above, 22e6),
];

const fn bound(
    app: &'static str,
    method: &'static str,
    relation: Relation,
    value: f64,
) -> PaperBound {
    PaperBound {
        app,
        method,
        relation,
        value,
    }
}

/// Colour of the bound lines and labels: dark grey, distinct from every method colour.
const BOUND: RGBColor = RGBColor(60, 60, 60);

/// Draws `b` as a dashed line from `x0` to `x1` at height `y` \[px\], labelled `paper <relation> <label>`
/// on the side the paper rules out (above an upper bound, below a lower one), off the boxes.
pub(crate) fn draw(
    canvas: &Canvas<'_>,
    b: &PaperBound,
    (x0, x1): (i32, i32),
    y: i32,
    label: &str,
) -> Result<(), PlotError> {
    canvas.segment((x0, y), (x1, y), LineStyle::Dashed.tagged(BOUND), 2)?;
    let size = style::LABEL_SIZE * 0.8;
    let (vpos, dy) = if b.relation == Relation::Below {
        (VPos::Bottom, -4)
    } else {
        (VPos::Top, 4)
    };
    let text = style::text(size)
        .color(&BOUND)
        .pos(Pos::new(HPos::Center, vpos));
    let at: Px = ((x0 + x1) / 2, y + dy);
    let label = format!("paper {}", b.relation.describe(label));
    // A light backing keeps the label legible over a box that crosses the bound.
    let half_w = (label.chars().count() as f64 * size / 1.24 * 0.3).ceil() as i32;
    let h = (size * 0.9).ceil() as i32;
    let (top, bottom) = if dy < 0 {
        (at.1 - h, at.1)
    } else {
        (at.1, at.1 + h)
    };
    canvas.fill_rect(
        (at.0 - half_w, top),
        (at.0 + half_w, bottom),
        WHITE.mix(0.8),
    )?;
    canvas.text(&label, at, &text)?;
    Ok(())
}
