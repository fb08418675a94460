//! The discrete-event engine: a model, a clock and the pending-event queue.
//!
//! # Event order (the contract)
//! Events run in increasing `(time, class, tie, seq)`:
//! - `time`: the simulated instant \[ns\];
//! - `class`: a small integer the model assigns per event kind, so that events of one instant
//!   run in a documented order whatever order they were scheduled in (the model's event
//!   classes are listed in `crate::model`);
//! - `tie`: a number the model may give an event ([`Context::schedule_tied`]; 0 otherwise),
//!   so that events of one instant and class run in an order that does not depend on when
//!   they were scheduled (the model's C-RAN load events: by BBU);
//! - `seq`: a counter incremented at every `schedule`, so events of the same time, class and
//!   tie run in the order they were scheduled (FIFO).
//!
//! An event may schedule others at its own instant; they run after it if their class is at
//! least its class, and before any other pending event of that instant otherwise. Scheduling
//! into the past is a bug in the model and panics. Cancelled events are skipped when they reach
//! the head of the queue.
//!
//! The engine reads no clock and draws no random numbers: the model gets the current time from
//! [`Context::now`] and its randomness from named streams it owns.

use crate::queue::{EventQueue, key, key_seq, key_time};
use mlsim_core::{SimDuration, SimTime};
use std::collections::HashSet;

/// A handle to a scheduled event, for [`Context::cancel`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventKey(u64);

/// A simulation model: state plus an event handler.
pub trait Model {
    /// The (closed) set of events of this model.
    type Event;
    /// Handles one event at `ctx.now()`.
    fn handle(&mut self, event: Self::Event, ctx: &mut Context<'_, Self::Event>);
}

/// What a model may do while it handles an event: read the time, schedule and cancel events.
pub struct Context<'a, E> {
    now: SimTime,
    core: &'a mut Core<E>,
}

struct Core<E> {
    queue: EventQueue<E>,
    seq: u64,
    cancelled: HashSet<u64>,
}

impl<E> Core<E> {
    fn schedule(&mut self, now: SimTime, at: SimTime, class: u8, tie: u32, ev: E) -> EventKey {
        assert!(at >= now, "event scheduled in the past: {at:?} < {now:?}");
        assert!(
            self.seq < 1 << crate::queue::SEQ_BITS && tie < 1 << crate::queue::TIE_BITS,
            "a run of more than 2^{} events (or a tie-break ≥ 2^{}): split it into shorter runs",
            crate::queue::SEQ_BITS,
            crate::queue::TIE_BITS
        );
        let seq = self.seq;
        self.seq += 1;
        self.queue.push(key(at.0, class, tie, seq), ev);
        EventKey(seq)
    }
}

impl<E> Context<'_, E> {
    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Schedules `ev` at `at` (not before now) with the given class.
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, class: u8, ev: E) -> EventKey {
        self.core.schedule(self.now, at, class, 0, ev)
    }
    /// Schedules `ev` at `at` (not before now) with the given class and tie-break: events of
    /// one instant and class run in increasing `tie` (below 2¹⁷), then in scheduling order.
    #[inline]
    pub fn schedule_tied(&mut self, at: SimTime, class: u8, tie: u32, ev: E) -> EventKey {
        self.core.schedule(self.now, at, class, tie, ev)
    }
    /// Schedules `ev` after `delay`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, class: u8, ev: E) -> EventKey {
        self.core.schedule(self.now, self.now + delay, class, 0, ev)
    }
    /// Cancels a pending event; cancelling one that already ran is a no-op.
    pub fn cancel(&mut self, k: EventKey) {
        self.core.cancelled.insert(k.0);
    }
    /// Events pending now.
    pub fn pending(&self) -> usize {
        self.core.queue.len()
    }
}

/// A model with its clock and its pending events.
pub struct Simulation<M: Model> {
    model: M,
    now: SimTime,
    core: Core<M::Event>,
    processed: u64,
}

impl<M: Model> Simulation<M> {
    /// A simulation at time zero with no pending event.
    pub fn new(model: M) -> Self {
        Simulation {
            model,
            now: SimTime::ZERO,
            core: Core {
                queue: EventQueue::new(),
                seq: 0,
                cancelled: HashSet::new(),
            },
            processed: 0,
        }
    }

    /// Schedules an event from outside a handler (initial events).
    pub fn schedule_at(&mut self, at: SimTime, class: u8, ev: M::Event) -> EventKey {
        self.core.schedule(self.now, at, class, 0, ev)
    }

    /// [`Context::schedule_tied`] from outside a handler.
    pub fn schedule_tied(&mut self, at: SimTime, class: u8, tie: u32, ev: M::Event) -> EventKey {
        self.core.schedule(self.now, at, class, tie, ev)
    }

    /// The current time: the time of the last event handled.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events handled so far (cancelled ones not counted).
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Events pending.
    pub fn pending(&self) -> usize {
        self.core.queue.len()
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably (between events).
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// Gives the model back.
    pub fn into_model(self) -> M {
        self.model
    }

    /// Handles the next event if its time is at most `until`; returns whether one was handled.
    #[inline]
    pub fn step_until(&mut self, until: SimTime) -> bool {
        loop {
            let Some((k, ev)) = self.core.queue.pop_until(until.0) else {
                return false;
            };
            if !self.core.cancelled.is_empty() && self.core.cancelled.remove(&key_seq(k)) {
                continue;
            }
            self.now = SimTime(key_time(k));
            self.processed += 1;
            let mut ctx = Context {
                now: self.now,
                core: &mut self.core,
            };
            self.model.handle(ev, &mut ctx);
            return true;
        }
    }

    /// Handles the next event; returns whether there was one.
    pub fn step(&mut self) -> bool {
        self.step_until(SimTime::MAX)
    }

    /// Runs until no event is pending at or before `until`; the clock then reads the time of the
    /// last event handled.
    pub fn run_until(&mut self, until: SimTime) {
        while self.step_until(until) {}
    }

    /// Runs until no event is pending.
    pub fn run(&mut self) {
        self.run_until(SimTime::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records (time, name) of every event; some events schedule others.
    #[derive(Default)]
    struct Log(Vec<(u64, &'static str)>);
    enum Ev {
        Say(&'static str),
        Spawn,
        CancelLater(EventKey),
    }
    impl Model for Log {
        type Event = Ev;
        fn handle(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) {
            match ev {
                Ev::Say(s) => self.0.push((ctx.now().0, s)),
                Ev::Spawn => {
                    self.0.push((ctx.now().0, "spawn"));
                    ctx.schedule_in(SimDuration::ZERO, 9, Ev::Say("same-instant high class"));
                    ctx.schedule_in(SimDuration::ZERO, 0, Ev::Say("same-instant low class"));
                    ctx.schedule_in(SimDuration::from_nanos(5), 1, Ev::Say("later"));
                }
                Ev::CancelLater(k) => ctx.cancel(k),
            }
        }
    }

    #[test]
    fn order_is_time_then_class_then_fifo_and_cancel_skips() {
        let mut sim = Simulation::new(Log::default());
        sim.schedule_at(SimTime(10), 2, Ev::Say("t10 c2 first"));
        sim.schedule_at(SimTime(10), 1, Ev::Say("t10 c1"));
        sim.schedule_at(SimTime(10), 2, Ev::Say("t10 c2 second"));
        sim.schedule_at(SimTime(3), 5, Ev::Spawn);
        let doomed = sim.schedule_at(SimTime(20), 0, Ev::Say("cancelled"));
        sim.schedule_at(SimTime(4), 0, Ev::CancelLater(doomed));
        sim.run();
        let names: Vec<_> = sim.model().0.iter().map(|(t, s)| (*t, *s)).collect();
        assert_eq!(
            names,
            vec![
                (3, "spawn"),
                (3, "same-instant low class"),
                (3, "same-instant high class"),
                (8, "later"),
                (10, "t10 c1"),
                (10, "t10 c2 first"),
                (10, "t10 c2 second"),
            ]
        );
        assert_eq!(sim.events_processed(), 8);
        assert_eq!(sim.now(), SimTime(10));
    }

    #[test]
    fn a_tie_break_orders_one_instant_and_class_whenever_scheduled() {
        // Class 1 at t = 5: ties 7, 0, 3 scheduled in that order, then another tie 3 and a
        // plain event (tie 0). They run by tie, FIFO within a tie: 0 (first), 0 (plain), 3, 3, 7.
        let mut sim = Simulation::new(Log::default());
        sim.schedule_tied(SimTime(5), 1, 7, Ev::Say("tie 7"));
        sim.schedule_tied(SimTime(5), 1, 0, Ev::Say("tie 0"));
        sim.schedule_tied(SimTime(5), 1, 3, Ev::Say("tie 3 first"));
        sim.schedule_tied(SimTime(5), 1, 3, Ev::Say("tie 3 second"));
        sim.schedule_at(SimTime(5), 1, Ev::Say("plain"));
        sim.schedule_tied(SimTime(5), 0, 9, Ev::Say("lower class"));
        sim.run();
        let names: Vec<_> = sim.model().0.iter().map(|(_, s)| *s).collect();
        assert_eq!(
            names,
            vec![
                "lower class",
                "tie 0",
                "plain",
                "tie 3 first",
                "tie 3 second",
                "tie 7"
            ]
        );
    }

    #[test]
    fn run_until_leaves_later_events_pending() {
        let mut sim = Simulation::new(Log::default());
        sim.schedule_at(SimTime(1), 0, Ev::Say("a"));
        sim.schedule_at(SimTime(100), 0, Ev::Say("b"));
        sim.run_until(SimTime(50));
        assert_eq!(sim.model().0.len(), 1);
        assert_eq!(sim.pending(), 1);
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn scheduling_into_the_past_is_a_bug() {
        let mut sim = Simulation::new(Log::default());
        sim.schedule_at(SimTime(10), 0, Ev::Say("a"));
        sim.run();
        sim.schedule_at(SimTime(5), 0, Ev::Say("b"));
    }
}
