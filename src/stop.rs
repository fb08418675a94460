//! Ctrl-C and `kill` during a sweep (`mlsim run`, `mlsim emu run`): the first SIGINT or
//! SIGTERM sets the process-wide stop request ([`mlsim_core::stop`]): no run starts after it,
//! runs already going finish (a simulated run takes seconds; the emulation stops its run and
//! tears it down), the finished runs are merged and the manifest says `interrupted`; the exit
//! code is then 130. A second signal ends the process at once (exit 130 for SIGINT, 143 for
//! SIGTERM), leaving the folder as a crash would (complete run files only; the next run of the
//! same spec into the folder cleans up and finishes the missing runs).

use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// The exit code of a sweep interrupted by a stop request.
pub const INTERRUPTED: u8 = 130;

/// Installs the handlers (once; the emulation then keeps them, see `mlsim_emu::run::stop`).
pub fn install() -> std::io::Result<()> {
    if mlsim_core::stop::mark_installed() {
        return Ok(());
    }
    let seen = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        // Runs first: exits only if a signal was seen before this one.
        signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&seen))?;
        // SAFETY: the action only stores to atomics, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(sig, move || {
                mlsim_core::stop::request_by_signal(sig)
            })?;
        }
        signal_hook::flag::register(sig, Arc::clone(&seen))?;
    }
    Ok(())
}
