//! Continuation placement: which worker runs the next invocation of a task.
//!
//! A policy is a decision function of a read-only view of the workers. It is used by both the
//! simulator and the emulator, which is what lets the testbed validate the simulator. Policies
//! live one per file in [`crate::policies`]; add one there and register it in
//! [`crate::policies::by_name`].

use crate::id::BbuId;
use crate::rng::Stream;

/// What a policy sees of one candidate worker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkerView {
    /// The worker BBU.
    pub bbu: BbuId,
    /// Cores offloaded work may use now (cores minus C-RAN's share).
    pub free_cores: u32,
    /// Invocations running on it now.
    pub running: u32,
    /// Invocations waiting for a core on it now.
    pub queued: u32,
    /// Whether λ(f) of this task's app is installed (no cold start).
    pub warm: bool,
    /// Speed relative to the reference core.
    pub speed: f64,
}

/// What a policy sees when it places one invocation.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacementView<'a> {
    /// The candidate workers, in BBU order. Never empty.
    pub workers: &'a [WorkerView],
    /// Where the task's previous invocation ran, if any.
    pub previous: Option<BbuId>,
    /// Task number within its request (lets parallel shards spread out).
    pub task: u32,
}

/// A placement policy.
pub trait Placement: Send {
    /// The policy's name as written in specs.
    fn name(&self) -> &'static str;
    /// Chooses the worker for the next invocation. Must return one of `view.workers`.
    fn place(&mut self, view: &PlacementView<'_>, rng: &mut Stream) -> BbuId;
}
