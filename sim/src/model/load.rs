//! C-RAN load sources: the load of one BBU as a lazily generated step function.
//!
//! A source yields the load at time zero, then each change as `(time, fraction of cores)`,
//! one at a time, so a day of 1-second samples on a thousand BBUs never sits in memory at
//! once. Each BBU's source draws from its own named stream (`bbu/<b>/load`), so adding BBUs or
//! changing one BBU's process does not change the others' loads.

use mlsim_core::scenario::LoadProcess;
use mlsim_core::{SimTime, Stream};

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
}

impl LoadSource {
    /// A source for `p`; `rng` is the BBU's own load stream (unused by deterministic kinds).
    pub fn new(p: &LoadProcess, _rng: Stream) -> (LoadSource, f64) {
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::RngStreams;

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
}
