//! The `cdf` figure: completion-time CDFs, one panel per (method, r_limit), one line per
//! placement policy, log time axis.
//!
//! A line is the share of the group's requests (of runs with status `ok`, all replications
//! pooled) whose client got its output within a time: failed and unfinished requests count in
//! the denominator but never complete, so a line that ends below 1 shows them.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use mlsim_core::record::{RequestRecord, RunRecord};
use plotters::prelude::{ChartBuilder, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{RGBAColor, WHITE};

use crate::canvas::{Canvas, Px};
use crate::legend::{self, Entry, Swatch};
use crate::policy_stats::group_key;
use crate::scale::Axis;
use crate::style::{self, GRID};
use crate::{Figure, PlotError, dash, policy_style, units};

/// Steps drawn per line at most; longer samples are thinned to evenly spaced order statistics.
const MAX_STEPS: usize = 2000;
/// Width of the legend column \[px\].
const LEGEND_W: u32 = 280;
/// Size of one panel \[px\].
const PANEL: (u32, u32) = (520, 470);
/// Panels per row at most.
const COLUMNS: usize = 3;

/// One line: a policy's finished completion times (ascending) and its number of requests.
struct Curve {
    /// Index of the policy among all policies of the figure (its colour).
    policy: usize,
    times: Vec<f64>,
    requests: usize,
}

/// One panel: a method and runtime limit.
struct Panel {
    method: String,
    r_limit_s: Option<f64>,
    curves: Vec<Curve>,
}

/// The panels in figure order and the policies in legend order.
/// Also the number of request records read.
fn collect<R: Borrow<RequestRecord>>(
    runs: &[RunRecord],
    requests: impl IntoIterator<Item = R>,
) -> (Vec<Panel>, Vec<String>, usize) {
    type PanelKey = (usize, String, Option<i64>);
    /// Per policy: finished completion times \[s\] and the number of requests.
    type Curves = BTreeMap<String, (Vec<f64>, usize)>;
    let ok: BTreeMap<u32, &RunRecord> = runs
        .iter()
        .filter(|r| r.status == "ok")
        .map(|r| (r.run, r))
        .collect();
    let mut groups: BTreeMap<PanelKey, (Option<f64>, Curves)> = BTreeMap::new();
    // Each run's panel and policy, found once (the key allocates and parses the parameters).
    let keys: BTreeMap<u32, (PanelKey, String)> = ok
        .values()
        .map(|run| {
            let (rank, method, r, placement) = group_key(run);
            (run.run, ((rank, method, r), placement))
        })
        .collect();
    let mut read = 0;
    for q in requests {
        let q = q.borrow();
        read += 1;
        let (Some(run), Some((panel, placement))) = (ok.get(&q.run), keys.get(&q.run)) else {
            continue;
        };
        let (_, curves) = groups
            .entry(panel.clone())
            .or_insert_with(|| (run.r_limit_s, BTreeMap::new()));
        let (times, n) = curves.entry(placement.clone()).or_default();
        *n += 1;
        if q.status == "ok" && q.exec_time_s.is_finite() && q.exec_time_s > 0.0 {
            times.push(q.exec_time_s);
        }
    }
    let mut policies: Vec<String> = groups
        .values()
        .flat_map(|(_, c)| c.keys().cloned())
        .collect();
    policies.sort();
    policies.dedup();
    let panels = groups
        .into_iter()
        .map(|((_, method, _), (r_limit_s, curves))| Panel {
            method,
            r_limit_s,
            curves: curves
                .into_iter()
                .map(|(placement, (mut times, requests))| {
                    times.sort_by(f64::total_cmp);
                    Curve {
                        policy: policies.binary_search(&placement).unwrap_or(0),
                        times,
                        requests,
                    }
                })
                .collect(),
        })
        .collect();
    (panels, policies, read)
}

/// `(a) μλ, r_limit 2 s`: the caption of the `index`-th panel.
fn caption(index: usize, p: &Panel) -> String {
    let letter = char::from(b'a' + (index % 26) as u8);
    let limit = p.r_limit_s.map_or_else(String::new, |r| {
        format!(", r_limit {} s", units::seconds(r))
    });
    format!("({letter}) {}{limit}", crate::method::label(&p.method))
}

/// The `cdf` figure as SVG, from `requests.csv` and `runs.csv` records.
pub fn completion_cdf_svg<R: Borrow<RequestRecord>>(
    runs: &[RunRecord],
    requests: impl IntoIterator<Item = R>,
) -> Result<String, PlotError> {
    let figure = Figure::Cdf.name();
    let (panels, policies, read) = collect(runs, requests);
    let all = || panels.iter().flat_map(|p| &p.curves).flat_map(|c| &c.times);
    let lo = all().copied().fold(f64::INFINITY, f64::min);
    let hi = all().copied().fold(0.0, f64::max);
    if panels.is_empty() || !lo.is_finite() {
        return Err(PlotError::no_data(
            figure,
            format!(
                "no finished request with a positive completion time in a run with status `ok` \
                 ({} request records, {} runs)",
                read,
                runs.len()
            ),
        ));
    }
    let x_axis = Axis::log(lo, hi);
    let y_axis = Axis {
        log: false,
        range: 0.0..1.04,
        ticks: vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        minor: Vec::new(),
    };

    // At a print size: fewer panels to a row if need be, narrower (at least 300 px), each
    // keeping its aspect.
    let (cols, rows, w, panel_h) =
        crate::size::panel_grid(figure, panels.len(), COLUMNS, PANEL, 300, LEGEND_W)?;
    let h = (60 + rows as u32 * panel_h).max(60 + 400);
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
            Figure::Cdf.title(),
            (((w - LEGEND_W) / 2) as i32, 26),
            &title,
        )?;
        let entries: Vec<Entry> = policies
            .iter()
            .enumerate()
            .map(|(i, p)| Entry {
                swatch: Swatch::Line {
                    color: policy_style::color(i),
                    style: policy_style::line(i),
                    width: 3,
                    marker: None,
                    hollow: false,
                },
                label: policy_style::label(p),
            })
            .collect();
        legend::column(&canvas, &entries, ((w - LEGEND_W + 10) as i32, 60), 30)?;

        let body = root.margin(50, 5, 5, 0);
        let (plots, _) = body.split_horizontally(w - LEGEND_W);
        let areas = plots.split_evenly((rows, cols));
        for (i, (panel, area)) in panels.iter().zip(&areas).enumerate() {
            let mut chart = ChartBuilder::on(area)
                .caption(caption(i, panel), style::text(style::CAPTION_SIZE))
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
                .x_desc("Completion time [s]")
                .y_desc("Share of requests done")
                .label_style(style::text(style::LABEL_SIZE))
                .axis_desc_style(style::text(style::DESC_SIZE))
                .draw()
                .map_err(|e| PlotError::draw(figure, e))?;
            let px = |t: f64, y: f64| chart.backend_coord(&(x_axis.to_axis(t), y));
            let right = x_axis.value(x_axis.range.end);
            for c in &panel.curves {
                let color: RGBAColor =
                    policy_style::line(c.policy).tagged(policy_style::color(c.policy));
                canvas.path(steps(c, right, &px), color, 2)?;
            }
        }
        root.present().map_err(|e| PlotError::draw(figure, e))?;
    }
    Ok(dash::apply(&svg))
}

/// The empirical CDF of `c` as a staircase of pixels, continued flat to the time `right`.
fn steps(c: &Curve, right: f64, px: &dyn Fn(f64, f64) -> Px) -> Vec<Px> {
    staircase(&c.times, c.requests, right, px)
}

/// The empirical CDF of the ascending `times` among `n` samples (those not in `times` never
/// happen, so the staircase ends at `times.len() / n`) as pixels, continued flat to `right`;
/// at most [`MAX_STEPS`] steps (evenly spaced order statistics of longer samples).
pub(crate) fn staircase(
    times: &[f64],
    n: usize,
    right: f64,
    px: &dyn Fn(f64, f64) -> Px,
) -> Vec<Px> {
    let k = times.len();
    let n = n.max(1) as f64;
    let picks: Vec<usize> = if k <= MAX_STEPS {
        (0..k).collect()
    } else {
        (0..MAX_STEPS)
            .map(|j| (j * (k - 1) + (MAX_STEPS - 1) / 2) / (MAX_STEPS - 1))
            .collect()
    };
    let mut out: Vec<Px> = Vec::with_capacity(2 * picks.len() + 2);
    let mut prev = 0.0;
    for &i in &picks {
        let t = times[i];
        let y = (i + 1) as f64 / n;
        out.push(px(t, prev));
        out.push(px(t, y));
        prev = y;
    }
    if let Some(&last) = times.last() {
        out.push(px(right.max(last), prev));
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staircase_and_denominator() {
        // Times 1, 2 of 4 requests (two never finished): steps 0 → 1/4 at 1 s, 1/4 → 1/2 at
        // 2 s, then flat to 10 s. The pixel map here is the identity scaled by 100.
        let c = Curve {
            policy: 0,
            times: vec![1.0, 2.0],
            requests: 4,
        };
        let px = |t: f64, y: f64| ((t * 100.0) as i32, (y * 100.0) as i32);
        assert_eq!(
            steps(&c, 10.0, &px),
            vec![(100, 0), (100, 25), (200, 25), (200, 50), (1000, 50)]
        );
    }

    #[test]
    fn thinning_keeps_both_ends() {
        let times: Vec<f64> = (1..=5000).map(f64::from).collect();
        let c = Curve {
            policy: 0,
            times,
            requests: 5000,
        };
        let px = |t: f64, y: f64| (t as i32, (y * 1e4) as i32);
        let s = steps(&c, 5000.0, &px);
        assert!(s.len() <= 2 * MAX_STEPS + 1);
        assert_eq!(s[0], (1, 0));
        assert_eq!(*s.last().unwrap(), (5000, 10000));
    }
}
