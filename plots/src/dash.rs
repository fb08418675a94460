//! Dotted and dashed lines in plotters' SVG.
//!
//! plotters' SVG backend strokes every line solid. Lines that should be dotted or dashed are
//! drawn with an opacity tag ([`LineStyle::tag_alpha`](crate::style::LineStyle::tag_alpha)),
//! and [`apply`] rewrites the tag of `<polyline>` and `<line>` elements into full opacity plus
//! a `stroke-dasharray`, so each series stays one polyline and any SVG renderer shows the dashes.

use crate::style::{DASHDOT_ALPHA, DASHED_ALPHA, DOTTED_ALPHA};

/// Dash pattern of dotted lines [px on, px off], with round caps making the dots.
pub const DOTTED: &str = r#"stroke-dasharray="0.1 6" stroke-linecap="round""#;
/// Dash pattern of dashed lines [px on, px off].
pub const DASHED: &str = r#"stroke-dasharray="10 5""#;
/// Dash pattern of dash-dotted lines [px on, off, on, off], round caps making the dot.
pub const DASHDOT: &str = r#"stroke-dasharray="10 5 0.1 5" stroke-linecap="round""#;

/// `svg` with tagged lines turned into dotted and dashed ones.
pub fn apply(svg: &str) -> String {
    let dotted = format!(r#"opacity="{DOTTED_ALPHA}""#);
    let dashed = format!(r#"opacity="{DASHED_ALPHA}""#);
    let dashdot = format!(r#"opacity="{DASHDOT_ALPHA}""#);
    let mut out = String::with_capacity(svg.len() + 1024);
    for line in svg.split_inclusive('\n') {
        let is_line = line.starts_with("<polyline ") || line.starts_with("<line ");
        if is_line && line.contains(&dotted) {
            out.push_str(&line.replacen(&dotted, &format!(r#"opacity="1" {DOTTED}"#), 1));
        } else if is_line && line.contains(&dashed) {
            out.push_str(&line.replacen(&dashed, &format!(r#"opacity="1" {DASHED}"#), 1));
        } else if is_line && line.contains(&dashdot) {
            out.push_str(&line.replacen(&dashdot, &format!(r#"opacity="1" {DASHDOT}"#), 1));
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tagged_lines_change() {
        let svg = "<polyline fill=\"none\" opacity=\"0.998\" stroke=\"#D55E00\"/>\n\
                   <line opacity=\"0.997\" stroke=\"#0072B2\"/>\n\
                   <circle opacity=\"0.998\"/>\n\
                   <polyline fill=\"none\" opacity=\"1\"/>\n\
                   <polyline fill=\"none\" opacity=\"0.996\"/>\n";
        let out = apply(svg);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].contains("stroke-dasharray=\"0.1 6\"") && lines[0].contains("opacity=\"1\"")
        );
        assert!(lines[1].contains("stroke-dasharray=\"10 5\""));
        assert_eq!(lines[2], "<circle opacity=\"0.998\"/>");
        assert_eq!(lines[3], "<polyline fill=\"none\" opacity=\"1\"/>");
        assert!(lines[4].contains("stroke-dasharray=\"10 5 0.1 5\""));
    }
}
