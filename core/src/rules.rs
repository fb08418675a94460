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
//! | memory admission (FIFO); suspend victims under pressure | [`memory_fits`], [`admit_fifo`], [`pressure_victims`] | suspend study (`sim::suspend`), protocol core queue | not yet (issue 13) |

mod cores;
mod idle;
mod memory;
mod speed;
mod tracker;

pub use cores::{cran_claim, cran_cores, eviction_victims, offered_cores};
pub use idle::{gives_up, next_idle, no_progress_status};
pub use memory::{MemoryPool, MemoryWait, admit_fifo, memory_fits, pressure_victims};
pub use speed::{wall, work_in};
pub use tracker::{budget, tracker_lead};
