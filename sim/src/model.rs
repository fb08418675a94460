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
//! `request/<r>/items` (item compute times of request r), `request/<r>/task/<k>` (sizes and
//! checkpoint/restore times of task k), `placement`, `arrivals`. Stream seeds derive from the run
//! seed only, so runs of one replication that differ in method or r_limit see the same item
//! times (common random numbers: their differences are the method's, not the dice's).

pub mod bbu;
pub mod costs;
pub mod load;
pub mod network;
pub mod table;
pub mod task;

use bbu::BbuState;
use load::LoadSource;
use mlsim_core::record::{CheckpointRecord, InvocationRecord, Mode, Outcome, RequestRecord};
use mlsim_core::scenario::{AppModel, Arrival, LoadProcess, Notice, Scenario, Workload};
use mlsim_core::{
    Placement, PlacementView, RecordSink, RngStreams, SimDuration, SimTime, Stream, WorkerView,
};
use network::{Network, Node};
use rand_distr::{Distribution, Exp};
use table::Table;
use task::{Work, wall, work_in};

use crate::engine::{Context, EventKey, Model, Simulation};

const C_LOAD: u8 = 0;
const C_DELIVER: u8 = 1;
const C_INSTALL: u8 = 2;
const C_RELEASE: u8 = 3;
const C_TRACKER: u8 = 4;
const C_SUBMIT: u8 = 5;

/// Why a run could not be simulated (each aborts the run; the sweep goes on).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The placement policy name is not registered.
    #[error("unknown placement policy {0:?} (known: {known})", known = mlsim_core::policies::NAMES.join(", "))]
    UnknownPolicy(String),
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

/// Simulates one run of `sc`, sending its records (tagged with `run`) to `sink`.
pub fn simulate<S: RecordSink>(
    sc: &Scenario,
    run: u32,
    sink: &mut S,
) -> Result<RunSummary, SimError> {
    if sc.topology.workers.is_empty() {
        return Err(SimError::NoWorkers);
    }
    let mut policy = mlsim_core::policies::build(&sc.placement, &sc.placement_params)
        .ok_or_else(|| SimError::UnknownPolicy(sc.placement.clone()))?;
    if sc.workloads.is_empty() {
        return Err(SimError::NoWorkload);
    }
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
        policy.observe_load(mlsim_core::BbuId(b as u32), SimTime::ZERO, *f);
    }
    let total_requests: u64 = sc.workloads.iter().map(|w| u64::from(w.requests)).sum();
    let world = World {
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
        views: Vec::new(),
        bbus: sc
            .topology
            .bbus
            .iter()
            .zip(&initial)
            .map(|(b, f)| BbuState::new(b, *f, apps.len()))
            .collect(),
        loads,
        awaiting_install: vec![vec![Vec::new(); apps.len()]; sc.topology.bbus.len()],
        reqs: Table::default(),
        tasks: Table::default(),
        invs: Table::default(),
        finished: 0,
    };
    let mut sim = Simulation::new(world);
    for c in 0..sc.workloads.len() {
        sim.schedule_at(SimTime::ZERO, C_SUBMIT, Ev::Submit(c as u32));
    }
    let grace = sc.eviction.grace;
    for b in 0..sc.topology.bbus.len() {
        if let Some((at, load)) = sim.model_mut().loads[b].next_change() {
            let bbu = b as u32;
            if sc.eviction.notice == Notice::Ahead {
                let when = SimTime(at.0.saturating_sub(grace.0));
                sim.schedule_at(when, C_LOAD, Ev::Notice { bbu, at, load });
            } else {
                sim.schedule_at(at, C_LOAD, Ev::Load { bbu, load });
            }
        }
    }
    while u64::from(sim.model().finished) < total_requests && sim.step_until(sc.horizon) {}
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
    /// Reused buffer of the policy's view of the workers.
    views: Vec<WorkerView>,
    bbus: Vec<BbuState>,
    loads: Vec<LoadSource>,
    /// Invocations waiting for λ(f) to be installed, per BBU and app.
    awaiting_install: Vec<Vec<Vec<usize>>>,
    reqs: Table<Req>,
    tasks: Table<Task>,
    invs: Table<Inv>,
    finished: u32,
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

    // --- step 1: a client submits ---------------------------------------------------------
    fn submit(&mut self, c: u32, ctx: &mut Context<'_, Ev>) {
        let sc = self.sc;
        let class = c as usize;
        let wl = &sc.workloads[class];
        let app = &wl.app;
        let n = wl.items;
        let r = self.reqs.len() as u32;
        self.submitted[class] += 1;
        // The request exists before its tasks (they look up their app through it).
        self.reqs.push(Req {
            class,
            ue: r % sc.topology.ues.max(1),
            submit: ctx.now(),
            stages: Vec::new(),
            stage: 0,
            pending: 0,
            output_bytes: app.output_bytes_per_item * n as u64,
            invocations: 0,
            checkpoints: 0,
            missed: 0,
            lost_ns: 0,
            cold_starts: 0,
            migrations: 0,
            evictions: 0,
            bytes: 0,
            failed: None,
            done: false,
            outstanding: 0,
        });
        let mut item_rng = self.streams.stream(&format!("request/{r}/items"));
        let works: Vec<u64> = (0..n)
            .map(|_| costs::duration(&app.item_time, &mut item_rng).as_nanos())
            .collect();
        let inputs: Vec<u64> = (0..n)
            .map(|j| {
                app.input_bytes_per_item
                    + if j == 0 {
                        app.first_item_extra_bytes
                    } else {
                        0
                    }
            })
            .collect();
        let shards = app.shards.max(1);
        let mut stages = Vec::new();
        if shards == 1 {
            let t = self.new_task(r, 0, &works, &inputs, app.output_bytes_per_item * n as u64);
            stages.push(vec![t]);
        } else {
            let mut k = 0;
            for (&w, &inp) in works.iter().zip(&inputs) {
                let mut stage = Vec::new();
                for s in 0..shards {
                    let mut part = w / shards as u64;
                    let mut input = inp / shards as u64;
                    if s == 0 {
                        part += w % shards as u64 + app.join_time.as_nanos();
                        input += inp % shards as u64;
                    }
                    stage.push(self.new_task(r, k, &[part], &[input], app.output_bytes_per_item));
                    k += 1;
                }
                stages.push(stage);
            }
        }
        let pending = stages.first().map_or(0, |s| s.len() as u32);
        let req = &mut self.reqs[r as usize];
        req.stages = stages;
        req.pending = pending;
        let p = &sc.protocol;
        let bytes = p.header_bytes + p.request_bytes + inputs.iter().sum::<u64>();
        let ue = Node::Ue(self.reqs[r as usize].ue);
        self.send(ctx, r, ue, self.control(), bytes, Msg::Request(r));
        if let Arrival::Poisson { rate_per_s } = wl.arrival {
            if self.submitted[class] < wl.requests {
                let gap = Exp::new(rate_per_s)
                    .map(|e| e.sample(&mut self.arrival_rngs[class]))
                    .unwrap_or(f64::INFINITY);
                ctx.schedule_in(SimDuration::from_secs_f64(gap), C_SUBMIT, Ev::Submit(c));
            }
        }
    }

    fn new_task(
        &mut self,
        req: u32,
        index: u32,
        works: &[u64],
        inputs: &[u64],
        output_bytes: u64,
    ) -> usize {
        let mut suffix = vec![0u64; inputs.len() + 1];
        for j in (0..inputs.len()).rev() {
            suffix[j] = suffix[j + 1] + inputs[j];
        }
        self.tasks.push(Task {
            req,
            index,
            work: Work::new(works, self.class(req).app.segments),
            input_suffix: suffix,
            output_bytes,
            has_state: false,
            state_raw: 0,
            state_size: 0,
            image_setup_left: 0,
            last_bbu: None,
            invocations: 0,
            idle: 0,
            completed: false,
            rng: self.streams.stream(&format!("request/{req}/task/{index}")),
        })
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

    fn start_stage(&mut self, r: u32, ctx: &mut Context<'_, Ev>) {
        let req = &mut self.reqs[r as usize];
        let tasks = req.stages[req.stage].clone();
        req.pending = tasks.len() as u32;
        for t in tasks {
            self.dispatch(t, ctx);
        }
    }

    // --- steps 3 and 4: placement, install, invoke ---------------------------------------------
    fn dispatch(&mut self, t: usize, ctx: &mut Context<'_, Ev>) {
        let a = self.app_index(t);
        let app = self.app_of(t);
        let task = &self.tasks[t];
        let p = self.sc.protocol;
        let payload = p.header_bytes
            + p.invoke_bytes
            + task.input_suffix[task.work.items_done(task.work.saved) as usize]
            + if task.has_state { task.state_size } else { 0 };
        // What the policy may know of the work left: the app model's mean per item, not the
        // actual draws.
        let items_left = u64::from(task.work.items() - task.work.items_done(task.work.saved));
        let remaining_work_ns =
            items_left * (app.item_time.mean().as_nanos() / u64::from(app.shards.max(1)));
        let control = self.control();
        let mut views = std::mem::take(&mut self.views);
        views.clear();
        views.extend(
            self.sc
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
                        warm: s.installed[a],
                        speed: s.speed,
                        cores: s.cores,
                        cran_cores: s.cran,
                        announced_cran_cores: s.announced_max(),
                        load: s.load,
                        latency_ns: path.latency.as_nanos(),
                        bandwidth_bps: path.bandwidth_bps,
                    }
                }),
        );
        let view = PlacementView {
            workers: &views,
            previous: task.last_bbu.map(mlsim_core::BbuId),
            task: task.index,
            now: ctx.now(),
            remaining_work_ns,
            payload_bytes: payload,
        };
        let chosen = self.policy.place(&view, &mut self.placement_rng).0;
        self.views = views;
        assert!(
            self.sc.topology.workers.contains(&chosen),
            "placement policy {} chose BBU {chosen}, which is not a worker",
            self.policy.name()
        );
        let r = task.req;
        let previous = task.last_bbu;
        let n = task.invocations;
        let rss = app.rss.at(task.work.items_done(task.work.saved));
        let req = &mut self.reqs[r as usize];
        req.invocations += 1;
        req.outstanding += 1;
        if previous.is_some_and(|b| b != chosen) {
            req.migrations += 1;
        }
        let bbu = &mut self.bbus[chosen as usize];
        let cold = !bbu.installed[a];
        let install = cold && !bbu.installing[a];
        if install {
            bbu.installing[a] = true;
            req.cold_starts += 1;
        }
        let task = &mut self.tasks[t];
        task.invocations += 1;
        task.last_bbu = Some(chosen);
        let i = self.invs.push(Inv {
            task: t,
            bbu: chosen,
            n,
            cold,
            invoked: SimTime::ZERO,
            start: SimTime::ZERO,
            compute_start: SimTime::ZERO,
            restore: SimDuration::ZERO,
            deadline: SimTime::MAX,
            rss,
            pending: None,
            phase: Phase::Waiting,
            key: None,
            evicted: false,
        });
        if install {
            self.send(
                ctx,
                r,
                control,
                Node::Bbu(chosen),
                p.header_bytes + p.install_bytes,
                Msg::Install(chosen, a as u32),
            );
        }
        self.send(ctx, r, control, Node::Bbu(chosen), payload, Msg::Invoke(i));
    }

    fn install_done(&mut self, b: u32, a: u32, ctx: &mut Context<'_, Ev>) {
        let s = &mut self.bbus[b as usize];
        s.installed[a as usize] = true;
        s.installing[a as usize] = false;
        for i in std::mem::take(&mut self.awaiting_install[b as usize][a as usize]) {
            self.enqueue(i, ctx);
        }
    }

    fn enqueue(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let b = self.invs[i].bbu as usize;
        self.bbus[b].queue.push_back(i);
        self.try_start(b, ctx);
    }

    fn try_start(&mut self, b: usize, ctx: &mut Context<'_, Ev>) {
        while let Some(&i) = self.bbus[b].queue.front() {
            let s = &self.bbus[b];
            if s.free_cores() == 0 || s.memory_used + self.invs[i].rss > s.memory {
                break;
            }
            self.bbus[b].queue.pop_front();
            self.start(i, ctx);
        }
    }

    // --- step 5: run, checkpoint or finish ---------------------------------------------------------
    fn start(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let sc = self.sc;
        let t = self.invs[i].task;
        let app = self.app_of(t);
        let b = self.invs[i].bbu as usize;
        let s = &mut self.bbus[b];
        s.advance(now);
        s.running += 1;
        s.active.push(i);
        s.memory_used += self.invs[i].rss;
        s.invocations += 1;
        let speed = s.speed;
        let task = &mut self.tasks[t];
        let method = &sc.checkpoint.method;
        let restore = match (method.cost(), task.has_state) {
            (Some(c), true) => costs::restore_time(c, task.state_raw, &mut task.rng),
            _ => SimDuration::ZERO,
        };
        // The program's set-up, unless a process restore brings it back past it. Drawn only
        // when the app has one, so models without set-up draw exactly as before.
        let setup = match app.setup {
            _ if task.has_state && method.get().restores_process() => {
                SimDuration(wall(task.image_setup_left, speed))
            }
            Some(dist) => SimDuration(wall(
                costs::duration(&dist, &mut task.rng).as_nanos(),
                speed,
            )),
            None => SimDuration::ZERO,
        };
        let c0 = now + restore + setup;
        let finish = c0 + SimDuration(wall(task.work.remaining(), speed));
        let inv = &mut self.invs[i];
        inv.start = now;
        inv.restore = restore;
        inv.compute_start = c0;
        inv.phase = Phase::Computing;
        let (Some(limit), Some(cost)) = (sc.checkpoint.r_limit, method.cost()) else {
            // No runtime limit: it runs to the end unless an eviction notice comes.
            inv.key = Some(ctx.schedule_at(finish, C_RELEASE, Ev::Finish(i)));
            return;
        };
        let deadline = now + limit;
        inv.deadline = deadline;
        // μλ's first chance is after the set-up; a process dump can start once it is restored.
        let earliest = if method.get().stops_at_safe_points() {
            c0
        } else {
            now + restore
        };
        if earliest >= deadline {
            // Not even the restore (μλ: and the set-up) fits in r_limit.
            inv.phase = Phase::Doomed;
            inv.key = Some(ctx.schedule_at(deadline, C_RELEASE, Ev::Deadline(i)));
            return;
        }
        let done_items = task.work.items_done(task.work.saved);
        let expected_raw = method.get().captured(app).0.at(done_items);
        let k = sc.checkpoint.tracker_sigmas;
        let budget = |mean: SimDuration, cv: f64| {
            SimDuration::from_nanos_f64(mean.as_nanos() as f64 * (1.0 + k * cv))
        };
        let mut lead = sc.checkpoint.tracker_margin
            + budget(cost.checkpoint_mean(expected_raw), cost.checkpoint_cv);
        if method.get().stops_at_safe_points() {
            // A task's items are whole items, or 1/shards of one when the app is sharded.
            let per_task_item = app.item_time.mean().as_nanos() / app.shards.max(1) as u64;
            let segment = SimDuration(wall(per_task_item / app.segments.max(1) as u64, speed));
            lead += budget(segment, app.item_time.cv());
        }
        let signal = SimTime(deadline.0.saturating_sub(lead.0)).max(earliest);
        inv.key = Some(if finish <= signal {
            ctx.schedule_at(finish, C_RELEASE, Ev::Finish(i))
        } else {
            ctx.schedule_at(signal, C_TRACKER, Ev::Tracker(i))
        });
    }

    /// The timeout tracker's signal (r_limit near, or an eviction notice): the invocation
    /// checkpoints at its next chance, or finishes if it gets there first.
    fn tracker(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let sc = self.sc;
        let app = self.app_of(self.invs[i].task);
        let inv = &self.invs[i];
        let speed = self.bbus[inv.bbu as usize].speed;
        let task = &mut self.tasks[inv.task];
        let total = task.work.total();
        let method = sc.checkpoint.method.get();
        // A notice may come while the state is still being restored: the checkpoint begins
        // after the restore. μλ also waits for the set-up to end (its first safe point comes
        // after it); a process dump (CRIU) may be taken during the set-up, and the image then
        // holds the rest of the set-up.
        let setup_start = inv.start + inv.restore;
        let t0 = if method.stops_at_safe_points() {
            now.max(inv.compute_start)
        } else {
            now.max(setup_start)
        };
        let setup_left = work_in(inv.compute_start.saturating_since(t0).as_nanos(), speed);
        let setup_progress = t0 > setup_start;
        let pos = (task.work.saved
            + work_in(t0.saturating_since(inv.compute_start).as_nanos(), speed))
        .min(total);
        let save_at = if method.stops_at_safe_points() {
            task.work.next_safe_point(pos)
        } else {
            pos
        };
        let finish = inv.compute_start + SimDuration(wall(total - task.work.saved, speed));
        if save_at >= total {
            // The task reaches its end before (or at) the point where it could checkpoint.
            let inv = &mut self.invs[i];
            inv.phase = Phase::Computing;
            inv.key = Some(ctx.schedule_at(finish.max(now), C_RELEASE, Ev::Finish(i)));
            return;
        }
        let wait = SimDuration(wall(save_at - pos, speed));
        let items = task.work.items_done(save_at);
        let (_, ratio) = method.captured(app);
        let captured = method.captured_bytes(app, items, setup_left > 0);
        let raw = ((captured as f64) * costs::noise(app.size_cv, &mut task.rng)).round() as u64;
        let size = (raw as f64 * ratio).round() as u64;
        let cost = sc
            .checkpoint
            .method
            .cost()
            .expect("tracker only runs for checkpointing methods");
        let time = costs::checkpoint_time(cost, raw, &mut task.rng);
        let begin = t0 + wait;
        let done = begin + time;
        let rec = CheckpointRecord {
            run: self.run,
            mode: Mode::Sim,
            app: app.name.clone(),
            method: sc.checkpoint.method.name().into(),
            request: task.req,
            task: task.index,
            invocation: inv.n,
            bbu: inv.bbu,
            start_ns: begin.0,
            safepoint_wait_ns: wait.0,
            time_ns: time.0,
            items_done: items,
            raw_bytes: raw,
            size_bytes: size,
            deadline_met: false,
        };
        let deadline = inv.deadline;
        let inv = &mut self.invs[i];
        inv.pending = Some(Pending {
            pos: save_at,
            raw,
            size,
            setup_left,
            setup_progress,
            rec,
        });
        inv.phase = Phase::Checkpointing;
        inv.key = Some(if done <= deadline {
            ctx.schedule_at(done, C_RELEASE, Ev::CheckpointDone(i))
        } else {
            ctx.schedule_at(deadline.max(now), C_RELEASE, Ev::Deadline(i))
        });
    }

    fn release(&mut self, i: usize, outcome: Outcome, work_ns: u64, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let inv = &mut self.invs[i];
        inv.key = None;
        let b = inv.bbu as usize;
        let s = &mut self.bbus[b];
        s.advance(now);
        s.running -= 1;
        s.memory_used -= inv.rss;
        if let Some(k) = s.active.iter().position(|&x| x == i) {
            s.active.swap_remove(k);
        }
        let task = &self.tasks[inv.task];
        self.sink.invocation(InvocationRecord {
            run: self.run,
            mode: Mode::Sim,
            request: task.req,
            task: task.index,
            invocation: inv.n,
            bbu: inv.bbu,
            invoked_ns: inv.invoked.0,
            start_ns: inv.start.0,
            end_ns: now.0,
            restore_ns: inv.restore.0,
            work_ns,
            items_done: task.work.items_done(task.work.saved),
            outcome,
            cold_start: inv.cold,
            evicted: inv.evicted,
        });
        self.try_start(b, ctx);
    }

    fn finish_task(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let t = self.invs[i].task;
        let task = &mut self.tasks[t];
        let gained = task.work.remaining();
        task.work.saved = task.work.total();
        task.completed = true;
        let (r, out) = (task.req, task.output_bytes);
        self.release(i, Outcome::Completed, gained, ctx);
        self.store(i, r, out, ctx);
    }

    fn checkpoint_done(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let Some(mut p) = self.invs[i].pending.take() else {
            return;
        };
        p.rec.deadline_met = true;
        self.sink.checkpoint(p.rec);
        let t = self.invs[i].task;
        let task = &mut self.tasks[t];
        let gained = p.pos - task.work.saved;
        task.work.saved = p.pos;
        task.has_state = true;
        task.state_raw = p.raw;
        task.state_size = p.size;
        task.image_setup_left = p.setup_left;
        // An evicted invocation that saved nothing was unlucky, not hopeless: only r_limit
        // invocations count towards giving up (`max_idle_invocations`). Set-up done before a
        // dump is progress too.
        let evicted = self.invs[i].evicted;
        let task = &mut self.tasks[t];
        task.idle = match (gained > 0 || p.setup_progress, evicted) {
            (false, false) => task.idle + 1,
            (false, true) => task.idle,
            _ => 0,
        };
        let r = task.req;
        self.reqs[r as usize].checkpoints += 1;
        self.release(i, Outcome::Checkpointed, gained, ctx);
        self.store(i, r, p.size, ctx);
    }

    /// The deadline (r_limit or eviction) passed before a checkpoint was on the file system:
    /// the invocation's work since the last checkpoint is lost.
    fn deadline(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        if let Some(p) = self.invs[i].pending.take() {
            self.sink.checkpoint(p.rec); // deadline_met = false
        }
        let t = self.invs[i].task;
        let evicted = self.invs[i].evicted;
        let task = &mut self.tasks[t];
        if !evicted {
            task.idle += 1;
        }
        let r = task.req;
        let checkpoints = self.sc.checkpoint.method.cost().is_some();
        let req = &mut self.reqs[r as usize];
        // A miss is a checkpoint that was due and not on the file system in time; long-running
        // work lost to an eviction is lost work, not a missed checkpoint.
        if checkpoints {
            req.missed += 1;
        }
        req.lost_ns += ctx.now().saturating_since(self.invs[i].start).0;
        self.release(i, Outcome::Lost, 0, ctx);
        // The timeout tracker reports the failed invocation (header only).
        self.store(i, r, 0, ctx);
    }

    fn store(&mut self, i: usize, r: u32, bytes: u64, ctx: &mut Context<'_, Ev>) {
        let from = Node::Bbu(self.invs[i].bbu);
        let control = self.control();
        self.send(
            ctx,
            r,
            from,
            control,
            self.sc.protocol.header_bytes + bytes,
            Msg::Store(i),
        );
    }

    // --- step 6: the manager continues, or step 7: the client is told ----------------------------
    fn manager_notified(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let t = self.invs[i].task;
        let r = self.tasks[t].req as usize;
        self.continue_task(t, r, ctx);
        // Nothing refers to the invocation any more.
        self.invs.free(i);
        self.reqs[r].outstanding -= 1;
        self.free_if_over(r);
    }

    /// Frees a request and its tasks once its client was notified and no invocation of it is
    /// outstanding (a failed request may still have shards running).
    fn free_if_over(&mut self, r: usize) {
        let q = &self.reqs[r];
        if q.done && q.outstanding == 0 {
            for &t in q.stages.iter().flatten() {
                self.tasks.free(t);
            }
            self.reqs.free(r);
        }
    }

    fn continue_task(&mut self, t: usize, r: usize, ctx: &mut Context<'_, Ev>) {
        if self.reqs[r].done || self.reqs[r].failed.is_some() {
            return;
        }
        let max_idle = self.sc.checkpoint.max_idle_invocations;
        if self.tasks[t].completed {
            let req = &mut self.reqs[r];
            req.pending -= 1;
            if req.pending == 0 {
                if req.stage + 1 < req.stages.len() {
                    req.stage += 1;
                    self.start_stage(r as u32, ctx);
                } else {
                    let out = req.output_bytes;
                    self.result(r as u32, out, ctx);
                }
            }
        } else if self.tasks[t].idle >= max_idle {
            self.reqs[r].failed = Some(format!(
                "failed: no progress in {max_idle} invocations in a row (r_limit too short for one safe point plus a checkpoint)"
            ));
            self.result(r as u32, 0, ctx);
        } else {
            self.dispatch(t, ctx);
        }
    }

    fn result(&mut self, r: u32, bytes: u64, ctx: &mut Context<'_, Ev>) {
        let control = self.control();
        let ue = Node::Ue(self.reqs[r as usize].ue);
        self.send(
            ctx,
            r,
            control,
            ue,
            self.sc.protocol.header_bytes + bytes,
            Msg::Result(r),
        );
    }

    fn client_notified(&mut self, r: u32, ctx: &mut Context<'_, Ev>) {
        self.reqs[r as usize].done = true;
        self.finished += 1;
        self.emit_request(r, Some(ctx.now()));
        let class = self.reqs[r as usize].class;
        let wl = &self.sc.workloads[class];
        if wl.arrival == Arrival::Sequential && self.submitted[class] < wl.requests {
            ctx.schedule_in(SimDuration::ZERO, C_SUBMIT, Ev::Submit(class as u32));
        }
        self.free_if_over(r as usize);
    }

    fn emit_request(&mut self, r: u32, done: Option<SimTime>) {
        let sc = self.sc;
        let q = &self.reqs[r as usize];
        let status = match (&q.failed, done) {
            (Some(f), _) => f.clone(),
            (None, Some(_)) => "ok".into(),
            (None, None) => "unfinished: the run ended first".into(),
        };
        let exec = done.map_or(f64::NAN, |d| d.saturating_since(q.submit).as_secs_f64());
        self.sink.request(RequestRecord {
            run: self.run,
            mode: Mode::Sim,
            request: r,
            app: self.class(r).app.name.clone(),
            method: sc.checkpoint.method.name().into(),
            r_limit_s: sc.checkpoint.r_limit.map(|d| d.as_secs_f64()),
            items: self.class(r).items,
            submit_ns: q.submit.0,
            done_ns: done.map_or(0, |d| d.0),
            exec_time_s: exec,
            invocations: q.invocations,
            checkpoints: q.checkpoints,
            missed_checkpoints: q.missed,
            lost_work_s: q.lost_ns as f64 / 1e9,
            cold_starts: q.cold_starts,
            migrations: q.migrations,
            evictions: q.evictions,
            bytes: q.bytes,
            status,
        });
    }

    // --- C-RAN load --------------------------------------------------------------------------------
    /// Eviction notice `ahead`: the change to `load` at `at` is announced now (`grace` before
    /// it). Cores it will take are no longer offered to new invocations, and running ones that
    /// hold them are evicted with deadline `at`. The next change is fetched and announced in
    /// turn, so announcements always run `grace` ahead of the load.
    fn notice(&mut self, b: u32, at: SimTime, load: f64, ctx: &mut Context<'_, Ev>) {
        let s = &mut self.bbus[b as usize];
        let cran = LoadProcess::cran_cores(load, s.cores);
        s.announce(at, cran);
        ctx.schedule_at(at, C_LOAD, Ev::Load { bbu: b, load });
        if let Some((next, l)) = self.loads[b as usize].next_change() {
            let when = SimTime(next.0.saturating_sub(self.sc.eviction.grace.0)).max(ctx.now());
            ctx.schedule_at(
                when,
                C_LOAD,
                Ev::Notice {
                    bbu: b,
                    at: next,
                    load: l,
                },
            );
        }
        self.evict(b as usize, at, ctx);
    }

    fn load(&mut self, b: u32, load: f64, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let s = &mut self.bbus[b as usize];
        s.advance(now);
        s.cran = LoadProcess::cran_cores(load, s.cores);
        s.load = load;
        self.policy.observe_load(mlsim_core::BbuId(b), now, load);
        match self.sc.eviction.notice {
            Notice::Ahead => {
                self.bbus[b as usize].announced_done();
            }
            notice => {
                if let Some((at, next)) = self.loads[b as usize].next_change() {
                    ctx.schedule_at(at, C_LOAD, Ev::Load { bbu: b, load: next });
                }
                if notice == Notice::OnChange {
                    self.evict(b as usize, now + self.sc.eviction.grace, ctx);
                }
            }
        }
        self.try_start(b as usize, ctx);
    }

    /// Evicts as many running invocations of BBU `b` as C-RAN's coming (or current) share
    /// needs, youngest first (the most recent start; ties: the later invocation), each with the
    /// deadline `deadline`. An invocation already evicted is counted as leaving.
    fn evict(&mut self, b: usize, deadline: SimTime, ctx: &mut Context<'_, Ev>) {
        let s = &self.bbus[b];
        let cran = s.cran.max(s.announced_max());
        let staying: Vec<usize> = s
            .active
            .iter()
            .copied()
            .filter(|&i| !self.invs[i].evicted)
            .collect();
        let excess = (staying.len() as u32 + cran).saturating_sub(s.cores) as usize;
        if excess == 0 {
            return;
        }
        let mut victims = staying;
        victims.sort_by_key(|&i| std::cmp::Reverse((self.invs[i].start, i)));
        victims.truncate(excess);
        for i in victims {
            self.evict_one(i, deadline, ctx);
        }
    }

    fn evict_one(&mut self, i: usize, deadline: SimTime, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let sc = self.sc;
        let inv = &mut self.invs[i];
        inv.evicted = true;
        inv.deadline = inv.deadline.min(deadline);
        let deadline = inv.deadline;
        let (b, t, phase) = (inv.bbu as usize, inv.task, inv.phase);
        self.bbus[b].evictions += 1;
        let r = self.tasks[t].req as usize;
        self.reqs[r].evictions += 1;
        let reschedule = |w: &mut Self, ctx: &mut Context<'_, Ev>, at: SimTime, ev: Ev, ph| {
            let inv = &mut w.invs[i];
            if let Some(k) = inv.key.take() {
                ctx.cancel(k);
            }
            inv.phase = ph;
            let class = if matches!(ev, Ev::Tracker(_)) {
                C_TRACKER
            } else {
                C_RELEASE
            };
            inv.key = Some(ctx.schedule_at(at, class, ev));
        };
        match phase {
            Phase::Waiting => {}
            Phase::Computing => {
                let inv = &self.invs[i];
                let speed = self.bbus[b].speed;
                let finish =
                    inv.compute_start + SimDuration(wall(self.tasks[t].work.remaining(), speed));
                if finish <= deadline {
                    // It finishes in time: nothing to save.
                    reschedule(self, ctx, finish, Ev::Finish(i), Phase::Computing);
                } else if sc.checkpoint.method.cost().is_some() {
                    reschedule(self, ctx, now, Ev::Tracker(i), Phase::Computing);
                } else {
                    // Long-running cannot checkpoint: its work is lost at the deadline.
                    reschedule(self, ctx, deadline, Ev::Deadline(i), Phase::Doomed);
                }
            }
            Phase::Checkpointing => {
                let done = self.invs[i].pending.as_ref().map_or(SimTime::MAX, |p| {
                    SimTime(p.rec.start_ns) + SimDuration(p.rec.time_ns)
                });
                if done > deadline {
                    reschedule(
                        self,
                        ctx,
                        deadline.max(now),
                        Ev::Deadline(i),
                        Phase::Checkpointing,
                    );
                }
            }
            Phase::Doomed => {
                reschedule(self, ctx, deadline.max(now), Ev::Deadline(i), Phase::Doomed);
            }
        }
    }

    /// End of run: records for unfinished requests, BBUs, links and steps.
    fn finish(&mut self, end: SimTime) {
        for r in 0..self.reqs.len() as u32 {
            if self.reqs.get(r as usize).is_some_and(|q| !q.done) {
                self.emit_request(r, None);
            }
        }
        for b in 0..self.bbus.len() {
            let rec = self.bbus[b].record(self.run, b as u32, end);
            self.sink.bbu(rec);
        }
        self.net.emit(self.run, self.sink);
    }
}
