//! The trait every checkpointable workload implements.

use serde::{Serialize, de::DeserializeOwned};

/// What one [`Resumable::step`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<O> {
    /// One item was processed; here is its output. The workload is now at a safe point.
    Item(O),
    /// There is nothing left to do; the workload's output is complete.
    Done,
}

/// A workload that runs from safe point to safe point and whose progress lives entirely in a
/// serializable program state (the μλ state), separate from its working set (models, graphs,
/// signal buffers), which is rebuilt from the inputs on resume.
///
/// Contract, checked by the integration tests for each workload:
/// 1. Between two calls of [`step`](Self::step) the workload is at a safe point: no native call
///    is in flight, and [`state`](Self::state) captures everything needed to continue.
/// 2. For a workload built from the same inputs, `restore(s.state().clone())` followed by
///    stepping produces exactly the outputs that `s` would have produced.
pub trait Resumable {
    /// The application name written into state files (`taxi`, `stress`, `face`).
    const APP: &'static str;
    /// The program state: everything that carries progress.
    type State: Serialize + DeserializeOwned;
    /// The output of one item.
    type Output;
    /// The workload's own error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Process the next item and stop at the next safe point.
    fn step(&mut self) -> Result<Step<Self::Output>, Self::Error>;

    /// The current program state (what a μλ checkpoint serializes).
    fn state(&self) -> &Self::State;

    /// Replace the program state with one read from a checkpoint. Fails if the state does not
    /// fit this workload's inputs (e.g. a different number of taxis).
    fn restore(&mut self, state: Self::State) -> Result<(), Self::Error>;

    /// Items processed so far, for reports (defaults to unknown).
    fn items_done(&self) -> Option<u64> {
        None
    }
}
