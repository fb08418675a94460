//! A serverless run's state: instances, invocations in flight, functions and worker BBUs
//! (with their memory-time integrals).

use super::Arrivals;
use crate::{SimDuration, SimTime, Stream};
use std::collections::VecDeque;

pub(super) const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IState {
    Starting,
    Idle,
    Busy,
    Free,
}

#[derive(Clone, Debug)]
pub(super) struct Inst {
    pub(super) st: IState,
    pub(super) f: u32,
    pub(super) bbu: u32,
    pub(super) number: u64,
    /// Invocations assigned (waiting for its start, for a core, or computing).
    pub(super) active: u32,
    pub(super) generation: u32,
    pub(super) created: SimTime,
    pub(super) ready: Option<SimTime>,
    /// Since when it is in its current state.
    pub(super) since: SimTime,
    pub(super) invocations: u32,
    pub(super) prewarmed: bool,
    /// A prewarm's keep window, used at its first idle.
    pub(super) first_keep: Option<SimDuration>,
    pub(super) idle_ns: u64,
    pub(super) busy_ns: u64,
    /// Invocations waiting for its cold start.
    pub(super) waiting: Vec<u32>,
    /// Its index in its BBU's `insts`.
    pub(super) bpos: u32,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Inv {
    pub(super) f: u32,
    pub(super) inst: u32,
    pub(super) arrival: SimTime,
    pub(super) start: SimTime,
    pub(super) cold: bool,
}

pub(super) struct Func {
    pub(super) arrivals: Arrivals,
    pub(super) arrivals_rng: Stream,
    pub(super) durations_rng: Stream,
    pub(super) next_arrival: Option<SimTime>,
    /// Live instance slots.
    pub(super) instances: Vec<u32>,
    pub(super) idle: u32,
    pub(super) in_flight: u32,
    /// ∫ in_flight dt since the last tick \[ns\], and when in_flight last changed.
    pub(super) in_flight_int: f64,
    pub(super) in_flight_since: SimTime,
    pub(super) mean_duration_s: f64,
    pub(super) cold_budget: SimDuration,
}

impl Func {
    pub(super) fn add_in_flight(&mut self, now: SimTime, delta: i32) {
        self.in_flight_int += f64::from(self.in_flight)
            * now.saturating_since(self.in_flight_since).as_nanos() as f64;
        self.in_flight_since = now;
        self.in_flight = self.in_flight.saturating_add_signed(delta);
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct Bbu {
    pub(super) cores: u32,
    pub(super) speed: f64,
    pub(super) capacity: u64,
    pub(super) used: u64,
    pub(super) peak: u64,
    pub(super) cran: u32,
    pub(super) running: u32,
    pub(super) queue: VecDeque<u32>,
    /// Per function: whether its image is here.
    pub(super) images: Vec<bool>,
    /// Live instance slots here (any order).
    pub(super) insts: Vec<u32>,
    /// Bytes held by instances starting, busy, idle.
    pub(super) held: [u64; 3],
    /// ∫ held dt per state \[byte·ns\] (as f64).
    pub(super) held_int: [f64; 3],
    pub(super) cran_int: f64,
    pub(super) last: SimTime,
    pub(super) cold_starts: u32,
    pub(super) prewarms: u32,
    pub(super) pulls: u32,
    pub(super) pressure: u32,
    pub(super) invocations: u64,
}

impl Bbu {
    pub(super) fn advance(&mut self, now: SimTime) {
        let dt = now.saturating_since(self.last).as_nanos() as f64;
        if dt > 0.0 {
            for k in 0..3 {
                self.held_int[k] += self.held[k] as f64 * dt;
            }
            self.cran_int += f64::from(self.cran) * dt;
            self.last = now;
        }
    }
}

pub(super) fn slot(st: IState) -> usize {
    match st {
        IState::Starting => 0,
        IState::Busy => 1,
        IState::Idle | IState::Free => 2,
    }
}
