//! The messages of the seven steps and the agents' configuration files (all JSON).
//!
//! Redis names (one redis-server per run, so no run prefix is needed):
//!
//! | name | kind | written by | step |
//! |---|---|---|---|
//! | `mlsim:in:<req>` | key: the request's input payload | client | 1 |
//! | `mlsim:requests` | channel: [`RequestMsg`] | client → manager | 1, 2 |
//! | `mlsim:state:<req>:<task>` | key: the last checkpoint (μλ state file or CRIU image archive) | worker | 5 |
//! | `mlsim:out:<req>:<task>` | key: output lines of the task so far (`APPEND`ed) | worker | 5 |
//! | `mlsim:carry:<req>:<window>` | key: sharded stress, the state after a window's join | worker | 5 |
//! | `mlsim:events` | channel: [`EventMsg`] | worker → manager | 5, 6 |
//! | `mlsim:done:<req>` | channel: [`DoneMsg`] header line + the output | manager → client | 7 |
//!
//! The manager → worker calls are HTTP `POST /install` ([`InstallMsg`], step 3) and
//! `POST /invoke` (step 4): an [`InvokeMsg`] JSON line, `\n`, the input payload, then the state
//! bytes (lengths in the JSON).

use mlsim_core::method::MethodId;
use mlsim_core::record::Outcome;
use mlsim_core::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Channel of new requests (step 1 → 2).
pub const REQUESTS: &str = "mlsim:requests";
/// Channel of worker events (step 5 → 6).
pub const EVENTS: &str = "mlsim:events";

/// Key of a request's input payload.
pub fn input_key(req: u32) -> String {
    format!("mlsim:in:{req}")
}
/// Key of a task's last checkpoint.
pub fn state_key(req: u32, task: u32) -> String {
    format!("mlsim:state:{req}:{task}")
}
/// Key of a task's output so far.
pub fn output_key(req: u32, task: u32) -> String {
    format!("mlsim:out:{req}:{task}")
}
/// Key of the program state after window `window`'s join (sharded stress): written by the
/// worker of the window's shard 0, read by the worker of the next window's shard 0.
pub fn carry_key(req: u32, window: u32) -> String {
    format!("mlsim:carry:{req}:{window}")
}
/// Channel on which the client of `req` hears the result.
pub fn done_channel(req: u32) -> String {
    format!("mlsim:done:{req}")
}

/// Step 1: a client asks for f(i).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestMsg {
    /// Request number within the run.
    pub req: u32,
    /// The UE that sent it.
    pub ue: u32,
    /// Workload class (index into the scenario's workloads).
    #[serde(default)]
    pub class: u32,
    /// Application (`taxi`, `stress`, `face`).
    pub app: String,
    /// Items (ride requests, windows, images).
    pub items: u32,
    /// Seed of the workload's synthetic input.
    pub seed: u64,
    /// Submission time [ns since the run's epoch].
    pub submit_ns: u64,
    /// Bytes the client sent for step 1 (SET of the input + PUBLISH) \[bytes\].
    pub step1_bytes: u64,
}

/// Step 3: install λ(f) of an app.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstallMsg {
    /// Application.
    pub app: String,
}

/// What a worker answers to an install.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstallReply {
    /// Time the install took on the worker \[ns\].
    pub install_ns: u64,
    /// Error, if it failed.
    pub error: Option<String>,
}

/// Step 4: invoke λ(f) of a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvokeMsg {
    /// Request.
    pub req: u32,
    /// Task within the request.
    pub task: u32,
    /// Invocation number of the task (0-based).
    pub inv: u32,
    /// Application.
    pub app: String,
    /// Items of the task.
    pub items: u32,
    /// Seed of the workload's synthetic input.
    pub seed: u64,
    /// Method (serialized as its name; the worker dispatches on what it captures).
    pub method: MethodId,
    /// Runtime limit \[ns\]; `None` for long-running.
    pub r_limit_ns: Option<u64>,
    /// The tracker signals this long before the deadline \[ns\].
    pub lead_ns: u64,
    /// Length of the input payload that follows the JSON line \[bytes\].
    pub input_len: u64,
    /// Length of the state that follows the input (0: start from scratch) \[bytes\].
    pub state_len: u64,
    /// When the manager sent it [ns since the epoch].
    pub sent_ns: u64,
    /// Whether λ(f) was installed for this invocation (a cold start).
    pub cold_start: bool,
    /// Resident memory the invocation needs on the worker (the app's `rss` at its saved
    /// progress) \[bytes\]: it starts when a core and this memory are free.
    #[serde(default)]
    pub rss_bytes: u64,
    /// Sharded stress: the window and shard this task is (then `items` is still the request's
    /// windows: the input is the whole recording); `None`: the request's only task.
    #[serde(default)]
    pub shard: Option<ShardMsg>,
}

/// One shard task of a sharded stress request: the simulator's task
/// `window · shards + shard`; shard 0 also runs the window's join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMsg {
    /// Window (stage) of the request, 0-based.
    pub window: u32,
    /// Shard within the window.
    pub shard: u32,
    /// Shards per window.
    pub shards: u32,
}

impl ShardMsg {
    /// The task number of shard `shard` of this task's window.
    pub fn task_of(&self, shard: u32) -> u32 {
        self.window * self.shards + shard
    }
}

/// Checkpoint measurements of an invocation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointInfo {
    /// Checkpointing started [ns since the epoch].
    pub start_ns: u64,
    /// Tracker signal → checkpointing started (μλ: wait for a safe point) \[ns\].
    pub safepoint_wait_ns: u64,
    /// Start of checkpointing → checkpoint on the file system \[ns\].
    pub time_ns: u64,
    /// Items done at the checkpoint (cumulative over the task).
    pub items_done: u32,
    /// Uncompressed size \[bytes\].
    pub raw_bytes: u64,
    /// Compressed size (what goes to Redis) \[bytes\].
    pub size_bytes: u64,
    /// On the file system before the deadline.
    pub deadline_met: bool,
}

/// Step 5 → 6: what a worker reports after an invocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventMsg {
    /// Request.
    pub req: u32,
    /// Task.
    pub task: u32,
    /// Invocation.
    pub inv: u32,
    /// Worker BBU.
    pub bbu: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// Items done by the end (cumulative over the task, as saved).
    pub items_done: u32,
    /// Invoke message received [ns since the epoch].
    pub invoked_ns: u64,
    /// Workload started (after any install) \[ns\].
    pub start_ns: u64,
    /// Workload gone (exited, dumped or killed) \[ns\].
    pub end_ns: u64,
    /// Restore time (CRIU restore; μλ: 0, the workload loads its state inside its runtime) \[ns\].
    pub restore_ns: u64,
    /// Work kept [ns of wall time].
    pub work_ns: u64,
    /// The checkpoint, if one was attempted.
    pub checkpoint: Option<CheckpointInfo>,
    /// Bytes the worker sent to Redis for step 5 (state, output, this event) \[bytes\].
    pub step5_bytes: u64,
    /// Why the invocation failed (the workload crashed, ...), if it did.
    pub error: Option<String>,
    /// It got an eviction notice (C-RAN load rose) while it held a core.
    #[serde(default)]
    pub evicted: bool,
}

/// Step 7 header: the first line of the message on [`done_channel`]; the output follows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DoneMsg {
    /// Request.
    pub req: u32,
    /// `ok` or `failed: ...`.
    pub status: String,
}

/// Settings every agent has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Common {
    /// Run index.
    pub run: u32,
    /// Redis address (in the store host).
    pub redis: SocketAddr,
    /// Time zero of the run [ns since the Unix epoch]; all agents are on one machine and
    /// share CLOCK_REALTIME.
    pub epoch_unix_ns: u64,
    /// Where the agent writes its log lines (JSON).
    pub log: PathBuf,
}

/// The clients agent: one process that submits every class's requests (see
/// [`crate::run::plan`]), each from its UE's network namespace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// Common settings.
    pub common: Common,
    /// Each UE's network namespace file, UE `u` at index `u`.
    pub ue_netns: Vec<PathBuf>,
    /// The workload classes.
    pub classes: Vec<crate::run::plan::ClassPlan>,
    /// Seed of the workload input.
    pub seed: u64,
    /// Give up when no result came for this long \[s\].
    pub timeout_s: f64,
}

/// The manager agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManagerConfig {
    /// Common settings.
    pub common: Common,
    /// The run's scenario (placement, method, r_limit, tracker settings, BBUs).
    pub scenario: Scenario,
    /// Worker BBUs and their HTTP addresses.
    pub workers: Vec<(u32, SocketAddr)>,
    /// This machine's speed against the model's reference core ([`crate::host`]): the timeout
    /// tracker budgets at each BBU's speed times this (1: the model's times as they are).
    #[serde(default = "one")]
    pub host_speed: f64,
}

fn one() -> f64 {
    1.0
}

/// The worker agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerConfig {
    /// Common settings.
    pub common: Common,
    /// This BBU.
    pub bbu: u32,
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// The `mlsim-workload` executable (the λ(f) package installed on a cold start).
    pub workload_bin: PathBuf,
    /// The `mlsim-face` executable, if there is one.
    pub face_bin: Option<PathBuf>,
    /// Work directory of this worker (installed binaries, state files, outputs).
    pub dir: PathBuf,
    /// This host's network namespace file (`/var/run/netns/NAME`), for CRIU.
    pub netns: PathBuf,
    /// Whether invocations run in Docker containers (method "docker"): an install then also
    /// assembles the app's root file system and `docker import`s it (the container image).
    #[serde(default)]
    pub docker: bool,
    /// The BBU's C-RAN load, replayed by the worker for core admission and eviction notices;
    /// `None`: no admission (every invocation starts at once) and no notices.
    #[serde(default)]
    pub cran: Option<super::worker::timeline::CranConfig>,
}

/// A log line of the client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientLog {
    /// Request.
    pub req: u32,
    /// Workload class of the request.
    #[serde(default)]
    pub class: u32,
    /// Submitted [ns since the epoch].
    pub submit_ns: u64,
    /// Notified [ns since the epoch]; 0 if never.
    pub done_ns: u64,
    /// Status from the manager (or `failed: timeout`).
    pub status: String,
    /// Output received.
    pub output_bytes: u64,
    /// FNV-1a of the output received (hex).
    pub output_fnv: String,
    /// Step 1 bytes sent \[bytes\].
    pub step1_bytes: u64,
    /// Step 7 bytes received \[bytes\].
    pub step7_bytes: u64,
}

/// A log line of the manager: one per invocation event and one per finished request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ManagerLog {
    /// An invocation ended.
    Event {
        /// The worker's report.
        event: EventMsg,
        /// Whether the invocation was a cold start.
        cold_start: bool,
    },
    /// A request finished (or failed).
    Request(RequestSummary),
    /// Bytes of one step message the manager saw or sent.
    Step {
        /// Request.
        req: u32,
        /// Step 1-7.
        step: u8,
        /// Bytes \[bytes\].
        bytes: u64,
    },
}

/// What the manager knows about a request at its end.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// Request.
    pub req: u32,
    /// Invocations.
    pub invocations: u32,
    /// Checkpoints that met their deadline.
    pub checkpoints: u32,
    /// Checkpoints that missed it.
    pub missed_checkpoints: u32,
    /// Wall time lost to missed checkpoints \[ns\].
    pub lost_work_ns: u64,
    /// Cold starts.
    pub cold_starts: u32,
    /// Continuations on another worker than the previous one.
    pub migrations: u32,
    /// `ok` or `failed: ...`.
    pub status: String,
}
