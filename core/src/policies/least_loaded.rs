//! Least-loaded: the worker with the most free cores for offloaded work after counting the
//! invocations already waiting there (free cores − queued), i.e. the one where a new invocation
//! is most likely to start at once. Ties go to the faster worker, then to a warm one (no cold
//! start), then to the lowest BBU index, so decisions are deterministic.

use crate::id::BbuId;
use crate::policy::{Placement, PlacementView, WorkerView};
use crate::rng::Stream;
use std::cmp::Ordering;

/// Picks the worker with the most spare capacity.
#[derive(Clone, Debug, Default)]
pub struct LeastLoaded;

fn spare(w: &WorkerView) -> i64 {
    i64::from(w.free_cores) - i64::from(w.queued)
}

impl Placement for LeastLoaded {
    fn name(&self) -> &'static str {
        "least_loaded"
    }
    fn place(&mut self, view: &PlacementView<'_>, _rng: &mut Stream) -> BbuId {
        // The index walks workers by spare: the first one is the answer unless a warm one of
        // the same spare and speed follows.
        view.best_bounded(|_, spare| spare)
    }
    fn scan(&self, view: &PlacementView<'_>) -> Option<BbuId> {
        let better = |a: &WorkerView, b: &WorkerView| {
            spare(a)
                .cmp(&spare(b))
                .then(a.speed.partial_cmp(&b.speed).unwrap_or(Ordering::Equal))
                .then(a.warm.cmp(&b.warm))
                .then(b.bbu.cmp(&a.bbu)) // lower index wins: it compares as "greater"
        };
        view.iter().max_by(better).map(|w| w.bbu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Workers;
    use crate::rng::RngStreams;

    fn w(b: u32, free: u32, queued: u32, speed: f64, warm: bool) -> WorkerView {
        WorkerView {
            bbu: BbuId(b),
            free_cores: free,
            running: 0,
            queued,
            warm,
            speed,
            cores: free, // nothing running, no C-RAN: all cores free
            ..Default::default()
        }
    }

    fn pick(ws: &[WorkerView]) -> u32 {
        let mut rng = RngStreams::new(1).stream("p");
        LeastLoaded
            .place(
                &PlacementView {
                    workers: &Workers::from_views(ws),
                    previous: None,
                    task: 0,
                    ..PlacementView::empty()
                },
                &mut rng,
            )
            .0
    }

    #[test]
    fn most_spare_capacity_wins_then_speed_warmth_and_index_break_ties() {
        // Spare = free − queued: 3 − 0 = 3 beats 5 − 4 = 1.
        assert_eq!(pick(&[w(1, 5, 4, 1.0, true), w(2, 3, 0, 1.0, false)]), 2);
        // Equal spare (2): the faster one.
        assert_eq!(pick(&[w(1, 2, 0, 1.0, true), w(2, 3, 1, 1.5, false)]), 2);
        // Equal spare and speed: the warm one.
        assert_eq!(pick(&[w(1, 2, 0, 1.0, false), w(2, 2, 0, 1.0, true)]), 2);
        // All equal: the lowest index, wherever it is listed.
        assert_eq!(
            pick(&[
                w(4, 2, 0, 1.0, true),
                w(2, 2, 0, 1.0, true),
                w(3, 2, 0, 1.0, true)
            ]),
            2
        );
        // No free core anywhere: the shortest queue.
        assert_eq!(pick(&[w(1, 0, 3, 1.0, true), w(2, 0, 1, 1.0, true)]), 2);
    }
}
