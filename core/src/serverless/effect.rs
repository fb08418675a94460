//! What the serverless machine asks its driver to do ([`Effect`]) and what the driver tells it
//! ([`Input`]).

use crate::{SimDuration, SimTime};

/// A timer the machine sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Reclaim instance `inst` if it is still idle since generation `gen`.
    Reclaim {
        /// Instance slot.
        inst: u32,
        /// Its generation when the timer was set (a later use makes the timer stale).
        generation: u32,
    },
    /// Prewarm an instance of `f` (if it has none idle or starting), kept `keep` once ready.
    Prewarm {
        /// Function.
        f: u32,
        /// How long it is kept idle once ready.
        keep: SimDuration,
    },
    /// The policy's tick.
    Tick,
}

/// Something the driver must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Deliver [`Input::Arrival`] of `f` at `at`.
    Arrival {
        /// Function.
        f: u32,
        /// When.
        at: SimTime,
    },
    /// Start instance `inst` of `f` on `bbu` cold: pull `pull_bytes` of image first (0: the
    /// BBU has it), then start the container and install λ(f); deliver [`Input::Ready`].
    ColdStart {
        /// Instance slot.
        inst: u32,
        /// Function.
        f: u32,
        /// BBU.
        bbu: u32,
        /// Image bytes to pull first.
        pull_bytes: u64,
    },
    /// Run invocation `inv` on instance `inst` (on `bbu`, holding one of its cores): `work`
    /// of compute on a reference core, `wall` on this BBU; `warm`: routed to a live instance
    /// (the driver adds the warm-start cost). Deliver [`Input::Done`].
    Exec {
        /// Invocation slot.
        inv: u32,
        /// Instance slot.
        inst: u32,
        /// Function.
        f: u32,
        /// BBU.
        bbu: u32,
        /// Compute on a reference core \[ns\].
        work: u64,
        /// Wall time on this BBU's core.
        wall: SimDuration,
        /// Whether the invocation found its instance live.
        warm: bool,
    },
    /// Deliver [`Input::Timer`] at `at` (timers are never cancelled: stale ones are ignored).
    Timer {
        /// When.
        at: SimTime,
        /// Which.
        timer: Timer,
    },
    /// Instance `inst` on `bbu` is reclaimed now (the emulation removes its container).
    Reclaim {
        /// Instance slot.
        inst: u32,
        /// BBU.
        bbu: u32,
    },
}

/// What the driver tells the machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    /// An invocation of `f` arrives.
    Arrival(u32),
    /// Instance `inst` finished its cold start.
    Ready(u32),
    /// Invocation `inv` finished computing.
    Done(u32),
    /// A timer fired.
    Timer(Timer),
    /// BBU `bbu`'s C-RAN load is now `load`.
    Load {
        /// BBU.
        bbu: u32,
        /// Load fraction.
        load: f64,
    },
}

/// Why a serverless run cannot start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServerlessError {
    /// The scenario has no `[serverless]` part.
    #[error("the scenario is not a serverless study")]
    NotServerless,
    /// No worker BBU.
    #[error("the topology has no worker BBU")]
    NoWorkers,
    /// A function's instance fits on no worker.
    #[error("an instance of function {0} ({1} bytes) fits on no worker BBU")]
    TooLarge(u32, u64),
}
