//! `policies.csv` and the policy table `mlsim run` prints: the placement-policy comparison of
//! [`mlsim_plots::policy_rows`] (one row per method, r_limit and placement), computed from the
//! merged record CSVs only, so `mlsim plot` can redo it.
//!
//! Written when the runs differ in placement or when the figures include `policies`. Numbers
//! have fixed decimals (times and rates 6, bytes 1) and groups a fixed order, so the file is
//! byte-identical for identical records.

use std::path::Path;

use mlsim_core::record::RunRecord;
use mlsim_plots::{PolicyRow, RepCi, placement_label, policy_rows};

use crate::error::{Error, Result, csv_err};
use crate::folder::{into_bytes, write_atomic};

/// Columns of `policies.csv`.
pub const HEADER: [&str; 22] = [
    "method",
    "r_limit_s",
    "placement",
    "runs",
    "replications",
    "requests",
    "finished",
    "failed",
    "unfinished",
    "mean_s",
    "mean_ci95_s",
    "p95_s",
    "p95_ci95_s",
    "p99_s",
    "p99_ci95_s",
    "misses_per_request",
    "lost_work_s_per_request",
    "migrations_per_request",
    "evictions_per_request",
    "bytes_per_request",
    "cran_waits_per_run",
    "cran_wait_core_s_per_run",
];

/// Whether a result folder gets `policies.csv`: its runs use more than one placement (policy
/// or swept policy parameters), or `figures` names `policies`.
pub fn wanted(runs: &[RunRecord], figures: &[String]) -> bool {
    if figures
        .iter()
        .any(|f| f.trim().eq_ignore_ascii_case("policies"))
    {
        return true;
    }
    let mut labels = runs.iter().map(placement_label);
    labels
        .next()
        .is_some_and(|first| labels.any(|l| l != first))
}

/// `v` with `decimals` decimals; empty if not finite.
fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        String::new()
    }
}

/// Mean and CI half-width of `c` (6 decimals each; empty when absent).
fn with_ci(c: Option<RepCi>) -> [String; 2] {
    [
        c.map_or_else(String::new, |c| fixed(c.mean, 6)),
        c.and_then(|c| c.ci95)
            .map_or_else(String::new, |h| fixed(h, 6)),
    ]
}

/// The cells of `r` in [`HEADER`] order.
fn cells(r: &PolicyRow) -> Vec<String> {
    let mut v = vec![
        r.method.clone(),
        mlsim_core::record::r_limit::text(r.r_limit_s),
        r.placement.clone(),
        r.runs.to_string(),
        r.replications.to_string(),
        r.requests.to_string(),
        r.finished.to_string(),
        r.failed.to_string(),
        r.unfinished.to_string(),
    ];
    for c in [r.mean_s, r.p95_s, r.p99_s] {
        v.extend(with_ci(c));
    }
    v.extend([
        fixed(r.misses_per_request, 6),
        fixed(r.lost_work_s_per_request, 6),
        fixed(r.migrations_per_request, 6),
        fixed(r.evictions_per_request, 6),
        fixed(r.bytes_per_request, 1),
        fixed(r.cran_waits_per_run, 6),
        fixed(r.cran_wait_core_s_per_run, 6),
    ]);
    v
}

/// `policies.csv` as bytes.
pub fn csv_bytes(rows: &[PolicyRow]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for r in rows {
        w.write_record(cells(r))?;
    }
    into_bytes(w)
}

/// The table as aligned text (what `mlsim run` prints after the summary).
pub fn table(rows: &[PolicyRow]) -> String {
    let header = [
        "method",
        "r_limit_s",
        "placement",
        "done",
        "mean_s",
        "±ci95",
        "p95_s",
        "±ci95",
        "p99_s",
        "±ci95",
        "miss/req",
        "lost_s/req",
        "migr/req",
        "evict/req",
        "bytes/req",
        "cran_waits/run",
        "cran_core_s/run",
    ];
    let dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
    let ci = |c: Option<RepCi>| -> [String; 2] {
        [
            dash(c.map_or_else(String::new, |c| fixed(c.mean, 3))),
            dash(
                c.and_then(|c| c.ci95)
                    .map_or_else(String::new, |h| fixed(h, 3)),
            ),
        ]
    };
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                r.method.clone(),
                r.r_limit_s.map_or("-".into(), |x| format!("{x}")),
                r.placement.clone(),
                format!("{}/{}", r.finished, r.requests),
            ];
            for c in [r.mean_s, r.p95_s, r.p99_s] {
                v.extend(ci(c));
            }
            v.extend(
                [
                    fixed(r.misses_per_request, 3),
                    fixed(r.lost_work_s_per_request, 3),
                    fixed(r.migrations_per_request, 2),
                    fixed(r.evictions_per_request, 2),
                    fixed(r.bytes_per_request, 0),
                    fixed(r.cran_waits_per_run, 2),
                    fixed(r.cran_wait_core_s_per_run, 3),
                ]
                .map(dash),
            );
            v
        })
        .collect();
    crate::summary::aligned(&header, &body)
}

/// Computes the comparison from the CSVs in `root` and, if [`wanted`], writes
/// `root/policies.csv` atomically and returns its rows.
pub fn write(root: &Path, figures: &[String]) -> Result<Option<Vec<PolicyRow>>> {
    let read = |name: &str| root.join(name);
    let table = |source| Error::Table {
        dir: root.to_path_buf(),
        source,
    };
    let runs = mlsim_plots::read_runs(&read("runs.csv"), "policies.csv").map_err(table)?;
    if !wanted(&runs, figures) {
        return Ok(None);
    }
    let bbus = mlsim_plots::read_bbus(&read("bbus.csv"), "policies.csv").map_err(table)?;
    // Requests streamed: a study of millions of them is tabled without holding them.
    let mut requests =
        mlsim_plots::stream_requests(&read("requests.csv"), "policies.csv").map_err(table)?;
    let rows = policy_rows(&runs, &mut requests, &bbus);
    requests.finish().map_err(table)?;
    let path = root.join("policies.csv");
    write_atomic(&path, &csv_bytes(&rows).map_err(csv_err(&path))?)?;
    Ok(Some(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(placement: &str, params: &str) -> RunRecord {
        RunRecord {
            placement: placement.into(),
            params: params.into(),
            ..Default::default()
        }
    }

    #[test]
    fn written_when_placements_differ_or_asked_for() {
        let same = [run("random", ""), run("random", "")];
        assert!(!wanted(&same, &[]));
        assert!(wanted(&same, &["fig6".into(), "policies".into()]));
        assert!(wanted(&[run("random", ""), run("nearest", "")], &[]));
        let variants = [
            run("forecast_aware", "placement.alpha=0.2"),
            run("forecast_aware", "placement.alpha=0.5"),
        ];
        assert!(wanted(&variants, &[]));
        assert!(!wanted(&[], &[]));
    }

    #[test]
    fn fixed_formatting() {
        assert_eq!(fixed(1.0 / 3.0, 6), "0.333333");
        assert_eq!(fixed(f64::NAN, 6), "");
        assert_eq!(fixed(1234.56, 1), "1234.6");
        let empty = csv_bytes(&[]).unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), HEADER.join(",") + "\n");
    }
}
