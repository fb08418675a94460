//! How placement policies look in the policy figures: labels, colours and line styles.

use plotters::style::RGBColor;

use crate::style::LineStyle;

/// Colours given to policies in the order they are listed (matplotlib's "tab10"), cycled.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Line styles cycled with the colours, so neighbouring policies also differ in grey scale.
const LINES: [LineStyle; 3] = [LineStyle::Solid, LineStyle::Dashed, LineStyle::Dotted];

/// The colour of the `i`-th policy of a figure.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The line style of the `i`-th policy of a figure.
pub fn line(i: usize) -> LineStyle {
    LINES[i % LINES.len()]
}

/// A policy's name in legends and on axes: `least_loaded` → `least-loaded`,
/// `same_bbu` → `same-BBU`; swept parameters in brackets are kept.
pub fn label(placement: &str) -> String {
    let (name, rest) = match placement.find('[') {
        Some(i) => placement.split_at(i),
        None => (placement, ""),
    };
    let name = match name {
        "same_bbu" => "same-BBU".to_string(),
        other => other.replace('_', "-"),
    };
    format!("{name}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(label("least_loaded"), "least-loaded");
        assert_eq!(label("same_bbu"), "same-BBU");
        assert_eq!(
            label("forecast_aware[alpha=0.2]"),
            "forecast-aware[alpha=0.2]"
        );
        assert_eq!(color(0), color(10));
    }
}
