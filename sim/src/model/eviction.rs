//! C-RAN load changes and eviction: notices, the cores they take, and which running
//! invocations leave.

use super::task::wall;
use super::{C_LOAD, C_RELEASE, C_TRACKER, Ev, Phase, World};
use crate::engine::Context;
use mlsim_core::scenario::Notice;
use mlsim_core::{RecordSink, SimDuration, SimTime, rules};

impl<S: RecordSink> World<'_, S> {
    /// Eviction notice `ahead`: the change to `load` at `at` is announced now (`grace` before
    /// it). Cores it will take are no longer offered to new invocations, and running ones that
    /// hold them are evicted with deadline `at`. The next change is fetched and announced in
    /// turn, so announcements always run `grace` ahead of the load.
    pub(super) fn notice(&mut self, b: u32, at: SimTime, load: f64, ctx: &mut Context<'_, Ev>) {
        let s = &mut self.bbus[b as usize];
        let cran = rules::cran_cores(load, s.cores);
        s.announce(at, cran);
        self.sync(b as usize);
        ctx.schedule_tied(at, C_LOAD, b, Ev::Load { bbu: b, load });
        if let Some((next, l)) = self.next_load_change(b as usize, ctx.now()) {
            let when = SimTime(next.0.saturating_sub(self.sc.eviction.grace.0)).max(ctx.now());
            ctx.schedule_tied(
                when,
                C_LOAD,
                b,
                Ev::Notice {
                    bbu: b,
                    at: next,
                    load: l,
                },
            );
        }
        self.evict(b as usize, at, ctx);
    }

    pub(super) fn load(&mut self, b: u32, load: f64, ctx: &mut Context<'_, Ev>) {
        let now = ctx.now();
        let s = &mut self.bbus[b as usize];
        s.advance(now);
        s.cran = rules::cran_cores(load, s.cores);
        s.load = load;
        self.policy
            .observe_load(mlsim_core::BbuId(b), now, now, load);
        match self.sc.eviction.notice {
            Notice::Ahead => {
                self.bbus[b as usize].announced_done();
            }
            notice => {
                if let Some((at, next)) = self.next_load_change(b as usize, now) {
                    ctx.schedule_tied(at, C_LOAD, b, Ev::Load { bbu: b, load: next });
                }
                if notice == Notice::OnChange {
                    self.evict(b as usize, now + self.sc.eviction.grace, ctx);
                }
            }
        }
        self.sync(b as usize);
        self.try_start(b as usize, ctx);
    }

    /// Evicts as many running invocations of BBU `b` as C-RAN's coming (or current) share
    /// needs, youngest first (the most recent start; ties: the larger table index), each with the
    /// deadline `deadline`. An invocation already evicted is counted as leaving.
    pub(super) fn evict(&mut self, b: usize, deadline: SimTime, ctx: &mut Context<'_, Ev>) {
        let s = &self.bbus[b];
        // Ties of start time: the larger invocation table index leaves first.
        let staying: Vec<(u64, u64, usize)> = s
            .active
            .iter()
            .filter(|&&i| !self.invs[i].evicted)
            .map(|&i| (self.invs[i].start.0, i as u64, i))
            .collect();
        for i in s.eviction_victims(&staying) {
            self.evict_one(i, deadline, ctx);
        }
    }

    pub(super) fn evict_one(&mut self, i: usize, deadline: SimTime, ctx: &mut Context<'_, Ev>) {
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
}
