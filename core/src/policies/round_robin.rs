//! Round-robin: each new invocation goes to the next worker in BBU order, whatever ran before.

use crate::id::BbuId;
use crate::policy::{Placement, PlacementView};
use crate::rng::Stream;

/// Cycles through the workers in BBU order.
#[derive(Clone, Debug, Default)]
pub struct RoundRobin {
    next: usize,
}

impl Placement for RoundRobin {
    fn name(&self) -> &'static str {
        "round_robin"
    }
    fn place(&mut self, view: &PlacementView<'_>, _rng: &mut Stream) -> BbuId {
        let w = view.worker(self.next % view.len()).bbu;
        self.next = (self.next + 1) % view.len();
        w
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
    fn cycles_in_order_and_ignores_history() {
        let ws = [w(1), w(2), w(4)];
        let mut p = RoundRobin::default();
        let mut rng = RngStreams::new(1).stream("p");
        let picks: Vec<u32> = (0..5)
            .map(|i| {
                let v = PlacementView {
                    workers: &Workers::from_views(&ws),
                    previous: Some(BbuId(4)),
                    task: i,
                    ..PlacementView::empty()
                };
                p.place(&v, &mut rng).0
            })
            .collect();
        assert_eq!(picks, vec![1, 2, 4, 1, 2]);
    }
}
