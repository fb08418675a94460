//! The suspend study's records (seed 000): `events.csv`, `functions.csv`, `memory.csv`.

use super::Mode;
use serde::{Deserialize, Serialize};

/// Where a function was when one of its events arrived (`events.csv`'s `woke_from`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionState {
    /// Not yet deployed: waiting for memory to start at all.
    #[default]
    Undeployed,
    /// Busy with an earlier event (computing, waiting for a core, or waking).
    Busy,
    /// Blocked and resident, not suspended: the event starts a burst at once.
    Blocked,
    /// Being suspended: the event waits for the suspend to end, then wakes it.
    Suspending,
    /// Paused (frozen in place, memory held): the event unpauses it.
    Paused,
    /// Checkpointed to disk (memory freed): the event restores it, once memory is free.
    Suspended,
}

/// One row of `events.csv`: an event of a blocking function, from its arrival to the end of
/// the burst it triggered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionEventRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Function index.
    pub function: u32,
    /// Event index within the function.
    pub event: u32,
    /// Suspend method.
    pub method: String,
    /// BBU the burst ran on (empty if it never ran).
    pub bbu: Option<u32>,
    /// Where the function was when the event arrived.
    pub woke_from: FunctionState,
    /// The event arrives \[ns\].
    pub arrival_ns: u64,
    /// Its burst starts computing \[ns\] (0 if it never did).
    pub start_ns: u64,
    /// Its burst ends \[ns\] (0 if it never did).
    pub done_ns: u64,
    /// Wake latency: start − arrival \[s\] (empty if the burst never started).
    pub wake_latency_s: Option<f64>,
    /// Response time: done − arrival \[s\] (empty if the burst never ended).
    pub response_s: Option<f64>,
}

/// One row of `functions.csv`: a blocking function over a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// Function index.
    pub function: u32,
    /// Suspend method.
    pub method: String,
    /// BBU it was on last (empty if it was never deployed).
    pub bbu: Option<u32>,
    /// It was first admitted (memory) \[ns\]; empty if never.
    pub deployed_ns: Option<u64>,
    /// Events that arrived.
    pub events: u32,
    /// Events whose burst ended.
    pub served: u32,
    /// Suspends (pauses or checkpoints) completed.
    pub suspends: u32,
    /// Wakes from a suspend (unpauses or restores).
    pub wakes: u32,
    /// Restores on another BBU than the one that checkpointed.
    pub migrations: u32,
    /// Bytes written by its checkpoints \[bytes\] (0 for a pause).
    pub bytes_written: u64,
    /// Time spent suspending (pause or dump) \[s\].
    pub suspend_s: f64,
    /// Time spent waking (unpause or restore) \[s\].
    pub wake_s: f64,
    /// Time spent waiting for memory (to deploy or to be restored) \[s\].
    pub memory_wait_s: f64,
}

/// One row of `memory.csv`: the memory of a BBU over a run in the suspend study.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemoryRecord {
    /// Run index.
    pub run: u32,
    /// Sim or emu.
    pub mode: Mode,
    /// BBU index.
    pub bbu: u32,
    /// Suspend method.
    pub method: String,
    /// Memory of the BBU \[MiB\].
    pub memory_mib: f64,
    /// Length of the run \[s\].
    pub horizon_s: f64,
    /// Memory-time held by functions computing, waiting for a core, or waking \[MiB·s\].
    pub running_mib_s: f64,
    /// Memory-time held by blocked functions not (yet) suspended \[MiB·s\].
    pub blocked_mib_s: f64,
    /// Memory-time held by paused functions and functions being suspended \[MiB·s\].
    pub paused_mib_s: f64,
    /// Disk-time of checkpoints of functions suspended to disk here \[MiB·s\] (compressed).
    pub disk_mib_s: f64,
    /// Most memory held at once \[MiB\].
    pub peak_resident_mib: f64,
    /// Most functions resident at once.
    pub peak_resident: u32,
    /// Time-average of functions resident.
    pub mean_resident: f64,
    /// Most functions computing at once.
    pub peak_computing: u32,
    /// Functions deployed here (first admitted here).
    pub deployed: u32,
    /// Suspends completed here.
    pub suspends: u32,
    /// Bytes written by checkpoints here \[bytes\].
    pub bytes_written: u64,
    /// Most memory its memory cgroup held at once \[MiB\] (the kernel's high-water mark;
    /// emulation only, empty in the simulator).
    pub measured_peak_mib: Option<f64>,
    /// Time-average of the memory its memory cgroup held \[MiB\] (sampled every 50 ms;
    /// emulation only, empty in the simulator).
    pub measured_mean_mib: Option<f64>,
}
