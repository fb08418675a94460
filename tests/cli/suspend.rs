//! The suspend study (seed 000) end to end: a small `iot-suspend` run, byte-identical whatever
//! the thread count, with the seed's shape (a checkpoint serves functions a pause cannot fit);
//! and one bad spec per new key (exit 2, the field named).

use crate::{mlsim, repo, text};
use std::fs;
use std::path::Path;

/// experiments/iot-suspend.toml made small: 2 replications, 8 functions of 5 events, two
/// memory sizes, no figures (the figures are tested in mlsim-plots).
pub fn small_spec() -> String {
    let full = fs::read_to_string(repo().join("experiments/iot-suspend.toml")).unwrap();
    full.replace("replications = 5", "replications = 2")
        .replace("count = 32", "count = 8")
        .replace("events = 20", "events = 5")
        .replace(
            "memory_gib = [0.25, 0.5, 1.0, 2.0]",
            "memory_gib = [0.125, 0.5]",
        )
        .replace(
            "figures = [\"suspend-fit\", \"suspend-wake\", \"suspend-cost\"]",
            "figures = []",
        )
}

fn rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.deserialize().map(|x| x.unwrap()).collect()
}

#[test]
fn a_small_suspend_study_is_deterministic_and_has_the_seed_shape() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("iot.toml"), small_spec()).unwrap();
    let a = mlsim(
        &["run", "iot.toml", "--out", "a", "--jobs", "1"],
        dir.path(),
    );
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    let b = mlsim(
        &["run", "iot.toml", "--out", "b", "--jobs", "2"],
        dir.path(),
    );
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    // Every column of every table is in the folder's dictionary (issue 16).
    let dict = fs::read_to_string(dir.path().join("a/columns.csv")).unwrap();
    assert!(!dict.contains("not documented"), "{dict}");
    for f in [
        "events.csv",
        "functions.csv",
        "memory.csv",
        "summary.csv",
        "runs.csv",
    ] {
        assert!(dict.contains(&format!("\n{f},")), "{f}: {dict}");
    }
    for f in [
        "columns.csv",
        "events.parquet",
        "summary.parquet",
        "runs.csv",
        "events.csv",
        "functions.csv",
        "memory.csv",
        "summary.csv",
    ] {
        let (x, y) = (
            fs::read(dir.path().join("a").join(f)).unwrap(),
            fs::read(dir.path().join("b").join(f)).unwrap(),
        );
        assert!(!x.is_empty(), "{f} is empty");
        assert_eq!(x, y, "{f} differs between --jobs 1 and 2");
    }
    // The table printed is the suspend summary.
    assert!(
        text(&a.stdout).contains("wake_med_s"),
        "{}",
        text(&a.stdout)
    );
    // 128 MiB holds 2 functions of ~51 MiB: without suspension or with a pause only 2 of 8
    // are ever deployed; a checkpoint to disk frees the memory, so all 8 are, and all events
    // are served, at the price of a longer wake than a pause's.
    let summary = rows(&dir.path().join("a/summary.csv"));
    let at = |method: &str, mib: &str| {
        summary
            .iter()
            .find(|r| r["method"] == method && r["memory_mib"] == mib)
            .unwrap_or_else(|| panic!("no row {method} {mib}: {summary:?}"))
            .clone()
    };
    let num = |r: &std::collections::BTreeMap<String, String>, k: &str| -> f64 {
        r[k].parse().unwrap_or_else(|_| panic!("{k}: {r:?}"))
    };
    for m in ["long_running", "pause"] {
        assert_eq!(num(&at(m, "128.0"), "deployed_mean"), 2.0, "{m}");
        assert!(num(&at(m, "128.0"), "served_share") < 0.5, "{m}");
    }
    for m in ["docker", "criu"] {
        assert_eq!(num(&at(m, "128.0"), "deployed_mean"), 8.0, "{m}");
        assert_eq!(num(&at(m, "128.0"), "served_share"), 1.0, "{m}");
        assert!(num(&at(m, "512.0"), "bytes_written_mean") > 0.0, "{m}");
    }
    // With room for all (512 MiB), a pause wakes faster than a checkpoint restore.
    assert!(
        num(&at("pause", "512.0"), "wake_median_s") < num(&at("criu", "512.0"), "wake_median_s")
    );
    assert_eq!(num(&at("pause", "512.0"), "bytes_written_mean"), 0.0);
    // No protocol records in a suspend folder's request file.
    assert_eq!(rows(&dir.path().join("a/requests.csv")).len(), 0);
}

const GOOD: &str = "[experiment]\nkind = \"suspend\"\n[topology]\nbbus = 2\nworkers = [1]\n[bbu]\nmemory_gib = 1.0\n[functions]\napp = \"face\"\ncount = 4\nevents_per_s = 0.1\nevents = 3\nburst_ms = 50\n[suspend]\nmethod = \"criu\"\nidle_s = 1.0\n";

fn rejected(spec: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.toml"), spec).unwrap();
    let out = mlsim(&["run", "spec.toml", "--out", "out"], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(!dir.path().join("out").exists());
    err
}

#[test]
fn the_base_suspend_spec_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.toml"), GOOD).unwrap();
    let v = mlsim(&["validate", "spec.toml"], dir.path());
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
}

#[test]
fn bad_suspend_specs_name_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "count = 4\n",
            "",
            "functions.count: required key `count` is missing",
        ),
        (
            "events_per_s = 0.1",
            "events_per_s = 0.0",
            "functions.events_per_s: 0 is out of range",
        ),
        (
            "events = 3",
            "events = 0",
            "functions.events: 0 is out of range",
        ),
        (
            "burst_ms = 50",
            "burst_ms = -1",
            "functions.burst_ms: -1 is out of range",
        ),
        ("app = \"face\"", "app = \"fcae\"", "did you mean \"face\"?"),
        (
            "burst_ms = 50",
            "burst_ms = 50\nmemory_mib = 4096",
            "one function needs 4096.0 MiB but the largest worker BBU has 1024 MiB",
        ),
        (
            "burst_ms = 50",
            "burst_ms = 50\nphase_s = 1.0",
            "functions.phase_s: unknown key `phase_s`",
        ),
        (
            "burst_ms = 50",
            "burst_ms = 50\narrival = \"bursty\"",
            "functions.arrival",
        ),
        ("method = \"criu\"", "method = \"podman\"", "suspend.method"),
        (
            "idle_s = 1.0",
            "idle_s = -2.0",
            "suspend.idle_s: -2 is out of range",
        ),
        (
            "[suspend]\nmethod = \"criu\"\nidle_s = 1.0\n",
            "",
            "a suspend study needs a [suspend] table",
        ),
        (
            "idle_s = 1.0\n",
            "idle_s = 1.0\n[workload]\napp = \"face\"\n",
            "[workload] is not used by a suspend study",
        ),
        (
            "idle_s = 1.0\n",
            "idle_s = 1.0\n[checkpoint]\nmethod = \"criu\"\n",
            "[checkpoint] is not used by a suspend study",
        ),
        (
            "kind = \"suspend\"",
            "kind = \"protocol\"",
            "[functions] is read only by a suspend study",
        ),
    ];
    for (from, to, want) in cases {
        assert!(GOOD.contains(from), "{from}");
        let err = rejected(&GOOD.replacen(from, to, 1));
        assert!(err.contains(want), "{from} → {to}: want {want:?} in\n{err}");
    }
}

#[test]
fn events_from_a_trace_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = GOOD.replace(
        "events_per_s = 0.1\nevents = 3\n",
        "arrival = \"trace\"\ntrace_file = \"ev.csv\"\n",
    );
    fs::write(dir.path().join("spec.toml"), &spec).unwrap();
    fs::write(
        dir.path().join("ev.csv"),
        "function,time_s\n0,1.5\n3,2.0\n0,0.5\n",
    )
    .unwrap();
    let out = mlsim(&["run", "spec.toml", "--out", "out", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ev = rows(&dir.path().join("out/events.csv"));
    let got: Vec<(String, String)> = ev
        .iter()
        .map(|r| (r["function"].clone(), r["arrival_ns"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("0".to_string(), "500000000".to_string()),
            ("0".to_string(), "1500000000".to_string()),
            ("3".to_string(), "2000000000".to_string())
        ]
    );
    // A function index the spec does not deploy, and a broken row.
    fs::write(dir.path().join("ev.csv"), "function,time_s\n4,1.0\n").unwrap();
    let err = rejected(&spec.replace("ev.csv", &dir.path().join("ev.csv").display().to_string()));
    assert!(
        err.contains("the trace has events of function 4 but only 4 functions are deployed"),
        "{err}"
    );
    fs::write(dir.path().join("ev.csv"), "function,time_s\n0,soon\n").unwrap();
    let err = rejected(&spec.replace("ev.csv", &dir.path().join("ev.csv").display().to_string()));
    assert!(
        err.contains("ev.csv:2: event trace: malformed row"),
        "{err}"
    );
    let err = rejected(&spec.replace("trace_file", "events = 3\ntrace_file"));
    assert!(
        err.contains("`events` is not used with `arrival = \"trace\"`"),
        "{err}"
    );
}

#[test]
fn protocol_runs_refuse_a_pause() {
    let spec = "[experiment]\n[workload]\napp = \"face\"\nitems = 2\n[checkpoint]\nmethod = \"pause\"\nr_limit_s = 2.0\n";
    let err = rejected(spec);
    assert!(
        err.contains("checkpoint.method: pause keeps the task where it is and cannot vacate a BBU"),
        "{err}"
    );
}

/// The emulation replays a suspend study on one worker BBU; two are refused before anything
/// starts (exit 2, the reason and the fix named, no folder written).
#[test]
fn the_emulation_refuses_a_suspend_study_on_two_workers() {
    let dir = tempfile::tempdir().unwrap();
    let spec = GOOD
        .replace("bbus = 2", "bbus = 3")
        .replace("workers = [1]", "workers = [1, 2]");
    assert_ne!(spec, GOOD, "the spec changed");
    fs::write(dir.path().join("spec.toml"), spec).unwrap();
    let out = mlsim(&["emu", "run", "spec.toml", "--out", "out"], dir.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("on one worker BBU (2 given)") && err.contains("`[topology] workers`"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

/// `mlsim compare` on a suspend study: the comparison is per point and metric. A folder
/// compared with itself (its records relabelled `emu`) has 0 % error on every metric that has a
/// value; the simulator's folder given twice is refused (the second must be the emulation's);
/// the files are byte-identical when made twice.
#[test]
fn compare_on_a_suspend_study_is_per_metric_and_refuses_two_simulator_folders() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("iot.toml"), small_spec()).unwrap();
    let a = mlsim(&["run", "iot.toml", "--out", "sim", "-q"], dir.path());
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    // The "emulation": the same records, relabelled.
    let (sim, emu) = (dir.path().join("sim"), dir.path().join("emu"));
    fs::create_dir_all(&emu).unwrap();
    for f in fs::read_dir(&sim).unwrap().flatten() {
        if f.file_type().unwrap().is_file() {
            let t = fs::read(f.path()).unwrap();
            let t = String::from_utf8_lossy(&t).replace(",sim,", ",emu,");
            fs::write(emu.join(f.file_name()), t).unwrap();
        }
    }
    let twice = mlsim(&["compare", "sim", "sim", "--out", "c0"], dir.path());
    assert_eq!(twice.status.code(), Some(2), "{}", text(&twice.stdout));
    assert!(
        text(&twice.stderr).contains("not Emu") || text(&twice.stderr).contains("emulation"),
        "{}",
        text(&twice.stderr)
    );
    let c = mlsim(&["compare", "sim", "emu", "--out", "c1"], dir.path());
    assert_eq!(c.status.code(), Some(0), "{}", text(&c.stderr));
    let out = text(&c.stdout);
    assert!(
        out.contains("suspend study") && out.contains("wake_latency_s"),
        "{out}"
    );
    let r = rows(&dir.path().join("c1/compare-suspend.csv"));
    // 2 memory sizes × 4 methods = 8 points, 9 metrics each.
    assert_eq!(r.len(), 8 * 9);
    assert!(r.iter().any(|x| !x["err_pct"].is_empty()));
    for x in &r {
        if !x["err_pct"].is_empty() {
            assert_eq!(x["err_pct"], "0.000", "{x:?}");
        }
    }
    let again = mlsim(&["compare", "sim", "emu", "--out", "c2"], dir.path());
    assert_eq!(again.status.code(), Some(0));
    for f in ["compare-suspend.csv", "compare-suspend-summary.csv"] {
        assert_eq!(
            fs::read(dir.path().join("c1").join(f)).unwrap(),
            fs::read(dir.path().join("c2").join(f)).unwrap(),
            "{f}"
        );
    }
}

/// The paper model has a pause table (measured, copied from the default model: the paper does
/// not evaluate `docker pause`), so a suspend study on it runs with pause; its times are the
/// table's: 45.3 ms per pause and 32.1 ms per unpause on average (cv 0.76 and 0.33).
#[test]
fn a_suspend_study_on_the_paper_model_can_pause() {
    let dir = tempfile::tempdir().unwrap();
    let spec = GOOD
        .replace("[experiment]\n", "[experiment]\nmodel = \"paper\"\n")
        .replace("method = \"criu\"", "method = \"pause\"");
    fs::write(dir.path().join("spec.toml"), spec).unwrap();
    let out = mlsim(&["run", "spec.toml", "--out", "out", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let f = rows(&dir.path().join("out/functions.csv"));
    let (mut s, mut n, mut w, mut k) = (0.0, 0.0, 0.0, 0.0);
    for r in &f {
        s += r["suspend_s"].parse::<f64>().unwrap();
        n += r["suspends"].parse::<f64>().unwrap();
        w += r["wake_s"].parse::<f64>().unwrap();
        k += r["wakes"].parse::<f64>().unwrap();
    }
    assert!(n >= 4.0 && k >= 4.0, "{f:?}");
    // Means within a factor 2 of the table's (few samples, cv up to 0.76).
    let (ps, us) = (1e3 * s / n, 1e3 * w / k);
    assert!((22.0..91.0).contains(&ps), "pause {ps} ms");
    assert!((16.0..64.0).contains(&us), "unpause {us} ms");
}
