//! Steps 3 and 4: a stage's tasks are placed, λ(f) installed where it is missing, and the
//! invocation queued for a core on its worker.

use super::network::Node;
use super::{Ev, Inv, Msg, Phase, World};
use crate::engine::Context;
use mlsim_core::{PlacementView, RecordSink, SimDuration, SimTime};

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
        #[cfg(debug_assertions)]
        self.check_workers();
        let view = PlacementView {
            workers: &self.workers,
            app: a,
            previous: task.last_bbu.map(mlsim_core::BbuId),
            task: task.index,
            now,
            remaining_work_ns,
            payload_bytes: payload,
        };
        let scanned = cfg!(debug_assertions)
            .then(|| self.policy.scan(&view))
            .flatten();
        let chosen = self.policy.place(&view, &mut self.placement_rng).0;
        if let Some(s) = scanned {
            // Debug builds (every test): the indexed choice is the scan's, decision by decision.
            assert_eq!(
                s.0,
                chosen,
                "placement policy {}: the index chose BBU {chosen}, a scan of all workers BBU {}",
                self.policy.name(),
                s.0
            );
        }
        assert!(
            self.sc.topology.workers.contains(&chosen),
            "placement policy {} chose BBU {chosen}, which is not a worker",
            self.policy.name()
        );
        chosen
    }

    /// Panics if the policy's view of a worker differs from the worker's state (debug builds:
    /// a change of state that forgot [`World::sync`]).
    #[cfg(debug_assertions)]
    fn check_workers(&self) {
        self.workers.check();
        for (p, &b) in self.sc.topology.workers.iter().enumerate() {
            let s = &self.bbus[b as usize];
            let v = self.workers.state(p);
            assert_eq!(
                (v.running, v.queued, v.cran_cores, v.announced_cran_cores),
                (s.running, s.queue.len() as u32, s.cran, s.announced_max()),
                "worker BBU {b}: the policy's view is stale"
            );
            assert_eq!(v.load.to_bits(), s.load.to_bits(), "worker BBU {b}: load");
            for (a, &i) in s.installed.iter().enumerate() {
                assert_eq!(self.workers.warm(p, a), i, "worker BBU {b}: app {a} warm");
            }
        }
    }

    pub(super) fn install_done(&mut self, b: u32, a: u32, ctx: &mut Context<'_, Ev>) {
        let s = &mut self.bbus[b as usize];
        s.installed[a as usize] = true;
        s.installing[a as usize] = false;
        self.workers
            .set_warm(mlsim_core::BbuId(b), a as usize, true);
        for i in std::mem::take(&mut self.awaiting_install[b as usize][a as usize]) {
            self.enqueue(i, ctx);
        }
    }

    pub(super) fn enqueue(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let b = self.invs[i].bbu as usize;
        self.bbus[b].queue.push_back(i);
        self.sync(b);
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
