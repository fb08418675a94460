//! The C-RAN MEC model of the MicroLambda paper (seed 001), one request at a time or many.
//!
//! # What happens to a request (the paper's Fig. 3)
//! 1. The client (UE) sends the request with its input to the Redis store on the control BBU
//!    over the 5G radio link.
//! 2. Redis notifies the Manager (co-located on the control BBU: local link).
//! 3. The Manager picks a worker with the placement policy and, if λ(f) is not installed
//!    there, sends the package; the worker installs it (a cold start).
//! 4. The Manager invokes λ(f) on the worker with the input not yet processed and the saved
//!    state (none at first).
//! 5. The invocation waits for a core (C-RAN's cores are never available to it), restores the
//!    state, runs the program's set-up (not after a CRIU restore: the image is past it),
//!    computes, and either finishes (output → Redis) or, before `r_limit`, checkpoints
//!    (state → Redis). The timeout tracker signals at `deadline − lead`, where the lead covers
//!    a margin, the checkpoint time and (μλ) one segment, each budgeted at mean × (1 + k·cv)
//!    with k = `tracker_sigmas`, from the size the state had at the invocation's start. μλ
//!    then runs on to the next safe point and serialises program state; CRIU dumps the process
//!    at once. A checkpoint not on the file system by the deadline is lost with all work of
//!    the invocation; the tracker reports the failure to Redis.
//! 6. Redis notifies the Manager, which re-invokes (step 4) the task from its saved state on
//!    the worker the policy chooses, until the task completes.
//! 7. When all tasks are done, Redis sends the output to the client over the radio link.
//!
//! Stress requests have one stage per window; a stage's feature extraction is split into
//! `shards` parallel tasks (on different workers), and the next window starts when all shards
//! of the previous one are done. Face and taxi requests are a single task.
//!
//! # Event classes (order of events at the same instant, see [`crate::engine`])
//! 0 C-RAN load change, 1 message delivery, 2 install done, 3 core release (finish,
//! checkpoint done, deadline), 4 timeout tracker, 5 request submission. Load changes come
//! first so that a core freed or taken at an instant is seen by everything else at that instant;
//! releases come before the tracker so that a core freed at t can serve a queued invocation
//! before anything else is decided at t.
//!
//! # Random streams
//! `request/<r>/items` (item compute times of the r-th request of workload class 0),
//! `request/<r>/task/<k>` (sizes and checkpoint/restore times of its task k), the same under
//! `class/<c>/request/<r>/…` for the r-th request of class c ≥ 1, `placement`, `arrivals`
//! (class 0) and `arrivals/<c>`. Stream seeds derive from the run seed only, so runs of one
//! replication that differ in method or r_limit see the same item times (common random numbers:
//! their differences are the method's, not the dice's), and a class's draws depend only on
//! (run seed, class, request index within the class): adding a class to a mix leaves the other
//! classes' item times unchanged.

pub mod bbu;
pub mod costs;
pub mod load;
pub mod network;
pub mod table;
pub mod task;

mod dispatch;
mod eviction;
mod invocation;

pub use invocation::tracker_lead;
mod progress;
mod records;
mod submit;

use bbu::BbuState;
use load::{CoreChanges, LoadSource};
use mlsim_core::policy::{WorkerState, Workers};
use mlsim_core::record::CheckpointRecord;
use mlsim_core::scenario::{AppModel, Notice, Scenario, Workload};
use mlsim_core::{Placement, RecordSink, RngStreams, SimDuration, SimTime, Stream, WorkerView};
use network::{Network, Node};
use table::Table;
use task::Work;

use crate::engine::{Context, EventKey, Model, Simulation};

/// C-RAN load changes and notices; those of one instant run in BBU order (the tie-break),
/// whenever they were scheduled.
const C_LOAD: u8 = 0;
const C_DELIVER: u8 = 1;
const C_INSTALL: u8 = 2;
const C_RELEASE: u8 = 3;
const C_TRACKER: u8 = 4;
const C_SUBMIT: u8 = 5;

/// Why a run could not be simulated (each aborts the run; the sweep goes on).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The topology has no worker BBU.
    #[error("the topology has no worker BBU")]
    NoWorkers,
    /// The scenario has no workload class.
    #[error("the scenario has no workload")]
    NoWorkload,
}

/// What a run did, besides its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunSummary {
    /// Events handled.
    pub events: u64,
    /// Time of the last event handled.
    pub end: SimTime,
    /// Requests whose client was notified.
    pub finished_requests: u32,
}

/// Events between two progress reports of a run (about 10 ms of a one-core run).
pub(crate) const PROGRESS_EVERY: u64 = 1 << 16;

/// Bytes of one event of the protocol model in the queue: its key (16) and the event.
pub const EVENT_BYTES: usize = 16 + std::mem::size_of::<Ev>();

/// Simulates one run of `sc`, sending its records (tagged with `run`) to `sink`.
pub fn simulate<S: RecordSink>(
    sc: &Scenario,
    run: u32,
    sink: &mut S,
) -> Result<RunSummary, SimError> {
    if sc.topology.workers.is_empty() {
        return Err(SimError::NoWorkers);
    }
    let policy = sc.placement.build();
    if sc.workloads.is_empty() {
        return Err(SimError::NoWorkload);
    }
    let total_requests: u64 = sc.workloads.iter().map(|w| u64::from(w.requests)).sum();
    let world = World::new(sc, run, sink, policy);
    let mut sim = Simulation::new(world);
    for c in 0..sc.workloads.len() {
        sim.schedule_at(SimTime::ZERO, C_SUBMIT, Ev::Submit(c as u32));
    }
    let grace = sc.eviction.grace;
    for b in 0..sc.topology.bbus.len() {
        if let Some((at, load)) = sim.model_mut().next_load_change(b, SimTime::ZERO) {
            let bbu = b as u32;
            if sc.eviction.notice == Notice::Ahead {
                let when = SimTime(at.0.saturating_sub(grace.0));
                sim.schedule_tied(when, C_LOAD, bbu, Ev::Notice { bbu, at, load });
            } else {
                sim.schedule_tied(at, C_LOAD, bbu, Ev::Load { bbu, load });
            }
        }
    }
    // Every PROGRESS_EVERY events, how far the run is goes on the progress board (the CLI's
    // bar for long runs; a few atomic stores, nothing that changes the run).
    let mut next_report = PROGRESS_EVERY;
    while u64::from(sim.model().finished) < total_requests && sim.step_until(sc.horizon) {
        if sim.events_processed() >= next_report {
            next_report += PROGRESS_EVERY;
            mlsim_core::progress::report(
                sim.now().0,
                sc.horizon.0,
                u64::from(sim.model().finished),
                total_requests,
            );
        }
    }
    let end = sim.now();
    let events = sim.events_processed();
    let mut world = sim.into_model();
    let finished_requests = world.finished;
    world.finish(end);
    Ok(RunSummary {
        events,
        end,
        finished_requests,
    })
}

/// A protocol message; each kind is one step of the paper's Fig. 3.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Msg {
    Request(u32),
    NotifyRequest(u32),
    Install(u32, u32),
    Invoke(usize),
    Store(usize),
    NotifyStore(usize),
    Result(u32),
}

impl Msg {
    /// The protocol step (1–7) this message is.
    fn step(self) -> u8 {
        match self {
            Msg::Request(_) => 1,
            Msg::NotifyRequest(_) => 2,
            Msg::Install(..) => 3,
            Msg::Invoke(_) => 4,
            Msg::Store(_) => 5,
            Msg::NotifyStore(_) => 6,
            Msg::Result(_) => 7,
        }
    }
}

/// The model's events.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ev {
    /// The next client request of workload class c is submitted.
    Submit(u32),
    /// A protocol message reaches its destination.
    Deliver(Msg),
    /// λ(f) of an app is installed on a BBU: (BBU, app).
    InstallDone(u32, u32),
    /// An invocation finished its task.
    Finish(usize),
    /// The timeout tracker of an invocation signals.
    Tracker(usize),
    /// An invocation's checkpoint is on the file system, before the deadline.
    CheckpointDone(usize),
    /// An invocation reached its deadline without a checkpoint: its work is lost.
    Deadline(usize),
    /// C-RAN announces that the load of a BBU will change at `at` (eviction notice `ahead`).
    Notice {
        /// BBU.
        bbu: u32,
        /// When the change takes effect.
        at: SimTime,
        /// The new load (fraction of cores).
        load: f64,
    },
    /// The C-RAN load of a BBU changes.
    Load {
        /// BBU.
        bbu: u32,
        /// The new load (fraction of cores).
        load: f64,
    },
}

struct Req {
    class: usize,
    /// The request's index within its class (0-based, in submission order).
    in_class: u32,
    ue: u32,
    submit: SimTime,
    stages: Vec<Vec<usize>>,
    stage: usize,
    pending: u32,
    output_bytes: u64,
    invocations: u32,
    checkpoints: u32,
    missed: u32,
    lost_ns: u64,
    cold_starts: u32,
    migrations: u32,
    evictions: u32,
    bytes: u64,
    failed: Option<String>,
    done: bool,
    /// Invocations dispatched whose outcome the Manager has not handled yet.
    outstanding: u32,
}

struct Task {
    req: u32,
    index: u32,
    work: Work,
    /// Input bytes of items j.. (suffix sums; one more entry, 0, at the end).
    input_suffix: Vec<u64>,
    output_bytes: u64,
    has_state: bool,
    state_raw: u64,
    state_size: u64,
    /// Set-up work [ns of work] the saved process image still has ahead of it (a CRIU dump
    /// taken during the program's set-up); 0 otherwise.
    image_setup_left: u64,
    last_bbu: Option<u32>,
    invocations: u32,
    idle: u32,
    completed: bool,
    rng: Stream,
}

/// A checkpoint under way: where it saves, its sizes, and its record (emitted when it is on
/// the file system or when the deadline passes first).
struct Pending {
    pos: u64,
    raw: u64,
    size: u64,
    /// Set-up work [ns of work] left in the image (a dump during the set-up).
    setup_left: u64,
    /// Whether the invocation advanced the set-up before the dump (progress, though no item).
    setup_progress: bool,
    rec: CheckpointRecord,
}

/// Where an invocation is in its life; says which of its events is pending (`Inv::key`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Invoked, not yet holding a core.
    Waiting,
    /// Holding a core; a `Finish` or `Tracker` event is pending.
    Computing,
    /// Checkpointing; a `CheckpointDone` (or, if it cannot make it, `Deadline`) is pending.
    Checkpointing,
    /// Will lose its work at the pending `Deadline`.
    Doomed,
}

struct Inv {
    task: usize,
    bbu: u32,
    n: u32,
    cold: bool,
    invoked: SimTime,
    start: SimTime,
    compute_start: SimTime,
    restore: SimDuration,
    deadline: SimTime,
    rss: u64,
    pending: Option<Pending>,
    phase: Phase,
    /// The pending event of this invocation (see [`Phase`]).
    key: Option<EventKey>,
    evicted: bool,
}

struct World<'a, S: RecordSink> {
    sc: &'a Scenario,
    run: u32,
    sink: &'a mut S,
    streams: RngStreams,
    policy: Box<dyn Placement>,
    placement_rng: Stream,
    arrival_rngs: Vec<Stream>,
    /// Requests submitted so far per workload class.
    submitted: Vec<u32>,
    /// The app index (for installs) of each workload class.
    class_app: Vec<usize>,
    net: Network,
    /// The path from the store (control BBU) to each worker, in `topology.workers` order.
    worker_paths: Vec<mlsim_core::scenario::LinkParams>,
    /// The candidate workers as the policy sees them, kept up to date by [`World::sync`].
    workers: Workers,
    bbus: Vec<BbuState>,
    /// Each BBU's load as changes of C-RAN's core count (samples that keep the count are
    /// told to the policy, not simulated).
    loads: Vec<CoreChanges>,
    /// Invocations waiting for λ(f) to be installed, per BBU and app.
    awaiting_install: Vec<Vec<Vec<usize>>>,
    reqs: Table<Req>,
    tasks: Table<Task>,
    invs: Table<Inv>,
    finished: u32,
}

/// [`World::sync`] on the fields alone, for callers that hold other parts of the world.
#[inline]
fn sync_worker(workers: &mut Workers, b: usize, s: &BbuState) {
    workers.update(
        mlsim_core::BbuId(b as u32),
        WorkerState {
            running: s.running,
            queued: s.queue.len() as u32,
            cran_cores: s.cran,
            announced_cran_cores: s.announced_max(),
            load: s.load,
        },
    );
}

impl<S: RecordSink> Model for World<'_, S> {
    type Event = Ev;
    fn handle(&mut self, ev: Ev, ctx: &mut Context<'_, Ev>) {
        match ev {
            Ev::Submit(r) => self.submit(r, ctx),
            Ev::Deliver(m) => self.deliver(m, ctx),
            Ev::InstallDone(b, a) => self.install_done(b, a, ctx),
            Ev::Finish(i) => self.finish_task(i, ctx),
            Ev::Tracker(i) => self.tracker(i, ctx),
            Ev::CheckpointDone(i) => self.checkpoint_done(i, ctx),
            Ev::Deadline(i) => self.deadline(i, ctx),
            Ev::Notice { bbu, at, load } => self.notice(bbu, at, load, ctx),
            Ev::Load { bbu, load } => self.load(bbu, load, ctx),
        }
    }
}

impl<'a, S: RecordSink> World<'a, S> {
    /// The world at time zero: BBUs at their initial C-RAN load (told to the policy), no
    /// request yet.
    fn new(sc: &'a Scenario, run: u32, sink: &'a mut S, mut policy: Box<dyn Placement>) -> Self {
        // λ(f) is installed per app: classes of the same app share installs.
        let mut apps: Vec<&str> = Vec::new();
        let class_app: Vec<usize> = sc
            .workloads
            .iter()
            .map(|w| {
                apps.iter()
                    .position(|a| *a == w.app.name)
                    .unwrap_or_else(|| {
                        apps.push(&w.app.name);
                        apps.len() - 1
                    })
            })
            .collect();
        let streams = RngStreams::new(sc.seed);
        let (loads, initial): (Vec<LoadSource>, Vec<f64>) = sc
            .topology
            .bbus
            .iter()
            .enumerate()
            .map(|(b, bbu)| LoadSource::new(&bbu.load, streams.stream(&format!("bbu/{b}/load"))))
            .unzip();
        for (b, f) in initial.iter().enumerate() {
            policy.observe_load(
                mlsim_core::BbuId(b as u32),
                SimTime::ZERO,
                SimTime::ZERO,
                *f,
            );
        }
        let mut w = World {
            sc,
            run,
            sink,
            streams,
            policy,
            placement_rng: streams.stream("placement"),
            // Class 0 keeps the stream name of single-workload runs, so they draw as before.
            arrival_rngs: (0..sc.workloads.len())
                .map(|c| match c {
                    0 => streams.stream("arrivals"),
                    c => streams.stream(&format!("arrivals/{c}")),
                })
                .collect(),
            submitted: vec![0; sc.workloads.len()],
            class_app,
            net: Network::new(&sc.topology),
            worker_paths: {
                let net = Network::new(&sc.topology);
                let control = Node::Bbu(sc.topology.control_bbu);
                sc.topology
                    .workers
                    .iter()
                    .map(|&b| net.path(control, Node::Bbu(b)))
                    .collect()
            },
            workers: Workers::EMPTY,
            bbus: sc
                .topology
                .bbus
                .iter()
                .zip(&initial)
                .map(|(b, f)| BbuState::new(b, *f, apps.len()))
                .collect(),
            loads: loads
                .into_iter()
                .zip(&initial)
                .zip(&sc.topology.bbus)
                .map(|((src, f), bbu)| CoreChanges::new(src, bbu.cores, *f))
                .collect(),
            awaiting_install: vec![vec![Vec::new(); apps.len()]; sc.topology.bbus.len()],
            reqs: Table::default(),
            tasks: Table::default(),
            invs: Table::default(),
            finished: 0,
        };
        w.workers = w.initial_workers(apps.len());
        w
    }

    /// The policy's view of the workers at time zero.
    fn initial_workers(&self, apps: usize) -> Workers {
        let views: Vec<WorkerView> = self
            .sc
            .topology
            .workers
            .iter()
            .zip(&self.worker_paths)
            .map(|(&b, path)| {
                let s = &self.bbus[b as usize];
                WorkerView {
                    bbu: mlsim_core::BbuId(b),
                    free_cores: s.free_cores(),
                    running: s.running,
                    queued: s.queue.len() as u32,
                    warm: false,
                    speed: s.speed,
                    cores: s.cores,
                    cran_cores: s.cran,
                    announced_cran_cores: s.announced_max(),
                    load: s.load,
                    latency_ns: path.latency.as_nanos(),
                    bandwidth_bps: path.bandwidth_bps,
                }
            })
            .collect();
        Workers::new(&views, apps)
    }

    /// BBU `b`'s next change of C-RAN's core count, fetched at `now`; the samples before it
    /// that keep the count are told to the policy (ahead of their time).
    fn next_load_change(&mut self, b: usize, now: SimTime) -> Option<(SimTime, f64)> {
        let policy = &mut self.policy;
        let bbu = mlsim_core::BbuId(b as u32);
        self.loads[b].next_change(|at, load| policy.observe_load(bbu, now, at, load))
    }

    /// Tells the policy's view of the workers the state of BBU `b` (after any change of its
    /// running or queued invocations, C-RAN cores or announcements).
    #[inline]
    fn sync(&mut self, b: usize) {
        sync_worker(&mut self.workers, b, &self.bbus[b]);
    }

    fn control(&self) -> Node {
        Node::Bbu(self.sc.topology.control_bbu)
    }

    /// The workload class of request `r`.
    fn class(&self, r: u32) -> &'a Workload {
        &self.sc.workloads[self.reqs[r as usize].class]
    }

    /// The app model of task `t`.
    fn app_of(&self, t: usize) -> &'a AppModel {
        &self.class(self.tasks[t].req).app
    }

    /// The install index (app) of task `t`.
    fn app_index(&self, t: usize) -> usize {
        self.class_app[self.reqs[self.tasks[t].req as usize].class]
    }

    fn send(
        &mut self,
        ctx: &mut Context<'_, Ev>,
        req: u32,
        from: Node,
        to: Node,
        bytes: u64,
        m: Msg,
    ) {
        let at = self.net.send(ctx.now(), from, to, bytes, m.step());
        self.reqs[req as usize].bytes += bytes;
        ctx.schedule_at(at, C_DELIVER, Ev::Deliver(m));
    }

    // --- message deliveries -----------------------------------------------------------------
    fn deliver(&mut self, m: Msg, ctx: &mut Context<'_, Ev>) {
        let p = self.sc.protocol;
        let control = self.control();
        match m {
            Msg::Request(r) => {
                self.send(
                    ctx,
                    r,
                    control,
                    control,
                    p.header_bytes + p.notify_bytes,
                    Msg::NotifyRequest(r),
                );
            }
            Msg::NotifyRequest(r) => self.start_stage(r, ctx),
            Msg::Install(b, a) => {
                ctx.schedule_in(p.cold_start, C_INSTALL, Ev::InstallDone(b, a));
            }
            Msg::Invoke(i) => {
                self.invs[i].invoked = ctx.now();
                let b = self.invs[i].bbu as usize;
                let a = self.app_index(self.invs[i].task);
                if self.bbus[b].installed[a] {
                    self.enqueue(i, ctx);
                } else {
                    self.awaiting_install[b][a].push(i);
                }
            }
            Msg::Store(i) => {
                let r = self.tasks[self.invs[i].task].req;
                self.send(
                    ctx,
                    r,
                    control,
                    control,
                    p.header_bytes + p.notify_bytes,
                    Msg::NotifyStore(i),
                );
            }
            Msg::NotifyStore(i) => self.manager_notified(i, ctx),
            Msg::Result(r) => self.client_notified(r, ctx),
        }
    }
}
