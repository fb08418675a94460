//! # mlsim-sim: the discrete-event engine and the C-RAN MEC model
//!
//! - [`engine`] and [`queue`]: a small, fast, generic DES kernel with integer time and a total,
//!   documented event order `(time, class, seq)`.
//! - [`model`]: the system of the MicroLambda paper (seed 001): UEs, BBUs whose cores C-RAN
//!   processing takes first, a Redis store and a Manager, links with latency and FIFO
//!   serialisation, the seven-step protocol, checkpoint methods as cost models, placement.
//! - [`probe`]: the checkpoint probe of the paper's Figs. 4 and 5 (checkpoints taken after
//!   random execution durations).
//! - [`backend`]: [`backend::SimBackend`], the simulator behind the experiment pipeline's
//!   backend seam.
//! - [`hold`]: the classic hold-model benchmark of the kernel.
//!
//! The model does no I/O: it reads no file and no clock; records leave through
//! [`mlsim_core::RecordSink`].
#![warn(missing_docs)]

pub mod backend;
pub mod engine;
pub mod hold;
pub mod model;
pub mod probe;
pub mod queue;
pub mod serverless;
pub mod suspend;

pub use engine::{Context, EventKey, Model, Simulation};
