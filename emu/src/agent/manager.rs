//! The manager (in the store host, next to Redis): hears requests and worker events (steps 2
//! and 6), places each invocation with the run's placement policy (the simulator's own
//! [`mlsim_core::Placement`] trait objects), installs λ(f) on first use (step 3), invokes
//! (step 4), and publishes results to the client (step 7).
//!
//! It runs one event loop on its Redis subscription: the install and invoke calls are short
//! (the worker answers `202 Accepted` before running the workload), so requests are handled in
//! arrival order without threads.

use super::http::post;
use super::protocol::*;
use super::resp::Resp;
use super::worker::join_invoke;
use super::{AgentError, log_line, since};
use mlsim_core::record::Outcome;
use mlsim_core::scenario::{Method, Scenario};
use mlsim_core::{BbuId, Placement, PlacementView, SimDuration, Stream, WorkerView};
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
    };
    super::worker::timeline::load_at(&cfg, b, now)
}

/// The tracker's lead for an invocation that starts with `items_done` items saved [ns]: the
/// simulator's formula (margin + checkpoint budget + for μλ one segment's budget, each budget
/// mean × (1 + k·cv)).
pub fn tracker_lead(sc: &Scenario, items_done: u32) -> u64 {
    let Some(cost) = sc.checkpoint.method.cost() else {
        return 0;
    };
    let app = &sc.workloads[0].app;
    let k = sc.checkpoint.tracker_sigmas;
    let budget = |mean: SimDuration, cv: f64| mean.as_nanos() as f64 * (1.0 + k * cv);
    let raw = sc.checkpoint.method.get().captured(app).0.at(items_done);
    let mut lead = sc.checkpoint.tracker_margin.as_nanos() as f64
        + budget(cost.checkpoint_mean(raw), cost.checkpoint_cv);
    if sc.checkpoint.method.get().stops_at_safe_points() {
        let per_task_item = app.item_time.mean().as_nanos() / u64::from(app.shards.max(1));
        let segment = SimDuration(per_task_item / u64::from(app.segments.max(1)));
        lead += budget(segment, app.item_time.cv());
    }
    lead as u64
}

/// The method as the worker needs it.
pub fn method_kind(m: &Method) -> MethodKind {
    match m {
        Method::LongRunning(_) => MethodKind::LongRunning,
        Method::MicroLambda(_) => MethodKind::Microlambda,
        Method::Criu(_) => MethodKind::Criu,
        Method::Docker(_) => MethodKind::Docker,
    }
}

struct Task {
    msg: RequestMsg,
    input: Vec<u8>,
    inv: u32,
    saved_items: u32,
    last_bbu: Option<u32>,
    idle: u32,
    state_len: u64,
    summary: RequestSummary,
}

struct Manager<'a> {
    cfg: &'a ManagerConfig,
    redis: Resp,
    policy: Box<dyn Placement>,
    rng: Stream,
    warm: BTreeSet<u32>,
    running: BTreeMap<u32, u32>,
    tasks: BTreeMap<u32, Task>,
    /// (request, invocation) → whether it was a cold start.
    cold: BTreeMap<(u32, u32), bool>,
}

/// Runs the manager until it is killed.
pub fn run(cfg: &ManagerConfig) -> Result<(), AgentError> {
    let sc = &cfg.scenario;
    let policy = mlsim_core::policies::build(&sc.placement, &sc.placement_params)
        .ok_or_else(|| AgentError::Other(format!("unknown placement policy {}", sc.placement)))?;
    let mut sub = Resp::connect(cfg.common.redis, Duration::from_secs(20))?;
    sub.subscribe(&[REQUESTS, EVENTS])?;
    let mut m = Manager {
        cfg,
        redis: Resp::connect(cfg.common.redis, Duration::from_secs(20))?,
        policy,
        rng: mlsim_core::RngStreams::new(sc.seed).stream("placement"),
        warm: BTreeSet::new(),
        running: BTreeMap::new(),
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

impl Manager<'_> {
    fn log(&self, l: &ManagerLog) -> Result<(), AgentError> {
        log_line(&self.cfg.common.log, l)
    }

    fn on_request(&mut self, msg: RequestMsg) -> Result<(), AgentError> {
        let (input, _) = self.redis.get(&input_key(msg.req))?;
        let req = msg.req;
        self.tasks.insert(
            req,
            Task {
                input: input.unwrap_or_default(),
                inv: 0,
                saved_items: 0,
                last_bbu: None,
                idle: 0,
                state_len: 0,
                summary: RequestSummary {
                    req,
                    status: "ok".into(),
                    ..Default::default()
                },
                msg,
            },
        );
        self.invoke(req, Vec::new())
    }

    /// The policy's view of the workers now: C-RAN's current and announced cores (the load
    /// process replayed to now), and the invocations sent to each worker and not yet reported,
    /// split as the worker's admission splits them (as many running as cores are offered, the
    /// rest queued; the manager does not see evicted invocations that still hold a core).
    fn views(&self, payload: u64) -> Vec<WorkerView> {
        let t = &self.cfg.scenario.topology;
        let now = since(self.cfg.common.epoch_unix_ns);
        self.cfg
            .workers
            .iter()
            .map(|(b, _)| {
                let bbu = &t.bbus[*b as usize];
                let c = current_load(&self.cfg.scenario, *b, now);
                let offered = bbu.cores.saturating_sub(c.cran.max(c.announced_max));
                let outstanding = self.running.get(b).copied().unwrap_or(0);
                let running = outstanding.min(offered);
                let _ = payload;
                WorkerView {
                    bbu: BbuId(*b),
                    free_cores: offered - running,
                    running,
                    queued: outstanding - running,
                    warm: self.warm.contains(b),
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

    /// Steps 3 and 4 for the task of `req`, with state `state` (empty: from scratch).
    fn invoke(&mut self, req: u32, state: Vec<u8>) -> Result<(), AgentError> {
        let sc = &self.cfg.scenario;
        let now = since(self.cfg.common.epoch_unix_ns);
        let Some(t) = self.tasks.get(&req) else {
            return Ok(());
        };
        let items = t.msg.items.max(1);
        // The input not processed yet (items are equal parts of it).
        let from = (t.input.len() as u64 * u64::from(t.saved_items) / u64::from(items)) as usize;
        let input = t.input[from.min(t.input.len())..].to_vec();
        let views = self.views(input.len() as u64 + state.len() as u64);
        let view = PlacementView {
            workers: &views,
            previous: t.last_bbu.map(BbuId),
            task: 0,
            now: mlsim_core::SimTime(now),
            remaining_work_ns: sc.workloads[0].app.item_time.mean().as_nanos()
                * u64::from(t.msg.items.saturating_sub(t.saved_items)),
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
        let cold = !self.warm.contains(&bbu);
        if cold {
            let body = serde_json::to_vec(&InstallMsg {
                app: t.msg.app.clone(),
            })
            .map_err(AgentError::json("install"))?;
            let r = post(addr, "/install", &body, timeout)?;
            self.log(&ManagerLog::Step {
                req,
                step: 3,
                bytes: r.sent,
            })?;
            if r.status != 200 {
                let why = String::from_utf8_lossy(&r.body).into_owned();
                return self.finish(req, format!("failed: install on bbu{bbu}: {why}"));
            }
            self.warm.insert(bbu);
        }
        let t = self.tasks.get_mut(&req).expect("checked above");
        let msg = InvokeMsg {
            req,
            task: 0,
            inv: t.inv,
            app: t.msg.app.clone(),
            items: t.msg.items,
            seed: t.msg.seed,
            method: method_kind(&sc.checkpoint.method),
            r_limit_ns: sc.checkpoint.r_limit.map(|d| d.as_nanos()),
            lead_ns: tracker_lead(sc, t.saved_items),
            input_len: input.len() as u64,
            state_len: state.len() as u64,
            sent_ns: since(self.cfg.common.epoch_unix_ns),
            cold_start: cold,
        };
        if t.last_bbu.is_some_and(|b| b != bbu) {
            t.summary.migrations += 1;
        }
        t.last_bbu = Some(bbu);
        t.inv += 1;
        t.summary.invocations += 1;
        if cold {
            t.summary.cold_starts += 1;
        }
        let body = join_invoke(&msg, &input, &state)?;
        let r = post(addr, "/invoke", &body, timeout)?;
        self.log(&ManagerLog::Step {
            req,
            step: 4,
            bytes: r.sent,
        })?;
        if r.status != 202 {
            let why = String::from_utf8_lossy(&r.body).into_owned();
            return self.finish(req, format!("failed: invoke on bbu{bbu}: {why}"));
        }
        *self.running.entry(bbu).or_default() += 1;
        // Remember whether this invocation was a cold start for the event log.
        self.cold.insert((req, msg.inv), cold);
        Ok(())
    }

    fn on_event(&mut self, ev: EventMsg) -> Result<(), AgentError> {
        if let Some(r) = self.running.get_mut(&ev.bbu) {
            *r = r.saturating_sub(1);
        }
        let cold = self.cold.remove(&(ev.req, ev.inv)).unwrap_or(false);
        self.log(&ManagerLog::Event {
            event: ev.clone(),
            cold_start: cold,
        })?;
        let max_idle = self.cfg.scenario.checkpoint.max_idle_invocations;
        let Some(t) = self.tasks.get_mut(&ev.req) else {
            return Ok(());
        };
        if let Some(c) = &ev.checkpoint {
            if c.deadline_met {
                t.summary.checkpoints += 1;
            } else {
                t.summary.missed_checkpoints += 1;
            }
        }
        if let Some(e) = &ev.error {
            let why = format!("failed: invocation {} on bbu{}: {e}", ev.inv, ev.bbu);
            return self.finish(ev.req, why);
        }
        match ev.outcome {
            Outcome::Completed => self.finish(ev.req, "ok".into()),
            Outcome::Checkpointed => {
                // A whole-process image (CRIU, Docker) always keeps the work done.
                let progress = ev.items_done > t.saved_items
                    || self.cfg.scenario.checkpoint.method.get().restores_process();
                t.idle = if progress { 0 } else { t.idle + 1 };
                t.saved_items = t.saved_items.max(ev.items_done);
                let idle = t.idle;
                if idle >= max_idle {
                    let why = format!("failed: {idle} invocations in a row without progress");
                    return self.finish(ev.req, why);
                }
                let (state, _) = self.redis.get(&state_key(ev.req, 0))?;
                let state = state.unwrap_or_default();
                t.state_len = state.len() as u64;
                self.invoke(ev.req, state)
            }
            Outcome::Lost => {
                t.summary.lost_work_ns += ev.end_ns.saturating_sub(ev.start_ns);
                t.idle += 1;
                let idle = t.idle;
                if idle >= max_idle {
                    let why = format!("failed: {idle} invocations in a row without progress");
                    return self.finish(ev.req, why);
                }
                let state = if t.state_len > 0 {
                    self.redis.get(&state_key(ev.req, 0))?.0.unwrap_or_default()
                } else {
                    Vec::new()
                };
                self.invoke(ev.req, state)
            }
        }
    }

    /// Step 7: the output (or the failure) to the client.
    fn finish(&mut self, req: u32, status: String) -> Result<(), AgentError> {
        let Some(mut t) = self.tasks.remove(&req) else {
            return Ok(());
        };
        t.summary.status = status.clone();
        let output = if status == "ok" {
            self.redis.get(&output_key(req, 0))?.0.unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut msg =
            serde_json::to_vec(&DoneMsg { req, status }).map_err(AgentError::json("done"))?;
        msg.push(b'\n');
        msg.extend_from_slice(&output);
        self.log(&ManagerLog::Request(t.summary))?;
        self.redis.publish(&done_channel(req), &msg)?;
        for k in [input_key(req), state_key(req, 0), output_key(req, 0)] {
            self.redis.del(&k)?;
        }
        Ok(())
    }
}
