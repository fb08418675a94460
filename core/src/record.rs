//! The record schema: one struct per CSV file of a result folder.
//!
//! Simulation and emulation both write these records (with [`Mode`] telling which), and the
//! plots read nothing else. Column names are the field names; times are integer nanoseconds
//! (suffix `_ns`) or seconds (suffix `_s`), sizes are bytes. Every record carries the `run`
//! index of the sweep point that produced it; `runs.csv` maps runs to their parameters.

use serde::{Deserialize, Serialize};

mod placement_columns;
pub mod r_limit;
mod serverless;
mod suspend;
pub use placement_columns::PlacementColumns;
pub use serverless::{CallRecord, InstanceEnd, InstanceRecord, PoolRecord};
pub use suspend::{FunctionEventRecord, FunctionRecord, FunctionState, MemoryRecord};

/// Where a record was measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The discrete-event simulator.
    #[default]
    Sim,
    /// The emulation testbed (real processes on a real host).
    Emu,
}

/// One row of `runs.csv`: a sweep point × replication and what came of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Run index (0-based, in sweep order).
    pub run: u32,
    /// Sweep point index (runs of the same point differ only by replication).
    pub point: u32,
    /// Replication number within the point (0-based).
    pub replication: u32,
    /// The run's seed (derived from the experiment seed and the replication).
    pub seed: u64,
    /// Application model name (`face`, `taxi`, `stress`, ...).
    pub app: String,
    /// Checkpoint method (`long_running`, `microlambda`, `criu`).
    pub method: String,
    /// Placement policy (a name registered in `mlsim_core::policies`). Its parameters follow
    /// as `placement_<param>` columns, written by the result folder ([`PlacementColumns`]).
    #[serde(default)]
    pub placement: String,
    /// Runtime limit r_limit \[s\]; `inf` for long-running ([`r_limit`]).
    #[serde(with = "r_limit")]
    pub r_limit_s: Option<f64>,
    /// Items per request (images, ride requests, stress windows); empty for a mix of workload
    /// classes, whose items per class are the folder's `items_<app>` columns.
    pub items: Option<u32>,
    /// The swept parameters of this point as `key=value` pairs joined by `;`.
    pub params: String,
    /// `ok` or `failed: <reason>`.
    pub status: String,
    /// Events the engine processed (0 for emulation).
    pub events: u64,
}

/// One row of `requests.csv`: an offloading request from submission to notification.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Request number within the run.
    pub request: u32,
    /// Application model name.
    pub app: String,
    /// Checkpoint method.
    pub method: String,
    /// Runtime limit r_limit \[s\]; `inf` for long-running ([`r_limit`]).
    #[serde(with = "r_limit")]
    pub r_limit_s: Option<f64>,
    /// Items in the request.
    pub items: u32,
    /// Client submits the request (step 1 leaves the UE) \[ns\].
    pub submit_ns: u64,
    /// Client is notified of the output (step 7 reaches the UE) \[ns\]; 0 if it never was.
    pub done_ns: u64,
    /// Execution time as the paper defines it: done - submit \[s\].
    pub exec_time_s: f64,
    /// Invocations of λ(f) over all tasks of the request.
    pub invocations: u32,
    /// Checkpoints that completed before their deadline.
    pub checkpoints: u32,
    /// Checkpoints that missed their deadline (their invocation's work was lost).
    pub missed_checkpoints: u32,
    /// Core time of the invocations whose work was lost (a checkpoint that missed its deadline,
    /// or long-running work killed at an eviction deadline), each from taking its core to the
    /// kill: restore and set-up included, since the BBU spent them for nothing too \[s\]. Their
    /// restore times are the `restore_ns` of the `lost` rows of `invocations.csv`.
    pub lost_work_s: f64,
    /// Cold starts (installs of λ(f) on a worker) caused by this request.
    pub cold_starts: u32,
    /// Workers that ran a continuation other than the task's previous worker.
    pub migrations: u32,
    /// Eviction notices its invocations received because C-RAN load rose (0 without eviction).
    #[serde(default)]
    pub evictions: u32,
    /// Network load: sum of the sizes of all protocol messages of this request \[bytes\].
    pub bytes: u64,
    /// `ok`, or `failed: <reason>` (e.g. no progress possible within r_limit).
    pub status: String,
}

/// How an invocation ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The task finished all its work.
    #[default]
    Completed,
    /// The task checkpointed before the deadline; a continuation follows.
    Checkpointed,
    /// The checkpoint missed the deadline: work since the previous checkpoint is lost.
    Lost,
}

/// One row of `invocations.csv`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvocationRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Request number.
    pub request: u32,
    /// Task number within the request.
    pub task: u32,
    /// Invocation number within the task (0-based).
    pub invocation: u32,
    /// Worker BBU.
    pub bbu: u32,
    /// The invoke message reached the worker \[ns\].
    pub invoked_ns: u64,
    /// The invocation got a core and started (restore included in its runtime) \[ns\].
    pub start_ns: u64,
    /// The core was released \[ns\].
    pub end_ns: u64,
    /// Restore time of the previous state at start \[ns\].
    pub restore_ns: u64,
    /// Work done in this invocation and kept (lost work is not counted) [ns of compute at speed 1].
    pub work_ns: u64,
    /// Items finished by the end of this invocation (cumulative over the task).
    pub items_done: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// Whether λ(f) had to be installed on the worker first.
    pub cold_start: bool,
    /// The invocation got an eviction notice (C-RAN load rose) rather than reaching r_limit.
    #[serde(default)]
    pub evicted: bool,
}

/// One row of `checkpoints.csv`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Application model name.
    pub app: String,
    /// Checkpoint method.
    pub method: String,
    /// Request number (the sample number in a checkpoint probe).
    pub request: u32,
    /// Task number.
    pub task: u32,
    /// Invocation number.
    pub invocation: u32,
    /// Worker BBU.
    pub bbu: u32,
    /// Checkpointing starts (after any wait for a safe point) \[ns\].
    pub start_ns: u64,
    /// Wait from the tracker's signal to the next safe point (μλ only) \[ns\].
    pub safepoint_wait_ns: u64,
    /// Checkpoint time as the paper defines it: from the start of checkpointing until the
    /// checkpoint is on the file system \[ns\].
    pub time_ns: u64,
    /// Items finished when the checkpoint was taken.
    pub items_done: u32,
    /// State captured, before compression \[bytes\].
    pub raw_bytes: u64,
    /// Checkpoint size as the paper defines it: compressed \[bytes\].
    pub size_bytes: u64,
    /// Whether the checkpoint was on the file system before the eviction deadline.
    pub deadline_met: bool,
}

/// One row of `links.csv`: traffic on one direction of one link over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Link kind: `radio`, `wired` or `local`.
    pub kind: String,
    /// Sending node (`ue0`, `bbu1`, ...).
    pub from: String,
    /// Receiving node.
    pub to: String,
    /// Messages sent.
    pub messages: u64,
    /// Bytes sent \[bytes\].
    pub bytes: u64,
    /// Time the direction was busy serialising \[ns\].
    pub busy_ns: u64,
}

/// One row of `steps.csv`: messages and bytes per protocol step (Fig. 3 of the paper).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Protocol step, 1 to 7.
    pub step: u8,
    /// Messages of this step.
    pub messages: u64,
    /// Bytes of this step \[bytes\].
    pub bytes: u64,
}

/// One row of `bbus.csv`: a BBU over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BbuRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// BBU index.
    pub bbu: u32,
    /// Cores.
    pub cores: u32,
    /// Core-time used by offloaded work \[s\].
    pub offload_core_s: f64,
    /// Core-time used by C-RAN processing \[s\].
    pub cran_core_s: f64,
    /// Length of the run \[s\].
    pub horizon_s: f64,
    /// Offloaded share of the BBU's capacity over the run (offload_core_s / (cores × horizon)).
    pub offload_utilisation: f64,
    /// Core-time during which C-RAN wanted a core that offloaded work held \[s\]. Zero means the
    /// C-RAN priority guarantee held.
    pub cran_wait_core_s: f64,
    /// Episodes in which C-RAN wanted a core that offloaded work held (each rise of the load
    /// that found too few free cores counts once).
    #[serde(default)]
    pub cran_waits: u32,
    /// Invocations that ran on this BBU.
    pub invocations: u32,
    /// Eviction notices given to offloaded invocations here because C-RAN load rose.
    #[serde(default)]
    pub evictions: u32,
}
