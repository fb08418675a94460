//! The applications: their order in figures and their labels.

use std::cmp::Ordering;

/// The paper's applications, in figure order.
const KNOWN: [&str; 3] = ["face", "taxi", "stress"];

/// Orders app names as the figures show them: face, taxi, stress, then others alphabetically.
pub fn compare(a: &str, b: &str) -> Ordering {
    let rank = |s: &str| KNOWN.iter().position(|k| *k == s).unwrap_or(KNOWN.len());
    rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
}

/// `apps` sorted in figure order, without duplicates.
pub fn sorted<'a>(apps: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = apps.into_iter().map(str::to_string).collect();
    v.sort_by(|a, b| compare(a, b));
    v.dedup();
    v
}

/// The app's name on a box-plot axis.
pub fn label(app: &str) -> String {
    match app {
        "face" => "Face recognition".into(),
        "taxi" => "Find a taxi".into(),
        "stress" => "Stress classification".into(),
        other => other.to_string(),
    }
}

/// The x-axis description of the app's panel in Figs. 6 and 7.
pub fn items_label(app: &str) -> &'static str {
    match app {
        "face" => "images per bulk request",
        "taxi" => "batched ride requests",
        "stress" => "stress window number",
        _ => "items per request",
    }
}

/// The caption of the `index`-th panel (0-based) showing `app`: `(a) Face recognition`.
pub fn panel_caption(index: usize, app: &str) -> String {
    let letter = char::from(b'a' + (index % 26) as u8);
    format!("({letter}) {}", label(app))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_order() {
        assert_eq!(
            sorted(["zeta", "stress", "alpha", "face", "taxi", "face"]),
            vec!["face", "taxi", "stress", "alpha", "zeta"]
        );
        assert_eq!(panel_caption(1, "taxi"), "(b) Find a taxi");
    }
}
