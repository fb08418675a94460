//! Running specs: determinism across thread counts, resume, refusing foreign folders, the
//! summary snapshot, and `mlsim plot` from CSVs alone.

use crate::{mlsim, repo, text};
use std::fs;
use std::path::Path;

/// The merged CSVs of a protocol study's folder.
pub const CSVS: &[&str] = &[
    "runs.csv",
    "requests.csv",
    "invocations.csv",
    "checkpoints.csv",
    "links.csv",
    "steps.csv",
    "bbus.csv",
    "summary.csv",
];

/// Runs the small spec; returns stdout (the full summary table).
fn run_small(cwd: &Path, out: &str, jobs: &str) -> String {
    let spec = repo().join("tests/cli/specs/small.toml");
    let o = mlsim(
        &[
            "run",
            spec.to_str().unwrap(),
            "--out",
            out,
            "--jobs",
            jobs,
            "--table",
            "full",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn one_and_two_threads_give_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "a", "1");
    run_small(dir.path(), "b", "2");
    for f in CSVS {
        let a = fs::read(dir.path().join("a").join(f)).unwrap();
        let b = fs::read(dir.path().join("b").join(f)).unwrap();
        assert!(!a.is_empty());
        assert!(a == b, "{f} differs between --jobs 1 and --jobs 2");
    }
    let runs = fs::read_to_string(dir.path().join("a/runs.csv")).unwrap();
    assert_eq!(
        runs.lines().count(),
        1 + 10 * 3,
        "10 points x 3 replications"
    );
    for f in [
        "spec.toml",
        "model.toml",
        "manifest.json",
        "fig6.svg",
        "fig6.png",
        "fig7.svg",
        "fig7.png",
    ] {
        assert!(dir.path().join("a").join(f).is_file(), "missing {f}");
    }
    let manifest = fs::read_to_string(dir.path().join("a/manifest.json")).unwrap();
    assert!(manifest.contains("\"status\": \"complete\"") && manifest.contains("\"git_revision\""));
}

#[test]
fn an_interrupted_sweep_resumes_and_ends_identical() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "r", "2");
    let before: Vec<Vec<u8>> = CSVS
        .iter()
        .map(|f| fs::read(dir.path().join("r").join(f)).unwrap())
        .collect();
    // Simulate a crash: some runs never finished, the merged files were never written, and a
    // half-written temporary run folder was left behind.
    for run in ["000004", "000017", "000029"] {
        fs::remove_dir_all(dir.path().join("r/runs").join(run)).unwrap();
    }
    for f in CSVS {
        fs::remove_file(dir.path().join("r").join(f)).unwrap();
    }
    fs::create_dir_all(dir.path().join("r/runs/.000004.tmp99999")).unwrap();
    fs::write(
        dir.path().join("r/runs/.000004.tmp99999/requests.raw"),
        "run,mode\nhalf a ro",
    )
    .unwrap();
    let spec = repo().join("tests/cli/specs/small.toml");
    let o = mlsim(
        &["run", spec.to_str().unwrap(), "--out", "r", "--resume"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("resuming: 27 of 30 runs already done"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        !dir.path().join("r/runs/.000004.tmp99999").exists(),
        "a crash's temporary run folder was left behind"
    );
    for (f, b) in CSVS.iter().zip(before) {
        assert!(
            fs::read(dir.path().join("r").join(f)).unwrap() == b,
            "{f} differs after resume"
        );
    }
}

#[test]
fn a_folder_of_another_spec_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "x", "2");
    let before = fs::read(dir.path().join("x/requests.csv")).unwrap();
    let other = dir.path().join("other.toml");
    fs::write(
        &other,
        fs::read_to_string(repo().join("tests/cli/specs/small.toml"))
            .unwrap()
            .replace("seed = 7", "seed = 8"),
    )
    .unwrap();
    let o = mlsim(&["run", "other.toml", "--out", "x"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("holds results of a different spec"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(fs::read(dir.path().join("x/requests.csv")).unwrap(), before);
    let o = mlsim(
        &["run", "other.toml", "--out", "fresh", "--resume"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("fresh").exists());
}

#[test]
fn summary_of_a_small_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let table = run_small(dir.path(), "s", "2");
    insta::assert_snapshot!(table);
}

#[test]
fn plot_redraws_from_the_csvs_alone() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "p", "2");
    let only = dir.path().join("only-csv");
    fs::create_dir_all(&only).unwrap();
    for f in ["runs.csv", "requests.csv", "checkpoints.csv", "spec.toml"] {
        fs::copy(dir.path().join("p").join(f), only.join(f)).unwrap();
    }
    let o = mlsim(&["plot", "only-csv"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in [
        "fig6.svg",
        "fig6.png",
        "fig7.svg",
        "fig7.png",
        "summary.csv",
    ] {
        assert!(only.join(f).is_file(), "missing {f}");
    }
    assert_eq!(
        fs::read(only.join("fig6.svg")).unwrap(),
        fs::read(dir.path().join("p/fig6.svg")).unwrap()
    );
    let o = mlsim(&["plot", "nowhere"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not a finished mlsim result folder"));
}

/// `--figure-size`: `mlsim run` and `mlsim plot` draw for a paper; the screen stays the default.
#[test]
fn figures_for_a_two_column_paper() {
    let dir = tempfile::tempdir().unwrap();
    run_small(dir.path(), "p", "2");
    let screen = fs::read(dir.path().join("p/fig6.svg")).unwrap();
    let spec = repo().join("tests/cli/specs/small.toml");
    let o = mlsim(
        &[
            "run",
            spec.to_str().unwrap(),
            "--out",
            "paper",
            "-q",
            "--figure-size",
            "two-column",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let svg = fs::read_to_string(dir.path().join("paper/fig6.svg")).unwrap();
    // Fig. 6 is 1600 px on the screen; for 516 pt it is laid out 1248 px wide (6-pt labels).
    assert!(
        svg.starts_with("<svg width=\"516pt\" height=\"") && svg.contains("viewBox=\"0 0 1248 "),
        "{}",
        &svg[..120]
    );
    // The records are the same; only the figures differ.
    for f in ["requests.csv", "summary.csv"] {
        assert!(
            fs::read(dir.path().join("paper").join(f)).unwrap()
                == fs::read(dir.path().join("p").join(f)).unwrap()
        );
    }
    // mlsim plot redraws the screen folder for one column (one app: its panel fits), and back.
    let o = mlsim(&["plot", "p", "--figure-size", "one-column"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let svg = fs::read_to_string(dir.path().join("p/fig6.svg")).unwrap();
    assert!(svg.starts_with("<svg width=\"252pt\""), "{}", &svg[..60]);
    let o = mlsim(&["plot", "p"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(fs::read(dir.path().join("p/fig6.svg")).unwrap() == screen);
    let o = mlsim(&["plot", "p", "--figure-size", "a4"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("two-column"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn every_registered_placement_policy_runs() {
    let dir = tempfile::tempdir().unwrap();
    let base = fs::read_to_string(repo().join("tests/cli/specs/small.toml")).unwrap();
    for kind in ["least_loaded", "random", "round_robin", "same_bbu"] {
        let spec = format!("{base}\n[placement]\nkind = \"{kind}\"\n")
            .replace("replications = 3", "replications = 1");
        fs::write(dir.path().join(format!("{kind}.toml")), spec).unwrap();
        let o = mlsim(
            &["run", &format!("{kind}.toml"), "--out", kind, "-q"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{kind}: {}", text(&o.stderr));
        let requests = fs::read_to_string(dir.path().join(kind).join("requests.csv")).unwrap();
        assert_eq!(
            requests.lines().filter(|l| l.ends_with(",ok")).count(),
            10,
            "{kind}"
        );
    }
}

/// `--model` replaces the spec's model: the result folder's spec.toml and model.toml say which,
/// and the model changes the numbers; an unknown name is a usage error naming the field.
#[test]
fn the_model_option_overrides_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("tests/cli/specs/small.toml");
    let spec = spec.to_str().unwrap();
    for (out, model) in [("p", "paper"), ("d", "default")] {
        let o = mlsim(
            &["run", spec, "--out", out, "--model", model, "-q"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let kept = fs::read_to_string(dir.path().join(out).join("spec.toml")).unwrap();
        assert!(kept.contains(&format!("model = \"{model}\"")), "{kept}");
    }
    let p = fs::read_to_string(dir.path().join("p/model.toml")).unwrap();
    assert!(p.contains("name = \"paper\""));
    let bad = mlsim(&["validate", spec, "--model", "fited"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("unknown built-in model \"fited\""));
    let ok = mlsim(&["validate", spec, "--model", "paper"], dir.path());
    assert!(
        text(&ok.stdout).contains("model \"paper\""),
        "{}",
        text(&ok.stdout)
    );
}

/// `--table short` (the default) prints the grid of mean execution times, `full` every row of
/// the summary, `none` nothing; a count of 0 threads or events is refused with exit 2.
#[test]
fn table_sizes_and_zero_counts() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("tests/cli/specs/small.toml");
    let spec = spec.to_str().unwrap();
    let short = text(&mlsim(&["run", spec, "--out", "a"], dir.path()).stdout);
    assert!(
        short.starts_with("mean execution time per request [s], by app and items"),
        "{short}"
    );
    let full = text(&mlsim(&["run", spec, "--out", "a", "--table", "full"], dir.path()).stdout);
    assert!(
        full.starts_with("point") && full.lines().count() == 1 + 10,
        "{full}"
    );
    let none = mlsim(&["run", spec, "--out", "a", "--table", "none"], dir.path());
    assert_eq!(none.status.code(), Some(0));
    assert!(text(&none.stdout).is_empty(), "{}", text(&none.stdout));
    let zero = mlsim(&["run", spec, "--out", "z", "--jobs", "0"], dir.path());
    assert_eq!(zero.status.code(), Some(2));
    assert!(
        text(&zero.stderr).contains("must be 1 or more"),
        "{}",
        text(&zero.stderr)
    );
    assert!(!dir.path().join("z").exists());
    let ev = mlsim(&["bench", "kernel", "--events", "0"], dir.path());
    assert_eq!(ev.status.code(), Some(2), "{}", text(&ev.stderr));
}

/// `mlsim completions SHELL` prints a completion script that knows the subcommands and the
/// options of `run`.
#[test]
fn shell_completions() {
    let dir = tempfile::tempdir().unwrap();
    let bash = mlsim(&["completions", "bash"], dir.path());
    assert_eq!(bash.status.code(), Some(0));
    let s = text(&bash.stdout);
    assert!(
        s.contains("_mlsim()") && s.contains("complete -F _mlsim"),
        "{s}"
    );
    for w in ["validate", "compare", "--table", "--jobs", "--resume"] {
        assert!(s.contains(w), "bash completion lacks {w}");
    }
    let zsh = text(&mlsim(&["completions", "zsh"], dir.path()).stdout);
    assert!(zsh.starts_with("#compdef mlsim"), "{zsh}");
    let bad = mlsim(&["completions", "tcsh"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}

/// `mlsim bench spec` measures a spec with 1 thread and with all cores, each in a child
/// process, and says events, invocations, peak memory and bytes per invocation held; the
/// counts are the spec's own (they agree with the runs.csv and invocations.csv of a run).
#[test]
fn bench_spec_counts_what_a_run_of_the_spec_writes() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("tests/cli/specs/policies_small.toml");
    let spec = spec.to_str().unwrap();
    let run = mlsim(&["run", spec, "--out", "r", "-q"], dir.path());
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let events: u64 = column(&dir.path().join("r/runs.csv"), "events")
        .iter()
        .map(|e| e.parse::<u64>().unwrap())
        .sum();
    let runs = column(&dir.path().join("r/runs.csv"), "run").len();
    let invocations = column(&dir.path().join("r/invocations.csv"), "run").len();
    let b = mlsim(&["bench", "spec", spec], dir.path());
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    let out = text(&b.stdout);
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(" thread")).collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(lines.len(), if cores > 1 { 2 } else { 1 }, "{out}");
    assert!(lines[0].contains(", 1 thread: "), "{out}");
    for l in &lines {
        assert!(l.contains(&format!(": {runs} runs, ")), "{l}");
        // Under 1000 the count is printed as it is ("950 events").
        let ev = if events >= 1000 {
            String::new()
        } else {
            format!("{events} events")
        };
        assert!(ev.is_empty() || l.contains(&ev), "{l}");
        assert!(l.contains("events/s") && l.contains("invocations/s"), "{l}");
        assert!(
            l.contains("peak memory") && l.contains("B per invocation held"),
            "{l}"
        );
    }
    // Large counts print as 12.3 k / 1.23 M: check the thousands agree.
    if events >= 1000 {
        let k = format!("{:.1} kevents", events as f64 / 1e3);
        let m = format!("{:.2} Mevents", events as f64 / 1e6);
        assert!(
            lines[0].contains(&k) || lines[0].contains(&m),
            "{} vs {events}",
            lines[0]
        );
    }
    let inv = if invocations >= 1000 {
        format!("{:.1} kinvocations", invocations as f64 / 1e3)
    } else {
        format!("{invocations} invocations")
    };
    assert!(lines[0].contains(&inv), "{} vs {invocations}", lines[0]);
    let one = mlsim(&["bench", "spec", spec, "--jobs", "0"], dir.path());
    assert_eq!(one.status.code(), Some(2), "{}", text(&one.stderr));
}

/// The values of column `name` of CSV file `path`.
fn column(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}
