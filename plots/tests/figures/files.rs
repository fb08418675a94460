//! `draw` and `svg_from_dir`: reading CSVs, errors naming files and lines, atomic output.

use std::path::Path;

use mlsim_plots::{Figure, PlotError, draw, svg_from_dir};

use crate::common::{ckpt, req};

fn write_csv<T: serde::Serialize>(dir: &Path, name: &str, rows: &[T]) {
    let mut w = csv::Writer::from_path(dir.join(name)).unwrap();
    for r in rows {
        w.serialize(r).unwrap();
    }
    w.flush().unwrap();
}

#[test]
fn draw_writes_svg_and_png_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    write_csv(
        dir.path(),
        "checkpoints.csv",
        &[
            ckpt("taxi", "microlambda", 5.0, 2000),
            ckpt("taxi", "criu", 150.0, 2_000_000),
        ],
    );
    let paths = draw(Figure::Fig5, dir.path()).unwrap();
    assert_eq!(
        paths,
        vec![dir.path().join("fig5.svg"), dir.path().join("fig5.png")]
    );
    let svg = std::fs::read_to_string(&paths[0]).unwrap();
    assert_eq!(svg, svg_from_dir(Figure::Fig5, dir.path()).unwrap());
    assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    let png = std::fs::read(&paths[1]).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["checkpoints.csv", "fig5.png", "fig5.svg"]);
}

/// Long-running is written `inf`; `inf` and the empty cell of folders written before
/// 2026-12-07 both read as long-running.
#[test]
fn inf_or_empty_r_limit_reads_as_long_running() {
    let dir = tempfile::tempdir().unwrap();
    write_csv(
        dir.path(),
        "requests.csv",
        &[
            req("face", "long_running", None, 2, 1.0),
            req("face", "criu", Some(2.0), 2, 1.5),
        ],
    );
    let text = std::fs::read_to_string(dir.path().join("requests.csv")).unwrap();
    assert!(text.contains(",long_running,inf,2,"), "{text}");
    let svg = svg_from_dir(Figure::Fig6, dir.path()).unwrap();
    assert!(svg.contains("\nlong-running\n") && svg.contains("\nCRIU r=2s\n"));
    std::fs::write(
        dir.path().join("requests.csv"),
        text.replace(",long_running,inf,2,", ",long_running,,2,"),
    )
    .unwrap();
    assert_eq!(svg_from_dir(Figure::Fig6, dir.path()).unwrap(), svg);
}

#[test]
fn missing_csv_names_the_file_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    let err = draw(Figure::Fig6, dir.path()).unwrap_err();
    let PlotError::MissingCsv { path, figure } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(path, &dir.path().join("requests.csv"));
    assert_eq!(*figure, "fig6");
    let msg = err.to_string();
    assert!(
        msg.contains("requests.csv") && msg.contains("fig6"),
        "{msg}"
    );
    // Nothing was written.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn malformed_row_names_the_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write_csv(
        dir.path(),
        "requests.csv",
        &[
            req("face", "criu", Some(2.0), 2, 1.5),
            req("face", "criu", Some(2.0), 3, 1.5),
        ],
    );
    let path = dir.path().join("requests.csv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    // Line 4: `items` is not a number.
    let bad = text.lines().nth(1).unwrap().replace(",2,0,0,", ",two,0,0,");
    text.push_str(&bad);
    text.push('\n');
    std::fs::write(&path, &text).unwrap();
    let err = svg_from_dir(Figure::Fig7, dir.path()).unwrap_err();
    let PlotError::MalformedRow { line, message, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*line, 4);
    assert!(message.contains("`items`"), "{message}");
    assert!(err.to_string().contains("requests.csv:4:"), "{err}");

    // A short row.
    std::fs::write(
        &path,
        format!("{}\n1,sim,3\n", text.lines().next().unwrap()),
    )
    .unwrap();
    let err = svg_from_dir(Figure::Fig7, dir.path()).unwrap_err();
    assert!(
        matches!(err, PlotError::MalformedRow { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn header_only_csv_is_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let header = "run,mode,app,method,request,task,invocation,bbu,start_ns,safepoint_wait_ns,\
                  time_ns,items_done,raw_bytes,size_bytes,deadline_met\n";
    std::fs::write(dir.path().join("checkpoints.csv"), header).unwrap();
    let err = draw(Figure::Fig4, dir.path()).unwrap_err();
    assert!(
        matches!(err, PlotError::NoData { figure: "fig4", .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("fig4: no data to draw"),
        "{err}"
    );
    assert!(!dir.path().join("fig4.svg").exists());
}

#[test]
fn every_figure_draws() {
    let dir = tempfile::tempdir().unwrap();
    every_figure_folder(dir.path());
    for fig in Figure::ALL {
        let paths = draw(fig, dir.path()).unwrap();
        assert!(paths.iter().all(|p| p.exists()), "{fig}");
    }
}

/// Writes into `dir` a folder with records for every figure (one run of each study).
pub(crate) fn every_figure_folder(dir: &Path) {
    write_csv(
        dir,
        "checkpoints.csv",
        &[ckpt("stress", "criu", 600.0, 30_000_000)],
    );
    write_csv(
        dir,
        "requests.csv",
        &[req("stress", "microlambda", Some(10.0), 4, 9.0)],
    );
    let run = mlsim_core::record::RunRecord {
        app: "stress".into(),
        method: "microlambda".into(),
        placement: "random".into(),
        r_limit_s: Some(10.0),
        status: "ok".into(),
        ..Default::default()
    };
    write_csv(dir, "runs.csv", &[run]);
    write_csv(dir, "bbus.csv", &[mlsim_core::record::BbuRecord::default()]);
    // The suspend study's records, of the same run 0 on a 256-MiB device.
    write_csv(
        dir,
        "memory.csv",
        &[mlsim_core::record::MemoryRecord {
            memory_mib: 256.0,
            deployed: 3,
            running_mib_s: 10.0,
            ..Default::default()
        }],
    );
    write_csv(
        dir,
        "events.csv",
        &[mlsim_core::record::FunctionEventRecord {
            wake_latency_s: Some(0.2),
            response_s: Some(0.3),
            ..Default::default()
        }],
    );
    write_csv(
        dir,
        "functions.csv",
        &[mlsim_core::record::FunctionRecord::default()],
    );
    // The serverless study's summary, one point.
    std::fs::write(
        dir.join("summary.csv"),
        "point,policy,params,runs,invocations,cold_ratio,cold_ratio_ci95,wait_p50_s,wait_p99_s,\
         wait_mean_s,wait_ci95_s,response_p50_s,response_p99_s,idle_gib_s,idle_gib_s_ci95,\
         busy_gib_s,starting_gib_s,cold_starts,prewarms,pressure_reclaims\n\
         0,fixed,serverless.policy=fixed,1,10,0.2,,0,1.5,0.3,,0.1,2,7.5,,1,0.5,2,0,0\n",
    )
    .unwrap();
}

#[test]
fn suspend_figures_name_the_missing_csv() {
    // A result folder of another study: runs.csv only.
    let dir = tempfile::tempdir().unwrap();
    write_csv(
        dir.path(),
        "runs.csv",
        &[mlsim_core::record::RunRecord::default()],
    );
    for (fig, csv) in [
        (Figure::SuspendFit, "memory.csv"),
        (Figure::SuspendWake, "events.csv"),
        (Figure::SuspendCost, "memory.csv"),
    ] {
        let err = draw(fig, dir.path()).unwrap_err();
        let PlotError::MissingCsv { path, figure } = &err else {
            panic!("{fig}: {err:?}");
        };
        assert!(path.ends_with(csv), "{fig}: {err}");
        assert_eq!(*figure, fig.name());
    }
}
