//! The suspend study (seed 000, Karhula et al., EdgeSys'19) in the simulator: the driver of
//! the shared state machine [`mlsim_core::suspend::Machine`] (which holds every rule and the
//! records; see its documentation for what happens to a function) on the event engine, with
//! the method's cost model for what suspends and wakes take.
//!
//! # What the simulator gives each effect
//! - a burst ends after its wall time (work / speed);
//! - a suspend takes the method's `checkpoint` time for the bytes it handles (stream
//!   `function/<f>/costs`), a wake its `restore` time; a restore on another BBU first waits
//!   for the compressed image to cross the wired link;
//! - deploys are instant.
//!
//! # Event classes (order at one instant)
//! 0 C-RAN load change, 1 a phase ends (burst, suspend, wake), 2 idle timer, 3 event arrival.
//! Ends come before timers and arrivals so that what an end frees is seen by them.

use crate::engine::{Context, EventKey, Model, Simulation};
use crate::model::costs;
use crate::model::load::LoadSource;
use mlsim_core::record::Mode;
use mlsim_core::scenario::{CostModel, Scenario};
use mlsim_core::suspend::{Effect, Input, Machine};
use mlsim_core::{RecordSink, RngStreams, SimDuration, SimTime, Stream};

pub use mlsim_core::suspend::SuspendError;

const C_LOAD: u8 = 0;
const C_END: u8 = 1;
const C_TIMER: u8 = 2;
const C_ARRIVAL: u8 = 3;

/// What a suspend run did besides its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuspendSummary {
    /// Events handled by the engine.
    pub events: u64,
    /// Time of the last event handled.
    pub end: SimTime,
    /// Function events whose burst ended.
    pub served: u64,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    /// An input of the machine.
    In(Input),
    /// A load change of BBU `bbu`.
    Load { bbu: u32, load: f64 },
}

struct World<'a> {
    sc: &'a Scenario,
    machine: Machine<'a>,
    cost: Option<CostModel>,
    loads: Vec<LoadSource>,
    /// Per function: its cost stream and its pending idle timer.
    costs_rng: Vec<Stream>,
    timers: Vec<Option<EventKey>>,
    effects: Vec<Effect>,
}

/// Simulates one suspend run of `sc` (which must have [`Scenario::suspend`]), sending its
/// records (tagged with `run`) to `sink`.
pub fn simulate_suspend<S: RecordSink>(
    sc: &Scenario,
    run: u32,
    sink: &mut S,
) -> Result<SuspendSummary, SuspendError> {
    let streams = RngStreams::new(sc.seed);
    let (loads, initial): (Vec<LoadSource>, Vec<f64>) = sc
        .topology
        .bbus
        .iter()
        .enumerate()
        .map(|(b, bbu)| LoadSource::new(&bbu.load, streams.stream(&format!("bbu/{b}/load"))))
        .unzip();
    let machine = Machine::new(sc, run, Mode::Sim, &initial, true)?;
    let n = machine.suspend().functions;
    let world = World {
        sc,
        machine,
        cost: sc.checkpoint.method.cost,
        loads,
        costs_rng: (0..n)
            .map(|f| streams.stream(&format!("function/{f}/costs")))
            .collect(),
        timers: vec![None; n as usize],
        effects: Vec::new(),
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
    // Every function's first event, then the deployment at time zero, after the loads.
    for e in sim.model_mut().machine.take_effects() {
        if let Effect::Arrival { f, at } = e {
            sim.schedule_at(at, C_ARRIVAL, Ev::In(Input::Arrival(f)));
        }
    }
    sim.schedule_at(SimTime::ZERO, C_END, Ev::In(Input::Deploy));
    let mut next_report = crate::model::PROGRESS_EVERY;
    while sim.step_until(sc.horizon) {
        if sim.events_processed() >= next_report {
            next_report += crate::model::PROGRESS_EVERY;
            mlsim_core::progress::report(sim.now().0, sc.horizon.0, 0, 0);
        }
    }
    let end = sim.now();
    let events = sim.events_processed();
    let world = sim.into_model();
    let served = world.machine.finish(end, sink);
    Ok(SuspendSummary {
        events,
        end,
        served,
    })
}

impl Model for World<'_> {
    type Event = Ev;
    fn handle(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        match ev {
            Ev::In(input) => {
                if let Input::Idle(f) = input {
                    self.timers[f as usize] = None;
                }
                self.machine.handle(now, input);
            }
            Ev::Load { bbu, load } => {
                if let Some((at, next)) = self.loads[bbu as usize].next_change() {
                    ctx.schedule_at(at, C_LOAD, Ev::Load { bbu, load: next });
                }
                self.machine.handle(now, Input::Load { bbu, load });
            }
        }
        self.apply(ctx);
    }
}

impl World<'_> {
    /// Gives the machine's effects their simulated costs, in the order it asked for them.
    fn apply(&mut self, ctx: &mut Context<'_, Ev>) {
        let mut effects = std::mem::take(&mut self.effects);
        self.machine.drain_effects(&mut effects);
        for e in effects.drain(..) {
            match e {
                Effect::Arrival { f, at } => {
                    ctx.schedule_at(at, C_ARRIVAL, Ev::In(Input::Arrival(f)));
                }
                Effect::Timer { f, at } => {
                    let k = ctx.schedule_at(at, C_TIMER, Ev::In(Input::Idle(f)));
                    self.timers[f as usize] = Some(k);
                }
                Effect::CancelTimer { f } => {
                    if let Some(k) = self.timers[f as usize].take() {
                        ctx.cancel(k);
                    }
                }
                Effect::Deploy { f, .. } => {
                    // Not asked for with instant deploys; answer at once if it ever is.
                    ctx.schedule_in(SimDuration::ZERO, C_END, Ev::In(Input::Deployed(f)));
                }
                Effect::Burst { f, wall, .. } => {
                    ctx.schedule_in(wall, C_END, Ev::In(Input::BurstDone(f)));
                }
                Effect::Suspend { f, bytes, .. } => {
                    let Some(c) = self.cost else { continue };
                    let d = costs::checkpoint_time(&c, bytes, 1.0, &mut self.costs_rng[f as usize]);
                    self.machine.note_suspend(f, d);
                    ctx.schedule_in(d, C_END, Ev::In(Input::SuspendDone(f)));
                }
                Effect::Wake {
                    f,
                    bbu,
                    from,
                    bytes,
                    ..
                } => {
                    let mut delay = SimDuration::ZERO;
                    if from != bbu {
                        // Restored elsewhere: the image crosses the wired link first.
                        delay = self
                            .sc
                            .topology
                            .wired
                            .transfer(self.machine.model_disk_bytes(), self.sc.topology.transport)
                            .1;
                    }
                    let d = match &self.cost {
                        Some(c) => {
                            costs::restore_time(c, bytes, 1.0, &mut self.costs_rng[f as usize])
                        }
                        None => SimDuration::ZERO,
                    };
                    self.machine.note_wake(f, d);
                    ctx.schedule_in(delay + d, C_END, Ev::In(Input::WakeDone(f)));
                }
            }
        }
        self.effects = effects;
    }
}
