//! The `suspend-fit` figure: how many blocking functions a device of each memory size takes
//! in, and what share of their events gets served, one line per suspend method.
//!
//! Panel (a): functions deployed per run (summed over the worker BBUs); panel (b): the share of
//! a run's events whose burst ended. Both over the device memory \[MiB\] on a log2-spaced axis
//! ticked at the memories of the runs, each point the mean over replications with its 95 %
//! confidence bar ([`mlsim_core::stats::RepCi`]); the lines of the methods are shifted a little
//! sideways so that equal values stay visible. See [`crate::suspend_stats`] for the grouping.

use mlsim_core::record::{FunctionEventRecord, MemoryRecord, RunRecord};
use mlsim_core::stats::RepCi;
use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, WHITE};

use crate::canvas::{Canvas, Px};
use crate::legend::{self, Entry, Swatch};
use crate::scale::Axis;
use crate::style::{self, GRID, Marker};
use crate::suspend_stats::{FitPoint, fit_points, memories, methods};
use crate::{Figure, PlotError, dash, method, units};

/// Width of the legend column \[px\].
const LEGEND_W: u32 = 230;
/// Half-size of markers \[px\].
const MARKER_R: i32 = 6;
/// Sideways shift between the lines of neighbouring methods, as a share of the x range.
const DODGE: f64 = 0.012;

/// A panel: one statistic of a [`FitPoint`].
struct Panel {
    caption: &'static str,
    y_desc: &'static str,
    value: fn(&FitPoint) -> Option<RepCi>,
    /// The largest value the statistic can take (the share of events: 1), if bounded.
    bound: Option<f64>,
}

const PANELS: [Panel; 2] = [
    Panel {
        caption: "(a) Functions deployed",
        y_desc: "Functions deployed per run",
        value: |p| p.deployed,
        bound: None,
    },
    Panel {
        caption: "(b) Events served",
        y_desc: "Share of events served",
        value: |p| p.served,
        bound: Some(1.0),
    },
];

/// The x axis over the device memories `mems` (ascending): log-scaled and ticked at each
/// memory when all are positive, else linear.
pub(crate) fn memory_axis(mems: &[f64]) -> Axis {
    let (lo, hi) = (mems[0], mems[mems.len() - 1]);
    if lo <= 0.0 {
        return Axis::linear_padded(lo, hi, Some(mems.to_vec()));
    }
    let (a, b) = (lo.log10(), hi.log10());
    let pad = (0.08 * (b - a)).max(0.1);
    Axis {
        log: true,
        range: (a - pad)..(b + pad),
        ticks: mems.iter().map(|m| m.log10()).collect(),
        minor: Vec::new(),
    }
}

/// The `suspend-fit` figure as SVG, from `runs.csv`, `memory.csv` and `events.csv` records.
pub fn suspend_fit_svg(
    runs: &[RunRecord],
    memory: &[MemoryRecord],
    events: &[FunctionEventRecord],
) -> Result<String, PlotError> {
    let figure = Figure::SuspendFit.name();
    let points = fit_points(runs, memory, events);
    if points.is_empty() {
        return Err(PlotError::no_data(
            figure,
            format!(
                "no run with status `ok` in runs.csv has a row in memory.csv ({} runs, {} \
                 memory rows; only suspend studies write memory.csv)",
                runs.len(),
                memory.len()
            ),
        ));
    }
    let names = methods(points.iter().map(|p| p.method.as_str()));
    let mems = memories(points.iter().map(|p| p.memory_mib));
    let x_axis = memory_axis(&mems);

    // At a print size: narrower panels (each at least 300 px), the aspect kept down to the
    // legend's height.
    let (natural_w, natural_h) = Figure::SuspendFit.size();
    let w = crate::size::fit(figure, natural_w, LEGEND_W + PANELS.len() as u32 * 300)?;
    let h = (natural_h * w / natural_w).max(460);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(figure, e))?;
        let canvas = Canvas {
            area: root.clone(),
            figure,
        };
        let title = style::text(style::TITLE_SIZE).pos(Pos::new(HPos::Center, VPos::Center));
        canvas.text(
            Figure::SuspendFit.title(),
            (((w - LEGEND_W) / 2) as i32, 26),
            &title,
        )?;
        let sub = style::text(style::LEGEND_SIZE - 2.0).pos(Pos::new(HPos::Center, VPos::Center));
        canvas.text(
            crate::serverless_tradeoff::CI_NOTE,
            (((w - LEGEND_W) / 2) as i32, 54),
            &sub,
        )?;
        let entries: Vec<Entry> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (color, style, width) = method::line_named(name);
                Entry {
                    swatch: Swatch::Line {
                        color,
                        style,
                        width,
                        marker: Some(Marker::for_limit(i)),
                        hollow: false,
                    },
                    label: method::label(name),
                }
            })
            .collect();
        legend::column(&canvas, &entries, ((w - LEGEND_W + 10) as i32, 70), 32)?;

        let body = root.margin(70, 5, 5, 0);
        let (plots, _) = body.split_horizontally(w - LEGEND_W);
        let areas = plots.split_evenly((1, PANELS.len()));
        for (panel, area) in PANELS.iter().zip(&areas) {
            draw_panel(&canvas, area, panel, &points, &names, &x_axis)?;
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// Draws `panel` into `area`: one line per method of `names` through its `points`.
fn draw_panel(
    canvas: &Canvas<'_>,
    area: &plotters::drawing::DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    panel: &Panel,
    points: &[FitPoint],
    names: &[String],
    x_axis: &Axis,
) -> Result<(), PlotError> {
    let figure = canvas.figure;
    let top = points
        .iter()
        .filter_map(panel.value)
        .map(|c| c.mean + c.ci95.unwrap_or(0.0))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y_axis = match panel.bound {
        Some(b) => Axis {
            log: false,
            range: 0.0..b * 1.04,
            ticks: crate::scale::nice_ticks(0.0, b, 5),
            minor: Vec::new(),
        },
        None => Axis::linear_from_zero(top),
    };
    let widest = y_axis
        .ticks
        .iter()
        .map(|&t| units::number(t).chars().count())
        .max()
        .unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .caption(panel.caption, style::text(style::CAPTION_SIZE))
        .margin(8)
        .x_label_area_size(55)
        .y_label_area_size(style::y_label_area(widest))
        .build_cartesian_2d(x_axis.coord(), y_axis.coord())
        .map_err(|e| PlotError::draw(figure, e))?;
    let x_label = |v: &f64| units::number(x_axis.value(*v).round());
    let y_label = |v: &f64| units::number(*v);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc("Device memory [MiB]")
        .y_desc(panel.y_desc)
        .label_style(style::text(style::LABEL_SIZE))
        .axis_desc_style(style::text(style::DESC_SIZE))
        .draw()
        .map_err(|e| PlotError::draw(figure, e))?;

    let span = x_axis.range.end - x_axis.range.start;
    let k = names.len() as f64;
    for (i, name) in names.iter().enumerate() {
        let shift = DODGE * span * (i as f64 - (k - 1.0) / 2.0);
        let px = |mib: f64, v: f64| chart.backend_coord(&(x_axis.to_axis(mib) + shift, v));
        let (color, line, width) = method::line_named(name);
        let rgba = color.to_rgba();
        let mut path: Vec<Px> = Vec::new();
        for p in points.iter().filter(|p| &p.method == name) {
            let Some(c) = (panel.value)(p).filter(|c| c.mean.is_finite()) else {
                continue;
            };
            if let Some(ci) = c.ci95.filter(|ci| *ci > 0.0) {
                let hi = panel.bound.map_or(c.mean + ci, |b| (c.mean + ci).min(b));
                let lo = px(p.memory_mib, (c.mean - ci).max(0.0));
                let hi = px(p.memory_mib, hi);
                canvas.segment(lo, hi, rgba, 1)?;
                canvas.segment((lo.0 - 4, lo.1), (lo.0 + 4, lo.1), rgba, 1)?;
                canvas.segment((hi.0 - 4, hi.1), (hi.0 + 4, hi.1), rgba, 1)?;
            }
            path.push(px(p.memory_mib, c.mean));
        }
        canvas.path(path.clone(), line.tagged(color), width)?;
        for c in path {
            canvas.marker(Marker::for_limit(i), c, MARKER_R, rgba, false)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suspend_stats::tests::{event, mem, run};

    #[test]
    fn memory_axis_ticks_each_memory() {
        let a = memory_axis(&[256.0, 512.0, 1024.0, 2048.0]);
        assert!(a.log);
        let labels: Vec<f64> = a.ticks.iter().map(|&t| a.value(t).round()).collect();
        assert_eq!(labels, vec![256.0, 512.0, 1024.0, 2048.0]);
        assert!(!memory_axis(&[0.0, 512.0]).log);
    }

    #[test]
    fn draws_every_method_and_refuses_no_data() {
        let runs = vec![
            run(0, 0, "long_running"),
            run(1, 0, "pause"),
            run(2, 0, "criu"),
        ];
        let memory = vec![
            mem(0, 1, 256.0, 4),
            mem(1, 1, 256.0, 5),
            mem(2, 1, 512.0, 9),
        ];
        let events = vec![event(0, Some(0.0)), event(1, None), event(2, Some(1.5))];
        let svg = suspend_fit_svg(&runs, &memory, &events).unwrap();
        for label in ["long-running", "pause", "CRIU"] {
            assert!(svg.contains(&format!("\n{label}\n")), "{label}");
        }
        let err = suspend_fit_svg(&runs, &[], &events).unwrap_err();
        assert!(
            matches!(
                err,
                PlotError::NoData {
                    figure: "suspend-fit",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("memory.csv"), "{err}");
    }
}
