//! Figs. 6 and 7: one panel per app, mean execution time or network load over items, one line
//! per (method, r_limit, mode) with 95 % confidence bars.

use mlsim_core::record::{Mode, RequestRecord, RunRecord};
use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use crate::canvas::{Canvas, Px};
use crate::legend::{self, Entry, Swatch};
use crate::method;
use crate::scale::Axis;
use crate::series::{self, Metric, Series, SeriesKey};
use crate::style::{self, GRID, LineStyle, Marker};
use crate::{Figure, PlotError, apps, dash, units};

/// Fig. 6 as SVG: mean execution time \[s\] of successful requests over items, per app, with
/// 95 % confidence bars over the replications `runs` gives (see [`mlsim_core::stats`]; a
/// run missing from `runs` counts as a replication of its own).
pub fn execution_time_svg(
    records: &[RequestRecord],
    runs: &[RunRecord],
) -> Result<String, PlotError> {
    let spec = LineSpec {
        figure: Figure::Fig6,
        metric: Metric::ExecTime,
        y_desc: "Mean execution time [s]",
        y_label: units::number,
        log_y: false,
    };
    line_figure(&spec, records, runs)
}

/// Fig. 7 as SVG: mean network load \[bytes\] of successful requests over items, per app, with
/// confidence bars as in [`execution_time_svg`].
pub fn network_load_svg(
    records: &[RequestRecord],
    runs: &[RunRecord],
) -> Result<String, PlotError> {
    let spec = LineSpec {
        figure: Figure::Fig7,
        metric: Metric::Bytes,
        y_desc: "Mean network load per request [bytes]",
        y_label: units::bytes,
        // CRIU's load at short r_limit is two to three orders of magnitude above μλ's and
        // long-running's; on a linear axis those would lie flat on zero.
        log_y: true,
    };
    line_figure(&spec, records, runs)
}

/// What distinguishes Fig. 6 from Fig. 7.
struct LineSpec {
    figure: Figure,
    metric: Metric,
    y_desc: &'static str,
    y_label: fn(f64) -> String,
    /// Log10 y axis instead of linear from zero.
    log_y: bool,
}

/// Width of the legend column \[px\].
const LEGEND_W: u32 = 230;
/// Narrowest panel of a print layout \[px\].
const PANEL_MIN_W: u32 = 260;
/// Lowest figure of a print layout \[px\]: room for the legend and its note.
const PANEL_MIN_H: u32 = 420;
/// Half-size of markers \[px\].
const MARKER_R: i32 = 6;

/// How a series looks.
#[derive(Clone, Copy, Debug)]
struct Look {
    color: RGBColor,
    line: LineStyle,
    width: u32,
    marker: Marker,
    hollow: bool,
}

/// The look and legend label of `key` among the figure's series `keys`; `both_modes` marks
/// emulation series. A method's colour comes from its definition; its runtime limits are
/// shades of it, the shortest darkest (mixed with white up to 55 % for the longest), besides
/// their markers, so r_limit reads in colour, shape and grey scale.
fn look(key: &SeriesKey, keys: &[SeriesKey], limits: &[i64], both_modes: bool) -> (Look, String) {
    let marker = series::limit_index(limits, key).map_or(Marker::Circle, Marker::for_limit);
    let hollow = both_modes && key.mode == Mode::Emu;
    let (base, line, width) = method::line(key.method);
    let mut own: Vec<i64> = keys
        .iter()
        .filter(|k| k.method == key.method)
        .filter_map(|k| series::limit_index(limits, k).map(|i| limits[i]))
        .collect();
    own.sort_unstable();
    own.dedup();
    let color = match series::limit_index(limits, key) {
        Some(i) if own.len() > 1 => {
            let rank = own.iter().position(|&l| l == limits[i]).unwrap_or(0);
            style::shade(base, 0.55 * rank as f64 / (own.len() - 1) as f64)
        }
        _ => base,
    };
    let mut label = key.method.label().to_string();
    if let Some(r) = key.r_limit_s {
        label.push_str(&format!(" r={}s", units::seconds(r)));
    }
    if hollow {
        label.push_str(" (emu)");
    }
    let look = Look {
        color,
        line,
        width,
        marker,
        hollow,
    };
    (look, label)
}

/// Horizontal offset \[px\] between neighbouring series at one x: lines that coincide (e.g.
/// long-running and several limits of Fig. 6(c)) stay visible side by side.
const DODGE_PX: f64 = 2.5;

/// The note under the legend: what the bars are, and the dodge.
fn note(replications: usize) -> [String; 4] {
    [
        "Bars: 95 % CI of the mean".into(),
        format!("over {replications} replications"),
        "(Student t). Points dodged".into(),
        "sideways to stay visible.".into(),
    ]
}

/// Draws a line figure.
fn line_figure(
    spec: &LineSpec,
    records: &[RequestRecord],
    runs: &[RunRecord],
) -> Result<String, PlotError> {
    let figure = spec.figure.name();
    let all = series::aggregate(records, runs, spec.metric);
    if all.is_empty() {
        let ok = records.iter().filter(|r| r.status == "ok").count();
        return Err(PlotError::no_data(
            figure,
            format!(
                "no request with status `ok` and method `long_running`, `microlambda`, `criu` or `docker` \
                 ({} records, {ok} ok)",
                records.len()
            ),
        ));
    }
    let both_modes =
        all.iter().any(|s| s.key.mode == Mode::Sim) && all.iter().any(|s| s.key.mode == Mode::Emu);
    let limits = series::limits(&all);
    let panel_apps = apps::sorted(all.iter().map(|s| s.app.as_str()));

    // At a print size, the panels get narrower (never under PANEL_MIN_W; stacked in rows
    // when a row of them does not fit) and keep their aspect; the legend column keeps its
    // width.
    let (natural_w, natural_h) = spec.figure.size();
    let n = panel_apps.len();
    let cols = crate::size::columns(n, n, PANEL_MIN_W, LEGEND_W);
    let rows = n.div_ceil(cols) as u32;
    let natural_w = if cols < n {
        LEGEND_W + (natural_w - LEGEND_W) * cols as u32 / n as u32
    } else {
        natural_w
    };
    let w = crate::size::fit(figure, natural_w, LEGEND_W + PANEL_MIN_W * cols as u32)?;
    let h = (rows * (natural_h - 50) * w / natural_w + 50).max(PANEL_MIN_H);
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
            spec.figure.title(),
            (((w - LEGEND_W) / 2) as i32, 26),
            &title,
        )?;

        let keys = series::keys(&all);
        let entries: Vec<Entry> = keys
            .iter()
            .map(|k| {
                let (l, label) = look(k, &keys, &limits, both_modes);
                Entry {
                    swatch: Swatch::Line {
                        color: l.color,
                        style: l.line,
                        width: l.width,
                        marker: Some(l.marker),
                        hollow: l.hollow,
                    },
                    label,
                }
            })
            .collect();
        let pitch = (((h - 200) as usize / entries.len().max(1)) as i32).min(30);
        legend::column(&canvas, &entries, ((w - LEGEND_W + 10) as i32, 60), pitch)?;
        let replications = {
            let mut r: Vec<u32> = runs.iter().map(|r| r.replication).collect();
            r.sort_unstable();
            r.dedup();
            r.len().max(1)
        };
        let small = style::text(style::LABEL_SIZE - 3.0);
        for (i, line) in note(replications).iter().enumerate() {
            let y = 60 + pitch * entries.len() as i32 + 20 + 20 * i as i32;
            canvas.text(line, ((w - LEGEND_W + 14) as i32, y), &small)?;
        }

        let body = root.margin(50, 5, 5, 0);
        let (plots, _) = body.split_horizontally(w - LEGEND_W);
        let panels = plots.split_evenly((rows as usize, cols));
        for (i, (app, area)) in panel_apps.iter().zip(&panels).enumerate() {
            let mine: Vec<&Series> = all.iter().filter(|s| &s.app == app).collect();
            let looks = |s: &Series| look(&s.key, &keys, &limits, both_modes).0;
            draw_panel(spec, &canvas, area, i, app, &mine, &looks)?;
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// Draws the panel of `app` (the `index`-th) with its `series` into `area`.
fn draw_panel(
    spec: &LineSpec,
    canvas: &Canvas<'_>,
    area: &plotters::drawing::DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    index: usize,
    app: &str,
    series: &[&Series],
    looks: &dyn Fn(&Series) -> Look,
) -> Result<(), PlotError> {
    let figure = spec.figure.name();
    let points = || series.iter().flat_map(|s| s.points.iter());
    let mut items: Vec<u32> = points().map(|p| p.items).collect();
    items.sort_unstable();
    items.dedup();
    let (x_lo, x_hi) = (f64::from(items[0]), f64::from(items[items.len() - 1]));
    let x_ticks = (items.len() <= 10).then(|| items.iter().map(|&i| f64::from(i)).collect());
    let x_axis = Axis::linear_padded(x_lo, x_hi, x_ticks);
    let y_max = points()
        .map(|p| p.stats.mean + p.stats.ci95.unwrap_or(0.0))
        .fold(0.0, f64::max);
    let y_axis = if spec.log_y {
        let y_min = points()
            .map(|p| {
                let lo = p.stats.mean - p.stats.ci95.unwrap_or(0.0);
                if lo > 0.0 { lo } else { p.stats.mean }
            })
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        Axis::log(if y_min.is_finite() { y_min } else { 1.0 }, y_max.max(1.0))
    } else {
        Axis::linear_from_zero(y_max)
    };

    let widest = y_axis
        .ticks
        .iter()
        .map(|&t| (spec.y_label)(y_axis.value(t)).chars().count())
        .max()
        .unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .caption(
            apps::panel_caption(index, app),
            style::text(style::CAPTION_SIZE),
        )
        .margin(8)
        .x_label_area_size(55)
        .y_label_area_size(style::y_label_area(widest))
        .build_cartesian_2d(x_axis.coord(), y_axis.coord())
        .map_err(|e| PlotError::draw(figure, e))?;
    let x_label = |v: &f64| units::number(*v);
    let y_label = |v: &f64| (spec.y_label)(y_axis.value(*v));
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc(apps::items_label(app))
        .y_desc(spec.y_desc)
        .label_style(style::text(style::LABEL_SIZE))
        .axis_desc_style(style::text(style::DESC_SIZE))
        .draw()
        .map_err(|e| PlotError::draw(figure, e))?;

    // Drawn in legend order but the baseline (long-running) last, on top; each series shifted
    // sideways by its place among the panel's series.
    let mut order: Vec<&Series> = series.to_vec();
    order.sort_by_key(|s| !s.key.method.def().checkpoints());
    let n = series.len() as f64;
    for s in order {
        let j = series.iter().position(|x| std::ptr::eq(*x, s)).unwrap_or(0) as f64;
        let shift = ((j - (n - 1.0) / 2.0) * DODGE_PX).round() as i32;
        let px = |items: u32, v: f64| {
            let (x, y) = chart.backend_coord(&(f64::from(items), y_axis.to_axis(v)));
            (x + shift, y)
        };
        let look = looks(s);
        let color = look.color.to_rgba();
        for p in &s.points {
            if let Some(ci) = p.stats.ci95.filter(|ci| *ci > 0.0) {
                let lo = px(p.items, (p.stats.mean - ci).max(0.0));
                let hi = px(p.items, p.stats.mean + ci);
                canvas.segment(lo, hi, color, 1)?;
                canvas.segment((lo.0 - 4, lo.1), (lo.0 + 4, lo.1), color, 1)?;
                canvas.segment((hi.0 - 4, hi.1), (hi.0 + 4, hi.1), color, 1)?;
            }
        }
        let line: Vec<Px> = s.points.iter().map(|p| px(p.items, p.stats.mean)).collect();
        canvas.path(line.clone(), look.line.tagged(look.color), look.width)?;
        for c in line {
            canvas.marker(look.marker, c, MARKER_R, color, look.hollow)?;
        }
    }
    Ok(())
}
