//! The simulator against the emulation (`mlsim compare`): per grid point, the simulated value
//! over the emulated one on log-log axes, one panel per metric (mean execution time, network
//! bytes per request), with the line y = x (a perfect prediction) and a ±5 % band around it.

use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{BLACK, Color, RGBColor, WHITE};

use crate::canvas::{Canvas, Px};
use crate::legend::{self, Entry, Swatch};
use crate::method::{self, Method};
use crate::scale::Axis;
use crate::style::{self, GRID, LineStyle, Marker};
use crate::{PlotError, apps, dash, units};
use mlsim_core::stats::median;

/// Name of the figure in errors and of its files (`compare.svg`, `compare.png`).
pub const COMPARE_FIGURE: &str = "compare";

/// Half-width of the band drawn around y = x, as a fraction (0.05: ±5 %).
pub const COMPARE_BAND: f64 = 0.05;

/// One grid point run by both modes: its identity and the two means of each metric.
#[derive(Clone, Debug, PartialEq)]
pub struct SimEmuPoint {
    /// Application.
    pub app: String,
    /// Checkpoint method (`long_running`, `microlambda`, `criu`, `docker`).
    pub method: String,
    /// Mean execution time of the simulator \[s\].
    pub sim_exec_s: f64,
    /// Mean execution time of the emulation \[s\].
    pub emu_exec_s: f64,
    /// Mean network bytes per request of the simulator \[bytes\].
    pub sim_bytes: f64,
    /// Mean network bytes per request of the emulation \[bytes\].
    pub emu_bytes: f64,
}

/// Figure size \[px\].
const SIZE: (u32, u32) = (1500, 720);
/// Band fill: light grey.
const BAND: RGBColor = RGBColor(205, 205, 205);
/// Colour of the y = x line.
const DIAGONAL: RGBColor = RGBColor(90, 90, 90);

/// The comparison figure as SVG: two panels, execution time \[s\] and network bytes, the
/// simulator (y) over the emulation (x); colour by method, marker shape by app; each panel's
/// caption gives the median absolute error, 100 · |sim − emu| / emu [%], of its points. Points
/// with a value ≤ 0 or not finite are left out.
pub fn sim_emu_scatter_svg(points: &[SimEmuPoint]) -> Result<String, PlotError> {
    let figure = COMPARE_FIGURE;
    let usable: Vec<&SimEmuPoint> = points.iter().filter(|p| positive(p)).collect();
    if usable.is_empty() {
        return Err(PlotError::no_data(
            figure,
            format!(
                "none of the {} points has positive values on both sides",
                points.len()
            ),
        ));
    }
    let app_list = apps::sorted(usable.iter().map(|p| p.app.as_str()));
    let marker_of = |app: &str| {
        let i = app_list.iter().position(|a| a == app).unwrap_or(0);
        APP_MARKERS[i % APP_MARKERS.len()]
    };
    let (w, h) = SIZE;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| PlotError::draw(figure, e))?;
        let canvas = Canvas {
            area: root.clone(),
            figure,
        };
        let title = style::text(style::TITLE_SIZE).pos(Pos::new(HPos::Left, VPos::Center));
        canvas.text("Simulator vs emulation", (24, 30), &title)?;
        let mut entries: Vec<Entry> = methods(&usable)
            .into_iter()
            .map(|m| Entry {
                swatch: Swatch::Marker {
                    color: method::color(m),
                    marker: Marker::Circle,
                    hollow: false,
                },
                label: m.label().to_string(),
            })
            .collect();
        entries.extend(app_list.iter().map(|a| Entry {
            swatch: Swatch::Marker {
                color: DIAGONAL,
                marker: marker_of(a),
                hollow: true,
            },
            label: apps::label(a),
        }));
        entries.push(Entry {
            swatch: Swatch::Box {
                fill: BAND,
                edge: BAND,
            },
            label: format!("y = x ± {:.0} %", COMPARE_BAND * 100.0),
        });
        legend::row(&canvas, &entries, w as i32 - 20, 30)?;

        let body = root.margin(70, 10, 10, 20);
        let panels = body.split_evenly((1, 2));
        let specs: [Panel; 2] = [
            Panel {
                caption: "(a) Mean execution time [s]",
                value: |p| (p.emu_exec_s, p.sim_exec_s),
                label: units::number,
            },
            Panel {
                caption: "(b) Network bytes per request",
                value: |p| (p.emu_bytes, p.sim_bytes),
                label: units::bytes,
            },
        ];
        for (area, panel) in panels.iter().zip(&specs) {
            let values: Vec<(f64, f64)> = usable.iter().map(|p| (panel.value)(p)).collect();
            let lo = values
                .iter()
                .flat_map(|&(x, y)| [x, y])
                .fold(f64::INFINITY, f64::min);
            let hi = values.iter().flat_map(|&(x, y)| [x, y]).fold(0.0, f64::max);
            let axis = Axis::log(lo, hi);
            let widest = axis
                .ticks
                .iter()
                .map(|&t| (panel.label)(axis.value(t)).chars().count())
                .max()
                .unwrap_or(1);
            let errors: Vec<f64> = values
                .iter()
                .map(|&(e, s)| 100.0 * (s - e).abs() / e)
                .collect();
            let caption = format!(
                "{}, median |error| {:.1} %",
                panel.caption,
                median(errors).unwrap_or(f64::NAN)
            );
            let mut chart = ChartBuilder::on(area)
                .caption(caption, style::text(style::CAPTION_SIZE))
                .margin_right(24)
                .x_label_area_size(50)
                .y_label_area_size(style::y_label_area(widest))
                .build_cartesian_2d(axis.coord(), axis.coord())
                .map_err(|e| PlotError::draw(figure, e))?;
            let tick = |v: &f64| (panel.label)(axis.value(*v));
            chart
                .configure_mesh()
                .bold_line_style(GRID)
                .light_line_style(GRID.mix(0.5))
                .x_label_formatter(&tick)
                .y_label_formatter(&tick)
                .x_desc("emulation")
                .y_desc("simulator")
                .label_style(style::text(style::LABEL_SIZE))
                .axis_desc_style(style::text(style::DESC_SIZE))
                .draw()
                .map_err(|e| PlotError::draw(figure, e))?;
            let px = |x: f64, y: f64| -> Px { chart.backend_coord(&(x, y)) };
            let (a, b) = (axis.range.start, axis.range.end);
            let (up, down) = ((1.0 + COMPARE_BAND).log10(), (1.0 - COMPARE_BAND).log10());
            let band = vec![
                px(a, a + up),
                px(b, b + up),
                px(b, b + down),
                px(a, a + down),
            ];
            canvas.polygon(band, BAND.to_rgba())?;
            canvas.segment(px(a, a), px(b, b), LineStyle::Dashed.tagged(DIAGONAL), 2)?;
            for (p, &(x, y)) in usable.iter().zip(&values) {
                let color = Method::parse(&p.method).map_or(BLACK, method::color);
                let c = px(axis.to_axis(x), axis.to_axis(y));
                canvas.marker(marker_of(&p.app), c, 7, color.to_rgba(), false)?;
            }
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// Marker shapes given to apps in figure order.
const APP_MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
];

/// One panel: its caption, the (emulation, simulator) values of a point, the tick labels.
struct Panel {
    caption: &'static str,
    value: fn(&SimEmuPoint) -> (f64, f64),
    label: fn(f64) -> String,
}

/// Whether every value of `p` can sit on a log axis.
fn positive(p: &SimEmuPoint) -> bool {
    [p.sim_exec_s, p.emu_exec_s, p.sim_bytes, p.emu_bytes]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0)
}

/// The methods among `points`, in legend order.
fn methods(points: &[&SimEmuPoint]) -> Vec<Method> {
    let mut v: Vec<Method> = points
        .iter()
        .filter_map(|p| Method::parse(&p.method))
        .collect();
    v.sort();
    v.dedup();
    v
}
