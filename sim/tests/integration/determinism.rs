//! The same scenario and seed give identical records; another seed gives other draws.

use crate::common::*;
use mlsim_core::SimDuration;
use mlsim_core::scenario::TimeDist;

fn noisy(seed: u64) -> mlsim_core::scenario::Scenario {
    let mut sc = oracle(criu(), Some(SimDuration::from_millis(1500)));
    sc.seed = seed;
    sc.workloads[0].app.item_time = TimeDist::LogNormal {
        mean: SimDuration::from_secs(1),
        cv: 0.5,
    };
    sc.workloads[0].app.size_cv = 0.2;
    sc.workloads[0].requests = 5;
    sc
}

#[test]
fn same_seed_same_records_other_seed_other_records() {
    let a = run(&noisy(9));
    let b = run(&noisy(9));
    let c = run(&noisy(10));
    assert_eq!(a, b);
    assert_eq!(a.requests.len(), 5);
    assert_ne!(a.requests, c.requests);
}
