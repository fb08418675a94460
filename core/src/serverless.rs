//! The serverless study (seed 004, Wang et al., CloudNet'20, and the works it lists) as one
//! state machine that both backends drive: function instances with a lifecycle (cold start,
//! warm idle under a keep-alive, reclaim), a keep-alive / prewarm [`policy`], invocations that
//! arrive from a trace or a generator, on worker BBUs whose cores C-RAN takes first and whose
//! memory the warm pools compete for.
//!
//! [`Machine`] holds every instance, invocation and BBU and decides everything; it asks its
//! driver through [`Effect`]s to do what takes time and hears back through [`Input`]s:
//!
//! | effect | the simulator (`sim::serverless`) |
//! |---|---|
//! | [`Effect::Arrival`], [`Effect::Timer`] | schedules the input |
//! | [`Effect::ColdStart`] | image pull over the wired link (if any) + a draw of the cold-start time |
//! | [`Effect::Exec`] | ends it after `wall` (+ the warm-start cost if warm) |
//! | [`Effect::Reclaim`] | nothing |
//!
//! # What happens to an invocation of function f
//! 1. It arrives (f's arrival process, stream `faas/<f>/arrivals`); the policy hears of it.
//! 2. **Warm** if an instance of f is live with a free slot (fewer than `concurrency`
//!    invocations): a busy one first (packing), else the one idle most recently (so the
//!    others age towards their reclaim). Else, if an instance of f is starting with a free
//!    slot, it joins it (**cold**: it waits for that cold start). Else a new instance starts
//!    **cold** on a worker chosen by [`Machine`]'s placement: among workers whose free memory
//!    holds the instance, one that has f's image, then the most free memory, then topology
//!    order. If none has the room, idle instances are reclaimed to make it (**pressure**): on
//!    the first worker (topology order) where free + idle memory suffices, longest idle first.
//!    If even that fails the invocation waits in a FIFO for memory (retried at each reclaim).
//! 3. On its instance's BBU it waits, FIFO, for a core: cores offered = c − ⌈L·c⌉ − running
//!    ([`rules::offered_cores`]); then it computes for work/speed (work drawn from f's
//!    `duration`, stream `faas/<f>/durations`). C-RAN never evicts an invocation (they are
//!    short; the protocol study models eviction); C-RAN's rises wait for cores to free.
//! 4. When an instance has nothing left to serve it is **idle** and its policy says what
//!    happens ([`policy::IdleRule`]): kept, reclaimed at a time (if still idle then), or
//!    reclaimed at once with a prewarm set for later. Policies that tick set a target count
//!    per function: prewarms (with free memory only) up to it, idle reclaims (longest idle
//!    first) above it.
//!
//! An instance holds its function's memory from the start of its cold start to its reclaim;
//! its memory-time is split into starting, busy and idle (the waste of a warm pool). The first
//! cold start of f on a BBU pulls f's image over the wired link from the control BBU; later
//! ones there find it (the image is cached from the moment the pull starts).
//!
//! The run ends when every arrival has come and every invocation has ended (or at the
//! horizon); live instances are then recorded as ended by the run.

use crate::record::{CallRecord, InstanceEnd, InstanceRecord, Mode};
use crate::rules;
use crate::scenario::Scenario;
use crate::{RecordSink, RngStreams, SimDuration, SimTime};
use std::borrow::Cow;
use std::collections::VecDeque;

mod arrivals;
pub mod config;
mod effect;
pub mod policy;
mod records;
mod state;

pub use arrivals::Arrivals;
pub use config::{Arrival, Function, Histogram, HotC, Kpa, Policy, Serverless, Spread};
pub use effect::{Effect, Input, ServerlessError, Timer};
use policy::{FnView, IdleRule, Lifecycle};
use state::{Bbu, Func, IState, Inst, Inv, NONE, slot};

/// The serverless study's state and rules (see the module documentation).
pub struct Machine<'a> {
    sc: &'a Scenario,
    s: &'a Serverless,
    policy: Box<dyn Lifecycle>,
    policy_name: &'static str,
    run: u32,
    mode: Mode,
    funcs: Vec<Func>,
    insts: Vec<Inst>,
    free_insts: Vec<u32>,
    invs: Vec<Inv>,
    free_invs: Vec<u32>,
    bbus: Vec<Bbu>,
    workers: Vec<u32>,
    memory_fifo: VecDeque<u32>,
    next_number: u64,
    live_invs: u64,
    out: Vec<Effect>,
    views: Vec<FnView>,
    targets: Vec<u32>,
    ticking: bool,
    served: u64,
    /// Instances reclaimed during the current input (their records go out at its end).
    ended: Vec<InstanceRecord>,
    /// Memory was freed during the current input (retry the memory FIFO).
    memory_freed: bool,
    /// Functions with an arrival still to come.
    arriving: u32,
}

impl<'a> Machine<'a> {
    /// The machine of run `run` of `sc` (which must have [`Scenario::serverless`]), its
    /// records tagged `mode`; `loads[b]` is BBU `b`'s C-RAN load at time zero.
    ///
    /// Its first effects ([`Machine::take_effects`]) are each function's first arrival, the
    /// policy's initial instances (cold starts at time zero) and its first tick.
    pub fn new(
        sc: &'a Scenario,
        run: u32,
        mode: Mode,
        loads: &[f64],
    ) -> Result<Self, ServerlessError> {
        let s = sc
            .serverless
            .as_ref()
            .ok_or(ServerlessError::NotServerless)?;
        if sc.topology.workers.is_empty() {
            return Err(ServerlessError::NoWorkers);
        }
        let n = s.functions.len();
        let streams = RngStreams::new(sc.seed);
        let bbus: Vec<Bbu> = sc
            .topology
            .bbus
            .iter()
            .enumerate()
            .map(|(b, bb)| Bbu {
                cores: bb.cores,
                speed: bb.speed,
                capacity: bb.memory_mib.saturating_mul(1 << 20),
                cran: rules::cran_cores(loads.get(b).copied().unwrap_or(0.0), bb.cores),
                images: vec![false; n],
                ..Bbu::default()
            })
            .collect();
        let most = sc
            .topology
            .workers
            .iter()
            .map(|&w| bbus[w as usize].capacity)
            .max()
            .unwrap_or(0);
        for (f, func) in s.functions.iter().enumerate() {
            if func.memory_bytes > most {
                return Err(ServerlessError::TooLarge(f as u32, func.memory_bytes));
            }
        }
        let funcs = s
            .functions
            .iter()
            .enumerate()
            .map(|(f, func)| Func {
                arrivals: Arrivals::new(),
                arrivals_rng: streams.stream(&format!("faas/{f}/arrivals")),
                durations_rng: streams.stream(&format!("faas/{f}/durations")),
                next_arrival: None,
                instances: Vec::new(),
                idle: 0,
                in_flight: 0,
                in_flight_int: 0.0,
                in_flight_since: SimTime::ZERO,
                mean_duration_s: func.duration.mean().as_secs_f64(),
                // The oracle's lead and HotC's holding time: mean × (1 + 3 cv).
                cold_budget: {
                    let c = s.cold_start_of(f as u32);
                    rules::budget(c.mean(), c.cv(), 3.0)
                },
            })
            .collect();
        let policy = policy::make(&s.policy, n);
        let mut m = Machine {
            sc,
            s,
            policy,
            policy_name: s.policy.name(),
            run,
            mode,
            funcs,
            insts: Vec::new(),
            free_insts: Vec::new(),
            invs: Vec::new(),
            free_invs: Vec::new(),
            bbus,
            workers: sc.topology.workers.clone(),
            memory_fifo: VecDeque::new(),
            next_number: 0,
            live_invs: 0,
            out: Vec::new(),
            views: vec![FnView::default(); n],
            targets: vec![0; n],
            ticking: false,
            served: 0,
            ended: Vec::new(),
            memory_freed: false,
            arriving: 0,
        };
        for f in 0..n as u32 {
            m.draw_arrival(f);
        }
        let initial = m.policy.initial();
        for _ in 0..initial {
            for f in 0..n as u32 {
                m.prewarm(SimTime::ZERO, f, None, true);
            }
        }
        if let Some(p) = m.policy.period() {
            m.ticking = true;
            m.out.push(Effect::Timer {
                at: SimTime::ZERO + p,
                timer: Timer::Tick,
            });
        }
        Ok(m)
    }

    /// The study's description.
    pub fn serverless(&self) -> &Serverless {
        self.s
    }

    /// The effects asked for since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.out)
    }

    /// Appends the effects asked for since the last call to `into` (keeps both buffers).
    pub fn drain_effects(&mut self, into: &mut Vec<Effect>) {
        into.append(&mut self.out);
    }

    /// Invocations that have ended.
    pub fn served(&self) -> u64 {
        self.served
    }

    /// Whether the run is over: no arrival left and nothing in flight.
    pub fn done(&self) -> bool {
        self.live_invs == 0 && self.arriving == 0
    }

    fn draw_arrival(&mut self, f: u32) {
        let fu = &mut self.funcs[f as usize];
        let a = &self.s.functions[f as usize].arrival;
        let had = fu.next_arrival.is_some();
        fu.next_arrival = fu.arrivals.next(a, &mut fu.arrivals_rng);
        match (had, fu.next_arrival) {
            (false, Some(_)) => self.arriving += 1,
            (true, None) => self.arriving -= 1,
            _ => {}
        }
        if let Some(at) = fu.next_arrival {
            self.out.push(Effect::Arrival { f, at });
        }
    }

    /// Handles one input at `now`: `sink` receives the records of what ended.
    pub fn handle<S: RecordSink>(&mut self, now: SimTime, input: Input, sink: &mut S) {
        match input {
            Input::Arrival(f) => self.arrival(now, f),
            Input::Ready(i) => self.ready(now, i),
            Input::Done(v) => self.exec_done(now, v, sink),
            Input::Timer(t) => self.timer(now, t),
            Input::Load { bbu, load } => {
                let bb = &mut self.bbus[bbu as usize];
                bb.advance(now);
                bb.cran = rules::cran_cores(load, bb.cores);
                self.try_start(now, bbu);
            }
        }
        self.settle(now, sink);
    }

    /// Sends the records of instances reclaimed during the last input and admits what their
    /// memory lets in.
    fn settle<S: RecordSink>(&mut self, now: SimTime, sink: &mut S) {
        self.retry_memory(now);
        for r in self.ended.drain(..) {
            sink.instance(r);
        }
    }

    fn arrival(&mut self, now: SimTime, f: u32) {
        self.policy.arrival(f, now);
        self.draw_arrival(f);
        let v = match self.free_invs.pop() {
            Some(v) => v,
            None => {
                self.invs.push(Inv {
                    f,
                    inst: NONE,
                    arrival: now,
                    start: now,
                    cold: false,
                });
                (self.invs.len() - 1) as u32
            }
        };
        self.invs[v as usize] = Inv {
            f,
            inst: NONE,
            arrival: now,
            start: now,
            cold: false,
        };
        self.live_invs += 1;
        self.funcs[f as usize].add_in_flight(now, 1);
        self.dispatch(now, v, true);
    }

    /// Finds `v` an instance: warm, joining a cold start, or a new cold start; `queue_if_none`:
    /// wait in the memory FIFO if nothing fits (else leave it at the FIFO's head).
    fn dispatch(&mut self, now: SimTime, v: u32, queue_if_none: bool) -> bool {
        let f = self.invs[v as usize].f;
        let conc = self.s.functions[f as usize].concurrency;
        // A live instance with a free slot: busy first, then the most recently idle.
        let mut best: Option<(u32, bool, SimTime)> = None;
        let mut joining: Option<u32> = None;
        for &i in &self.funcs[f as usize].instances {
            let inst = &self.insts[i as usize];
            if inst.active >= conc {
                continue;
            }
            match inst.st {
                IState::Busy => {
                    best = Some((i, true, inst.since));
                    break;
                }
                IState::Idle => {
                    if best.is_none_or(|(_, _, since)| inst.since > since) {
                        best = Some((i, false, inst.since));
                    }
                }
                IState::Starting => {
                    if joining.is_none() {
                        joining = Some(i);
                    }
                }
                IState::Free => {}
            }
        }
        if let Some((i, _, _)) = best {
            self.assign_warm(now, v, i);
            return true;
        }
        if let Some(i) = joining {
            self.invs[v as usize].inst = i;
            self.invs[v as usize].cold = true;
            let inst = &mut self.insts[i as usize];
            inst.active += 1;
            inst.waiting.push(v);
            return true;
        }
        match self.place(now, f, true) {
            Some(bbu) => {
                let i = self.start_instance(now, f, bbu, false, None);
                self.invs[v as usize].inst = i;
                self.invs[v as usize].cold = true;
                let inst = &mut self.insts[i as usize];
                inst.active += 1;
                inst.waiting.push(v);
                true
            }
            None => {
                if queue_if_none {
                    self.memory_fifo.push_back(v);
                }
                false
            }
        }
    }

    fn set_state(&mut self, now: SimTime, i: u32, st: IState) {
        let inst = &mut self.insts[i as usize];
        let bb = &mut self.bbus[inst.bbu as usize];
        bb.advance(now);
        let mem = self.s.functions[inst.f as usize].memory_bytes;
        let dt = now.saturating_since(inst.since).as_nanos();
        match inst.st {
            IState::Idle => {
                inst.idle_ns += dt;
                self.funcs[inst.f as usize].idle -= 1;
            }
            IState::Busy => inst.busy_ns += dt,
            _ => {}
        }
        if inst.st != IState::Free {
            bb.held[slot(inst.st)] -= mem;
        }
        if st != IState::Free {
            bb.held[slot(st)] += mem;
        }
        if st == IState::Idle {
            self.funcs[inst.f as usize].idle += 1;
        }
        inst.st = st;
        inst.since = now;
    }

    fn assign_warm(&mut self, now: SimTime, v: u32, i: u32) {
        if self.insts[i as usize].st == IState::Idle {
            self.set_state(now, i, IState::Busy);
            // Any reclaim timer set while it was idle is now stale.
            self.insts[i as usize].generation += 1;
        }
        let inst = &mut self.insts[i as usize];
        inst.active += 1;
        let bbu = inst.bbu;
        self.invs[v as usize].inst = i;
        self.bbus[bbu as usize].queue.push_back(v);
        self.try_start(now, bbu);
    }

    /// A worker for a new instance of `f` (see the module documentation); `pressure`: may
    /// reclaim idle instances to make room.
    fn place(&mut self, now: SimTime, f: u32, pressure: bool) -> Option<u32> {
        let need = self.s.functions[f as usize].memory_bytes;
        let mut best: Option<(bool, u64, u32)> = None;
        for &w in &self.workers {
            let bb = &self.bbus[w as usize];
            if !rules::memory_fits(bb.capacity, bb.used, need) {
                continue;
            }
            let key = (bb.images[f as usize], bb.capacity - bb.used);
            if best.is_none_or(|(img, free, _)| key > (img, free)) {
                best = Some((key.0, key.1, w));
            }
        }
        if let Some((_, _, w)) = best {
            return Some(w);
        }
        if !pressure {
            return None;
        }
        for k in 0..self.workers.len() {
            let w = self.workers[k];
            let bb = &self.bbus[w as usize];
            let free = bb.capacity - bb.used;
            if free.saturating_add(bb.held[2]) < need {
                continue;
            }
            // Idle instances here, longest idle first (ties: the older instance).
            let mut idle: Vec<(SimTime, u64, u32)> = bb
                .insts
                .iter()
                .map(|&i| (i, &self.insts[i as usize]))
                .filter(|(_, x)| x.st == IState::Idle)
                .map(|(i, x)| (x.since, x.number, i))
                .collect();
            idle.sort_unstable();
            for (_, _, i) in idle {
                let bb = &self.bbus[w as usize];
                if rules::memory_fits(bb.capacity, bb.used, need) {
                    break;
                }
                self.bbus[w as usize].pressure += 1;
                self.reclaim(now, i, InstanceEnd::Pressure);
            }
            return Some(w);
        }
        None
    }

    fn start_instance(
        &mut self,
        now: SimTime,
        f: u32,
        bbu: u32,
        prewarmed: bool,
        first_keep: Option<SimDuration>,
    ) -> u32 {
        let func = &self.s.functions[f as usize];
        let inst = Inst {
            st: IState::Free,
            f,
            bbu,
            number: self.next_number,
            active: 0,
            generation: 0,
            created: now,
            ready: None,
            since: now,
            invocations: 0,
            prewarmed,
            first_keep,
            idle_ns: 0,
            busy_ns: 0,
            waiting: Vec::new(),
            bpos: self.bbus[bbu as usize].insts.len() as u32,
        };
        self.next_number += 1;
        let i = match self.free_insts.pop() {
            Some(i) => {
                self.insts[i as usize] = inst;
                i
            }
            None => {
                self.insts.push(inst);
                (self.insts.len() - 1) as u32
            }
        };
        let bb = &mut self.bbus[bbu as usize];
        bb.insts.push(i);
        bb.used += func.memory_bytes;
        bb.peak = bb.peak.max(bb.used);
        bb.cold_starts += 1;
        if prewarmed {
            bb.prewarms += 1;
        }
        let pull_bytes = if bb.images[f as usize] {
            0
        } else {
            bb.images[f as usize] = true;
            if func.image_bytes > 0 {
                bb.pulls += 1;
            }
            func.image_bytes
        };
        self.set_state(now, i, IState::Starting);
        self.funcs[f as usize].instances.push(i);
        self.out.push(Effect::ColdStart {
            inst: i,
            f,
            bbu,
            pull_bytes,
        });
        i
    }

    /// Starts a prewarmed instance of `f` if one fits in free memory and (unless `force`) it
    /// has none idle or starting.
    fn prewarm(&mut self, now: SimTime, f: u32, keep: Option<SimDuration>, force: bool) {
        let has = self.funcs[f as usize]
            .instances
            .iter()
            .any(|&i| matches!(self.insts[i as usize].st, IState::Idle | IState::Starting));
        if has && !force {
            return;
        }
        if let Some(bbu) = self.place(now, f, false) {
            self.start_instance(now, f, bbu, true, keep);
        }
    }

    fn ready(&mut self, now: SimTime, i: u32) {
        let inst = &mut self.insts[i as usize];
        inst.ready = Some(now);
        let waiting = std::mem::take(&mut inst.waiting);
        let bbu = inst.bbu;
        if waiting.is_empty() {
            self.set_state(now, i, IState::Idle);
            self.became_idle(now, i);
            return;
        }
        self.set_state(now, i, IState::Busy);
        for v in waiting {
            self.bbus[bbu as usize].queue.push_back(v);
        }
        self.try_start(now, bbu);
    }

    fn try_start(&mut self, now: SimTime, bbu: u32) {
        loop {
            let bb = &self.bbus[bbu as usize];
            if bb.queue.is_empty()
                || rules::offered_cores(bb.cores, bb.cran, bb.cran, bb.running) == 0
            {
                return;
            }
            let bb = &mut self.bbus[bbu as usize];
            bb.advance(now);
            let v = bb.queue.pop_front().expect("not empty");
            bb.running += 1;
            let speed = bb.speed;
            let inv = &mut self.invs[v as usize];
            inv.start = now;
            let f = inv.f;
            let work = rules::duration(
                &self.s.functions[f as usize].duration,
                &mut self.funcs[f as usize].durations_rng,
            )
            .as_nanos();
            self.out.push(Effect::Exec {
                inv: v,
                inst: inv.inst,
                f,
                bbu,
                work,
                wall: SimDuration(rules::wall(work, speed)),
                warm: !inv.cold,
            });
        }
    }

    fn exec_done<S: RecordSink>(&mut self, now: SimTime, v: u32, sink: &mut S) {
        let inv = self.invs[v as usize];
        let i = inv.inst;
        let bbu = self.insts[i as usize].bbu;
        let bb = &mut self.bbus[bbu as usize];
        bb.advance(now);
        bb.running -= 1;
        bb.invocations += 1;
        self.live_invs -= 1;
        self.served += 1;
        self.funcs[inv.f as usize].add_in_flight(now, -1);
        self.free_invs.push(v);
        let inst = &mut self.insts[i as usize];
        inst.active -= 1;
        inst.invocations += 1;
        sink.call(CallRecord {
            run: self.run,
            mode: self.mode,
            policy: Cow::Borrowed(self.policy_name),
            function: inv.f,
            instance: inst.number,
            bbu,
            cold: inv.cold,
            arrival_ns: inv.arrival.0,
            start_ns: inv.start.0,
            done_ns: now.0,
            wait_s: inv.start.saturating_since(inv.arrival).as_secs_f64(),
            response_s: now.saturating_since(inv.arrival).as_secs_f64(),
        });
        if inst.active == 0 {
            self.set_state(now, i, IState::Idle);
            self.became_idle(now, i);
        }
        self.try_start(now, bbu);
    }

    fn view(&self, f: u32) -> FnView {
        let fu = &self.funcs[f as usize];
        let func = &self.s.functions[f as usize];
        FnView {
            instances: fu.instances.len() as u32,
            idle: fu.idle,
            in_flight: fu.in_flight,
            in_flight_mean: fu.in_flight as f64,
            next_arrival: fu.next_arrival,
            concurrency: func.concurrency,
            mean_duration_s: fu.mean_duration_s,
            cold_budget: fu.cold_budget,
        }
    }

    fn became_idle(&mut self, now: SimTime, i: u32) {
        // An idle instance can be reclaimed for an invocation waiting for memory.
        if !self.memory_fifo.is_empty() {
            self.memory_freed = true;
        }
        let f = self.insts[i as usize].f;
        let rule = match self.insts[i as usize].first_keep.take() {
            Some(keep) => IdleRule::ReclaimAt(now + keep),
            None => {
                let view = self.view(f);
                let whole = view.in_flight == 0;
                self.policy.idle(f, now, &view, whole)
            }
        };
        match rule {
            IdleRule::Keep => {}
            IdleRule::ReclaimAt(t) if t <= now => {
                self.reclaim(now, i, InstanceEnd::Policy);
            }
            IdleRule::ReclaimAt(t) => {
                let generation = self.insts[i as usize].generation;
                self.out.push(Effect::Timer {
                    at: t,
                    timer: Timer::Reclaim {
                        inst: i,
                        generation,
                    },
                });
            }
            IdleRule::ReclaimAndPrewarm { at, keep } => {
                self.reclaim(now, i, InstanceEnd::Policy);
                if at <= now {
                    self.prewarm(now, f, Some(keep), false);
                } else {
                    self.out.push(Effect::Timer {
                        at,
                        timer: Timer::Prewarm { f, keep },
                    });
                }
            }
        }
    }

    /// Reclaims idle instance `i` now; its record goes out at the end of the input.
    fn reclaim(&mut self, now: SimTime, i: u32, why: InstanceEnd) {
        let f = self.insts[i as usize].f;
        let bbu = self.insts[i as usize].bbu;
        self.set_state(now, i, IState::Free);
        let mem = self.s.functions[f as usize].memory_bytes;
        let bb = &mut self.bbus[bbu as usize];
        bb.used -= mem;
        let p = self.insts[i as usize].bpos as usize;
        bb.insts.swap_remove(p);
        if let Some(&moved) = bb.insts.get(p) {
            self.insts[moved as usize].bpos = p as u32;
        }
        let rec = self.instance_record(now, i, why);
        self.ended.push(rec);
        let list = &mut self.funcs[f as usize].instances;
        if let Some(p) = list.iter().position(|&x| x == i) {
            list.swap_remove(p);
        }
        self.insts[i as usize].generation += 1;
        self.free_insts.push(i);
        self.memory_freed = true;
        self.out.push(Effect::Reclaim { inst: i, bbu });
    }

    fn timer(&mut self, now: SimTime, t: Timer) {
        match t {
            Timer::Reclaim { inst, generation } => {
                let x = &self.insts[inst as usize];
                if x.st == IState::Idle && x.generation == generation {
                    self.reclaim(now, inst, InstanceEnd::Policy);
                }
            }
            Timer::Prewarm { f, keep } => {
                if !self.done() {
                    self.prewarm(now, f, Some(keep), false);
                }
            }
            Timer::Tick => {
                if self.done() {
                    self.ticking = false;
                    return;
                }
                let period = self.policy.period().map_or(0, |p| p.as_nanos()) as f64;
                for f in 0..self.funcs.len() as u32 {
                    let mut v = self.view(f);
                    let fu = &mut self.funcs[f as usize];
                    fu.add_in_flight(now, 0);
                    if period > 0.0 {
                        v.in_flight_mean = fu.in_flight_int / period;
                    }
                    fu.in_flight_int = 0.0;
                    self.views[f as usize] = v;
                }
                self.policy.tick(now, &self.views, &mut self.targets);
                for f in 0..self.funcs.len() as u32 {
                    let want = self.targets[f as usize];
                    let have = self.funcs[f as usize].instances.len() as u32;
                    if want > have {
                        for _ in have..want {
                            if let Some(bbu) = self.place(now, f, false) {
                                self.start_instance(now, f, bbu, true, None);
                            }
                        }
                    } else if want < have {
                        // Idle ones above the target, longest idle first.
                        let mut idle: Vec<(SimTime, u64, u32)> = self.funcs[f as usize]
                            .instances
                            .iter()
                            .map(|&i| (i, &self.insts[i as usize]))
                            .filter(|(_, x)| x.st == IState::Idle)
                            .map(|(i, x)| (x.since, x.number, i))
                            .collect();
                        idle.sort_unstable();
                        for (_, _, i) in idle.into_iter().take((have - want) as usize) {
                            self.reclaim(now, i, InstanceEnd::Policy);
                        }
                    }
                }
                if let Some(p) = self.policy.period() {
                    self.out.push(Effect::Timer {
                        at: now + p,
                        timer: Timer::Tick,
                    });
                }
            }
        }
    }

    /// Admits invocations waiting for memory, oldest first, while they find room.
    fn retry_memory(&mut self, now: SimTime) {
        while self.memory_freed {
            self.memory_freed = false;
            while let Some(&v) = self.memory_fifo.front() {
                if !self.dispatch(now, v, false) {
                    break;
                }
                self.memory_fifo.pop_front();
            }
        }
    }

    /// Whether the policy still ticks (the driver stops scheduling ticks when not).
    pub fn ticking(&self) -> bool {
        self.ticking
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        self.sc
    }
}
