//! The validated description of one run: what a TOML spec (plus the model file) becomes after
//! parsing and validation. Every quantity has its unit in its name or its doc; durations are
//! [`SimDuration`]. Values here are trusted: the spec layer has checked ranges and references.

use crate::method::{MethodDef, MethodId};
use crate::methods;
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};

/// Everything one simulation run needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The run seed (named streams derive from it).
    pub seed: u64,
    /// BBUs, links and where the control plane lives.
    pub topology: Topology,
    /// The workload classes, each an application with its requests (one class for the paper's
    /// figures; several for a mixed workload). Never empty.
    pub workloads: Vec<Workload>,
    /// How tasks vacate a BBU.
    pub checkpoint: CheckpointConfig,
    /// How C-RAN load rises evict offloaded work.
    pub eviction: Eviction,
    /// Where invocations run: the placement policy and its parameters, validated.
    pub placement: crate::policies::PlacementConfig,
    /// Message sizes and fixed protocol costs.
    pub protocol: Protocol,
    /// Stop the run at this time even if requests are still running ("never" by default).
    pub horizon: SimTime,
    /// The suspend study's long-running blocking functions (seed 000; runs of kind
    /// `suspend`), `None` otherwise. Their app is `workloads[0].app`; the suspend method is
    /// `checkpoint.method`.
    #[serde(default)]
    pub suspend: Option<Suspend>,
    /// The serverless study's functions and keep-alive policy (seed 004; runs of kind
    /// `serverless`), `None` otherwise.
    #[serde(default)]
    pub serverless: Option<crate::serverless::Serverless>,
}

/// How the events of a blocking function are spaced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FunctionArrival {
    /// A Poisson process of rate `events_per_s` (each function its own stream).
    Poisson,
    /// Every 1/`events_per_s` exactly: event k of function f at (k + 1)/rate + f·`phase`
    /// (a sensor read on a timer).
    Periodic {
        /// Shift between consecutive functions.
        phase: SimDuration,
    },
    /// From a trace: each function's event times, sorted (index = function; a function past
    /// the end has none). `events_per_s` and `events` are not used.
    Trace(Vec<Vec<SimTime>>),
}

/// Long-running blocking functions on memory-limited BBUs (seed 000, Karhula et al.): each
/// function is deployed once, then alternates blocked waits (until its next event) and compute
/// bursts (one per event). After `idle` blocked it is suspended with the run's method (a pause
/// keeps its memory; a checkpoint to disk frees it) and woken by its next event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suspend {
    /// Functions deployed at time zero.
    pub functions: u32,
    /// Resident memory of one function while it runs, blocks or is paused \[bytes\].
    pub memory_bytes: u64,
    /// Raw bytes a checkpoint of one function captures (its process image for CRIU/Docker, its
    /// program state for μλ) \[bytes\].
    pub image_bytes: u64,
    /// Compressed / raw ratio of what a checkpoint writes.
    pub image_compression: f64,
    /// Compute of one burst on a reference core.
    pub burst: TimeDist,
    /// Events per function per second \[1/s\].
    pub events_per_s: f64,
    /// How a function's events are spaced.
    pub arrival: FunctionArrival,
    /// Events per function; the run ends when every function has served all of its events (or
    /// at the horizon).
    pub events: u32,
    /// Blocked time after which a function is suspended ([`SuspendWhen::Idle`]).
    pub idle: SimDuration,
    /// When a blocked function is suspended.
    #[serde(default)]
    pub when: SuspendWhen,
}

/// When a blocked function is suspended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SuspendWhen {
    /// After `idle` blocked with no event.
    #[default]
    Idle,
    /// Only when another function waits for memory on its BBU: blocked functions are
    /// checkpointed, longest blocked first, until it fits (`rules::pressure_victims`); a
    /// function stays resident (and wakes at once) as long as nobody needs its memory. Only
    /// for methods that free memory.
    Pressure,
}

/// BBUs and links.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    /// The BBUs, indexed by [`crate::BbuId`].
    pub bbus: Vec<Bbu>,
    /// The BBU hosting the Redis store and the Manager.
    pub control_bbu: u32,
    /// The BBUs whose Workers may run λ(f).
    pub workers: Vec<u32>,
    /// Number of UEs (clients); requests are spread over them round-robin.
    pub ues: u32,
    /// 5G radio link between a UE and the control BBU (steps 1 and 7).
    pub radio: LinkParams,
    /// Wired link between two BBUs.
    pub wired: LinkParams,
    /// Loopback between components on the same BBU.
    pub local: LinkParams,
    /// How a message crosses a link (fluid, or TCP with slow start).
    #[serde(default)]
    pub transport: Transport,
}

/// How a message crosses a link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Transport {
    /// A fluid flow at the link's full rate from its first byte: bytes · 8 / bandwidth, then
    /// the latency.
    #[default]
    Fluid,
    /// TCP without loss, every message on a connection in slow start (a new connection, or
    /// one idle for longer than its retransmission timeout: Linux's default
    /// `tcp_slow_start_after_idle`). The window starts at `initial_window` segments of `mss`
    /// bytes and doubles every round trip (2 × latency) until it covers the path's
    /// bandwidth-delay product; from then on the rest flows at the link's rate.
    Tcp {
        /// Initial congestion window \[segments\] (Linux: 10, RFC 6928).
        initial_window: u32,
        /// Payload bytes per segment \[bytes\] (1448 on Ethernet with TCP timestamps).
        mss: u32,
    },
}

/// One baseband unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bbu {
    /// General-purpose cores.
    pub cores: u32,
    /// Speed relative to the reference core the app models were measured on (1.0 = same).
    pub speed: f64,
    /// Memory \[MiB\].
    pub memory_mib: u64,
    /// C-RAN load over time.
    pub load: LoadProcess,
    /// Extra one-way latency of this BBU's wired links (its distance from the others), added
    /// to the topology's wired latency on every message to or from it.
    pub extra_latency: SimDuration,
    /// Capacity of this BBU's wired links [bit/s], if lower than the topology's (a message
    /// between two BBUs gets the smallest of the three).
    pub wired_bandwidth_bps: Option<f64>,
}

/// When and how offloaded work is told to vacate cores that C-RAN load takes back.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Eviction {
    /// When the notice comes.
    pub notice: Notice,
    /// Time an evicted invocation has to checkpoint and leave.
    pub grace: SimDuration,
}

/// When an eviction notice comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    /// No eviction: offloaded work keeps its cores until it finishes or reaches r_limit, and
    /// C-RAN waits for them (the wait is measured). The issue-#2 behaviour.
    None,
    /// C-RAN announces each load rise `grace` ahead (its scheduler knows the radio load of the
    /// coming frames); evicted work must be gone when the rise takes effect, so C-RAN never
    /// waits. Work that cannot checkpoint in time is lost.
    Ahead,
    /// The notice comes when the rise takes effect; C-RAN waits up to `grace` for the cores
    /// (measured as C-RAN waits).
    OnChange,
}

impl Eviction {
    /// No eviction.
    pub const NONE: Eviction = Eviction {
        notice: Notice::None,
        grace: SimDuration::ZERO,
    };
}

/// C-RAN load of a BBU as the fraction of its cores that radio processing needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LoadProcess {
    /// The same load all the time (fraction of cores, 0 to 1).
    Constant(f64),
    /// A step function: from each time on, the given fraction (sorted by time, first at 0).
    Trace(Vec<(SimTime, f64)>),
    /// A daily (or any periodic) profile with Gaussian noise, re-sampled every `step`:
    /// load(t) = clamp(mean + amplitude · cos(2π (t − peak) / period) + N(0, noise_sd²), 0, 1)
    /// at t = 0, step, 2·step, …; a change is emitted only when the sampled value differs from
    /// the previous one.
    Diurnal {
        /// Average load (fraction of cores, 0 to 1).
        mean: f64,
        /// Half the peak-to-trough swing (fraction of cores).
        amplitude: f64,
        /// Length of one cycle (e.g. 24 h).
        period: SimDuration,
        /// Time within the cycle, from the start of the run, at which the load peaks.
        peak: SimDuration,
        /// Standard deviation of the independent noise added to each sample (fraction of
        /// cores; 0 = no noise).
        noise_sd: f64,
        /// Time between samples (> 0).
        step: SimDuration,
        /// Each BBU's peak is shifted by a uniform draw from [−peak_jitter, +peak_jitter] of its
        /// own load stream (zero: no shift, no draw), so BBUs of one class peak at different
        /// times.
        peak_jitter: SimDuration,
    },
    /// Bursty load: a continuous-time Markov chain over load levels. In state i the load is
    /// `levels[i]`; the chain stays there for an exponential time with mean `mean_hold[i]`, then
    /// moves to state j with probability `next[i][j]`. Moves between states of equal level
    /// are not emitted as changes.
    Markov {
        /// Load in each state (fraction of cores, 0 to 1).
        levels: Vec<f64>,
        /// Mean holding time in each state (> 0); one per level.
        mean_hold: Vec<SimDuration>,
        /// Transition matrix: row i holds the probabilities (summing to 1) of the state that
        /// follows state i; one row per level, one column per level.
        next: Vec<Vec<f64>>,
        /// Index of the state at time zero.
        initial: usize,
    },
}

/// Latency and bandwidth of one link kind, the same in both directions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkParams {
    /// One-way propagation and processing delay.
    pub latency: SimDuration,
    /// Capacity [bit/s].
    pub bandwidth_bps: f64,
}

impl LinkParams {
    /// How long a message of `bytes` keeps the sender busy, and when its last byte arrives,
    /// both from the instant it starts: `(busy, arrival)`. Fluid: `busy` = bytes · 8 /
    /// bandwidth and `arrival` = busy + latency. TCP ([`Transport::Tcp`]): while the window `w`
    /// (doubling from `initial_window · mss`) is below the bandwidth-delay product and below
    /// what is left, a round sends `w` bytes and lasts one round trip (2 × latency); the rest
    /// then flows at the link's rate and arrives one latency later.
    pub fn transfer(&self, bytes: u64, transport: Transport) -> (SimDuration, SimDuration) {
        let fluid = self.serialization(bytes);
        let Transport::Tcp {
            initial_window,
            mss,
        } = transport
        else {
            return (fluid, fluid + self.latency);
        };
        let rtt = 2 * self.latency.as_nanos();
        let bdp = self.bandwidth_bps * (rtt as f64) * 1e-9 / 8.0; // [bytes]
        let mut w = f64::from(initial_window.max(1)) * f64::from(mss.max(1));
        let mut left = bytes as f64;
        let mut rounds: u64 = 0;
        while left > w && w < bdp {
            left -= w;
            w *= 2.0;
            rounds += 1;
        }
        let rest = self.serialization(left.round() as u64);
        let busy = SimDuration(rounds * rtt) + rest;
        (busy, busy + self.latency)
    }

    /// Time to put `bytes` on the wire: bytes · 8 / bandwidth.
    pub fn serialization(&self, bytes: u64) -> SimDuration {
        if bytes == 0 {
            SimDuration::ZERO
        } else {
            SimDuration::from_secs_f64(bytes as f64 * 8.0 / self.bandwidth_bps)
        }
    }
}

/// The application and its requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    /// The application model.
    pub app: AppModel,
    /// Items per request (images, ride requests, stress windows).
    pub items: u32,
    /// Requests per run.
    pub requests: u32,
    /// When requests are submitted.
    pub arrival: Arrival,
}

/// When requests are submitted.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Arrival {
    /// One after another: request k+1 is submitted when the client is notified of request k.
    Sequential,
    /// A Poisson process with this rate [requests/s].
    Poisson {
        /// Arrival rate [1/s].
        rate_per_s: f64,
    },
}

/// How an application behaves, as the simulator models it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppModel {
    /// Name (`face`, `taxi`, `stress`, or one a model file defines).
    pub name: String,
    /// What an item is, for labels ("images", "ride requests", "windows").
    pub item_label: String,
    /// Compute time of one item on a reference core.
    pub item_time: TimeDist,
    /// Set-up compute time on a reference core: from the program's start until its first safe
    /// point (inputs built, models loaded). Paid by every invocation that starts the program,
    /// fresh or as a μλ resume, but not by a process restore (CRIU), whose image is past it.
    /// μλ cannot checkpoint during the set-up. `None`: no set-up (the paper's model).
    #[serde(default)]
    pub setup: Option<TimeDist>,
    /// Safe points per item: μλ can checkpoint only between segments (native calls bound the
    /// checkpoint resolution), so an item is `segments` equal parts.
    pub segments: u32,
    /// Parallel shards per item (stress feature extraction on several workers): 1 = sequential.
    pub shards: u32,
    /// Extra compute per item that runs after the shards join, on shard 0 (e.g. classification).
    pub join_time: SimDuration,
    /// Input bytes per item sent with the request (step 1) and to invocations (step 4).
    pub input_bytes_per_item: u64,
    /// Extra input bytes for the first item (e.g. the first stress window brings 2 min of
    /// signal, later ones 30 s).
    pub first_item_extra_bytes: u64,
    /// Output bytes per item (step 5 final and step 7).
    pub output_bytes_per_item: u64,
    /// Program state (what μλ saves), uncompressed \[bytes\] = base + per_item · items_done,
    /// capped at `max`.
    pub state: SizeModel,
    /// Compressed / raw ratio of the program state.
    pub state_compression: f64,
    /// Resident memory of the process (what CRIU dumps) \[bytes\] = base + per_item · items_done.
    pub rss: SizeModel,
    /// Resident memory while the set-up runs \[bytes\]: what a whole-process dump (CRIU, Docker)
    /// taken during the set-up captures, for a program whose set-up builds large inputs or
    /// models it does not hold yet. `None`: `rss` at no progress.
    #[serde(default)]
    pub setup_rss: Option<u64>,
    /// Compressed / raw ratio of a CRIU image of this app.
    pub image_compression: f64,
    /// Relative spread (coefficient of variation) of the sizes between checkpoints.
    pub size_cv: f64,
}

/// A size that grows with progress \[bytes\].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeModel {
    /// Size at no progress \[bytes\].
    pub base: u64,
    /// Growth per finished item \[bytes\].
    pub per_item: u64,
    /// Upper bound \[bytes\].
    pub max: u64,
}

impl SizeModel {
    /// The size after `items_done` items \[bytes\].
    pub fn at(&self, items_done: u32) -> u64 {
        self.base
            .saturating_add(self.per_item.saturating_mul(items_done as u64))
            .min(self.max)
    }
}

/// A distribution of durations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TimeDist {
    /// Always the same.
    Constant(SimDuration),
    /// Exponential with this mean.
    Exponential(SimDuration),
    /// Log-normal with this mean and coefficient of variation.
    LogNormal {
        /// Mean.
        mean: SimDuration,
        /// Coefficient of variation (std / mean).
        cv: f64,
    },
}

impl TimeDist {
    /// The coefficient of variation (0 for constant, 1 for exponential).
    pub fn cv(&self) -> f64 {
        match *self {
            TimeDist::Constant(_) => 0.0,
            TimeDist::Exponential(_) => 1.0,
            TimeDist::LogNormal { cv, .. } => cv,
        }
    }
    /// The mean.
    pub fn mean(&self) -> SimDuration {
        match *self {
            TimeDist::Constant(d) | TimeDist::Exponential(d) => d,
            TimeDist::LogNormal { mean, .. } => mean,
        }
    }
}

/// How tasks vacate a BBU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointConfig {
    /// The method and its cost model.
    pub method: Method,
    /// Runtime limit r_limit of one invocation; `None` for long-running.
    pub r_limit: Option<SimDuration>,
    /// Safety margin the timeout tracker adds to its checkpoint budget when it decides when to
    /// signal.
    pub tracker_margin: SimDuration,
    /// How many standard deviations above the mean the tracker budgets for the checkpoint time
    /// and (μλ) the wait for the next safe point: budget = mean × (1 + k·cv).
    pub tracker_sigmas: f64,
    /// A task fails after this many invocations in a row that saved no progress.
    pub max_idle_invocations: u32,
}

/// A checkpoint method with its cost model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// Which method (its definition: [`Method::get`]).
    pub id: MethodId,
    /// Its cost model; `None` exactly when the method never checkpoints.
    pub cost: Option<CostModel>,
}

impl Method {
    /// The method that never checkpoints: the paper's long-running baseline.
    pub fn long_running() -> Method {
        Method {
            id: methods::named("long_running"),
            cost: None,
        }
    }
    /// The method named `name` in the registry with `cost`; panics on an unknown name (for
    /// tests and code that name a method literally; specs go through [`methods::find`]).
    pub fn named(name: &str, cost: CostModel) -> Method {
        Method {
            id: methods::named(name),
            cost: Some(cost),
        }
    }
    /// The method's definition (what the simulator and the emulation ask of it).
    pub fn get(&self) -> &'static MethodDef {
        self.id.def()
    }
    /// The name used in specs and records.
    pub fn name(&self) -> &'static str {
        self.id.name()
    }
    /// The cost model, if the method checkpoints.
    pub fn cost(&self) -> Option<&CostModel> {
        self.cost.as_ref()
    }
}

/// Checkpoint and restore time as affine functions of the bytes captured, with log-normal
/// noise. For μλ the bytes are the raw program state, for CRIU the raw process image.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostModel {
    /// Fixed part of the checkpoint time.
    pub checkpoint_base: SimDuration,
    /// Checkpoint time per MiB captured [ns/MiB].
    pub checkpoint_per_mib_ns: f64,
    /// Coefficient of variation of the checkpoint time.
    pub checkpoint_cv: f64,
    /// Fixed part of the restore time.
    pub restore_base: SimDuration,
    /// Restore time per MiB captured [ns/MiB].
    pub restore_per_mib_ns: f64,
    /// Coefficient of variation of the restore time.
    pub restore_cv: f64,
    /// Share of the checkpoint time's fixed part that is CPU work on the BBU and so scales with
    /// its speed (the rest, I/O and waiting, does not): on a BBU of speed `s` a time `t` takes
    /// `t·(1 − share + share/s)` ([`at_speed`]). 0 (the default): the time is the same on every
    /// BBU, as the paper's bounds are given.
    #[serde(default)]
    pub checkpoint_cpu_share: f64,
    /// The same for the checkpoint time's per-MiB part (writing the image: mostly I/O).
    #[serde(default)]
    pub checkpoint_per_mib_cpu_share: f64,
    /// The same for the restore time's fixed part.
    #[serde(default)]
    pub restore_cpu_share: f64,
    /// The same for the restore time's per-MiB part.
    #[serde(default)]
    pub restore_per_mib_cpu_share: f64,
}

impl CostModel {
    /// Mean checkpoint time for `raw_bytes` captured, on a reference core (speed 1).
    pub fn checkpoint_mean(&self, raw_bytes: u64) -> SimDuration {
        self.checkpoint_base
            + SimDuration::from_nanos_f64(self.checkpoint_per_mib_ns * mib(raw_bytes))
    }
    /// Mean restore time for `raw_bytes` captured, on a reference core (speed 1).
    pub fn restore_mean(&self, raw_bytes: u64) -> SimDuration {
        self.restore_base + SimDuration::from_nanos_f64(self.restore_per_mib_ns * mib(raw_bytes))
    }
    /// Mean checkpoint time for `raw_bytes` captured on a BBU of speed `speed`: each part
    /// scaled by its CPU share ([`at_speed`]). Exactly [`CostModel::checkpoint_mean`] when
    /// both shares are 0 or the speed is 1.
    pub fn checkpoint_mean_at(&self, raw_bytes: u64, speed: f64) -> SimDuration {
        if (self.checkpoint_cpu_share == 0.0 && self.checkpoint_per_mib_cpu_share == 0.0)
            || speed == 1.0
        {
            return self.checkpoint_mean(raw_bytes);
        }
        at_speed(self.checkpoint_base, self.checkpoint_cpu_share, speed)
            + at_speed(
                SimDuration::from_nanos_f64(self.checkpoint_per_mib_ns * mib(raw_bytes)),
                self.checkpoint_per_mib_cpu_share,
                speed,
            )
    }
    /// Mean restore time for `raw_bytes` captured on a BBU of speed `speed` (see
    /// [`CostModel::checkpoint_mean_at`]).
    pub fn restore_mean_at(&self, raw_bytes: u64, speed: f64) -> SimDuration {
        if (self.restore_cpu_share == 0.0 && self.restore_per_mib_cpu_share == 0.0) || speed == 1.0
        {
            return self.restore_mean(raw_bytes);
        }
        at_speed(self.restore_base, self.restore_cpu_share, speed)
            + at_speed(
                SimDuration::from_nanos_f64(self.restore_per_mib_ns * mib(raw_bytes)),
                self.restore_per_mib_cpu_share,
                speed,
            )
    }
}

/// A time `t` measured on a reference core, of which the share `cpu_share` is CPU work, on a
/// BBU of speed `speed`: `t·(1 − cpu_share + cpu_share/speed)`. Exactly `t` when the share is 0
/// or the speed 1 (no rounding: outputs of such models and BBUs do not change).
pub fn at_speed(t: SimDuration, cpu_share: f64, speed: f64) -> SimDuration {
    if cpu_share == 0.0 || speed == 1.0 || speed.is_nan() || speed <= 0.0 {
        return t;
    }
    SimDuration::from_nanos_f64(t.as_nanos() as f64 * (1.0 - cpu_share + cpu_share / speed))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Fixed sizes and costs of the seven-step protocol.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    /// Per-message overhead (frame, IP, TCP, HTTP/RESP headers) \[bytes\].
    pub header_bytes: u64,
    /// Request metadata in step 1 besides the input (function name, ids) \[bytes\].
    pub request_bytes: u64,
    /// A pub/sub notification (steps 2 and 6) \[bytes\].
    pub notify_bytes: u64,
    /// The λ(f) package a worker receives to install it (step 3) \[bytes\].
    pub install_bytes: u64,
    /// Invocation metadata in step 4 besides input and state \[bytes\].
    pub invoke_bytes: u64,
    /// Time to install λ(f) on a worker the first time (a cold start).
    pub cold_start: SimDuration,
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_times_cpu_share_scales_with_the_speed_and_the_rest_does_not() {
        // 100 ms of which 70 % CPU, at speed 0.4: 100 × (0.3 + 0.7 / 0.4) = 100 × 2.05 = 205 ms;
        // at speed 2: 100 × (0.3 + 0.35) = 65 ms. Share 0 or speed 1: exactly 100 ms.
        let t = crate::SimDuration::from_millis(100);
        assert_eq!(at_speed(t, 0.7, 0.4), crate::SimDuration::from_millis(205));
        assert_eq!(at_speed(t, 0.7, 2.0), crate::SimDuration::from_millis(65));
        assert_eq!(at_speed(t, 0.0, 0.4), t);
        assert_eq!(at_speed(t, 0.7, 1.0), t);
    }

    #[test]
    fn a_cost_models_fixed_and_per_mib_parts_scale_by_their_own_shares() {
        // 100 ms + 10 ms/MiB, 4 MiB: 100 + 40 ms on a reference core. Fixed part all CPU, per-MiB
        // part a quarter: at speed 0.5, 100 / 0.5 + 40 × (0.75 + 0.25 / 0.5) = 200 + 50 = 250 ms.
        let ms = crate::SimDuration::from_millis;
        let c = CostModel {
            checkpoint_base: ms(100),
            checkpoint_per_mib_ns: 10e6,
            checkpoint_cv: 0.0,
            restore_base: ms(100),
            restore_per_mib_ns: 10e6,
            restore_cv: 0.0,
            checkpoint_cpu_share: 1.0,
            checkpoint_per_mib_cpu_share: 0.25,
            restore_cpu_share: 0.0,
            restore_per_mib_cpu_share: 0.0,
        };
        let raw = 4 << 20;
        assert_eq!(c.checkpoint_mean(raw), ms(140));
        assert_eq!(c.checkpoint_mean_at(raw, 0.5), ms(250));
        assert_eq!(c.checkpoint_mean_at(raw, 1.0), ms(140));
        assert_eq!(
            c.restore_mean_at(raw, 0.5),
            ms(140),
            "no shares: not scaled"
        );
    }

    use super::*;

    const TCP: Transport = Transport::Tcp {
        initial_window: 10,
        mss: 1448,
    };

    fn link(latency_ms: u64, mbps: f64) -> LinkParams {
        LinkParams {
            latency: SimDuration::from_millis(latency_ms),
            bandwidth_bps: mbps * 1e6,
        }
    }

    /// 1 MB over 10 ms one way at 100 Mbit/s: bandwidth-delay product 250 000 B. Windows of
    /// 14 480, 28 960, 57 920, 115 840, 231 680 B take one 20-ms round each (448 880 B); the
    /// window is then 463 360 B ≥ 250 000 B, so the other 551 120 B flow at 100 Mbit/s:
    /// 44.0896 ms. Busy 144.0896 ms, arrival 154.0896 ms (fluid: 80 and 90 ms).
    #[test]
    fn tcp_slow_start_by_hand() {
        let l = link(10, 100.0);
        assert_eq!(
            l.transfer(1_000_000, TCP),
            (SimDuration(144_089_600), SimDuration(154_089_600))
        );
        assert_eq!(
            l.transfer(1_000_000, Transport::Fluid),
            (SimDuration(80_000_000), SimDuration(90_000_000))
        );
    }

    /// A message within the initial window, or a path without latency, is fluid.
    #[test]
    fn small_messages_and_zero_latency_paths_are_fluid() {
        let l = link(10, 100.0);
        assert_eq!(
            l.transfer(14_480, TCP),
            l.transfer(14_480, Transport::Fluid)
        );
        let l = link(0, 100.0);
        assert_eq!(
            l.transfer(5_000_000, TCP),
            l.transfer(5_000_000, Transport::Fluid)
        );
        assert_eq!(l.transfer(0, TCP), (SimDuration::ZERO, SimDuration::ZERO));
    }

    /// An unlimited link: only the rounds count (log2 of the message in initial windows).
    /// 100 000 B from 14 480 B windows: 14 480 + 28 960 + 57 920 = 101 360 ≥ 100 000 after two
    /// full rounds plus a last partial one of 42 560 B that takes no time: 2 round trips.
    #[test]
    fn an_unlimited_link_costs_round_trips_only() {
        let l = LinkParams {
            latency: SimDuration::from_millis(5),
            bandwidth_bps: f64::INFINITY,
        };
        assert_eq!(
            l.transfer(100_000, TCP),
            (SimDuration(20_000_000), SimDuration(25_000_000))
        );
    }
}
