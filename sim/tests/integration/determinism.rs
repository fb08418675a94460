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

/// Long-running requests of `classes` (each a clone of the toy app with item times drawn
/// log-normal, named by `names`), 3 sequential requests each.
fn mix(names: &[&str]) -> mlsim_core::scenario::Scenario {
    let mut sc = oracle(mlsim_core::scenario::Method::long_running(), None);
    sc.seed = 4;
    let mut w = sc.workloads[0].clone();
    w.app.item_time = TimeDist::LogNormal {
        mean: SimDuration::from_secs(1),
        cv: 0.5,
    };
    w.requests = 3;
    sc.workloads = names
        .iter()
        .map(|n| {
            let mut c = w.clone();
            c.app.name = (*n).into();
            c
        })
        .collect();
    sc
}

/// Each class's requests (in submission order) with the total work its one invocation did
/// [ns of work]: the sum of the request's item times, whatever else shares the workers.
fn work_by_class(r: &mlsim_core::Records, app: &str) -> Vec<u64> {
    r.requests
        .iter()
        .filter(|q| q.app == app)
        .map(|q| {
            r.invocations
                .iter()
                .filter(|i| i.request == q.request)
                .map(|i| i.work_ns)
                .sum()
        })
        .collect()
}

/// Common random numbers per class: a class's item times depend only on the run seed, the
/// class and the request's index within the class, so adding a class leaves the others' item
/// times unchanged. (Keyed by the global request index, as before, class a's requests in the
/// mix would be requests 0, 2, 4 instead of 0, 1, 2 and draw other item times.)
#[test]
fn adding_a_class_leaves_the_other_classes_item_times_unchanged() {
    let alone = run(&mix(&["a"]));
    let with_b = run(&mix(&["a", "b"]));
    let with_bc = run(&mix(&["a", "b", "c"]));
    let a = work_by_class(&alone, "a");
    assert_eq!(a.len(), 3);
    // Log-normal draws: the three requests differ.
    assert!(a[0] != a[1] && a[1] != a[2], "{a:?}");
    assert_eq!(work_by_class(&with_b, "a"), a);
    assert_eq!(work_by_class(&with_bc, "a"), a);
    let b = work_by_class(&with_b, "b");
    assert_eq!(work_by_class(&with_bc, "b"), b);
    // Class b draws from its own streams, not from class a's.
    assert_ne!(b, a);
    assert_ne!(work_by_class(&with_bc, "c"), b);
}
