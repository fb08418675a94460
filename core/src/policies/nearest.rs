//! Nearest: the worker with the lowest latency from the store (where the task's input and saved
//! state wait) among those where the invocation can start at once (free cores > invocations
//! already queued). If no worker has room, the shortest backlog (queued − free) wins, then the
//! lower latency. Remaining ties go to the lowest BBU index.

use crate::id::BbuId;
use crate::policy::{Placement, PlacementView, WorkerView};
use crate::rng::Stream;

/// Picks the closest worker with room.
#[derive(Clone, Debug, Default)]
pub struct Nearest;

fn backlog(w: &WorkerView) -> i64 {
    i64::from(w.queued) + 1 - i64::from(w.free_cores)
}

impl Placement for Nearest {
    fn name(&self) -> &'static str {
        "nearest"
    }
    fn place(&mut self, view: &PlacementView<'_>, _rng: &mut Stream) -> BbuId {
        let w = view.workers;
        match w.top_spare() {
            // Some worker has room (backlog 0): the nearest of those.
            Some(top) if top >= 1 => w.by_latency().find(|&p| w.spare(p) >= 1),
            // None has: the shortest backlog is 1 − the largest spare; the nearest of those.
            Some(top) => w
                .with_spare(top)
                .min_by_key(|&p| (view.worker(p).latency_ns, view.worker(p).bbu)),
            None => None,
        }
        .map_or_else(|| view.worker(0).bbu, |p| view.worker(p).bbu)
    }
    fn scan(&self, view: &PlacementView<'_>) -> Option<BbuId> {
        view.iter()
            .min_by_key(|w| (backlog(w).max(0), w.latency_ns, w.bbu))
            .map(|w| w.bbu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Workers;
    use crate::rng::RngStreams;

    fn w(b: u32, latency_ms: u64, free: u32, queued: u32) -> WorkerView {
        WorkerView {
            bbu: BbuId(b),
            free_cores: free,
            cores: free, // nothing running, no C-RAN: all cores free
            queued,
            latency_ns: latency_ms * 1_000_000,
            speed: 1.0,
            ..Default::default()
        }
    }

    fn pick(ws: &[WorkerView]) -> u32 {
        let mut rng = RngStreams::new(1).stream("p");
        Nearest
            .place(
                &PlacementView {
                    workers: &Workers::from_views(ws),
                    ..PlacementView::empty()
                },
                &mut rng,
            )
            .0
    }

    #[test]
    fn closest_with_room_then_shortest_backlog_then_lowest_index() {
        // Both have room: 1 ms beats 3 ms whatever the order.
        assert_eq!(pick(&[w(1, 3, 2, 0), w(2, 1, 1, 0)]), 2);
        // The closer one is full (free 1, queued 1: backlog 1): the farther one with room wins.
        assert_eq!(pick(&[w(1, 3, 2, 0), w(2, 1, 1, 1)]), 1);
        // Nobody has room: backlog 1 (free 0, queued 0) beats backlog 3 even if farther.
        assert_eq!(pick(&[w(1, 1, 0, 2), w(2, 9, 0, 0)]), 2);
        // Equal latency and room: the lowest index, wherever it is listed.
        assert_eq!(pick(&[w(5, 2, 4, 0), w(3, 2, 1, 0), w(4, 2, 2, 0)]), 3);
    }
}
