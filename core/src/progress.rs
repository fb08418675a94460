//! How far the runs in flight have got, for people watching a long sweep: a process-wide
//! board of the runs being executed, each with the fraction of its work done so far. The
//! sweep's runner puts a run on the board around [`crate::backend::Backend::run`]
//! ([`enter`]); a backend's event loop says how far it is now and then ([`report`]: a few
//! atomic stores, from the thread that executes the run); the CLI's progress bar reads the
//! board ([`in_flight`]). Nothing here changes what a run computes or writes.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// One run on the board.
#[derive(Debug)]
struct Slot {
    run: u32,
    /// Fraction done in millionths (0..=1_000_000).
    done_ppm: AtomicU64,
    /// Simulated time reached \[ns\].
    now_ns: AtomicU64,
    /// Simulated time at which the run ends at the latest \[ns\] (`u64::MAX`: none).
    horizon_ns: AtomicU64,
}

static BOARD: Mutex<Vec<Arc<Slot>>> = Mutex::new(Vec::new());

thread_local! {
    static CURRENT: RefCell<Option<Arc<Slot>>> = const { RefCell::new(None) };
}

fn board() -> MutexGuard<'static, Vec<Arc<Slot>>> {
    BOARD.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A run on the board; dropping it takes the run off.
#[derive(Debug)]
pub struct OnBoard {
    slot: Arc<Slot>,
}

impl Drop for OnBoard {
    fn drop(&mut self) {
        board().retain(|s| !Arc::ptr_eq(s, &self.slot));
        CURRENT.with(|c| {
            let mut c = c.borrow_mut();
            if c.as_ref().is_some_and(|s| Arc::ptr_eq(s, &self.slot)) {
                *c = None;
            }
        });
    }
}

/// Puts run `run`, executed on this thread, on the board until the returned guard drops.
pub fn enter(run: u32) -> OnBoard {
    let slot = Arc::new(Slot {
        run,
        done_ppm: AtomicU64::new(0),
        now_ns: AtomicU64::new(0),
        horizon_ns: AtomicU64::new(u64::MAX),
    });
    board().push(Arc::clone(&slot));
    CURRENT.with(|c| *c.borrow_mut() = Some(Arc::clone(&slot)));
    OnBoard { slot }
}

/// The fraction of a run's work done: the larger of the simulated time over the horizon
/// (when there is one) and the finished requests over all of them (when there are any),
/// clamped to \[0, 1\].
pub fn fraction(now_ns: u64, horizon_ns: u64, finished: u64, total: u64) -> f64 {
    let by_time = if horizon_ns == u64::MAX || horizon_ns == 0 {
        0.0
    } else {
        now_ns as f64 / horizon_ns as f64
    };
    let by_work = if total == 0 {
        0.0
    } else {
        finished as f64 / total as f64
    };
    by_time.max(by_work).clamp(0.0, 1.0)
}

/// Says how far the run this thread executes has got: simulated time `now_ns` of at most
/// `horizon_ns` (`u64::MAX`: no horizon), `finished` of `total` units of work. A no-op on a
/// thread with no run on the board.
pub fn report(now_ns: u64, horizon_ns: u64, finished: u64, total: u64) {
    CURRENT.with(|c| {
        if let Some(s) = c.borrow().as_ref() {
            let f = fraction(now_ns, horizon_ns, finished, total);
            s.done_ppm
                .store((f * 1_000_000.0).round() as u64, Ordering::Relaxed);
            s.now_ns.store(now_ns, Ordering::Relaxed);
            s.horizon_ns.store(horizon_ns, Ordering::Relaxed);
        }
    });
}

/// A run in flight, as the board shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InFlight {
    /// The run's index.
    pub run: u32,
    /// Fraction of its work done (0 until its backend reports).
    pub done: f64,
    /// Simulated time reached \[ns\].
    pub now_ns: u64,
    /// Its horizon \[ns\] (`u64::MAX`: none).
    pub horizon_ns: u64,
}

/// The runs in flight, in run order.
pub fn in_flight() -> Vec<InFlight> {
    let mut v: Vec<InFlight> = board()
        .iter()
        .map(|s| InFlight {
            run: s.run,
            done: s.done_ppm.load(Ordering::Relaxed) as f64 / 1_000_000.0,
            now_ns: s.now_ns.load(Ordering::Relaxed),
            horizon_ns: s.horizon_ns.load(Ordering::Relaxed),
        })
        .collect();
    v.sort_by_key(|f| f.run);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_takes_the_further_of_time_and_work() {
        // 6 h of a 24 h horizon = 0.25; 30 of 40 requests = 0.75: the larger wins.
        let h = 24 * 3600 * 1_000_000_000u64;
        assert_eq!(fraction(h / 4, h, 30, 40), 0.75);
        assert_eq!(fraction(h / 4, h, 0, 40), 0.25);
        // No horizon and no work count: nothing known yet.
        assert_eq!(fraction(5, u64::MAX, 0, 0), 0.0);
        // Past the horizon (the last event's time may exceed it by rounding): clamped.
        assert_eq!(fraction(2 * h, h, 0, 0), 1.0);
    }

    #[test]
    fn a_run_is_on_the_board_while_its_guard_lives() {
        // Run numbers far from any other test's, since the board is process-wide.
        let mine = |v: Vec<InFlight>| {
            v.into_iter()
                .filter(|f| f.run >= 4_000_000_000)
                .collect::<Vec<_>>()
        };
        let g = enter(4_000_000_001);
        report(50, 100, 1, 4);
        let on = mine(in_flight());
        assert_eq!(on.len(), 1);
        assert_eq!(
            (on[0].run, on[0].done, on[0].now_ns),
            (4_000_000_001, 0.5, 50)
        );
        // Another thread's report does not touch this run.
        std::thread::spawn(|| report(100, 100, 0, 0))
            .join()
            .unwrap();
        assert_eq!(mine(in_flight())[0].done, 0.5);
        drop(g);
        assert!(mine(in_flight()).is_empty());
        // With nothing on this thread's board entry, a report is a no-op.
        report(1, 2, 3, 4);
        assert!(mine(in_flight()).is_empty());
    }
}
