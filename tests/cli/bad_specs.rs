//! Bad specs: exit code 2, every problem named with file, line, field and fix, and no result
//! folder.

use crate::{mlsim, text};
use std::fs;

const GOOD: &str = "[experiment]\nname = \"t\"\n[workload]\napp = \"face\"\nitems = 2\n[checkpoint]\nmethod = \"microlambda\"\nr_limit_s = 2.0\n";

/// Writes `spec` (and extra files) to a temporary folder, runs `mlsim run`, and checks it fails
/// with exit code 2 and no output folder; returns stderr.
fn rejected(spec: &str, files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.toml"), spec).unwrap();
    for (name, body) in files {
        fs::write(dir.path().join(name), body).unwrap();
    }
    let out = mlsim(&["run", "spec.toml", "--out", "out"], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        !dir.path().join("out").exists(),
        "a result folder was created for a bad spec"
    );
    // `validate` agrees.
    let v = mlsim(&["validate", "spec.toml"], dir.path());
    assert_eq!(v.status.code(), Some(2));
    err
}

#[test]
fn the_base_spec_of_these_tests_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.toml"), GOOD).unwrap();
    let v = mlsim(&["validate", "spec.toml"], dir.path());
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    assert!(text(&v.stdout).contains("1 point(s) × 1 replication(s) = 1 runs"));
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "validate wrote something"
    );
}

#[test]
fn unknown_key_names_line_and_suggests() {
    let err = rejected(&GOOD.replace("items = 2", "itemz = 2"), &[]);
    assert!(
        err.contains("spec.toml:5:1: workload.itemz: unknown key `itemz`"),
        "{err}"
    );
    assert!(err.contains("did you mean `items`?"), "{err}");
    assert!(err.contains("required key `items` is missing"), "{err}");
}

#[test]
fn wrong_type() {
    let err = rejected(&GOOD.replace("items = 2", "items = \"two\""), &[]);
    assert!(
        err.contains("spec.toml:5:1: workload.items: expected a whole number, found a string"),
        "{err}"
    );
}

#[test]
fn negative_duration() {
    let err = rejected(&GOOD.replace("r_limit_s = 2.0", "r_limit_s = -2.0"), &[]);
    assert!(err.contains("spec.toml:8:1: checkpoint.r_limit_s: -2 is out of range: must be greater than 0 and at most 1000000000 [s]"), "{err}");
}

#[test]
fn empty_sweep_axis_and_empty_block() {
    let err = rejected(
        &format!("{GOOD}[[sweep]]\nworkload = {{ items = [] }}\n[[sweep]]\n"),
        &[],
    );
    assert!(
        err.contains("sweep[0].workload.items: empty sweep axis"),
        "{err}"
    );
    assert!(err.contains("sweep[1]: empty sweep block"), "{err}");
}

#[test]
fn sweep_value_errors_point_at_the_sweep() {
    let err = rejected(
        &format!("{GOOD}[[sweep]]\nworkload = {{ items = [1, -3] }}\n"),
        &[],
    );
    assert!(
        err.contains("spec.toml:10:26: workload.items: -3 is out of range"),
        "{err}"
    );
    assert!(
        err.contains("(value -3 from sweep[0].workload.items[1])"),
        "{err}"
    );
}

#[test]
fn missing_trace_file() {
    let err = rejected(
        &format!("{GOOD}[bbu]\nload = {{ kind = \"trace\", file = \"nope.csv\" }}\n"),
        &[],
    );
    assert!(
        err.contains("spec.toml:10:26: bbu.load.file: bad load trace:"),
        "{err}"
    );
    assert!(err.contains("nope.csv: cannot read"), "{err}");
}

#[test]
fn trace_with_a_malformed_row() {
    let spec = format!("{GOOD}[bbu]\nload = {{ kind = \"trace\", file = \"t.csv\" }}\n");
    let err = rejected(&spec, &[("t.csv", "time_s,load\n0,0.1\n5,lots\n")]);
    assert!(err.contains("t.csv:3: malformed row"), "{err}");
}

#[test]
fn all_problems_are_reported_at_once() {
    let spec = GOOD
        .replace("items = 2", "items = 0")
        .replace("method = \"microlambda\"", "method = \"micro\"")
        + "[links]\nradio = { latency_ms = -1 }\n";
    let err = rejected(&spec, &[]);
    assert!(err.starts_with("error: 3 problems in the spec:"), "{err}");
    assert!(err.contains("did you mean \"microlambda\"?"), "{err}");
}

#[test]
fn syntax_error_names_the_position() {
    let err = rejected("[experiment\nname = 1\n", &[]);
    assert!(err.contains("spec.toml:1:"), "{err}");
    assert!(err.contains("(syntax)"), "{err}");
}

#[test]
fn missing_spec_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = mlsim(&["run", "absent.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("absent.toml: (file): cannot read the spec"));
}
