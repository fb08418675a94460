//! C-RAN load from a trace: cores C-RAN needs are never given to offloaded work, and core time
//! C-RAN wanted while offloaded work held it is measured.

use crate::common::*;
use mlsim_core::scenario::{LoadProcess, Method};
use mlsim_core::{SimDuration, SimTime};

fn secs(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

/// The worker's only core belongs to C-RAN (load 1.0) until t = 20 s, then is free (load 0).
/// The long-running invocation of the oracle scenario would start at 515 210 150 ns; it waits
/// for the core until exactly 20 s, then computes 4 s: it finishes at 24 s, and steps 5–7 add
/// 1 014 000 + 150 + 10 140 000 ns (see `oracle::long_running_exact`) → 24 011 154 150 ns.
#[test]
fn an_invocation_waits_until_c_ran_frees_a_core() {
    let mut sc = oracle(Method::long_running(), None);
    sc.topology.bbus[1].load = LoadProcess::Trace(vec![(SimTime::ZERO, 1.0), (secs(20), 0.0)]);
    let r = run(&sc);
    assert_eq!(r.invocations[0].start_ns, 20_000_000_000);
    assert_eq!(r.requests[0].done_ns, 24_011_154_150);
    let b = &r.bbus[1];
    assert_eq!(b.cran_wait_core_s, 0.0);
    // C-RAN held the core for 20 s, offloaded work for 4 s; the run ended at 24.011 s.
    assert!(
        (b.cran_core_s - 20.0).abs() < 1e-9 && (b.offload_core_s - 4.0).abs() < 1e-9,
        "{b:?}"
    );
}

/// Load rises to 1.0 at t = 2 s while the invocation (started at 0.515 s, running to 4.515 s)
/// holds the only core. Without eviction (fixed r_limit, as in the paper), C-RAN waits for the
/// core from 2 s until the invocation ends: 2.515 210 15 core-seconds, which `bbus.csv` reports.
#[test]
fn c_ran_waiting_for_a_core_is_measured() {
    let mut sc = oracle(Method::long_running(), None);
    sc.topology.bbus[1].load =
        LoadProcess::Trace(vec![(SimTime::ZERO, 0.0), (secs(2), 1.0), (secs(30), 0.0)]);
    let r = run(&sc);
    assert_eq!(r.invocations[0].end_ns, 4_515_210_150);
    let wait = r.bbus[1].cran_wait_core_s;
    assert!((wait - 2.515_210_15).abs() < 1e-9, "{wait}");
    // C-RAN uses the core only once the invocation has left: from 4.515 210 15 s to the end of
    // the run; used + waited = what it wanted, from 2 s on.
    let b = &r.bbus[1];
    assert!(
        (b.cran_core_s - (b.horizon_s - 4.515_210_15)).abs() < 1e-9,
        "{b:?}"
    );
    assert_eq!(b.cran_waits, 1);
}
