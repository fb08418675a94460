//! CRIU: the tracker dumps the whole process (its resident memory) from outside, at any
//! instant (seed 001, Sec. IV-B).

use crate::method::CheckpointMethod;
use crate::scenario::{AppModel, CostModel, SizeModel};
use serde::{Deserialize, Serialize};

/// Whole-process dumps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Criu(pub CostModel);

impl CheckpointMethod for Criu {
    fn name(&self) -> &'static str {
        "criu"
    }
    fn cost(&self) -> Option<&CostModel> {
        Some(&self.0)
    }
    fn stops_at_safe_points(&self) -> bool {
        false
    }
    fn captured(&self, app: &AppModel) -> (SizeModel, f64) {
        (app.rss, app.image_compression)
    }
    fn restores_process(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SimDuration;
    use crate::methods::{LongRunning, MicroLambda};

    #[test]
    fn each_method_captures_what_it_should() {
        let cost = CostModel {
            checkpoint_base: SimDuration::from_millis(1),
            checkpoint_per_mib_ns: 0.0,
            checkpoint_cv: 0.0,
            restore_base: SimDuration::ZERO,
            restore_per_mib_ns: 0.0,
            restore_cv: 0.0,
        };
        let size = |base| SizeModel {
            base,
            per_item: 0,
            max: base,
        };
        let app = AppModel {
            name: "a".into(),
            item_label: "items".into(),
            item_time: crate::scenario::TimeDist::Constant(SimDuration::from_secs(1)),
            setup: None,
            segments: 1,
            shards: 1,
            join_time: SimDuration::ZERO,
            input_bytes_per_item: 0,
            first_item_extra_bytes: 0,
            output_bytes_per_item: 0,
            state: size(10),
            state_compression: 0.5,
            rss: size(1000),
            setup_rss: None,
            image_compression: 0.25,
            size_cv: 0.0,
        };
        assert_eq!(Criu(cost).captured(&app), (size(1000), 0.25));
        assert_eq!(MicroLambda(cost).captured(&app), (size(10), 0.5));
        assert!(MicroLambda(cost).stops_at_safe_points() && !Criu(cost).stops_at_safe_points());
        assert!(Criu(cost).restores_process() && !MicroLambda(cost).restores_process());
        assert!(LongRunning.cost().is_none() && Criu(cost).cost().is_some());
    }
}
