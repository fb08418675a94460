//! Hand-derived oracles: the exact execution time and bytes of one request in the scenario of
//! `common::oracle`, for long-running, μλ and CRIU. All times in ns.

use crate::common::*;
use mlsim_core::SimDuration;
use mlsim_core::record::Outcome;

/// Long-running.
/// step 1  UE→ctrl 100+4×1000 = 4100 B radio: 4 100 000 + 10 000 000          → 14 100 000
/// step 2  ctrl→ctrl 150 B local: 150                                          → 14 100 150
/// step 3  ctrl→w 1100 B wired: 110 000 + 1 000 000                            → 15 210 150
///         install done 500 ms later                                           → 515 210 150
/// step 4  ctrl→w 4100 B, queued behind step 3 on the wire (free at 14 210 150):
///         410 000 + 1 000 000 → arrives 15 620 150, waits for the install; start 515 210 150
/// compute 4 s                                                                 → 4 515 210 150
/// step 5  w→ctrl 100+40 = 140 B wired: 14 000 + 1 000 000                     → 4 516 224 150
/// step 6  150 B local                                                         → 4 516 224 300
/// step 7  ctrl→UE 140 B radio: 140 000 + 10 000 000                           → 4 526 364 300
/// bytes: 4100 + 150 + 1100 + 4100 + 140 + 150 + 140 = 9880.
#[test]
fn long_running_exact() {
    let r = run(&oracle(mlsim_core::scenario::Method::long_running(), None));
    let q = &r.requests[0];
    assert_eq!(q.status, "ok");
    assert_eq!(q.done_ns, 4_526_364_300);
    assert_eq!(q.bytes, 9880);
    assert_eq!((q.invocations, q.checkpoints, q.cold_starts), (1, 0, 1));
    assert_eq!(r.steps.iter().map(|s| s.bytes).sum::<u64>(), 9880);
    assert_eq!(r.invocations[0].start_ns, 515_210_150);
    assert_eq!(r.invocations[0].outcome, Outcome::Completed);
}

/// μλ, r_limit 1.5 s. Tracker lead = margin 10 ms + checkpoint 10 ms + mean segment 500 ms =
/// 520 ms: it signals 980 ms after the invocation starts.
/// inv 0: S0 = 515 210 150 (as long-running). Signal at 0.98 s of work; next safe point 1.0 s:
///        wait 20 ms, checkpoint 10 ms, core free at S0 + 1.01 s = 1 525 210 150 (1 item done).
///        step 5: 100+500 B wired 1 060 000; step 6: 150; step 4: 100+3000+500 = 3600 B wired
///        1 360 000 → S1 = 1 527 630 300.
/// inv 1: restore 20 ms; signal at S1+0.98 s, work 1 + 0.96 = 1.96 s, safe point 2.0 s: wait
///        40 ms, + 10 ms → S1 + 1.03 s = 2 557 630 300; step 4 now 2600 B (1 260 000)
///        → S2 = 2 559 950 450.
/// inv 2: same → 3 589 950 450; step 4 1600 B (1 160 000) → S3 = 3 592 170 600.
/// inv 3: 1 s left; finish S3 + 1.02 s; the signal (S3+0.98 s) finds the next safe point at the
///        end: it finishes at 4 612 170 600. step 5 140 B 1 014 000, step 6 150, step 7 140 B
///        radio 10 140 000 → 4 623 324 750.
/// bytes: 9450 (steps 1–4 of inv 0) + 3×(600+150) + 3600+2600+1600 + 430 = 19 930.
#[test]
fn microlambda_exact() {
    let r = run(&oracle(micro(), Some(SimDuration::from_millis(1500))));
    let q = &r.requests[0];
    assert_eq!(q.status, "ok");
    assert_eq!(q.done_ns, 4_623_324_750);
    assert_eq!(q.bytes, 19_930);
    assert_eq!(
        (q.invocations, q.checkpoints, q.missed_checkpoints),
        (4, 3, 0)
    );
    let c = &r.checkpoints;
    assert_eq!(c.len(), 3);
    assert_eq!(
        c.iter().map(|c| c.safepoint_wait_ns).collect::<Vec<_>>(),
        vec![20_000_000, 40_000_000, 40_000_000]
    );
    assert!(
        c.iter()
            .all(|c| c.size_bytes == 500 && c.time_ns == 10_000_000 && c.deadline_met)
    );
    assert_eq!(
        r.invocations.iter().map(|i| i.start_ns).collect::<Vec<_>>(),
        vec![515_210_150, 1_527_630_300, 2_559_950_450, 3_592_170_600]
    );
}

/// μλ, r_limit 1.5 s, on a worker of speed 2 (the shared tracker rule at the BBU's speed).
/// Lead = margin 10 ms + checkpoint 10 ms + one segment of 500 ms of work, which takes 250 ms
/// at speed 2: 270 ms. (Budgeting the segment at speed 1, 520 ms, would signal at S0 + 0.98 s
/// and checkpoint at the safe point 2.0 s of work, S0 + 1.0 s.)
/// inv 0: S0 = 515 210 150 (the network and the install do not depend on speed). Signal at
///        S0 + 1.5 − 0.27 = S0 + 1.23 s: 2.46 s of work done; next safe point 2.5 s: wait
///        0.04 s of work = 20 ms, checkpoint at S0 + 1.25 s = 1 765 210 150 with 2 items done,
///        on the file system 10 ms later, before the deadline S0 + 1.5 s.
#[test]
fn microlambda_signals_by_the_segment_time_of_a_fast_bbu() {
    let mut sc = oracle(micro(), Some(SimDuration::from_millis(1500)));
    sc.topology.bbus[1].speed = 2.0;
    let app = &sc.workloads[0].app;
    assert_eq!(
        mlsim_sim::model::tracker_lead(&sc, app, 1, 0),
        SimDuration::from_millis(270)
    );
    let r = run(&sc);
    assert_eq!(r.requests[0].status, "ok");
    assert_eq!(r.invocations[0].start_ns, 515_210_150);
    let c = &r.checkpoints[0];
    assert_eq!(c.start_ns, 1_765_210_150);
    assert_eq!(c.safepoint_wait_ns, 20_000_000);
    assert_eq!(c.items_done, 2);
    assert!(c.deadline_met);
}

/// CRIU, r_limit 1.5 s. Lead = 10 ms + (100 ms + 10 MiB × 10 ms) = 210 ms: signal at 1.29 s.
/// The image is 10 MiB raw, 2 621 440 B compressed; restore 50 + 5×10 = 100 ms.
/// inv 0: S0 = 515 210 150, dumps at 1.29 s of work (1 item done), done S0 + 1.49 s.
///        step 5: 2 621 540 B wired = 262 154 000 + 1 000 000; step 6 150;
///        step 4: 100 + 3000 + 2 621 440 = 2 624 540 B = 263 454 000 → S1 = 2 531 818 300.
/// inv 1: work 1.29 + (1.29 − 0.1) = 2.48 s → S1 + 1.49 s; step 4 2 623 540 B (263 354 000)
///        → S2 = 4 548 326 450.
/// inv 2: work 3.67 s → S2 + 1.49 s; step 4 2 622 540 B (263 254 000) → S3 = 6 564 734 600.
/// inv 3: 0.33 s left after a 0.1 s restore: finishes at S3 + 0.43 s (before the signal)
///        = 6 994 734 600; steps 5–7 as before → 7 005 888 750.
/// bytes: 9450 + (2 621 540 + 150 + 2 624 540) + (… + 2 623 540) + (… + 2 622 540) + 430
///        = 15 745 570.
#[test]
fn criu_exact() {
    let r = run(&oracle(criu(), Some(SimDuration::from_millis(1500))));
    let q = &r.requests[0];
    assert_eq!(q.status, "ok");
    assert_eq!(q.done_ns, 7_005_888_750);
    assert_eq!(q.bytes, 15_745_570);
    assert_eq!((q.invocations, q.checkpoints), (4, 3));
    assert!(r.checkpoints.iter().all(|c| c.size_bytes == 2_621_440
        && c.time_ns == 200_000_000
        && c.safepoint_wait_ns == 0));
    assert_eq!(
        r.checkpoints
            .iter()
            .map(|c| c.items_done)
            .collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
}

/// CRIU on a BBU of speed 0.5 whose cost model says the fixed part of a dump is all CPU work
/// and its per-MiB part all I/O (`cpu_share = 1`, `per_mib_cpu_share = 0`), and the reverse for
/// a restore, r_limit 3 s. Dump of 10 MiB: 100 ms fixed + 10 × 10 ms per MiB on a reference
/// core → 100 / 0.5 + 100 = 300 ms here; the tracker budgets the same: lead = 10 + 300 = 310
/// ms. Restore: 50 ms fixed + 10 × 5 ms → 50 + 50 / 0.5 = 150 ms. With no shares (the
/// `criu_exact` model) the same BBU dumps in 200 ms and restores in 100 ms: times measured on
/// one core stay as they are unless the model says they scale.
#[test]
fn checkpoint_and_restore_times_scale_with_the_bbu_speed_by_their_cpu_share() {
    let mut method = criu();
    let mut scaled = *method.cost().expect("criu has costs");
    scaled.checkpoint_cpu_share = 1.0;
    scaled.restore_per_mib_cpu_share = 1.0;
    method = mlsim_core::scenario::Method::named("criu", scaled);
    let mut sc = oracle(method, Some(SimDuration::from_millis(3000)));
    sc.topology.bbus[1].speed = 0.5;
    let app = &sc.workloads[0].app;
    assert_eq!(
        mlsim_sim::model::tracker_lead(&sc, app, 1, 0),
        SimDuration::from_millis(310)
    );
    let r = run(&sc);
    assert_eq!(r.requests[0].status, "ok");
    assert!(!r.checkpoints.is_empty());
    assert!(
        r.checkpoints.iter().all(|c| c.time_ns == 300_000_000),
        "{:?}",
        r.checkpoints.iter().map(|c| c.time_ns).collect::<Vec<_>>()
    );
    let restored: Vec<u64> = r
        .invocations
        .iter()
        .filter(|i| i.invocation > 0)
        .map(|i| i.restore_ns)
        .collect();
    assert!(
        !restored.is_empty() && restored.iter().all(|&x| x == 150_000_000),
        "{restored:?}"
    );

    // The same BBU without shares: as measured on a reference core.
    let mut sc = oracle(criu(), Some(SimDuration::from_millis(3000)));
    sc.topology.bbus[1].speed = 0.5;
    let r = run(&sc);
    assert!(r.checkpoints.iter().all(|c| c.time_ns == 200_000_000));
    assert!(
        r.invocations
            .iter()
            .filter(|i| i.invocation > 0)
            .all(|i| i.restore_ns == 100_000_000)
    );
}

/// CRIU with r_limit 150 ms: the dump of 10 MiB takes 200 ms, longer than r_limit. The tracker
/// signals at once (lead 210 ms > 150 ms), every dump misses the deadline, and each
/// invocation's 150 ms are lost. After 3 idle invocations in a row the request fails and the
/// client is told.
#[test]
fn missed_checkpoints_lose_the_invocation_and_the_request_fails_after_three() {
    let r = run(&oracle(criu(), Some(SimDuration::from_millis(150))));
    let q = &r.requests[0];
    assert!(q.status.starts_with("failed: no progress"), "{}", q.status);
    assert_eq!(
        (q.invocations, q.checkpoints, q.missed_checkpoints),
        (3, 0, 3)
    );
    assert!((q.lost_work_s - 0.45).abs() < 1e-12);
    assert!(
        r.invocations
            .iter()
            .all(|i| i.outcome == Outcome::Lost && i.end_ns - i.start_ns == 150_000_000)
    );
    assert_eq!(r.checkpoints.len(), 3);
    assert!(
        r.checkpoints
            .iter()
            .all(|c| !c.deadline_met && c.time_ns == 200_000_000)
    );
}

/// μλ with r_limit 0.3 s and safe points only at item ends: the tracker signals as the
/// invocation starts (lead 1.02 s > r_limit), where the task stands on a safe point, so μλ
/// checkpoints at once with no progress. Three such invocations and the request fails.
#[test]
fn checkpoints_without_progress_fail_the_request() {
    let mut sc = oracle(micro(), Some(SimDuration::from_millis(300)));
    sc.workloads[0].app.segments = 1;
    let r = run(&sc);
    let q = &r.requests[0];
    assert!(q.status.starts_with("failed: no progress"), "{}", q.status);
    assert_eq!(
        (q.invocations, q.checkpoints, q.missed_checkpoints),
        (3, 3, 0)
    );
    assert!(
        r.invocations
            .iter()
            .all(|i| i.work_ns == 0 && i.items_done == 0)
    );
}

/// The shapes the paper reports, on the oracle scenario: long-running ≤ μλ ≤ CRIU, and the
/// overhead shrinks as r_limit grows.
#[test]
fn ordering_and_overhead_shrinking_with_r_limit() {
    let lr =
        run(&oracle(mlsim_core::scenario::Method::long_running(), None)).requests[0].exec_time_s;
    let mut prev_micro = f64::INFINITY;
    let mut prev_criu = f64::INFINITY;
    for limit_ms in [1500, 2500, 5000] {
        let m =
            run(&oracle(micro(), Some(SimDuration::from_millis(limit_ms)))).requests[0].exec_time_s;
        let c =
            run(&oracle(criu(), Some(SimDuration::from_millis(limit_ms)))).requests[0].exec_time_s;
        assert!(lr <= m && m <= c, "r_limit {limit_ms}: {lr} {m} {c}");
        assert!(m <= prev_micro && c <= prev_criu);
        prev_micro = m;
        prev_criu = c;
    }
}
