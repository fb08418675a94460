//! Step 5: an invocation holds a core, restores, runs its set-up and computes; the timeout
//! tracker makes it checkpoint before its deadline, or it finishes; the core is released.

use super::network::Node;
use super::task::{wall, work_in};
use super::{C_RELEASE, C_TRACKER, Ev, Msg, Pending, Phase, World, costs};
use crate::engine::Context;
use mlsim_core::record::{CheckpointRecord, InvocationRecord, Mode, Outcome};
use mlsim_core::scenario::{AppModel, Scenario};
use mlsim_core::{RecordSink, SimDuration, SimTime, rules};

/// The timeout tracker's lead for an invocation of `app` on BBU `bbu` of `sc` that starts with
/// `items_done` items saved: the rule shared with the emulation, [`rules::tracker_lead`], at
/// the BBU's speed. The tracker signals at `deadline − lead` (not before the invocation's first
/// chance to checkpoint).
pub fn tracker_lead(sc: &Scenario, app: &AppModel, bbu: u32, items_done: u32) -> SimDuration {
    let speed = sc.topology.bbus.get(bbu as usize).map_or(1.0, |b| b.speed);
    rules::tracker_lead(app, &sc.checkpoint, items_done, speed)
}

impl<S: RecordSink> World<'_, S> {
    // --- step 5: run, checkpoint or finish ---------------------------------------------------------
    pub(super) fn start(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
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
        self.sync(b);
        let task = &mut self.tasks[t];
        let method = &sc.checkpoint.method;
        let restore = match (method.cost(), task.has_state) {
            (Some(c), true) => costs::restore_time(c, task.state_raw, speed, &mut task.rng),
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
        let (Some(limit), Some(_)) = (sc.checkpoint.r_limit, method.cost()) else {
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
        let lead = tracker_lead(sc, app, b as u32, done_items);
        let signal = SimTime(deadline.0.saturating_sub(lead.0)).max(earliest);
        inv.key = Some(if finish <= signal {
            ctx.schedule_at(finish, C_RELEASE, Ev::Finish(i))
        } else {
            ctx.schedule_at(signal, C_TRACKER, Ev::Tracker(i))
        });
    }

    /// The timeout tracker's signal (r_limit near, or an eviction notice): the invocation
    /// checkpoints at its next chance, or finishes if it gets there first.
    pub(super) fn tracker(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
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
        let time = costs::checkpoint_time(cost, raw, speed, &mut task.rng);
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

    pub(super) fn release(
        &mut self,
        i: usize,
        outcome: Outcome,
        work_ns: u64,
        ctx: &mut Context<'_, Ev>,
    ) {
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
        super::sync_worker(&mut self.workers, b, &self.bbus[b]);
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

    pub(super) fn finish_task(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        let t = self.invs[i].task;
        let task = &mut self.tasks[t];
        let gained = task.work.remaining();
        task.work.saved = task.work.total();
        task.completed = true;
        let (r, out) = (task.req, task.output_bytes);
        self.release(i, Outcome::Completed, gained, ctx);
        self.store(i, r, out, ctx);
    }

    pub(super) fn checkpoint_done(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
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
        task.idle = rules::next_idle(task.idle, gained > 0 || p.setup_progress, evicted);
        let r = task.req;
        self.reqs[r as usize].checkpoints += 1;
        self.release(i, Outcome::Checkpointed, gained, ctx);
        self.store(i, r, p.size, ctx);
    }

    /// The deadline (r_limit or eviction) passed before a checkpoint was on the file system:
    /// the invocation's work since the last checkpoint is lost.
    pub(super) fn deadline(&mut self, i: usize, ctx: &mut Context<'_, Ev>) {
        if let Some(p) = self.invs[i].pending.take() {
            self.sink.checkpoint(p.rec); // deadline_met = false
        }
        let t = self.invs[i].task;
        let evicted = self.invs[i].evicted;
        let task = &mut self.tasks[t];
        task.idle = rules::next_idle(task.idle, false, evicted);
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

    pub(super) fn store(&mut self, i: usize, r: u32, bytes: u64, ctx: &mut Context<'_, Ev>) {
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
}
