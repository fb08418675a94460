//! MicroLambda (μλ): the timeout tracker injects a checkpoint that runs at the next safe point
//! and serialises only the program state (seed 001, Sec. III-C).

use crate::method::CheckpointMethod;
use crate::scenario::{AppModel, CostModel, SizeModel};
use serde::{Deserialize, Serialize};

/// Program-state checkpoints at safe points.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MicroLambda(pub CostModel);

impl CheckpointMethod for MicroLambda {
    fn name(&self) -> &'static str {
        "microlambda"
    }
    fn cost(&self) -> Option<&CostModel> {
        Some(&self.0)
    }
    fn stops_at_safe_points(&self) -> bool {
        true
    }
    fn captured(&self, app: &AppModel) -> (SizeModel, f64) {
        (app.state, app.state_compression)
    }
}
