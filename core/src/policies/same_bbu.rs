//! Same-BBU: a continuation stays on the worker that ran the task before (no migration). First
//! invocations (and tasks whose worker is no longer a candidate) go round-robin over the workers
//! in BBU order, so a stream of requests, and the parallel shards of one, spread out.

use crate::id::BbuId;
use crate::policy::{Placement, PlacementView};
use crate::rng::Stream;

/// Keeps each task on one worker.
#[derive(Clone, Debug, Default)]
pub struct SameBbu {
    next: usize,
}

impl Placement for SameBbu {
    fn name(&self) -> &'static str {
        "same_bbu"
    }
    fn place(&mut self, view: &PlacementView<'_>, _rng: &mut Stream) -> BbuId {
        match view.previous {
            Some(b) if view.contains(b) => b,
            _ => {
                let w = view.worker(self.next % view.len()).bbu;
                self.next = (self.next + 1) % view.len();
                w
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::WorkerView;
    use crate::policy::Workers;
    use crate::rng::RngStreams;

    fn w(b: u32) -> WorkerView {
        WorkerView {
            bbu: BbuId(b),
            free_cores: 1,
            cores: 1,
            running: 0,
            queued: 0,
            warm: false,
            speed: 1.0,
            ..Default::default()
        }
    }

    #[test]
    fn stays_where_it_was_and_spreads_first_invocations() {
        let ws = [w(1), w(2)];
        let mut p = SameBbu::default();
        let mut rng = RngStreams::new(1).stream("p");
        let first = PlacementView {
            workers: &Workers::from_views(&ws),
            previous: None,
            task: 3,
            ..PlacementView::empty()
        };
        assert_eq!(p.place(&first, &mut rng), BbuId(1)); // the first first-placement
        assert_eq!(p.place(&first, &mut rng), BbuId(2)); // the next one goes round
        let again = PlacementView {
            workers: &Workers::from_views(&ws),
            previous: Some(BbuId(1)),
            task: 3,
            ..PlacementView::empty()
        };
        assert_eq!(p.place(&again, &mut rng), BbuId(1));
        // A previous worker that is no longer a candidate falls back to the round.
        let gone = PlacementView {
            workers: &Workers::from_views(&ws),
            previous: Some(BbuId(7)),
            task: 0,
            ..PlacementView::empty()
        };
        assert_eq!(p.place(&gone, &mut rng), BbuId(1));
    }
}
