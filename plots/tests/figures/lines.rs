//! Figs. 6 and 7: series, legends, panels, confidence bars.

use mlsim_core::record::{Mode, RequestRecord};
use mlsim_plots::{PlotError, execution_time_svg, network_load_svg};

use crate::common::{elements, polylines, req, texts};

const BLACK: &str = "#000000";
const RED: &str = "#D55E00";
const BLUE: &str = "#0072B2";

/// Face: long-running at 1, 2, 4 items; μλ r=2 at 1, 2, 4; μλ r=5 at 1, 2; CRIU r=2 at 4.
/// Taxi: long-running at 3, 6. Two requests (runs 0 and 1: two replications) per point so
/// every point has a CI.
fn records() -> Vec<RequestRecord> {
    let mut v = Vec::new();
    let mut add = |app, method, r, items, t: f64| {
        v.push(req(app, method, r, items, t));
        let mut second = req(app, method, r, items, t + 0.5);
        second.run = 1;
        v.push(second);
    };
    for items in [1, 2, 4] {
        add("face", "long_running", None, items, f64::from(items));
        add(
            "face",
            "microlambda",
            Some(2.0),
            items,
            f64::from(items) + 0.3,
        );
    }
    for items in [1, 2] {
        add(
            "face",
            "microlambda",
            Some(5.0),
            items,
            f64::from(items) + 0.1,
        );
    }
    add("face", "criu", Some(2.0), 4, 6.0);
    for items in [3, 6] {
        add("taxi", "long_running", None, items, f64::from(items));
    }
    v
}

#[test]
fn one_polyline_per_series_with_its_points() {
    let svg = execution_time_svg(&records(), &[]).unwrap();
    let els = elements(&svg);
    let count = |lines: Vec<&crate::common::Element>| {
        let mut n: Vec<usize> = lines.iter().map(|l| l.points().len()).collect();
        n.sort();
        n
    };
    // Long-running: face (3 points) and taxi (2); width 2 tells them from the black axes.
    assert_eq!(count(polylines(&els, BLACK, "2")), vec![2, 3]);
    // μλ r=2 (3 points) in μλ's vermillion and r=5 (2) in its shade mixed 55 % with white
    // (213 + 0.55·42, 94 + 0.55·161, 0.55·255 = 236, 183, 140), both dotted.
    let red = polylines(&els, RED, "3");
    assert_eq!(count(red.clone()), vec![3]);
    let light = polylines(&els, "#ECB78C", "3");
    assert_eq!(count(light.clone()), vec![2]);
    assert!(
        red.iter()
            .chain(&light)
            .all(|l| l.attr("stroke-dasharray") == Some("0.1 6"))
    );
    // CRIU r=2: one point, dashed.
    let blue = polylines(&els, BLUE, "2");
    assert_eq!(count(blue.clone()), vec![1]);
    assert_eq!(blue[0].attr("stroke-dasharray"), Some("10 5"));
    // The long-running line is solid.
    assert!(
        polylines(&els, BLACK, "2")
            .iter()
            .all(|l| l.attr("stroke-dasharray").is_none())
    );
}

#[test]
fn points_rise_with_the_mean() {
    // Face long-running means 1.25, 2.25, 4.25 s: y (down) must fall strictly along the line,
    // and the drops must be in proportion (1 s then 2 s).
    let svg = execution_time_svg(&records(), &[]).unwrap();
    let els = elements(&svg);
    let lines = polylines(&els, BLACK, "2");
    let face = lines.iter().find(|l| l.points().len() == 3).unwrap();
    let p = face.points();
    let (d1, d2) = (p[0].1 - p[1].1, p[1].1 - p[2].1);
    assert!(
        d1 > 0 && (f64::from(d2) / f64::from(d1) - 2.0).abs() < 0.05,
        "{p:?}"
    );
    assert!(p[0].0 < p[1].0 && p[1].0 < p[2].0);
}

#[test]
fn legend_and_panels() {
    let svg = execution_time_svg(&records(), &[]).unwrap();
    let els = elements(&svg);
    for label in [
        "Execution time",
        "long-running",
        "μλ r=2s",
        "μλ r=5s",
        "CRIU r=2s",
        "(a) Face recognition",
        "(b) Find a taxi",
        "images per bulk request",
        "batched ride requests",
    ] {
        assert_eq!(texts(&els, label).len(), 1, "{label}");
    }
    // No stress data, so no stress panel; a single mode, so no "(emu)".
    assert!(!svg.contains("Stress classification"));
    assert!(!svg.contains("(emu)"));
}

#[test]
fn confidence_bars_only_with_two_samples() {
    // One request per point: no bars. Two differing ones: a bar (stem + 2 caps) per point.
    let one = vec![req("face", "criu", Some(2.0), 1, 3.0)];
    // Three replications (runs 0, 1, 2; no runs.csv: each run a replication of its own).
    let two: Vec<RequestRecord> = [3.0, 4.0, 5.0]
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let mut r = req("face", "criu", Some(2.0), 1, t);
            r.run = i as u32;
            r
        })
        .collect();
    let bar_lines = |svg: &str| {
        elements(svg)
            .iter()
            .filter(|e| e.tag == "line" && e.attr("stroke") == Some(BLUE))
            .filter(|e| e.attr("stroke-width") == Some("1"))
            .count()
    };
    assert_eq!(bar_lines(&execution_time_svg(&one, &[]).unwrap()), 0);
    let svg = execution_time_svg(&two, &[]).unwrap();
    assert_eq!(bar_lines(&svg), 3);
    // The stem spans mean ± t(0.975, 2)·s/√n = 4 ± 4.303·1/√3 = 4 ± 2.48; the point sits in
    // its middle.
    let els = elements(&svg);
    let stem = els
        .iter()
        .find(|e| e.tag == "line" && e.attr("stroke") == Some(BLUE) && e.num("x1") == e.num("x2"))
        .unwrap();
    let point = polylines(&els, BLUE, "2")[0].points()[0];
    let mid = (stem.num("y1") + stem.num("y2")) / 2.0;
    assert!(
        (mid - f64::from(point.1)).abs() <= 1.0,
        "{stem:?} {point:?}"
    );
}

#[test]
fn emu_series_are_marked_when_both_modes_present() {
    let mut recs = records();
    let mut emu = req("face", "microlambda", Some(2.0), 1, 1.0);
    emu.mode = Mode::Emu;
    recs.push(emu.clone());
    let svg = execution_time_svg(&recs, &[]).unwrap();
    let els = elements(&svg);
    assert_eq!(texts(&els, "μλ r=2s (emu)").len(), 1);
    assert_eq!(texts(&els, "μλ r=2s").len(), 1);
    // Hollow markers: white-filled shapes with a coloured outline.
    assert!(
        els.iter()
            .any(|e| e.tag == "polygon" && e.attr("fill") == Some("#FFFFFF"))
    );

    // Emulation alone is not marked.
    let svg = execution_time_svg(&[emu], &[]).unwrap();
    assert!(!svg.contains("(emu)"));
}

#[test]
fn failed_requests_are_left_out_and_none_left_is_an_error() {
    let mut failed = req("face", "criu", Some(2.0), 1, 3.0);
    failed.status = "failed: no progress within r_limit".into();
    let err = execution_time_svg(&[failed], &[]).unwrap_err();
    assert!(
        matches!(err, PlotError::NoData { figure: "fig6", .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("fig6") && msg.contains("no data") && msg.contains("1 records, 0 ok"),
        "{msg}"
    );
    assert!(matches!(
        network_load_svg(&[], &[]),
        Err(PlotError::NoData { figure: "fig7", .. })
    ));
}

#[test]
fn network_load_has_byte_units() {
    let svg = network_load_svg(&records(), &[]).unwrap();
    let els = elements(&svg);
    assert_eq!(texts(&els, "Network load").len(), 1);
    // bytes = exec_time · 1e6: face ranges up to 6.5 MB.
    assert!(
        els.iter()
            .any(|e| e.text.as_deref().is_some_and(|t| t.ends_with(" MB")))
    );
}

#[test]
fn same_records_same_bytes() {
    let a = execution_time_svg(&records(), &[]).unwrap();
    let b = execution_time_svg(&records(), &[]).unwrap();
    assert_eq!(a, b);
}

#[test]
fn network_load_uses_a_log_axis() {
    // One long-running series whose loads are 1 MB, 10 MB and 1 GB (exec_s × 1e6 bytes, one
    // request per point so no error bars): on a log axis the two steps are 1 and 2 decades, so
    // the second drop in pixels is twice the first (on a linear axis it would be ~110 times).
    let v: Vec<RequestRecord> = [(1, 1.0), (2, 10.0), (3, 1000.0)]
        .into_iter()
        .map(|(items, s)| req("face", "long_running", None, items, s))
        .collect();
    let svg = network_load_svg(&v, &[]).unwrap();
    let els = elements(&svg);
    let lines = polylines(&els, BLACK, "2");
    let line = lines.iter().find(|l| l.points().len() == 3).unwrap();
    let p = line.points();
    let (d1, d2) = (p[0].1 - p[1].1, p[1].1 - p[2].1);
    assert!(
        d1 > 0 && (f64::from(d2) / f64::from(d1) - 2.0).abs() < 0.05,
        "{p:?}"
    );
}
