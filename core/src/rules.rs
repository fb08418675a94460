//! Rules that the simulator (`mlsim-sim`) and the emulation (`mlsim-emu`) both apply, written
//! once so the two backends cannot drift apart. Each rule is a pure function of plain values;
//! each backend adapts its own state to the arguments and calls it.
//!
//! | rule | function | simulator | emulation |
//! |---|---|---|---|
//! | work ↔ wall time at a BBU's speed | [`wall`], [`work_in`] | invocation, eviction | (tracker lead) |
//! | the timeout tracker's lead | [`tracker_lead`] | invocation start | manager, at each invoke |
//! | invocations in a row without progress | [`next_idle`], [`gives_up`] | checkpoint done, deadline, manager | manager, at each worker event |
//! | C-RAN's cores at a load | [`cran_cores`] | BBU state, load changes | C-RAN driver, worker timeline |
//! | cores offered to offloaded work | [`offered_cores`] | BBU state (`free_cores`) | worker admission, manager's view |
//! | who is evicted | [`eviction_victims`] | BBU state (`eviction_victims`) | worker admission (`evict`) |
//! | memory admission (FIFO); suspend victims under pressure | [`memory_fits`], [`admit_fifo`], [`pressure_victims`] | suspend study (through [`crate::suspend`]), protocol core queue | suspend study (through [`crate::suspend`]) |
//! | draws of item, burst and cost noise | [`duration`], [`noise`] | items, bursts, checkpoint sizes and times | bursts (through [`crate::suspend`]) |
//! | the whole suspend study's state machine | [`crate::suspend::Machine`] | `sim::suspend` (costs drawn) | `emu::suspend` (costs measured) |

mod cores;
mod draw;
mod idle;
mod memory;
mod speed;
mod tracker;

pub use cores::{cran_claim, cran_cores, eviction_victims, offered_cores};
pub use draw::{duration, noise};
pub use idle::{gives_up, next_idle, no_progress_status};
pub use memory::{MemoryPool, MemoryWait, admit_fifo, memory_fits, pressure_victims};
pub use speed::{wall, work_in};
pub use tracker::{budget, tracker_lead};
