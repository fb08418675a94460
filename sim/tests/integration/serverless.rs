//! The serverless study (seed 004): hand-derived oracles on a one-function trace (keep-alive
//! expiry and reuse, prewarms that hide cold starts, memory pressure), and determinism.

use crate::common::{criu, oracle};
use mlsim_core::Records;
use mlsim_core::record::InstanceEnd;
use mlsim_core::scenario::{LoadProcess, Scenario, TimeDist};
use mlsim_core::serverless::{Arrival, Function, Kpa, Policy, Serverless};
use mlsim_core::{SimDuration, SimTime};
use mlsim_sim::serverless::simulate_serverless;

const MIB: u64 = 1024 * 1024;

fn s(x: f64) -> SimDuration {
    SimDuration::from_secs_f64(x)
}
fn ns(x: f64) -> u64 {
    s(x).as_nanos()
}

/// A function of 100 MiB computing exactly 1 s per invocation, invoked at `times` [s].
fn function(name: &str, times: &[f64]) -> Function {
    Function {
        name: name.into(),
        memory_bytes: 100 * MIB,
        concurrency: 1,
        duration: TimeDist::Constant(s(1.0)),
        image_bytes: 0,
        arrival: Arrival::Times(times.iter().map(|&t| SimTime::ZERO + s(t)).collect()),
    }
}

/// The oracle topology's worker (1 core, speed 1, no C-RAN load, 1 GiB), cold starts of
/// exactly 0.5 s, no warm-start cost.
fn study(policy: Policy, functions: Vec<Function>) -> Scenario {
    let mut sc = oracle(criu(), None);
    sc.serverless = Some(Serverless {
        functions,
        policy,
        cold_start: TimeDist::Constant(s(0.5)),
        cold_start_per_mib_ns: 0.0,
        warm_start: SimDuration::ZERO,
    });
    sc
}

fn run(sc: &Scenario) -> Records {
    let mut r = Records::default();
    simulate_serverless(sc, 0, &mut r).expect("simulates");
    r
}

#[test]
fn oracle_keep_alive_expires_and_is_reused_on_a_three_invocation_trace() {
    // Fixed keep-alive 10 s; invocations at 0, 5 and 20 s.
    // - 0 s: no instance → cold: instance 0 starts 0 → ready 0.5, computes 0.5 → 1.5; idle,
    //   reclaim due at 11.5.
    // - 5 s: instance 0 is idle → warm: computes 5 → 6 (the 11.5 timer is now stale); idle,
    //   reclaim due at 16.
    // - 16 s: instance 0 reclaimed (idle 3.5 + 10 = 13.5 s, busy 1 + 1 = 2 s).
    // - 20 s: cold again: instance 1 starts 20 → 20.5, computes → 21.5; the run ends there.
    let r = run(&study(
        Policy::Fixed {
            keep_alive: s(10.0),
        },
        vec![function("f", &[0.0, 5.0, 20.0])],
    ));
    let c = &r.calls;
    assert_eq!(c.len(), 3);
    assert_eq!(
        c.iter().map(|x| x.cold).collect::<Vec<_>>(),
        [true, false, true]
    );
    assert_eq!(
        c.iter().map(|x| x.start_ns).collect::<Vec<_>>(),
        [ns(0.5), ns(5.0), ns(20.5)]
    );
    assert_eq!(
        c.iter().map(|x| x.done_ns).collect::<Vec<_>>(),
        [ns(1.5), ns(6.0), ns(21.5)]
    );
    assert_eq!(
        c.iter().map(|x| x.wait_s).collect::<Vec<_>>(),
        [0.5, 0.0, 0.5]
    );
    assert_eq!(c.iter().map(|x| x.instance).collect::<Vec<_>>(), [0, 0, 1]);
    let i = &r.instances;
    assert_eq!(i.len(), 2);
    assert_eq!(
        (i[0].instance, i[0].end, i[0].end_ns),
        (0, InstanceEnd::Policy, ns(16.0))
    );
    assert_eq!(i[0].invocations, 2);
    assert!((i[0].idle_s - 13.5).abs() < 1e-9, "{}", i[0].idle_s);
    assert!((i[0].busy_s - 2.0).abs() < 1e-9, "{}", i[0].busy_s);
    assert_eq!(i[0].cold_start_s, Some(0.5));
    assert_eq!(
        (i[1].instance, i[1].end, i[1].end_ns),
        (1, InstanceEnd::RunEnd, ns(21.5))
    );
    assert_eq!(i[1].idle_s, 0.0);
    // The pool: idle 13.5 s × 100 MiB, busy 3 s × 100, starting 2 × 0.5 s × 100 [MiB·s].
    let p = &r.pools[0];
    assert!((p.idle_mib_s - 1350.0).abs() < 1e-6, "{}", p.idle_mib_s);
    assert!((p.busy_mib_s - 300.0).abs() < 1e-6, "{}", p.busy_mib_s);
    assert!(
        (p.starting_mib_s - 100.0).abs() < 1e-6,
        "{}",
        p.starting_mib_s
    );
    assert_eq!((p.cold_starts, p.prewarms, p.invocations), (2, 0, 3));
    assert_eq!(p.horizon_s, 21.5);
}

#[test]
fn oracle_prewarms_hide_every_cold_start_after_the_first() {
    // The oracle on the same trace, lead = the 0.5 s cold start.
    // - 0 s: cold (nothing to prewarm from): computes 0.5 → 1.5. Idle at 1.5, next arrival at
    //   5 (3.5 s away > 0.5): reclaimed at once, prewarm at 4.5.
    // - 4.5 s: instance 1 starts, ready at 5.0 (an end comes before an arrival at one
    //   instant), so the 5 s invocation is warm: 5 → 6. Idle at 6, next at 20: reclaimed,
    //   prewarm at 19.5 → ready at 20: warm, 20 → 21.
    // No instance is ever idle: 0 MiB·s of waste; 3 cold starts of 0.5 s (150 MiB·s).
    let r = run(&study(
        Policy::Oracle,
        vec![function("f", &[0.0, 5.0, 20.0])],
    ));
    let c = &r.calls;
    assert_eq!(
        c.iter().map(|x| x.cold).collect::<Vec<_>>(),
        [true, false, false]
    );
    assert_eq!(
        c.iter().map(|x| x.wait_s).collect::<Vec<_>>(),
        [0.5, 0.0, 0.0]
    );
    assert_eq!(
        c.iter().map(|x| x.done_ns).collect::<Vec<_>>(),
        [ns(1.5), ns(6.0), ns(21.0)]
    );
    let i = &r.instances;
    assert_eq!(i.len(), 3);
    assert_eq!(
        i.iter()
            .map(|x| (x.prewarmed, x.created_ns))
            .collect::<Vec<_>>(),
        [(false, 0), (true, ns(4.5)), (true, ns(19.5))]
    );
    let p = &r.pools[0];
    assert_eq!(p.idle_mib_s, 0.0);
    assert!(
        (p.starting_mib_s - 150.0).abs() < 1e-6,
        "{}",
        p.starting_mib_s
    );
    assert_eq!((p.cold_starts, p.prewarms), (3, 2));
}

#[test]
fn oracle_an_idle_instance_makes_room_under_memory_pressure() {
    // 150 MiB of memory, two functions of 100 MiB, keep-alive 100 s: f0 at 0 s (cold, idle
    // from 1.5 s); f1 at 5 s finds no room, so f0's idle instance is reclaimed (pressure) and
    // f1 starts cold: 5 → 5.5, computes → 6.5. f0 again at 7 s: f1's instance is idle and
    // goes the same way: cold 7 → 7.5 → 8.5.
    let mut sc = study(
        Policy::Fixed {
            keep_alive: s(100.0),
        },
        vec![function("f0", &[0.0, 7.0]), function("f1", &[5.0])],
    );
    sc.topology.bbus[1].memory_mib = 150;
    let r = run(&sc);
    let mut c = r.calls.clone();
    c.sort_by_key(|x| x.arrival_ns);
    assert_eq!(
        c.iter()
            .map(|x| (x.function, x.cold, x.done_ns))
            .collect::<Vec<_>>(),
        [(0, true, ns(1.5)), (1, true, ns(6.5)), (0, true, ns(8.5))]
    );
    let ends: Vec<(u64, InstanceEnd, u64)> = r
        .instances
        .iter()
        .map(|x| (x.instance, x.end, x.end_ns))
        .collect();
    assert_eq!(
        ends,
        [
            (0, InstanceEnd::Pressure, ns(5.0)),
            (1, InstanceEnd::Pressure, ns(7.0)),
            (2, InstanceEnd::RunEnd, ns(8.5)),
        ]
    );
    assert_eq!(r.pools[0].pressure_reclaims, 2);
    assert_eq!(r.pools[0].peak_mib, 100.0);
}

#[test]
fn oracle_an_invocation_waits_for_memory_held_by_a_busy_instance() {
    // 150 MiB, f0 computes 0.5 → 1.5 s; f1 arrives at 1 s and finds f0's instance busy: it
    // waits for memory until f0's instance falls idle at 1.5 s, which is then reclaimed for
    // it: f1 starts cold 1.5 → 2.0, computes → 3.0 (start delay 1 s).
    let mut sc = study(
        Policy::Fixed {
            keep_alive: s(100.0),
        },
        vec![function("f0", &[0.0]), function("f1", &[1.0])],
    );
    sc.topology.bbus[1].memory_mib = 150;
    let r = run(&sc);
    let f1 = r.calls.iter().find(|x| x.function == 1).expect("f1 served");
    assert_eq!((f1.start_ns, f1.done_ns), (ns(2.0), ns(3.0)));
    assert_eq!(f1.wait_s, 1.0);
}

#[test]
fn oracle_cran_load_holds_the_core_an_invocation_waits_for() {
    // C-RAN takes the only core until 3 s (load 1.0, then 0): the warm-less invocation at 0
    // s is ready at 0.5 s but computes only from 3 s, to 4 s.
    let mut sc = study(
        Policy::Fixed { keep_alive: s(1.0) },
        vec![function("f", &[0.0])],
    );
    sc.topology.bbus[1].load =
        LoadProcess::Trace(vec![(SimTime::ZERO, 1.0), (SimTime::ZERO + s(3.0), 0.0)]);
    let r = run(&sc);
    assert_eq!(
        (r.calls[0].start_ns, r.calls[0].done_ns),
        (ns(3.0), ns(4.0))
    );
    assert_eq!(r.calls[0].wait_s, 3.0);
}

fn poisson_study(policy: Policy) -> Scenario {
    let f = |i: u32| Function {
        name: format!("f{i}"),
        memory_bytes: 128 * MIB,
        concurrency: 2,
        duration: TimeDist::LogNormal {
            mean: s(0.8),
            cv: 1.3,
        },
        image_bytes: 50 * MIB,
        arrival: Arrival::Poisson {
            rate_per_s: 0.2 + 0.1 * f64::from(i),
            count: 300,
        },
    };
    let mut sc = study(policy, (0..4).map(f).collect());
    sc.topology.bbus[1].cores = 2;
    sc.serverless.as_mut().unwrap().cold_start = TimeDist::LogNormal {
        mean: s(0.5),
        cv: 0.3,
    };
    sc
}

#[test]
fn the_same_seed_gives_the_same_records_for_every_policy() {
    for p in [
        Policy::Serverful { instances: 1 },
        Policy::Fixed {
            keep_alive: s(30.0),
        },
        Policy::Kpa(Kpa::default()),
        Policy::Histogram(Default::default()),
        Policy::HotC(Default::default()),
        Policy::Oracle,
    ] {
        let sc = poisson_study(p.clone());
        let a = run(&sc);
        let b = run(&sc);
        assert_eq!(a, b, "{}", p.name());
        assert_eq!(a.calls.len(), 1200, "{}: every invocation served", p.name());
        // Images are pulled once per BBU, by the first cold start of each function.
        assert_eq!(a.pools[0].pulls, 4, "{}", p.name());
        let mut c = sc.clone();
        c.seed = 2;
        assert_ne!(run(&c).calls, a.calls, "{}: another seed differs", p.name());
    }
}

#[test]
fn policies_see_the_same_arrivals_and_durations() {
    // Common random numbers: arrivals and compute come from per-function streams that no
    // policy decision touches, so every policy sees the same invocations.
    let key = |r: &Records| {
        let mut v: Vec<(u32, u64, u64)> = r
            .calls
            .iter()
            .map(|c| (c.function, c.arrival_ns, c.done_ns - c.start_ns))
            .collect();
        v.sort_unstable();
        v
    };
    let a = key(&run(&poisson_study(Policy::Oracle)));
    let b = key(&run(&poisson_study(Policy::Fixed { keep_alive: s(0.0) })));
    // Arrivals are the same; compute times are the same draws in the same order per
    // function (warm vs cold changes no draw).
    assert_eq!(
        a.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(),
        b.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>()
    );
}
