//! The result folder's schema for analysis (issue 16): every swept parameter its own column,
//! placement and items per workload class as columns, long-running's r_limit a value no
//! group-by drops, no NaN cells, the study kind in spec spelling, and run files of another
//! schema refused by the merge instead of mixed into one table.

use mlsim_core::backend::Backend;
use mlsim_core::record::Mode;
use mlsim_experiment::runner::run_all;
use mlsim_experiment::testing::MockBackend;
use mlsim_experiment::{pipeline, spec};
use std::collections::BTreeMap;
use std::path::Path;

/// Two classes mixed, two placements × (long-running, μλ at 2 s) × 2 replications.
const MIX: &str = r#"
[experiment]
name = "mix"
model = "paper"
seed = 3
replications = 2

[topology]
bbus = 3
workers = [1, 2]

[[workload]]
app = "taxi"
items = 7
requests = 2

[[workload]]
app = "face"
items = 4
requests = 1

[[sweep]]
placement = { kind = ["round_robin", "least_loaded"] }
checkpoint = { method = ["long_running"] }

[[sweep]]
placement = { kind = ["round_robin", "least_loaded"] }
checkpoint = { method = ["microlambda"], r_limit_s = [2.0] }
"#;

fn run(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    let s = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let root = dir.join(name);
    let backend = MockBackend::new(Mode::Sim);
    let p = pipeline::prepare(&s, &root, &backend as &dyn Backend).unwrap();
    let o = run_all(&s, &p.dir, &backend, p.resumed, Some(1), &|_| {}).unwrap();
    pipeline::finish(&s, &p.dir, &backend, &o).unwrap();
    root
}

/// A CSV as its header and rows of name → cell.
fn table(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

#[test]
fn swept_parameters_placement_and_classes_are_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let root = run(tmp.path(), "mix", MIX);

    let (header, runs) = table(&root.join("runs.csv"));
    // The packed `params` stays (older readers); each swept key follows as its own column, in
    // the order of `params` (keys sorted within a sweep block).
    assert_eq!(
        header,
        [
            "run",
            "point",
            "replication",
            "seed",
            "app",
            "method",
            "placement",
            "r_limit_s",
            "items",
            "items_taxi",
            "items_face",
            "params",
            "checkpoint.method",
            "placement.kind",
            "checkpoint.r_limit_s",
            "status",
            "events"
        ]
    );
    assert_eq!(runs.len(), 8);
    for r in &runs {
        assert_eq!(r["app"], "taxi+face");
        // A mix has no one item count: empty, and the per-class columns hold them.
        assert_eq!(
            (&*r["items"], &*r["items_taxi"], &*r["items_face"]),
            ("", "7", "4")
        );
        assert_eq!(r["placement"], r["placement.kind"]);
        assert_eq!(r["method"], r["checkpoint.method"]);
        let long = r["method"] == "long_running";
        assert_eq!(r["r_limit_s"], if long { "inf" } else { "2.0" });
        // The key does not apply to long-running points: empty there.
        assert_eq!(r["checkpoint.r_limit_s"], if long { "" } else { "2.0" });
    }

    let (header, summary) = table(&root.join("summary.csv"));
    assert_eq!(
        header[..12],
        [
            "point",
            "app",
            "method",
            "placement",
            "r_limit_s",
            "items",
            "items_taxi",
            "items_face",
            "checkpoint.method",
            "placement.kind",
            "checkpoint.r_limit_s",
            "runs"
        ]
    );
    // One row per point; the four points differ by placement and method, which the rows say.
    let keys: Vec<(String, String)> = summary
        .iter()
        .map(|r| (r["placement"].clone(), r["r_limit_s"].clone()))
        .collect();
    assert_eq!(
        keys,
        [
            ("round_robin".into(), "inf".into()),
            ("least_loaded".into(), "inf".into()),
            ("round_robin".into(), "2.0".into()),
            ("least_loaded".into(), "2.0".into()),
        ]
    );
    let text = std::fs::read_to_string(root.join("summary.csv")).unwrap();
    assert!(!text.contains("NaN"), "{text}");

    // requests.csv: each request its own class's app and items; long-running's limit inf.
    let (_, requests) = table(&root.join("requests.csv"));
    assert!(
        requests
            .iter()
            .any(|r| r["app"] == "face" && r["items"] == "4")
    );
    assert!(
        requests
            .iter()
            .any(|r| r["app"] == "taxi" && r["items"] == "7")
    );
    assert!(
        requests
            .iter()
            .filter(|r| r["method"] == "long_running")
            .all(|r| r["r_limit_s"] == "inf")
    );

    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["kind"], "protocol");

    // The column dictionary describes every column of every table, the spec-made ones too.
    let (_, dict) = table(&root.join("columns.csv"));
    let find = |f: &str, c: &str| dict.iter().find(|r| r["file"] == f && r["column"] == c);
    assert!(
        dict.iter().all(|r| r["meaning"] != "not documented"),
        "{dict:?}"
    );
    assert_eq!(find("runs.csv", "workload.items"), None);
    assert!(find("runs.csv", "placement.kind").unwrap()["meaning"].contains("swept"));
    assert_eq!(find("requests.csv", "exec_time_s").unwrap()["unit"], "s");
    assert!(find("summary.csv", "items_face").is_some());
}

/// A probe point that finishes no request: its means are empty cells, not `NaN`.
#[test]
fn a_point_without_requests_has_empty_means() {
    let tmp = tempfile::tempdir().unwrap();
    let root = run(
        tmp.path(),
        "probe",
        r#"
[experiment]
name = "probe"
model = "paper"
kind = "checkpoint_probe"
samples = 3

[workload]
app = "face"
items = 5

[checkpoint]
method = "microlambda"
r_limit_s = 5.0
"#,
    );
    let (_, rows) = table(&root.join("summary.csv"));
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["requests_ok"], "0");
    for c in [
        "exec_mean_s",
        "bytes_mean",
        "invocations_mean",
        "lost_work_mean_s",
    ] {
        assert_eq!(r[c], "", "{c}");
    }
    assert_ne!(r["ckpt_time_median_ms"], "");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["kind"], "checkpoint_probe");
}

/// A run file whose columns differ from the others' (e.g. written by an older mlsim into the
/// folder being resumed) is never merged into the same table: the merge stops, names both
/// files, and removes nothing.
#[test]
fn the_merge_refuses_run_files_with_other_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("mix.toml");
    std::fs::write(&path, MIX).unwrap();
    let root = run(tmp.path(), "mix", MIX);
    // Run 1's file, rewritten as an older mlsim wrote it: without the swept columns, with a
    // valid end line (so it passes its check and would be merged).
    // (Older versions kept a run in one sectioned file, runs/NNNNNN.csv.)
    let d = root.join("runs/000001");
    let body = mlsim_experiment::testing::older_run_sections(&d).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
    let f = root.join("runs/000001.csv");
    // Its [run] section's header and row without the three swept columns (12, 13, 14).
    let mut lines: Vec<String> = body.lines().map(str::to_string).collect();
    for line in &mut lines[1..3] {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells.drain(12..15);
        *line = cells.join(",");
    }
    assert!(lines[1].ends_with(",params,status,events"), "{}", lines[1]);
    let old = mlsim_experiment::testing::with_end_line(&(lines.join("\n") + "\n"));
    std::fs::write(&f, &old).unwrap();
    let s = spec::load(&path).unwrap();
    let backend = MockBackend::new(Mode::Sim);
    let p = pipeline::prepare(&s, &root, &backend as &dyn Backend).unwrap();
    let Err(err) = run_all(&s, &p.dir, &backend, p.resumed, Some(1), &|_| {}) else {
        panic!("the merge must refuse");
    };
    let err = err.to_string();
    assert!(
        err.contains("runs/000001.csv") && err.contains("runs/000000 ") && err.contains("columns"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), old);
}
