//! The process-wide stop request (Ctrl-C, `kill`): one flag that signal handlers set and that
//! every backend's [`crate::backend::Backend::stop_requested`] and the sweep's runner read.
//! Only atomics (async-signal-safe); installing the handlers is the caller's business (the
//! CLI, with signal-hook; `mlsim-emu` for callers that have none).

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// 0: no stop requested; -1: requested without a signal; else the signal's number.
static STOP: AtomicI32 = AtomicI32::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Requests a stop because of signal `sig` (call from a signal handler: only an atomic store).
/// The first request's signal is kept.
pub fn request_by_signal(sig: i32) {
    let _ = STOP.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// Requests a stop (as a signal would; for tests and callers with their own triggers).
pub fn request() {
    let _ = STOP.compare_exchange(0, -1, Ordering::SeqCst, Ordering::SeqCst);
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst) != 0
}

/// The signal that requested the stop, if one did.
pub fn signal() -> Option<i32> {
    Some(STOP.load(Ordering::SeqCst)).filter(|s| *s > 0)
}

/// Why the sweep stopped, for people: `interrupted by SIGINT`, `interrupted by SIGTERM`,
/// `interrupted by signal N`, or `interrupted` (no signal).
pub fn describe() -> String {
    match signal() {
        Some(2) => "interrupted by SIGINT".into(),
        Some(15) => "interrupted by SIGTERM".into(),
        Some(s) => format!("interrupted by signal {s}"),
        None => "interrupted".into(),
    }
}

/// Marks the signal handlers installed; returns whether they were already (so a second
/// installer leaves the first one's handlers alone).
pub fn mark_installed() -> bool {
    INSTALLED.swap(true, Ordering::SeqCst)
}
