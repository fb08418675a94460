//! Issue 18: specs that could not finish are refused at validation (exit 2, nothing written),
//! with the key to change; validation stays fast on huge values; `--force` overrides the
//! memory estimate only.

use crate::bad_specs::{GOOD, rejected};
use crate::{mlsim, repo, text};
use std::fs;
use std::process::Command;

#[test]
fn ten_million_sweep_points_are_refused_before_any_is_built() {
    let ten = |v: &str| {
        format!(
            "[{}]",
            (1..=10)
                .map(|i| v.replace('#', &i.to_string()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let spec = format!(
        "{GOOD}[[sweep]]\nworkload = {{ items = {}, requests = {} }}\ncheckpoint = {{ r_limit_s = {} }}\ntopology = {{ ues = {} }}\nbbu = {{ cores = {} }}\nlinks = {{ tcp_initial_window = {} }}\nprotocol = {{ header_bytes = {} }}\n",
        ten("#"),
        ten("#"),
        ten("#.0"),
        ten("#"),
        ten("#"),
        ten("#"),
        ten("#"),
    );
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("sweep: the sweep has 10000000 points, more than the limit of 100000"),
        "{err}"
    );
}

#[test]
fn a_million_replications_are_refused_naming_the_key() {
    let fig6 = fs::read_to_string(repo().join("experiments/fig6.toml")).unwrap();
    let err = rejected(
        &fig6.replace("replications = 10", "replications = 1000000"),
        &[],
    );
    assert!(
        err.contains(
            "experiment.replications: 1000000 is out of range: must be between 1 and 100000"
        ),
        "{err}"
    );
    // Within the range of the key, but 135 points × 10,000 is over the cap of runs.
    let err = rejected(
        &fig6.replace("replications = 10", "replications = 10000"),
        &[],
    );
    assert!(
        err.contains("experiment.replications: 135 points × 10000 replications = 1350000 runs, more than the limit of 1000000"),
        "{err}"
    );
    assert!(
        err.contains("lower [experiment] replications to 7407 or less"),
        "{err}"
    );
}

#[test]
fn requests_rates_and_sizes_out_of_their_ranges_are_refused() {
    for (from, to, needle) in [
        (
            "items = 2",
            "items = 2\nrequests = 1e8",
            "workload.requests: 1e8 is out of range: must be between 1 and 10000000",
        ),
        (
            "items = 2",
            "items = 2\nrequests = 100000000",
            "workload.requests: 100000000 is out of range: must be between 1 and 10000000",
        ),
        (
            "items = 2",
            "items = 2\narrival = { kind = \"poisson\", rate_per_s = 5e-324 }",
            "workload.arrival.rate_per_s: 5e-324 is out of range",
        ),
        (
            "items = 2",
            "items = 2\nrequests = 10000000\narrival = { kind = \"poisson\", rate_per_s = 0.001 }",
            "more than the limit of 1e8 s",
        ),
    ] {
        let err = rejected(&GOOD.replace(from, to), &[]);
        assert!(err.contains(needle), "{needle} not in: {err}");
    }
    let err = rejected(
        &GOOD.replace(
            "items = 2",
            "items = 2\narrival = { kind = \"poisson\", rate_per_s = 5e-324 }",
        ),
        &[],
    );
    assert!(
        err.contains("must be between 0.000001 and 1000000 [1/s]")
            && err.contains("set `rate_per_s` to a value between 0.000001 and 1000000"),
        "{err}"
    );
}

#[test]
fn a_megabyte_string_is_refused_naming_the_field() {
    let spec = GOOD.replace(
        "name = \"t\"",
        &format!("name = \"{}\"", "a".repeat(1_000_000)),
    );
    let err = rejected(&spec, &[]);
    assert!(
        err.contains(
            "experiment.name: a string of 1000000 bytes, more than the limit of 4096 bytes"
        ),
        "{err}"
    );
    assert!(err.len() < 10_000, "the message repeats the string");
    // A spec file over 1 MiB is refused before it is parsed.
    let big = format!("{GOOD}# {}\n", "x".repeat(1 << 20));
    let err = rejected(&big, &[]);
    assert!(
        err.contains("more than the limit of 1048576 bytes"),
        "{err}"
    );
}

#[test]
fn thirty_thousand_figures_and_duplicates_are_refused() {
    let list = vec!["\"fig6\""; 30_000].join(", ");
    let spec = GOOD.replace("name = \"t\"", &format!("name = \"t\"\nfigures = [{list}]"));
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("experiment.figures: 30000 figures listed, but mlsim draws only"),
        "{err}"
    );
    let spec = GOOD.replace(
        "name = \"t\"",
        "name = \"t\"\nfigures = [\"fig6\", \"fig7\", \"fig6\"]",
    );
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("experiment.figures[2]: \"fig6\" is listed twice"),
        "{err}"
    );
    let spec = GOOD.replace("name = \"t\"", "name = \"t\"\nfigures = [\"nope\"]");
    assert!(rejected(&spec, &[]).contains("is not a figure mlsim draws"));
}

#[test]
fn thousands_of_problems_are_counted_not_all_shown() {
    let keys: String = (0..20_000).map(|i| format!("k{i} = 1\n")).collect();
    let spec = GOOD.replace("[workload]\n", &format!("[workload]\n{keys}"));
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("more problem report(s) not shown: only the first 100 are"),
        "{err}"
    );
}

#[test]
fn dev_zero_as_a_load_trace_or_an_event_trace_is_refused_with_the_cap() {
    let spec = format!("{GOOD}[bbu]\nload = {{ kind = \"trace\", file = \"/dev/zero\" }}\n");
    let err = rejected(&spec, &[]);
    assert!(
        err.contains("bbu.load.file: bad load trace: /dev/zero: more than 67108864 bytes"),
        "{err}"
    );
    let spec = "[experiment]\nkind = \"suspend\"\n[topology]\nbbus = 2\nworkers = [1]\n[functions]\napp = \"face\"\ncount = 2\narrival = \"trace\"\ntrace_file = \"/dev/zero\"\nburst_ms = 10\n[suspend]\nmethod = \"pause\"\n";
    let err = rejected(spec, &[]);
    assert!(
        err.contains("functions.trace_file: bad event trace: /dev/zero")
            && err.contains("more than the limit of 67108864 bytes"),
        "{err}"
    );
}

fn mlsim_with_memory(args: &[&str], cwd: &std::path::Path, bytes: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mlsim"))
        .args(args)
        .env("MLSIM_MEMORY_LIMIT_BYTES", bytes)
        .current_dir(cwd)
        .output()
        .expect("mlsim runs")
}

#[test]
fn an_estimate_over_the_available_memory_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("spec.toml"), GOOD).unwrap();
    // 1 MB "available": less than the process itself.
    for cmd in ["validate", "run"] {
        let o = mlsim_with_memory(
            &[cmd, "spec.toml", "--out", "out"][..if cmd == "run" { 4 } else { 2 }],
            dir.path(),
            "1000000",
        );
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("estimated to need") && err.contains("more than the 1.0 MB available"),
            "{err}"
        );
        assert!(err.contains("--force"), "{err}");
        assert!(!dir.path().join("out").exists());
    }
    let o = mlsim_with_memory(&["validate", "spec.toml", "--force"], dir.path(), "1000000");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = mlsim_with_memory(
        &["run", "spec.toml", "--out", "out", "-q", "--force"],
        dir.path(),
        "1000000",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(dir.path().join("out/runs.csv").exists());
    // With plenty of memory, no --force is needed.
    let o = mlsim_with_memory(&["validate", "spec.toml"], dir.path(), "1e12");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn every_experiment_validates_and_validate_prints_the_estimates() {
    let mut n = 0;
    for e in fs::read_dir(repo().join("experiments")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let o = mlsim(&["validate", p.to_str().unwrap()], &repo());
        let out = text(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            p.display(),
            text(&o.stderr)
        );
        assert!(
            out.contains(": ok")
                && out.contains("events")
                && out.contains("output")
                && out.contains("peak memory"),
            "{out}"
        );
        n += 1;
    }
    assert!(n >= 8, "only {n} specs in experiments/");
}
