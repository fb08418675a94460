//! What `mlsim calibrate` measures, as plain data: checkpoint samples of the real workloads and
//! per-app item and set-up measurements. The emulation (`mlsim-emu`) produces them, the
//! workload library times items in process (`mlsim-workloads`), and the pipeline
//! (`mlsim-experiment`) fits the simulator's models to them; none of those depends on another.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::app::App;
use crate::method::MethodId;

/// One real checkpoint and its restore on another host.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The workload.
    pub app: App,
    /// The method.
    pub method: MethodId,
    /// Sample number, from 0.
    pub sample: usize,
    /// Execution before the checkpoint was requested, from process (container) start: `setup`
    /// plus the drawn duration (μλ: the deadline given to the program; CRIU/Docker: measured).
    pub exec_before: Duration,
    /// The app's set-up time (process start → first safe point) this run measured.
    pub setup: Duration,
    /// Checkpoint time (the paper's definition: start of checkpointing → on the file system).
    pub checkpoint: Duration,
    /// Compressed size \[bytes\].
    pub size_bytes: u64,
    /// Uncompressed size (μλ: serialized state; CRIU/Docker: image files) \[bytes\].
    pub raw_bytes: u64,
    /// Restore time (per method: see `mlsim_emu::ckpt::sample`).
    pub restore: Duration,
    /// Items finished at the checkpoint. μλ: the program's own report. CRIU/Docker: the per-item
    /// output lines on disk right after the dump (the program writes them through an 8-KiB
    /// buffer, so this can lag the true count by one buffer's worth of lines: ~50 taxi
    /// requests, 0-1 stress windows or face frames). `None`: not known (older CSV files).
    pub items_done: Option<u64>,
}

/// The measurements of one calibration.
#[derive(Clone, Debug, Default)]
pub struct Measurements {
    /// Checkpoint samples.
    pub samples: Vec<Sample>,
    /// Per-item compute times \[ms\], per app.
    pub item_ms: BTreeMap<App, Vec<f64>>,
    /// Output bytes per item \[bytes\], per app.
    pub output_bytes: BTreeMap<App, Vec<f64>>,
    /// Set-up times \[ms\], per app.
    pub setup_ms: BTreeMap<App, Vec<f64>>,
}

/// What one app's item runs measured.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemTimes {
    /// Per-item compute times \[ms\] (face: one per-item mean per run).
    pub item_ms: Vec<f64>,
    /// Output bytes per item \[bytes\], one value per item (face: per run).
    pub output_bytes: Vec<f64>,
    /// How the times were taken (for the report).
    pub how: String,
}
