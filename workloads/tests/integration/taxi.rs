//! Ride hailing: the taxi tests.

use std::collections::HashMap;

use mlsim_workloads::taxi::dijkstra::Dijkstra;
use mlsim_workloads::taxi::grid::GridSpec;
use mlsim_workloads::taxi::load::read_graph_file;
use mlsim_workloads::taxi::{Assignment, TaxiConfig, TaxiInput, TaxiWorkload};
use proptest::prelude::*;

use crate::common::{midtown_graphml, run_all, run_with_checkpoints};

fn small() -> TaxiWorkload {
    let g = GridSpec {
        avenues: 6,
        streets: 40,
        ..GridSpec::default()
    }
    .build()
    .unwrap();
    let input = TaxiInput::synthetic(g, 300, 120, 3_600.0, 7).unwrap();
    TaxiWorkload::new(
        input,
        TaxiConfig {
            batch_size: 8,
            ..TaxiConfig::default()
        },
    )
    .unwrap()
}

/// No taxi is ever given to two riders at once: each assignment of a taxi starts after that
/// taxi's previous assignment has dropped off, and no request gets two taxis.
#[test]
fn never_assigns_a_taxi_twice() {
    let out: Vec<Assignment> = run_all(small());
    assert_eq!(out.len(), 120);
    let assigned = out.iter().filter(|a| a.taxi.is_some()).count();
    assert!(assigned > 60, "only {assigned} of 120 requests got a taxi");
    let mut last_dropoff: HashMap<u32, f64> = HashMap::new();
    for a in &out {
        if let Some(t) = a.taxi {
            if let Some(&prev) = last_dropoff.get(&t) {
                assert!(
                    a.start_s >= prev,
                    "taxi {t} given to request {} at {} before its drop-off at {prev}",
                    a.request,
                    a.start_s
                );
            }
            assert!(a.dropoff_s >= a.start_s);
            last_dropoff.insert(t, a.dropoff_s);
        }
    }
    let mut ids: Vec<u32> = out.iter().map(|a| a.request).collect();
    ids.dedup();
    assert_eq!(ids.len(), 120);
}

/// The chosen taxi is the nearest by *driving* distance, not by straight line: on a hand-made
/// street with a one-way block, the taxi right next to the rider (but on the wrong side of the
/// one-way) loses to one farther away.
#[test]
fn chosen_taxi_is_nearest_by_driving_distance() {
    use mlsim_workloads::taxi::geo::Point;
    use mlsim_workloads::taxi::{Request, StreetGraph, Taxi};
    // Nodes on a line 100 m apart: 0 - 1 - 2 - 3. Two-way 0<->1 and 2<->3; 1 -> 2 one-way only.
    // Rider at node 1. Taxi A at node 2 (100 m away in a straight line) must drive 2 -> 3 -> ...
    // and cannot reach 1 at all except via a long loop 3 -> 0 (1,000 m): 100 + 1000 + 100 = 1200.
    // Taxi B at node 0 (100 m) drives 0 -> 1 = 100 m. Taxi C at node 3: 1000 + 100 = 1100.
    let pts = (0..4)
        .map(|i| Point {
            x: 100.0 * i as f64,
            y: 0.0,
        })
        .collect();
    let edges = [
        (0, 1, 100.0),
        (1, 0, 100.0),
        (1, 2, 100.0),
        (2, 3, 100.0),
        (3, 2, 100.0),
        (3, 0, 1000.0),
    ];
    let g = StreetGraph::new(pts, &edges, "hand").unwrap();
    let taxi = |node, t| Taxi {
        node,
        free_at_s: t,
        rider: None,
    };
    let fleet = vec![taxi(2, 0.0), taxi(3, 0.0), taxi(0, 0.0), taxi(0, 1000.0)];
    let requests = vec![
        Request {
            id: 0,
            t_s: 10.0,
            node: 1,
            dest: 3,
        },
        Request {
            id: 1,
            t_s: 20.0,
            node: 1,
            dest: 2,
        },
    ];
    let input = TaxiInput {
        graph: g,
        fleet,
        requests,
        source: "hand".into(),
    };
    let out = run_all(
        TaxiWorkload::new(
            input,
            TaxiConfig {
                batch_size: 1,
                ..TaxiConfig::default()
            },
        )
        .unwrap(),
    );
    // Taxi 3 is outside the 5-minute window (free at 1000 s); taxi 2 (node 0) wins.
    assert_eq!(
        (
            out[0].taxi,
            out[0].candidates,
            out[0].pickup_distance_m,
            out[0].trip_distance_m
        ),
        (Some(2), 3, 100.0, 200.0)
    );
    // Taxi 2 is now busy until 10 + 300/6.3 s; the next nearest is taxi 1 at node 3 (1,100 m),
    // ahead of taxi 0 at node 2 (1,200 m) although taxi 0 is closer in a straight line.
    assert_eq!((out[1].taxi, out[1].pickup_distance_m), (Some(1), 1100.0));
}

#[test]
fn midtown_graphml_has_388_nodes_632_edges_and_finite_paths() {
    let Some(midtown) = midtown_graphml() else {
        return;
    };
    let g = read_graph_file(&midtown).unwrap();
    assert_eq!(g.node_count(), 388);
    assert_eq!(g.edge_count(), 632);
    let total: f64 = g.edges().iter().map(|e| e.2).sum();
    assert!(
        total > 50_000.0 && total < 200_000.0,
        "total street length {total} m"
    );
    let scc = g.largest_scc();
    eprintln!(
        "Midtown largest SCC: {} nodes, {} edges",
        scc.node_count(),
        scc.edge_count()
    );
    // Clipping a square mile out of the city leaves boundary dead ends; about 3/4 of the nodes
    // remain mutually reachable.
    assert!(
        scc.node_count() > 250,
        "largest strongly connected component has {} nodes",
        scc.node_count()
    );
    let mut d = Dijkstra::new(scc.node_count());
    let n = scc.node_count() as u32;
    let all: Vec<u32> = (0..n).collect();
    for s in (0..n).step_by(37) {
        let dist = d.distances_to(&scc.forward, s, &all);
        // One square mile of Manhattan: every shortest path is finite and below ~8 km.
        assert!(
            dist.iter().all(|x| x.is_finite() && *x < 8_000.0),
            "from {s}: {:?}",
            dist.iter().cloned().fold(0.0, f64::max)
        );
    }
    // And the workload runs on it.
    let input = TaxiInput::synthetic(g, 100, 50, 3_600.0, 1).unwrap();
    let out = run_all(TaxiWorkload::new(input, TaxiConfig::default()).unwrap());
    assert_eq!(out.len(), 50);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    /// Interrupted at random safe points and resumed from the state file, ride hailing produces
    /// exactly the output of an uninterrupted run.
    #[test]
    fn resume_equivalence(segments in prop::collection::vec(0u64..60, 1..4)) {
        let full = run_all(small());
        let (resumed, cps) = run_with_checkpoints(small, &segments);
        prop_assert!(cps >= 1);
        prop_assert_eq!(resumed, full);
    }
}

/// Real TLC trips placed in the real pyhailing Manhattan zones, on the built-in grid and on the
/// real Midtown graph.
#[test]
fn real_tlc_trips_on_grid_and_midtown() {
    use mlsim_workloads::apps::{TAXI_ZONES, TLC_SAMPLE};
    use mlsim_workloads::taxi::trips::read_tlc_csv;
    use mlsim_workloads::taxi::zones::read_zones;
    let (Some(csv), Some(zones)) = (
        crate::common::data_file(TLC_SAMPLE),
        crate::common::data_file(TAXI_ZONES),
    ) else {
        return;
    };
    let trips = read_tlc_csv(&csv).unwrap();
    assert!(trips.trips.len() > 9_000, "{} trips", trips.trips.len());
    let zones = read_zones(&zones).unwrap();
    assert_eq!(zones.by_id.len(), 61);
    let grid = GridSpec::default().build().unwrap();
    let mut input = TaxiInput::from_trips(grid, &trips.trips, &zones, 1000.0, 1, "tlc").unwrap();
    assert!(
        input.fleet.len() > 3_000 && input.requests.len() > 2_000,
        "{} taxis, {} requests",
        input.fleet.len(),
        input.requests.len()
    );
    input.truncate_requests(400);
    let out = run_all(TaxiWorkload::new(input, TaxiConfig::default()).unwrap());
    let served = out.iter().filter(|a| a.taxi.is_some()).count();
    assert!(served > 200, "{served} of 400 served");
    let Some(midtown) = midtown_graphml() else {
        return;
    };
    let midtown = read_graph_file(&midtown).unwrap();
    let mut input = TaxiInput::from_trips(midtown, &trips.trips, &zones, 150.0, 1, "tlc").unwrap();
    input.truncate_requests(200);
    // Only trips with both ends within 150 m of the one-square-mile graph remain.
    let n = input.requests.len();
    assert!(n > 100, "{n} Midtown requests");
    assert_eq!(
        run_all(TaxiWorkload::new(input, TaxiConfig::default()).unwrap()).len(),
        n
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("MLSIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    /// Fuzzing the state-file reader: a real taxi state file (after some requests), mutated
    /// by deletions, insertions, byte changes and truncations, is refused with an error that
    /// names the file, or, only when the mutation left the bytes as they were, read back as
    /// the state written. Never a panic, never a different state.
    #[test]
    fn mutated_state_files_are_refused_by_name_or_unchanged(
        codec_lz4 in any::<bool>(),
        edits in prop::collection::vec((0.0..1.0f64, 0usize..4, any::<u8>(), 1usize..16), 1..4),
    ) {
        use mlsim_workloads::checkpoint::{Codec, Resumable, Step, load_state, save_state};
        // The state after 30 steps, and its file with each codec: made once.
        static GOOD: std::sync::OnceLock<(Vec<u8>, [Vec<u8>; 2])> = std::sync::OnceLock::new();
        let (state, files) = GOOD.get_or_init(|| {
            let mut w = small();
            for _ in 0..30 {
                if matches!(w.step().unwrap(), Step::Done) {
                    break;
                }
            }
            let d = tempfile::tempdir().unwrap();
            let file = |codec| {
                let p = d.path().join("s.ckpt");
                save_state(TaxiWorkload::APP, w.state(), &p, codec).unwrap();
                std::fs::read(&p).unwrap()
            };
            (
                postcard::to_stdvec(w.state()).unwrap(),
                [file(Codec::Stored), file(Codec::Lz4)],
            )
        });
        let good = &files[usize::from(codec_lz4)];
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("taxi.ckpt");
        let mut b = good.clone();
        for (at, kind, byte, len) in edits {
            let i = ((at * b.len() as f64) as usize).min(b.len());
            match kind {
                0 => { b.drain(i..(i + len).min(b.len())); }
                1 => { b.splice(i..i, std::iter::repeat_n(byte, len)); }
                2 => if i < b.len() { b[i] = byte },
                _ => b.truncate(i),
            }
        }
        std::fs::write(&path, &b).unwrap();
        match load_state::<TaxiWorkload>(&path) {
            Ok(s) => {
                prop_assert_eq!(&b, good, "a changed file was accepted");
                prop_assert_eq!(&postcard::to_stdvec(&s).unwrap(), state);
            }
            Err(e) => prop_assert!(e.to_string().contains("taxi.ckpt"), "{e}"),
        }
    }
}
