//! The suspend study (seed 000, Karhula et al., EdgeSys'19) as one state machine that both
//! backends drive: long-running blocking functions on memory-limited BBUs, suspended while
//! they block by a pause (the memory stays held) or a checkpoint to disk (the memory is freed),
//! and woken by their next event.
//!
//! [`Machine`] holds every function's state, every BBU's cores, memory and integrals, and the
//! records; it decides everything (admission, which burst starts, when a function is suspended,
//! how it wakes) and asks its driver, through [`Effect`]s, to *do* what takes time. The driver
//! answers with an [`Input`] when it is done:
//!
//! | effect | the simulator (`sim::suspend`) | the emulation (`emu::suspend`) |
//! |---|---|---|
//! | [`Effect::Arrival`], [`Effect::Timer`] | schedules the event | a wall-clock timer |
//! | [`Effect::Burst`] | ends it after `wall` | the function's process burns `wall` of CPU |
//! | [`Effect::Suspend`] | draws the method's checkpoint time | `docker pause`, `docker checkpoint`, `criu dump`, μλ's state |
//! | [`Effect::Wake`] | draws the restore time (+ the image's transfer) | `docker unpause`, `docker start --checkpoint`, `criu restore`, μλ's resume |
//! | [`Effect::Deploy`] | never (deploys are instant) | starts the function's process |
//!
//! So the two backends differ only in what the effects cost, never in the rules.
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
//!    longest blocked first: [`rules::pressure_victims`]), it is suspended with the run's
//!    method: a pause keeps the memory; a checkpoint frees the memory at its end and leaves
//!    the compressed image on the BBU's disk. Long-running never suspends.
//! 4. An event that finds it paused unpauses it, one that finds it on disk puts it in the
//!    memory FIFO: restored on its BBU if it fits there, else on the first worker where it fits
//!    (the image crosses the wired link first); one that finds it suspending wakes it as soon
//!    as the suspend ends. Then the burst waits for a core.
//!
//! Wake latency is event arrival → burst start. The run ends when no event is left (every
//! deployed function has served its events), or at the horizon; functions never deployed
//! leave their events unserved (empty times in `events.csv`).
//!
//! Suspends and wakes take no offloaded core (the runtime does them); their durations are
//! recorded per function (`suspend_s`, `wake_s`) as the driver reports them
//! ([`Machine::note_suspend`], [`Machine::note_wake`]). C-RAN load takes cores, not memory,
//! and never evicts a burst (bursts are short; the protocol study models eviction).

use crate::record::{FunctionEventRecord, FunctionRecord, MemoryRecord, Mode};
use crate::rules::{self, MemoryPool, MemoryWait};
use crate::scenario::{FunctionArrival, Scenario, Suspend, SuspendWhen};
use crate::{RecordSink, RngStreams, SimDuration, SimTime, Stream};
use rand_distr::{Distribution, Exp};
use std::collections::VecDeque;

mod effect;
pub(crate) mod state;
pub use effect::{Effect, Input, SuspendError};
use state::{Bbu, Held, St, slot};

struct Func {
    st: St,
    /// The BBU that holds its memory or its image.
    bbu: Option<u32>,
    /// Arrived events not yet served (indices into `events`), oldest first.
    pending: VecDeque<u32>,
    has_timer: bool,
    arrivals: u32,
    events_rng: Stream,
    bursts_rng: Stream,
    /// Since when it waits for memory.
    waiting_since: Option<SimTime>,
    /// Since when it is blocked (meaningful while blocked).
    blocked_since: SimTime,
    /// Compressed bytes of its image on disk (meaningful while on disk).
    disk: u64,
    /// Its `functions.csv` row, filled as it goes.
    rec: FunctionRecord,
}

/// The suspend study's state and rules (see the module documentation).
pub struct Machine<'a> {
    sc: &'a Scenario,
    s: &'a Suspend,
    suspends: bool,
    frees_memory: bool,
    may_move: bool,
    instant_deploys: bool,
    method: &'static str,
    run: u32,
    mode: Mode,
    funcs: Vec<Func>,
    events: Vec<FunctionEventRecord>,
    bbus: Vec<Bbu>,
    /// Worker BBUs in placement (topology) order.
    workers: Vec<u32>,
    /// Functions waiting for memory, oldest first.
    memory_fifo: VecDeque<u32>,
    out: Vec<Effect>,
}

impl<'a> Machine<'a> {
    /// The machine of run `run` of `sc` (which must have [`Scenario::suspend`]), its records
    /// tagged `mode`; `loads[b]` is BBU `b`'s C-RAN load at time zero. With `instant_deploys`
    /// (the simulator) a function is running as soon as it is admitted; without (the
    /// emulation), admission asks for an [`Effect::Deploy`].
    ///
    /// Its first effects ([`Machine::take_effects`]) are every function's first arrival; the
    /// driver then delivers [`Input::Deploy`] at time zero, after the loads at zero.
    pub fn new(
        sc: &'a Scenario,
        run: u32,
        mode: Mode,
        loads: &[f64],
        instant_deploys: bool,
    ) -> Result<Self, SuspendError> {
        let s = sc.suspend.as_ref().ok_or(SuspendError::NotSuspend)?;
        if sc.topology.workers.is_empty() {
            return Err(SuspendError::NoWorkers);
        }
        let streams = RngStreams::new(sc.seed);
        let method = sc.checkpoint.method;
        let def = method.get();
        let bbus = sc
            .topology
            .bbus
            .iter()
            .enumerate()
            .map(|(b, bbu)| Bbu::new(bbu, loads.get(b).copied().unwrap_or(0.0)))
            .collect();
        let funcs = (0..s.functions)
            .map(|f| Func {
                st: St::Undeployed,
                bbu: None,
                pending: VecDeque::new(),
                has_timer: false,
                arrivals: 0,
                events_rng: streams.stream(&format!("function/{f}/events")),
                bursts_rng: streams.stream(&format!("function/{f}/bursts")),
                waiting_since: Some(SimTime::ZERO),
                blocked_since: SimTime::ZERO,
                disk: 0,
                rec: FunctionRecord {
                    run,
                    mode,
                    function: f,
                    method: method.name().to_string(),
                    ..FunctionRecord::default()
                },
            })
            .collect();
        let mut m = Machine {
            sc,
            s,
            suspends: method.cost.is_some(),
            frees_memory: def.frees_memory(),
            may_move: def.resumes_elsewhere(),
            instant_deploys,
            method: method.name(),
            run,
            mode,
            funcs,
            events: Vec::new(),
            bbus,
            workers: sc.topology.workers.clone(),
            memory_fifo: (0..s.functions).collect(),
            out: Vec::new(),
        };
        for f in 0..s.functions {
            if let Some(at) = m.next_arrival(f, SimTime::ZERO) {
                m.out.push(Effect::Arrival { f, at });
            }
        }
        Ok(m)
    }

    /// The effects asked for since the last call, in order.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.out)
    }

    /// Moves the effects asked for since the last call onto the end of `into`.
    pub fn drain_effects(&mut self, into: &mut Vec<Effect>) {
        into.append(&mut self.out);
    }

    /// The run's suspend part.
    pub fn suspend(&self) -> &Suspend {
        self.s
    }

    /// Whether the run's method frees memory when it suspends (a checkpoint to disk).
    pub fn frees_memory(&self) -> bool {
        self.frees_memory
    }

    /// Function `f`'s suspend took `d` (added to its `suspend_s`).
    pub fn note_suspend(&mut self, f: u32, d: SimDuration) {
        self.funcs[f as usize].rec.suspend_s += d.as_secs_f64();
    }

    /// Function `f`'s wake took `d` (added to its `wake_s`).
    pub fn note_wake(&mut self, f: u32, d: SimDuration) {
        self.funcs[f as usize].rec.wake_s += d.as_secs_f64();
    }

    /// Function `f`'s last checkpoint wrote `bytes` (compressed) to its BBU's disk; without
    /// this call a checkpoint writes what the model says ([`Machine::model_disk_bytes`]).
    /// Call it before delivering [`Input::SuspendDone`].
    pub fn note_written(&mut self, f: u32, bytes: u64) {
        self.funcs[f as usize].disk = bytes;
    }

    /// Compressed bytes a checkpoint of one function writes, as the model says.
    pub fn model_disk_bytes(&self) -> u64 {
        (self.s.image_bytes as f64 * self.s.image_compression).round() as u64
    }

    /// Handles `input` at `now` (never before the previous input's time).
    pub fn handle(&mut self, now: SimTime, input: Input) {
        match input {
            Input::Deploy => self.admit(now),
            Input::Deployed(f) => self.deployed(f, now),
            Input::Load { bbu, load } => self.load(bbu, load, now),
            Input::BurstDone(f) => self.burst_done(f, now),
            Input::SuspendDone(f) => self.suspend_done(f, now),
            Input::WakeDone(f) => self.wake_done(f, now),
            Input::Idle(f) => self.idle(f, now),
            Input::Arrival(f) => self.arrival(f, now),
        }
    }

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

    /// Moves function `f` to state `st`, keeping its BBU's memory accounts.
    fn set_state(&mut self, f: u32, st: St, now: SimTime) {
        let (old, bbu, disk) = {
            let func = &self.funcs[f as usize];
            (func.st, func.bbu, func.disk)
        };
        self.funcs[f as usize].st = st;
        let Some(b) = bbu else { return };
        let mem = self.s.memory_bytes;
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

    /// Admits functions waiting for memory, first in first out ([`rules::admit_fifo`]).
    fn admit(&mut self, now: SimTime) {
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
            self.admitted(f, b, now);
        }
        self.pressure(now);
    }

    /// Under [`SuspendWhen::Pressure`]: if a function waits for memory, checkpoints blocked
    /// functions of the first BBU where that makes it fit (its home first; others only if it
    /// may move), longest blocked first ([`rules::pressure_victims`]).
    fn pressure(&mut self, now: SimTime) {
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
                self.start_suspend(v, now);
            }
            return;
        }
    }

    /// Function `f` got its memory on BBU `b`: deployed, or restored from disk.
    fn admitted(&mut self, f: u32, b: u32, now: SimTime) {
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
                if self.instant_deploys {
                    self.deployed(f, now);
                } else {
                    self.set_state(f, St::Deploying, now);
                    self.out.push(Effect::Deploy { f, bbu: b });
                }
            }
            St::AwaitingMemory => {
                let from = func.bbu.unwrap_or(b);
                if from != b {
                    func.rec.migrations += 1;
                }
                // The image leaves the disk of the BBU that wrote it; the memory counts on `b`.
                self.set_state(f, St::Undeployed, now);
                self.funcs[f as usize].bbu = Some(b);
                self.set_state(f, St::Waking, now);
                let bytes = self.captured();
                self.out.push(Effect::Wake {
                    f,
                    bbu: b,
                    from,
                    restore: true,
                    bytes,
                });
            }
            st => unreachable!("admitted in state {st:?}"),
        }
    }

    /// Function `f`'s process is up on its BBU: resident and blocked; a queued event starts
    /// its burst at once.
    fn deployed(&mut self, f: u32, now: SimTime) {
        self.set_state(f, St::Blocked, now);
        if self.funcs[f as usize].pending.is_empty() {
            self.block(f, now);
        } else {
            self.queue_for_core(f, now);
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
    fn queue_for_core(&mut self, f: u32, now: SimTime) {
        self.set_state(f, St::Ready, now);
        let Some(b) = self.funcs[f as usize].bbu else {
            return;
        };
        self.bbus[b as usize].queue.push_back(f);
        self.start_bursts(b, now);
    }

    /// Starts queued bursts on BBU `b` while it offers cores.
    fn start_bursts(&mut self, b: u32, now: SimTime) {
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
            let work = rules::duration(&self.s.burst, &mut func.bursts_rng);
            let rec = &mut self.events[e as usize];
            rec.bbu = Some(b);
            rec.start_ns = now.0;
            rec.wake_latency_s = Some((now.0 - rec.arrival_ns) as f64 / 1e9);
            let wall = SimDuration(rules::wall(work.as_nanos(), speed));
            self.out.push(Effect::Burst {
                f,
                bbu: b,
                work,
                wall,
            });
        }
    }

    fn burst_done(&mut self, f: u32, now: SimTime) {
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
            self.block(f, now);
        } else {
            self.queue_for_core(f, now);
        }
        self.start_bursts(b, now);
    }

    /// Function `f` is blocked: its idle timer starts (if its method suspends), or, under
    /// pressure, it may be suspended at once for a function waiting for memory.
    fn block(&mut self, f: u32, now: SimTime) {
        self.funcs[f as usize].blocked_since = now;
        if !self.suspends {
            return;
        }
        match self.s.when {
            SuspendWhen::Idle => {
                self.out.push(Effect::Timer {
                    f,
                    at: now + self.s.idle,
                });
                self.funcs[f as usize].has_timer = true;
            }
            SuspendWhen::Pressure => self.pressure(now),
        }
    }

    fn cancel_timer(&mut self, f: u32) {
        let func = &mut self.funcs[f as usize];
        if std::mem::take(&mut func.has_timer) {
            self.out.push(Effect::CancelTimer { f });
        }
    }

    fn idle(&mut self, f: u32, now: SimTime) {
        self.funcs[f as usize].has_timer = false;
        if self.funcs[f as usize].st != St::Blocked {
            return;
        }
        self.start_suspend(f, now);
    }

    /// Suspends blocked function `f` with the run's method.
    fn start_suspend(&mut self, f: u32, now: SimTime) {
        self.cancel_timer(f);
        let Some(b) = self.funcs[f as usize].bbu else {
            return;
        };
        if self.frees_memory {
            self.bbus[b as usize].freeing += self.s.memory_bytes;
            self.funcs[f as usize].disk = self.model_disk_bytes();
        }
        self.set_state(f, St::Suspending, now);
        if !self.suspends {
            return;
        }
        let bytes = self.captured();
        self.out.push(Effect::Suspend { f, bbu: b, bytes });
    }

    fn suspend_done(&mut self, f: u32, now: SimTime) {
        let Some(b) = self.funcs[f as usize].bbu else {
            return;
        };
        self.funcs[f as usize].rec.suspends += 1;
        self.bbus[b as usize].suspends += 1;
        if self.frees_memory {
            self.bbus[b as usize].freeing -= self.s.memory_bytes;
            let written = self.funcs[f as usize].disk;
            self.funcs[f as usize].rec.bytes_written += written;
            let bb = &mut self.bbus[b as usize];
            bb.advance(now);
            bb.bytes_written += written;
            bb.used -= self.s.memory_bytes;
            self.set_state(f, St::Suspended, now);
            // Freed memory may admit waiting functions (before this one asks again).
            self.admit(now);
            if !self.funcs[f as usize].pending.is_empty() {
                self.wake(f, now);
            }
        } else {
            self.set_state(f, St::Paused, now);
            if !self.funcs[f as usize].pending.is_empty() {
                self.wake(f, now);
            }
        }
    }

    /// Wakes a suspended function that has an event: unpause, or ask for memory to restore.
    fn wake(&mut self, f: u32, now: SimTime) {
        match self.funcs[f as usize].st {
            St::Paused => {
                self.set_state(f, St::Waking, now);
                let bbu = self.funcs[f as usize].bbu.unwrap_or_default();
                let bytes = self.captured();
                self.out.push(Effect::Wake {
                    f,
                    bbu,
                    from: bbu,
                    restore: false,
                    bytes,
                });
            }
            St::Suspended => {
                self.set_state(f, St::AwaitingMemory, now);
                self.funcs[f as usize].waiting_since = Some(now);
                self.memory_fifo.push_back(f);
                self.admit(now);
            }
            _ => {}
        }
    }

    fn wake_done(&mut self, f: u32, now: SimTime) {
        self.funcs[f as usize].rec.wakes += 1;
        self.queue_for_core(f, now);
    }

    fn arrival(&mut self, f: u32, now: SimTime) {
        let idx = self.events.len() as u32;
        let func = &mut self.funcs[f as usize];
        let event = func.rec.events;
        func.rec.events += 1;
        func.pending.push_back(idx);
        let st = func.st;
        self.events.push(FunctionEventRecord {
            run: self.run,
            mode: self.mode,
            function: f,
            event,
            method: self.method.to_string(),
            woke_from: st.as_record(),
            arrival_ns: now.0,
            ..FunctionEventRecord::default()
        });
        match st {
            St::Blocked => {
                self.cancel_timer(f);
                self.queue_for_core(f, now);
            }
            St::Paused | St::Suspended => self.wake(f, now),
            // Undeployed (in the memory FIFO), busy, or suspending: the event waits.
            _ => {}
        }
        if let Some(at) = self.next_arrival(f, now) {
            self.out.push(Effect::Arrival { f, at });
        }
    }

    fn load(&mut self, b: u32, load: f64, now: SimTime) {
        let bb = &mut self.bbus[b as usize];
        bb.cran = rules::cran_cores(load, bb.cores);
        self.start_bursts(b, now);
    }

    /// Ends the run at `end`: emits the records to `sink` (events, functions, then one
    /// memory row per worker); returns the events served.
    pub fn finish<S: RecordSink>(mut self, end: SimTime, sink: &mut S) -> u64 {
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
                mode: self.mode,
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
                ..MemoryRecord::default()
            });
        }
        served
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        self.sc
    }
}
