//! Step 6: the Manager continues a task (next invocation, next stage, or gives up); step 7:
//! the client is told.

use super::network::Node;
use super::{C_SUBMIT, Ev, Msg, World};
use crate::engine::Context;
use mlsim_core::scenario::Arrival;
use mlsim_core::{RecordSink, SimDuration, rules};

impl<S: RecordSink> World<'_, S> {
    // --- step 6: the manager continues, or step 7: the client is told ----------------------------
    pub(super) fn manager_notified(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
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
    pub(super) fn free_if_over(&mut self, r: usize) {
        let q = &self.reqs[r];
        if q.done && q.outstanding == 0 {
            for &t in q.stages.iter().flatten() {
                self.tasks.free(t);
            }
            self.reqs.free(r);
        }
    }

    pub(super) fn continue_task(&mut self, t: usize, r: usize, ctx: &mut Context<'_, Ev>) {
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
        } else if rules::gives_up(self.tasks[t].idle, max_idle) {
            self.reqs[r].failed = Some(rules::no_progress_status(max_idle));
            self.result(r as u32, 0, ctx);
        } else {
            self.dispatch(t, ctx);
        }
    }

    pub(super) fn result(&mut self, r: u32, bytes: u64, ctx: &mut Context<'_, Ev>) {
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

    pub(super) fn client_notified(&mut self, r: u32, ctx: &mut Context<'_, Ev>) {
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
}
