//! Random: each invocation goes to a worker drawn uniformly, from the placement stream.

use crate::id::BbuId;
use crate::policy::{Placement, PlacementView};
use crate::rng::Stream;
use rand::Rng;

/// Picks a worker uniformly at random.
#[derive(Clone, Debug, Default)]
pub struct Random;

impl Placement for Random {
    fn name(&self) -> &'static str {
        "random"
    }
    fn place(&mut self, view: &PlacementView<'_>, rng: &mut Stream) -> BbuId {
        view.worker(rng.random_range(0..view.len())).bbu
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::WorkerView;
    use crate::policy::Workers;
    use crate::rng::RngStreams;

    #[test]
    fn uniform_over_workers_and_reproducible() {
        let w = |b| WorkerView {
            bbu: BbuId(b),
            free_cores: 1,
            cores: 1,
            running: 0,
            queued: 0,
            warm: false,
            speed: 1.0,
            ..Default::default()
        };
        let ws = [w(3), w(5), w(8)];
        let view = PlacementView {
            workers: &Workers::from_views(&ws),
            previous: None,
            task: 0,
            ..PlacementView::empty()
        };
        let picks = |seed| {
            let mut rng = RngStreams::new(seed).stream("placement");
            (0..30_000)
                .map(|_| Random.place(&view, &mut rng).0)
                .collect::<Vec<_>>()
        };
        let a = picks(1);
        assert_eq!(a, picks(1));
        assert_ne!(a, picks(2));
        // Each of 3 workers: 10 000 expected, sd = sqrt(30 000 · 1/3 · 2/3) ≈ 82; ±500 is > 6 sd.
        for b in [3, 5, 8] {
            let n = a.iter().filter(|x| **x == b).count() as i64;
            assert!((n - 10_000).abs() < 500, "worker {b}: {n}");
        }
    }
}
