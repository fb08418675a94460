//! The request plan of a run: every `[[workload]]` class with its app, items, requests and
//! arrivals, as the simulator submits them.
//!
//! The simulator's rules (`sim`'s `submit`), which the clients agent follows:
//! - each class submits its first request at time zero, classes in spec order;
//! - a sequential class submits its next request when its previous one is answered (one
//!   request of the class outstanding at a time, whatever the UEs);
//! - a Poisson class submits its next request an exponential gap (rate `rate_per_s`) after the
//!   previous one, the gaps drawn from the run's stream `arrivals` (class 0) or `arrivals/<c>`
//!   (class c > 0), each rounded to whole nanoseconds as the simulator's clock does;
//! - requests are numbered 0, 1, … in submission order over all classes, and request `r` leaves
//!   from UE `r mod ues`.
//!
//! When every class is Poisson, the numbering is fixed in advance ([`poisson_order`]); with a
//! sequential class it depends on when requests are answered, in the emulation as in the
//! simulator, and the clients agent numbers requests as it submits them.

use mlsim_core::scenario::{Arrival, Scenario};
use mlsim_core::{RngStreams, SimDuration};
use rand_distr::Distribution;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One workload class as the clients submit it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassPlan {
    /// Class index (the spec's `[[workload]]` order).
    pub class: u32,
    /// Application (`taxi`, `stress`, `face`).
    pub app: String,
    /// Items per request.
    pub items: u32,
    /// Requests of the class.
    pub requests: u32,
    /// Input payload per request \[bytes\]: the app model's input size (`input_bytes_per_item ·
    /// items + first_item_extra_bytes`), the bytes a real UE uploads.
    pub input_bytes: u64,
    /// When its requests are submitted.
    pub arrivals: Arrivals,
}

/// When a class's requests are submitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrivals {
    /// The next when the previous one is answered.
    Sequential,
    /// At these times [ns since the clients' start], one per request, the first at 0.
    Poisson {
        /// Submission times \[ns\].
        at_ns: Vec<u64>,
    },
}

/// The name of class `class`'s arrival stream (the simulator's).
pub fn arrival_stream(class: usize) -> String {
    match class {
        0 => "arrivals".into(),
        c => format!("arrivals/{c}"),
    }
}

/// Submission times of `n` Poisson requests of class `class` at `rate_per_s` \[ns\]: 0, then
/// the simulator's gaps from the class's arrival stream of the run seeded `seed`.
pub fn poisson_times(seed: u64, class: usize, rate_per_s: f64, n: u32) -> Vec<u64> {
    let mut rng = RngStreams::new(seed).stream(&arrival_stream(class));
    let exp = rand_distr::Exp::new(rate_per_s).ok();
    let mut t = 0u64;
    let mut out = Vec::with_capacity(n as usize);
    for k in 0..n {
        if k > 0 {
            let gap = exp.as_ref().map_or(f64::INFINITY, |e| e.sample(&mut rng));
            t = t.saturating_add(SimDuration::from_secs_f64(gap).as_nanos());
        }
        out.push(t);
    }
    out
}

/// The classes of a scenario, in spec order.
pub fn classes(sc: &Scenario) -> Vec<ClassPlan> {
    sc.workloads
        .iter()
        .enumerate()
        .map(|(c, w)| ClassPlan {
            class: c as u32,
            app: w.app.name.clone(),
            items: w.items,
            requests: w.requests,
            input_bytes: w.app.input_bytes_per_item * u64::from(w.items)
                + w.app.first_item_extra_bytes,
            arrivals: match w.arrival {
                Arrival::Sequential => Arrivals::Sequential,
                Arrival::Poisson { rate_per_s } => Arrivals::Poisson {
                    at_ns: poisson_times(sc.seed, c, rate_per_s, w.requests),
                },
            },
        })
        .collect()
}

/// Requests of all classes.
pub fn total_requests(classes: &[ClassPlan]) -> u32 {
    classes.iter().map(|c| c.requests).sum()
}

/// The UE request `req` leaves from (the simulator's `r mod ues`).
pub fn ue_of(req: u32, ues: u32) -> u32 {
    req % ues.max(1)
}

/// When every class is Poisson: (class, submission time \[ns\]) of request 0, 1, …, the order
/// of the simulator's event queue (time, then the order the submissions were scheduled in:
/// at time zero the classes in spec order). `None` if a class is sequential.
pub fn poisson_order(classes: &[ClassPlan]) -> Option<Vec<(u32, u64)>> {
    let times: Vec<&Vec<u64>> = classes
        .iter()
        .map(|c| match &c.arrivals {
            Arrivals::Poisson { at_ns } => Some(at_ns),
            Arrivals::Sequential => None,
        })
        .collect::<Option<_>>()?;
    // (time, scheduling sequence, class, request within the class)
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    for (c, t) in times.iter().enumerate() {
        if let Some(&at) = t.first() {
            queue.push(Reverse((at, seq, c, 0usize)));
            seq += 1;
        }
    }
    let mut out = Vec::new();
    while let Some(Reverse((at, _, c, k))) = queue.pop() {
        out.push((c as u32, at));
        if let Some(&next) = times[c].get(k + 1) {
            queue.push(Reverse((next, seq, c, k + 1)));
            seq += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(c: u32, arrivals: Arrivals) -> ClassPlan {
        let requests = match &arrivals {
            Arrivals::Poisson { at_ns } => at_ns.len() as u32,
            Arrivals::Sequential => 2,
        };
        ClassPlan {
            class: c,
            app: "taxi".into(),
            items: 1,
            requests,
            input_bytes: 0,
            arrivals,
        }
    }

    #[test]
    fn poisson_classes_interleave_by_time_and_tie_in_class_order() {
        // Class 0 at 0, 5, 9 ns; class 1 at 0, 5, 7 ns. Time 0: both scheduled at the start,
        // class 0 first. Time 5: class 0's second was scheduled (when its first ran, seq 2)
        // before class 1's second (seq 3), so class 0 first. Then 7 (class 1), 9 (class 0).
        let cs = [
            class(
                0,
                Arrivals::Poisson {
                    at_ns: vec![0, 5, 9],
                },
            ),
            class(
                1,
                Arrivals::Poisson {
                    at_ns: vec![0, 5, 7],
                },
            ),
        ];
        assert_eq!(
            poisson_order(&cs),
            Some(vec![(0, 0), (1, 0), (0, 5), (1, 5), (1, 7), (0, 9)])
        );
        let with_sequential = [cs[0].clone(), class(1, Arrivals::Sequential)];
        assert_eq!(poisson_order(&with_sequential), None);
    }

    #[test]
    fn poisson_times_start_at_zero_and_depend_on_the_class_stream_only() {
        let a = poisson_times(7, 1, 2.0, 4);
        assert_eq!(a.len(), 4);
        assert_eq!(a[0], 0);
        assert!(a.windows(2).all(|w| w[0] <= w[1]), "{a:?}");
        // Same seed and class: the same times; another class: other times; a prefix of a
        // longer plan is the shorter plan.
        assert_eq!(a, poisson_times(7, 1, 2.0, 4));
        assert_ne!(a, poisson_times(7, 2, 2.0, 4));
        assert_eq!(&poisson_times(7, 1, 2.0, 6)[..4], &a[..]);
        assert_eq!(arrival_stream(0), "arrivals");
        assert_eq!(arrival_stream(3), "arrivals/3");
    }

    #[test]
    fn requests_leave_round_robin_over_the_ues() {
        assert_eq!(
            (0..5).map(|r| ue_of(r, 2)).collect::<Vec<_>>(),
            [0, 1, 0, 1, 0]
        );
        assert_eq!(ue_of(3, 0), 0);
    }
}
