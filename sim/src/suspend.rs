//! The suspend study (seed 000, Karhula et al., EdgeSys'19): long-running blocking functions on
//! memory-limited BBUs, suspended while they block by a pause (the memory stays held) or a
//! checkpoint to disk (the memory is freed), and woken by their next event.
//!
//! # What happens to a function
//! 1. At time zero every function asks for its resident memory (`memory_bytes`), in index
//!    order, through the shared FIFO admission rule ([`rules::admit_fifo`]): it is deployed on
//!    the first worker (topology order) where it fits, or waits until memory frees.
//! 2. Its events arrive as a Poisson process (`events_per_s`, stream `function/<f>/events`)
//!    or periodically, `events` of them, or at the times of an event trace, whether it is
//!    deployed or not. Each event needs one burst of compute
//!    (`burst` on a reference core, stream `function/<f>/bursts`; wall time = work / speed)
//!    on a core of its BBU: cores offered = c − ⌈L·c⌉ − bursts computing
//!    ([`rules::offered_cores`]), FIFO per BBU. Events of a busy function queue behind it.
//! 3. After its last queued burst the function blocks. Blocked for `idle` with no event (or,
//!    under `when = pressure`, as soon as another function waits for the memory it holds,
//!    longest blocked first: [`rules::pressure_victims`]), it is suspended with the run's method: a pause takes the method's `checkpoint` time (for the
//!    memory held) and keeps the memory; a checkpoint takes its `checkpoint` time for the
//!    captured bytes, then frees the memory and writes the compressed image to the BBU's disk.
//!    Long-running never suspends.
//! 4. An event that finds it paused unpauses it (`restore` time), one that finds it on disk
//!    puts it in the memory FIFO: restored on its BBU if it fits there, else on the first
//!    worker where it fits (the image crosses the wired link first); one that finds it
//!    suspending wakes it as soon as the suspend ends. Then the burst waits for a core.
//!
//! Wake latency is event arrival → burst start. The run ends when no event is left (every
//! deployed function has served its events), or at the horizon; functions never deployed
//! leave their events unserved (empty times in `events.csv`).
//!
//! # Event classes (order at one instant)
//! 0 C-RAN load change, 1 a phase ends (burst, suspend, wake), 2 idle timer, 3 event arrival.
//! Ends come before timers and arrivals so that what an end frees is seen by them.
//!
//! Suspends and wakes take no offloaded core (the runtime does them); their durations are
//! recorded per function (`suspend_s`, `wake_s`). C-RAN load takes cores, not memory, and
//! never evicts a burst (bursts are short; the protocol study models eviction).

use crate::engine::{Context, EventKey, Model, Simulation};
use crate::model::costs;
use crate::model::load::LoadSource;
use mlsim_core::record::{FunctionEventRecord, FunctionRecord, MemoryRecord, Mode};
use mlsim_core::rules::{self, MemoryPool, MemoryWait};
use mlsim_core::scenario::{CostModel, FunctionArrival, Scenario, Suspend, SuspendWhen};
use mlsim_core::{RecordSink, RngStreams, SimDuration, SimTime, Stream};

mod state;
use rand_distr::{Distribution, Exp};
use state::{Bbu, Held, St, slot};
use std::collections::VecDeque;

const C_LOAD: u8 = 0;
const C_END: u8 = 1;
const C_TIMER: u8 = 2;
const C_ARRIVAL: u8 = 3;

/// Why a suspend run could not be simulated.
#[derive(Debug, thiserror::Error)]
pub enum SuspendError {
    /// The scenario has no `suspend` part.
    #[error("the scenario is not a suspend study (no [functions])")]
    NotSuspend,
    /// The topology has no worker BBU.
    #[error("the topology has no worker BBU")]
    NoWorkers,
}

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
    /// Functions waiting for memory are admitted (the deployment at time zero).
    Deploy,
    Load {
        bbu: u32,
        load: f64,
    },
    BurstDone(u32),
    SuspendDone(u32),
    WakeDone(u32),
    Idle(u32),
    Arrival(u32),
}

struct Func {
    st: St,
    /// The BBU that holds its memory or its image.
    bbu: Option<u32>,
    /// Arrived events not yet served (indices into `events`), oldest first.
    pending: VecDeque<u32>,
    idle_key: Option<EventKey>,
    arrivals: u32,
    events_rng: Stream,
    bursts_rng: Stream,
    costs_rng: Stream,
    /// Since when it waits for memory.
    waiting_since: Option<SimTime>,
    /// Since when it is blocked (meaningful while blocked).
    blocked_since: SimTime,
    /// Its `functions.csv` row, filled as it goes.
    rec: FunctionRecord,
}

struct World<'a> {
    sc: &'a Scenario,
    s: &'a Suspend,
    cost: Option<CostModel>,
    frees_memory: bool,
    may_move: bool,
    method: &'static str,
    run: u32,
    funcs: Vec<Func>,
    events: Vec<FunctionEventRecord>,
    bbus: Vec<Bbu>,
    /// Worker BBUs in placement (topology) order.
    workers: Vec<u32>,
    loads: Vec<LoadSource>,
    /// Functions waiting for memory, oldest first.
    memory_fifo: VecDeque<u32>,
}

/// Simulates one suspend run of `sc` (which must have [`Scenario::suspend`]), sending its
/// records (tagged with `run`) to `sink`.
pub fn simulate_suspend<S: RecordSink>(
    sc: &Scenario,
    run: u32,
    sink: &mut S,
) -> Result<SuspendSummary, SuspendError> {
    let s = sc.suspend.as_ref().ok_or(SuspendError::NotSuspend)?;
    if sc.topology.workers.is_empty() {
        return Err(SuspendError::NoWorkers);
    }
    let streams = RngStreams::new(sc.seed);
    let method = sc.checkpoint.method;
    let def = method.get();
    let (loads, initial): (Vec<LoadSource>, Vec<f64>) = sc
        .topology
        .bbus
        .iter()
        .enumerate()
        .map(|(b, bbu)| LoadSource::new(&bbu.load, streams.stream(&format!("bbu/{b}/load"))))
        .unzip();
    let bbus = sc
        .topology
        .bbus
        .iter()
        .zip(&initial)
        .map(|(b, &l)| Bbu::new(b, l))
        .collect();
    let funcs = (0..s.functions)
        .map(|f| Func {
            st: St::Undeployed,
            bbu: None,
            pending: VecDeque::new(),
            idle_key: None,
            arrivals: 0,
            events_rng: streams.stream(&format!("function/{f}/events")),
            bursts_rng: streams.stream(&format!("function/{f}/bursts")),
            costs_rng: streams.stream(&format!("function/{f}/costs")),
            waiting_since: Some(SimTime::ZERO),
            blocked_since: SimTime::ZERO,
            rec: FunctionRecord {
                run,
                mode: Mode::Sim,
                function: f,
                method: method.name().to_string(),
                ..FunctionRecord::default()
            },
        })
        .collect();
    let world = World {
        sc,
        s,
        cost: method.cost,
        frees_memory: def.frees_memory(),
        may_move: def.resumes_elsewhere(),
        method: method.name(),
        run,
        funcs,
        events: Vec::new(),
        bbus,
        workers: sc.topology.workers.clone(),
        loads,
        memory_fifo: (0..s.functions).collect(),
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
    for f in 0..s.functions {
        if let Some(at) = sim.model_mut().next_arrival(f, SimTime::ZERO) {
            sim.schedule_at(at, C_ARRIVAL, Ev::Arrival(f));
        }
    }
    // Deployment at time zero, in function order, after the loads at zero.
    sim.schedule_at(SimTime::ZERO, C_END, Ev::Deploy);
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
    let served = world.finish(end, sink);
    Ok(SuspendSummary {
        events,
        end,
        served,
    })
}

impl Model for World<'_> {
    type Event = Ev;
    fn handle(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) {
        match ev {
            Ev::Deploy => self.admit(ctx),
            Ev::Load { bbu, load } => self.load(bbu, load, ctx),
            Ev::BurstDone(f) => self.burst_done(f, ctx),
            Ev::SuspendDone(f) => self.suspend_done(f, ctx),
            Ev::WakeDone(f) => self.wake_done(f, ctx),
            Ev::Idle(f) => self.idle(f, ctx),
            Ev::Arrival(f) => self.arrival(f, ctx),
        }
    }
}

impl World<'_> {
    /// The time of function `f`'s next event after `now`, if it has events left.
    fn next_arrival(&mut self, f: u32, now: SimTime) -> Option<SimTime> {
        let func = &mut self.funcs[f as usize];
        if let FunctionArrival::Trace(times) = &self.s.arrival {
            let at = times
                .get(f as usize)
                .and_then(|t| t.get(func.arrivals as usize))
                .copied();
            func.arrivals += 1;
            // A trace's times are absolute; one before `now` cannot be (sorted), but be safe.
            return at.map(|t| t.max(now));
        }
        if func.arrivals >= self.s.events {
            return None;
        }
        func.arrivals += 1;
        let period_ns = 1e9 / self.s.events_per_s;
        let at_ns = match self.s.arrival {
            FunctionArrival::Poisson => {
                let gap = Exp::new(self.s.events_per_s)
                    .map(|e| e.sample(&mut func.events_rng))
                    .unwrap_or(f64::INFINITY);
                now.0 as f64 + (gap * 1e9).round()
            }
            FunctionArrival::Periodic { phase } => {
                (f64::from(func.arrivals) * period_ns).round()
                    + f64::from(f) * phase.as_nanos() as f64
            }
            FunctionArrival::Trace(_) => return None,
        };
        if !at_ns.is_finite() || at_ns >= u64::MAX as f64 {
            return None;
        }
        Some(SimTime(at_ns as u64))
    }

    /// Moves function `f` to state `st`, keeping its BBU's memory accounts (call with the
    /// BBU's integrals advanced to now).
    fn set_state(&mut self, f: u32, st: St, now: SimTime) {
        let (old, bbu) = {
            let func = &self.funcs[f as usize];
            (func.st, func.bbu)
        };
        self.funcs[f as usize].st = st;
        let Some(b) = bbu else { return };
        let mem = self.s.memory_bytes;
        let disk = self.disk_bytes();
        let bb = &mut self.bbus[b as usize];
        bb.advance(now);
        let amount = |k: Held| if k == Held::Disk { disk } else { mem };
        let (ko, kn) = (old.kind(), st.kind());
        if ko != kn {
            if let Some(x) = slot(bb, ko) {
                *x -= amount(ko);
            }
            if let Some(x) = slot(bb, kn) {
                *x += amount(kn);
            }
        }
        let resident = |k: Held| matches!(k, Held::Running | Held::Blocked | Held::Paused);
        match (resident(ko), resident(kn)) {
            (false, true) => bb.resident += 1,
            (true, false) => bb.resident -= 1,
            _ => {}
        }
        bb.peak_resident = bb.peak_resident.max(bb.resident);
    }

    /// Compressed bytes a checkpoint of one function writes.
    fn disk_bytes(&self) -> u64 {
        (self.s.image_bytes as f64 * self.s.image_compression).round() as u64
    }

    /// Admits functions waiting for memory, first in first out ([`rules::admit_fifo`]).
    fn admit(&mut self, ctx: &mut Context<'_, Ev>) {
        if self.memory_fifo.is_empty() {
            return;
        }
        let mut pools: Vec<MemoryPool> = self
            .workers
            .iter()
            .map(|&b| MemoryPool {
                bbu: b,
                capacity: self.bbus[b as usize].capacity,
                used: self.bbus[b as usize].used,
            })
            .collect();
        let waits = self.memory_fifo.iter().map(|&f| MemoryWait {
            need: self.s.memory_bytes,
            home: self.funcs[f as usize].bbu,
            may_move: self.may_move,
        });
        let homes = rules::admit_fifo(&mut pools, waits);
        for b in homes {
            let Some(f) = self.memory_fifo.pop_front() else {
                break;
            };
            self.admitted(f, b, ctx);
        }
        self.pressure(ctx);
    }

    /// Under [`SuspendWhen::Pressure`]: if a function waits for memory, checkpoints blocked
    /// functions of the first BBU where that makes it fit (its home first; others only if it
    /// may move), longest blocked first ([`rules::pressure_victims`]).
    fn pressure(&mut self, ctx: &mut Context<'_, Ev>) {
        if self.s.when != SuspendWhen::Pressure || !self.frees_memory {
            return;
        }
        let Some(&h) = self.memory_fifo.front() else {
            return;
        };
        let need = self.s.memory_bytes;
        let home = self.funcs[h as usize].bbu;
        let mut order: Vec<u32> = home.into_iter().collect();
        if home.is_none() || self.may_move {
            order.extend(self.workers.iter().copied().filter(|&b| Some(b) != home));
        }
        for b in order {
            let bb = &self.bbus[b as usize];
            let free = bb.capacity.saturating_sub(bb.used);
            let candidates: Vec<(u64, u32)> = self
                .funcs
                .iter()
                .enumerate()
                .filter(|(_, x)| x.st == St::Blocked && x.bbu == Some(b))
                .map(|(i, x)| (x.blocked_since.0, i as u32))
                .collect();
            let enough = free
                .saturating_add(bb.freeing)
                .saturating_add(need.saturating_mul(candidates.len() as u64))
                >= need;
            if !enough {
                continue;
            }
            for v in rules::pressure_victims(need, free, bb.freeing, need, &candidates) {
                self.start_suspend(v, ctx);
            }
            return;
        }
    }

    /// Function `f` got its memory on BBU `b`: deployed, or restored from disk.
    fn admitted(&mut self, f: u32, b: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let mem = self.s.memory_bytes;
        {
            let bb = &mut self.bbus[b as usize];
            bb.advance(now);
            bb.used += mem;
            bb.peak_used = bb.peak_used.max(bb.used);
        }
        let func = &mut self.funcs[f as usize];
        if let Some(since) = func.waiting_since.take() {
            func.rec.memory_wait_s += now.saturating_since(since).as_secs_f64();
        }
        match func.st {
            St::Undeployed => {
                func.rec.deployed_ns = Some(now.0);
                func.bbu = Some(b);
                self.bbus[b as usize].deployed += 1;
                // Resident and blocked; a queued event starts its burst at once.
                self.set_state(f, St::Blocked, now);
                if self.funcs[f as usize].pending.is_empty() {
                    self.block(f, ctx);
                } else {
                    self.queue_for_core(f, ctx);
                }
            }
            St::AwaitingMemory => {
                let from = func.bbu;
                let mut delay = SimDuration::ZERO;
                if from != Some(b) {
                    // Restored elsewhere: the image crosses the wired link first.
                    func.rec.migrations += 1;
                    delay = self
                        .sc
                        .topology
                        .wired
                        .transfer(self.disk_bytes(), self.sc.topology.transport)
                        .1;
                }
                // The image leaves the disk of the BBU that wrote it; the memory counts on `b`.
                self.set_state(f, St::Undeployed, now);
                self.funcs[f as usize].bbu = Some(b);
                self.set_state(f, St::Waking, now);
                let restore = self.wake_time(f);
                self.funcs[f as usize].rec.wake_s += restore.as_secs_f64();
                ctx.schedule_in(delay + restore, C_END, Ev::WakeDone(f));
            }
            st => unreachable!("admitted in state {st:?}"),
        }
    }

    /// A drawn wake (unpause or restore) time.
    fn wake_time(&mut self, f: u32) -> SimDuration {
        let bytes = self.captured();
        match &self.cost {
            Some(c) => costs::restore_time(c, bytes, &mut self.funcs[f as usize].costs_rng),
            None => SimDuration::ZERO,
        }
    }

    /// Raw bytes a suspend handles: the image for a checkpoint, the memory for a pause.
    fn captured(&self) -> u64 {
        if self.frees_memory {
            self.s.image_bytes
        } else {
            self.s.memory_bytes
        }
    }

    /// Function `f` (resident) has an event to serve: it waits for a core of its BBU.
    fn queue_for_core(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        self.set_state(f, St::Ready, now);
        let Some(b) = self.funcs[f as usize].bbu else {
            return;
        };
        self.bbus[b as usize].queue.push_back(f);
        self.start_bursts(b, ctx);
    }

    /// Starts queued bursts on BBU `b` while it offers cores.
    fn start_bursts(&mut self, b: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        loop {
            let bb = &self.bbus[b as usize];
            if rules::offered_cores(bb.cores, bb.cran, 0, bb.computing) == 0 {
                return;
            }
            let Some(f) = self.bbus[b as usize].queue.pop_front() else {
                return;
            };
            let speed = self.bbus[b as usize].speed;
            let bb = &mut self.bbus[b as usize];
            bb.computing += 1;
            bb.peak_computing = bb.peak_computing.max(bb.computing);
            self.set_state(f, St::Computing, now);
            let func = &mut self.funcs[f as usize];
            let Some(&e) = func.pending.front() else {
                unreachable!("a queued function has an event");
            };
            let work = costs::duration(&self.s.burst, &mut func.bursts_rng);
            let rec = &mut self.events[e as usize];
            rec.bbu = Some(b);
            rec.start_ns = now.0;
            rec.wake_latency_s = Some((now.0 - rec.arrival_ns) as f64 / 1e9);
            let wall = SimDuration(rules::wall(work.as_nanos(), speed));
            ctx.schedule_in(wall, C_END, Ev::BurstDone(f));
        }
    }

    fn burst_done(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let Some(b) = self.funcs[f as usize].bbu else {
            return;
        };
        self.bbus[b as usize].computing -= 1;
        let func = &mut self.funcs[f as usize];
        if let Some(e) = func.pending.pop_front() {
            let rec = &mut self.events[e as usize];
            rec.done_ns = now.0;
            rec.response_s = Some((now.0 - rec.arrival_ns) as f64 / 1e9);
            func.rec.served += 1;
        }
        if self.funcs[f as usize].pending.is_empty() {
            self.set_state(f, St::Blocked, now);
            self.block(f, ctx);
        } else {
            self.queue_for_core(f, ctx);
        }
        self.start_bursts(b, ctx);
    }

    /// Function `f` is blocked: its idle timer starts (if its method suspends), or, under
    /// pressure, it may be suspended at once for a function waiting for memory.
    fn block(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        self.funcs[f as usize].blocked_since = ctx.now();
        if self.cost.is_none() {
            return;
        }
        match self.s.when {
            SuspendWhen::Idle => {
                let k = ctx.schedule_in(self.s.idle, C_TIMER, Ev::Idle(f));
                self.funcs[f as usize].idle_key = Some(k);
            }
            SuspendWhen::Pressure => self.pressure(ctx),
        }
    }

    fn idle(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        self.funcs[f as usize].idle_key = None;
        if self.funcs[f as usize].st != St::Blocked {
            return;
        }
        self.start_suspend(f, ctx);
    }

    /// Suspends blocked function `f` with the run's method.
    fn start_suspend(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        if let Some(k) = self.funcs[f as usize].idle_key.take() {
            ctx.cancel(k);
        }
        if self.frees_memory {
            if let Some(b) = self.funcs[f as usize].bbu {
                self.bbus[b as usize].freeing += self.s.memory_bytes;
            }
        }
        self.set_state(f, St::Suspending, now);
        let bytes = self.captured();
        let Some(c) = self.cost else { return };
        let d = costs::checkpoint_time(&c, bytes, &mut self.funcs[f as usize].costs_rng);
        self.funcs[f as usize].rec.suspend_s += d.as_secs_f64();
        ctx.schedule_in(d, C_END, Ev::SuspendDone(f));
    }

    fn suspend_done(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let Some(b) = self.funcs[f as usize].bbu else {
            return;
        };
        self.funcs[f as usize].rec.suspends += 1;
        self.bbus[b as usize].suspends += 1;
        if self.frees_memory {
            self.bbus[b as usize].freeing -= self.s.memory_bytes;
            let written = self.disk_bytes();
            self.funcs[f as usize].rec.bytes_written += written;
            let bb = &mut self.bbus[b as usize];
            bb.advance(now);
            bb.bytes_written += written;
            bb.used -= self.s.memory_bytes;
            self.set_state(f, St::Suspended, now);
            // Freed memory may admit waiting functions (before this one asks again).
            self.admit(ctx);
            if !self.funcs[f as usize].pending.is_empty() {
                self.wake(f, ctx);
            }
        } else {
            self.set_state(f, St::Paused, now);
            if !self.funcs[f as usize].pending.is_empty() {
                self.wake(f, ctx);
            }
        }
    }

    /// Wakes a suspended function that has an event: unpause, or ask for memory to restore.
    fn wake(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        match self.funcs[f as usize].st {
            St::Paused => {
                self.set_state(f, St::Waking, now);
                let d = self.wake_time(f);
                self.funcs[f as usize].rec.wake_s += d.as_secs_f64();
                ctx.schedule_in(d, C_END, Ev::WakeDone(f));
            }
            St::Suspended => {
                self.set_state(f, St::AwaitingMemory, now);
                self.funcs[f as usize].waiting_since = Some(now);
                self.memory_fifo.push_back(f);
                self.admit(ctx);
            }
            _ => {}
        }
    }

    fn wake_done(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        self.funcs[f as usize].rec.wakes += 1;
        self.queue_for_core(f, ctx);
    }

    fn arrival(&mut self, f: u32, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let idx = self.events.len() as u32;
        let func = &mut self.funcs[f as usize];
        let event = func.rec.events;
        func.rec.events += 1;
        func.pending.push_back(idx);
        let st = func.st;
        self.events.push(FunctionEventRecord {
            run: self.run,
            mode: Mode::Sim,
            function: f,
            event,
            method: self.method.to_string(),
            woke_from: st.as_record(),
            arrival_ns: now.0,
            ..FunctionEventRecord::default()
        });
        match st {
            St::Blocked => {
                if let Some(k) = self.funcs[f as usize].idle_key.take() {
                    ctx.cancel(k);
                }
                self.queue_for_core(f, ctx);
            }
            St::Paused | St::Suspended => self.wake(f, ctx),
            // Undeployed (in the memory FIFO), busy, or suspending: the event waits.
            _ => {}
        }
        if let Some(at) = self.next_arrival(f, now) {
            ctx.schedule_at(at, C_ARRIVAL, Ev::Arrival(f));
        }
    }

    fn load(&mut self, b: u32, load: f64, ctx: &mut Context<'_, Ev>) {
        let bb = &mut self.bbus[b as usize];
        bb.cran = rules::cran_cores(load, bb.cores);
        if let Some((at, next)) = self.loads[b as usize].next_change() {
            ctx.schedule_at(at, C_LOAD, Ev::Load { bbu: b, load: next });
        }
        self.start_bursts(b, ctx);
    }

    /// Emits the records; returns the events served.
    fn finish<S: RecordSink>(mut self, end: SimTime, sink: &mut S) -> u64 {
        let mut served = 0;
        for e in std::mem::take(&mut self.events) {
            if e.response_s.is_some() {
                served += 1;
            }
            sink.function_event(e);
        }
        for func in &mut self.funcs {
            if let Some(since) = func.waiting_since.take() {
                func.rec.memory_wait_s += end.saturating_since(since).as_secs_f64();
            }
            func.rec.bbu = func.bbu;
        }
        for func in std::mem::take(&mut self.funcs) {
            sink.function(func.rec);
        }
        let mib = 1024.0 * 1024.0;
        let t = end.as_secs_f64();
        for &b in &self.workers {
            let bb = &mut self.bbus[b as usize];
            bb.advance(end);
            let mib_s = |x: u128| x as f64 / mib * 1e-9;
            sink.memory(MemoryRecord {
                run: self.run,
                mode: Mode::Sim,
                bbu: b,
                method: self.method.to_string(),
                memory_mib: bb.capacity as f64 / mib,
                horizon_s: t,
                running_mib_s: mib_s(bb.running_int),
                blocked_mib_s: mib_s(bb.blocked_int),
                paused_mib_s: mib_s(bb.paused_int),
                disk_mib_s: mib_s(bb.disk_int),
                peak_resident_mib: bb.peak_used as f64 / mib,
                peak_resident: bb.peak_resident,
                mean_resident: if end.0 == 0 {
                    f64::from(bb.resident)
                } else {
                    bb.resident_int as f64 / end.0 as f64
                },
                peak_computing: bb.peak_computing,
                deployed: bb.deployed,
                suspends: bb.suspends,
                bytes_written: bb.bytes_written,
            });
        }
        served
    }
}
