//! The comparison figures: simulator over emulation (y = x line, markers, median caption) and
//! Figs. 4 and 5 with measured boxes and the paper's bounds.

use mlsim_core::record::{CheckpointRecord, Mode};
use mlsim_plots::{
    PlotError, SimEmuPoint, checkpoint_size_compare_svg, checkpoint_time_compare_svg,
    sim_emu_scatter_svg,
};

use crate::common::{Element, ckpt, elements, texts};

fn point(app: &str, method: &str, sim: f64, emu: f64) -> SimEmuPoint {
    SimEmuPoint {
        app: app.into(),
        method: method.into(),
        sim_exec_s: sim,
        emu_exec_s: emu,
        sim_bytes: sim * 1e6,
        emu_bytes: emu * 1e6,
    }
}

/// The dashed grey y = x lines (one per panel).
fn diagonals(els: &[Element]) -> Vec<&Element> {
    els.iter()
        .filter(|e| {
            e.tag == "line"
                && e.attr("stroke") == Some("#5A5A5A")
                && e.attr("stroke-dasharray").is_some()
        })
        .collect()
}

#[test]
fn exact_points_sit_on_the_diagonal_and_off_points_do_not() {
    // Two exact points (2 s and 20 s) and one 50 % high; |errors| 0, 0, 50 -> median 0.
    let pts = [
        point("taxi", "microlambda", 2.0, 2.0),
        point("taxi", "criu", 20.0, 20.0),
        point("stress", "long_running", 15.0, 10.0),
    ];
    let svg = sim_emu_scatter_svg(&pts).unwrap();
    let els = elements(&svg);
    let d = diagonals(&els);
    assert_eq!(d.len(), 2, "one y = x line per panel");
    let line = d[0];
    let (x1, y1, x2, y2) = (
        line.num("x1"),
        line.num("y1"),
        line.num("x2"),
        line.num("y2"),
    );
    assert!(x2 > x1 && y2 < y1, "rises to the right: {line:?}");
    let off_line = |x: f64, y: f64| {
        // Distance [px] of (x, y) from the line through (x1, y1), (x2, y2).
        ((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1).abs() / (y2 - y1).hypot(x2 - x1)
    };
    // Taxi markers are circles: the μλ (red) and CRIU (blue) ones of the first panel.
    let circles: Vec<&Element> = els
        .iter()
        .filter(|e| {
            e.tag == "circle"
                && e.attr("r") == Some("7")
                && e.num("cy") > 60.0
                && matches!(e.attr("fill"), Some("#D55E00") | Some("#0072B2"))
        })
        .collect();
    assert_eq!(circles.len(), 4, "two taxi points in each of two panels");
    for c in &circles[..2] {
        assert!(off_line(c.num("cx"), c.num("cy")) <= 1.5, "{c:?} off y = x");
    }
    // The stress point (a black square) is 50 % above: log10(1.5) of a decade off the line.
    let square = els
        .iter()
        .find(|e| {
            e.tag == "polygon"
                && e.attr("fill") == Some("#000000")
                && e.points().iter().all(|p| p.1 > 60)
        })
        .expect("stress marker");
    let p = square.points();
    let (cx, cy) = (
        f64::from(p.iter().map(|q| q.0).sum::<i32>()) / p.len() as f64,
        f64::from(p.iter().map(|q| q.1).sum::<i32>()) / p.len() as f64,
    );
    assert!(
        off_line(cx, cy) > 10.0,
        "({cx}, {cy}) should be off the diagonal"
    );
    assert_eq!(
        texts(&els, "(a) Mean execution time [s], median |error| 0.0 %").len(),
        1
    );
    assert_eq!(texts(&els, "y = x ± 5 %").len(), 1);
}

#[test]
fn scatter_without_positive_values_is_no_data() {
    let err = sim_emu_scatter_svg(&[point("taxi", "criu", 0.0, 1.0)]).unwrap_err();
    assert!(matches!(err, PlotError::NoData { .. }), "{err}");
}

/// A measured checkpoint (mode emu).
fn real(app: &str, method: &str, ms: f64, size: u64) -> CheckpointRecord {
    CheckpointRecord {
        mode: Mode::Emu,
        ..ckpt(app, method, ms, size)
    }
}

/// y \[px\] of the tick labelled `label`.
fn tick_y(els: &[Element], label: &str) -> f64 {
    let t = texts(els, label);
    assert_eq!(t.len(), 1, "tick {label}");
    t[0].num("y")
}

/// The dashed dark-grey bound lines.
fn bounds(els: &[Element]) -> Vec<&Element> {
    els.iter()
        .filter(|e| e.tag == "line" && e.attr("stroke") == Some("#3C3C3C"))
        .collect()
}

#[test]
fn paper_bounds_are_drawn_at_their_values_across_both_sides() {
    let mut recs: Vec<CheckpointRecord> = [2.0, 4.0, 6.0]
        .iter()
        .map(|&t| ckpt("taxi", "microlambda", t, 50_000))
        .collect();
    recs.extend(
        [8.0, 12.0]
            .iter()
            .map(|&t| real("taxi", "microlambda", t, 60_000)),
    );
    recs.push(ckpt("taxi", "criu", 200.0, 2_000_000));
    recs.push(real("taxi", "criu", 300.0, 1_200_000));
    let svg = checkpoint_time_compare_svg(&recs).unwrap();
    let els = elements(&svg);
    let (y10, y100) = (tick_y(&els, "10"), tick_y(&els, "100"));
    let y_of = |ms: f64| y10 + (y100 - y10) * (ms.log10() - 1.0);
    let lines = bounds(&els);
    assert_eq!(lines.len(), 2, "μλ < 10 ms and CRIU ≥ 150 ms for taxi");
    let at = |ms: f64| {
        lines
            .iter()
            .find(|l| (l.num("y1") - y_of(ms)).abs() <= 1.5 && l.num("y1") == l.num("y2"))
            .unwrap_or_else(|| panic!("no bound line at {ms} ms: {lines:?}"))
    };
    let mu = at(10.0);
    at(150.0);
    // The μλ line spans both μλ boxes (sim filled, measured hollow): wider than two boxes.
    assert!(mu.num("x2") - mu.num("x1") > 60.0, "{mu:?}");
    assert_eq!(texts(&els, "paper &lt; 10 ms").len(), 1);
    assert_eq!(texts(&els, "paper ≥ 150 ms").len(), 1);
    // The legend tells the measured boxes apart.
    assert_eq!(texts(&els, "μλ (emu)").len(), 1);

    let svg = checkpoint_size_compare_svg(&recs).unwrap();
    let els = elements(&svg);
    assert_eq!(texts(&els, "paper &lt; 281 KB").len(), 1);
    assert_eq!(texts(&els, "paper &gt; 1.8 MB").len(), 1);
}

#[test]
fn bounds_of_apps_without_boxes_are_not_drawn() {
    let recs = vec![
        ckpt("face", "microlambda", 3.0, 90_000),
        real("face", "microlambda", 4.0, 95_000),
    ];
    let els = elements(&checkpoint_time_compare_svg(&recs).unwrap());
    assert_eq!(bounds(&els).len(), 1, "only face μλ has boxes");
    assert_eq!(texts(&els, "paper &lt; 10 ms").len(), 1);
}
