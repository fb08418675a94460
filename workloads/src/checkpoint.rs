//! # The μλ checkpoint contract shared by the three workloads
//!
//! MicroLambda (μλ) checkpoints serialize only a program's *own* state (the variables that carry
//! its progress), never the process image. This module is the Rust form of that contract, used by
//! ride hailing, stress classification and face recognition alike:
//!
//! - [`Resumable`]: a workload that advances one item at a time between *safe points*
//!   ([`Resumable::step`]), exposes its program state ([`Resumable::state`], serde) and can be put
//!   back into that state ([`Resumable::restore`]). The working set (models, street graph, signal
//!   buffers) stays outside the state, as in the paper.
//! - [`format`](mod@format): the state file format: magic, format version, codec, application name,
//!   lengths, CRC-32, and an lz4-compressed [postcard](https://docs.rs/postcard) payload.
//!   [`format::decode`] gives a typed [`CheckpointError`] for a corrupt, truncated, foreign or
//!   wrong-application file; it never silently restarts.
//! - [`atomic`]: write to a temporary file in the target directory, `fsync`, rename, `fsync` the
//!   directory: a reader sees either the old file or the complete new one.
//! - [`CheckpointRequest`]: a flag set by a message ([`CheckpointRequest::request`]), a deadline
//!   ([`CheckpointRequest::arm_after`], the paper's `timeout_tracker`) or `SIGUSR1`
//!   ([`CheckpointRequest::register_signal`]).
//! - [`Runner`]: runs a workload, checks the request at every safe point and, when set, writes
//!   the state and returns a [`CheckpointReport`] with the checkpoint time (start of
//!   checkpointing → file on the file system, the paper's Fig. 4 definition) and the compressed
//!   size (Fig. 5).
//!
//! Resuming: build the workload with the same inputs, [`load_state`] the file, call
//! [`Resumable::restore`], run again. Outputs of the interrupted run followed by the outputs of
//! the resumed run equal the outputs of an uninterrupted run (the integration tests check this as
//! a property for every workload).
//!
//! ```no_run
//! use mlsim_workloads::checkpoint::{CheckpointRequest, Runner, RunOutcome};
//! # fn demo<W: mlsim_workloads::checkpoint::Resumable>(mut w: W) -> Result<(), Box<dyn std::error::Error>> {
//! let request = CheckpointRequest::new();
//! request.register_signal()?; // `kill -USR1 <pid>` now asks for a checkpoint
//! let runner = Runner::new(request, "state.ckpt");
//! match runner.run(&mut w, |_output| Ok(()))? {
//!     RunOutcome::Finished { items } => println!("done after {items} items"),
//!     RunOutcome::Checkpointed(report) => println!("{} B in {:?}", report.compressed_bytes, report.checkpoint_time()),
//! }
//! # Ok(()) }
//! ```

pub mod atomic;
mod error;
pub mod format;
mod request;
mod resumable;
mod runner;

pub use error::CheckpointError;
pub use format::Codec;
pub use request::CheckpointRequest;
pub use resumable::{Resumable, Step};
pub use runner::{
    CheckpointReport, RunError, RunOutcome, Runner, SaveStats, load_state, save_state,
};
