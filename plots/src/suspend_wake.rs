//! The `suspend-wake` figure: how long an event waits for its function to wake, one panel per
//! device memory, one line per suspend method, log time axis.
//!
//! A line is the share of the group's events (all replications pooled) whose burst started
//! within a time of the event's arrival (`wake_latency_s`), counting only served events (the
//! burst ended). Events never served count in the denominator, so a line that ends below 1
//! shows them, as in the `cdf` figure. An event whose function was blocked and resident with
//! a core free starts at once: latencies under 1 ms are drawn at 1 ms.

use mlsim_core::record::{FunctionEventRecord, MemoryRecord, RunRecord};
use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::WHITE;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::canvas::Canvas;
use crate::cdf::staircase;
use crate::legend::{self, Entry, Swatch};
use crate::scale::Axis;
use crate::style::{self, GRID};
use crate::suspend_stats::{WakeCurve, memories, memory_label, methods, wake_curves};
use crate::{Figure, PlotError, dash, method, units};

/// Width of the legend column \[px\].
const LEGEND_W: u32 = 230;
/// Size of one panel \[px\].
const PANEL: (u32, u32) = (440, 480);
/// Panels per row at most.
const COLUMNS: usize = 4;
/// The shortest latency the axis shows \[s\]; shorter ones (e.g. 0: the burst started at
/// once) are drawn at the axis's left end.
const FLOOR_S: f64 = 1e-3;

/// The `suspend-wake` figure as SVG, from `runs.csv`, `memory.csv` and `events.csv` records.
pub fn suspend_wake_svg(
    runs: &[RunRecord],
    memory: &[MemoryRecord],
    events: &[FunctionEventRecord],
) -> Result<String, PlotError> {
    let figure = Figure::SuspendWake.name();
    let curves = wake_curves(runs, memory, events);
    if curves.is_empty() {
        return Err(PlotError::no_data(
            figure,
            format!(
                "no event in events.csv belongs to a run with status `ok` and a row in \
                 memory.csv ({} events, {} runs, {} memory rows)",
                events.len(),
                runs.len(),
                memory.len()
            ),
        ));
    }
    let names = methods(curves.iter().map(|c| c.method.as_str()));
    let mems = memories(curves.iter().map(|c| c.memory_mib));
    let all = || curves.iter().flat_map(|c| &c.latencies).copied();
    let lo = all().fold(f64::INFINITY, f64::min).max(FLOOR_S);
    let hi = all().fold(0.0, f64::max).max(lo);
    let x_axis = if lo.is_finite() {
        Axis::log(lo, hi)
    } else {
        Axis::log(FLOOR_S, FLOOR_S * 10.0)
    };
    let y_axis = Axis {
        log: false,
        range: 0.0..1.04,
        ticks: vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        minor: Vec::new(),
    };

    // At a print size: fewer panels to a row if need be, narrower (at least 280 px), each
    // keeping its aspect.
    let (cols, rows, w, panel_h) =
        crate::size::panel_grid(figure, mems.len(), COLUMNS, PANEL, 280, LEGEND_W)?;
    let h = (80 + rows as u32 * panel_h).max(80 + 400);
    crate::size::check_height(figure, w, h)?;
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
            Figure::SuspendWake.title(),
            (((w - LEGEND_W) / 2) as i32, 26),
            &title,
        )?;
        let sub = style::text(style::LEGEND_SIZE - 2.0).pos(Pos::new(HPos::Center, VPos::Center));
        canvas.text(
            "share of events served within a time of arrival (never served: line ends below 1; \
             under 1 ms: drawn at 1 ms)",
            (((w - LEGEND_W) / 2) as i32, 58),
            &sub,
        )?;
        let entries: Vec<Entry> = names
            .iter()
            .map(|name| {
                let (color, style, width) = method::line_named(name);
                Entry {
                    swatch: Swatch::Line {
                        color,
                        style,
                        width: width + 1,
                        marker: None,
                        hollow: false,
                    },
                    label: method::label(name),
                }
            })
            .collect();
        legend::column(&canvas, &entries, ((w - LEGEND_W + 10) as i32, 90), 32)?;

        let body = root.margin(75, 5, 5, 0);
        let (plots, _) = body.split_horizontally(w - LEGEND_W);
        let areas = plots.split_evenly((rows, cols));
        for (i, (&mib, area)) in mems.iter().zip(&areas).enumerate() {
            let letter = char::from(b'a' + (i % 26) as u8);
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("({letter}) {}", memory_label(mib)),
                    style::text(style::CAPTION_SIZE),
                )
                .margin(8)
                .x_label_area_size(55)
                .y_label_area_size(style::y_label_area(3))
                .build_cartesian_2d(x_axis.coord(), y_axis.coord())
                .map_err(|e| PlotError::draw(figure, e))?;
            let x_label = |v: &f64| units::number(x_axis.value(*v));
            let y_label = |v: &f64| units::number(*v);
            chart
                .configure_mesh()
                .bold_line_style(GRID)
                .light_line_style(GRID)
                .x_label_formatter(&x_label)
                .y_label_formatter(&y_label)
                .x_desc("Wake latency [s]")
                .y_desc("Share of events")
                .label_style(style::text(style::LABEL_SIZE))
                .axis_desc_style(style::text(style::DESC_SIZE))
                .draw()
                .map_err(|e| PlotError::draw(figure, e))?;
            let px = |t: f64, y: f64| chart.backend_coord(&(x_axis.to_axis(t.max(FLOOR_S)), y));
            let right = x_axis.value(x_axis.range.end);
            let mine = |c: &&WakeCurve| (c.memory_mib - mib).abs() < 1.0 / 1024.0;
            for c in curves.iter().filter(mine) {
                let (color, line, width) = method::line_named(&c.method);
                let points = staircase(&c.latencies, c.events, right, &px);
                canvas.path(points, line.tagged(color), width + 1)?;
            }
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suspend_stats::tests::{event, mem, run};

    #[test]
    fn unserved_events_keep_the_line_below_one() {
        // One panel, one method: 2 served events of 4; the staircase ends at half the height.
        let runs = vec![run(0, 0, "docker")];
        let memory = vec![mem(0, 1, 512.0, 2)];
        let events = vec![
            event(0, Some(0.5)),
            event(0, Some(2.0)),
            event(0, None),
            event(0, None),
        ];
        let c = wake_curves(&runs, &memory, &events);
        let px = |t: f64, y: f64| ((t * 100.0) as i32, (y * 100.0) as i32);
        let s = staircase(&c[0].latencies, c[0].events, 10.0, &px);
        assert_eq!(*s.last().unwrap(), (1000, 50));
        let svg = suspend_wake_svg(&runs, &memory, &events).unwrap();
        assert!(svg.contains("\nDocker\n") && svg.contains("(a) 512 MiB"));
    }

    #[test]
    fn no_events_is_no_data() {
        let runs = vec![run(0, 0, "docker")];
        let memory = vec![mem(0, 1, 512.0, 2)];
        let err = suspend_wake_svg(&runs, &memory, &[event(7, Some(1.0))]).unwrap_err();
        assert!(err.to_string().starts_with("suspend-wake: no data to draw"));
        // Only zero latencies: the axis falls back to its floor, still drawn.
        assert!(suspend_wake_svg(&runs, &memory, &[event(0, Some(0.0))]).is_ok());
    }
}
