//! Steps 3 and 4: a stage's tasks are placed, λ(f) installed where it is missing, and the
//! invocation queued for a core on its worker.

use super::network::Node;
use super::{Ev, Inv, Msg, Phase, World};
use crate::engine::Context;
use mlsim_core::{PlacementView, RecordSink, SimDuration, SimTime, WorkerView};

impl<S: RecordSink> World<'_, S> {
    pub(super) fn start_stage(&mut self, r: u32, ctx: &mut Context<'_, Ev>) {
        let req = &mut self.reqs[r as usize];
        let tasks = req.stages[req.stage].clone();
        req.pending = tasks.len() as u32;
        for t in tasks {
            self.dispatch(t, ctx);
        }
    }

    // --- steps 3 and 4: placement, install, invoke ---------------------------------------------
    pub(super) fn dispatch(&mut self, t: usize, ctx: &mut Context<'_, Ev>) {
        let a = self.app_index(t);
        let app = self.app_of(t);
        let task = &self.tasks[t];
        let p = self.sc.protocol;
        let payload = p.header_bytes
            + p.invoke_bytes
            + task.input_suffix[task.work.items_done(task.work.saved) as usize]
            + if task.has_state { task.state_size } else { 0 };
        let chosen = self.place(t, payload, ctx.now());
        let control = self.control();
        let task = &self.tasks[t];
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

    /// The worker the placement policy chooses for task `t`, whose invocation carries
    /// `payload` bytes, at `now`.
    fn place(&mut self, t: usize, payload: u64, now: SimTime) -> u32 {
        let a = self.app_index(t);
        let app = self.app_of(t);
        let task = &self.tasks[t];
        // What the policy may know of the work left: the app model's mean per item, not the
        // actual draws.
        let items_left = u64::from(task.work.items() - task.work.items_done(task.work.saved));
        let remaining_work_ns =
            items_left * (app.item_time.mean().as_nanos() / u64::from(app.shards.max(1)));
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
            now,
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
        chosen
    }

    pub(super) fn install_done(&mut self, b: u32, a: u32, ctx: &mut Context<'_, Ev>) {
        let s = &mut self.bbus[b as usize];
        s.installed[a as usize] = true;
        s.installing[a as usize] = false;
        for i in std::mem::take(&mut self.awaiting_install[b as usize][a as usize]) {
            self.enqueue(i, ctx);
        }
    }

    pub(super) fn enqueue(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let b = self.invs[i].bbu as usize;
        self.bbus[b].queue.push_back(i);
        self.try_start(b, ctx);
    }

    pub(super) fn try_start(&mut self, b: usize, ctx: &mut Context<'_, Ev>) {
        while let Some(&i) = self.bbus[b].queue.front() {
            let s = &self.bbus[b];
            // A core and the invocation's memory, first in first out (the shared memory rule).
            if s.free_cores() == 0
                || !mlsim_core::rules::memory_fits(s.memory, s.memory_used, self.invs[i].rss)
            {
                break;
            }
            self.bbus[b].queue.pop_front();
            self.start(i, ctx);
        }
    }
}
