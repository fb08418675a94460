//! The `serverless-tradeoff` figure: what each keep-alive / prewarm policy trades, idle memory
//! of warm instances against the start delay of invocations, one panel per scenario.
//!
//! A marker is a sweep point of a serverless study (a row of its `summary.csv`): x the
//! memory-time of idle warm instances per run \[GiB·s\] (mean over replications, with its 95 %
//! confidence bar drawn horizontally), y the 99th percentile of the start delay \[s\]
//! (invocations of all replications pooled, so without a bar). Each policy has its colour and
//! marker shape (Okabe–Ito, [`crate::serverless_stats::look`]); several points of one policy in
//! a panel (a keep-alive sweep) are joined by a line in the order of x and labelled with their
//! knob values. The x axis is log-scaled when the idle memory-times span more than two decades;
//! points of 0 are then drawn at its left end, as the subtitle says. All panels share their
//! axes. See [`crate::serverless_stats`] for the scenarios.

use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, WHITE};

use crate::canvas::{Canvas, Px};
use crate::legend::{self, Entry, Swatch};
use crate::scale::Axis;
use crate::serverless_stats::{
    Scenario, ServerlessPoint, legend_label, look, policies, scenarios, wrap,
};
use crate::style::{self, GRID, LineStyle};
use crate::{Figure, PlotError, dash, units};

/// Width of the legend column \[px\].
pub(crate) const LEGEND_W: u32 = 260;
/// Size of one panel \[px\].
const PANEL: (u32, u32) = (560, 480);
/// Panels per row at most.
const COLUMNS: usize = 3;
/// Height of the title and subtitles above the panels \[px\].
const HEADER: u32 = 95;
/// Size of the panel captions (the scenarios).
const CAPTION: f64 = style::CAPTION_SIZE - 4.0;
/// Height of a caption line \[px\].
const CAPTION_LINE: u32 = 23;
/// Characters of a caption line at most (a longer scenario wraps).
const CAPTION_CHARS: usize = 52;
/// Half-size of markers \[px\].
const MARKER_R: i32 = 7;
/// Idle memory-times spanning more than this ratio get a log axis.
const LOG_SPAN: f64 = 100.0;
/// The subtitle on confidence bars, the same in both serverless figures.
pub(crate) const CI_NOTE: &str = "bars: 95 % CI over replications (Student t)";

/// Size of the figure with `panels` panels whose captions take `lines` lines at most \[px\].
pub(crate) fn size(panels: usize, lines: usize) -> (u32, u32) {
    let cols = panels.clamp(1, COLUMNS) as u32;
    let rows = panels.max(1).div_ceil(COLUMNS) as u32;
    let panel_h = PANEL.1 + (lines.max(1) as u32 - 1) * CAPTION_LINE;
    (cols * PANEL.0 + LEGEND_W, HEADER + rows * panel_h)
}

/// A point's (idle memory-time, its CI half-width, p99 start delay), if it has both values.
fn xy(p: &ServerlessPoint) -> Option<(f64, Option<f64>, f64)> {
    let x = p.idle_gib_s.filter(|v| v.is_finite())?;
    let y = p.wait_p99_s.filter(|v| v.is_finite())?;
    let ci = p.idle_gib_s_ci95.filter(|c| c.is_finite() && *c > 0.0);
    Some((x.max(0.0), ci, y.max(0.0)))
}

/// The x axis over the idle memory-times of `points` and whether points of 0 sit at its left
/// end (a log axis): log10 when the positive values span more than [`LOG_SPAN`], else linear
/// from 0.
fn idle_axis(points: &[(f64, Option<f64>, f64)]) -> (Axis, bool) {
    let hi = points
        .iter()
        .map(|(x, ci, _)| x + ci.unwrap_or(0.0))
        .fold(0.0, f64::max);
    let positive = || points.iter().map(|p| p.0).filter(|x| *x > 0.0);
    let (min, max) = (
        positive().fold(f64::INFINITY, f64::min),
        positive().fold(0.0, f64::max),
    );
    if !(min.is_finite() && max / min > LOG_SPAN) {
        return (Axis::linear_from_zero(hi), false);
    }
    let lo = points
        .iter()
        .filter(|p| p.0 > 0.0)
        .map(|(x, ci, _)| match ci {
            Some(c) if x - c > 0.0 => x - c,
            _ => *x,
        })
        .fold(f64::INFINITY, f64::min);
    let zeros = points.iter().any(|p| p.0 <= 0.0);
    (Axis::log(lo, hi), zeros)
}

/// The `serverless-tradeoff` figure as SVG, from the rows of a serverless study's
/// `summary.csv`.
pub fn serverless_tradeoff_svg(points: &[ServerlessPoint]) -> Result<String, PlotError> {
    let figure = Figure::ServerlessTradeoff.name();
    let groups = scenarios(points);
    if groups.is_empty() {
        return Err(crate::serverless_stats::no_rows(figure, points.len()));
    }
    let drawn: Vec<(f64, Option<f64>, f64)> = groups
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| xy(p))
        .collect();
    if drawn.is_empty() {
        return Err(PlotError::no_data(
            figure,
            "no row of summary.csv has both `idle_gib_s` and `wait_p99_s` (did any invocation \
             run?)",
        ));
    }
    let names = policies(points);
    let (x_axis, zeros) = idle_axis(&drawn);
    let y_axis = Axis::linear_from_zero(drawn.iter().map(|p| p.2).fold(0.0, f64::max));

    // At a print size: fewer panels to a row if need be, narrower (at least 320 px), their
    // captions wrapped to the width, each keeping its aspect.
    let cols = crate::size::columns(groups.len(), COLUMNS, 320, LEGEND_W);
    let rows = groups.len().div_ceil(cols);
    let natural_w = cols as u32 * PANEL.0 + LEGEND_W;
    let w = crate::size::fit(figure, natural_w, cols as u32 * 320 + LEGEND_W)?;
    let panel_w = (w - LEGEND_W) / cols as u32;
    let chars = CAPTION_CHARS * panel_w as usize / PANEL.0 as usize;
    let captions: Vec<Vec<String>> = groups.iter().map(|s| wrap(&s.name, chars)).collect();
    let lines = captions.iter().map(Vec::len).max().unwrap_or(1);
    let h = if w == natural_w {
        size(groups.len(), lines).1
    } else {
        let panel_h = PANEL.1 * panel_w / PANEL.0 + (lines.max(1) as u32 - 1) * CAPTION_LINE;
        (HEADER + rows as u32 * panel_h).max(HEADER + 32 * names.len() as u32 + 40)
    };
    crate::size::check_height(figure, w, h)?;
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
        canvas.text(Figure::ServerlessTradeoff.title(), (mid, 26), &title)?;
        let sub = style::text(style::LEGEND_SIZE - 2.0).pos(Pos::new(HPos::Center, VPos::Center));
        canvas.text(CI_NOTE, (mid, 56), &sub)?;
        if zeros {
            canvas.text(
                "idle memory-time 0: drawn at the left end of the log axis",
                (mid, 80),
                &sub,
            )?;
        }
        let joined = |name: &str| groups.iter().any(|s| s.of(name).len() > 1);
        let entries: Vec<Entry> = names
            .iter()
            .map(|name| {
                let (color, marker) = look(name);
                let swatch = if joined(name) {
                    Swatch::Line {
                        color,
                        style: LineStyle::Solid,
                        width: 2,
                        marker: Some(marker),
                        hollow: false,
                    }
                } else {
                    Swatch::Marker {
                        color,
                        marker,
                        hollow: false,
                    }
                };
                Entry {
                    swatch,
                    label: legend_label(name, &groups),
                }
            })
            .collect();
        legend::column(&canvas, &entries, ((w - LEGEND_W + 10) as i32, 90), 32)?;

        let body = root.margin(HEADER as i32 - 5, 5, 5, 0);
        let (plots, _) = body.split_horizontally(w - LEGEND_W);
        let areas = plots.split_evenly((rows, cols));
        let caption = style::text(CAPTION).pos(Pos::new(HPos::Center, VPos::Top));
        for ((scenario, area), text) in groups.iter().zip(&areas).zip(&captions) {
            let (x0, y0) = area.get_base_pixel();
            let x_mid = x0 + area.dim_in_pixel().0 as i32 / 2;
            for (i, line) in text.iter().enumerate() {
                let y = y0 + 8 + (i as u32 * CAPTION_LINE) as i32;
                canvas.text(line, (x_mid, y), &caption)?;
            }
            let below = area.margin(8 + lines as u32 * CAPTION_LINE, 0, 0, 0);
            draw_panel(&canvas, &below, scenario, &names, &x_axis, &y_axis)?;
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// Draws the panel of `scenario` into `area` (below its caption): the points of each policy
/// of `names`.
fn draw_panel(
    canvas: &Canvas<'_>,
    area: &plotters::drawing::DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    scenario: &Scenario<'_>,
    names: &[String],
    x_axis: &Axis,
    y_axis: &Axis,
) -> Result<(), PlotError> {
    let figure = canvas.figure;
    let widest = y_axis
        .ticks
        .iter()
        .map(|&t| units::number(t).chars().count())
        .max()
        .unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(55)
        .y_label_area_size(style::y_label_area(widest))
        .build_cartesian_2d(x_axis.coord(), y_axis.coord())
        .map_err(|e| PlotError::draw(figure, e))?;
    let x_label = |v: &f64| crate::suspend_cost::compact(x_axis.value(*v));
    let y_label = |v: &f64| units::number(*v);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(GRID)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc("Idle memory-time of warm instances per run [GiB·s]")
        .y_desc("99th-percentile start delay [s]")
        .label_style(style::text(style::LABEL_SIZE))
        .axis_desc_style(style::text(style::DESC_SIZE))
        .draw()
        .map_err(|e| PlotError::draw(figure, e))?;

    let px = |x: f64, y: f64| -> Px { chart.backend_coord(&(x_axis.to_axis(x), y)) };
    let knob_style = style::text(14.0).pos(Pos::new(HPos::Left, VPos::Bottom));
    for name in names {
        let (color, marker) = look(name);
        let rgba = color.to_rgba();
        let mut mine: Vec<(f64, Option<f64>, f64, String)> = scenario
            .of(name)
            .into_iter()
            .filter_map(|p| xy(p).map(|(x, ci, y)| (x, ci, y, p.knob_values())))
            .collect();
        mine.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.total_cmp(&b.2)));
        for (x, ci, y, _) in &mine {
            if let Some(ci) = ci {
                let (lo, hi) = (px(x - ci, *y), px(x + ci, *y));
                canvas.segment(lo, hi, rgba, 1)?;
                canvas.segment((lo.0, lo.1 - 4), (lo.0, lo.1 + 4), rgba, 1)?;
                canvas.segment((hi.0, hi.1 - 4), (hi.0, hi.1 + 4), rgba, 1)?;
            }
        }
        let path: Vec<Px> = mine.iter().map(|(x, _, y, _)| px(*x, *y)).collect();
        if path.len() > 1 {
            canvas.path(path.clone(), LineStyle::Solid.tagged(color), 2)?;
        }
        for (c, (.., knobs)) in path.iter().zip(&mine) {
            canvas.marker(marker, *c, MARKER_R, rgba, false)?;
            if path.len() > 1 && !knobs.is_empty() {
                canvas.text(knobs, (c.0 + 9, c.1 - 7), &knob_style)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serverless_stats::tests::point;

    #[test]
    fn log_axis_only_beyond_two_decades() {
        let (a, zeros) = idle_axis(&[(0.0, None, 1.0), (1.0, None, 1.0), (50.0, None, 1.0)]);
        assert!(!a.log && !zeros);
        let (a, zeros) = idle_axis(&[(0.0, None, 1.0), (1.0, None, 1.0), (500.0, None, 1.0)]);
        assert!(a.log && zeros);
        // A point of 0 is pinned to the left end.
        assert_eq!(a.to_axis(0.0), a.range.start);
        assert_eq!(size(2, 1), Figure::ServerlessTradeoff.size());
        assert_eq!(size(4, 3).1, size(4, 1).1 + 2 * 2 * CAPTION_LINE);
    }

    #[test]
    fn draws_each_policy_and_a_line_per_sweep() {
        let points = vec![
            point(0, "serverful", "serverless.policy=serverful", 9000.0, 0.0),
            point(
                1,
                "fixed",
                "serverless.policy=fixed;serverless.keep_alive_s=60",
                20.0,
                3.0,
            ),
            point(
                2,
                "fixed",
                "serverless.policy=fixed;serverless.keep_alive_s=600",
                90.0,
                1.0,
            ),
            point(3, "oracle", "serverless.policy=oracle", 0.0, 0.5),
        ];
        let svg = serverless_tradeoff_svg(&points).unwrap();
        for text in [
            "\nserverful\n",
            "\nfixed (keep_alive_s)\n",
            "\noracle\n",
            "\nall\n",
            "\n600\n",
            CI_NOTE,
            "drawn at the left end of the log axis",
        ] {
            assert!(svg.contains(text), "{text}");
        }
        // One line: the fixed policy's, in Okabe–Ito orange.
        let lines = svg
            .lines()
            .filter(|l| l.starts_with("<polyline") && l.contains("#E69F00"))
            .count();
        assert_eq!(
            lines, 1,
            "the panel's line (the legend's sample is a <line>)"
        );
        let err = serverless_tradeoff_svg(&[]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("serverless-tradeoff: no data to draw"),
            "{err}"
        );
    }
}
