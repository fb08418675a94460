//! A long run says how far it has got on the progress board (what `mlsim run`'s bar shows),
//! and saying so changes nothing in its records.

use crate::common::*;
use mlsim_core::progress;

#[test]
fn a_long_run_reports_its_progress_and_its_records_do_not_change() {
    let mut sc = oracle(mlsim_core::scenario::Method::long_running(), None);
    // Enough sequential requests for well over 2^16 events (several events per request).
    sc.workloads[0].requests = 20_000;
    let alone = run(&sc);
    // Run number far from any other test's (the board is process-wide).
    let on = progress::enter(3_000_000_007);
    let watched = run(&sc);
    let mine: Vec<_> = progress::in_flight()
        .into_iter()
        .filter(|f| f.run == 3_000_000_007)
        .collect();
    drop(on);
    assert_eq!(alone, watched, "reporting progress changed the records");
    assert_eq!(mine.len(), 1);
    // The last report came at a multiple of 2^16 events, before the end: some of the work,
    // not none and not all of it (no horizon here, so the fraction is requests finished).
    let done = mine[0].done;
    assert!(done > 0.0 && done < 1.0, "fraction reported: {done}");
    assert_eq!(mine[0].horizon_ns, u64::MAX);
    assert!(mine[0].now_ns > 0);
}
