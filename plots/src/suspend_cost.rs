//! The `suspend-cost` figure: what each suspend method costs, as bar-chart small multiples,
//! one group of bars per device memory, one bar per method in its colour.
//!
//! Panels: (a) memory-time per run \[MiB·s\], stacked: functions running (full colour), blocked
//! and resident (lighter), paused or being suspended (lightest); (b) disk-time of checkpoints
//! per run \[MiB·s\]; (c) bytes written by checkpoints per run; (d) time of one suspend \[s\];
//! (e) time of one wake \[s\]; (f) time functions waited for memory per run \[s\], summed over
//! functions. Each bar is a mean over replications with its 95 % confidence bar
//! ([`mlsim_core::stats::RepCi`]; on the stack's total in (a)); a method without a value (e.g.
//! no suspends) has no bar. See [`crate::suspend_stats`] for the grouping.

use mlsim_core::record::{FunctionRecord, MemoryRecord, RunRecord};
use mlsim_core::stats::RepCi;
use plotters::prelude::{IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use crate::bars::whisker;
use crate::canvas::Canvas;
use crate::legend::{self, Entry, Swatch};
use crate::style;
use crate::suspend_stats::{CostRow, cost_rows, memories, memory_label, methods};
use crate::{Figure, PlotError, dash, method, units};

/// Shares of white mixed into a method's colour for the stacked parts of panel (a): running,
/// blocked, paused.
const SHADES: [f64; 3] = [0.0, 0.45, 0.75];
/// Names of the stacked parts of panel (a).
const PARTS: [&str; 3] = ["running", "blocked (resident)", "paused / suspending"];

/// A bar: its parts, bottom first, and the CI half-width of the whole.
type Bar = (Vec<f64>, Option<f64>);

/// A panel: a statistic of a [`CostRow`], as the parts of a stack (one part for most).
struct Panel {
    caption: &'static str,
    /// The bar of a row (`None`: no bar).
    value: fn(&CostRow) -> Option<Bar>,
    label: fn(f64) -> String,
}

/// A single statistic as a one-part bar.
fn one(c: Option<RepCi>) -> Option<Bar> {
    c.map(|c| (vec![c.mean], c.ci95))
}

/// `v` with a k/M suffix: `950`, `12k`, `1.5M`.
pub(crate) fn compact(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{}M", units::number(v / 1e6))
    } else if v.abs() >= 1e4 {
        format!("{}k", units::number(v / 1e3))
    } else {
        units::number(v)
    }
}

const PANELS: [Panel; 6] = [
    Panel {
        caption: "(a) Memory-time per run [MiB·s]",
        value: |r| {
            let parts = [r.running_mib_s, r.blocked_mib_s, r.paused_mib_s];
            let total = r.memory_mib_s?;
            Some((
                parts.iter().map(|p| p.map_or(0.0, |c| c.mean)).collect(),
                total.ci95,
            ))
        },
        label: compact,
    },
    Panel {
        caption: "(b) Checkpoints' disk-time per run [MiB·s]",
        value: |r| one(r.disk_mib_s),
        label: compact,
    },
    Panel {
        caption: "(c) Bytes written per run",
        value: |r| one(r.bytes_written),
        label: units::bytes,
    },
    Panel {
        caption: "(d) Time of one suspend [s]",
        value: |r| one(r.suspend_s),
        label: units::number,
    },
    Panel {
        caption: "(e) Time of one wake [s]",
        value: |r| one(r.wake_s),
        label: units::number,
    },
    Panel {
        caption: "(f) Waits for memory per run [s]",
        value: |r| one(r.memory_wait_s),
        label: compact,
    },
];

/// `color` mixed with white by `share` (0: as is, 1: white).
pub(crate) fn lighter(color: RGBColor, share: f64) -> RGBColor {
    let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * share).round() as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// The `suspend-cost` figure as SVG, from `runs.csv`, `memory.csv` and `functions.csv`
/// records.
pub fn suspend_cost_svg(
    runs: &[RunRecord],
    memory: &[MemoryRecord],
    functions: &[FunctionRecord],
) -> Result<String, PlotError> {
    let figure = Figure::SuspendCost.name();
    let rows = cost_rows(runs, memory, functions);
    if rows.is_empty() {
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
    let names = methods(rows.iter().map(|r| r.method.as_str()));
    let mems = memories(rows.iter().map(|r| r.memory_mib));

    let per_group = names.len() as u32 * 16 + 30;
    let natural_panel_w = (100 + mems.len() as u32 * per_group).max(560);
    // At a print size: fewer panels to a row if need be, narrower (at least 380 px), lower in
    // proportion (at least 300).
    let cols = crate::size::columns(PANELS.len(), 3, 380, 20) as u32;
    let grid_rows = PANELS.len().div_ceil(cols as usize) as u32;
    let w = crate::size::fit(figure, cols * natural_panel_w + 20, cols * 380 + 20)?;
    let panel_w = (w - 20) / cols;
    let panel_h = (400 * panel_w / natural_panel_w).max(300);
    // A narrower layout has no room for the subtitle beside the legends: it goes under them.
    let narrow = w < 3 * natural_panel_w + 20;
    let extra = if narrow { 30 } else { 0 };
    let h = 100 + extra + grid_rows * panel_h;
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
        canvas.text(Figure::SuspendCost.title(), (24, 30), &title)?;
        let sub = style::text(style::LEGEND_SIZE - 2.0).pos(Pos::new(HPos::Left, VPos::Center));
        canvas.text(
            "each value per run, then the mean over replications; bars: 95 % CI over replications (Student t)",
            (24, if narrow { 100 } else { 62 }),
            &sub,
        )?;
        let entries: Vec<Entry> = names
            .iter()
            .map(|name| {
                let c = method::bar_named(name);
                Entry {
                    swatch: Swatch::Box { fill: c, edge: c },
                    label: method::label(name),
                }
            })
            .collect();
        legend::row(&canvas, &entries, w as i32 - 20, 30)?;
        let grey = RGBColor(90, 90, 90);
        let parts: Vec<Entry> = PARTS
            .iter()
            .zip(SHADES)
            .map(|(part, shade)| Entry {
                swatch: Swatch::Box {
                    fill: lighter(grey, shade),
                    edge: grey,
                },
                label: (*part).to_string(),
            })
            .collect();
        let left = legend::row(&canvas, &parts, w as i32 - 20, 68)?;
        let note = style::text(style::LEGEND_SIZE).pos(Pos::new(HPos::Right, VPos::Center));
        canvas.text("(a) stacks, bottom first:", (left - 4, 68), &note)?;

        let body = root.margin(95 + extra, 10, 10, 10);
        let areas = body.split_evenly((grid_rows as usize, cols as usize));
        for (panel, area) in PANELS.iter().zip(&areas) {
            draw_panel(&canvas, area, panel, &rows, &names, &mems)?;
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// Draws `panel` into `area`: a group of bars per memory of `mems`, a bar per method of `names`.
fn draw_panel(
    canvas: &Canvas<'_>,
    area: &plotters::drawing::DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    panel: &Panel,
    rows: &[CostRow],
    names: &[String],
    mems: &[f64],
) -> Result<(), PlotError> {
    let figure = canvas.figure;
    let top = rows
        .iter()
        .filter_map(panel.value)
        .map(|(parts, ci)| parts.iter().sum::<f64>() + ci.unwrap_or(0.0))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (chart, y_axis) = crate::bars::frame(
        area,
        figure,
        panel.caption,
        mems.len(),
        top,
        &panel.label,
        36,
    )?;

    let bottom = chart.backend_coord(&(0.0, y_axis.range.start)).1;
    let label_style = style::text(17.0).pos(Pos::new(HPos::Center, VPos::Top));
    let slot = 0.8 / names.len().max(1) as f64;
    for (gi, &mib) in mems.iter().enumerate() {
        let x_mid = chart.backend_coord(&(gi as f64, 0.0)).0;
        canvas.text(&memory_label(mib), (x_mid, bottom + 8), &label_style)?;
        for (si, name) in names.iter().enumerate() {
            let row = rows
                .iter()
                .find(|r| &r.method == name && (r.memory_mib - mib).abs() < 1.0 / 1024.0);
            let Some((parts, ci)) = row.and_then(panel.value) else {
                continue;
            };
            let color = method::bar_named(name);
            let x0 = gi as f64 - 0.4 + slot * si as f64;
            let (left, right) = (x0 + slot * 0.08, x0 + slot * 0.92);
            let mut base = 0.0;
            let mut xs = (0, 0);
            for (pi, part) in parts.iter().enumerate() {
                if !part.is_finite() {
                    continue;
                }
                let a = chart.backend_coord(&(left, base + part));
                let b = chart.backend_coord(&(right, base));
                let b = (b.0.max(a.0 + 1), b.1.max(a.1 + 1));
                let shade = if parts.len() > 1 { SHADES[pi % 3] } else { 0.0 };
                canvas.fill_rect(a, b, lighter(color, shade).to_rgba())?;
                xs = (a.0, b.0);
                base += part;
            }
            if let Some(ci) = ci.filter(|c| *c > 0.0) {
                let lo = chart.backend_coord(&(0.0, (base - ci).max(0.0))).1;
                let hi = chart.backend_coord(&(0.0, base + ci)).1;
                whisker(canvas, (xs.0 + xs.1) / 2, lo, hi)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suspend_stats::tests::{mem, run};

    #[test]
    fn compact_labels() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(12_000.0), "12k");
        assert_eq!(compact(1_500_000.0), "1.5M");
        assert_eq!(lighter(RGBColor(0, 100, 255), 0.5), RGBColor(128, 178, 255));
    }

    #[test]
    fn draws_every_method_and_refuses_no_data() {
        let runs = vec![run(0, 0, "long_running"), run(1, 0, "docker")];
        let memory = vec![
            MemoryRecord {
                running_mib_s: 5.0,
                blocked_mib_s: 50.0,
                ..mem(0, 1, 256.0, 2)
            },
            MemoryRecord {
                running_mib_s: 5.0,
                paused_mib_s: 1.0,
                bytes_written: 4_000_000,
                ..mem(1, 1, 256.0, 2)
            },
        ];
        let functions = vec![FunctionRecord {
            run: 1,
            suspends: 2,
            suspend_s: 1.0,
            ..Default::default()
        }];
        let svg = suspend_cost_svg(&runs, &memory, &functions).unwrap();
        for label in [
            "\nlong-running\n",
            "\nDocker\n",
            "\n256 MiB\n",
            "\nrunning\n",
        ] {
            assert!(svg.contains(label), "{label}");
        }
        let err = suspend_cost_svg(&runs, &[], &functions).unwrap_err();
        assert!(
            err.to_string().starts_with("suspend-cost: no data to draw"),
            "{err}"
        );
    }
}
