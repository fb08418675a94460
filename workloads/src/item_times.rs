//! Per-item measurements of taxi and stress in this process, for `mlsim calibrate`: compute time
//! per item and output bytes per item.
//!
//! The workloads are built from the inputs `mlsim emu` gives the `mlsim-workload` program for
//! `items` items and a seed (`WorkloadRun::argv` in mlsim-emu): each `step()` is one item and is
//! timed alone, so the per-item distribution (mean and cv) is observed directly. Set-up (building
//! inputs, training) is not timed here; the emulation measures it on the real program. Face (a
//! separate dlib program) is timed by the emulation, by whole runs of its program.
//!
//! Output bytes per item: the JSON line plus newline each item writes to its output file, which
//! is what the emulation's worker returns to the client in step 7.

use std::time::Instant;

use mlsim_core::app::App;
use mlsim_core::calibration::ItemTimes;
use serde::Serialize;

use crate::apps::{StressOptions, TaxiOptions};
use crate::checkpoint::{Resumable, Step};
use crate::stress::StressError;
use crate::taxi::TaxiError;

/// Why items could not be timed.
#[derive(Debug, thiserror::Error)]
pub enum ItemTimesError {
    /// The taxi workload could not be built.
    #[error("building the taxi workload")]
    Taxi(#[source] TaxiError),
    /// The stress workload could not be built.
    #[error("building the stress workload")]
    Stress(#[source] StressError),
    /// An item failed.
    #[error("{app} item {index}: {message}")]
    Step {
        /// The workload.
        app: &'static str,
        /// The item, from 0.
        index: usize,
        /// The workload's error.
        message: String,
    },
    /// An item's output could not be serialised.
    #[error(transparent)]
    Output(#[from] serde_json::Error),
    /// More items than this machine can count.
    #[error(transparent)]
    Count(#[from] std::num::TryFromIntError),
    /// The app does not run in this process (face: its own program).
    #[error("{0} items are not timed in process: it runs as its own program")]
    NotInProcess(App),
}

fn step_all<W>(mut w: W, max: u64) -> Result<ItemTimes, ItemTimesError>
where
    W: Resumable,
    W::Output: Serialize,
{
    let (mut item_ms, mut output_bytes) = (Vec::new(), Vec::new());
    while (item_ms.len() as u64) < max {
        let t = Instant::now();
        let step = w.step().map_err(|e| ItemTimesError::Step {
            app: W::APP,
            index: item_ms.len(),
            message: e.to_string(),
        })?;
        let dt = t.elapsed();
        match step {
            Step::Done => break,
            Step::Item(o) => {
                item_ms.push(dt.as_secs_f64() * 1e3);
                output_bytes.push((serde_json::to_vec(&o)?.len() + 1) as f64);
            }
        }
    }
    Ok(ItemTimes {
        how: format!("{} items timed one by one in process", item_ms.len()),
        item_ms,
        output_bytes,
    })
}

/// Times `items` items of `app` (taxi or stress) with seed `seed`, one by one in this process.
pub fn item_times(app: App, items: u64, seed: u64) -> Result<ItemTimes, ItemTimesError> {
    match app {
        App::Taxi => {
            let n = usize::try_from(items)?;
            let w = TaxiOptions {
                requests: n,
                items: Some(n),
                seed,
                ..TaxiOptions::default()
            }
            .build()
            .map_err(ItemTimesError::Taxi)?;
            step_all(w, items)
        }
        App::Stress => {
            let blocks = (items * 30).div_ceil(300) + 2;
            let w = StressOptions {
                blocks: usize::try_from(blocks)?,
                items: Some(u32::try_from(items)?),
                seed,
                ..StressOptions::default()
            }
            .build()
            .map_err(ItemTimesError::Stress)?;
            step_all(w, items)
        }
        App::Face => Err(ItemTimesError::NotInProcess(app)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_timed_and_its_json_line_counted() {
        // 5 taxi requests on the built-in grid: 5 times and 5 output sizes (a JSON object and
        // its newline: at least `{}` + 1 = 3 bytes).
        let t = item_times(App::Taxi, 5, 1).expect("taxi");
        assert_eq!((t.item_ms.len(), t.output_bytes.len()), (5, 5));
        assert!(t.item_ms.iter().all(|x| x.is_finite() && *x >= 0.0));
        assert!(t.output_bytes.iter().all(|b| *b >= 3.0), "{t:?}");
        assert_eq!(t.how, "5 items timed one by one in process");
        assert!(matches!(
            item_times(App::Face, 5, 1),
            Err(ItemTimesError::NotInProcess(App::Face))
        ));
    }
}
