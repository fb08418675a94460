//! Load-driven eviction worked out by hand on the oracle scenario (see `common::oracle`): one
//! worker (BBU 1) with one core, 4 items of 1 s, safe points every 0.5 s of work, μλ checkpoint
//! 10 ms and restore 20 ms, state 1000 B compressed to 500 B, CRIU checkpoint 200 ms.
//!
//! The first invocation starts at s₁ = 0.515 210 150 s (cold start, as in
//! `oracle::long_running_exact`) and computes from there (no state to restore).

use crate::common::*;
use mlsim_core::record::Outcome;
use mlsim_core::scenario::{Eviction, LoadProcess, Method, Notice};
use mlsim_core::{SimDuration, SimTime};

fn at_ms(ms: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(ms)
}

/// C-RAN takes BBU 1's only core during [1.6 s, 3 s) and [4.5 s, 6 s); notices come 300 ms
/// ahead (at 1.3 s and 4.2 s).
fn two_rises(method: Method, notice: Notice) -> mlsim_core::scenario::Scenario {
    let mut sc = oracle(method, None);
    sc.eviction = Eviction {
        notice,
        grace: ms(300),
    };
    sc.topology.bbus[1].load = LoadProcess::Trace(vec![
        (SimTime::ZERO, 0.0),
        (at_ms(1600), 1.0),
        (at_ms(3000), 0.0),
        (at_ms(4500), 1.0),
        (at_ms(6000), 0.0),
    ]);
    sc
}

/// μλ, notice ahead, grace 300 ms.
///
/// Eviction 1, notice at 1.3 s, deadline 1.6 s: progress 1.3 − 0.51521015 = 0.78478985 s; the
/// next safe point is 1.0 s, reached at 1.51521015 s; the checkpoint ends 10 ms later at
/// 1.52521015 s ≤ 1.6 s: KEPT (1 s of work saved). The continuation arrives while C-RAN's rise
/// is announced (no core offered) and starts when the core comes back at 3 s; restore 20 ms,
/// computing from 3.02 s at progress 1 s.
///
/// Eviction 2, notice at 4.2 s, deadline 4.5 s: progress 1 + (4.2 − 3.02) = 2.18 s; the next
/// safe point 2.5 s is reached at 4.52 s > 4.5 s: the checkpoint cannot be on the file system
/// in time: LOST. The invocation ran 4.5 − 3.0 = 1.5 s for nothing, and the task keeps exactly
/// its last checkpoint (1 s of work, 1 item). Lost work is that whole core time, its 20 ms
/// restore included (1.5 s, not 1.48 s): the definition of `lost_work_s`, which the emulation
/// measures alike (end − start of each lost invocation).
///
/// The third invocation starts at 6 s, restores (20 ms) and computes the last 3 s: done at
/// 9.02 s; steps 5–7 then take 1 014 000 + 150 + 10 140 000 ns → the client is notified at
/// 9.031 154 150 s.
#[test]
fn the_checkpoint_that_fits_keeps_its_work_the_one_that_does_not_loses_what_followed() {
    let r = run(&two_rises(micro(), Notice::Ahead));
    let inv = &r.invocations;
    assert_eq!(inv.len(), 3, "{inv:#?}");
    assert_eq!(inv[0].start_ns, 515_210_150);
    assert_eq!(
        (inv[0].end_ns, inv[0].outcome, inv[0].evicted),
        (1_525_210_150, Outcome::Checkpointed, true)
    );
    assert_eq!(inv[0].work_ns, 1_000_000_000);
    assert_eq!(
        (
            inv[1].start_ns,
            inv[1].end_ns,
            inv[1].outcome,
            inv[1].evicted
        ),
        (3_000_000_000, 4_500_000_000, Outcome::Lost, true)
    );
    assert_eq!(
        inv[1].items_done, 1,
        "the saved progress is the first checkpoint's"
    );
    assert_eq!(
        (
            inv[2].start_ns,
            inv[2].end_ns,
            inv[2].outcome,
            inv[2].evicted
        ),
        (6_000_000_000, 9_020_000_000, Outcome::Completed, false)
    );
    let ck = &r.checkpoints;
    assert_eq!(ck.len(), 2);
    assert!(ck[0].deadline_met && !ck[1].deadline_met);
    assert_eq!(ck[0].start_ns, 1_515_210_150);
    assert_eq!(ck[1].start_ns, 4_520_000_000);
    let q = &r.requests[0];
    assert_eq!(q.done_ns, 9_031_154_150);
    assert_eq!(
        (q.evictions, q.checkpoints, q.missed_checkpoints),
        (2, 1, 1)
    );
    assert!((q.lost_work_s - 1.5).abs() < 1e-12, "{}", q.lost_work_s);
    // Announced ahead, the rises never find offloaded work on C-RAN's core.
    let b = &r.bbus[1];
    assert_eq!((b.cran_waits, b.cran_wait_core_s, b.evictions), (0, 0.0, 2));
}

/// CRIU needs 200 ms to dump 10 MiB; with 300 ms of grace it dumps at once when noticed.
/// Eviction 1: dump 1.3 → 1.5 s ≤ 1.6 s: kept, progress 1.3 − 0.51521015 = 0.78478985 s.
/// Restore takes 50 + 10 × 5 = 100 ms: the second invocation computes from 3.1 s.
/// Eviction 2: dump 4.2 → 4.4 s ≤ 4.5 s: kept, progress 0.78478985 + 1.1 = 1.88478985 s.
/// Third: starts 6 s, restores 100 ms, computes the remaining 4 − 1.88478985 = 2.11521015 s:
/// done at 8.21521015 s.
#[test]
fn criu_dumps_at_once_and_keeps_its_work_when_the_grace_is_long_enough() {
    let r = run(&two_rises(criu(), Notice::Ahead));
    let inv = &r.invocations;
    assert_eq!(inv.len(), 3, "{inv:#?}");
    assert_eq!(inv[0].end_ns, 1_500_000_000);
    assert_eq!(inv[0].work_ns, 784_789_850);
    assert_eq!(inv[1].end_ns, 4_400_000_000);
    assert_eq!(inv[1].work_ns, 1_100_000_000);
    assert_eq!(inv[2].end_ns, 8_215_210_150);
    assert_eq!(r.requests[0].lost_work_s, 0.0);
}

/// With a 150 ms grace CRIU never makes it (200 ms): each eviction loses the whole invocation.
/// Invocation 1 loses 1.6 − 0.51521015 s, invocation 2 (3 s → 4.5 s, nothing restored since
/// there is no checkpoint) loses 1.5 s; the third starts from scratch at 6 s and computes 4 s.
#[test]
fn a_grace_shorter_than_the_dump_loses_everything_since_the_start() {
    let mut sc = two_rises(criu(), Notice::Ahead);
    sc.eviction.grace = ms(150);
    let r = run(&sc);
    let inv = &r.invocations;
    assert_eq!(inv.len(), 3, "{inv:#?}");
    assert!(inv[..2].iter().all(|i| i.outcome == Outcome::Lost));
    assert_eq!(inv[2].start_ns, 6_000_000_000);
    assert_eq!(inv[2].end_ns, 10_000_000_000);
    let lost = r.requests[0].lost_work_s;
    assert!((lost - (1.6 - 0.515_210_15 + 1.5)).abs() < 1e-9, "{lost}");
    assert_eq!(r.bbus[1].cran_wait_core_s, 0.0);
}

/// Notice on change: the notice comes with the rise, so C-RAN waits while the evicted
/// invocation tries to checkpoint. Eviction 1 at 1.6 s, deadline 1.9 s: progress
/// 1.08478985 s, next safe point 1.5 s reached at 2.01521015 s > 1.9 s: lost at 1.9 s, and
/// C-RAN waited for its core from 1.6 s to 1.9 s (0.3 core-seconds, one episode at least).
#[test]
fn notice_on_change_makes_c_ran_wait_for_the_grace_period() {
    let r = run(&two_rises(micro(), Notice::OnChange));
    let b = &r.bbus[1];
    assert!(b.cran_waits >= 1);
    let first = &r.invocations[0];
    assert_eq!(
        (first.end_ns, first.outcome),
        (1_900_000_000, Outcome::Lost)
    );
    assert!(b.cran_wait_core_s >= 0.3 - 1e-9, "{b:?}");
}

/// Long-running cannot checkpoint: an eviction loses everything, and it starts again.
#[test]
fn long_running_restarts_from_scratch_after_an_eviction() {
    let r = run(&two_rises(Method::long_running(), Notice::Ahead));
    let inv = &r.invocations;
    assert!(inv[0].outcome == Outcome::Lost && inv[0].end_ns == 1_600_000_000);
    // 3 s → 4.5 s is too short for 4 s of work: lost again; 6 s → 10 s completes.
    assert_eq!(
        inv.last().map(|i| (i.start_ns, i.end_ns)),
        Some((6_000_000_000, 10_000_000_000))
    );
}

/// Without eviction (the paper's fixed r_limit world) nothing is evicted and C-RAN waits.
#[test]
fn without_eviction_c_ran_waits_and_nobody_is_evicted() {
    let r = run(&two_rises(Method::long_running(), Notice::None));
    assert_eq!(r.invocations.len(), 1);
    assert!(!r.invocations[0].evicted);
    assert_eq!(r.bbus[1].evictions, 0);
    assert!(r.bbus[1].cran_wait_core_s > 0.0);
}
