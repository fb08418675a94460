//! # mlsim-emu: the emulation mode
//!
//! Replays a spec for real on one Linux host: hosts are network namespaces, links are veth
//! pairs shaped by the kernel (tbf for rate; netem, or a userspace relay where the kernel has
//! no netem, for delay and loss), BBUs get a competing C-RAN CPU load in v1 cgroups, and the
//! agents, Redis, CRIU and Docker run as real processes in their hosts. Results are written as
//! the same records the simulator writes, so the two can be compared.
//!
//! Everything the emulator creates is recorded first in the run's [`ledger`], so
//! `mlsim emu clean` can remove it even after the run was killed with SIGKILL; every object is
//! named by [`names`] with the run id.
//!
//! [`calibrate`] takes `mlsim calibrate`'s measurements (checkpoint samples, set-up and item
//! times) with the same checkpoint machinery ([`ckpt`]).
//!
//! This crate depends on `mlsim-core` and `mlsim-datasets`, never on `mlsim-sim`, nor on
//! `mlsim-workloads` (it runs the workload programs; what times their items in process is
//! handed in by the caller).
#![warn(missing_docs)]

pub mod agent;
pub mod backend;
pub mod calibrate;
pub mod cgroup;
pub mod ckpt;
mod edge;
pub mod host;
pub mod ledger;
pub mod names;
pub mod run;
pub mod serverless;
pub mod suspend;
pub mod sys;
pub mod testing;
pub mod topo;

/// Whether this build can run emulations (Linux only).
pub const AVAILABLE: bool = cfg!(target_os = "linux");
