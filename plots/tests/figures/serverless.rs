//! The serverless study's figures from a `summary.csv` written by hand: files written, and the
//! errors for a summary of another study or without serverless rows.

use std::path::Path;

use mlsim_plots::{Figure, PlotError, draw, read_serverless_summary, svg_from_dir};

use crate::common::{elements, texts};

/// The header of a serverless study's `summary.csv` (`mlsim-experiment`'s `ServerlessRow`).
const HEADER: &str = "point,policy,params,runs,invocations,cold_ratio,cold_ratio_ci95,\
                      wait_p50_s,wait_p99_s,wait_mean_s,wait_ci95_s,response_p50_s,\
                      response_p99_s,idle_gib_s,idle_gib_s_ci95,busy_gib_s,starting_gib_s,\
                      cold_starts,prewarms,pressure_reclaims";

const POLICIES: [&str; 3] = ["serverful", "kpa", "oracle"];

/// A summary of 2 scenarios (load 0.5 and 0.9) × 3 policies: serverful idles much and never
/// waits, oracle idles nothing (a 0 on the log axis) and its CIs are empty (one replication).
fn write_summary(dir: &Path) {
    let mut text = format!("{HEADER}\n");
    let mut point = 0;
    for load in ["0.5", "0.9"] {
        for (i, policy) in POLICIES.iter().enumerate() {
            let idle = [5000.0, 40.0, 0.0][i];
            let (cold, cold_ci, idle_ci) = if *policy == "oracle" {
                ("0.001".to_string(), "", "")
            } else {
                (format!("0.0{}", i * 3 + 1), "0.004", "3.5")
            };
            let p99 = [0.0, 2.5, 0.4][i];
            text.push_str(&format!(
                "{point},{policy},serverless.policy={policy};bbu.load.fraction={load},3,1200,\
                 {cold},{cold_ci},0,{p99},0.1,0.01,0.2,2.6,{idle},{idle_ci},12.5,0.5,40,0,0\n"
            ));
            point += 1;
        }
    }
    std::fs::write(dir.join("summary.csv"), text).unwrap();
}

#[test]
fn both_figures_write_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    write_summary(dir.path());
    let rows = read_serverless_summary(&dir.path().join("summary.csv"), "test").unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[2].idle_gib_s_ci95, None, "an empty cell is None");
    for fig in [Figure::ServerlessTradeoff, Figure::ServerlessCold] {
        let paths = draw(fig, dir.path()).unwrap();
        assert_eq!(
            paths,
            [
                dir.path().join(format!("{fig}.svg")),
                dir.path().join(format!("{fig}.png")),
            ]
        );
        for p in &paths {
            assert!(std::fs::metadata(p).unwrap().len() > 0, "{}", p.display());
        }
        let svg = std::fs::read_to_string(&paths[0]).unwrap();
        let els = elements(&svg);
        for label in POLICIES
            .iter()
            .copied()
            .chain(["bbu.load.fraction=0.5", "bbu.load.fraction=0.9"])
        {
            assert!(!texts(&els, label).is_empty(), "{fig}: {label}");
        }
        assert!(
            svg.contains("bars: 95 % CI over replications (Student t)"),
            "{fig}"
        );
        let png = std::fs::read(&paths[1]).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
    let tradeoff = svg_from_dir(Figure::ServerlessTradeoff, dir.path()).unwrap();
    // Idle memory-time spans 40 to 5000 GiB·s: a log axis, oracle's 0 at its left end.
    assert!(tradeoff.contains("drawn at the left end of the log axis"));
    let cold = svg_from_dir(Figure::ServerlessCold, dir.path()).unwrap();
    assert!(cold.contains("invocations that waited for a cold start [%]"));
}

#[test]
fn a_summary_without_policy_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // The protocol study's summary.csv.
    std::fs::write(
        dir.path().join("summary.csv"),
        "point,app,method,r_limit_s,items,runs,requests_ok,exec_mean_s\n0,face,criu,2,4,3,30,1.5\n",
    )
    .unwrap();
    for fig in [Figure::ServerlessTradeoff, Figure::ServerlessCold] {
        let err = draw(fig, dir.path()).unwrap_err();
        let PlotError::MissingColumns {
            path,
            figure,
            columns,
            ..
        } = &err
        else {
            panic!("{fig}: {err:?}");
        };
        assert_eq!(path, &dir.path().join("summary.csv"));
        assert_eq!(*figure, fig.name());
        assert!(columns.iter().any(|c| c == "policy"), "{columns:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("summary.csv")
                && msg.contains("`policy`")
                && msg.contains("serverless study"),
            "{msg}"
        );
        assert!(!dir.path().join(format!("{fig}.svg")).exists());
    }
}

#[test]
fn no_serverless_rows_or_no_summary_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for fig in [Figure::ServerlessTradeoff, Figure::ServerlessCold] {
        let err = draw(fig, dir.path()).unwrap_err();
        assert!(
            matches!(&err, PlotError::MissingCsv { path, .. } if path.ends_with("summary.csv")),
            "{fig}: {err:?}"
        );
    }
    // A serverless summary whose only point has no successful run: no policy.
    std::fs::write(
        dir.path().join("summary.csv"),
        format!("{HEADER}\n0,,serverless.policy=kpa,0,NaN,NaN,,,,,,,,NaN,,NaN,NaN,NaN,NaN,NaN\n"),
    )
    .unwrap();
    for fig in [Figure::ServerlessTradeoff, Figure::ServerlessCold] {
        let err = draw(fig, dir.path()).unwrap_err();
        assert!(
            matches!(err, PlotError::NoData { figure, .. } if figure == fig.name()),
            "{fig}: {err:?}"
        );
        assert!(
            err.to_string().contains("no serverless rows"),
            "{fig}: {err}"
        );
    }
}
