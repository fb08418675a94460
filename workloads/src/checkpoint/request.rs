//! The checkpoint request: a flag that a signal, a message or a deadline sets, and that the
//! workload polls at every safe point.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A shareable "please checkpoint at the next safe point" flag.
///
/// Cloning gives another handle to the same flag, so a timeout tracker thread, a message handler
/// and the signal handler can all hold one.
#[derive(Debug, Clone, Default)]
pub struct CheckpointRequest {
    flag: Arc<AtomicBool>,
    deadline: Arc<std::sync::Mutex<Option<Instant>>>,
}

impl CheckpointRequest {
    /// A new, unset request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask for a checkpoint (the "message" path). Idempotent.
    pub fn request(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Ask for a checkpoint once `after` has elapsed from now, like the paper's
    /// `timeout_tracker` firing some time before the runtime limit. Checked at safe points, so no
    /// thread is needed; a later call replaces the deadline.
    pub fn arm_after(&self, after: Duration) {
        let at = Instant::now() + after;
        if let Ok(mut d) = self.deadline.lock() {
            *d = Some(at);
        }
    }

    /// Make `SIGUSR1` set this flag (Unix). The handler only stores to an atomic, which is
    /// async-signal-safe. Then unblocks `SIGUSR1` on this thread: a spawner may start the
    /// workload with it blocked (the emulation does, `emu::ckpt::proc::Proc::spawn`), so that a
    /// checkpoint request sent before this handler exists — an eviction in the first
    /// milliseconds of an invocation — stays pending instead of killing the process (the
    /// signal's default action); it is delivered to the handler here.
    pub fn register_signal(&self) -> std::io::Result<()> {
        signal_hook::flag::register(signal_hook::consts::SIGUSR1, Arc::clone(&self.flag))?;
        // SAFETY: sigemptyset/sigaddset fill a local set; pthread_sigmask changes this thread's
        // mask only.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGUSR1);
            let rc = libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                return Err(std::io::Error::from_raw_os_error(rc));
            }
        }
        Ok(())
    }

    /// Whether a checkpoint has been asked for, by flag or by an expired deadline.
    pub fn is_requested(&self) -> bool {
        if self.flag.load(Ordering::SeqCst) {
            return true;
        }
        match self.deadline.lock() {
            Ok(d) => d.is_some_and(|at| Instant::now() >= at),
            Err(_) => false,
        }
    }

    /// How long ago the deadline expired, if a deadline was armed and has expired: the delay
    /// between the request and the safe point at which it is served.
    pub fn overdue(&self) -> Option<Duration> {
        let d = self.deadline.lock().ok()?;
        let at = (*d)?;
        Instant::now().checked_duration_since(at)
    }

    /// Clear the flag and the deadline (e.g. after a checkpoint in a long-lived process).
    pub fn clear(&self) {
        self.flag.store(false, Ordering::SeqCst);
        if let Ok(mut d) = self.deadline.lock() {
            *d = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_deadline_and_clear() {
        let r = CheckpointRequest::new();
        assert!(!r.is_requested());
        r.clone().request();
        assert!(r.is_requested());
        r.clear();
        r.arm_after(Duration::ZERO);
        assert!(r.is_requested());
        assert!(r.overdue().is_some());
        r.clear();
        r.arm_after(Duration::from_secs(3600));
        assert!(!r.is_requested());
    }

    #[test]
    fn sigusr1_sets_the_flag() {
        let r = CheckpointRequest::new();
        r.register_signal().unwrap();
        signal_hook::low_level::raise(signal_hook::consts::SIGUSR1).unwrap();
        assert!(r.is_requested());
    }
}
