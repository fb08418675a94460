//! C-RAN load sources: the generators live in [`mlsim_core::load`] (pure, shared with the
//! emulator, which replays the same load changes against the wall clock).

pub use mlsim_core::load::{CoreChanges, LoadSource};
