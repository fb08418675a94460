//! `mlsim calibrate`: re-fitting a committed fixture of real samples (`--from`, no root), bad
//! arguments, model files that are malformed or incomplete, and (as root) a small calibration
//! end to end.

use crate::{mlsim, repo, text};
use std::fs;
use std::path::Path;

fn fixture() -> std::path::PathBuf {
    repo().join("tests/cli/fixtures/calibration/samples.csv")
}

fn model(dir: &Path) -> toml::Table {
    let t = fs::read_to_string(dir.join("model.toml")).expect("model.toml written");
    toml::from_str(&t).expect("model.toml is TOML")
}

fn f(t: &toml::Table, path: &[&str]) -> f64 {
    let mut v = t.get(path[0]).unwrap_or_else(|| panic!("{path:?}"));
    for k in &path[1..] {
        v = v.get(k).unwrap_or_else(|| panic!("{path:?}"));
    }
    v.as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .unwrap_or_else(|| panic!("{path:?} = {v}"))
}

/// A spec that names `model` and validates only if the model file does.
fn validate_with(dir: &Path, model: &str) -> std::process::Output {
    let spec = format!(
        "[experiment]\nname = \"t\"\nmodel = \"{model}\"\n[workload]\napp = \"taxi\"\nitems = 2\n[checkpoint]\nmethod = \"microlambda\"\nr_limit_s = 2.0\n"
    );
    fs::write(dir.join("spec.toml"), spec).expect("write spec");
    mlsim(&["validate", "spec.toml"], dir)
}

#[test]
fn refitting_the_fixture_writes_a_complete_valid_model_and_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cal");
    let from = fixture();
    let o = mlsim(
        &[
            "calibrate",
            "--from",
            from.to_str().expect("utf8"),
            "--apps",
            "taxi,stress",
            "--methods",
            "mulambda,criu",
            "--out",
            out.to_str().expect("utf8"),
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in [
        "model.toml",
        "fit.csv",
        "samples.csv",
        "residuals.svg",
        "residuals.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(!fs::read_dir(&out).expect("dir").any(|e| {
        e.expect("entry")
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")
    }));
    // The fixture: 5 samples per (taxi|stress) × (mulambda|criu).
    let m = model(&out);
    let p = m["provenance"].as_table().expect("provenance");
    assert_eq!(p["name"].as_str(), Some("fitted"));
    assert_eq!(p["fitted"].as_bool(), Some(true));
    assert_eq!(p["samples"].as_integer(), Some(20));
    assert_eq!(p["kernel"].as_str(), Some("6.18.44-fc-v595"));
    // Physically meaningful: non-negative bases and slopes; μλ far cheaper than CRIU (the
    // paper's finding, and what the fixture's real samples show).
    for me in ["microlambda", "criu"] {
        for k in ["checkpoint", "restore"] {
            assert!(f(&m, &["methods", me, k, "base_ms"]) >= 0.0);
            assert!(f(&m, &["methods", me, k, "per_mib_ms"]) >= 0.0);
        }
    }
    let mu = f(&m, &["methods", "microlambda", "checkpoint", "base_ms"])
        + 0.1 * f(&m, &["methods", "microlambda", "checkpoint", "per_mib_ms"]);
    let cr = f(&m, &["methods", "criu", "checkpoint", "base_ms"]);
    assert!(
        mu < 50.0 && cr > 50.0 && cr < 5000.0,
        "μλ {mu} ms, CRIU {cr} ms"
    );
    // Sizes from the samples; per-item times and output bytes from the fixture's items.csv.
    assert!(
        f(&m, &["apps", "taxi", "state", "max_bytes"])
            >= f(&m, &["apps", "taxi", "state", "base_bytes"])
    );
    let c = f(&m, &["apps", "stress", "image_compression"]);
    assert!(c > 0.0 && c <= 1.0);
    let item = f(&m, &["apps", "taxi", "item_time", "mean_ms"]);
    assert!(item > 0.01 && item < 10.0, "{item}");
    assert!(f(&m, &["apps", "stress", "setup", "mean_ms"]) > 100.0);
    // face was not measured: copied from the paper model, and said so.
    let t = fs::read_to_string(out.join("model.toml")).expect("read");
    assert!(
        t.contains("[apps.face]\n# [paper model: this app was not measured"),
        "{t}"
    );
    // fit.csv: 2 lines per method, per app 2 size lines + 2 compressions + item, set-up, output.
    let fit = fs::read_to_string(out.join("fit.csv")).expect("fit.csv");
    assert_eq!(fit.lines().count(), 1 + 2 * 2 + 2 * 7, "{fit}");
    assert!(text(&o.stdout).contains("criu.checkpoint_ms~raw_mib"));
    // A spec pointing at the result validates (the model round-trips through the spec loader).
    let v = validate_with(dir.path(), "cal/model.toml");
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
}

/// `[serverless]` (the starts `mlsim emu starts` measured) is not fitted by `mlsim calibrate`:
/// it is copied from the base model, values and all, and said so; a base without it (the paper
/// model) gives a model without it (issue 14).
#[test]
fn calibrate_copies_the_serverless_starts_of_its_base_model() {
    let dir = tempfile::tempdir().expect("tmp");
    let from = fixture();
    let run = |out: &str, base: Option<&Path>| {
        let mut args = vec![
            "calibrate",
            "--from",
            from.to_str().expect("utf8"),
            "--apps",
            "taxi",
            "--methods",
            "mulambda",
            "--out",
            out,
        ];
        if let Some(b) = base {
            args.extend(["--base-model", b.to_str().expect("utf8")]);
        }
        let o = mlsim(&args, dir.path());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        fs::read_to_string(dir.path().join(out).join("model.toml")).expect("model.toml")
    };
    let with = run("from-default", Some(&repo().join("models/default.toml")));
    // models/default.toml's measured starts, as its file gives them.
    let default = fs::read_to_string(repo().join("models/default.toml")).expect("default");
    for line in [
        "cold_start = { base_ms = 168.0446, per_mib_ms = 0.4789, cv = 0.0817 }",
        "warm_start_ms = 1.7057",
    ] {
        assert!(
            default.contains(line),
            "models/default.toml changed: update this test ({line})"
        );
        assert!(
            with.contains(&format!("{line}\n")),
            "{line} not copied:\n{with}"
        );
    }
    let at = with
        .find("\n[serverless]\n# copied from the ")
        .expect("[serverless] and its origin");
    assert!(
        with[at..]
            .lines()
            .nth(2)
            .is_some_and(|l| l.starts_with("# copied from the \"")),
        "{}",
        &with[at..]
    );
    // The copy round-trips: a serverless spec on the calibrated model validates.
    let t = model(&dir.path().join("from-default"));
    assert_eq!(f(&t, &["serverless", "cold_start", "base_ms"]), 168.0446);
    assert_eq!(f(&t, &["serverless", "warm_start_ms"]), 1.7057);
    let without = run("from-paper", None);
    assert!(!without.contains("[serverless]"), "{without}");
}

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let from = fixture();
    let from = from.to_str().expect("utf8");
    for (args, want) in [
        (
            vec!["--apps", "chess", "--from", from],
            "unknown app \"chess\"",
        ),
        (
            vec!["--methods", "zfs", "--from", from],
            "unknown method \"zfs\"",
        ),
        (vec!["--samples", "0", "--from", from], "--samples"),
        (vec!["--from", "missing.csv"], "no such file"),
        (
            vec!["--from", from, "--apps", "face"],
            "no samples of the chosen",
        ),
        (
            vec!["--from", from, "--base-model", "none.toml"],
            "cannot read model file",
        ),
    ] {
        let mut a = vec!["calibrate", "--out", "o"];
        a.extend(args);
        let o = mlsim(&a, dir.path());
        assert_eq!(o.status.code(), Some(2), "{a:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(want), "{a:?}: {}", text(&o.stderr));
        assert!(!dir.path().join("o/model.toml").exists());
    }
    fs::write(dir.path().join("bad.csv"), "app,method\ntaxi,criu\n").expect("write");
    let o = mlsim(
        &["calibrate", "--from", "bad.csv", "--out", "o"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("missing column `sample`"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn incomplete_or_malformed_model_files_are_rejected_naming_the_field() {
    let paper = fs::read_to_string(repo().join("models/paper.toml")).expect("paper model");
    let cut = |from: &str, to: &str| {
        let a = paper.find(from).expect("from");
        let b = a + paper[a..].find(to).expect("to");
        format!("{}{}", &paper[..a], &paper[b..])
    };
    let cases: Vec<(String, &str)> = vec![
        // Incomplete: the spec's method (μλ) has no cost table, an app's size model, the
        // provenance name.
        (
            cut("[methods.microlambda]", "[methods.criu]"),
            "methods.microlambda",
        ),
        (paper.replacen("\nrss = {", "\nrss_x = {", 1), "rss"),
        (paper.replacen("name = \"paper\"", "", 1), "provenance.name"),
        // Malformed: wrong type, out of range, TOML syntax.
        (
            paper.replacen("cv = 0.07", "cv = \"low\"", 1),
            "methods.criu.checkpoint.cv",
        ),
        (
            paper.replacen("image_compression = 0.14", "image_compression = 1.5", 1),
            "apps.face.image_compression",
        ),
        (paper.replacen("[apps.taxi]", "[apps.taxi", 1), "(syntax)"),
    ];
    // A method the spec does not use needs no table: without [methods.criu] a μλ spec is valid.
    let dir = tempfile::tempdir().expect("tmp");
    fs::write(dir.path().join("m.toml"), cut("[methods.criu]", "[apps.")).expect("write");
    let v = validate_with(dir.path(), "m.toml");
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    for (i, (text_, field)) in cases.iter().enumerate() {
        let dir = tempfile::tempdir().expect("tmp");
        fs::write(dir.path().join("m.toml"), text_).expect("write");
        let v = validate_with(dir.path(), "m.toml");
        let err = text(&v.stderr);
        assert_eq!(v.status.code(), Some(2), "case {i}: {err}");
        assert!(
            err.contains("m.toml") && err.contains(field),
            "case {i} ({field}): {err}"
        );
    }
}

#[test]
fn a_small_calibration_end_to_end_as_root() {
    let Some(_guard) =
        mlsim_emu::testing::require_root_env_exclusive("mlsim calibrate taxi mulambda 3 samples")
    else {
        return;
    };
    // On a fresh clone nothing has built the release workload program yet.
    let bins = mlsim_emu::ckpt::workload::build_release(false)
        .expect("cargo build --release -p mlsim-workloads");
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("cal");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mlsim"))
            .args(args)
            .current_dir(dir.path())
            .env("MLSIM_WORKLOAD_BIN", &bins.workload)
            .output()
            .expect("mlsim runs")
    };
    let o = run(&[
        "calibrate",
        "--apps",
        "taxi",
        "--methods",
        "mulambda",
        "--samples",
        "3",
        "--exec-min-s",
        "0.3",
        "--exec-max-s",
        "1.5",
        "--setup-runs",
        "2",
        "--out",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let m = model(&out);
    assert_eq!(m["provenance"]["samples"].as_integer(), Some(3));
    // Plausible for this machine type: a μλ checkpoint of taxi's ~60 kB state takes well under
    // 100 ms; a request takes 0.05-20 ms; the state grows or stays flat; a compression ratio is
    // in (0, 1] (taxi's state is small binary data that lz4 barely compresses: ~1.0).
    let ck = f(&m, &["methods", "microlambda", "checkpoint", "base_ms"])
        + f(&m, &["methods", "microlambda", "checkpoint", "per_mib_ms"]) * 0.1;
    assert!(ck > 0.0 && ck < 100.0, "{ck}");
    let item = f(&m, &["apps", "taxi", "item_time", "mean_ms"]);
    assert!(item > 0.05 && item < 20.0, "{item}");
    let st = f(&m, &["apps", "taxi", "state", "base_bytes"]);
    assert!(st > 1000.0 && st < 10e6, "{st}");
    let c = f(&m, &["apps", "taxi", "state_compression"]);
    assert!(c > 0.0 && c <= 1.0, "{c}");
    // CRIU was not measured: the paper model's numbers, marked.
    let t = fs::read_to_string(out.join("model.toml")).expect("read");
    assert!(
        t.contains("[methods.criu]\n# [paper model: not measured"),
        "{t}"
    );
    assert_eq!(
        fs::read_to_string(out.join("samples.csv"))
            .expect("samples")
            .lines()
            .count(),
        4
    );
    let v = validate_with(dir.path(), "cal/model.toml");
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    // Nothing of the run is left behind.
    let o = mlsim(
        &["emu", "clean", out.join("run").to_str().expect("utf8")],
        dir.path(),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
}
