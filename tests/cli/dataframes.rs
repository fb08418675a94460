//! Every table of result folders read as a researcher reads them: with pandas and with polars
//! (scripts/check_tables.py: same rows in both, column types as `columns.csv` says, no NaN
//! cells, group-bys on method, r_limit_s, placement … that keep every row; the per-run tables
//! under runs/NNNNNN/ read by both and, globbed by polars, equal to the merged tables; a
//! protocol study's summary.csv equal to polars group-bys of its records). The folders: the
//! paper's fig6, the policy study, a serverless and a suspend study (here) and an emulated
//! protocol folder (`emu_classes`).
//!
//! Python with pandas and polars comes from scripts/setup-python.sh (which `scripts/test.sh`
//! runs): `$MLSIM_PYTHON`, else `${MLSIM_DATA:-~/.local/share/mlsim}/py/bin/python`. Without
//! it the test is SKIPPED with a loud banner (a failure under `MLSIM_REQUIRE_DATA=1`).

use crate::{mlsim, repo, text};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Python that has pandas and polars, or `None` after the skip banner.
pub fn python() -> Option<PathBuf> {
    let p = match std::env::var_os("MLSIM_PYTHON").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => std::env::var_os("MLSIM_DATA")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share/mlsim")))
            .unwrap_or_else(|| PathBuf::from("mlsim-data"))
            .join("py/bin/python"),
    };
    if p.exists() {
        return Some(p);
    }
    let what = format!("Python with pandas and polars ({})", p.display());
    let fix = "run `bash scripts/setup-python.sh` (no root; scripts/test.sh runs it)";
    if std::env::var("MLSIM_REQUIRE_DATA").is_ok_and(|v| v == "1") {
        panic!("MLSIM_REQUIRE_DATA=1 but {what} is missing; {fix}");
    }
    let line = "!".repeat(78);
    let _ = writeln!(
        std::io::stderr(),
        "\n{line}\n!! SKIPPED: {what} is missing\n!! {fix}\n!! (MLSIM_REQUIRE_DATA=1 turns this into a failure)\n{line}\n"
    );
    None
}

/// Runs scripts/check_tables.py on `folders`; panics with its report if a check fails.
pub fn check_tables(folders: &[&Path]) {
    let Some(py) = python() else { return };
    let out = Command::new(&py)
        .arg(repo().join("scripts/check_tables.py"))
        .args(folders)
        .output()
        .expect("python runs");
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    eprintln!("{report}");
    assert!(out.status.success(), "check_tables.py failed:\n{report}");
}

#[test]
fn every_table_reads_with_pandas_and_polars() {
    if python().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut folders = Vec::new();
    for spec in ["fig6", "policies"] {
        let out = dir.path().join(spec);
        let o = mlsim(
            &[
                "run",
                repo()
                    .join(format!("experiments/{spec}.toml"))
                    .to_str()
                    .unwrap(),
                "--out",
                out.to_str().unwrap(),
                "-q",
            ],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{spec}: {}", text(&o.stderr));
        folders.push(out);
    }
    for (name, spec) in [
        ("serverless", crate::serverless::small_spec()),
        ("suspend", crate::suspend::small_spec()),
    ] {
        std::fs::write(dir.path().join(format!("{name}.toml")), spec).unwrap();
        let o = mlsim(
            &["run", &format!("{name}.toml"), "--out", name, "-q"],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o.stderr));
        folders.push(dir.path().join(name));
    }
    let refs: Vec<&Path> = folders.iter().map(PathBuf::as_path).collect();
    check_tables(&refs);
}

/// `--format`: `both` (the default) writes each table as CSV and Parquet; `parquet` keeps only
/// the Parquet tables (and the dictionary), and `mlsim plot` then says how to get the CSVs
/// back; `both` on the same folder brings them back, byte-identical; `csv` drops the Parquet.
#[test]
fn table_formats_csv_parquet_and_both() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("experiments/fig4.toml");
    let spec = spec.to_str().unwrap();
    let run = |out: &str, format: &str| {
        let o = mlsim(
            &["run", spec, "--out", out, "-q", "--format", format],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(0), "{format}: {}", text(&o.stderr));
    };
    let has = |out: &str, f: &str| dir.path().join(out).join(f).is_file();
    run("both", "both");
    for f in [
        "runs.csv",
        "runs.parquet",
        "checkpoints.csv",
        "checkpoints.parquet",
        "summary.parquet",
        "columns.csv",
    ] {
        assert!(has("both", f), "{f}");
    }
    assert!(!has("both", "columns.parquet"));

    run("pq", "parquet");
    assert!(
        has("pq", "runs.parquet") && has("pq", "checkpoints.parquet") && has("pq", "columns.csv")
    );
    assert!(!has("pq", "runs.csv") && !has("pq", "checkpoints.csv") && !has("pq", "summary.csv"));
    // The Parquet tables do not depend on the format asked for.
    for f in ["runs.parquet", "checkpoints.parquet", "summary.parquet"] {
        assert_eq!(
            std::fs::read(dir.path().join("pq").join(f)).unwrap(),
            std::fs::read(dir.path().join("both").join(f)).unwrap(),
            "{f}"
        );
    }
    let p = mlsim(&["plot", "pq"], dir.path());
    let err = text(&p.stderr);
    assert_ne!(p.status.code(), Some(0));
    assert!(
        err.contains("Parquet only") && err.contains("--format both"),
        "{err}"
    );

    run("pq", "both");
    for f in ["runs.csv", "checkpoints.csv", "summary.csv"] {
        assert_eq!(
            std::fs::read(dir.path().join("pq").join(f)).unwrap(),
            std::fs::read(dir.path().join("both").join(f)).unwrap(),
            "{f}"
        );
    }
    run("pq", "csv");
    assert!(has("pq", "runs.csv") && !has("pq", "runs.parquet"));
}
