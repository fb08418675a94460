//! `manifest.json`: what made a result folder (tool, version, git revision, spec, seeds,
//! model provenance, backend) and how far it got (status, failed runs, the run plan).

use crate::error::{Error, Result};
use crate::folder::write_atomic;
use crate::runner::SweepOutcome;
use crate::spec::Spec;
use std::path::Path;

/// The git revision of the checkout holding `dir`, or `unknown`.
pub fn git_revision(dir: &Path) -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Writes `root/manifest.json` (atomically) for spec `s` run by backend `backend`, with
/// `status` (`running`, `complete`, `some runs failed`, `interrupted`, `failed`), why the sweep
/// stopped before its end (`stopped_because`: `interrupted by SIGINT`, an error's text), the
/// `warnings` of its end (figures not drawn) and, once the sweep ended, its outcome.
pub fn write(
    root: &Path,
    s: &Spec,
    backend: &str,
    status: &str,
    o: Option<&SweepOutcome>,
    stopped_because: Option<&str>,
    warnings: &[String],
) -> Result<()> {
    let spec_dir = s
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let runs: Vec<serde_json::Value> = s
        .runs()
        .iter()
        .map(|p| serde_json::json!({"run": p.run, "point": p.point, "replication": p.replication, "seed": p.seed}))
        .collect();
    let m = serde_json::json!({
        "tool": "mlsim",
        "version": env!("CARGO_PKG_VERSION"),
        "git_revision": git_revision(spec_dir),
        "spec_file": s.file.display().to_string(),
        "experiment": s.name,
        "kind": s.kind.name(),
        "backend": backend,
        "seed": s.seed,
        "replications": s.replications,
        "points": s.points.iter().map(|p| p.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")).collect::<Vec<_>>(),
        "model": { "file": s.model_source.describe(), "provenance": s.model.provenance },
        "status": status,
        "stopped_because": stopped_because,
        "warnings": warnings,
        "runs_total": s.runs().len(),
        "runs_failed": o.map(|o| o.failed.iter().map(|(r, w)| serde_json::json!({"run": r, "status": w})).collect::<Vec<_>>()),
        "per_run_status": "runs.csv (column status) and runs/NNNNNN/runs.csv",
        "run_plan": runs,
    });
    let text = serde_json::to_string_pretty(&m).map_err(|source| Error::Json {
        what: "manifest.json",
        source,
    })?;
    write_atomic(&root.join("manifest.json"), text.as_bytes())
}
