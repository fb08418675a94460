//! Continuation placement: which worker runs the next invocation of a task.
//!
//! A policy is a decision function of a read-only view of the workers, plus whatever it learns
//! from the C-RAN load it is shown ([`Placement::observe_load`]). It is used by both the
//! simulator and the emulator, which is what lets the testbed validate the simulator. Policies
//! live one per file in [`crate::policies`]; add one there and register it in
//! [`crate::policies`] ([`crate::policies::PlacementConfig`] and the registry; the README's
//! "Adding a placement policy" shows the steps).

mod workers;

pub use workers::{BySpare, Class, WorkerState, Workers};

use crate::id::BbuId;
use crate::rng::Stream;
use crate::time::SimTime;
use std::cmp::Ordering;

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
    /// The candidate workers, in BBU order, with their index by spare capacity. Never empty.
    /// Read them through the view's methods ([`PlacementView::worker`], [`PlacementView::iter`],
    /// [`PlacementView::best_bounded`], ...), which fill in warmth for the task's app.
    pub workers: &'a Workers,
    /// The task's app (which λ(f) a worker must have installed to be warm).
    pub app: usize,
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
    /// The choice `place` must make, found by scanning every worker: the policy's rule as
    /// written, for policies whose `place` searches an index instead. Must not change the
    /// policy's state. Debug builds of the simulator compare it with `place` at every
    /// placement; `None` (the default) for policies that do not search.
    fn scan(&self, _view: &PlacementView<'_>) -> Option<BbuId> {
        None
    }
    /// Is told every C-RAN load sample of every BBU, in time order per BBU: the BBU, the time
    /// `now` it is told, the sample's time `at` and its load (fraction of cores). A sample can
    /// be told ahead of its time (`at` later than `now`): the simulator does not step through
    /// samples that leave C-RAN's core count unchanged ([`crate::load::CoreChanges`]) and
    /// tells them when it fetches the next change. A policy must not let a sample count before
    /// its time (a decision at `view.now` may use the samples with `at ≤ view.now`). Policies
    /// that forecast load learn from it; the default ignores it.
    fn observe_load(&mut self, _bbu: BbuId, _now: SimTime, _at: SimTime, _load: f64) {}
}

static NO_WORKERS: Workers = Workers::EMPTY;

impl PlacementView<'static> {
    /// A view with no workers at time zero: a base for struct-update syntax in tests
    /// (`PlacementView { workers: &Workers::from_views(&ws), ..PlacementView::empty() }`).
    pub fn empty() -> Self {
        PlacementView {
            workers: &NO_WORKERS,
            app: 0,
            previous: None,
            task: 0,
            now: SimTime::ZERO,
            remaining_work_ns: 0,
            payload_bytes: 0,
        }
    }
}

/// Whether `(f, w)` beats `(bf, b)` in the order the capacity policies maximise: score, then
/// speed, then warmth, then the lower BBU index.
#[inline]
fn beats(f: i64, w: &WorkerView, bf: i64, b: &WorkerView) -> bool {
    f.cmp(&bf)
        .then(w.speed.partial_cmp(&b.speed).unwrap_or(Ordering::Equal))
        .then(w.warm.cmp(&b.warm))
        .then(b.bbu.cmp(&w.bbu)) // lower index wins: it compares as "greater"
        .is_gt()
}

impl PlacementView<'_> {
    /// Number of candidate workers.
    pub fn len(&self) -> usize {
        self.workers.len()
    }

    /// Whether there is no candidate (never, in a view a backend makes).
    pub fn is_empty(&self) -> bool {
        self.workers.is_empty()
    }

    /// The `i`-th worker in BBU order.
    #[inline]
    pub fn worker(&self, i: usize) -> WorkerView {
        self.workers.view(i, self.app)
    }

    /// Every worker, in BBU order.
    pub fn iter(&self) -> impl Iterator<Item = WorkerView> + '_ {
        (0..self.workers.len()).map(|p| self.worker(p))
    }

    /// Whether BBU `bbu` is a candidate.
    pub fn contains(&self, bbu: BbuId) -> bool {
        self.workers.position(bbu).is_some()
    }

    /// The worker with the largest `(score, speed, warm, lower BBU index)`, where `score(w,
    /// spare)` is never more than the worker's spare capacity `spare` (free cores − queued).
    /// Walks the workers by decreasing spare and stops as soon as no worker left can win, so
    /// it usually looks at a handful of workers; the result is the same as a scan of all.
    pub fn best_bounded(&self, mut score: impl FnMut(&WorkerView, i64) -> i64) -> BbuId {
        let mut best: Option<(i64, WorkerView)> = None;
        for (spare, p) in self.workers.by_spare() {
            let w = self.worker(p);
            if let Some((bf, b)) = &best {
                // The most this worker, and every one after it, can reach: its spare, its
                // speed, warm, its index. Later workers have a smaller bound.
                let bound = WorkerView { warm: true, ..w };
                if !beats(spare, &bound, *bf, b) {
                    break;
                }
            }
            let f = score(&w, spare);
            debug_assert!(f <= spare, "score {f} above the bound {spare}");
            if best.as_ref().is_none_or(|(bf, b)| beats(f, &w, *bf, b)) {
                best = Some((f, w));
            }
        }
        best.map_or_else(|| self.worker(0).bbu, |(_, w)| w.bbu)
    }

    /// [`PlacementView::best_bounded`]'s rule by scanning every worker in BBU order (the
    /// reference that `scan` implementations use).
    pub fn best_scanned(&self, mut score: impl FnMut(&WorkerView, i64) -> i64) -> BbuId {
        let mut best: Option<(i64, WorkerView)> = None;
        for w in self.iter() {
            let f = score(&w, i64::from(w.free_cores) - i64::from(w.queued));
            if best.as_ref().is_none_or(|(bf, b)| beats(f, &w, *bf, b)) {
                best = Some((f, w));
            }
        }
        best.map_or_else(|| self.worker(0).bbu, |(_, w)| w.bbu)
    }
}
