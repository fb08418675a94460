//! The serverless study's numbers (seed 004): the rows of its `summary.csv`, grouped into the
//! scenarios and policies the `serverless-tradeoff` and `serverless-cold` figures draw, and how
//! each keep-alive / prewarm policy looks.
//!
//! A row of `summary.csv` is a sweep point over its replications (written by
//! `mlsim-experiment`'s `serverless_summary`). Its `params` (`key=value;…`) hold the point's
//! swept parameters; without the policy (`serverless.policy`) and the policy's own knobs
//! (`serverless.keep_alive_s`, `serverless.instances`, `serverless.kpa_*`,
//! `serverless.hist_*`, `serverless.hotc_*`) they name the point's scenario, so a keep-alive
//! sweep of the fixed policy gives several points of that policy in one scenario. Rows without
//! a policy (no run of the point with status `ok`) are left out.

use plotters::style::RGBColor;
use serde::Deserialize;

use crate::PlotError;
use crate::style::Marker;

/// The columns of `summary.csv` the serverless figures read.
pub const SERVERLESS_COLUMNS: [&str; 8] = [
    "point",
    "policy",
    "params",
    "cold_ratio",
    "cold_ratio_ci95",
    "wait_p99_s",
    "idle_gib_s",
    "idle_gib_s_ci95",
];

/// A row of a serverless study's `summary.csv`: a sweep point over its replications (the
/// columns of [`SERVERLESS_COLUMNS`]; an empty cell is `None`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ServerlessPoint {
    /// Sweep point.
    pub point: u32,
    /// Keep-alive / prewarm policy (`serverful`, `fixed`, `kpa`, `histogram`, `hotc`,
    /// `oracle`); empty when no run of the point succeeded.
    pub policy: String,
    /// The point's swept parameters, `key=value;…`.
    pub params: String,
    /// Share of invocations that waited for a cold start, mean over replications (0 to 1).
    pub cold_ratio: Option<f64>,
    /// Its 95 % CI half-width.
    pub cold_ratio_ci95: Option<f64>,
    /// 99th percentile of the start delay, invocations of all replications pooled \[s\].
    pub wait_p99_s: Option<f64>,
    /// Memory-time of idle warm instances per run, mean over replications \[GiB·s\].
    pub idle_gib_s: Option<f64>,
    /// Its 95 % CI half-width \[GiB·s\].
    pub idle_gib_s_ci95: Option<f64>,
}

/// Whether the swept `key` is the policy or one of a policy's own knobs (not a scenario key).
fn is_policy_key(key: &str) -> bool {
    key.strip_prefix("serverless.").is_some_and(|k| {
        matches!(k, "policy" | "keep_alive_s" | "instances")
            || ["kpa_", "hist_", "hotc_"].iter().any(|p| k.starts_with(p))
    })
}

/// The `key=value` pairs of `params` (empty pairs skipped; a pair without `=` is a key).
fn pairs(params: &str) -> impl Iterator<Item = (&str, &str)> {
    params
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

impl ServerlessPoint {
    /// The point's scenario: its swept parameters without the policy and the policy's knobs
    /// (`key=value;…`, in sweep order), or `all` when none are left.
    pub fn scenario(&self) -> String {
        let rest: Vec<String> = pairs(&self.params)
            .filter(|(k, _)| !is_policy_key(k))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if rest.is_empty() {
            "all".into()
        } else {
            rest.join(";")
        }
    }

    /// The swept knobs of the point's policy: (key without `serverless.`, value), e.g.
    /// `("keep_alive_s", "60")`.
    pub fn knobs(&self) -> Vec<(String, String)> {
        pairs(&self.params)
            .filter(|(k, _)| is_policy_key(k) && *k != "serverless.policy")
            .map(|(k, v)| {
                let k = k.strip_prefix("serverless.").unwrap_or(k);
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    /// The values of [`ServerlessPoint::knobs`] as a short label (`60`, `60/2`); empty if none.
    pub fn knob_values(&self) -> String {
        let values: Vec<String> = self.knobs().into_iter().map(|(_, v)| v).collect();
        values.join("/")
    }
}

/// A scenario: its name and its points (sweep order).
pub(crate) struct Scenario<'a> {
    /// [`ServerlessPoint::scenario`] of its points.
    pub name: String,
    /// Its points with a policy.
    pub points: Vec<&'a ServerlessPoint>,
}

impl<'a> Scenario<'a> {
    /// The points of `policy`, in sweep order.
    pub fn of(&self, policy: &str) -> Vec<&'a ServerlessPoint> {
        self.points
            .iter()
            .copied()
            .filter(|p| p.policy == policy)
            .collect()
    }
}

/// The scenarios of the points with a policy, in sweep order (of their first point); empty if
/// no point has one.
pub(crate) fn scenarios(points: &[ServerlessPoint]) -> Vec<Scenario<'_>> {
    let mut sorted: Vec<&ServerlessPoint> =
        points.iter().filter(|p| !p.policy.is_empty()).collect();
    sorted.sort_by_key(|p| p.point);
    let mut out: Vec<Scenario<'_>> = Vec::new();
    for p in sorted {
        let name = p.scenario();
        match out.iter_mut().find(|s| s.name == name) {
            Some(s) => s.points.push(p),
            None => out.push(Scenario {
                name,
                points: vec![p],
            }),
        }
    }
    out
}

/// The policies of `points` in figure order: as `mlsim_core` lists them
/// ([`mlsim_core::serverless::Policy::NAMES`]), unknown names after them by name.
pub(crate) fn policies(points: &[ServerlessPoint]) -> Vec<String> {
    let rank = |n: &str| {
        mlsim_core::serverless::Policy::NAMES
            .iter()
            .position(|k| *k == n)
            .unwrap_or(usize::MAX)
    };
    let mut v: Vec<(usize, &str)> = points
        .iter()
        .filter(|p| !p.policy.is_empty())
        .map(|p| (rank(&p.policy), p.policy.as_str()))
        .collect();
    v.sort();
    v.dedup();
    v.into_iter().map(|(_, n)| n.to_string()).collect()
}

/// `text` in lines of at most `width` characters, broken after a `;` or a `, ` (a swept
/// table's value such as `bbu.load={ kind = "diurnal", mean = 0.5, … }` is long); a longer
/// piece is cut at the width.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces: Vec<String> = Vec::new();
    let mut piece = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        piece.push(c);
        let ends = c == ';' || (c == ',' && chars.peek() == Some(&' '));
        if ends {
            if c == ',' {
                piece.push(' ');
                chars.next();
            }
            pieces.push(std::mem::take(&mut piece));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if !line.is_empty() && line.chars().count() + piece.trim_end().chars().count() > width {
            lines.push(line.trim_end().to_string());
            line.clear();
        }
        line.push_str(&piece);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            let tail: String = line.chars().skip(width).collect();
            if tail.trim().is_empty() {
                break;
            }
            lines.push(head);
            line = tail;
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// The error of a serverless figure whose `summary.csv` (of `rows` rows) has no row with a
/// policy.
pub(crate) fn no_rows(figure: &'static str, rows: usize) -> PlotError {
    PlotError::no_data(
        figure,
        format!(
            "summary.csv has no serverless rows: none of its {rows} rows has a `policy` (did \
             no run of the serverless study succeed?)"
        ),
    )
}

/// The Okabe–Ito palette (colour-blind safe; Okabe & Ito 2008), without its yellow, which is
/// too light on white.
mod okabe_ito {
    use plotters::style::RGBColor;

    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const BLUISH_GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const REDDISH_PURPLE: RGBColor = RGBColor(204, 121, 167);
}

/// How the policy named `name` looks in both figures: its colour and marker (one of each per
/// known policy; an unknown one sky blue hexagons).
pub(crate) fn look(name: &str) -> (RGBColor, Marker) {
    use okabe_ito::*;
    match name {
        "serverful" => (BLACK, Marker::Square),
        "fixed" => (ORANGE, Marker::Circle),
        "kpa" => (BLUE, Marker::TriangleUp),
        "histogram" => (BLUISH_GREEN, Marker::Diamond),
        "hotc" => (VERMILLION, Marker::TriangleDown),
        "oracle" => (REDDISH_PURPLE, Marker::Pentagon),
        _ => (SKY_BLUE, Marker::Hexagon),
    }
}

/// The legend label of `policy`: its name, with the keys of its swept knobs when some scenario
/// has several of its points (`fixed (keep_alive_s)`).
pub(crate) fn legend_label(policy: &str, scenarios: &[Scenario<'_>]) -> String {
    let mut keys: Vec<String> = Vec::new();
    for s in scenarios {
        let mine = s.of(policy);
        if mine.len() > 1 {
            for (k, _) in mine.iter().flat_map(|p| p.knobs()) {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
    }
    if keys.is_empty() {
        policy.to_string()
    } else {
        format!("{policy} ({})", keys.join(", "))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A point of `policy` with swept `params`, idle memory-time `idle` and p99 start delay
    /// `p99`.
    pub(crate) fn point(
        point: u32,
        policy: &str,
        params: &str,
        idle: f64,
        p99: f64,
    ) -> ServerlessPoint {
        ServerlessPoint {
            point,
            policy: policy.into(),
            params: params.into(),
            cold_ratio: Some(0.1),
            cold_ratio_ci95: Some(0.02),
            wait_p99_s: Some(p99),
            idle_gib_s: Some(idle),
            idle_gib_s_ci95: Some(idle * 0.1),
        }
    }

    #[test]
    fn scenarios_drop_the_policy_and_its_knobs() {
        let p = point(
            0,
            "fixed",
            "serverless.policy=fixed;bbu.load.fraction=0.5;serverless.keep_alive_s=60",
            1.0,
            1.0,
        );
        assert_eq!(p.scenario(), "bbu.load.fraction=0.5");
        assert_eq!(p.knobs(), [("keep_alive_s".to_string(), "60".to_string())]);
        assert_eq!(p.knob_values(), "60");
        let q = point(
            1,
            "kpa",
            "serverless.policy=kpa;serverless.kpa_target=2",
            1.0,
            1.0,
        );
        assert_eq!(q.scenario(), "all");
        assert_eq!(point(2, "oracle", "", 0.0, 0.0).scenario(), "all");
        assert!(is_policy_key("serverless.hist_bin_s"));
        assert!(!is_policy_key("serverless.cold_start_ms"));
    }

    #[test]
    fn groups_in_sweep_order_and_policies_in_registry_order() {
        let points = vec![
            point(3, "oracle", "serverless.policy=oracle;x=2", 0.0, 0.1),
            point(0, "kpa", "serverless.policy=kpa;x=1", 5.0, 1.0),
            point(1, "fixed", "serverless.policy=fixed;x=1", 9.0, 0.5),
            point(2, "serverful", "serverless.policy=serverful;x=2", 90.0, 0.0),
            ServerlessPoint {
                point: 4,
                ..Default::default()
            },
        ];
        let s = scenarios(&points);
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["x=1", "x=2"]);
        assert_eq!(s[0].of("kpa").len(), 1);
        assert_eq!(policies(&points), ["serverful", "fixed", "kpa", "oracle"]);
        assert_eq!(legend_label("kpa", &s), "kpa");
        assert!(scenarios(&points[4..]).is_empty());
    }

    #[test]
    fn long_scenarios_wrap_at_separators() {
        assert_eq!(wrap("all", 10), ["all"]);
        assert_eq!(wrap("a=1;b=2;c=3", 8), ["a=1;b=2;", "c=3"]);
        assert_eq!(
            wrap("bbu.load={ kind = \"x\", mean = 0.5, noise = 0.05 }", 30),
            ["bbu.load={ kind = \"x\",", "mean = 0.5, noise = 0.05 }"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        for line in wrap(&"k=v;".repeat(40), 20) {
            assert!(line.chars().count() <= 20, "{line}");
        }
    }

    #[test]
    fn every_known_policy_has_its_own_look() {
        let looks: Vec<(RGBColor, Marker)> = mlsim_core::serverless::Policy::NAMES
            .iter()
            .map(|n| look(n))
            .collect();
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert!(a.0 != b.0 && a.1 != b.1, "{a:?} {b:?}");
            }
            assert_ne!(*a, look("unknown"));
        }
    }
}
