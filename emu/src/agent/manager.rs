//! The manager (in the store host, next to Redis): hears requests and worker events (steps 2
//! and 6), places each invocation with the run's placement policy (the simulator's own
//! [`mlsim_core::Placement`] trait objects), installs λ(f) on first use (step 3), invokes
//! (step 4), and publishes results to the client (step 7).
//!
//! A request runs in stages as in the simulator: sharded stress (`shards > 1`) has one stage
//! per window with `shards` tasks (task `window · shards + shard`, each placed by the policy),
//! the next window starting when all of them completed; every other request is one task.
//!
//! It runs one event loop on its Redis subscription: the install and invoke calls are short
//! (the worker answers `202 Accepted` before running the workload), so requests are handled in
//! arrival order without threads.

mod load_feed;

use super::http::post;
use super::protocol::*;
use super::resp::Resp;
use super::worker::join_invoke;
use super::{AgentError, log_line, since};
use mlsim_core::policy::Workers;
use mlsim_core::record::Outcome;
use mlsim_core::rules;
use mlsim_core::scenario::{AppModel, Scenario};
use mlsim_core::{BbuId, Placement, PlacementView, Stream, WorkerView};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

/// C-RAN on BBU `b` at `now` [ns since the epoch]: its load process replayed from the run's
/// seed as the C-RAN driver and the BBU's worker replay it (load, cores in use, the most cores
/// announced by notices not yet in effect).
pub fn current_load(sc: &Scenario, b: u32, now: u64) -> super::worker::timeline::LoadNow {
    let bbu = &sc.topology.bbus[b as usize];
    let cfg = super::worker::timeline::CranConfig {
        load: bbu.load.clone(),
        seed: sc.seed,
        cores: bbu.cores,
        eviction: sc.eviction,
        memory_bytes: bbu.memory_mib.saturating_mul(1 << 20),
    };
    super::worker::timeline::load_at(&cfg, b, now)
}

/// The tracker's lead \[ns\] for an invocation of `app` on worker `bbu` that starts with
/// `items_done` items saved: the rule shared with the simulator,
/// [`mlsim_core::rules::tracker_lead`], at the BBU's speed (1, or the cpu scale S when the
/// workers' speed is S: `mlsim emu run` refuses other speeds) times `host_speed`, this
/// machine's speed against the model's reference core ([`crate::host`]; 1 in the simulator).
pub fn tracker_lead(
    sc: &Scenario,
    app: &AppModel,
    bbu: u32,
    items_done: u32,
    host_speed: f64,
) -> u64 {
    let speed = sc.topology.bbus.get(bbu as usize).map_or(1.0, |b| b.speed);
    rules::tracker_lead(app, &sc.checkpoint, items_done, speed * host_speed).as_nanos()
}

/// A request: its tasks run in stages (sharded stress: one stage per window, `shards` tasks
/// each; otherwise one stage of one task), as in the simulator.
struct Req<'a> {
    msg: RequestMsg,
    /// Its class's app model.
    app: &'a AppModel,
    input: Vec<u8>,
    /// Tasks per stage (1: the request is one task).
    shards: u32,
    /// The stage running (sharded: the window).
    stage: u32,
    /// Tasks of the stage not completed yet.
    pending: u32,
    summary: RequestSummary,
}

/// One task of a request (the simulator's task number `index`).
struct Task {
    shard: Option<ShardMsg>,
    inv: u32,
    /// Progress saved (unsharded: items; shard task: the shard program's safe points passed).
    saved_items: u32,
    last_bbu: Option<u32>,
    idle: u32,
    state_len: u64,
}

struct Manager<'a> {
    cfg: &'a ManagerConfig,
    redis: Resp,
    policy: Box<dyn Placement>,
    rng: Stream,
    /// (worker, app) with λ(f) of the app installed: installs are per app, as in the
    /// simulator.
    warm: BTreeSet<(u32, String)>,
    running: BTreeMap<u32, u32>,
    reqs: BTreeMap<u32, Req<'a>>,
    /// (request, task) → the task.
    tasks: BTreeMap<(u32, u32), Task>,
    /// (request, task, invocation) → whether it was a cold start.
    cold: BTreeMap<(u32, u32, u32), bool>,
    /// The C-RAN load changes the policy has been told.
    loads: load_feed::LoadFeed,
}

/// Runs the manager until it is killed.
pub fn run(cfg: &ManagerConfig) -> Result<(), AgentError> {
    let sc = &cfg.scenario;
    let policy = sc.placement.build();
    let mut sub = Resp::connect(cfg.common.redis, Duration::from_secs(20))?;
    sub.subscribe(&[REQUESTS, EVENTS])?;
    let mut policy = policy;
    let loads = load_feed::LoadFeed::start(sc, &mut *policy);
    let mut m = Manager {
        cfg,
        redis: Resp::connect(cfg.common.redis, Duration::from_secs(20))?,
        policy,
        loads,
        rng: mlsim_core::RngStreams::new(sc.seed).stream("placement"),
        warm: BTreeSet::new(),
        running: BTreeMap::new(),
        reqs: BTreeMap::new(),
        tasks: BTreeMap::new(),
        cold: BTreeMap::new(),
    };
    let ready = cfg.common.log.with_file_name("manager.ready");
    std::fs::write(&ready, b"").map_err(AgentError::io(format!("write {}", ready.display())))?;
    loop {
        let (ch, payload, n) = sub.next_message()?;
        if ch == REQUESTS {
            let msg: RequestMsg =
                serde_json::from_slice(&payload).map_err(AgentError::json("request"))?;
            m.log(&ManagerLog::Step {
                req: msg.req,
                step: 2,
                bytes: n,
            })?;
            m.on_request(msg)?;
        } else if ch == EVENTS {
            let ev: EventMsg =
                serde_json::from_slice(&payload).map_err(AgentError::json("event"))?;
            m.log(&ManagerLog::Step {
                req: ev.req,
                step: 6,
                bytes: n,
            })?;
            m.on_event(ev)?;
        }
    }
}

impl<'a> Manager<'a> {
    fn log(&self, l: &ManagerLog) -> Result<(), AgentError> {
        log_line(&self.cfg.common.log, l)
    }

    fn on_request(&mut self, msg: RequestMsg) -> Result<(), AgentError> {
        let (input, _) = self.redis.get(&input_key(msg.req))?;
        let req = msg.req;
        let cfg: &'a ManagerConfig = self.cfg;
        let sc = &cfg.scenario;
        let Some(w) = sc.workloads.get(msg.class as usize) else {
            return Err(AgentError::Other(format!(
                "request {req} names class {}, but the run has {} workload classes",
                msg.class,
                sc.workloads.len()
            )));
        };
        let app = &w.app;
        // Only the stress program has a shard mode (`mlsim emu run` refuses other sharded apps).
        let shards = if msg.app == "stress" {
            app.shards.max(1)
        } else {
            1
        };
        self.reqs.insert(
            req,
            Req {
                input: input.unwrap_or_default(),
                app,
                shards,
                stage: 0,
                pending: 0,
                summary: RequestSummary {
                    req,
                    status: "ok".into(),
                    ..Default::default()
                },
                msg,
            },
        );
        self.start_stage(req, 0)
    }

    /// Starts stage `stage` of `req`: its tasks, placed one after the other.
    fn start_stage(&mut self, req: u32, stage: u32) -> Result<(), AgentError> {
        let Some(r) = self.reqs.get_mut(&req) else {
            return Ok(());
        };
        let shards = r.shards;
        r.stage = stage;
        r.pending = shards;
        for s in 0..shards {
            let shard = (shards > 1).then_some(ShardMsg {
                window: stage,
                shard: s,
                shards,
            });
            let index = shard.map_or(0, |m| m.task_of(s));
            self.tasks.insert(
                (req, index),
                Task {
                    shard,
                    inv: 0,
                    saved_items: 0,
                    last_bbu: None,
                    idle: 0,
                    state_len: 0,
                },
            );
        }
        for s in 0..shards {
            let index = if shards > 1 { stage * shards + s } else { 0 };
            self.invoke(req, index, Vec::new())?;
            if !self.reqs.contains_key(&req) {
                break;
            }
        }
        Ok(())
    }

    /// The policy's view of the workers now: C-RAN's current and announced cores (the load
    /// process replayed to now), and the invocations sent to each worker and not yet reported,
    /// split as the worker's admission splits them (as many running as cores are offered, the
    /// rest queued; the manager does not see evicted invocations that still hold a core).
    fn views(&self, app: &str) -> Vec<WorkerView> {
        let t = &self.cfg.scenario.topology;
        let now = since(self.cfg.common.epoch_unix_ns);
        self.cfg
            .workers
            .iter()
            .map(|(b, _)| {
                let bbu = &t.bbus[*b as usize];
                let c = current_load(&self.cfg.scenario, *b, now);
                // What the worker's admission offers with nothing running (the shared rule),
                // filled by the invocations sent there first.
                let offered = rules::offered_cores(bbu.cores, c.cran, c.announced_max, 0);
                let outstanding = self.running.get(b).copied().unwrap_or(0);
                let running = outstanding.min(offered);
                WorkerView {
                    bbu: BbuId(*b),
                    free_cores: offered - running,
                    running,
                    queued: outstanding - running,
                    warm: self.warm.contains(&(*b, app.to_string())),
                    speed: bbu.speed,
                    cores: bbu.cores,
                    cran_cores: c.cran,
                    announced_cran_cores: c.announced_max,
                    load: c.load,
                    latency_ns: t.wired.latency.as_nanos(),
                    bandwidth_bps: t.wired.bandwidth_bps,
                }
            })
            .collect()
    }

    /// Steps 3 and 4 for task `task` of `req`, with state `state` (empty: from scratch).
    fn invoke(&mut self, req: u32, task: u32, state: Vec<u8>) -> Result<(), AgentError> {
        let sc = &self.cfg.scenario;
        let now = since(self.cfg.common.epoch_unix_ns);
        let (Some(r), Some(t)) = (self.reqs.get(&req), self.tasks.get(&(req, task))) else {
            return Ok(());
        };
        let app = r.app;
        let items = r.msg.items.max(1);
        let len = r.input.len() as u64;
        let (input, remaining_work_ns) = match t.shard {
            None => {
                // The input not processed yet (items are equal parts of it).
                let from = (len * u64::from(t.saved_items) / u64::from(items)) as usize;
                let work = app.item_time.mean().as_nanos()
                    * u64::from(r.msg.items.saturating_sub(t.saved_items));
                (r.input[from.min(r.input.len())..].to_vec(), work)
            }
            Some(m) => {
                // The window's part of the input, split among its shards; one item of work
                // split `shards` ways (the simulator's view).
                let a = len * u64::from(m.window) / u64::from(items);
                let b = len * u64::from(m.window + 1) / u64::from(items);
                let k = u64::from(m.shards);
                let s = u64::from(m.shard);
                let (from, to) = (a + (b - a) * s / k, a + (b - a) * (s + 1) / k);
                let work = app.item_time.mean().as_nanos() / k;
                (r.input[from as usize..to as usize].to_vec(), work)
            }
        };
        self.loads.catch_up(now, &mut *self.policy);
        let workers = Workers::from_views(&self.views(&app.name));
        let view = PlacementView {
            workers: &workers,
            app: 0,
            previous: t.last_bbu.map(BbuId),
            task,
            now: mlsim_core::SimTime(now),
            remaining_work_ns,
            payload_bytes: input.len() as u64 + state.len() as u64,
        };
        let bbu = self.policy.place(&view, &mut self.rng).0;
        let addr: SocketAddr = self
            .cfg
            .workers
            .iter()
            .find(|(b, _)| *b == bbu)
            .map(|(_, a)| *a)
            .ok_or_else(|| AgentError::Other(format!("policy chose bbu{bbu}, not a worker")))?;
        let timeout = Duration::from_secs(60);
        let cold = !self.warm.contains(&(bbu, app.name.clone()));
        if cold {
            let body = serde_json::to_vec(&InstallMsg {
                app: r.msg.app.clone(),
            })
            .map_err(AgentError::json("install"))?;
            let res = post(addr, "/install", &body, timeout)?;
            self.log(&ManagerLog::Step {
                req,
                step: 3,
                bytes: res.sent,
            })?;
            if res.status != 200 {
                let why = String::from_utf8_lossy(&res.body).into_owned();
                return self.finish(req, format!("failed: install on bbu{bbu}: {why}"));
            }
            self.warm.insert((bbu, app.name.clone()));
        }
        let (Some(r), Some(t)) = (self.reqs.get_mut(&req), self.tasks.get_mut(&(req, task))) else {
            return Ok(());
        };
        // A shard task is one item: its saved progress is inside that item (as the simulator's
        // tracker sees it).
        let items_done = if t.shard.is_some() { 0 } else { t.saved_items };
        let msg = InvokeMsg {
            req,
            task,
            inv: t.inv,
            app: r.msg.app.clone(),
            items: r.msg.items,
            seed: r.msg.seed,
            method: sc.checkpoint.method.id,
            r_limit_ns: sc.checkpoint.r_limit.map(|d| d.as_nanos()),
            lead_ns: tracker_lead(sc, app, bbu, items_done, self.cfg.host_speed),
            input_len: input.len() as u64,
            state_len: state.len() as u64,
            sent_ns: since(self.cfg.common.epoch_unix_ns),
            cold_start: cold,
            rss_bytes: app.rss.at(items_done),
            shard: t.shard,
        };
        if t.last_bbu.is_some_and(|b| b != bbu) {
            r.summary.migrations += 1;
        }
        t.last_bbu = Some(bbu);
        t.inv += 1;
        r.summary.invocations += 1;
        if cold {
            r.summary.cold_starts += 1;
        }
        let body = join_invoke(&msg, &input, &state)?;
        let res = post(addr, "/invoke", &body, timeout)?;
        self.log(&ManagerLog::Step {
            req,
            step: 4,
            bytes: res.sent,
        })?;
        if res.status != 202 {
            let why = String::from_utf8_lossy(&res.body).into_owned();
            return self.finish(req, format!("failed: invoke on bbu{bbu}: {why}"));
        }
        *self.running.entry(bbu).or_default() += 1;
        // Remember whether this invocation was a cold start for the event log.
        self.cold.insert((req, task, msg.inv), cold);
        Ok(())
    }

    fn on_event(&mut self, ev: EventMsg) -> Result<(), AgentError> {
        if let Some(r) = self.running.get_mut(&ev.bbu) {
            *r = r.saturating_sub(1);
        }
        let cold = self
            .cold
            .remove(&(ev.req, ev.task, ev.inv))
            .unwrap_or(false);
        let sharded = self
            .tasks
            .get(&(ev.req, ev.task))
            .is_some_and(|t| t.shard.is_some());
        self.log(&ManagerLog::Event {
            event: if sharded {
                as_one_item(&ev)
            } else {
                ev.clone()
            },
            cold_start: cold,
        })?;
        let max_idle = self.cfg.scenario.checkpoint.max_idle_invocations;
        let (Some(r), Some(t)) = (
            self.reqs.get_mut(&ev.req),
            self.tasks.get_mut(&(ev.req, ev.task)),
        ) else {
            return Ok(());
        };
        if let Some(c) = &ev.checkpoint {
            if c.deadline_met {
                r.summary.checkpoints += 1;
            } else {
                r.summary.missed_checkpoints += 1;
            }
        }
        if let Some(e) = &ev.error {
            let why = format!(
                "failed: invocation {} of task {} on bbu{}: {e}",
                ev.inv, ev.task, ev.bbu
            );
            return self.finish(ev.req, why);
        }
        match ev.outcome {
            Outcome::Completed => {
                r.pending = r.pending.saturating_sub(1);
                if r.pending > 0 {
                    return Ok(());
                }
                let next = r.stage + 1;
                if r.shards > 1 && next < r.msg.items {
                    self.start_stage(ev.req, next)
                } else {
                    self.finish(ev.req, "ok".into())
                }
            }
            Outcome::Checkpointed => {
                // A whole-process image (CRIU, Docker) always keeps the work done.
                let progress = ev.items_done > t.saved_items
                    || self.cfg.scenario.checkpoint.method.get().restores_process();
                t.idle = rules::next_idle(t.idle, progress, ev.evicted);
                t.saved_items = t.saved_items.max(ev.items_done);
                if rules::gives_up(t.idle, max_idle) {
                    return self.finish(ev.req, rules::no_progress_status(max_idle));
                }
                let (state, _) = self.redis.get(&state_key(ev.req, ev.task))?;
                let state = state.unwrap_or_default();
                if let Some(t) = self.tasks.get_mut(&(ev.req, ev.task)) {
                    t.state_len = state.len() as u64;
                }
                self.invoke(ev.req, ev.task, state)
            }
            Outcome::Lost => {
                r.summary.lost_work_ns += ev.end_ns.saturating_sub(ev.start_ns);
                t.idle = rules::next_idle(t.idle, false, ev.evicted);
                if rules::gives_up(t.idle, max_idle) {
                    return self.finish(ev.req, rules::no_progress_status(max_idle));
                }
                let state = if t.state_len > 0 {
                    self.redis
                        .get(&state_key(ev.req, ev.task))?
                        .0
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                self.invoke(ev.req, ev.task, state)
            }
        }
    }

    /// Step 7: the output (or the failure) to the client. A sharded request's output is its
    /// windows' outputs (written by each window's shard 0) in order.
    fn finish(&mut self, req: u32, status: String) -> Result<(), AgentError> {
        let Some(mut r) = self.reqs.remove(&req) else {
            return Ok(());
        };
        let tasks: Vec<u32> = self
            .tasks
            .range((req, 0)..=(req, u32::MAX))
            .map(|(k, _)| k.1)
            .collect();
        for t in &tasks {
            self.tasks.remove(&(req, *t));
        }
        r.summary.status = status.clone();
        let windows: Vec<u32> = if r.shards > 1 {
            (0..r.msg.items).map(|w| w * r.shards).collect()
        } else {
            vec![0]
        };
        let mut output = Vec::new();
        if status == "ok" {
            for t in &windows {
                output.extend(self.redis.get(&output_key(req, *t))?.0.unwrap_or_default());
            }
        }
        let mut msg =
            serde_json::to_vec(&DoneMsg { req, status }).map_err(AgentError::json("done"))?;
        msg.push(b'\n');
        msg.extend_from_slice(&output);
        self.log(&ManagerLog::Request(r.summary))?;
        self.redis.publish(&done_channel(req), &msg)?;
        let mut keys = vec![input_key(req)];
        for t in &tasks {
            keys.push(state_key(req, *t));
            keys.push(output_key(req, *t));
        }
        if r.shards > 1 {
            keys.extend((0..r.msg.items).map(|w| carry_key(req, w)));
        }
        for k in keys {
            self.redis.del(&k)?;
        }
        Ok(())
    }
}

/// A shard task's event as the simulator records it: the task is one item (1 done when it
/// completed, 0 before), whatever safe points inside it were passed.
fn as_one_item(ev: &EventMsg) -> EventMsg {
    let mut e = ev.clone();
    e.items_done = u32::from(ev.outcome == Outcome::Completed);
    if let Some(c) = &mut e.checkpoint {
        c.items_done = 0;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_task_is_one_item_in_the_records() {
        let ev = EventMsg {
            req: 0,
            task: 3,
            inv: 1,
            bbu: 2,
            outcome: Outcome::Checkpointed,
            items_done: 1,
            invoked_ns: 0,
            start_ns: 0,
            end_ns: 0,
            restore_ns: 0,
            work_ns: 0,
            checkpoint: Some(CheckpointInfo {
                items_done: 1,
                ..Default::default()
            }),
            step5_bytes: 0,
            error: None,
            evicted: false,
        };
        let e = as_one_item(&ev);
        assert_eq!(
            (e.items_done, e.checkpoint.map(|c| c.items_done)),
            (0, Some(0))
        );
        let done = as_one_item(&EventMsg {
            outcome: Outcome::Completed,
            items_done: 3,
            checkpoint: None,
            ..ev
        });
        assert_eq!(done.items_done, 1);
        let m = ShardMsg {
            window: 2,
            shard: 1,
            shards: 3,
        };
        assert_eq!((m.task_of(0), m.task_of(2)), (6, 8));
    }
}
