//! Request records and the end-of-run records (unfinished requests, BBUs, links, steps).

use super::World;
use mlsim_core::record::{Mode, RequestRecord};
use mlsim_core::{RecordSink, SimTime};

impl<S: RecordSink> World<'_, S> {
    pub(super) fn emit_request(&mut self, r: u32, done: Option<SimTime>) {
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

    /// End of run: records for unfinished requests, BBUs, links and steps.
    pub(super) fn finish(&mut self, end: SimTime) {
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
