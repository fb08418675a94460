//! The hold model, the classic benchmark of event-list performance: `tokens` tokens hop among
//! `nodes` nodes; a token arriving at a node is held for an Exp(1 s) delay, then hops to a
//! uniformly drawn node. The number of pending events stays at `tokens`, so the benchmark
//! measures the kernel at a fixed queue size.

use crate::engine::{Context, Model, Simulation};
use mlsim_core::{RngStreams, SimDuration, SimTime, Stream};
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// The hold model's state: arrivals counted per node.
pub struct Hold {
    rng: Stream,
    arrivals: Vec<u64>,
}

/// A token arrives at a node.
#[derive(Clone, Copy, Debug)]
pub struct Arrive {
    node: u32,
}

impl Model for Hold {
    type Event = Arrive;
    #[inline]
    fn handle(&mut self, ev: Arrive, ctx: &mut Context<'_, Arrive>) {
        self.arrivals[ev.node as usize] += 1;
        let d: f64 = Exp1.sample(&mut self.rng);
        let next = self.rng.random_range(0..self.arrivals.len() as u32);
        ctx.schedule_in(SimDuration::from_secs_f64(d), 0, Arrive { node: next });
    }
}

/// A hold-model simulation with `tokens` tokens on `nodes` nodes, ready to run.
pub fn build(tokens: u32, nodes: u32, seed: u64) -> Simulation<Hold> {
    let streams = RngStreams::new(seed);
    let mut init = streams.stream("hold/init");
    let model = Hold {
        rng: streams.stream("hold/delays"),
        arrivals: vec![0; nodes.max(1) as usize],
    };
    let mut sim = Simulation::new(model);
    for _ in 0..tokens {
        let d: f64 = Exp1.sample(&mut init);
        let node = init.random_range(0..nodes.max(1));
        sim.schedule_at(
            SimTime::ZERO + SimDuration::from_secs_f64(d),
            0,
            Arrive { node },
        );
    }
    sim
}

/// Runs `events` events; returns the total arrivals counted (equal to `events`).
pub fn run(sim: &mut Simulation<Hold>, events: u64) -> u64 {
    let target = sim.events_processed() + events;
    while sim.events_processed() < target && sim.step() {}
    sim.model().arrivals.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_size_stays_at_token_count_and_is_deterministic() {
        let mut a = build(100, 10, 1);
        assert_eq!(run(&mut a, 10_000), 10_000);
        assert_eq!(a.pending(), 100);
        let mut b = build(100, 10, 1);
        run(&mut b, 10_000);
        assert_eq!(a.now(), b.now());
        assert_eq!(a.model().arrivals, b.model().arrivals);
        // Mean hold time is 1 s, so 10 000 events over 100 tokens take about 100 s.
        let t = a.now().as_secs_f64();
        assert!((80.0..120.0).contains(&t), "simulated time {t}");
    }
}
