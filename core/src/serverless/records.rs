//! The serverless machine's records at the end of an instance's life and of the run:
//! `instances.csv` and `pools.csv` rows.

use super::Machine;
use super::state::IState;
use crate::record::{InstanceEnd, InstanceRecord, PoolRecord};
use crate::{RecordSink, SimTime};
use std::borrow::Cow;

impl Machine<'_> {
    pub(super) fn instance_record(&self, now: SimTime, i: u32, why: InstanceEnd) -> InstanceRecord {
        let inst = &self.insts[i as usize];
        let (mut idle, mut busy) = (inst.idle_ns, inst.busy_ns);
        let dt = now.saturating_since(inst.since).as_nanos();
        match inst.st {
            IState::Idle => idle += dt,
            IState::Busy => busy += dt,
            _ => {}
        }
        InstanceRecord {
            run: self.run,
            mode: self.mode,
            policy: Cow::Borrowed(self.policy_name),
            instance: inst.number,
            function: inst.f,
            bbu: inst.bbu,
            prewarmed: inst.prewarmed,
            created_ns: inst.created.0,
            ready_ns: inst.ready.map(|t| t.0),
            end_ns: now.0,
            end: why,
            cold_start_s: inst
                .ready
                .map(|t| t.saturating_since(inst.created).as_secs_f64()),
            invocations: inst.invocations,
            idle_s: idle as f64 * 1e-9,
            busy_s: busy as f64 * 1e-9,
        }
    }

    /// Ends the run at `end`: live instances are recorded as ended by the run, then each
    /// worker's `pools.csv` row. Returns the invocations served.
    pub fn finish<S: RecordSink>(mut self, end: SimTime, sink: &mut S) -> u64 {
        let live: Vec<u32> = (0..self.insts.len() as u32)
            .filter(|&i| self.insts[i as usize].st != IState::Free)
            .collect();
        let mut recs: Vec<InstanceRecord> = live
            .into_iter()
            .map(|i| self.instance_record(end, i, InstanceEnd::RunEnd))
            .collect();
        recs.sort_by_key(|r| r.instance);
        for r in recs {
            sink.instance(r);
        }
        let horizon = end.as_secs_f64();
        let mib_s = |x: f64| x * 1e-9 / (1024.0 * 1024.0);
        for &w in &self.workers.clone() {
            let bb = &mut self.bbus[w as usize];
            bb.advance(end);
            sink.pool(PoolRecord {
                run: self.run,
                mode: self.mode,
                policy: Cow::Borrowed(self.policy_name),
                bbu: w,
                memory_mib: bb.capacity as f64 / (1024.0 * 1024.0),
                horizon_s: horizon,
                idle_mib_s: mib_s(bb.held_int[2]),
                busy_mib_s: mib_s(bb.held_int[1]),
                starting_mib_s: mib_s(bb.held_int[0]),
                peak_mib: bb.peak as f64 / (1024.0 * 1024.0),
                cold_starts: bb.cold_starts,
                prewarms: bb.prewarms,
                pulls: bb.pulls,
                pressure_reclaims: bb.pressure,
                invocations: bb.invocations,
                cran_cores_mean: if end.0 > 0 {
                    bb.cran_int / end.0 as f64
                } else {
                    f64::from(bb.cran)
                },
            });
        }
        self.served
    }
}
