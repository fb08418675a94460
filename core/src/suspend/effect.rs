//! What the suspend study's [`super::Machine`] and its driver tell each other: the driver's
//! [`Input`]s, the machine's [`Effect`]s, and why a scenario cannot be a suspend study.

use crate::SimDuration;
use crate::SimTime;

/// Why a scenario cannot be run as a suspend study.
#[derive(Debug, thiserror::Error)]
pub enum SuspendError {
    /// The scenario has no `suspend` part.
    #[error("the scenario is not a suspend study (no [functions])")]
    NotSuspend,
    /// The topology has no worker BBU.
    #[error("the topology has no worker BBU")]
    NoWorkers,
}

/// What the driver tells the machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    /// Functions waiting for memory are admitted (the deployment at time zero).
    Deploy,
    /// Function `f`'s process is up ([`Effect::Deploy`] done).
    Deployed(u32),
    /// BBU `bbu`'s C-RAN load is now `load` (a fraction of its cores).
    Load {
        /// The BBU.
        bbu: u32,
        /// The load fraction.
        load: f64,
    },
    /// Function `f`'s burst ended.
    BurstDone(u32),
    /// Function `f`'s suspend ended.
    SuspendDone(u32),
    /// Function `f`'s wake (unpause or restore) ended.
    WakeDone(u32),
    /// Function `f`'s idle timer fired (only if not cancelled).
    Idle(u32),
    /// Function `f`'s next event arrived.
    Arrival(u32),
}

/// What the machine asks its driver to do; each (but the timers' cancel) is answered by one
/// [`Input`] at the time it is done.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect {
    /// Deliver [`Input::Arrival`]`(f)` at `at`.
    Arrival {
        /// The function.
        f: u32,
        /// When.
        at: SimTime,
    },
    /// Deliver [`Input::Idle`]`(f)` at `at`, unless cancelled first.
    Timer {
        /// The function.
        f: u32,
        /// When.
        at: SimTime,
    },
    /// Cancel function `f`'s pending idle timer.
    CancelTimer {
        /// The function.
        f: u32,
    },
    /// Start function `f`'s process on BBU `bbu` (memory already granted); answer
    /// [`Input::Deployed`]. Only from a machine made with `instant_deploys = false`.
    Deploy {
        /// The function.
        f: u32,
        /// The BBU.
        bbu: u32,
    },
    /// Function `f` computes one burst on a core of BBU `bbu`: `work` on a reference core,
    /// `wall` at the BBU's speed; answer [`Input::BurstDone`].
    Burst {
        /// The function.
        f: u32,
        /// The BBU.
        bbu: u32,
        /// Compute on a reference core.
        work: SimDuration,
        /// Wall time at the BBU's speed.
        wall: SimDuration,
    },
    /// Suspend blocked function `f` on BBU `bbu` with the run's method (`bytes` raw bytes
    /// handled: the image for a checkpoint, the memory for a pause); answer
    /// [`Input::SuspendDone`].
    Suspend {
        /// The function.
        f: u32,
        /// The BBU.
        bbu: u32,
        /// Raw bytes the suspend handles.
        bytes: u64,
    },
    /// Wake function `f` on BBU `bbu`: unpause it (`restore` false) or restore its image
    /// written on BBU `from` (`from != bbu`: the image crosses the wired link first); answer
    /// [`Input::WakeDone`].
    Wake {
        /// The function.
        f: u32,
        /// The BBU it runs on after the wake.
        bbu: u32,
        /// The BBU whose disk holds its image (= `bbu` for an unpause).
        from: u32,
        /// A restore from disk (else an unpause).
        restore: bool,
        /// Raw bytes the wake handles.
        bytes: u64,
    },
}
