//! Every registered policy on a small heterogeneous cluster with fluctuating load and a mix of
//! workload classes: all requests finish, runs are reproducible, and with notices ahead C-RAN
//! never waits. Plus the install rule of mixed workloads, by hand.

use crate::common::*;
use mlsim_core::scenario::{Arrival, Eviction, LoadProcess, Notice, Scenario};
use mlsim_core::{SimDuration, SimTime};

fn cluster(policy: &str) -> Scenario {
    let mut sc = oracle(micro(), None);
    sc.seed = 42;
    sc.placement = mlsim_core::policies::by_name(policy).expect("a registered policy");
    sc.eviction = Eviction {
        notice: Notice::Ahead,
        grace: ms(500),
    };
    let base = sc.topology.bbus[1].clone();
    sc.topology.bbus = (0..6)
        .map(|b| {
            let mut x = base.clone();
            x.cores = 4;
            x.speed = [1.0, 1.0, 1.5, 0.8, 1.2, 1.0][b];
            x.extra_latency = ms(b as u64);
            x.load = if b % 2 == 0 {
                LoadProcess::Diurnal {
                    mean: 0.5,
                    amplitude: 0.3,
                    period: SimDuration::from_secs(120),
                    peak: SimDuration::from_secs(20 * b as u64),
                    noise_sd: 0.05,
                    step: SimDuration::from_secs(1),
                    peak_jitter: SimDuration::ZERO,
                }
            } else {
                LoadProcess::Markov {
                    levels: vec![0.25, 1.0],
                    mean_hold: vec![SimDuration::from_secs(20), SimDuration::from_secs(3)],
                    next: vec![vec![0.0, 1.0], vec![1.0, 0.0]],
                    initial: 0,
                }
            };
            x
        })
        .collect();
    sc.topology.workers = (1..6).collect();
    let mut a = sc.workloads[0].clone();
    a.requests = 20;
    a.arrival = Arrival::Poisson { rate_per_s: 1.0 };
    let mut b = a.clone();
    b.app.name = "toy2".into();
    b.items = 2;
    sc.workloads = vec![a, b];
    sc.horizon = SimTime::ZERO + SimDuration::from_secs(3600);
    sc
}

#[test]
fn every_policy_finishes_a_mixed_workload_reproducibly_without_c_ran_waits() {
    for name in mlsim_core::policies::NAMES {
        let r = run(&cluster(name));
        assert_eq!(r.requests.len(), 40, "{name}");
        assert!(
            r.requests.iter().all(|q| q.status == "ok"),
            "{name}: {:?}",
            r.requests.iter().find(|q| q.status != "ok")
        );
        assert_eq!(r.requests.iter().filter(|q| q.app == "toy2").count(), 20);
        assert!(r.bbus.iter().all(|b| b.cran_wait_core_s == 0.0), "{name}");
        assert_eq!(r, run(&cluster(name)), "{name} is not reproducible");
    }
    // The loads do evict something (else this test would prove little).
    let r = run(&cluster("round_robin"));
    assert!(r.requests.iter().map(|q| q.evictions).sum::<u32>() > 0);
}

/// Two classes of one request each, submitted together at t = 0 to the single worker of the
/// oracle scenario. Same app: one install serves both (one cold start in all). Different apps:
/// each needs its own λ(f) (two cold starts).
#[test]
fn classes_of_one_app_share_an_install_and_other_apps_install_their_own() {
    let mut sc = oracle(micro(), Some(ms(100_000)));
    let w = sc.workloads[0].clone();
    sc.workloads = vec![w.clone(), w.clone()];
    let r = run(&sc);
    assert_eq!(r.requests.len(), 2);
    assert_eq!(r.requests.iter().map(|q| q.cold_starts).sum::<u32>(), 1);
    let mut other = w;
    other.app.name = "other".into();
    sc.workloads[1] = other;
    let r = run(&sc);
    assert_eq!(r.requests.iter().map(|q| q.cold_starts).sum::<u32>(), 2);
    assert!(r.requests.iter().all(|q| q.status == "ok"));
}

/// The policies that search an index of the workers (forecast-aware, least-loaded, nearest,
/// transfer-aware)
/// choose, at every placement, what a scan of all workers by their rule as written chooses:
/// debug builds of the model compare the two at each decision (`Placement::scan`) and check
/// the index against every worker's state. Here on 30 workers with queues (more arrivals than
/// cores), so ties of spare capacity, negative spare and warm/cold ties all occur.
#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "relies on the debug build's per-decision check; run it without --release"
)]
fn indexed_placement_equals_the_scan_decision_by_decision() {
    for name in [
        "forecast_aware",
        "least_loaded",
        "nearest",
        "transfer_aware",
    ] {
        let mut sc = cluster(name);
        let base = sc.topology.bbus[1].clone();
        let more: Vec<_> = (0..25)
            .map(|i| {
                let mut x = sc.topology.bbus[1 + i % 5].clone();
                x.cores = 2 + (i % 3) as u32;
                x.speed = base.speed;
                x
            })
            .collect();
        sc.topology.bbus.extend(more);
        sc.topology.workers = (1..31).collect();
        for w in &mut sc.workloads {
            w.requests = 150;
            w.arrival = mlsim_core::scenario::Arrival::Poisson { rate_per_s: 20.0 };
        }
        let r = run(&sc);
        assert_eq!(r.requests.len(), 300, "{name}");
        // Queues formed, so the walk met negative spare.
        assert!(
            r.invocations
                .iter()
                .any(|i| !i.cold_start && i.start_ns > i.invoked_ns),
            "{name}: nothing queued; the test would prove little"
        );
    }
}
