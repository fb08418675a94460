//! C-RAN load changes fed to the placement policy as the simulator feeds them
//! ([`mlsim_core::Placement::observe_load`]): every BBU's load at time zero, then each change
//! once its time has come, in time order per BBU. The manager catches up just before it places
//! an invocation, so a policy sees exactly the changes up to that instant (the simulator calls
//! it at each change; a policy that only reads its history when placing cannot tell the
//! difference).

use crate::agent::worker::timeline::{Action, CranConfig, Timeline};
use mlsim_core::scenario::Scenario;
use mlsim_core::{BbuId, Placement, SimTime};

/// Each BBU's timeline and its next action not yet fed.
pub struct LoadFeed {
    bbus: Vec<(Timeline, Option<(u64, Action)>)>,
}

impl LoadFeed {
    /// The feed of every BBU of `sc`; tells `policy` each BBU's load at time zero.
    pub fn start(sc: &Scenario, policy: &mut dyn Placement) -> LoadFeed {
        let cfgs = sc.topology.bbus.iter().map(|bbu| CranConfig {
            load: bbu.load.clone(),
            seed: sc.seed,
            cores: bbu.cores,
            eviction: sc.eviction,
            memory_bytes: bbu.memory_mib.saturating_mul(1 << 20),
        });
        LoadFeed::of(cfgs, policy)
    }

    /// The feed of the BBUs `cfgs` (BBU `b` is the `b`-th).
    pub fn of(cfgs: impl IntoIterator<Item = CranConfig>, policy: &mut dyn Placement) -> LoadFeed {
        let bbus = cfgs
            .into_iter()
            .enumerate()
            .map(|(b, cfg)| {
                let (mut tl, first) = Timeline::new(&cfg, b as u32);
                policy.observe_load(BbuId(b as u32), SimTime::ZERO, SimTime::ZERO, first);
                let next = tl.next_action();
                (tl, next)
            })
            .collect();
        LoadFeed { bbus }
    }

    /// Tells `policy` every load change at or before `now` [ns since the epoch] not told yet.
    pub fn catch_up(&mut self, now: u64, policy: &mut dyn Placement) {
        for (b, (tl, next)) in self.bbus.iter_mut().enumerate() {
            while let Some((when, action)) = *next {
                if when > now {
                    break;
                }
                if let Action::Load { load, .. } = action {
                    policy.observe_load(BbuId(b as u32), SimTime(now), SimTime(when), load);
                }
                *next = tl.next_action();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::scenario::{Eviction, LoadProcess, Notice};
    use mlsim_core::{PlacementView, SimDuration, Stream};

    /// Records what it is told.
    #[derive(Default)]
    struct Recorder(Vec<(u32, u64, f64)>);
    impl Placement for Recorder {
        fn name(&self) -> &'static str {
            "recorder"
        }
        fn place(&mut self, view: &PlacementView<'_>, _rng: &mut Stream) -> BbuId {
            view.worker(0).bbu
        }
        fn observe_load(&mut self, bbu: BbuId, _now: SimTime, at: SimTime, load: f64) {
            self.0.push((bbu.0, at.0, load));
        }
    }

    const S: u64 = 1_000_000_000;

    #[test]
    fn feeds_initial_loads_then_changes_once_their_time_has_come() {
        // Notices 1 s ahead are not load changes: the policy hears the change at 3 s, not 2 s.
        let eviction = Eviction {
            notice: Notice::Ahead,
            grace: SimDuration(S),
        };
        let cfg = |load| CranConfig {
            load,
            seed: 7,
            cores: 4,
            eviction,
            memory_bytes: u64::MAX,
        };
        let cfgs = [
            cfg(LoadProcess::Constant(0.25)),
            cfg(LoadProcess::Trace(vec![
                (SimTime(0), 0.0),
                (SimTime(3 * S), 1.0),
                (SimTime(6 * S), 0.5),
            ])),
        ];
        let mut p = Recorder::default();
        let mut feed = LoadFeed::of(cfgs, &mut p);
        assert_eq!(p.0, vec![(0, 0, 0.25), (1, 0, 0.0)]);
        feed.catch_up(2 * S, &mut p);
        assert_eq!(p.0.len(), 2, "nothing changed by 2 s");
        feed.catch_up(3 * S, &mut p);
        assert_eq!(p.0[2..], [(1, 3 * S, 1.0)]);
        feed.catch_up(3 * S, &mut p);
        assert_eq!(p.0.len(), 3, "told once");
        feed.catch_up(100 * S, &mut p);
        assert_eq!(p.0[3..], [(1, 6 * S, 0.5)]);
    }
}
