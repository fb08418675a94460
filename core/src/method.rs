//! Checkpoint methods: how a task vacates a BBU, as one trait with one implementation per
//! method in [`crate::methods`]. The simulator asks a method only these questions, so a new
//! method (say, Docker pause, or a container checkpoint that ships only the top layer) is one
//! new file plus one variant of [`crate::scenario::Method`].

use crate::scenario::{AppModel, CostModel, SizeModel};

/// A checkpoint method as the simulator models it.
pub trait CheckpointMethod: std::fmt::Debug + Send + Sync {
    /// The name used in specs and records.
    fn name(&self) -> &'static str;
    /// Checkpoint and restore times; `None` for a method that never checkpoints (no runtime
    /// limit applies).
    fn cost(&self) -> Option<&CostModel>;
    /// Whether checkpointing can only begin at a safe point of the program (μλ: between
    /// interpreter-level steps, never inside a native call) rather than at any instant (CRIU).
    fn stops_at_safe_points(&self) -> bool;
    /// What a checkpoint captures of `app`: its size as progress goes (raw bytes) and the
    /// compressed/raw ratio of what is stored.
    fn captured(&self, app: &AppModel) -> (SizeModel, f64);
    /// Whether a restore brings back the whole process (CRIU), so that a continuation skips
    /// the program's set-up ([`AppModel::setup`]); a state-only restore (μλ) starts the program
    /// again and pays it.
    fn restores_process(&self) -> bool {
        false
    }
    /// Raw bytes a checkpoint captures after `items_done` items; `in_setup`: taken during the
    /// program's set-up (only a whole-process method can dump then), which captures
    /// [`AppModel::setup_rss`] when the model gives it.
    fn captured_bytes(&self, app: &AppModel, items_done: u32, in_setup: bool) -> u64 {
        match app.setup_rss {
            Some(bytes) if in_setup && self.restores_process() => bytes,
            _ => self.captured(app).0.at(items_done),
        }
    }
}
