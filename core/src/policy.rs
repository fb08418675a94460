//! Continuation placement: which worker runs the next invocation of a task.
//!
//! A policy is a decision function of a read-only view of the workers, plus whatever it learns
//! from the C-RAN load it is shown ([`Placement::observe_load`]). It is used by both the
//! simulator and the emulator, which is what lets the testbed validate the simulator. Policies
//! live one per file in [`crate::policies`]; add one there and register it in
//! [`crate::policies`] ([`crate::policies::PlacementConfig`] and the registry; the README's
//! "Adding a placement policy" shows the steps).

use crate::id::BbuId;
use crate::rng::Stream;
use crate::time::SimTime;

/// What a policy sees of one candidate worker.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WorkerView {
    /// The worker BBU.
    pub bbu: BbuId,
    /// Cores offloaded work may start on now: cores minus C-RAN's share (the larger of its
    /// current and its announced share) minus running invocations.
    pub free_cores: u32,
    /// Invocations running on it now.
    pub running: u32,
    /// Invocations waiting for a core on it now.
    pub queued: u32,
    /// Whether λ(f) of this task's app is installed (no cold start).
    pub warm: bool,
    /// Speed relative to the reference core.
    pub speed: f64,
    /// General-purpose cores of the BBU.
    pub cores: u32,
    /// Cores C-RAN uses now.
    pub cran_cores: u32,
    /// Cores C-RAN has announced it will take within the eviction grace period (0 if nothing
    /// is announced; never less than what an invocation started now would have to vacate for).
    pub announced_cran_cores: u32,
    /// C-RAN load now (fraction of cores, 0 to 1).
    pub load: f64,
    /// One-way latency of the path the invocation (input and saved state) takes from the
    /// store to this worker \[ns\].
    pub latency_ns: u64,
    /// Capacity of that path [bit/s].
    pub bandwidth_bps: f64,
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
    /// The time of the decision.
    pub now: SimTime,
    /// Work the task has left, as compute time on the reference core (speed 1) \[ns\]; the
    /// expected value from the app model, not the (unknown) actual one.
    pub remaining_work_ns: u64,
    /// Bytes the invocation message will carry to the chosen worker (input left + saved state
    /// + headers) \[bytes\].
    pub payload_bytes: u64,
}

/// A placement policy.
pub trait Placement: Send {
    /// The policy's name as written in specs.
    fn name(&self) -> &'static str;
    /// Chooses the worker for the next invocation. Must return one of `view.workers`.
    fn place(&mut self, view: &PlacementView<'_>, rng: &mut Stream) -> BbuId;
    /// Is told every C-RAN load change of every BBU, in time order: BBU, time, new load
    /// (fraction of cores). Policies that forecast load learn from it; the default ignores it.
    fn observe_load(&mut self, _bbu: BbuId, _now: SimTime, _load: f64) {}
}

impl PlacementView<'static> {
    /// A view with no workers at time zero: a base for struct-update syntax in tests
    /// (`PlacementView { workers: &ws, ..PlacementView::empty() }`).
    pub fn empty() -> Self {
        PlacementView {
            workers: &[],
            previous: None,
            task: 0,
            now: SimTime::ZERO,
            remaining_work_ns: 0,
            payload_bytes: 0,
        }
    }
}
