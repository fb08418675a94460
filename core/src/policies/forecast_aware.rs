//! Forecast-aware: predicts each BBU's C-RAN load over the task's expected remaining runtime
//! and avoids BBUs that are about to take their cores back.
//!
//! Each BBU's load is tracked by Holt's linear (double exponential) smoothing for irregularly
//! spaced observations (every load change the policy is shown):
//!
//! ```text
//! predicted = level + trend · Δt
//! level'    = α · x + (1 − α) · predicted
//! trend'    = β · (level' − level) / Δt + (1 − β) · trend        [load fraction / s]
//! ```
//!
//! For a candidate of speed s the task is expected to run for h = remaining work / s (capped at
//! `max_horizon_s`). The load is forecast at the start and at the end of that window (a linear
//! forecast peaks at one of them), and the C-RAN cores expected are the most of: the forecast
//! peak as ⌈load · cores⌉, the cores C-RAN uses now and the cores it has announced. The policy
//! picks the worker with the most cores expected to stay free for the task,
//!
//! ```text
//! expected free = cores − expected C-RAN cores − running − queued
//! ```
//!
//! ties going to the faster worker, then a warm one, then the lowest BBU index.

use crate::id::BbuId;
use crate::policy::{Placement, PlacementView, WorkerView};
use crate::rng::Stream;
use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::VecDeque;

/// The policy's parameters, in the order [`ForecastAware::new`] takes them.
pub const PARAMS: &[super::Param] = &[
    super::Param {
        name: "alpha",
        default: 0.5,
        min: 0.0,
        max: 1.0,
        doc: "level smoothing α of Holt's method (1 = trust the last observation)",
    },
    super::Param {
        name: "beta",
        default: 0.1,
        min: 0.0,
        max: 1.0,
        doc: "trend smoothing β of Holt's method (0 = no trend)",
    },
    super::Param {
        name: "max_horizon_s",
        default: 300.0,
        min: 0.0,
        max: 1e9,
        doc: "longest look-ahead [s]; a linear trend is not trusted further",
    },
];

/// Holt's linear smoothing of one load series observed at irregular times.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Holt {
    level: f64,
    /// [load fraction / s]
    trend: f64,
    last: SimTime,
    seen: bool,
}

impl Holt {
    /// Takes observation `x` at time `t` (times never decrease).
    pub fn observe(&mut self, t: SimTime, x: f64, alpha: f64, beta: f64) {
        if !self.seen {
            *self = Holt {
                level: x,
                trend: 0.0,
                last: t,
                seen: true,
            };
            return;
        }
        let dt = t.saturating_since(self.last).as_secs_f64();
        if dt <= 0.0 {
            // A second value at the same instant replaces the first.
            self.level = alpha * x + (1.0 - alpha) * self.level;
            return;
        }
        let predicted = self.level + self.trend * dt;
        let level = alpha * x + (1.0 - alpha) * predicted;
        self.trend = beta * (level - self.level) / dt + (1.0 - beta) * self.trend;
        self.level = level;
        self.last = t;
    }

    /// The forecast for time `t` (clamped to 0..1), or `None` before the first observation.
    pub fn forecast(&self, t: SimTime) -> Option<f64> {
        self.seen.then(|| {
            let dt = t.saturating_since(self.last).as_secs_f64();
            (self.level + self.trend * dt).clamp(0.0, 1.0)
        })
    }
}

/// Places where the fewest cores are expected to be taken back by C-RAN.
#[derive(Clone, Debug)]
pub struct ForecastAware {
    alpha: f64,
    beta: f64,
    max_horizon_s: f64,
    /// Per BBU: the smoothing of the samples whose time has come.
    holt: Vec<Holt>,
    /// Per BBU: samples told ahead of their time, in time order (see
    /// [`Placement::observe_load`]); each joins the smoothing once its time has come.
    pending: Vec<VecDeque<(SimTime, f64)>>,
}

impl ForecastAware {
    /// A policy with smoothing factors `alpha`, `beta` and a look-ahead cap \[s\].
    pub fn new(alpha: f64, beta: f64, max_horizon_s: f64) -> Self {
        ForecastAware {
            alpha,
            beta,
            max_horizon_s,
            holt: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// BBU `b`'s smoothing with every sample up to `now`, leaving later ones pending.
    fn settle(&mut self, b: usize, now: SimTime) {
        let Some(q) = self.pending.get_mut(b) else {
            return;
        };
        while let Some(&(at, x)) = q.front() {
            if at > now {
                break;
            }
            self.holt[b].observe(at, x, self.alpha, self.beta);
            q.pop_front();
        }
    }

    /// BBU `b`'s smoothing as of `now` (pending samples up to `now` applied to a copy).
    fn holt_at(&self, b: usize, now: SimTime) -> Option<Holt> {
        let mut h = *self.holt.get(b)?;
        for &(at, x) in self.pending[b].iter().take_while(|(at, _)| *at <= now) {
            h.observe(at, x, self.alpha, self.beta);
        }
        Some(h)
    }

    /// Cores of `w` expected to stay free for a task placed at `now` with `work_ns` of work left.
    pub fn expected_free(&self, w: &WorkerView, now: SimTime, work_ns: u64) -> i64 {
        let h = (work_ns as f64 / w.speed.max(1e-9) / 1e9).min(self.max_horizon_s);
        let peak = match self.holt_at(w.bbu.index(), now) {
            Some(s) if s.seen => {
                // Forecasts at `now` and `now + h`; a line peaks at one of its ends.
                let f0 = s.level + s.trend * now.saturating_since(s.last).as_secs_f64();
                f0.max(f0 + s.trend * h).clamp(0.0, 1.0)
            }
            _ => w.load,
        };
        let cran = crate::rules::cran_cores(peak, w.cores)
            .max(w.cran_cores)
            .max(w.announced_cran_cores);
        i64::from(w.cores) - i64::from(cran) - i64::from(w.running) - i64::from(w.queued)
    }
}

impl Placement for ForecastAware {
    fn name(&self) -> &'static str {
        "forecast_aware"
    }
    fn place(&mut self, view: &PlacementView<'_>, _rng: &mut Stream) -> BbuId {
        // Expected free cores are at most the spare ones (free − queued): the index visits
        // workers by spare and stops when none left can win.
        view.best_bounded(|w, _| {
            self.settle(w.bbu.index(), view.now);
            self.expected_free(w, view.now, view.remaining_work_ns)
        })
    }
    fn scan(&self, view: &PlacementView<'_>) -> Option<BbuId> {
        // One forecast per worker (a comparator would forecast each worker twice per step).
        let mut best: Option<(i64, WorkerView)> = None;
        for w in view.iter() {
            let f = self.expected_free(&w, view.now, view.remaining_work_ns);
            let better = match &best {
                None => true,
                Some((bf, b)) => f
                    .cmp(bf)
                    .then(w.speed.partial_cmp(&b.speed).unwrap_or(Ordering::Equal))
                    .then(w.warm.cmp(&b.warm))
                    .then(b.bbu.cmp(&w.bbu)) // lower index wins: it compares as "greater"
                    .is_gt(),
            };
            if better {
                best = Some((f, w));
            }
        }
        best.map(|(_, w)| w.bbu)
    }
    fn observe_load(&mut self, bbu: BbuId, now: SimTime, at: SimTime, load: f64) {
        let b = bbu.index();
        if self.holt.len() <= b {
            self.holt.resize(b + 1, Holt::default());
            self.pending.resize(b + 1, VecDeque::new());
        }
        self.settle(b, now);
        if at <= now {
            self.holt[b].observe(at, load, self.alpha, self.beta);
        } else {
            self.pending[b].push_back((at, load));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Workers;
    use crate::rng::RngStreams;

    const S: u64 = 1_000_000_000;

    #[test]
    fn holt_follows_a_ramp_exactly_once_it_has_learned_the_slope() {
        // α = β = 1: level = last observation, trend = last slope. Observations of the ramp
        // 0.1 + 0.01·t at t = 0, 10, 20 s: after the second, trend = (0.2 − 0.1)/10 = 0.01/s,
        // so the forecast for t = 50 s is 0.3 + 0.01 · 30 = 0.6.
        let mut h = Holt::default();
        assert_eq!(h.forecast(SimTime(0)), None);
        for t in [0u64, 10, 20] {
            h.observe(SimTime(t * S), 0.1 + 0.01 * t as f64, 1.0, 1.0);
        }
        assert!((h.forecast(SimTime(50 * S)).unwrap() - 0.6).abs() < 1e-12);
        // Clamped to a fraction.
        assert_eq!(h.forecast(SimTime(1000 * S)), Some(1.0));
    }

    #[test]
    fn holt_with_alpha_one_half_smooths_by_hand() {
        // α = 0.5, β = 0.5. t = 0: level 0.2, trend 0. t = 2 s, x = 0.6: predicted 0.2,
        // level = 0.5·0.6 + 0.5·0.2 = 0.4, trend = 0.5·(0.4 − 0.2)/2 + 0 = 0.05/s.
        // Forecast at 4 s: 0.4 + 0.05·2 = 0.5.
        let mut h = Holt::default();
        h.observe(SimTime(0), 0.2, 0.5, 0.5);
        h.observe(SimTime(2 * S), 0.6, 0.5, 0.5);
        assert!((h.forecast(SimTime(4 * S)).unwrap() - 0.5).abs() < 1e-12);
    }

    fn w(b: u32, load: f64, running: u32) -> WorkerView {
        let cran = crate::rules::cran_cores(load, 8);
        WorkerView {
            bbu: BbuId(b),
            cores: 8,
            load,
            cran_cores: cran,
            free_cores: crate::rules::offered_cores(8, cran, 0, running),
            running,
            speed: 1.0,
            warm: true,
            ..Default::default()
        }
    }

    #[test]
    fn avoids_the_bbu_whose_load_is_rising_and_breaks_ties_by_index() {
        let mut p = ForecastAware::new(1.0, 1.0, 300.0);
        // BBU 1 ramps from 0.25 to 0.5 over 10 s (+0.025/s); BBU 2 stays at 0.5.
        for (t, l1) in [(0u64, 0.25), (10, 0.5)] {
            p.observe_load(BbuId(1), SimTime(t * S), SimTime(t * S), l1);
            p.observe_load(BbuId(2), SimTime(t * S), SimTime(t * S), 0.5);
        }
        let now = SimTime(10 * S);
        let ws = [w(1, 0.5, 0), w(2, 0.5, 0)];
        let index = Workers::from_views(&ws);
        let view = |work_s: u64| PlacementView {
            workers: &index,
            now,
            remaining_work_ns: work_s * S,
            ..PlacementView::empty()
        };
        let mut rng = RngStreams::new(1).stream("p");
        // A 1-s task: BBU 1 is forecast at 0.525 → ⌈4.2⌉ = 5 cores, 3 free; BBU 2: 4 free.
        assert_eq!(p.place(&view(1), &mut rng), BbuId(2));
        assert_eq!(p.expected_free(&ws[0], now, S), 3);
        // Both flat (BBU 1 observed flat again at 0.5 after 10 more s, trend = 0): a tie at
        // 4 free cores, broken by the lower index.
        p.observe_load(BbuId(1), SimTime(20 * S), SimTime(20 * S), 0.5);
        p.observe_load(BbuId(2), SimTime(20 * S), SimTime(20 * S), 0.5);
        let now2 = SimTime(20 * S);
        let v2 = PlacementView {
            workers: &Workers::from_views(&ws),
            now: now2,
            remaining_work_ns: S,
            ..PlacementView::empty()
        };
        assert_eq!(p.place(&v2, &mut rng), BbuId(1));
    }

    #[test]
    fn a_sample_told_ahead_counts_only_from_its_time() {
        // BBU 1 at 0.25 from t = 0 (2 of 8 cores). At t = 10 s the simulator tells a sample of
        // 0.875 (7 cores) due at t = 20 s. α = 1, β = 0 (no trend): once it counts, level =
        // 0.875. A 1-s task at t = 15 s still expects 8 − 2 = 6 free cores; at t = 20 s,
        // 8 − 7 = 1.
        let mut p = ForecastAware::new(1.0, 0.0, 300.0);
        p.observe_load(BbuId(1), SimTime(0), SimTime(0), 0.25);
        p.observe_load(BbuId(1), SimTime(10 * S), SimTime(20 * S), 0.875);
        let x = w(1, 0.25, 0);
        assert_eq!(p.expected_free(&x, SimTime(15 * S), S), 6);
        let ws = [x];
        let index = Workers::from_views(&ws);
        let mut rng = RngStreams::new(1).stream("p");
        let at = |now| PlacementView {
            workers: &index,
            now,
            remaining_work_ns: S,
            ..PlacementView::empty()
        };
        // Placing at 15 s settles nothing: the sample is still pending.
        p.place(&at(SimTime(15 * S)), &mut rng);
        assert_eq!(p.expected_free(&x, SimTime(15 * S), S), 6);
        assert_eq!(p.expected_free(&x, SimTime(20 * S), S), 1);
        p.place(&at(SimTime(20 * S)), &mut rng);
        assert_eq!(p.expected_free(&x, SimTime(20 * S), S), 1);
    }

    #[test]
    fn announced_cran_cores_count_even_without_history() {
        let mut p = ForecastAware::new(0.5, 0.1, 300.0);
        let mut a = w(1, 0.25, 0);
        a.announced_cran_cores = 7; // C-RAN will take 7 of 8 cores within the grace period
        a.free_cores = 1;
        let b = w(2, 0.5, 1); // 8 − 4 − 1 = 3 free
        let ws = [a, b];
        let mut rng = RngStreams::new(1).stream("p");
        let v = PlacementView {
            workers: &Workers::from_views(&ws),
            remaining_work_ns: S,
            ..PlacementView::empty()
        };
        assert_eq!(p.place(&v, &mut rng), BbuId(2));
    }
}
