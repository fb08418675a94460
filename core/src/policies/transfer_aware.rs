//! Transfer-aware: weighs what moving costs against what it gains. For each worker it estimates
//! the time until the task is done there,
//!
//! ```text
//! transfer = latency + payload · 8 / bandwidth        (input left + saved state to the worker)
//! run      = remaining work / speed
//! wait     = max(0, queued + 1 − free) · run / max(1, cores − C-RAN cores)
//! cost     = transfer + wait + run
//! ```
//!
//! and picks the cheapest. `wait` is a queueing guess: each invocation ahead of it (beyond the
//! free cores) is assumed to be as long as this one and to share the cores offloaded work may
//! use. A large CRIU image makes a distant or slow worker expensive, so the task stays near the
//! store unless a faster or emptier worker saves more than the transfer costs; a small μλ state
//! moves freely. Ties go to a warm worker (no cold start), then to where the task ran last, then
//! to the lowest BBU index.

use crate::id::BbuId;
use crate::policy::{Placement, PlacementView, WorkerView};
use crate::rng::Stream;

/// Picks the worker with the lowest estimated transfer + wait + run time.
#[derive(Clone, Debug, Default)]
pub struct TransferAware;

/// Estimated time until the task is done on `w` \[ns\].
pub fn cost_ns(w: &WorkerView, view: &PlacementView<'_>) -> f64 {
    let transfer =
        w.latency_ns as f64 + view.payload_bytes as f64 * 8.0 / w.bandwidth_bps.max(1.0) * 1e9;
    let run = view.remaining_work_ns as f64 / w.speed.max(1e-9);
    let usable = w
        .cores
        .saturating_sub(w.cran_cores.max(w.announced_cran_cores))
        .max(1);
    let backlog = (i64::from(w.queued) + 1 - i64::from(w.free_cores)).max(0) as f64;
    transfer + backlog * run / usable as f64 + run
}

/// The ordering key of the rule (smaller is better): cost, then a warm worker, then the task's
/// previous worker, then the lowest BBU index.
type Key = (f64, bool, bool, BbuId);

/// The key of worker `w` for this placement.
fn key(w: &WorkerView, view: &PlacementView<'_>) -> Key {
    (
        cost_ns(w, view),
        !w.warm,
        view.previous != Some(w.bbu),
        w.bbu,
    )
}

fn better(a: &Key, b: &Key) -> bool {
    a.partial_cmp(b) == Some(std::cmp::Ordering::Less)
}

impl Placement for TransferAware {
    fn name(&self) -> &'static str {
        "transfer_aware"
    }
    /// Searches the classes of workers alike in latency, bandwidth and speed, cheapest first.
    /// In a class, every worker with room costs `transfer + run` (its backlog is 0), so the
    /// class's best with room is found from bitsets; a worker without room costs at least
    /// `transfer + run / (the class's most cores) + run` (backlog ≥ 1, usable cores ≤ cores;
    /// floating-point rounding is monotone, so the bound holds as computed), and is looked at
    /// only when that bound can reach the best so far. Classes whose `transfer + run` is above
    /// the best so far end the search. The result is the scan's ([`Placement::scan`]).
    fn place(&mut self, view: &PlacementView<'_>, _rng: &mut Stream) -> BbuId {
        let ws = view.workers;
        let terms = |c: &crate::policy::Class| {
            let transfer = c.latency_ns as f64
                + view.payload_bytes as f64 * 8.0 / c.bandwidth_bps.max(1.0) * 1e9;
            let run = view.remaining_work_ns as f64 / c.speed.max(1e-9);
            (transfer, run)
        };
        let mut order: Vec<(f64, usize)> = ws
            .classes()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (transfer, run) = terms(c);
                (transfer + 0.0 + run, i)
            })
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut best: Option<(Key, BbuId)> = None;
        let consider = |p: usize, best: &mut Option<(Key, BbuId)>| {
            let w = view.worker(p);
            let k = key(&w, view);
            if best.as_ref().is_none_or(|(bk, _)| better(&k, bk)) {
                *best = Some((k, w.bbu));
            }
        };
        for (lb, c) in order {
            if best.as_ref().is_some_and(|(bk, _)| lb > bk.0) {
                break;
            }
            if let Some(p) = ws.best_with_room(c, view.app, view.previous) {
                consider(p, &mut best);
            }
            let class = &ws.classes()[c];
            let (transfer, run) = terms(class);
            let least = transfer + 1.0 * run / f64::from(class.max_cores.max(1)) + run;
            if best.as_ref().is_none_or(|(bk, _)| least <= bk.0) {
                for p in ws.without_room(c) {
                    consider(p, &mut best);
                }
            }
        }
        best.map_or_else(|| view.worker(0).bbu, |(_, b)| b)
    }
    fn scan(&self, view: &PlacementView<'_>) -> Option<BbuId> {
        view.iter()
            .min_by(|a, b| {
                key(a, view)
                    .partial_cmp(&key(b, view))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|w| w.bbu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Workers;
    use crate::rng::RngStreams;

    fn w(b: u32, latency_ms: u64, mbps: f64, speed: f64, free: u32, queued: u32) -> WorkerView {
        WorkerView {
            bbu: BbuId(b),
            free_cores: free,
            queued,
            cores: 4,
            running: 4 - free, // no C-RAN: the cores not free are running offloaded work
            warm: true,
            speed,
            latency_ns: latency_ms * 1_000_000,
            bandwidth_bps: mbps * 1e6,
            ..Default::default()
        }
    }

    fn pick(ws: &[WorkerView], payload: u64, work_s: u64, previous: Option<u32>) -> u32 {
        let mut rng = RngStreams::new(1).stream("p");
        TransferAware
            .place(
                &PlacementView {
                    workers: &Workers::from_views(ws),
                    previous: previous.map(BbuId),
                    remaining_work_ns: work_s * 1_000_000_000,
                    payload_bytes: payload,
                    ..PlacementView::empty()
                },
                &mut rng,
            )
            .0
    }

    #[test]
    fn a_faster_worker_wins_only_when_the_gain_beats_the_transfer() {
        // 10 s of work. Near: 1 ms, 1000 Mbit/s, speed 1. Far: 20 ms, 10 Mbit/s, speed 2.
        let near = w(1, 1, 1000.0, 1.0, 2, 0);
        let far = w(2, 20, 10.0, 2.0, 2, 0);
        // 100 KB state: near = 1 ms + 0.8 ms + 10 s; far = 20 ms + 80 ms + 5 s → far (5.1 s).
        assert_eq!(pick(&[near, far], 100_000, 10, None), 2);
        // 10 MB image: far = 20 ms + 8 s + 5 s = 13.02 s; near = 1 ms + 80 ms + 10 s → near.
        assert_eq!(pick(&[near, far], 10_000_000, 10, None), 1);
    }

    #[test]
    fn queueing_counts_and_ties_go_to_the_previous_worker_then_the_lowest_index() {
        // Both free and identical: the task's previous worker (3) wins, else the lowest (1).
        let a = w(1, 1, 1000.0, 1.0, 1, 0);
        let b = w(3, 1, 1000.0, 1.0, 1, 0);
        assert_eq!(pick(&[a, b], 1000, 1, Some(3)), 3);
        assert_eq!(pick(&[b, a], 1000, 1, None), 1);
        // 4 s of work. Worker 1 (the previous one) has no free core and 3 queued on 4 usable
        // cores: backlog 4, wait = 4 · 4 s / 4 = 4 s, cost ≈ 8 s. Worker 2 is free but slower
        // (speed 0.55): cost ≈ 4 s / 0.55 = 7.27 s < 8 s → worker 2.
        let full = w(1, 1, 1000.0, 1.0, 0, 3);
        let slow = w(2, 1, 1000.0, 0.55, 1, 0);
        assert_eq!(pick(&[full, slow], 1000, 4, Some(1)), 2);
    }
}
