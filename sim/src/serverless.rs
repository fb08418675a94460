//! The serverless study (seed 004) in the simulator: the driver of the shared state machine
//! [`mlsim_core::serverless::Machine`] (which holds every rule and writes the records; see its
//! documentation) on the event engine.
//!
//! # What the simulator gives each effect
//! - a cold start takes the image pull (its bytes over the wired link from the control BBU,
//!   when the BBU lacks the image) plus a draw of `cold_start` (stream `faas/<f>/cold`);
//! - an invocation computes for its wall time, plus `warm_start` when it was warm;
//! - a reclaim is instant.
//!
//! # Event classes (order at one instant)
//! 0 C-RAN load change, 1 a cold start or an invocation ends, 2 timer (reclaim, prewarm,
//! tick), 3 arrival. Ends come first so that what they free is seen by the rest; a reclaim
//! timer at the instant of an arrival goes before it (a keep-alive of k reclaims an instance
//! idle for exactly k).

use crate::engine::{Context, Model, Simulation};
use crate::model::load::LoadSource;
use mlsim_core::record::Mode;
use mlsim_core::scenario::{Scenario, TimeDist};
use mlsim_core::serverless::{Effect, Input, Machine};
use mlsim_core::{RecordSink, RngStreams, SimDuration, SimTime, Stream};

pub use mlsim_core::serverless::ServerlessError;

const C_LOAD: u8 = 0;
const C_END: u8 = 1;
const C_TIMER: u8 = 2;
const C_ARRIVAL: u8 = 3;

/// What a serverless run did besides its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerlessSummary {
    /// Events handled by the engine.
    pub events: u64,
    /// Time of the last event handled.
    pub end: SimTime,
    /// Invocations that ended.
    pub served: u64,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    In(Input),
    Load { bbu: u32, load: f64 },
}

struct World<'a, S: RecordSink> {
    sc: &'a Scenario,
    machine: Machine<'a>,
    loads: Vec<LoadSource>,
    cold_rng: Vec<Stream>,
    /// Per function: its cold start.
    cold: Vec<TimeDist>,
    effects: Vec<Effect>,
    sink: S,
}

/// Simulates one serverless run of `sc` (which must have [`Scenario::serverless`]), sending
/// its records (tagged with `run`) to `sink`.
pub fn simulate_serverless<S: RecordSink>(
    sc: &Scenario,
    run: u32,
    sink: S,
) -> Result<ServerlessSummary, ServerlessError> {
    let streams = RngStreams::new(sc.seed);
    let (loads, initial): (Vec<LoadSource>, Vec<f64>) = sc
        .topology
        .bbus
        .iter()
        .enumerate()
        .map(|(b, bbu)| LoadSource::new(&bbu.load, streams.stream(&format!("bbu/{b}/load"))))
        .unzip();
    let machine = Machine::new(sc, run, Mode::Sim, &initial)?;
    let n = machine.serverless().functions.len();
    let world = World {
        sc,
        machine,
        loads,
        cold_rng: (0..n)
            .map(|f| streams.stream(&format!("faas/{f}/cold")))
            .collect(),
        cold: (0..n as u32)
            .map(|f| sc.serverless.as_ref().expect("checked").cold_start_of(f))
            .collect(),
        effects: Vec::new(),
        sink,
    };
    let mut sim = Simulation::new(world);
    for b in 0..sc.topology.bbus.len() {
        if let Some((at, load)) = sim.model_mut().loads[b].next_change() {
            sim.schedule_at(
                at,
                C_LOAD,
                Ev::Load {
                    bbu: b as u32,
                    load,
                },
            );
        }
    }
    // The machine's first effects: arrivals, time-zero instances, the first tick.
    {
        let w = sim.model_mut();
        let mut effects = std::mem::take(&mut w.effects);
        w.machine.drain_effects(&mut effects);
        w.effects = effects;
    }
    let first = std::mem::take(&mut sim.model_mut().effects);
    for e in &first {
        if let Some((at, class, ev)) = initial_event(sim.model_mut(), e) {
            sim.schedule_at(at, class, ev);
        }
    }
    let mut next_report = crate::model::PROGRESS_EVERY;
    while !sim.model().machine.done() && sim.step_until(sc.horizon) {
        if sim.events_processed() >= next_report {
            next_report += crate::model::PROGRESS_EVERY;
            mlsim_core::progress::report(sim.now().0, sc.horizon.0, 0, 0);
        }
    }
    let end = sim.now();
    let events = sim.events_processed();
    let World {
        machine, mut sink, ..
    } = sim.into_model();
    let served = machine.finish(end, &mut sink);
    Ok(ServerlessSummary {
        events,
        end,
        served,
    })
}

/// The event of one of the machine's first effects: arrivals, the first tick and time-zero
/// cold starts (a new machine asks for nothing else: no invocation has arrived yet).
fn initial_event<S: RecordSink>(w: &mut World<'_, S>, e: &Effect) -> Option<(SimTime, u8, Ev)> {
    match *e {
        Effect::Arrival { f, at } => Some((at, C_ARRIVAL, Ev::In(Input::Arrival(f)))),
        Effect::Timer { at, timer } => Some((at, C_TIMER, Ev::In(Input::Timer(timer)))),
        Effect::ColdStart {
            inst,
            f,
            pull_bytes,
            ..
        } => Some((
            SimTime::ZERO + w.cold_start(f, pull_bytes),
            C_END,
            Ev::In(Input::Ready(inst)),
        )),
        Effect::Exec { .. } | Effect::Reclaim { .. } => None,
    }
}

impl<S: RecordSink> World<'_, S> {
    /// A cold start's simulated duration: the image pull, then a draw of the cold start.
    fn cold_start(&mut self, f: u32, pull_bytes: u64) -> SimDuration {
        let mut d =
            mlsim_core::rules::duration(&self.cold[f as usize], &mut self.cold_rng[f as usize]);
        if pull_bytes > 0 {
            d += self
                .sc
                .topology
                .wired
                .transfer(pull_bytes, self.sc.topology.transport)
                .1;
        }
        d
    }

    /// Gives the machine's effects their simulated costs, in the order it asked for them.
    fn apply(&mut self, ctx: &mut Context<'_, Ev>) {
        let mut effects = std::mem::take(&mut self.effects);
        self.machine.drain_effects(&mut effects);
        let warm = self.machine.serverless().warm_start;
        for e in effects.drain(..) {
            match e {
                Effect::Arrival { f, at } => {
                    ctx.schedule_at(at, C_ARRIVAL, Ev::In(Input::Arrival(f)));
                }
                Effect::Timer { at, timer } => {
                    ctx.schedule_at(at, C_TIMER, Ev::In(Input::Timer(timer)));
                }
                Effect::ColdStart {
                    inst,
                    f,
                    pull_bytes,
                    ..
                } => {
                    let d = self.cold_start(f, pull_bytes);
                    ctx.schedule_in(d, C_END, Ev::In(Input::Ready(inst)));
                }
                Effect::Exec {
                    inv, wall, warm: w, ..
                } => {
                    let d = if w { wall + warm } else { wall };
                    ctx.schedule_in(d, C_END, Ev::In(Input::Done(inv)));
                }
                Effect::Reclaim { .. } => {}
            }
        }
        self.effects = effects;
    }
}

impl<S: RecordSink> Model for World<'_, S> {
    type Event = Ev;
    fn handle(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        match ev {
            Ev::In(input) => self.machine.handle(now, input, &mut self.sink),
            Ev::Load { bbu, load } => {
                if let Some((at, next)) = self.loads[bbu as usize].next_change() {
                    ctx.schedule_at(at, C_LOAD, Ev::Load { bbu, load: next });
                }
                self.machine
                    .handle(now, Input::Load { bbu, load }, &mut self.sink);
            }
        }
        self.apply(ctx);
    }
}
