//! Figs. 4 and 5: per app, box plots of checkpoint time or size, μλ beside CRIU, log y axis.

use mlsim_core::record::{CheckpointRecord, Mode};
use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use crate::canvas::Canvas;
use crate::legend::{self, Entry, Swatch};
use crate::method::{self, Method};
use crate::paper_ranges::{self, PAPER_SIZE_BYTES, PAPER_TIME_MS, PaperBound};
use crate::scale::Axis;
use crate::stats::BoxStats;
use crate::style::{self, GRID};
use crate::{Figure, PlotError, apps, dash, units};

/// Fig. 4 as SVG: checkpoint time (`time_ns`, shown in ms) per app and method.
pub fn checkpoint_time_svg(records: &[CheckpointRecord]) -> Result<String, PlotError> {
    let spec = BoxSpec {
        figure: Figure::Fig4,
        value: |r| r.time_ns as f64 / 1e6,
        y_desc: "Checkpoint time [ms]",
        y_label: units::number,
        paper: None,
    };
    box_figure(&spec, records)
}

/// Fig. 4 for a comparison: checkpoint time \[ms\] of simulated (filled) and measured (hollow,
/// mode `emu`) records side by side, with the paper's reported bounds ([`PAPER_TIME_MS`]).
pub fn checkpoint_time_compare_svg(records: &[CheckpointRecord]) -> Result<String, PlotError> {
    let spec = BoxSpec {
        figure: Figure::Fig4,
        value: |r| r.time_ns as f64 / 1e6,
        y_desc: "Checkpoint time [ms]",
        y_label: units::number,
        paper: Some(Paper {
            title: "Checkpoint time: simulator, measured, paper",
            bounds: &PAPER_TIME_MS,
            unit: " ms",
        }),
    };
    box_figure(&spec, records)
}

/// Fig. 5 for a comparison: compressed checkpoint size of simulated and measured records side
/// by side, with the paper's reported bounds ([`PAPER_SIZE_BYTES`]).
pub fn checkpoint_size_compare_svg(records: &[CheckpointRecord]) -> Result<String, PlotError> {
    let spec = BoxSpec {
        figure: Figure::Fig5,
        value: |r| r.size_bytes as f64,
        y_desc: "Checkpoint size",
        y_label: units::bytes,
        paper: Some(Paper {
            title: "Checkpoint size: simulator, measured, paper",
            bounds: &PAPER_SIZE_BYTES,
            unit: "",
        }),
    };
    box_figure(&spec, records)
}

/// Fig. 5 as SVG: checkpoint size (`size_bytes`, compressed) per app and method.
pub fn checkpoint_size_svg(records: &[CheckpointRecord]) -> Result<String, PlotError> {
    let spec = BoxSpec {
        figure: Figure::Fig5,
        value: |r| r.size_bytes as f64,
        y_desc: "Checkpoint size",
        y_label: units::bytes,
        paper: None,
    };
    box_figure(&spec, records)
}

/// Largest half-width of a box \[px\], so a lone box does not fill the figure.
const MAX_HALF_WIDTH: i32 = 40;

/// What distinguishes Fig. 4 from Fig. 5.
struct BoxSpec {
    figure: Figure,
    /// The plotted value of a record, in axis units.
    value: fn(&CheckpointRecord) -> f64,
    y_desc: &'static str,
    /// Tick label of a value in axis units.
    y_label: fn(f64) -> String,
    /// For a comparison figure: its title and the paper's bounds to draw.
    paper: Option<Paper>,
}

/// What a comparison figure adds: a title, and bounds drawn across the boxes of their app
/// and method (the paper's reported ranges), labelled with `unit` after the value.
struct Paper {
    title: &'static str,
    bounds: &'static [PaperBound],
    unit: &'static str,
}

/// Width of a comparison figure \[px\]: room for its longer title and legend.
const PAPER_WIDTH: u32 = 1200;
/// Narrowest layout of a print size \[px\].
const MIN_W: u32 = 560;

/// A box series: a method, and a mode when both modes are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    method: Method,
    /// `Some(true)` for emulation when sim and emu are both present, `None` otherwise.
    emu: Option<bool>,
}

impl Group {
    fn hollow(self) -> bool {
        self.emu == Some(true)
    }

    /// (fill, edge, median) colours.
    fn colors(self) -> (RGBColor, RGBColor, RGBColor) {
        let look = self.method.def().look();
        if self.hollow() {
            let line = method::rgb(look.line);
            (WHITE, line, line)
        } else {
            (
                method::rgb(look.box_fill),
                method::rgb(look.box_edge),
                method::rgb(look.box_median),
            )
        }
    }

    fn label(self) -> String {
        let emu = if self.hollow() { " (emu)" } else { "" };
        format!("{}{emu}", self.method.label())
    }
}

/// The boxes to draw: apps in figure order, groups in legend order, stats per (app, group).
struct Boxes {
    apps: Vec<String>,
    groups: Vec<Group>,
    stats: Vec<Vec<Option<BoxStats>>>,
}

/// Sorts the checkpoint records of μλ and CRIU into boxes.
fn collect(spec: &BoxSpec, records: &[CheckpointRecord]) -> Result<Boxes, PlotError> {
    let rows: Vec<(&CheckpointRecord, Method)> = records
        .iter()
        .filter_map(|r| {
            Method::parse(&r.method)
                .filter(|m| m.def().checkpoints())
                .map(|m| (r, m))
        })
        .collect();
    if rows.is_empty() {
        return Err(PlotError::no_data(
            spec.figure.name(),
            format!(
                "none of the {} checkpoint records is of method `microlambda`, `criu` or `docker`",
                records.len()
            ),
        ));
    }
    let both_modes = rows.iter().any(|(r, _)| r.mode == Mode::Sim)
        && rows.iter().any(|(r, _)| r.mode == Mode::Emu);
    let group_of = |r: &CheckpointRecord, method| Group {
        method,
        emu: both_modes.then_some(r.mode == Mode::Emu),
    };
    let apps = apps::sorted(rows.iter().map(|(r, _)| r.app.as_str()));
    let mut groups: Vec<Group> = rows.iter().map(|(r, m)| group_of(r, *m)).collect();
    groups.sort();
    groups.dedup();
    let stats = apps
        .iter()
        .map(|app| {
            groups
                .iter()
                .map(|g| {
                    let values: Vec<f64> = rows
                        .iter()
                        .filter(|(r, m)| &r.app == app && group_of(r, *m) == *g)
                        .map(|(r, _)| (spec.value)(r))
                        .collect();
                    BoxStats::new(&values)
                })
                .collect()
        })
        .collect();
    Ok(Boxes {
        apps,
        groups,
        stats,
    })
}

/// Draws a box figure.
fn box_figure(spec: &BoxSpec, records: &[CheckpointRecord]) -> Result<String, PlotError> {
    let figure = spec.figure.name();
    let boxes = collect(spec, records)?;
    let all = boxes.stats.iter().flatten().flatten();
    let positive = |v: &f64| *v > 0.0;
    let shown = bounds_shown(spec, &boxes);
    let lo = all
        .clone()
        .flat_map(|s| [s.min(), s.lower_whisker, s.q1])
        .chain(shown.iter().map(|(b, ..)| b.value))
        .filter(positive)
        .fold(f64::INFINITY, f64::min);
    let hi = all
        .map(BoxStats::max)
        .chain(shown.iter().map(|(b, ..)| b.value))
        .fold(0.0, f64::max);
    if hi.is_nan() || hi <= 0.0 {
        return Err(PlotError::no_data(
            figure,
            "every value is zero, which a log axis cannot show",
        ));
    }
    let axis = Axis::log(lo.min(hi), hi);

    let (mut natural_w, natural_h) = spec.figure.size();
    if spec.paper.is_some() {
        natural_w = natural_w.max(PAPER_WIDTH);
    }
    // At a print size: narrower, the aspect kept.
    let w = crate::size::fit(figure, natural_w, MIN_W)?;
    let h = natural_h * w / natural_w;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(figure, e))?;
        let canvas = Canvas {
            area: root.clone(),
            figure,
        };
        let title = style::text(style::TITLE_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
        let title_text = spec.paper.as_ref().map_or(spec.figure.title(), |p| p.title);
        canvas.text(title_text, (24, 30), &title)?;
        let entries: Vec<Entry> = boxes
            .groups
            .iter()
            .map(|g| {
                let (fill, edge, _) = g.colors();
                Entry {
                    swatch: Swatch::Box { fill, edge },
                    label: g.label(),
                }
            })
            .collect();
        legend::row(&canvas, &entries, w as i32 - 20, 30)?;

        let body = root.margin(60, 10, 10, 20);
        let n = boxes.apps.len();
        let x_axis = Axis {
            log: false,
            range: -0.5..n as f64 - 0.5,
            ticks: (0..n).map(|i| i as f64).collect(),
            minor: Vec::new(),
        };
        let widest = axis
            .ticks
            .iter()
            .map(|&t| (spec.y_label)(axis.value(t)).chars().count())
            .max()
            .unwrap_or(1);
        let mut chart = ChartBuilder::on(&body)
            .x_label_area_size(40)
            .y_label_area_size(style::y_label_area(widest))
            .build_cartesian_2d(x_axis.coord(), axis.coord())
            .map_err(|e| PlotError::draw(figure, e))?;
        let x_label = |v: &f64| {
            let i = v.round();
            if i >= 0.0 {
                boxes.apps.get(i as usize).map(|a| apps::label(a))
            } else {
                None
            }
            .unwrap_or_default()
        };
        let y_label = |v: &f64| (spec.y_label)(axis.value(*v));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(GRID)
            .light_line_style(GRID.mix(0.5))
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .y_desc(spec.y_desc)
            .label_style(style::text(style::LABEL_SIZE))
            .axis_desc_style(style::text(style::DESC_SIZE))
            .draw()
            .map_err(|e| PlotError::draw(figure, e))?;

        let k = boxes.groups.len() as f64;
        let slot = 0.8 / k;
        for (ai, per_group) in boxes.stats.iter().enumerate() {
            for (gi, stats) in per_group.iter().enumerate() {
                let Some(stats) = stats else { continue };
                let x = ai as f64 - 0.4 + slot * (gi as f64 + 0.5);
                let px = |v: f64| chart.backend_coord(&(x, axis.to_axis(v)));
                let center = chart.backend_coord(&(x, 0.0)).0;
                let half = (center - chart.backend_coord(&(x - slot * 0.38, 0.0)).0)
                    .clamp(3, MAX_HALF_WIDTH);
                draw_box(&canvas, boxes.groups[gi], stats, &px, half)?;
            }
        }
        for (b, ai, (g0, g1)) in &shown {
            let x = |gi: usize, side: f64| {
                let x = *ai as f64 - 0.4 + slot * (gi as f64 + 0.5 + side * 0.5);
                chart.backend_coord(&(x, 0.0)).0
            };
            let y = chart.backend_coord(&(0.0, axis.to_axis(b.value))).1;
            let unit = spec.paper.as_ref().map_or("", |p| p.unit);
            let label = format!("{}{unit}", (spec.y_label)(b.value));
            paper_ranges::draw(&canvas, b, (x(*g0, -1.0), x(*g1, 1.0)), y, &label)?;
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// The bounds of `spec` whose app and method have boxes: (bound, app index, first and last
/// group index of the method).
fn bounds_shown(spec: &BoxSpec, boxes: &Boxes) -> Vec<(PaperBound, usize, (usize, usize))> {
    let Some(paper) = &spec.paper else {
        return Vec::new();
    };
    paper
        .bounds
        .iter()
        .filter_map(|b| {
            let ai = boxes.apps.iter().position(|a| a == b.app)?;
            let method = Method::parse(b.method)?;
            let of_method = |(_, g): &(usize, &Group)| g.method == method;
            let first = boxes.groups.iter().enumerate().find(of_method)?.0;
            let last = boxes.groups.iter().enumerate().rfind(of_method)?.0;
            Some((*b, ai, (first, last)))
        })
        .collect()
}

/// Draws one box of half-width `half` \[px\]; `px` maps a value to its pixel on the box's axis.
fn draw_box(
    canvas: &Canvas<'_>,
    group: Group,
    s: &BoxStats,
    px: &dyn Fn(f64) -> (i32, i32),
    half: i32,
) -> Result<(), PlotError> {
    let (fill, edge, median) = group.colors();
    let (edge, median) = (edge.to_rgba(), median.to_rgba());
    let (cx, _) = px(s.median);
    let cap = (half / 2).max(2);
    let (y_lo, y_q1, y_med, y_q3, y_hi) = (
        px(s.lower_whisker).1,
        px(s.q1).1,
        px(s.median).1,
        px(s.q3).1,
        px(s.upper_whisker).1,
    );
    canvas.segment((cx, y_q1), (cx, y_lo), edge, 2)?;
    canvas.segment((cx - cap, y_lo), (cx + cap, y_lo), edge, 2)?;
    canvas.segment((cx, y_q3), (cx, y_hi), edge, 2)?;
    canvas.segment((cx - cap, y_hi), (cx + cap, y_hi), edge, 2)?;
    let (a, b) = ((cx - half, y_q3.min(y_q1 - 1)), (cx + half, y_q1));
    canvas.fill_rect(a, b, fill.to_rgba())?;
    canvas.stroke_rect(a, b, edge, 2)?;
    canvas.segment((cx - half, y_med), (cx + half, y_med), median, 3)?;
    for &o in &s.outliers {
        canvas.circle((cx, px(o).1), 4, edge, false)?;
    }
    Ok(())
}
