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
    let o = mlsim(
        &["run", spec.to_str().unwrap(), "--out", "f6", "-q"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows = summary(&dir.path().join("f6"));
    assert_eq!(rows.len(), 135);
    type ByMethod = BTreeMap<(String, String), (f64, f64)>;
    let mut by: BTreeMap<(String, String), ByMethod> = BTreeMap::new();
    for r in &rows {
        assert_eq!(r["requests_failed"], "0", "{r:?}");
        by.entry((r["app"].clone(), r["items"].clone()))
            .or_default()
            .insert(
                (r["method"].clone(), r["r_limit_s"].clone()),
                (
                    r["exec_mean_s"].parse().unwrap(),
                    r["bytes_mean"].parse().unwrap(),
                ),
            );
    }
    assert_eq!(by.len(), 15);
    for ((app, items), m) in &by {
        let lr = m[&("long_running".to_string(), "inf".to_string())].0;
        let mut prev = (f64::INFINITY, f64::INFINITY);
        for limit in ["2.0", "5.0", "10.0", "20.0"] {
            let (micro, micro_bytes) = m[&("microlambda".to_string(), limit.to_string())];
            let (criu, criu_bytes) = m[&("criu".to_string(), limit.to_string())];
            assert!(
                lr <= micro && micro <= criu,
                "{app} {items} r={limit}: {lr} {micro} {criu}"
            );
            assert!(
                micro_bytes <= criu_bytes,
                "{app} {items} r={limit}: bytes {micro_bytes} {criu_bytes}"
            );
            assert!(
                micro <= prev.0 && criu <= prev.1,
                "{app} {items}: overhead grew at r={limit}"
            );
            prev = (micro, criu);
        }
        // At the shortest r_limit CRIU's overhead is larger than μλ's.
        let (m2, c2) = (
            m[&("microlambda".to_string(), "2.0".to_string())].0,
            m[&("criu".to_string(), "2.0".to_string())].0,
        );
        assert!(c2 - lr > m2 - lr, "{app} {items}");
    }
}

/// Figs. 4 and 5: μλ checkpoints are faster and smaller than CRIU's for every app, and every
/// one of the 50 samples per app and method lies within the paper's reported bounds (Sec.
/// IV-C): μλ < 10 ms and < 128 KB (face, stress) / < 281 KB (taxi); CRIU ≥ 150 ms and > 22 MB
/// (face, stress) / > 1.8 MB (taxi).
#[test]
fn fig4_fig5_every_sample_within_the_paper_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let spec = repo().join("experiments/fig4.toml");
    let o = mlsim(
        &["run", spec.to_str().unwrap(), "--out", "f4", "-q"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(dir.path().join("f4/fig4.png").is_file() && dir.path().join("f4/fig5.svg").is_file());
    let mut r = csv::Reader::from_path(dir.path().join("f4/checkpoints.csv")).unwrap();
    let rows: Vec<BTreeMap<String, String>> = r.deserialize().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 6 * 50);
    for r in rows {
        let t = r["time_ns"].parse::<f64>().unwrap() / 1e6;
        let s: f64 = r["size_bytes"].parse().unwrap();
        let taxi = r["app"] == "taxi";
        match r["method"].as_str() {
            "microlambda" => assert!(t < 10.0 && s < if taxi { 281e3 } else { 128e3 }, "{r:?}"),
            "criu" => assert!(t >= 150.0 && s > if taxi { 1.8e6 } else { 22e6 }, "{r:?}"),
            m => panic!("unexpected method {m}"),
        }
    }
}
