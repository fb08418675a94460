//! Ctrl-C and `kill`: SIGINT and SIGTERM set the process-wide stop request
//! ([`mlsim_core::stop`]) that the driver polls, so a run stops between steps and tears
//! everything down (the default action would kill the driver and leave namespaces, Redis and
//! agents behind until `mlsim emu clean`).
//!
//! The agents and Redis are started in their own process groups, so the terminal's SIGINT
//! reaches only the driver, which then stops them in order.

extern "C" fn on_signal(sig: libc::c_int) {
    mlsim_core::stop::request_by_signal(sig);
}

/// Installs the SIGINT/SIGTERM handlers, unless some handler of the stop request is installed
/// already (the CLI installs its own, which also kills at a second signal).
pub fn install() {
    if mlsim_core::stop::mark_installed() {
        return;
    }
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    mlsim_core::stop::requested()
}

/// Requests a stop (as a signal would; for tests and callers with their own triggers).
pub fn request() {
    mlsim_core::stop::request();
}
