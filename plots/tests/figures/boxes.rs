//! Figs. 4 and 5: box statistics, log axis, legend.

use mlsim_core::record::CheckpointRecord;
use mlsim_plots::{PlotError, checkpoint_size_svg, checkpoint_time_svg};

use crate::common::{Element, ckpt, elements, texts};

/// μλ on face: 1..=9 ms and a 100 ms outlier (median 5.5, q1 3.25, q3 7.75, IQR 4.5, upper
/// fence 14.5: whiskers 1 and 9). CRIU on face: 200..=300 ms.
fn records() -> Vec<CheckpointRecord> {
    let mut v: Vec<CheckpointRecord> = (1..=9)
        .map(|t| ckpt("face", "microlambda", f64::from(t), 50_000))
        .collect();
    v.push(ckpt("face", "microlambda", 100.0, 60_000));
    v.extend((0..=4).map(|i| ckpt("face", "criu", 200.0 + 25.0 * f64::from(i), 20_000_000)));
    v
}

/// y \[px\] of the y tick labelled `label`.
fn tick_y(els: &[Element], label: &str) -> f64 {
    let t = texts(els, label);
    assert_eq!(t.len(), 1, "tick {label}");
    t[0].num("y")
}

#[test]
fn log_axis_has_decade_ticks_equally_spaced() {
    let svg = checkpoint_time_svg(&records()).unwrap();
    let els = elements(&svg);
    let ys: Vec<f64> = ["1", "10", "100"].iter().map(|l| tick_y(&els, l)).collect();
    let (d1, d2) = (ys[0] - ys[1], ys[1] - ys[2]);
    assert!(d1 > 50.0 && (d1 - d2).abs() <= 1.0, "{ys:?}");
    assert_eq!(texts(&els, "Checkpoint time [ms]").len(), 1);
}

#[test]
fn median_line_sits_at_the_sample_median() {
    let svg = checkpoint_time_svg(&records()).unwrap();
    let els = elements(&svg);
    let (y1, y10) = (tick_y(&els, "1"), tick_y(&els, "10"));
    let y_of = |ms: f64| y1 + (y10 - y1) * ms.log10();
    // μλ's median: the 3 px line in the μλ edge colour.
    let median = els
        .iter()
        .find(|e| {
            e.tag == "line"
                && e.attr("stroke") == Some("#8C3C00")
                && e.attr("stroke-width") == Some("3")
        })
        .expect("μλ median line");
    assert_eq!(median.num("y1"), median.num("y2"));
    assert!(
        (median.num("y1") - y_of(5.5)).abs() <= 1.0,
        "{median:?} vs {}",
        y_of(5.5)
    );
    // Whisker caps at 1 and 9 ms: horizontal 2 px μλ lines.
    let caps: Vec<f64> = els
        .iter()
        .filter(|e| {
            e.tag == "line"
                && e.attr("stroke") == Some("#8C3C00")
                && e.attr("stroke-width") == Some("2")
                && e.num("y1") == e.num("y2")
        })
        .map(|e| e.num("y1"))
        .collect();
    for ms in [1.0, 9.0] {
        assert!(
            caps.iter().any(|y| (y - y_of(ms)).abs() <= 1.0),
            "cap at {ms} ms: {caps:?}"
        );
    }
    // The 100 ms outlier is a circle.
    let outliers: Vec<&Element> = els
        .iter()
        .filter(|e| e.tag == "circle" && e.attr("stroke") == Some("#8C3C00"))
        .collect();
    assert_eq!(outliers.len(), 1);
    assert!((outliers[0].num("cy") - y_of(100.0)).abs() <= 1.0);
}

#[test]
fn legend_boxes_and_apps() {
    let svg = checkpoint_time_svg(&records()).unwrap();
    let els = elements(&svg);
    for label in ["Checkpoint time", "μλ", "CRIU", "Face recognition"] {
        assert_eq!(texts(&els, label).len(), 1, "{label}");
    }
    assert!(!svg.contains("Find a taxi"));
    // Fills: μλ light vermillion, CRIU dark blue (legend swatch + box each).
    let fills = |c: &str| {
        els.iter()
            .filter(|e| e.tag == "rect" && e.attr("fill") == Some(c))
            .count()
    };
    assert_eq!(fills("#F2B48C"), 2);
    assert_eq!(fills("#004673"), 2);
}

#[test]
fn size_axis_has_byte_units() {
    let svg = checkpoint_size_svg(&records()).unwrap();
    let els = elements(&svg);
    // Title and axis description.
    assert_eq!(texts(&els, "Checkpoint size").len(), 2);
    for label in ["100 KB", "1 MB", "10 MB"] {
        assert_eq!(texts(&els, label).len(), 1, "{label}");
    }
}

#[test]
fn apps_in_paper_order_then_alphabetical() {
    let recs: Vec<CheckpointRecord> = ["zz", "stress", "aa", "taxi", "face"]
        .iter()
        .map(|a| ckpt(a, "microlambda", 2.0, 1000))
        .collect();
    let svg = checkpoint_time_svg(&recs).unwrap();
    let els = elements(&svg);
    let x = |l: &str| texts(&els, l)[0].num("x");
    let order = [
        "Face recognition",
        "Find a taxi",
        "Stress classification",
        "aa",
        "zz",
    ];
    assert!(order.windows(2).all(|w| x(w[0]) < x(w[1])));
}

#[test]
fn no_checkpoints_of_known_methods_is_an_error() {
    let recs = vec![ckpt("face", "long_running", 1.0, 1)];
    let err = checkpoint_time_svg(&recs).unwrap_err();
    assert!(
        matches!(err, PlotError::NoData { figure: "fig4", .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("`microlambda`, `criu` or `docker`")
    );
    assert!(matches!(
        checkpoint_size_svg(&[]),
        Err(PlotError::NoData { .. })
    ));
    let zero = vec![ckpt("face", "criu", 0.0, 0)];
    assert!(matches!(
        checkpoint_size_svg(&zero),
        Err(PlotError::NoData { .. })
    ));
}

#[test]
fn tiny_figure_snapshot() {
    let recs = vec![
        ckpt("face", "microlambda", 2.0, 1000),
        ckpt("face", "microlambda", 4.0, 1000),
        ckpt("face", "criu", 300.0, 1000),
    ];
    let svg = checkpoint_time_svg(&recs).unwrap();
    assert_eq!(svg, checkpoint_time_svg(&recs).unwrap());
    insta::assert_snapshot!(svg);
}
