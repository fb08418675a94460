//! C-RAN load sources: the load of one BBU as a lazily generated step function.
//!
//! A source yields the load at time zero, then each change as `(time, fraction of cores)`,
//! one at a time, so a day of 1-second samples on a thousand BBUs never sits in memory at
//! once. Each BBU's source draws from its own named stream (`bbu/<b>/load`), so adding BBUs or
//! changing one BBU's process does not change the others' loads.
//!
//! Kinds: constant, a replayed trace, a `diurnal` profile with noise and a bursty `markov`
//! (Markov-modulated) load. Generated kinds keep O(1) state (O(states²) for Markov) and draw
//! each value when it is asked for.
//!
//! Pure (no I/O, no clock): the simulator steps through a source in simulated time, and the
//! emulator (`mlsim-emu`) replays the same source against the wall clock, so both see the same
//! load changes for the same seed.

mod diurnal;
mod markov;

use crate::scenario::LoadProcess;
use crate::{SimTime, Stream};

/// The load of one BBU over time.
pub struct LoadSource {
    kind: Kind,
}

enum Kind {
    Constant,
    Trace {
        points: Vec<(SimTime, f64)>,
        next: usize,
    },
    Diurnal(diurnal::Diurnal),
    Markov(markov::Markov),
}

impl LoadSource {
    /// A source for `p` and the load at time zero; `rng` is the BBU's own load stream (unused
    /// by deterministic kinds).
    pub fn new(p: &LoadProcess, rng: Stream) -> (LoadSource, f64) {
        match p {
            LoadProcess::Constant(f) => (
                LoadSource {
                    kind: Kind::Constant,
                },
                *f,
            ),
            LoadProcess::Trace(points) => {
                let first = points.first().map_or(0.0, |(_, f)| *f);
                (
                    LoadSource {
                        kind: Kind::Trace {
                            points: points.clone(),
                            next: 1,
                        },
                    },
                    first,
                )
            }
            LoadProcess::Diurnal {
                mean,
                amplitude,
                period,
                peak,
                noise_sd,
                step,
                peak_jitter,
            } => {
                let (d, first) = diurnal::Diurnal::new(
                    *mean,
                    *amplitude,
                    *period,
                    *peak,
                    *noise_sd,
                    *step,
                    *peak_jitter,
                    rng,
                );
                (
                    LoadSource {
                        kind: Kind::Diurnal(d),
                    },
                    first,
                )
            }
            LoadProcess::Markov {
                levels,
                mean_hold,
                next,
                initial,
            } => {
                let (m, first) = markov::Markov::new(levels, mean_hold, next, *initial, rng);
                (
                    LoadSource {
                        kind: Kind::Markov(m),
                    },
                    first,
                )
            }
        }
    }

    /// The next change after the previous one: its time and the new load, or `None` if the
    /// load never changes again.
    pub fn next_change(&mut self) -> Option<(SimTime, f64)> {
        match &mut self.kind {
            Kind::Constant => None,
            Kind::Trace { points, next } => {
                let p = points.get(*next).copied();
                *next += 1;
                p
            }
            Kind::Diurnal(d) => d.next_change(),
            Kind::Markov(m) => m.next_change(),
        }
    }
}

/// A BBU's load as the changes of C-RAN's core count `⌈L · cores⌉` ([`crate::rules::cran_cores`]):
/// the samples of a [`LoadSource`] that leave the count unchanged are not changes of the BBU
/// (no core moves), so the simulator need not step through them. They are still handed to
/// the caller (`skipped`), in time order, for whoever learns from every sample (a forecasting
/// placement policy); they are told when the next change is fetched, that is ahead of their
/// time.
pub struct CoreChanges {
    src: LoadSource,
    cores: u32,
    /// Core count of the last sample returned (or of the load at time zero).
    last: u32,
}

/// The most unchanged samples one [`CoreChanges::next_change`] call steps over before it
/// returns a sample anyway (an event that changes nothing): bounds the work of one call when
/// the count never changes again (a noisy load clamped at 1, say).
const QUIET_SAMPLES: u32 = 1 << 16;

impl CoreChanges {
    /// The changes of `src` on a BBU of `cores` cores whose load at time zero is `first`.
    pub fn new(src: LoadSource, cores: u32, first: f64) -> Self {
        CoreChanges {
            src,
            cores,
            last: crate::rules::cran_cores(first, cores),
        }
    }

    /// The next sample that changes the core count, as (time, load), telling `skipped` each
    /// sample before it; `None` if the load never changes again.
    pub fn next_change(&mut self, mut skipped: impl FnMut(SimTime, f64)) -> Option<(SimTime, f64)> {
        for _ in 0..QUIET_SAMPLES {
            let (t, l) = self.src.next_change()?;
            let c = crate::rules::cran_cores(l, self.cores);
            if c != self.last {
                self.last = c;
                return Some((t, l));
            }
            skipped(t, l);
        }
        self.src.next_change()
    }
}

/// Counts the heap allocations of the current thread, so that tests can check that generating
/// load changes allocates nothing (tests run on several threads; a global count would see the
/// others' allocations). Installed as the allocator of this crate's unit-test binary only.
#[cfg(test)]
pub(crate) mod alloc_probe {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    }

    struct Counting;

    fn count() {
        // `try_with`: the thread-local may already be gone while the thread exits.
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    }

    // SAFETY: forwards every call unchanged to the system allocator; counting touches only a
    // const-initialised thread-local `Cell` (no allocation, no destructor).
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: the caller's contract for `alloc` is passed through.
            unsafe { System.alloc(layout) }
        }
        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count();
            // SAFETY: as above.
            unsafe { System.alloc_zeroed(layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count();
            // SAFETY: as above.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: as above.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// Allocations (including reallocations) made so far by the calling thread.
    pub(crate) fn allocations() -> u64 {
        ALLOCATIONS.with(Cell::get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RngStreams;

    #[test]
    fn a_trace_replays_its_points_and_a_constant_never_changes() {
        let rng = || RngStreams::new(1).stream("bbu/0/load");
        let pts = vec![(SimTime(0), 0.5), (SimTime(10), 0.25), (SimTime(20), 1.0)];
        let (mut s, first) = LoadSource::new(&LoadProcess::Trace(pts), rng());
        assert_eq!(first, 0.5);
        assert_eq!(s.next_change(), Some((SimTime(10), 0.25)));
        assert_eq!(s.next_change(), Some((SimTime(20), 1.0)));
        assert_eq!(s.next_change(), None);
        let (mut c, f) = LoadSource::new(&LoadProcess::Constant(0.3), rng());
        assert_eq!((f, c.next_change()), (0.3, None));
    }

    #[test]
    fn core_changes_skip_samples_that_keep_the_core_count_and_tell_them() {
        // 8 cores. Samples 0.3 (⌈2.4⌉ = 3 cores) at 0, then 0.35 (⌈2.8⌉ = 3) at 1, 0.25 (2) at 2,
        // 0.2 (⌈1.6⌉ = 2) at 3, 0.26 (⌈2.08⌉ = 3) at 4: changes of count at 2 and 4; 1 and 3 are
        // skipped and told.
        let pts = vec![
            (SimTime(0), 0.3),
            (SimTime(1), 0.35),
            (SimTime(2), 0.25),
            (SimTime(3), 0.2),
            (SimTime(4), 0.26),
        ];
        let (src, first) = LoadSource::new(
            &LoadProcess::Trace(pts),
            RngStreams::new(1).stream("bbu/0/load"),
        );
        let mut c = CoreChanges::new(src, 8, first);
        let mut told = Vec::new();
        assert_eq!(
            c.next_change(|t, l| told.push((t.0, l))),
            Some((SimTime(2), 0.25))
        );
        assert_eq!(told, vec![(1, 0.35)]);
        assert_eq!(
            c.next_change(|t, l| told.push((t.0, l))),
            Some((SimTime(4), 0.26))
        );
        assert_eq!(told, vec![(1, 0.35), (3, 0.2)]);
        assert_eq!(c.next_change(|_, _| panic!("nothing left")), None);
    }

    #[test]
    fn the_allocation_probe_sees_this_threads_allocations() {
        // The no-allocation tests of the generated kinds are only as good as this probe.
        let before = alloc_probe::allocations();
        let v = std::hint::black_box(vec![1u8; 64]);
        assert!(alloc_probe::allocations() > before);
        drop(v);
    }
}
