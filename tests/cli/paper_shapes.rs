//! The shapes the paper reports (Sec. IV-C) hold in the output of the real experiment specs.

use crate::{mlsim, repo, text};
use std::collections::BTreeMap;

fn summary(dir: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join("summary.csv")).unwrap();
    r.deserialize().map(|x| x.unwrap()).collect()
}

/// Fig. 6: long-running ≤ μλ ≤ CRIU at every point, and the overhead shrinks as r_limit grows.
/// Fig. 7: CRIU's network load is at least μλ's at every point.
#[test]
fn fig6_ordering_and_shrinking_overhead() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("experiments/fig6.toml");
    let o = mlsim(&["run", spec.to_str().unwrap(), "--out", "f6", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows = summary(&dir.path().join("f6"));
    assert_eq!(rows.len(), 135);
    let mut by: BTreeMap<(String, String), BTreeMap<(String, String), (f64, f64)>> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r["requests_failed"], "0", "{r:?}");
        by.entry((r["app"].clone(), r["items"].clone()))
            .or_default()
            .insert((r["method"].clone(), r["r_limit_s"].clone()), (r["exec_mean_s"].parse().unwrap(), r["bytes_mean"].parse().unwrap()));
    }
    assert_eq!(by.len(), 15);
    for ((app, items), m) in &by {
        let lr = m[&("long_running".to_string(), String::new())].0;
        let mut prev = (f64::INFINITY, f64::INFINITY);
        for limit in ["2.0", "5.0", "10.0", "20.0"] {
            let (micro, micro_bytes) = m[&("microlambda".to_string(), limit.to_string())];
            let (criu, criu_bytes) = m[&("criu".to_string(), limit.to_string())];
            assert!(lr <= micro && micro <= criu, "{app} {items} r={limit}: {lr} {micro} {criu}");
            assert!(micro_bytes <= criu_bytes, "{app} {items} r={limit}: bytes {micro_bytes} {criu_bytes}");
            assert!(micro <= prev.0 && criu <= prev.1, "{app} {items}: overhead grew at r={limit}");
            prev = (micro, criu);
        }
        // At the shortest r_limit CRIU's overhead is larger than μλ's.
        let (m2, c2) = (m[&("microlambda".to_string(), "2.0".to_string())].0, m[&("criu".to_string(), "2.0".to_string())].0);
        assert!(c2 - lr > m2 - lr, "{app} {items}");
    }
}

/// Figs. 4 and 5: μλ checkpoints are faster and smaller than CRIU's for every app, within the
/// paper's reported bounds (μλ < 10 ms and < 128 KB / 281 KB; CRIU ≥ 150 ms and > 22 MB / 1.8 MB),
/// here checked on medians.
#[test]
fn fig4_fig5_medians_within_the_paper_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("experiments/fig4.toml");
    let o = mlsim(&["run", spec.to_str().unwrap(), "--out", "f4", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(dir.path().join("f4/fig4.png").is_file() && dir.path().join("f4/fig5.svg").is_file());
    let rows = summary(&dir.path().join("f4"));
    assert_eq!(rows.len(), 6);
    for r in rows {
        let t: f64 = r["ckpt_time_median_ms"].parse().unwrap();
        let s: f64 = r["ckpt_size_median_bytes"].parse().unwrap();
        match (r["app"].as_str(), r["method"].as_str()) {
            (_, "microlambda") => {
                assert!(t < 10.0, "{r:?}");
                assert!(s < if r["app"] == "taxi" { 281e3 } else { 128e3 }, "{r:?}");
            }
            (app, "criu") => {
                assert!(t >= 150.0, "{r:?}");
                assert!(s > if app == "taxi" { 1.8e6 } else { 22e6 }, "{r:?}");
            }
            _ => unreachable!(),
        }
    }
}
