//! Bad specs: exit code 2, every problem named with file, line, field and fix, and no result
//! folder.

use crate::{mlsim, text};
use std::fs;

pub(crate) const GOOD: &str = "[experiment]\nname = \"t\"\n[workload]\napp = \"face\"\nitems = 2\n[checkpoint]\nmethod = \"microlambda\"\nr_limit_s = 2.0\n";

/// Writes `spec` (and extra files) to a temporary folder, runs `mlsim run`, and checks it fails
/// with exit code 2 and no output folder; returns stderr.
pub(crate) fn rejected(spec: &str, files: &[(&str, &str)]) -> String {
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
    assert!(err.contains("spec.toml:8:1: checkpoint.r_limit_s: -2 is out of range: must be between 0.001 and 1000000 [s]"), "{err}");
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

#[test]
fn markov_load_rows_and_lengths_are_checked() {
    let spec = format!(
        "{GOOD}[bbu]\nload = {{ kind = \"markov\", levels = [0.2, 1.5], mean_hold_s = [600, 60],\n  next = [[0, 1], [0.5, 0.4]] }}\n"
    );
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("bbu.load.levels[1]: 1.5 is not a load between 0 and 1"),
        "{err}"
    );
    assert!(
        err.contains(
            "spec.toml:11:19: bbu.load.next[1]: row 1 must be 2 probabilities ≥ 0 summing to 1"
        ),
        "{err}"
    );
    let spec = format!(
        "{GOOD}[bbu]\nload = {{ kind = \"markov\", levels = [0.2], mean_hold_s = [600, 60], next = [[1]] }}\n"
    );
    assert!(rejected(&spec, &[]).contains("2 holding times for 1 levels"));
}

#[test]
fn diurnal_and_markov_loads_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    for (name, load) in [
        (
            "d",
            "{ kind = \"diurnal\", mean = 0.5, amplitude = 0.4, period_s = 20, peak_s = 5, noise_sd = 0.05, step_s = 0.5 }",
        ),
        (
            "m",
            "{ kind = \"markov\", levels = [0.0, 0.75], mean_hold_s = [3, 3], next = [[0, 1], [1, 0]] }",
        ),
    ] {
        let spec = format!("{GOOD}[bbu]\ncores = 4\nload = {load}\n");
        fs::write(dir.path().join(format!("{name}.toml")), spec).unwrap();
        let o = mlsim(
            &["run", &format!("{name}.toml"), "--out", name, "-q"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let bbus = fs::read_to_string(dir.path().join(name).join("bbus.csv")).unwrap();
        // Worker BBU 1: C-RAN used some of its cores, and less than all of them all the time.
        let row: Vec<&str> = bbus.lines().nth(2).unwrap().split(',').collect();
        let (cran, horizon): (f64, f64) = (row[5].parse().unwrap(), row[6].parse().unwrap());
        assert!(cran > 0.0 && cran < 4.0 * horizon, "{name}: {bbus}");
    }
}

#[test]
fn eviction_policy_parameters_and_workload_classes_are_checked() {
    // r_limit "none" needs evictions.
    let err = rejected(
        &GOOD.replace(
            "r_limit_s = 2.0",
            "r_limit_s = \"none\"\n[eviction]\nnotice = \"none\"",
        ),
        &[],
    );
    assert!(err.contains("checkpoint.r_limit_s"), "{err}");
    assert!(err.contains("notice = \"ahead\""), "{err}");
    // An unknown notice, a negative grace, a policy parameter out of range, one the policy
    // does not have: all four reported at once.
    let err = rejected(
        &format!(
            "{GOOD}[eviction]\nnotice = \"early\"\ngrace_s = -1\n[placement]\nkind = \"forecast_aware\"\nalpha = 2.0\ngamma = 0.1\n"
        ),
        &[],
    );
    for needle in [
        "eviction.notice",
        "eviction.grace_s",
        "placement.alpha",
        "placement.gamma: unknown key `gamma`",
    ] {
        assert!(err.contains(needle), "{needle} missing in: {err}");
    }
    // A bad class of a mixed workload is named by its index; a bad ids_range too.
    let mixed = GOOD.replace(
        "[workload]\napp = \"face\"\nitems = 2\n",
        "[[workload]]\napp = \"face\"\nitems = 2\n[[workload]]\napp = \"taxy\"\nitems = 5\n[topology]\nbbus = 3\n[[bbu_override]]\nids_range = [2, 7]\n",
    );
    let err = rejected(&mixed, &[]);
    assert!(err.contains("workload[1].app"), "{err}");
    assert!(err.contains("did you mean \"taxi\"?"), "{err}");
    assert!(err.contains("bbu_override[0].ids_range"), "{err}");
    let both = GOOD.replace(
        "[workload]",
        "[topology]\nbbus = 3\n[[bbu_override]]\nids = [1]\nids_range = [1, 2]\nspeed = 2.0\n[workload]",
    );
    let err = rejected(&both, &[]);
    assert!(
        err.contains("both `ids` and `ids_range` are given"),
        "{err}"
    );
}

#[test]
fn a_mixed_workload_with_eviction_validates() {
    let dir = tempfile::tempdir().unwrap();
    let spec = GOOD.replace(
        "[workload]\napp = \"face\"\nitems = 2\n",
        "[[workload]]\napp = \"face\"\nitems = 2\n[[workload]]\napp = \"taxi\"\nitems = 5\n",
    ) + "[eviction]\nnotice = \"on_change\"\ngrace_s = 0.5\n[placement]\nkind = \"forecast_aware\"\nbeta = 0.3\n";
    fs::write(dir.path().join("spec.toml"), spec).unwrap();
    let v = mlsim(&["validate", "spec.toml"], dir.path());
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
}

#[test]
fn an_unknown_builtin_model_or_a_missing_model_file_is_named() {
    let spec = GOOD.replace("name = \"t\"\n", "name = \"t\"\nmodel = \"fited\"\n");
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("experiment.model") && err.contains("unknown built-in model \"fited\""),
        "{err}"
    );
    assert!(err.contains("\"default\" or \"paper\""), "{err}");
    let spec = GOOD.replace("name = \"t\"\n", "name = \"t\"\nmodel = \"none.toml\"\n");
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("cannot read model file") && err.contains("none.toml"),
        "{err}"
    );
}

#[test]
fn a_model_file_with_a_bad_setup_names_the_field() {
    let model = paper_model().replace(
        "[apps.face]\n",
        "[apps.face]\nsetup = { dist = \"lognormal\", mean_ms = -3 }\n",
    );
    let spec = GOOD.replace("name = \"t\"\n", "name = \"t\"\nmodel = \"m.toml\"\n");
    let err = rejected(&spec, &[("m.toml", &model)]);
    assert!(
        err.contains("m.toml:") && err.contains("apps.face.setup.mean_ms"),
        "{err}"
    );
}

/// The paper model's text, as a base for broken model files.
fn paper_model() -> String {
    fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models/paper.toml")).unwrap()
}

#[test]
fn docker_needs_a_docker_table_in_the_model_file() {
    let spec = GOOD
        .replace("name = \"t\"", "name = \"t\"\nmodel = \"paper\"")
        .replace("method = \"microlambda\"", "method = \"docker\"");
    let err = rejected(&spec, &[]);
    assert!(
        err.contains(
            "checkpoint.method: the model file <built-in \"paper\" (models/paper.toml)> has no [methods.docker] table"
        ),
        "{err}"
    );
    // The built-in default model has one: the same spec is valid with it, and simulates.
    let dir = tempfile::tempdir().unwrap();
    let ok = GOOD.replace("method = \"microlambda\"", "method = \"docker\"");
    fs::write(dir.path().join("spec.toml"), ok).unwrap();
    let out = mlsim(&["run", "spec.toml", "--out", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ckpts = fs::read_to_string(dir.path().join("out/checkpoints.csv")).unwrap();
    assert!(ckpts.contains(",docker,"), "{ckpts}");
}
