//! # mlsim-core: the vocabulary every other mlsim crate speaks
//!
//! This crate holds the pure domain types shared by the simulator (`mlsim-sim`), the emulator
//! (`mlsim-emu`), the plots and the CLI. It does no I/O and reads no clock, so everything here is
//! deterministic and testable in isolation:
//!
//! - [`time`]: [`SimTime`] and [`SimDuration`], integer nanoseconds. Time is always passed in.
//! - [`rng`]: [`RngStreams`], named random streams derived from one run seed, so that adding a
//!   component never perturbs the draws of the others.
//! - [`record`]: the output schema (one struct per CSV file). Simulation and emulation write the
//!   same records; plots read only these.
//! - [`sink`]: the [`RecordSink`] trait through which records leave a model.
//! - [`app`]: [`app::App`], the real workload programs (taxi, stress, face) as an identifier.
//! - [`calibration`]: what `mlsim calibrate` measures (checkpoint samples, item and set-up
//!   times), as plain data shared by the emulation, the workloads and the pipeline.
//! - [`scenario`]: the validated, unit-carrying description of one run (what a spec becomes).
//! - [`load`]: the C-RAN load generators (a BBU's load process as a lazy step function), shared
//!   by the simulator and the emulator.
//! - [`policy`] and [`policies`]: continuation placement as a trait with one file per policy,
//!   used by both sim and emu.
//! - [`backend`]: the seam between the experiment pipeline and what executes a run
//!   ([`Backend`]: the simulator, the emulation, a mock).
//! - [`stats`]: the one definition of a confidence interval (Student t over independent
//!   replications), used by every table and figure.
//! - [`method`] and [`methods`]: checkpoint methods (long-running, μλ, CRIU, Docker), each one
//!   definition (name, label, look, cost table, capabilities) in its own file, listed once.
//! - [`stop`]: the process-wide stop request (Ctrl-C, `kill`) that backends and the runner
//!   read.
//! - [`suspend`] and [`serverless`]: the suspend study (seed 000) and the serverless study
//!   (seed 004) as state machines that the simulator and the emulation drive.
//! - [`rules`]: the rules both the simulator and the emulation apply (the tracker's lead, giving
//!   up on idle tasks, C-RAN's cores, core admission, eviction victims), written once.
#![warn(missing_docs)]

pub mod app;
pub mod backend;
pub mod calibration;
pub mod fnv;
pub mod id;
pub mod load;
pub mod method;
pub mod methods;
pub mod policies;
pub mod policy;
pub mod progress;
pub mod record;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod serverless;
pub mod sink;
pub mod stats;
pub mod stop;
pub mod suspend;
pub mod time;

pub use backend::{Backend, RunError, RunKind, RunPlan, RunSummary};
pub use id::{BbuId, InvocationId, RequestId, TaskId};
pub use method::{MethodDef, MethodId};
pub use policy::{Placement, PlacementView, WorkerView};
pub use rng::{RngStreams, Stream};
pub use sink::{RecordSink, Records};
pub use time::{SimDuration, SimTime};
