//! Sweeps over machines: `mlsim run --shard K/N`, `mlsim merge` and `mlsim slurm`. The merged
//! folder's CSVs and SVGs must be byte-identical to a one-machine `mlsim run`. The test
//! `slurm_real_cluster` (ignored: it needs a running Slurm; `scripts/test.sh` starts one as
//! root and runs it) submits the generated job array for real.

use crate::{mlsim, repo, text};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn small() -> String {
    repo()
        .join("tests/cli/specs/small.toml")
        .display()
        .to_string()
}

/// The CSV and SVG files at the top of a result folder, sorted.
fn outputs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv") || n.ends_with(".svg"))
        .collect();
    v.sort();
    v
}

/// Every CSV and SVG of `one` (a one-machine run) exists in `merged` with the same bytes, and
/// so does every run file.
fn assert_identical(one: &Path, merged: &Path) {
    let files = outputs(one);
    assert!(
        files.len() >= 10 && files.contains(&"fig6.svg".to_string()),
        "{files:?}"
    );
    assert_eq!(files, outputs(merged), "the merged folder has other files");
    for f in &files {
        let a = fs::read(one.join(f)).unwrap();
        let b = fs::read(merged.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the one-machine run and the merge"
        );
    }
    // Every run folder's every file (its tables and check.txt).
    for e in fs::read_dir(one.join("runs")).unwrap().flatten() {
        for f in fs::read_dir(e.path()).unwrap().flatten() {
            let name = Path::new(&e.file_name()).join(f.file_name());
            let b = fs::read(merged.join("runs").join(&name)).unwrap();
            assert!(fs::read(f.path()).unwrap() == b, "{name:?} differs");
        }
    }
}

fn ok(args: &[&str], cwd: &Path) -> String {
    let o = mlsim(args, cwd);
    assert_eq!(
        o.status.code(),
        Some(0),
        "mlsim {args:?}\n{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stderr)
}

fn run_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.join("runs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn shards_merge_byte_identical_to_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let spec = small();
    ok(&["run", &spec, "--out", "one", "--jobs", "2", "-q"], d);
    // Three shards, each with another thread count; shard 2 comes later.
    let e = ok(
        &[
            "run", &spec, "--shard", "0/3", "--out", "exp", "--jobs", "1",
        ],
        d,
    );
    assert!(
        e.contains("shard 0/3") && e.contains("10 of 30 runs"),
        "{e}"
    );
    ok(
        &[
            "run", &spec, "--shard", "1/3", "--out", "exp", "--jobs", "2", "-q",
        ],
        d,
    );
    // Each shard folder holds its runs only: run % 3 == K.
    let s1 = d.join("exp/shards/1-of-3");
    let want: Vec<String> = (0..30)
        .filter(|r| r % 3 == 1)
        .map(|r| format!("{r:06}"))
        .collect();
    assert_eq!(run_files(&s1), want);
    assert!(
        fs::read_to_string(s1.join("shard.json"))
            .unwrap()
            .contains("\"count\": 3")
    );

    // A merge with a shard missing names the runs and their shard, and is not complete.
    let o = mlsim(&["merge", &spec, "--out", "exp", "-q"], d);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("missing: run 2 (point 0, replication 2); should have been done by shard 2/3"),
        "{err}"
    );
    assert_eq!(err.matches("missing: run").count(), 10, "{err}");
    assert!(err.contains("incomplete: 10 of 30 runs missing"), "{err}");
    let m = fs::read_to_string(d.join("exp/manifest.json")).unwrap();
    assert!(
        m.contains("\"status\": \"incomplete: 10 of 30 runs missing\""),
        "{m}"
    );

    ok(&["run", &spec, "--shard", "2/3", "--out", "exp", "-q"], d);
    let e = ok(&["merge", &spec, "--out", "exp"], d);
    assert!(
        e.contains("10 runs copied from the shards, 20 already"),
        "{e}"
    );
    assert!(e.contains("complete: 30 runs"), "{e}");
    assert_identical(&d.join("one"), &d.join("exp"));
    let m = fs::read_to_string(d.join("exp/manifest.json")).unwrap();
    assert!(m.contains("\"status\": \"complete\""), "{m}");

    // Resume: a shard that lost runs finishes them; merging again gives the same bytes.
    for r in ["000001", "000013"] {
        fs::remove_dir_all(s1.join("runs").join(r)).unwrap();
    }
    let e = ok(
        &["run", &spec, "--shard", "1/3", "--out", "exp", "--resume"],
        d,
    );
    assert!(e.contains("resuming: 8 of 10 runs already done"), "{e}");
    fs::remove_dir_all(d.join("exp/runs")).unwrap();
    ok(&["merge", &spec, "--out", "exp", "-q"], d);
    assert_identical(&d.join("one"), &d.join("exp"));
}

#[test]
fn merge_refuses_a_shard_of_another_spec() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let other = d.join("other.toml");
    fs::write(
        &other,
        fs::read_to_string(small())
            .unwrap()
            .replace("seed = 7", "seed = 8"),
    )
    .unwrap();
    let other = other.display().to_string();
    ok(&["run", &other, "--shard", "0/2", "--out", "b", "-q"], d);
    let o = mlsim(
        &["merge", &small(), "--out", "a", "b/shards/0-of-2", "-q"],
        d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("holds results of a different spec"),
        "{}",
        text(&o.stderr)
    );
    assert!(!d.join("a").exists(), "nothing may be written");
    // A shard into the experiment folder of another spec is refused too.
    let o = mlsim(&["run", &small(), "--shard", "1/2", "--out", "b", "-q"], d);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    for bad in ["2/2", "1", "a/3", "0/0"] {
        let o = mlsim(&["run", &small(), "--shard", bad, "--out", "c"], d);
        assert_eq!(o.status.code(), Some(2), "--shard {bad}");
    }
    let o = mlsim(&["merge", &small(), "--out", "c"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("no shard folder"),
        "{}",
        text(&o.stderr)
    );
}

/// The generated scripts, run by hand as Slurm would run them (SLURM_ARRAY_TASK_ID set), give
/// the same bytes as a one-machine run.
#[test]
fn slurm_scripts_run_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A spec in another folder, with its model file next to it, relative: the jobs read the
    // copy in DIR/slurm but resolve the model file against the original's folder.
    let specs = d.join("specs");
    fs::create_dir(&specs).unwrap();
    fs::copy(
        repo().join("models/paper.toml"),
        specs.join("my-model.toml"),
    )
    .unwrap();
    fs::write(
        specs.join("s.toml"),
        fs::read_to_string(small())
            .unwrap()
            .replace("model = \"paper\"", "model = \"my-model.toml\""),
    )
    .unwrap();
    let out = ok(&["run", "specs/s.toml", "--out", "one", "-q"], d);
    let _ = out;
    let o = mlsim(
        &[
            "slurm",
            "specs/s.toml",
            "--out",
            "exp",
            "--tasks",
            "3",
            "--time",
            "00:10:00",
            "--cpus-per-task",
            "2",
            "--partition",
            "debug",
            "--mem",
            "1G",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("submit with: sh "), "{stdout}");
    let sl = d.join("exp/slurm");
    let array = fs::read_to_string(sl.join("array.sbatch")).unwrap();
    for want in [
        "#SBATCH --array=0-2",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --partition=debug",
        "#SBATCH --time=00:10:00",
        "#SBATCH --mem=1G",
        "--shard \"${SLURM_ARRAY_TASK_ID}/3\"",
        "--jobs \"${SLURM_CPUS_PER_TASK:-1}\"",
        "--origin",
    ] {
        assert!(array.contains(want), "{want} not in\n{array}");
    }
    let exe = fs::canonicalize(env!("CARGO_BIN_EXE_mlsim")).unwrap();
    assert!(array.contains(&exe.display().to_string()), "{array}");
    let submit = fs::read_to_string(sl.join("submit.sh")).unwrap();
    assert!(
        submit.contains("--dependency=afterok:\"$array\""),
        "{submit}"
    );
    assert_eq!(
        fs::read_to_string(sl.join("spec.toml")).unwrap(),
        fs::read_to_string(specs.join("s.toml")).unwrap()
    );
    // Run the tasks from another working directory, as a node would, then the merge.
    for k in ["2", "0", "1"] {
        let o = Command::new("bash")
            .arg(sl.join("array.sbatch"))
            .env("SLURM_ARRAY_TASK_ID", k)
            .env("SLURM_CPUS_PER_TASK", if k == "1" { "1" } else { "2" })
            .current_dir("/")
            .output()
            .unwrap();
        assert!(o.status.success(), "task {k}: {}", text(&o.stderr));
    }
    let o = Command::new("bash")
        .arg(sl.join("merge.sbatch"))
        .current_dir("/")
        .output()
        .unwrap();
    assert!(o.status.success(), "merge: {}", text(&o.stderr));
    assert_identical(&d.join("one"), &d.join("exp"));
}

fn poll_until_gone(ids: &str, limit_s: u64) -> bool {
    let t = std::time::Instant::now();
    while t.elapsed().as_secs() < limit_s {
        let o = Command::new("squeue")
            .args(["-h", "-j", ids, "-o", "%i %T %r"])
            .output()
            .expect("squeue runs");
        let s = text(&o.stdout);
        eprintln!(
            "squeue: {}",
            if s.trim().is_empty() {
                "(empty)"
            } else {
                s.trim()
            }
        );
        if o.status.success() && s.trim().is_empty() {
            return true;
        }
        // squeue -j fails once the jobs have left the controller's memory.
        if !o.status.success() && text(&o.stderr).contains("Invalid job id") {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    false
}

/// Submits `mlsim slurm tests/cli/specs/small.toml --tasks 3 --submit` to a real Slurm
/// (`scripts/test.sh` starts a one-node cluster as root and runs this test with `--ignored`),
/// waits for the merge job and compares every CSV and SVG with a local run.
#[test]
#[ignore = "needs a running Slurm cluster: scripts/test.sh starts one (root) and runs it"]
fn slurm_real_cluster() {
    // Slurm's nodes must see the folder: keep it out of a private /tmp.
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = tempfile::tempdir_in(&base).unwrap();
    let d = dir.path();
    let spec = small();
    ok(&["run", &spec, "--out", "one", "-q"], d);
    let o = mlsim(
        &[
            "slurm", &spec, "--out", "exp", "--tasks", "3", "--time", "00:10:00", "--submit",
        ],
        d,
    );
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", text(&o.stderr));
    eprintln!("{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("submitted: array job "))
        .expect("job ids printed");
    let words: Vec<&str> = line.split_whitespace().collect();
    let array = words[3];
    let merge = words[words.iter().position(|w| *w == "job").unwrap() + 1..]
        .iter()
        .find(|w| w.chars().all(|c| c.is_ascii_digit()) && **w != array)
        .expect("merge job id");
    let done = poll_until_gone(&format!("{array},{merge}"), 600);
    let logs = d.join("exp/slurm/logs");
    let mut all_logs = String::new();
    if let Ok(rd) = fs::read_dir(&logs) {
        for e in rd.flatten() {
            all_logs += &format!(
                "--- {}\n{}",
                e.file_name().to_string_lossy(),
                fs::read_to_string(e.path()).unwrap_or_default()
            );
        }
    }
    eprintln!("{all_logs}");
    assert!(done, "the jobs did not finish within 600 s");
    let m = fs::read_to_string(d.join("exp/manifest.json")).unwrap_or_default();
    assert!(
        m.contains("\"status\": \"complete\""),
        "the merge job did not complete the folder:\n{m}\n{all_logs}"
    );
    for k in 0..3 {
        assert!(d.join(format!("exp/shards/{k}-of-3/shard.json")).is_file());
    }
    assert!(logs.join("shard-0-of-3.out").is_file(), "{all_logs}");
    assert_identical(&d.join("one"), &d.join("exp"));
    eprintln!(
        "slurm_real_cluster: array job {array} and merge job {merge}: merged folder byte-identical to a local run"
    );
}
