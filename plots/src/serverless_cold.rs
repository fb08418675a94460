//! The `serverless-cold` figure: the share of invocations that waited for a cold start, one
//! group of bars per scenario, one bar per policy in its colour (as in `serverless-tradeoff`).
//!
//! A bar is a sweep point of a serverless study (a row of its `summary.csv`): its cold-start
//! ratio \[%\], mean over replications, with its 95 % confidence bar. Several points of one
//! policy in a scenario (a keep-alive sweep) are bars of that policy's colour, lighter in sweep
//! order and labelled with their knob values. See [`crate::serverless_stats`] for the scenarios.

use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, WHITE};

use crate::bars::whisker;
use crate::canvas::Canvas;
use crate::legend::{self, Entry, Swatch};
use crate::scale::Axis;
use crate::serverless_stats::{
    Scenario, ServerlessPoint, legend_label, look, no_rows, policies, scenarios, wrap,
};
use crate::serverless_tradeoff::{CI_NOTE, LEGEND_W};
use crate::style::{self, GRID};
use crate::suspend_cost::lighter;
use crate::{Figure, PlotError, dash, units};

/// Height of the figure \[px\].
const HEIGHT: u32 = 600;
/// Height of the title and subtitle above the chart \[px\].
const HEADER: u32 = 80;
/// Width of a bar's slot \[px\].
const SLOT_W: u32 = 30;
/// Size of the group labels (the scenarios).
const GROUP_LABEL: f64 = 16.0;
/// Height of a group label's line \[px\].
const LABEL_LINE: u32 = 19;
/// Width of a group at least \[px\] (room for its label, which wraps to it).
const GROUP_MIN_W: u32 = 240;

/// The bars of a scenario: (policy, index among the policy's bars, the policy's bars, point).
type Bar<'a> = (&'a str, usize, usize, &'a ServerlessPoint);

/// A point's cold-start ratio and its CI half-width \[%\], if it has one.
fn percent(p: &ServerlessPoint) -> Option<(f64, Option<f64>)> {
    let v = p.cold_ratio.filter(|v| v.is_finite())?;
    let ci = p.cold_ratio_ci95.filter(|c| c.is_finite() && *c > 0.0);
    Some((100.0 * v.max(0.0), ci.map(|c| 100.0 * c)))
}

/// The bars of `scenario`, policies in the order of `names`, each policy's in sweep order.
fn bars<'a>(scenario: &Scenario<'a>, names: &'a [String]) -> Vec<Bar<'a>> {
    names
        .iter()
        .flat_map(|name| {
            let mine: Vec<&ServerlessPoint> = scenario
                .of(name)
                .into_iter()
                .filter(|p| percent(p).is_some())
                .collect();
            let n = mine.len();
            mine.into_iter()
                .enumerate()
                .map(move |(j, p)| (name.as_str(), j, n, p))
        })
        .collect()
}

/// Width of a group of `slots` bars \[px\].
fn group_width(slots: usize) -> u32 {
    (slots as u32 * SLOT_W + 40).max(GROUP_MIN_W)
}

/// Characters of a group label's line at most in a group of `slots` bars.
fn label_chars(slots: usize) -> usize {
    ((f64::from(group_width(slots)) - 20.0) / (GROUP_LABEL * 0.5)) as usize
}

/// Size of the figure \[px\] for `groups` groups of at most `slots` bars, labels of at most
/// `lines` lines.
pub(crate) fn size(groups: usize, slots: usize, lines: usize) -> (u32, u32) {
    let plots = (110 + groups as u32 * group_width(slots)).max(640);
    (
        plots + LEGEND_W,
        HEIGHT + (lines.max(1) as u32 - 1) * LABEL_LINE,
    )
}

/// The `serverless-cold` figure as SVG, from the rows of a serverless study's `summary.csv`.
pub fn serverless_cold_svg(points: &[ServerlessPoint]) -> Result<String, PlotError> {
    let figure = Figure::ServerlessCold.name();
    let groups = scenarios(points);
    if groups.is_empty() {
        return Err(no_rows(figure, points.len()));
    }
    let names = policies(points);
    let per_group: Vec<Vec<Bar<'_>>> = groups.iter().map(|s| bars(s, &names)).collect();
    if per_group.iter().all(Vec::is_empty) {
        return Err(PlotError::no_data(
            figure,
            "no row of summary.csv has a `cold_ratio` (did any invocation run?)",
        ));
    }
    let slots = per_group.iter().map(Vec::len).max().unwrap_or(1).max(1);
    // At a print size: narrower groups (the chart at least 420 px), their labels wrapped to
    // the width, the figure lower in proportion.
    let natural_w = size(groups.len(), slots, 1).0;
    let w = crate::size::fit(figure, natural_w, 420 + LEGEND_W)?;
    let chars = label_chars(slots) * (w - LEGEND_W) as usize / (natural_w - LEGEND_W) as usize;
    let labels: Vec<Vec<String>> = groups.iter().map(|s| wrap(&s.name, chars)).collect();
    let lines = labels.iter().map(Vec::len).max().unwrap_or(1);
    let top = per_group
        .iter()
        .flatten()
        .filter_map(|b| percent(b.3))
        .map(|(v, ci)| (v + ci.unwrap_or(0.0)).min(100.0))
        .fold(0.0, f64::max);
    let y_axis = Axis::linear_from_zero(top);
    let x_axis = Axis {
        log: false,
        range: -0.5..groups.len() as f64 - 0.5,
        ticks: Vec::new(),
        minor: Vec::new(),
    };
    let knob_row = per_group.iter().flatten().any(|b| b.2 > 1);

    let h = if w == natural_w {
        size(groups.len(), slots, lines).1
    } else {
        ((HEIGHT - HEADER) * w / natural_w + HEADER + (lines.max(1) as u32 - 1) * LABEL_LINE)
            .max(HEADER + 32 * names.len() as u32 + 40)
    };
    crate::size::check_height(figure, w, h)?;
    let knob_h = if knob_row { 20 } else { 0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(figure, e))?;
        let canvas = Canvas {
            area: root.clone(),
            figure,
        };
        let mid = ((w - LEGEND_W) / 2) as i32;
        let title = style::text(style::TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Center));
        canvas.text(Figure::ServerlessCold.title(), (mid, 26), &title)?;
        let sub = style::text(style::LEGEND_SIZE - 2.0).pos(Pos::new(HPos::Center, VPos::Center));
        canvas.text(CI_NOTE, (mid, 56), &sub)?;
        let entries: Vec<Entry> = names
            .iter()
            .map(|name| {
                let (color, _) = look(name);
                Entry {
                    swatch: Swatch::Box {
                        fill: color,
                        edge: color,
                    },
                    label: legend_label(name, &groups),
                }
            })
            .collect();
        legend::column(&canvas, &entries, ((w - LEGEND_W + 10) as i32, 90), 32)?;

        let body = root.margin(HEADER as i32 - 5, 5, 5, 10);
        let (area, _) = body.split_horizontally(w - LEGEND_W - 10);
        let widest = y_axis
            .ticks
            .iter()
            .map(|&t| units::number(t).chars().count())
            .max()
            .unwrap_or(1);
        let mut chart = ChartBuilder::on(&area)
            .margin(8)
            .x_label_area_size(knob_h + 14 + lines as u32 * LABEL_LINE)
            .y_label_area_size(style::y_label_area(widest))
            .build_cartesian_2d(x_axis.coord(), y_axis.coord())
            .map_err(|e| PlotError::draw(figure, e))?;
        let y_label = |v: &f64| units::number(*v);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&y_label)
            .y_desc("invocations that waited for a cold start [%]")
            .label_style(style::text(style::LABEL_SIZE))
            .axis_desc_style(style::text(style::DESC_SIZE))
            .draw()
            .map_err(|e| PlotError::draw(figure, e))?;

        let bottom = chart.backend_coord(&(0.0, y_axis.range.start)).1;
        let group_style = style::text(GROUP_LABEL).pos(Pos::new(HPos::Center, VPos::Top));
        let knob_style = style::text(13.0).pos(Pos::new(HPos::Center, VPos::Top));
        let slot = 0.8 / slots as f64;
        for (gi, (label, bars)) in labels.iter().zip(&per_group).enumerate() {
            let x_mid = chart.backend_coord(&(gi as f64, 0.0)).0;
            for (i, line) in label.iter().enumerate() {
                let y = bottom + 8 + knob_h as i32 + (i as u32 * LABEL_LINE) as i32;
                canvas.text(line, (x_mid, y), &group_style)?;
            }
            // The bars of a group centred on it.
            let first = gi as f64 - 0.4 + slot * (slots - bars.len()) as f64 / 2.0;
            for (bi, &(name, j, n, p)) in bars.iter().enumerate() {
                let Some((v, ci)) = percent(p) else {
                    continue;
                };
                let (color, _) = look(name);
                let shade = if n > 1 {
                    0.55 * j as f64 / (n - 1) as f64
                } else {
                    0.0
                };
                let x0 = first + slot * bi as f64;
                let a = chart.backend_coord(&(x0 + slot * 0.08, v));
                let b = chart.backend_coord(&(x0 + slot * 0.92, 0.0));
                let b = (b.0.max(a.0 + 1), b.1.max(a.1 + 1));
                canvas.fill_rect(a, b, lighter(color, shade).to_rgba())?;
                if n > 1 {
                    canvas.stroke_rect(a, b, color.to_rgba(), 1)?;
                    canvas.text(&p.knob_values(), ((a.0 + b.0) / 2, bottom + 6), &knob_style)?;
                }
                if let Some(ci) = ci {
                    let lo = chart.backend_coord(&(0.0, (v - ci).max(0.0))).1;
                    let hi = chart.backend_coord(&(0.0, (v + ci).min(100.0))).1;
                    whisker(&canvas, (a.0 + b.0) / 2, lo, hi)?;
                }
            }
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serverless_stats::tests::point;

    #[test]
    fn groups_per_scenario_and_bars_per_policy() {
        let points = vec![
            point(0, "kpa", "serverless.policy=kpa;load=0.5", 1.0, 1.0),
            point(
                1,
                "fixed",
                "serverless.policy=fixed;load=0.5;serverless.keep_alive_s=60",
                1.0,
                1.0,
            ),
            point(
                2,
                "fixed",
                "serverless.policy=fixed;load=0.5;serverless.keep_alive_s=600",
                1.0,
                1.0,
            ),
            point(3, "kpa", "serverless.policy=kpa;load=0.9", 1.0, 1.0),
        ];
        let groups = scenarios(&points);
        let names = policies(&points);
        let b: Vec<(&str, usize, usize, u32)> = bars(&groups[0], &names)
            .into_iter()
            .map(|(n, j, k, p)| (n, j, k, p.point))
            .collect();
        assert_eq!(
            b,
            [("fixed", 0, 2, 1), ("fixed", 1, 2, 2), ("kpa", 0, 1, 0)]
        );
        let svg = serverless_cold_svg(&points).unwrap();
        for text in [
            "\nload=0.5\n",
            "\nload=0.9\n",
            "\n600\n",
            "\nkpa\n",
            CI_NOTE,
        ] {
            assert!(svg.contains(text), "{text}");
        }
        assert_eq!(size(2, 6, 1), Figure::ServerlessCold.size());
        assert_eq!(size(2, 6, 3).1, size(2, 6, 1).1 + 2 * LABEL_LINE);
    }

    #[test]
    fn no_ratio_is_no_data() {
        let mut p = point(0, "kpa", "", 1.0, 1.0);
        p.cold_ratio = None;
        let err = serverless_cold_svg(&[p]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("serverless-cold: no data to draw"),
            "{err}"
        );
    }
}
