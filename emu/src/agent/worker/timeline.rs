//! What C-RAN does on one BBU over a run, as the simulator schedules it: the BBU's load
//! process (the same generator, seed and stream as the C-RAN driver, [`crate::run::cran`])
//! turned into eviction notices and load changes, in time order.
//!
//! - notice `ahead`: each change to `load` at `t` is announced at `max(t − grace, the previous
//!   notice)` (the simulator fetches the next change when it announces one, so announcements
//!   run `grace` ahead of the load); the announced cores are no longer offered from the notice
//!   on, and victims must be gone by `t`.
//! - `on_change`: the change comes at `t` with its notice; victims have until `t + grace`.
//! - `none`: the change at `t`, no notice.
//!
//! At equal times a change comes before a notice (the simulator scheduled it first).
//! Times are [ns since the run's epoch].

use mlsim_core::RngStreams;
use mlsim_core::load::LoadSource;
use mlsim_core::scenario::{Eviction, LoadProcess, Notice};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What a worker needs to replay its BBU's C-RAN load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CranConfig {
    /// The BBU's load process (`[bbu] load`).
    pub load: LoadProcess,
    /// The run's seed (the load stream is `bbu/<b>/load` of it).
    pub seed: u64,
    /// Spec cores of the BBU.
    pub cores: u32,
    /// The spec's `[eviction]`.
    pub eviction: Eviction,
    /// Memory of the BBU \[bytes\]: invocations start only when their resident memory fits.
    #[serde(default = "unlimited")]
    pub memory_bytes: u64,
}

fn unlimited() -> u64 {
    u64::MAX
}

/// The BBU's load source and its load at time zero: the stream the simulator and the C-RAN
/// driver use.
pub fn source(p: &LoadProcess, seed: u64, bbu: u32) -> (LoadSource, f64) {
    LoadSource::new(p, RngStreams::new(seed).stream(&format!("bbu/{bbu}/load")))
}

/// One thing C-RAN does.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Notice `ahead`: C-RAN will need `cran` cores from `at` \[ns\] on; victims must be gone by
    /// then.
    Notice {
        /// When the change takes effect \[ns\].
        at: u64,
        /// Cores C-RAN will need.
        cran: u32,
    },
    /// The load changes now.
    Load {
        /// The new load (fraction of cores).
        load: f64,
        /// Cores C-RAN needs from now on.
        cran: u32,
        /// `on_change`: evict with this deadline \[ns\].
        evict_by: Option<u64>,
    },
}

/// The time-ordered actions of one BBU.
pub struct Timeline {
    src: LoadSource,
    cores: u32,
    eviction: Eviction,
    /// Notice `ahead`: the next notice (when, change time, load).
    next_notice: Option<(u64, u64, f64)>,
    /// Announced changes not yet in effect (time, load).
    pending: VecDeque<(u64, f64)>,
}

impl Timeline {
    /// The timeline of BBU `bbu` and its load at time zero.
    pub fn new(cfg: &CranConfig, bbu: u32) -> (Timeline, f64) {
        let (mut src, first) = source(&cfg.load, cfg.seed, bbu);
        let next_notice = if cfg.eviction.notice == Notice::Ahead {
            src.next_change()
                .map(|(t, l)| (t.0.saturating_sub(cfg.eviction.grace.0), t.0, l))
        } else {
            None
        };
        (
            Timeline {
                src,
                cores: cfg.cores,
                eviction: cfg.eviction,
                next_notice,
                pending: VecDeque::new(),
            },
            first,
        )
    }

    fn cran(&self, load: f64) -> u32 {
        mlsim_core::rules::cran_cores(load, self.cores)
    }

    /// The next action and its time \[ns\], or `None` when the load never changes again.
    pub fn next_action(&mut self) -> Option<(u64, Action)> {
        match self.eviction.notice {
            Notice::Ahead => {
                let change = self.pending.front().copied();
                let take_change = match (change, self.next_notice) {
                    (Some((t, _)), Some((n, _, _))) => t <= n,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if take_change {
                    let (t, load) = self.pending.pop_front()?;
                    return Some((
                        t,
                        Action::Load {
                            load,
                            cran: self.cran(load),
                            evict_by: None,
                        },
                    ));
                }
                let (when, at, load) = self.next_notice.take()?;
                self.pending.push_back((at, load));
                self.next_notice = self
                    .src
                    .next_change()
                    .map(|(t, l)| (t.0.saturating_sub(self.eviction.grace.0).max(when), t.0, l));
                Some((
                    when,
                    Action::Notice {
                        at,
                        cran: self.cran(load),
                    },
                ))
            }
            notice => {
                let (t, load) = self.src.next_change()?;
                Some((
                    t.0,
                    Action::Load {
                        load,
                        cran: self.cran(load),
                        evict_by: (notice == Notice::OnChange).then(|| t.0 + self.eviction.grace.0),
                    },
                ))
            }
        }
    }
}

/// C-RAN on a BBU at one instant, as a placement policy sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadNow {
    /// Load (fraction of cores).
    pub load: f64,
    /// Cores C-RAN needs now.
    pub cran: u32,
    /// The most cores C-RAN has announced it will need (0 if nothing is announced).
    pub announced_max: u32,
}

/// C-RAN on BBU `bbu` at `now` [ns since the epoch]: the timeline replayed up to `now`
/// (actions at `now` included).
pub fn load_at(cfg: &CranConfig, bbu: u32, now: u64) -> LoadNow {
    let (mut tl, first) = Timeline::new(cfg, bbu);
    let mut s = LoadNow {
        load: first,
        cran: tl.cran(first),
        announced_max: 0,
    };
    let mut announced: VecDeque<u32> = VecDeque::new();
    while let Some((when, a)) = tl.next_action() {
        if when > now {
            break;
        }
        match a {
            Action::Notice { cran, .. } => announced.push_back(cran),
            Action::Load { load, cran, .. } => {
                s.load = load;
                s.cran = cran;
                announced.pop_front();
            }
        }
    }
    s.announced_max = announced.iter().copied().max().unwrap_or(0);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::{SimDuration, SimTime};

    const S: u64 = 1_000_000_000;

    fn cfg(notice: Notice, grace_s: u64) -> CranConfig {
        // 4 cores: 0 → 1.0 (4 cores) at 3 s, → 0.5 (2 cores) at 3.5 s, → 0 at 8 s.
        CranConfig {
            load: LoadProcess::Trace(vec![
                (SimTime(0), 0.0),
                (SimTime(3 * S), 1.0),
                (SimTime(3 * S + S / 2), 0.5),
                (SimTime(8 * S), 0.0),
            ]),
            seed: 7,
            cores: 4,
            eviction: Eviction {
                notice,
                grace: SimDuration(grace_s * S),
            },
            memory_bytes: u64::MAX,
        }
    }

    fn all(c: &CranConfig) -> Vec<(u64, Action)> {
        let (mut t, first) = Timeline::new(c, 1);
        assert_eq!(first, 0.0);
        std::iter::from_fn(|| t.next_action()).collect()
    }

    fn load(load: f64, cran: u32, evict_by: Option<u64>) -> Action {
        Action::Load {
            load,
            cran,
            evict_by,
        }
    }

    #[test]
    fn notices_ahead_run_grace_before_each_change_and_never_go_back_in_time() {
        // Grace 1 s: the rise at 3 s is announced at 2 s; the change at 3.5 s would be
        // announced at 2.5 s, but it is fetched only when the first is announced (2 s): 2.5 s.
        // The fall at 8 s: at 7 s.
        assert_eq!(
            all(&cfg(Notice::Ahead, 1)),
            vec![
                (2 * S, Action::Notice { at: 3 * S, cran: 4 }),
                (
                    2 * S + S / 2,
                    Action::Notice {
                        at: 3 * S + S / 2,
                        cran: 2
                    }
                ),
                (3 * S, load(1.0, 4, None)),
                (3 * S + S / 2, load(0.5, 2, None)),
                (7 * S, Action::Notice { at: 8 * S, cran: 0 }),
                (8 * S, load(0.0, 0, None)),
            ]
        );
        // Grace 5 s: the first notice at 0 (3 − 5 < 0), the second no earlier than it (0),
        // the third at 8 − 5 = 3 s, after the change at 3 s (a change first at equal times).
        assert_eq!(
            all(&cfg(Notice::Ahead, 5)),
            vec![
                (0, Action::Notice { at: 3 * S, cran: 4 }),
                (
                    0,
                    Action::Notice {
                        at: 3 * S + S / 2,
                        cran: 2
                    }
                ),
                (3 * S, load(1.0, 4, None)),
                (3 * S, Action::Notice { at: 8 * S, cran: 0 }),
                (3 * S + S / 2, load(0.5, 2, None)),
                (8 * S, load(0.0, 0, None)),
            ]
        );
    }

    #[test]
    fn on_change_gives_grace_after_each_change_and_none_gives_nothing() {
        assert_eq!(
            all(&cfg(Notice::OnChange, 1)),
            vec![
                (3 * S, load(1.0, 4, Some(4 * S))),
                (3 * S + S / 2, load(0.5, 2, Some(4 * S + S / 2))),
                (8 * S, load(0.0, 0, Some(9 * S))),
            ]
        );
        assert_eq!(
            all(&cfg(Notice::None, 1)),
            vec![
                (3 * S, load(1.0, 4, None)),
                (3 * S + S / 2, load(0.5, 2, None)),
                (8 * S, load(0.0, 0, None)),
            ]
        );
    }

    #[test]
    fn the_load_at_an_instant_counts_announcements_not_yet_in_effect() {
        let c = cfg(Notice::Ahead, 1);
        let at = |t| load_at(&c, 1, t);
        assert_eq!(
            at(S),
            LoadNow {
                load: 0.0,
                cran: 0,
                announced_max: 0
            }
        );
        assert_eq!(
            at(2 * S),
            LoadNow {
                load: 0.0,
                cran: 0,
                announced_max: 4
            }
        );
        assert_eq!(
            at(3 * S),
            LoadNow {
                load: 1.0,
                cran: 4,
                announced_max: 2
            }
        );
        assert_eq!(
            at(4 * S),
            LoadNow {
                load: 0.5,
                cran: 2,
                announced_max: 0
            }
        );
        assert_eq!(
            at(7 * S),
            LoadNow {
                load: 0.5,
                cran: 2,
                announced_max: 0
            }
        );
        assert_eq!(
            at(9 * S),
            LoadNow {
                load: 0.0,
                cran: 0,
                announced_max: 0
            }
        );
    }

    #[test]
    fn the_worker_replays_the_drivers_load_changes_for_generated_kinds() {
        // The C-RAN driver (`run::cran`) and the worker both build the source from the run's
        // seed and the stream `bbu/<b>/load`: the same change sequence, draw for draw.
        let markov = LoadProcess::Markov {
            levels: vec![0.25, 0.5, 1.0],
            mean_hold: vec![SimDuration(S), SimDuration(S), SimDuration(S / 2)],
            next: vec![
                vec![0.0, 0.5, 0.5],
                vec![0.5, 0.0, 0.5],
                vec![0.5, 0.5, 0.0],
            ],
            initial: 0,
        };
        let (mut a, fa) = source(&markov, 2021, 2);
        let (mut b, fb) = LoadSource::new(&markov, RngStreams::new(2021).stream("bbu/2/load"));
        assert_eq!(fa, fb);
        let xs: Vec<_> = (0..200).map_while(|_| a.next_change()).collect();
        let ys: Vec<_> = (0..200).map_while(|_| b.next_change()).collect();
        assert_eq!(xs.len(), 200);
        assert_eq!(xs, ys);
        // Another BBU's stream differs.
        let (mut c, _) = source(&markov, 2021, 1);
        let zs: Vec<_> = (0..200).map_while(|_| c.next_change()).collect();
        assert_ne!(xs, zs);
    }
}
