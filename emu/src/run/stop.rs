//! Ctrl-C and `kill`: SIGINT and SIGTERM set a flag that the driver polls, so a run stops
//! between steps and tears everything down (the default action would kill the driver and leave
//! namespaces, Redis and agents behind until `mlsim emu clean`).
//!
//! The agents and Redis are started in their own process groups, so the terminal's SIGINT
//! reaches only the driver, which then stops them in order.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_sig: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Installs the SIGINT/SIGTERM handlers (idempotent).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
            unsafe {
                libc::signal(sig, on_signal as *const () as libc::sighandler_t);
            }
        }
    });
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Requests a stop (as a signal would; for tests and callers with their own triggers).
pub fn request() {
    STOP.store(true, Ordering::SeqCst);
}
