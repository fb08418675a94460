//! The crate directions the README's Architecture section states, checked on the real
//! dependency graph (`cargo metadata`): a forbidden edge fails this test (and CI).
//!
//! Each workspace crate lists the crates of ours it may depend on (normal, build and dev
//! dependencies alike). A new crate must be added here, with its allowed edges, before the test
//! passes: the graph never grows an edge nobody decided on.

use std::collections::BTreeMap;
use std::process::Command;

/// Crate → the workspace crates it may depend on.
const ALLOWED: &[(&str, &[&str])] = &[
    // Pure domain types and the rules both backends share: nothing of ours.
    ("mlsim-core", &[]),
    // Readers of external formats: nothing of ours.
    ("mlsim-datasets", &[]),
    // The simulator: never the emulation, the pipeline or the figures.
    ("mlsim-sim", &["mlsim-core"]),
    // The emulation: never the simulator (the data folder's rule comes from the readers).
    ("mlsim-emu", &["mlsim-core", "mlsim-datasets"]),
    // Figures read the record schema only.
    ("mlsim-plots", &["mlsim-core"]),
    // The real workloads and their data readers.
    ("mlsim-workloads", &["mlsim-core", "mlsim-datasets"]),
    (
        "mlsim-face",
        &["mlsim-core", "mlsim-workloads", "mlsim-datasets"],
    ),
    // The pipeline: spec → runs → result folder → summaries, behind the backend seam; the
    // backends (simulator, emulation) are handed to it by the CLI, never depended on.
    (
        "mlsim-experiment",
        &["mlsim-core", "mlsim-plots", "mlsim-datasets"],
    ),
    // The command line: glue over everything.
    (
        "mlsim",
        &[
            "mlsim-core",
            "mlsim-sim",
            "mlsim-emu",
            "mlsim-workloads",
            "mlsim-face",
            "mlsim-datasets",
            "mlsim-plots",
            "mlsim-experiment",
        ],
    ),
];

/// (crate, dependency) edges between workspace crates, from `cargo metadata`.
fn workspace_edges() -> Vec<(String, String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(super::repo())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        super::text(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let ours: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    let mut edges = Vec::new();
    for p in packages {
        let name = p["name"].as_str().expect("name");
        for d in p["dependencies"].as_array().expect("dependencies") {
            let dep = d["name"].as_str().expect("dependency name");
            if ours.contains(&dep) {
                edges.push((name.to_string(), dep.to_string()));
            }
        }
    }
    edges
}

#[test]
fn every_crate_edge_is_an_allowed_direction() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let edges = workspace_edges();
    assert!(
        edges.iter().any(|(a, b)| a == "mlsim" && b == "mlsim-core"),
        "the graph was not read: {edges:?}"
    );
    let mut bad = Vec::new();
    for (from, to) in &edges {
        match allowed.get(from.as_str()) {
            None => bad.push(format!(
                "{from} is not in tests/cli/crate_graph.rs ALLOWED: add it with the crates it may use"
            )),
            Some(ok) if !ok.contains(&to.as_str()) => bad.push(format!(
                "{from} → {to} is a forbidden edge (README, Architecture: crate directions)"
            )),
            Some(_) => {}
        }
    }
    bad.dedup();
    assert!(bad.is_empty(), "crate graph:\n{}", bad.join("\n"));
}

#[test]
fn the_forbidden_directions_are_in_the_table() {
    // The directions the issue names, so an edit of ALLOWED cannot quietly allow them.
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    for (from, to) in [
        ("mlsim-sim", "mlsim-emu"),
        ("mlsim-emu", "mlsim-sim"),
        ("mlsim-plots", "mlsim-sim"),
        ("mlsim-plots", "mlsim-emu"),
        ("mlsim-experiment", "mlsim-sim"),
        ("mlsim-experiment", "mlsim-emu"),
    ] {
        assert!(
            !allowed[from].contains(&to),
            "{from} → {to} must stay forbidden"
        );
    }
    assert!(
        allowed["mlsim-core"].is_empty(),
        "core depends on no crate of ours"
    );
}
