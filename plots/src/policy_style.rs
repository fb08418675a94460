//! How placement policies look in the policy figures: labels, colours and line styles.

use plotters::style::RGBColor;

use crate::style::{LineStyle, OKABE_ITO};

/// Colours given to policies in the order they are listed: the Okabe–Ito palette without its
/// yellow (too light on white), cycled ([`crate::style::OKABE_ITO`]).
const PALETTE: [RGBColor; 7] = [
    OKABE_ITO[5],
    OKABE_ITO[1],
    OKABE_ITO[3],
    OKABE_ITO[6],
    OKABE_ITO[2],
    OKABE_ITO[7],
    OKABE_ITO[0],
];

/// Line styles cycled with the colours (4 styles against 7 colours: 28 distinct pairs), so
/// policies also differ in grey scale and for colour-blind readers.
const LINES: [LineStyle; 4] = [
    LineStyle::Solid,
    LineStyle::Dashed,
    LineStyle::Dotted,
    LineStyle::DashDot,
];

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
        assert_eq!(color(0), color(7));
        // Seven policies: seven colours, and no two neighbours share a line style.
        let pairs: Vec<_> = (0..7).map(|i| (color(i), line(i))).collect();
        for i in 0..7 {
            assert!(pairs[i + 1..].iter().all(|p| p.0 != pairs[i].0));
            assert_ne!(line(i), line(i + 1));
        }
    }
}
