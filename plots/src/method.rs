//! The checkpoint methods the figures compare, as their definitions in `mlsim-core` say
//! ([`mlsim_core::methods::ALL`]): names, legend labels, colours, line styles and order come
//! from there, never from a list of methods here.

use crate::style::LineStyle;
use mlsim_core::method::{Dash, Rgb};
use plotters::style::RGBColor;

/// How an offloaded task was run (the `method` column of the records); ordered as the figures
/// order methods (the registry's order).
pub use mlsim_core::method::MethodId as Method;

/// Figure rank of the method named `name`: its registry position, after every known method for
/// an unknown name.
pub fn rank(name: &str) -> usize {
    Method::parse(name).map_or(mlsim_core::methods::ALL.len(), |m| {
        Method::all().position(|x| x == m).unwrap_or(0)
    })
}

/// The label of the method named `name` in captions and legends (`μλ`, `CRIU`, ...); an
/// unknown name as it is.
pub fn label(name: &str) -> String {
    Method::parse(name).map_or_else(|| name.to_string(), |m| m.label().into())
}

/// A core colour as a plotters colour.
pub fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// The colour of a method's lines and markers.
pub fn color(m: Method) -> RGBColor {
    rgb(m.def().look().line)
}

/// A method's line: colour, stroke and width \[px\].
pub fn line(m: Method) -> (RGBColor, LineStyle, u32) {
    let look = m.def().look();
    let style = match look.dash {
        Dash::Solid => LineStyle::Solid,
        Dash::Dotted => LineStyle::Dotted,
        Dash::Dashed => LineStyle::Dashed,
    };
    (rgb(look.line), style, look.width)
}

/// Grey of methods the registry does not know.
const UNKNOWN: RGBColor = RGBColor(120, 120, 120);

/// The line of the method named `name` (as [`line`]); grey solid for an unknown name.
pub fn line_named(name: &str) -> (RGBColor, LineStyle, u32) {
    Method::parse(name).map_or((UNKNOWN, LineStyle::Solid, 2), line)
}

/// The bar colour of the method named `name`; grey for an unknown name.
pub fn bar_named(name: &str) -> RGBColor {
    Method::parse(name).map_or(UNKNOWN, |m| rgb(m.def().look().bar))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paper's look in the Okabe–Ito palette: μλ vermillion dotted (3 px), CRIU blue dashed,
    /// long-running black solid.
    #[test]
    fn figures_keep_the_paper_look_and_order() {
        let m = |n| Method::parse(n).expect(n);
        assert_eq!(
            line(m("microlambda")),
            (RGBColor(213, 94, 0), LineStyle::Dotted, 3)
        );
        assert_eq!(
            line(m("criu")),
            (RGBColor(0, 114, 178), LineStyle::Dashed, 2)
        );
        assert_eq!(
            line(m("long_running")),
            (RGBColor(0, 0, 0), LineStyle::Solid, 2)
        );
        assert_eq!(color(m("docker")), RGBColor(0, 158, 115));
        let ranks: Vec<usize> = [
            "long_running",
            "microlambda",
            "criu",
            "docker",
            "pause",
            "x",
        ]
        .iter()
        .map(|n| rank(n))
        .collect();
        assert_eq!(ranks, [0, 1, 2, 3, 4, 5]);
        assert_eq!(label("microlambda"), "μλ");
        assert_eq!(label("pause"), "pause");
        assert_eq!(label("podman"), "podman");
    }
}
