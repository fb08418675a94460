//! The timeout tracker's lead: how long before an invocation's deadline the tracker signals it
//! to checkpoint.

use crate::SimDuration;
use crate::scenario::{AppModel, CheckpointConfig};

/// A budget for a random duration of mean `mean` and coefficient of variation `cv`, `k`
/// standard deviations above the mean: `mean × (1 + k·cv)` [ns, rounded to nearest].
pub fn budget(mean: SimDuration, cv: f64, k: f64) -> SimDuration {
    SimDuration::from_nanos_f64(mean.as_nanos() as f64 * (1.0 + k * cv))
}

/// The tracker's lead for an invocation of `app` on a BBU of relative speed `speed` that starts
/// with `items_done` items saved: the tracker signals at `deadline − lead`.
///
/// `lead = tracker_margin + budget(checkpoint time of the state at the start) + (μλ only)
/// budget(one segment of one task item on this BBU)`, each budget `mean × (1 + k·cv)` with
/// `k = tracker_sigmas` ([`budget`]):
/// - the checkpoint time's mean is the cost model's at the size the method captures after
///   `items_done` items (the expected size, not a draw) on this BBU (its CPU share scaled by
///   the speed, [`crate::scenario::CostModel::checkpoint_mean_at`]), its cv the cost model's;
/// - a segment is `item_time.mean / shards / segments` of work [ns of work], which takes
///   `wall(segment, speed)` \[ns\] on this BBU ([`super::wall`]): a μλ invocation runs on to
///   its next safe point after the signal, and on a BBU of speed `s` it gets there `s` times
///   as fast; its cv is the item time's.
///
/// Zero for a method that takes no checkpoints (long-running): there is no tracker.
pub fn tracker_lead(
    app: &AppModel,
    checkpoint: &CheckpointConfig,
    items_done: u32,
    speed: f64,
) -> SimDuration {
    let method = checkpoint.method.get();
    let Some(cost) = checkpoint.method.cost() else {
        return SimDuration::ZERO;
    };
    let k = checkpoint.tracker_sigmas;
    let expected_raw = method.captured(app).0.at(items_done);
    let mut lead = checkpoint.tracker_margin
        + budget(
            cost.checkpoint_mean_at(expected_raw, speed),
            cost.checkpoint_cv,
            k,
        );
    if method.stops_at_safe_points() {
        // A task's items are whole items, or 1/shards of one when the app is sharded.
        let per_task_item = app.item_time.mean().as_nanos() / u64::from(app.shards.max(1));
        let segment = per_task_item / u64::from(app.segments.max(1));
        lead += budget(
            SimDuration(super::wall(segment, speed)),
            app.item_time.cv(),
            k,
        );
    }
    lead
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::scenario::{CostModel, Method, SizeModel, TimeDist};

    const MIB: u64 = 1 << 20;

    fn ms(x: u64) -> SimDuration {
        SimDuration::from_millis(x)
    }

    /// Items of mean 1 s (cv 0.2), 2 segments each; μλ state 1 MiB + 1 MiB per item done; CRIU
    /// captures the 2 MiB resident memory.
    fn app(shards: u32) -> AppModel {
        let size = |base, per_item| SizeModel {
            base,
            per_item,
            max: u64::MAX,
        };
        AppModel {
            name: "a".into(),
            item_label: "items".into(),
            item_time: TimeDist::LogNormal {
                mean: SimDuration::from_secs(1),
                cv: 0.2,
            },
            setup: None,
            segments: 2,
            shards,
            join_time: SimDuration::ZERO,
            input_bytes_per_item: 0,
            first_item_extra_bytes: 0,
            output_bytes_per_item: 0,
            state: size(MIB, MIB),
            state_compression: 0.5,
            rss: size(2 * MIB, 0),
            setup_rss: None,
            image_compression: 0.25,
            size_cv: 0.0,
        }
    }

    /// Margin 10 ms, k = 3; checkpoint time 100 ms + 50 ms/MiB, cv 0.1.
    fn config(method: fn(CostModel) -> Method) -> CheckpointConfig {
        let cost = CostModel {
            checkpoint_base: ms(100),
            checkpoint_per_mib_ns: 50e6,
            checkpoint_cv: 0.1,
            restore_base: SimDuration::ZERO,
            restore_per_mib_ns: 0.0,
            restore_cv: 0.0,
            checkpoint_cpu_share: 0.0,
            restore_cpu_share: 0.0,
            checkpoint_per_mib_cpu_share: 0.0,
            restore_per_mib_cpu_share: 0.0,
        };
        CheckpointConfig {
            method: method(cost),
            r_limit: Some(SimDuration::from_secs(5)),
            tracker_margin: ms(10),
            tracker_sigmas: 3.0,
            max_idle_invocations: 3,
        }
    }

    #[test]
    fn microlambda_budgets_margin_checkpoint_and_one_segment_at_the_bbus_speed() {
        let ml = config(|c| Method::named("microlambda", c));
        // Checkpoint of 1 MiB (no item done): 100 + 50 = 150 ms, budget 150 × (1 + 3·0.1) =
        // 195 ms. A segment is 1 s / 2 = 500 ms of work, budget × (1 + 3·0.2) = × 1.6.
        // Speed 1: 500 ms → 800 ms; lead = 10 + 195 + 800 = 1005 ms.
        assert_eq!(tracker_lead(&app(1), &ml, 0, 1.0), ms(1005));
        // Speed 2: 500 ms of work take 250 ms → 400 ms; lead = 10 + 195 + 400 = 605 ms.
        assert_eq!(tracker_lead(&app(1), &ml, 0, 2.0), ms(605));
        // Speed 0.5: 1000 ms → 1600 ms; lead = 10 + 195 + 1600 = 1805 ms.
        assert_eq!(tracker_lead(&app(1), &ml, 0, 0.5), ms(1805));
        // Two items done: 3 MiB, 100 + 150 = 250 ms → 325 ms; lead = 10 + 325 + 800 = 1135 ms.
        assert_eq!(tracker_lead(&app(1), &ml, 2, 1.0), ms(1135));
        // 4 shards: a task item is 250 ms, a segment 125 ms → 200 ms; 10 + 195 + 200 = 405 ms.
        assert_eq!(tracker_lead(&app(4), &ml, 0, 1.0), ms(405));
    }

    #[test]
    fn a_process_dump_budgets_no_segment_and_long_running_has_no_tracker() {
        let criu = config(|c| Method::named("criu", c));
        // 2 MiB resident: 100 + 100 = 200 ms → 260 ms; lead = 10 + 260 = 270 ms at any speed.
        assert_eq!(tracker_lead(&app(1), &criu, 0, 1.0), ms(270));
        assert_eq!(tracker_lead(&app(1), &criu, 5, 2.0), ms(270));
        let lr = config(|_| Method::long_running());
        assert_eq!(tracker_lead(&app(1), &lr, 0, 1.0), SimDuration::ZERO);
    }
}
