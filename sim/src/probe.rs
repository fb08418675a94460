//! The checkpoint probe behind the paper's Figs. 4 and 5: "50 checkpoints made after random
//! application execution duration". Each sample runs the app (all items of one request, on one
//! reference core) for a duration drawn uniformly over its whole execution, then checkpoints
//! with the scenario's method; μλ first runs on to the next safe point. Checkpoint time and size
//! come from the same cost and size models the protocol simulation uses.

use crate::model::{SimError, costs, task::Work};
use mlsim_core::record::{CheckpointRecord, Mode};
use mlsim_core::scenario::Scenario;
use mlsim_core::{RecordSink, RngStreams};
use rand::Rng;

/// Takes `samples` checkpoints; sample `i` uses the streams `probe/<i>/items` and
/// `probe/<i>/checkpoint`. Long-running takes no checkpoints and yields no records.
pub fn probe<S: RecordSink>(
    sc: &Scenario,
    samples: u32,
    run: u32,
    sink: &mut S,
) -> Result<u32, SimError> {
    let app = &sc.workloads[0].app;
    let Some(cost) = sc.checkpoint.method.cost() else {
        return Ok(0);
    };
    let method = sc.checkpoint.method.get();
    let streams = RngStreams::new(sc.seed);
    let bbu = *sc.topology.workers.first().ok_or(SimError::NoWorkers)?;
    for i in 0..samples {
        let mut items_rng = streams.stream(&format!("probe/{i}/items"));
        let works: Vec<u64> = (0..sc.workloads[0].items)
            .map(|_| costs::duration(&app.item_time, &mut items_rng).as_nanos())
            .collect();
        let work = Work::new(&works, app.segments);
        let mut rng = streams.stream(&format!("probe/{i}/checkpoint"));
        let at = if work.total() == 0 {
            0
        } else {
            rng.random_range(0..work.total())
        };
        let pos = if method.stops_at_safe_points() {
            work.next_safe_point(at)
        } else {
            at
        };
        let items = work.items_done(pos);
        let (model, ratio) = method.captured(app);
        let raw = ((model.at(items) as f64) * costs::noise(app.size_cv, &mut rng)).round() as u64;
        // A probe measures on a reference core, as `mlsim emu checkpoints` does.
        let time = costs::checkpoint_time(cost, raw, 1.0, &mut rng);
        sink.checkpoint(CheckpointRecord {
            run,
            mode: Mode::Sim,
            app: app.name.clone(),
            method: sc.checkpoint.method.name().into(),
            request: i,
            task: 0,
            invocation: 0,
            bbu,
            start_ns: pos,
            safepoint_wait_ns: pos - at,
            time_ns: time.0,
            items_done: items,
            raw_bytes: raw,
            size_bytes: (raw as f64 * ratio).round() as u64,
            deadline_met: true,
        });
    }
    Ok(samples)
}
