//! The placement-policy outputs: `policies.csv` (snapshot, determinism across thread counts,
//! redone by `mlsim plot`), the printed policy table, and the `cdf` and `policies` figures.

use crate::{mlsim, repo, text};
use std::fs;
use std::path::Path;

/// Runs the small policy spec into `cwd/out` with `jobs` threads; returns stdout.
fn run_policies(cwd: &Path, out: &str, jobs: &str, quiet: bool) -> String {
    let spec = repo().join("tests/cli/specs/policies_small.toml");
    let mut args = vec!["run", spec.to_str().unwrap(), "--out", out, "--jobs", jobs];
    if quiet {
        args.push("-q");
    }
    let o = mlsim(&args, cwd);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn policies_csv_of_a_small_study() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = run_policies(dir.path(), "p", "2", false);
    let csv = fs::read_to_string(dir.path().join("p/policies.csv")).unwrap();
    // 3 policies x 2 methods, one r_limit: 6 groups, μλ before CRIU, policies by name.
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 1 + 6, "{csv}");
    assert!(rows[1].starts_with("microlambda,3.0,least_loaded,2,2,"));
    assert!(rows[6].starts_with("criu,3.0,same_bbu,2,2,"));
    // The printed table follows the summary and names every group.
    let table = stdout
        .split_once("\n\n")
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("no policy table after the summary:\n{stdout}"));
    let header = table.lines().next().unwrap_or_default();
    assert!(
        header.contains("placement") && header.contains("p99_s"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 1 + 6, "{table}");
    insta::assert_snapshot!(csv);
}

#[test]
fn quiet_run_prints_no_table_but_writes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = run_policies(dir.path(), "q", "2", true);
    assert!(!stdout.contains("placement"), "{stdout}");
    assert!(dir.path().join("q/policies.csv").is_file());
}

#[test]
fn one_and_two_threads_give_identical_policy_outputs() {
    let dir = tempfile::tempdir().unwrap();
    run_policies(dir.path(), "a", "1", true);
    run_policies(dir.path(), "b", "2", true);
    for f in ["policies.csv", "cdf.svg", "policies.svg"] {
        let a = fs::read(dir.path().join("a").join(f)).unwrap();
        let b = fs::read(dir.path().join("b").join(f)).unwrap();
        assert!(!a.is_empty(), "{f} is empty");
        assert!(a == b, "{f} differs between --jobs 1 and --jobs 2");
    }
}

#[test]
fn figures_are_drawn_and_name_every_policy() {
    let dir = tempfile::tempdir().unwrap();
    run_policies(dir.path(), "f", "2", true);
    let root = dir.path().join("f");
    for name in ["cdf", "policies"] {
        let svg = fs::read_to_string(root.join(format!("{name}.svg"))).unwrap();
        // The SVG parses (usvg, as for the PNG) and shows the policies and methods.
        let png = mlsim_plots::svg_to_png(&svg, "test").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let on_disk = fs::read(root.join(format!("{name}.png"))).unwrap();
        assert_eq!(&on_disk[..8], b"\x89PNG\r\n\x1a\n");
        for label in ["random", "μλ", "CRIU"] {
            assert!(svg.contains(label), "{name}.svg lacks {label}");
        }
        // Legend (cdf) or two-line axis labels (policies) of the other two policies.
        for label in ["least-", "same-"] {
            assert!(svg.contains(label), "{name}.svg lacks {label}");
        }
    }
    let cdf = fs::read_to_string(root.join("cdf.svg")).unwrap();
    assert!(cdf.contains("least-loaded") && cdf.contains("same-BBU"));
    // One staircase per policy (the first three Okabe-Ito colours of the palette) in each of the two
    // panels (μλ and CRIU at r_limit 3 s).
    let curves = cdf
        .lines()
        .filter(|l| l.starts_with("<polyline"))
        .filter(|l| {
            ["#0072B2", "#E69F00", "#009E73"]
                .iter()
                .any(|c| l.contains(c))
        })
        .count();
    assert_eq!(curves, 3 * 2);
}

#[test]
fn plot_remakes_policies_csv_from_the_csvs() {
    let dir = tempfile::tempdir().unwrap();
    run_policies(dir.path(), "r", "2", true);
    let root = dir.path().join("r");
    let before = fs::read(root.join("policies.csv")).unwrap();
    for f in ["policies.csv", "cdf.svg", "policies.svg"] {
        fs::remove_file(root.join(f)).unwrap();
    }
    let o = mlsim(&["plot", "r"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("policies.csv"));
    assert_eq!(fs::read(root.join("policies.csv")).unwrap(), before);
    assert!(root.join("cdf.svg").is_file() && root.join("policies.svg").is_file());
}

#[test]
fn one_placement_gets_no_policy_table_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let small = repo().join("tests/cli/specs/small.toml");
    let base = fs::read_to_string(&small)
        .unwrap()
        .replace("replications = 3", "replications = 1");
    fs::write(dir.path().join("one.toml"), &base).unwrap();
    let o = mlsim(&["run", "one.toml", "--out", "one", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!dir.path().join("one/policies.csv").exists());
    let asked = base.replace(
        "figures = [\"fig6\", \"fig7\"]",
        "figures = [\"fig6\", \"policies\"]",
    );
    fs::write(dir.path().join("asked.toml"), asked).unwrap();
    let o = mlsim(&["run", "asked.toml", "--out", "asked", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let csv = fs::read_to_string(dir.path().join("asked/policies.csv")).unwrap();
    // small.toml: long-running plus μλ and CRIU at two limits, all round-robin.
    assert_eq!(csv.lines().count(), 1 + 5, "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.contains(",round_robin,")));
    assert!(dir.path().join("asked/policies.svg").is_file());
}
