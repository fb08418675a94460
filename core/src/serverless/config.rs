//! The serverless study's validated description (seed 004): functions, their arrivals, the
//! cold-start cost and the keep-alive / prewarm policy. What `[serverless]` and
//! `[[serverless.functions]]` of a spec become.

use crate::scenario::TimeDist;
use crate::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};

/// Serverless functions on the worker BBUs, their instances started cold and kept warm by a
/// [`Policy`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Serverless {
    /// The functions (index = function id).
    pub functions: Vec<Function>,
    /// Keep-alive and prewarm policy.
    pub policy: Policy,
    /// Container start + λ(f) install of one cold start of a function of no memory (the image
    /// pull, if the BBU lacks the image, comes first); a function's own adds
    /// `cold_start_per_mib_ns` per MiB of its memory ([`Serverless::cold_start_of`]).
    pub cold_start: TimeDist,
    /// What each MiB of a function's memory adds to its cold start (building it) \[ns/MiB\].
    #[serde(default)]
    pub cold_start_per_mib_ns: f64,
    /// What a warm start adds before the invocation computes (routing to a live instance).
    pub warm_start: SimDuration,
}

impl Serverless {
    /// The cold start of function `f`: `cold_start` with its mean raised by
    /// `cold_start_per_mib_ns` × the function's memory \[MiB\], the same cv.
    pub fn cold_start_of(&self, f: u32) -> TimeDist {
        let mib = self.functions[f as usize].memory_bytes as f64 / (1024.0 * 1024.0);
        let extra = SimDuration::from_nanos_f64(self.cold_start_per_mib_ns * mib);
        match self.cold_start {
            TimeDist::Constant(d) => TimeDist::Constant(d + extra),
            TimeDist::Exponential(d) => TimeDist::Exponential(d + extra),
            TimeDist::LogNormal { mean, cv } => TimeDist::LogNormal {
                mean: mean + extra,
                cv,
            },
        }
    }
}

/// One serverless function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Its name (records and figures).
    pub name: String,
    /// Memory one instance holds from the start of its cold start until reclaimed \[bytes\].
    pub memory_bytes: u64,
    /// Invocations one instance serves at once (Knative's container concurrency).
    pub concurrency: u32,
    /// Compute of one invocation on a reference core (wall time = work / speed).
    pub duration: TimeDist,
    /// Size of its container image \[bytes\]: pulled over the wired link from the control BBU
    /// by the first cold start on a BBU that lacks it (0: nothing to pull).
    pub image_bytes: u64,
    /// When its invocations arrive.
    pub arrival: Arrival,
}

/// When a function's invocations arrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Arrival {
    /// A Poisson process of `rate_per_s`, `count` invocations.
    Poisson {
        /// Invocations per second.
        rate_per_s: f64,
        /// Invocations.
        count: u64,
    },
    /// A periodic IoT sensor: reading k at `phase + k·period + U(−jitter, jitter)`; after a
    /// reading, with probability `burst_p`, a burst of `burst_size` more readings follows,
    /// `burst_gap` apart (an alarm that reports at a higher rate). `count` readings in all.
    Periodic {
        /// Period.
        period: SimDuration,
        /// Offset of the first reading.
        phase: SimDuration,
        /// Largest shift of a reading from its slot (less than half the period).
        jitter: SimDuration,
        /// Probability that a reading starts a burst.
        burst_p: f64,
        /// Readings of a burst after the one that starts it.
        burst_size: u32,
        /// Spacing of a burst's readings.
        burst_gap: SimDuration,
        /// Readings in all (bursts included).
        count: u64,
    },
    /// Invocation counts per minute (the Azure Functions 2019 trace): minute m's `counts[m]`
    /// invocations spread within `[m·60 s, (m+1)·60 s)` as `spread` says.
    PerMinute {
        /// Invocations in each minute.
        counts: Vec<u32>,
        /// How they are placed within their minute.
        spread: Spread,
    },
    /// At these times (sorted), from an invocation trace.
    Times(Vec<SimTime>),
}

impl Arrival {
    /// Invocations this arrival process produces.
    pub fn count(&self) -> u64 {
        match self {
            Arrival::Poisson { count, .. } | Arrival::Periodic { count, .. } => *count,
            Arrival::PerMinute { counts, .. } => counts.iter().map(|&c| u64::from(c)).sum(),
            Arrival::Times(t) => t.len() as u64,
        }
    }
}

/// How a minute's invocations are placed within it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spread {
    /// Independent uniform times within the minute (drawn in order).
    #[default]
    Uniform,
    /// Evenly spaced: invocation i of n at `(i + ½)/n` of the minute.
    Even,
}

/// Keep-alive and prewarm policies (see `serverless::policy` for each rule).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Policy {
    /// Serverful: `instances` per function started at time zero and never reclaimed; an
    /// instance started on demand is never reclaimed either.
    Serverful {
        /// Instances per function started at time zero.
        instances: u32,
    },
    /// A fixed keep-alive: an idle instance is reclaimed after `keep_alive` without an
    /// invocation (Knative's scale-to-zero grace, OpenWhisk's 10 minutes; 0: at once).
    Fixed {
        /// Idle time before reclaim.
        keep_alive: SimDuration,
    },
    /// Knative's autoscaler (KPA).
    Kpa(Kpa),
    /// The hybrid histogram policy of Shahrad et al. ("Serverless in the Wild", ATC'20).
    Histogram(Histogram),
    /// HotC: a live-container pool sized by exponential smoothing plus a Markov chain.
    HotC(HotC),
    /// Perfect knowledge of each function's next arrival (a bound).
    Oracle,
}

impl Policy {
    /// The spec spelling.
    pub fn name(&self) -> &'static str {
        match self {
            Policy::Serverful { .. } => "serverful",
            Policy::Fixed { .. } => "fixed",
            Policy::Kpa(_) => "kpa",
            Policy::Histogram(_) => "histogram",
            Policy::HotC(_) => "hotc",
            Policy::Oracle => "oracle",
        }
    }
    /// Every policy's spec spelling.
    pub const NAMES: &'static [&'static str] =
        &["serverful", "fixed", "kpa", "histogram", "hotc", "oracle"];
}

/// Knative Pod Autoscaler parameters (defaults: Knative's).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kpa {
    /// Averaging window of the stable mode (60 s).
    pub stable_window: SimDuration,
    /// Averaging window of the panic mode (6 s, 10 % of the stable window).
    pub panic_window: SimDuration,
    /// Panic when the panic-window demand reaches this multiple of the ready instances (2.0).
    pub panic_threshold: f64,
    /// Target in-flight invocations per instance (Knative's 100, capped by the function's
    /// concurrency).
    pub target: f64,
    /// Scale-to-zero grace: the last instance goes this long after demand fell to zero (30 s).
    pub grace: SimDuration,
    /// Autoscaler tick (2 s).
    pub tick: SimDuration,
}

impl Default for Kpa {
    fn default() -> Self {
        Kpa {
            stable_window: SimDuration::from_secs_f64(60.0),
            panic_window: SimDuration::from_secs_f64(6.0),
            panic_threshold: 2.0,
            target: 100.0,
            grace: SimDuration::from_secs_f64(30.0),
            tick: SimDuration::from_secs_f64(2.0),
        }
    }
}

/// Hybrid histogram policy parameters (defaults: the paper's).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Bin width of the idle-time histogram (1 minute).
    pub bin: SimDuration,
    /// Range of the histogram; longer idle times are out of bounds (4 hours).
    pub range: SimDuration,
    /// Percentile of idle times that sets the prewarm window (5).
    pub head_pct: f64,
    /// Percentile that sets the keep-alive window (99).
    pub tail_pct: f64,
    /// Safety margin: the prewarm window is shortened and the keep-alive lengthened by it (0.1).
    pub margin: f64,
    /// Idle times needed before the histogram is trusted; before, the fixed keep-alive
    /// `range` is used (the paper's conservative fallback).
    pub min_samples: u32,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            bin: SimDuration::from_secs_f64(60.0),
            range: SimDuration::from_secs_f64(4.0 * 3600.0),
            head_pct: 5.0,
            tail_pct: 99.0,
            margin: 0.1,
            min_samples: 10,
        }
    }
}

/// HotC parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HotC {
    /// Interval whose arrivals are counted and predicted (60 s).
    pub interval: SimDuration,
    /// Exponential smoothing factor (0.5).
    pub alpha: f64,
}

impl Default for HotC {
    fn default() -> Self {
        HotC {
            interval: SimDuration::from_secs_f64(60.0),
            alpha: 0.5,
        }
    }
}
