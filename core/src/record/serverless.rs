//! The serverless study's records (seed 004): `calls.csv` (one row per invocation),
//! `instances.csv` (one per function instance), `pools.csv` (one per worker BBU).

use super::Mode;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One row of `calls.csv`: a serverless invocation, from its arrival to its end.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Keep-alive / prewarm policy (its spec spelling).
    pub policy: Cow<'static, str>,
    /// Function index.
    pub function: u32,
    /// Instance that served it (its number in `instances.csv`).
    pub instance: u64,
    /// BBU it ran on.
    pub bbu: u32,
    /// Whether it waited for a cold start (no live instance had a free slot).
    pub cold: bool,
    /// It arrives \[ns\].
    pub arrival_ns: u64,
    /// It starts computing (after any cold start and core wait) \[ns\].
    pub start_ns: u64,
    /// It ends \[ns\].
    pub done_ns: u64,
    /// Start delay: start − arrival \[s\] (cold start, memory and core waits).
    pub wait_s: f64,
    /// Response time: done − arrival \[s\].
    pub response_s: f64,
}

/// Why an instance ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceEnd {
    /// Reclaimed by its policy (keep-alive over, or a tick's scale-down).
    #[default]
    Policy,
    /// Reclaimed idle to make room for another function's cold start.
    Pressure,
    /// Still live when the run ended.
    RunEnd,
}

/// One row of `instances.csv`: a function instance from its cold start to its reclaim.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Keep-alive / prewarm policy.
    pub policy: Cow<'static, str>,
    /// Instance number (0, 1, … in the order they were started).
    pub instance: u64,
    /// Function index.
    pub function: u32,
    /// BBU it ran on.
    pub bbu: u32,
    /// Started by the policy ahead of demand (prewarm, time zero, tick), not by an invocation.
    pub prewarmed: bool,
    /// Its cold start began (its memory is held from here) \[ns\].
    pub created_ns: u64,
    /// Its cold start ended \[ns\] (empty if the run ended first).
    pub ready_ns: Option<u64>,
    /// It was reclaimed, or the run ended \[ns\].
    pub end_ns: u64,
    /// Why it ended.
    pub end: InstanceEnd,
    /// Cold start: ready − created \[s\] (image pull, container start, install).
    pub cold_start_s: Option<f64>,
    /// Invocations it served.
    pub invocations: u32,
    /// Time it was live and idle \[s\] (its memory held for nothing).
    pub idle_s: f64,
    /// Time it served at least one invocation \[s\].
    pub busy_s: f64,
}

/// One row of `pools.csv`: a worker BBU's instances over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Keep-alive / prewarm policy.
    pub policy: Cow<'static, str>,
    /// BBU index.
    pub bbu: u32,
    /// Memory of the BBU \[MiB\].
    pub memory_mib: f64,
    /// Length of the run \[s\].
    pub horizon_s: f64,
    /// Memory-time of idle warm instances (the waste) \[MiB·s\].
    pub idle_mib_s: f64,
    /// Memory-time of instances serving invocations \[MiB·s\].
    pub busy_mib_s: f64,
    /// Memory-time of instances in their cold start \[MiB·s\].
    pub starting_mib_s: f64,
    /// Most memory held by instances at once \[MiB\].
    pub peak_mib: f64,
    /// Cold starts begun here (prewarms included).
    pub cold_starts: u32,
    /// Of them, prewarms (started ahead of demand).
    pub prewarms: u32,
    /// Image pulls.
    pub pulls: u32,
    /// Instances reclaimed to make room for another cold start.
    pub pressure_reclaims: u32,
    /// Invocations served here.
    pub invocations: u64,
    /// Time-average of C-RAN's cores here.
    pub cran_cores_mean: f64,
}
