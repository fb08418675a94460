//! # mlsim-emu (placeholder)
//!
//! The emulation mode (replaying a spec for real on network namespaces with Redis, CRIU and
//! Docker) is tracked by its own issue and is not implemented yet. This crate exists so that the
//! workspace shows the architecture: `emu` depends on `mlsim-core` only, never on `mlsim-sim`.
#![warn(missing_docs)]

/// Whether this build can run emulations. Always `false` until the emulation issue lands.
pub const AVAILABLE: bool = false;
