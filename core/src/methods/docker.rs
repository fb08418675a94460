//! Docker: the tracker checkpoints the whole workload *container* (`docker checkpoint create`,
//! CRIU underneath) and a new container on the next BBU starts from it
//! (`docker start --checkpoint`). Like CRIU it captures the resident memory at any instant and
//! brings back the whole process; its cost model is its own (dockerd and containerd add a
//! fixed cost and a slower per-MiB path than a native CRIU dump, see `mlsim emu checkpoints`).

use crate::method::CheckpointMethod;
use crate::scenario::{AppModel, CostModel, SizeModel};
use serde::{Deserialize, Serialize};

/// Whole-container checkpoints.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Docker(pub CostModel);

impl CheckpointMethod for Docker {
    fn name(&self) -> &'static str {
        "docker"
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
    use crate::methods::Criu;

    #[test]
    fn docker_captures_the_image_like_criu_with_its_own_costs() {
        let cost = |ms| CostModel {
            checkpoint_base: SimDuration::from_millis(ms),
            checkpoint_per_mib_ns: 1e6,
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
        let d = Docker(cost(250));
        assert_eq!(d.name(), "docker");
        assert_eq!(d.captured(&app), Criu(cost(150)).captured(&app));
        assert!(d.restores_process() && !d.stops_at_safe_points());
        assert_eq!(
            d.cost().map(|c| c.checkpoint_base),
            Some(SimDuration::from_millis(250))
        );
    }
}
