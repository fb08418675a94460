//! Hand-derived oracles for an app's set-up time (`AppModel::setup`): the scenario of
//! `common::oracle` with a constant 300 ms set-up. Every invocation that starts the program
//! (fresh, or as a μλ resume) pays it; a CRIU restore does not. All times in ns; the derivations
//! start from the ones without set-up in `oracle.rs`.

use crate::common::*;
use mlsim_core::SimDuration;
use mlsim_core::scenario::{Method, Scenario, TimeDist};

fn with_setup(mut sc: Scenario) -> Scenario {
    sc.workloads[0].app.setup = Some(TimeDist::Constant(ms(300)));
    sc
}

/// Long-running: the one invocation starts at 515 210 150 as before and computes 0.3 s later;
/// everything after shifts by 0.3 s: 4 526 364 300 + 300 000 000.
#[test]
fn long_running_pays_the_setup_once() {
    let r = run(&with_setup(oracle(Method::long_running(), None)));
    let q = &r.requests[0];
    assert_eq!(q.status, "ok");
    assert_eq!(q.done_ns, 4_826_364_300);
    assert_eq!(r.invocations[0].start_ns, 515_210_150);
    assert_eq!(r.invocations[0].work_ns, 4_000_000_000);
}

/// μλ, r_limit 1.5 s, safe points every 0.5 s of work, tracker lead 520 ms.
/// inv 0: S0 = 515 210 150; computing from S0 + 0.3 s; the signal at S0 + 0.98 s finds 0.68 s
///        done; next safe point 1.0 s (wait 0.32 s), checkpoint 10 ms: free at S0 + 1.31 s, 0.3 s
///        later than without set-up; the messages are the same, so S1 = 1 827 630 300.
/// inv 1: restore 20 ms + set-up 0.3 s; signal at S1 + 0.98 s: 1 + 0.66 s done; safe point 2.0 s
///        (wait 0.34 s) → free at S1 + 1.33 s (again +0.3 s).
/// inv 2: the same (wait 0.34 s). inv 3: finishes at S3 + 1.32 s. Four set-ups: the request
/// ends 1.2 s after the run without set-up: 4 623 324 750 + 1 200 000 000.
#[test]
fn microlambda_pays_the_setup_at_every_resume() {
    let r = run(&with_setup(oracle(
        micro(),
        Some(SimDuration::from_millis(1500)),
    )));
    let q = &r.requests[0];
    assert_eq!(q.status, "ok");
    assert_eq!(q.done_ns, 5_823_324_750);
    assert_eq!((q.invocations, q.checkpoints), (4, 3));
    assert_eq!(
        r.checkpoints
            .iter()
            .map(|c| c.safepoint_wait_ns)
            .collect::<Vec<_>>(),
        vec![320_000_000, 340_000_000, 340_000_000]
    );
    assert_eq!(
        r.invocations.iter().map(|i| i.start_ns).collect::<Vec<_>>(),
        vec![515_210_150, 1_827_630_300, 3_159_950_450, 4_492_170_600]
    );
}

/// CRIU, r_limit 1.5 s, signal 1.29 s after the start. inv 0 pays the set-up: it dumps with
/// 0.99 s of work done (no whole item yet), done at S0 + 1.49 s as before. Its step 4 carries
/// all 4 items' input (1000 B more than in `oracle.rs`: 100 µs on the 80 Mbit/s wire), so
/// S1 = 2 531 918 300; the later step-4 messages are as in `oracle.rs`. The restored
/// invocations skip the set-up: inv 1 reaches 0.99 + 1.19 = 2.18 s (2 items, as before), inv 2
/// 3.37 s, inv 3 needs 0.63 s after its 0.1 s restore: S3 + 0.73 s = 7 294 834 600; steps 5–7
/// → 7 305 988 750: one set-up and 100 µs later than without set-up.
#[test]
fn criu_pays_the_setup_only_on_the_fresh_start() {
    let r = run(&with_setup(oracle(
        criu(),
        Some(SimDuration::from_millis(1500)),
    )));
    let q = &r.requests[0];
    assert_eq!(q.status, "ok");
    assert_eq!(q.done_ns, 7_305_988_750);
    assert_eq!(q.bytes, 15_745_570 + 1000);
    assert_eq!((q.invocations, q.checkpoints), (4, 3));
    assert_eq!(
        r.checkpoints
            .iter()
            .map(|c| c.items_done)
            .collect::<Vec<_>>(),
        vec![0, 2, 3]
    );
}

/// A set-up longer than r_limit: μλ never reaches a safe point, every invocation is lost and
/// the request fails after `max_idle_invocations`. CRIU can dump during the set-up: with a
/// 1.4 s set-up and r_limit 1.5 s the tracker fires at 1.29 s, the image holds the last
/// 0.11 s of set-up, which the restored process finishes before computing; the request ends.
#[test]
fn a_setup_longer_than_r_limit_fails_microlambda_but_not_criu() {
    let mut m = oracle(micro(), Some(SimDuration::from_millis(250)));
    m.workloads[0].app.setup = Some(TimeDist::Constant(ms(300)));
    let r = run(&m);
    assert!(
        r.requests[0].status.starts_with("failed: no progress"),
        "{}",
        r.requests[0].status
    );
    assert_eq!(r.requests[0].checkpoints, 0);
    let mut c = oracle(criu(), Some(SimDuration::from_millis(1500)));
    c.workloads[0].app.setup = Some(TimeDist::Constant(SimDuration::from_millis(1400)));
    let r = run(&c);
    assert_eq!(r.requests[0].status, "ok");
    assert_eq!(r.invocations[1].restore_ns, 100_000_000);
    // inv 1 starts computing after its restore and the 0.11 s of set-up left in the image.
    assert_eq!(r.checkpoints[0].items_done, 0);
    assert_eq!(r.checkpoints[1].items_done, 1);
}

/// `setup_rss`: a whole-process dump taken during the set-up captures the set-up's resident
/// memory, not the program's after it. The CRIU case above with 2 MiB during the set-up: the
/// dump at 1.29 s (set-up 1.4 s) holds 2 MiB (checkpoint 100 ms + 2 × 10 ms = 120 ms, image
/// 0.25 × 2 MiB), its restore takes 50 + 2 × 5 = 60 ms; the next dump, after the set-up, holds
/// the 10 MiB of `rss` again (200 ms). μλ never dumps during the set-up, so it is unaffected.
#[test]
fn a_dump_during_the_setup_captures_the_setup_rss() {
    let mut c = oracle(criu(), Some(SimDuration::from_millis(1500)));
    c.workloads[0].app.setup = Some(TimeDist::Constant(SimDuration::from_millis(1400)));
    c.workloads[0].app.setup_rss = Some(2 << 20);
    let r = run(&c);
    assert_eq!(r.requests[0].status, "ok");
    let k = &r.checkpoints;
    assert_eq!(
        (k[0].raw_bytes, k[0].size_bytes, k[0].time_ns),
        (2 << 20, 1 << 19, 120_000_000)
    );
    assert_eq!(r.invocations[1].restore_ns, 60_000_000);
    assert_eq!((k[1].raw_bytes, k[1].time_ns), (10 << 20, 200_000_000));
    // μλ resumes start the program again and checkpoint only after its set-up.
    let mut m = with_setup(oracle(micro(), Some(SimDuration::from_millis(1500))));
    let plain = run(&m);
    m.workloads[0].app.setup_rss = Some(2 << 20);
    let with = run(&m);
    assert_eq!(plain.requests, with.requests);
    assert_eq!(plain.checkpoints, with.checkpoints);
}
