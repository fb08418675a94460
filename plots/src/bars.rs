//! The `policies` figure: the placement-policy comparison as bar-chart small multiples, one
//! panel per metric, one group of bars per policy, one bar per (method, r_limit) coloured by
//! method (μλ vermillion, CRIU blue, long-running grey; several limits of a method in lighter shades).
//! Completion-time panels carry 95 % confidence bars across replications.

use mlsim_core::record::{BbuRecord, RequestRecord, RunRecord};
use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use crate::canvas::Canvas;
use crate::legend::{self, Entry, Swatch};
use crate::method::{self, Method};
use crate::policy_stats::{PolicyRow, policy_rows};
use crate::scale::Axis;
use crate::style::{self, GRID};
use crate::{Figure, PlotError, dash, policy_style, units};
use mlsim_core::stats::RepCi;

/// One panel: a metric of a [`PolicyRow`].
struct Metric {
    title: &'static str,
    /// Value and CI half-width of a row (NaN: no bar).
    value: fn(&PolicyRow) -> (f64, Option<f64>),
    label: fn(f64) -> String,
}

fn ci(c: Option<RepCi>) -> (f64, Option<f64>) {
    c.map_or((f64::NAN, None), |c| (c.mean, c.ci95))
}

/// The panels, in reading order.
const METRICS: [Metric; 9] = [
    Metric {
        title: "Mean completion time [s]",
        value: |r| ci(r.mean_s),
        label: units::number,
    },
    Metric {
        title: "p95 completion time [s]",
        value: |r| ci(r.p95_s),
        label: units::number,
    },
    Metric {
        title: "p99 completion time [s]",
        value: |r| ci(r.p99_s),
        label: units::number,
    },
    Metric {
        title: "Deadline misses per request",
        value: |r| (r.misses_per_request, None),
        label: units::number,
    },
    Metric {
        title: "Lost work per request [s]",
        value: |r| (r.lost_work_s_per_request, None),
        label: units::number,
    },
    Metric {
        title: "Migrations per request",
        value: |r| (r.migrations_per_request, None),
        label: units::number,
    },
    Metric {
        title: "Evictions per request",
        value: |r| (r.evictions_per_request, None),
        label: units::number,
    },
    Metric {
        title: "Network load per request",
        value: |r| (r.bytes_per_request, None),
        label: units::bytes,
    },
    Metric {
        title: "C-RAN waits per run (episodes)",
        value: |r| (r.cran_waits_per_run, None),
        label: units::number,
    },
];

/// A bar series: a method at one runtime limit.
#[derive(Clone, Debug, PartialEq)]
struct Series {
    method: String,
    r_limit_s: Option<f64>,
    color: RGBColor,
}

impl Series {
    fn matches(&self, r: &PolicyRow) -> bool {
        self.method == r.method && self.r_limit_s == r.r_limit_s
    }

    fn label(&self) -> String {
        let limit = self
            .r_limit_s
            .map_or_else(String::new, |r| format!(" r={}s", units::seconds(r)));
        format!("{}{limit}", crate::method::label(&self.method))
    }
}

/// The series of `rows` (which come sorted by method and limit), with their colours.
fn series(rows: &[PolicyRow]) -> Vec<Series> {
    let mut keys: Vec<(String, Option<f64>)> = Vec::new();
    for r in rows {
        if !keys
            .iter()
            .any(|(m, l)| *m == r.method && *l == r.r_limit_s)
        {
            keys.push((r.method.clone(), r.r_limit_s));
        }
    }
    keys.iter()
        .map(|(method, r_limit_s)| {
            let same: Vec<&Option<f64>> = keys
                .iter()
                .filter(|(m, _)| m == method)
                .map(|(_, l)| l)
                .collect();
            let shade = same.iter().position(|l| *l == r_limit_s).unwrap_or(0);
            let base = Method::parse(method)
                .map_or(RGBColor(120, 120, 120), |m| method::rgb(m.def().look().bar));
            // Shorter limits darker, longer ones lighter (mixed with white up to 60 %).
            let f = if same.len() > 1 {
                0.6 * shade as f64 / (same.len() - 1) as f64
            } else {
                0.0
            };
            let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * f).round() as u8;
            Series {
                method: method.clone(),
                r_limit_s: *r_limit_s,
                color: RGBColor(mix(base.0), mix(base.1), mix(base.2)),
            }
        })
        .collect()
}

/// A policy's label on an axis, in at most two lines (split at its first `-` or `[`).
fn axis_lines(placement: &str) -> Vec<String> {
    let label = policy_style::label(placement);
    match label.find(['-', '[']) {
        Some(i) if i > 0 => {
            let (a, b) = label.split_at(i);
            let (a, b) = match b.strip_prefix('-') {
                Some(rest) => (format!("{a}-"), rest.to_string()),
                None => (a.to_string(), b.to_string()),
            };
            vec![a, b]
        }
        _ => vec![label],
    }
}

/// The `policies` figure as SVG, from `runs.csv`, `requests.csv` and `bbus.csv` records.
pub fn policy_metrics_svg<R: std::borrow::Borrow<RequestRecord>>(
    runs: &[RunRecord],
    requests: impl IntoIterator<Item = R>,
    bbus: &[BbuRecord],
) -> Result<String, PlotError> {
    let figure = Figure::Policies.name();
    let rows = policy_rows(runs, requests, bbus);
    if rows.is_empty() {
        return Err(PlotError::no_data(
            figure,
            format!("no run with status `ok` among the {} runs", runs.len()),
        ));
    }
    let series = series(&rows);
    let mut policies: Vec<String> = rows.iter().map(|r| r.placement.clone()).collect();
    policies.sort();
    policies.dedup();

    // Panels whose bars are all zero (or absent) are left out and named in the note.
    let (shown, empty): (Vec<&Metric>, Vec<&Metric>) = METRICS.iter().partition(|m| {
        rows.iter().any(|r| {
            let v = (m.value)(r).0;
            v.is_finite() && v != 0.0
        })
    });
    let replications = rows.iter().map(|r| r.replications).max().unwrap_or(1);
    let mut note = vec![format!(
        "Bars: mean over {replications} replications; whiskers: 95 % confidence interval of that mean (Student t)."
    )];
    if !empty.is_empty() {
        let names: Vec<&str> = empty.iter().map(|m| m.title).collect();
        note.push(format!(
            "Zero for every policy, not drawn: {}.",
            names.join("; ")
        ));
    }
    let per_group = series.len() as u32 * 12 + 24;
    let natural_panel_w = (90 + policies.len() as u32 * per_group).max(560);
    // At a print size: fewer panels to a row if need be, narrower (at least 380 px), lower in
    // proportion (at least 300).
    let cols = crate::size::columns(3, 3, 380, 20) as u32;
    let w = crate::size::fit(figure, cols * natural_panel_w + 20, cols * 380 + 20)?;
    let panel_w = (w - 20) / cols;
    let panel_h = (380 * panel_w / natural_panel_w).max(300);
    let grid_rows = shown.len().div_ceil(cols as usize).max(1) as u32;
    let h = 80 + grid_rows * panel_h + 26 * note.len() as u32;
    crate::size::check_height(figure, w, h)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(figure, e))?;
        let canvas = Canvas {
            area: root.clone(),
            figure,
        };
        let title = style::text(style::TITLE_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
        canvas.text(Figure::Policies.title(), (24, 30), &title)?;
        let entries: Vec<Entry> = series
            .iter()
            .map(|s| Entry {
                swatch: Swatch::Box {
                    fill: s.color,
                    edge: s.color,
                },
                label: s.label(),
            })
            .collect();
        legend::row(&canvas, &entries, w as i32 - 20, 30)?;

        let small = style::text(style::LABEL_SIZE - 1.0);
        for (i, line) in note.iter().enumerate() {
            let y = (80 + grid_rows * panel_h) as i32 + 8 + 26 * i as i32;
            canvas.text(line, (24, y), &small)?;
        }
        let body = root.margin(70, 10 + 26 * note.len() as u32, 10, 10);
        let areas = body.split_evenly((grid_rows as usize, cols as usize));
        for (metric, area) in shown.iter().zip(&areas) {
            draw_panel(&canvas, area, metric, &rows, &series, &policies)?;
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// A panel of grouped bars, on the axes of [`crate::scale`].
pub(crate) type BarChart<'a, 'b> = plotters::chart::ChartContext<
    'a,
    SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<crate::scale::AxisCoord, crate::scale::AxisCoord>,
>;

/// The frame of a panel of grouped bars in `area`: `groups` slots on x (no ticks), y from 0 to
/// `top` labelled by `label`, the caption and the mesh drawn; returns the chart and its y axis.
pub(crate) fn frame<'a, 'b>(
    area: &'a plotters::drawing::DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    figure: &'static str,
    caption: &str,
    groups: usize,
    top: f64,
    label: &dyn Fn(f64) -> String,
    x_label_area: u32,
) -> Result<(BarChart<'a, 'b>, Axis), PlotError> {
    let y_axis = Axis::linear_from_zero(top);
    let x_axis = Axis {
        log: false,
        range: -0.5..groups as f64 - 0.5,
        ticks: Vec::new(),
        minor: Vec::new(),
    };
    let widest = y_axis
        .ticks
        .iter()
        .map(|&t| label(t).chars().count())
        .max()
        .unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, style::text(style::CAPTION_SIZE - 3.0))
        .margin(6)
        .x_label_area_size(x_label_area)
        .y_label_area_size(style::y_label_area(widest) - 20)
        .build_cartesian_2d(x_axis.coord(), y_axis.coord())
        .map_err(|e| PlotError::draw(figure, e))?;
    let y_label = |v: &f64| label(*v);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&y_label)
        .label_style(style::text(style::LABEL_SIZE - 2.0))
        .draw()
        .map_err(|e| PlotError::draw(figure, e))?;
    Ok((chart, y_axis))
}

/// Draws the panel of `metric` into `area`.
fn draw_panel(
    canvas: &Canvas<'_>,
    area: &plotters::drawing::DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    metric: &Metric,
    rows: &[PolicyRow],
    series: &[Series],
    policies: &[String],
) -> Result<(), PlotError> {
    let figure = canvas.figure;
    let top = rows
        .iter()
        .map(|r| {
            let (v, ci) = (metric.value)(r);
            v + ci.unwrap_or(0.0)
        })
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (chart, y_axis) = frame(
        area,
        figure,
        metric.title,
        policies.len(),
        top,
        &metric.label,
        48,
    )?;

    let bottom = chart.backend_coord(&(0.0, y_axis.range.start)).1;
    let label_style = style::text(15.0).pos(Pos::new(HPos::Center, VPos::Top));
    let k = series.len().max(1) as f64;
    let slot = 0.8 / k;
    for (pi, placement) in policies.iter().enumerate() {
        let x_mid = chart.backend_coord(&(pi as f64, 0.0)).0;
        for (li, line) in axis_lines(placement).iter().enumerate() {
            canvas.text(line, (x_mid, bottom + 6 + 17 * li as i32), &label_style)?;
        }
        for (si, s) in series.iter().enumerate() {
            let Some(row) = rows
                .iter()
                .find(|r| r.placement == *placement && s.matches(r))
            else {
                continue;
            };
            let (v, ci) = (metric.value)(row);
            if !v.is_finite() {
                continue;
            }
            let x0 = pi as f64 - 0.4 + slot * si as f64;
            let a = chart.backend_coord(&(x0 + slot * 0.08, v));
            let b = chart.backend_coord(&(x0 + slot * 0.92, 0.0));
            let b = (b.0.max(a.0 + 1), b.1);
            canvas.fill_rect(a, (b.0, b.1.max(a.1 + 1)), s.color.to_rgba())?;
            if let Some(ci) = ci.filter(|c| *c > 0.0) {
                let xc = (a.0 + b.0) / 2;
                let lo = chart.backend_coord(&(0.0, (v - ci).max(0.0))).1;
                let hi = chart.backend_coord(&(0.0, v + ci)).1;
                whisker(canvas, xc, lo, hi)?;
            }
        }
    }
    Ok(())
}

/// A black confidence bar at pixel column `xc` from pixel row `lo` to `hi`, with 6-px caps.
pub(crate) fn whisker(canvas: &Canvas<'_>, xc: i32, lo: i32, hi: i32) -> Result<(), PlotError> {
    let black = plotters::style::BLACK.to_rgba();
    canvas.segment((xc, lo), (xc, hi), black, 1)?;
    canvas.segment((xc - 3, lo), (xc + 3, lo), black, 1)?;
    canvas.segment((xc - 3, hi), (xc + 3, hi), black, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_split_once() {
        assert_eq!(axis_lines("least_loaded"), ["least-", "loaded"]);
        assert_eq!(axis_lines("random"), ["random"]);
        assert_eq!(axis_lines("same_bbu"), ["same-", "BBU"]);
        assert_eq!(axis_lines("nearest[k=2]"), ["nearest", "[k=2]"]);
    }

    #[test]
    fn limits_of_one_method_get_shades() {
        let row = |m: &str, r: Option<f64>| PolicyRow {
            method: m.into(),
            r_limit_s: r,
            placement: "random".into(),
            runs: 1,
            replications: 1,
            requests: 1,
            finished: 1,
            failed: 0,
            unfinished: 0,
            mean_s: None,
            p95_s: None,
            p99_s: None,
            misses_per_request: 0.0,
            lost_work_s_per_request: 0.0,
            migrations_per_request: 0.0,
            evictions_per_request: 0.0,
            bytes_per_request: 0.0,
            cran_waits_per_run: 0.0,
            cran_wait_core_s_per_run: 0.0,
        };
        let s = series(&[
            row("microlambda", Some(2.0)),
            row("microlambda", Some(5.0)),
            row("criu", Some(2.0)),
        ]);
        assert_eq!(s.len(), 3);
        // μλ vermillion (213, 94, 0) at the shorter limit, a lighter one at the longer, CRIU blue.
        assert_eq!(s[0].color, RGBColor(213, 94, 0));
        assert_ne!(s[1].color, s[0].color);
        assert_eq!(s[2].color, RGBColor(0, 114, 178));
        assert_eq!(s[1].label(), "μλ r=5s");
    }
}
