//! Long-running: no runtime limit and no checkpoints (the paper's baseline).

use crate::method::CheckpointMethod;
use crate::scenario::{AppModel, CostModel, SizeModel};
use serde::{Deserialize, Serialize};

/// Never checkpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LongRunning;

impl CheckpointMethod for LongRunning {
    fn name(&self) -> &'static str {
        "long_running"
    }
    fn cost(&self) -> Option<&CostModel> {
        None
    }
    fn stops_at_safe_points(&self) -> bool {
        false
    }
    fn captured(&self, app: &AppModel) -> (SizeModel, f64) {
        (app.state, app.state_compression)
    }
}
