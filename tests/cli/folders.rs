//! Result folders that cannot be silently corrupted (issue 18): one writer at a time (the
//! folder's lock), temporary files cleaned, a figure without data only a warning, and Ctrl-C
//! stopping cleanly with a manifest that says so and a resume that ends identical.

use crate::{mlsim, repo, text};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::runs::CSVS;

fn manifest(root: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(root.join("manifest.json")).unwrap()).unwrap()
}

/// tests/cli/specs/small.toml with `replace` applied, written into `dir` as `name`.
fn small_spec(dir: &Path, name: &str, replace: &[(&str, &str)]) -> String {
    let mut t = fs::read_to_string(repo().join("tests/cli/specs/small.toml")).unwrap();
    for (a, b) in replace {
        assert!(t.contains(a), "{a}");
        t = t.replacen(a, b, 1);
    }
    fs::write(dir.join(name), t).unwrap();
    name.to_string()
}

#[test]
fn a_folder_in_use_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("tests/cli/specs/small.toml");
    let spec = spec.to_str().unwrap();
    // A folder just created by another writer: only its lock exists yet.
    let root = dir.path().join("busy");
    fs::create_dir(&root).unwrap();
    let held = mlsim_experiment::folder::lock(&root).unwrap();
    let o = mlsim(&["run", spec, "--out", "busy"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("is in use by") && err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    assert!(!err.contains("not an mlsim result folder"), "{err}");
    assert!(!root.join("manifest.json").exists());
    drop(held);
    let o = mlsim(&["run", spec, "--out", "busy", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // `mlsim plot` rewrites files: it waits its turn too.
    let held = mlsim_experiment::folder::lock(&root).unwrap();
    let o = mlsim(&["plot", "busy"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is in use by"),
        "{}",
        text(&o.stderr)
    );
    drop(held);
}

#[test]
fn temporary_files_anywhere_in_the_folder_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("tests/cli/specs/small.toml");
    let spec = spec.to_str().unwrap();
    let o = mlsim(&["run", spec, "--out", "t", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let runs_csv = fs::read(dir.path().join("t/runs.csv")).unwrap();
    // A kill during the final merge: a partial merged file under a temporary name.
    let left = [
        dir.path().join("t/.invocations.csv.tmp123456"),
        dir.path().join("t/runs/.000002.csv.tmp7"),
    ];
    for f in &left {
        fs::write(f, "partial").unwrap();
    }
    let o = mlsim(&["run", spec, "--out", "t"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("complete: 30 runs (30 resumed)"));
    for f in &left {
        assert!(!f.exists(), "{} left behind", f.display());
    }
    assert_eq!(fs::read(dir.path().join("t/runs.csv")).unwrap(), runs_csv);
}

#[test]
fn a_figure_without_data_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    // No request finishes within 1 ms: fig6 has nothing to draw; the runs are fine.
    let spec = small_spec(
        dir.path(),
        "short.toml",
        &[
            ("seed = 7\n", "seed = 7\nhorizon_s = 0.001\n"),
            ("figures = [\"fig6\", \"fig7\"]", "figures = [\"fig6\"]"),
        ],
    );
    for resumed in ["0", "30"] {
        let o = mlsim(&["run", &spec, "--out", "short"], dir.path());
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(0), "{err}");
        assert_eq!(err.matches("figure fig6 not drawn").count(), 1, "{err}");
        assert!(
            err.contains("warning: figure fig6 not drawn: no data to draw: "),
            "{err}"
        );
        assert!(
            err.contains(&format!("complete: 30 runs ({resumed} resumed)")),
            "{err}"
        );
        let m = manifest(&dir.path().join("short"));
        assert_eq!(m["status"], "complete");
        assert!(
            m["warnings"][0]
                .as_str()
                .unwrap()
                .starts_with("figure fig6 not drawn: "),
            "{m}"
        );
    }
}

#[test]
fn ctrl_c_stops_cleanly_and_the_resume_ends_identical() {
    let dir = tempfile::tempdir().unwrap();
    // Enough runs at one thread that the sweep is still going when the first file appears.
    let spec = small_spec(
        dir.path(),
        "many.toml",
        &[("replications = 3", "replications = 60")],
    );
    let o = mlsim(
        &["run", &spec, "--out", "full", "-q", "--jobs", "2"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let child = Command::new(env!("CARGO_BIN_EXE_mlsim"))
        .args(["run", &spec, "--out", "int", "--jobs", "1"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = dir.path().join("int/runs/000000");
    while !first.exists() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    let root = dir.path().join("int");
    let m = manifest(&root);
    assert_eq!(m["status"], "interrupted", "{m}");
    assert_eq!(m["stopped_because"], "interrupted by SIGINT");
    let done = fs::read_dir(root.join("runs")).unwrap().count();
    assert!(
        err.contains(&format!("interrupted by SIGINT: {done} of 600 runs done, kept; `mlsim run many.toml --out int` finishes the missing runs")),
        "{err}"
    );
    assert!(done < 600, "stopped before the end ({done} run files)");
    let o = mlsim(&["run", &spec, "--out", "int"], dir.path());
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("complete: 600 runs ({done} resumed)")),
        "{err}"
    );
    assert_eq!(manifest(&root)["status"], "complete");
    for f in CSVS {
        assert!(
            fs::read(root.join(f)).unwrap() == fs::read(dir.path().join("full").join(f)).unwrap(),
            "{f} differs from the uninterrupted run's"
        );
    }
}
