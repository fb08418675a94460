//! Keep-alive and prewarm policies as plug-ins of the serverless [`super::Machine`]: each
//! decides what happens to an instance that falls idle ([`Lifecycle::idle`]) and, if it
//! ticks, how many instances each function should have ([`Lifecycle::tick`]). Every policy
//! shares the machine's on-demand rule: an invocation that finds no instance of its function
//! with a free slot starts one cold.
//!
//! | policy | idle instance | ticks |
//! |---|---|---|
//! | serverful | kept forever | — (instances started at time zero) |
//! | fixed | reclaimed after `keep_alive` idle | — |
//! | kpa | kept | every `tick`: Knative's stable/panic desired count, scale to zero after `grace` |
//! | histogram | reclaimed at once and prewarmed after the head window, or kept for the tail window | — |
//! | hotc | kept | every `interval`: pool = predicted arrivals × (duration + cold start) / interval |
//! | oracle | kept until the next arrival if it is nearer than a cold start, else reclaimed at once and prewarmed to be ready at it | — |

use super::config::{Histogram as HistogramConfig, HotC as HotCConfig, Kpa as KpaConfig, Policy};
use crate::{SimDuration, SimTime};

/// What a policy sees of one function.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FnView {
    /// Live instances (starting, idle or busy).
    pub instances: u32,
    /// Idle instances.
    pub idle: u32,
    /// Invocations arrived and not finished (waiting for memory, a cold start or a core, or
    /// computing).
    pub in_flight: u32,
    /// Time-average of `in_flight` since the policy's last tick (at a tick; else `in_flight`).
    pub in_flight_mean: f64,
    /// The function's next arrival (already drawn); `None`: no more.
    pub next_arrival: Option<SimTime>,
    /// Invocations one instance serves at once.
    pub concurrency: u32,
    /// Mean compute of one invocation on a reference core \[s\].
    pub mean_duration_s: f64,
    /// The time a cold start of the function is given: mean × (1 + 3 cv) (the oracle's lead,
    /// HotC's holding time).
    pub cold_budget: SimDuration,
}

/// What happens to an instance that falls idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleRule {
    /// It stays warm (until a tick reclaims it, or forever).
    Keep,
    /// It is reclaimed at this time if still idle (now or earlier: at once).
    ReclaimAt(SimTime),
    /// It is reclaimed at once, and an instance of its function is prewarmed at `at` (if the
    /// function then has none idle or starting), then kept `keep` after it is ready.
    ReclaimAndPrewarm {
        /// When the prewarm's cold start begins.
        at: SimTime,
        /// How long the prewarmed instance is kept idle once ready.
        keep: SimDuration,
    },
}

/// A keep-alive / prewarm policy.
pub trait Lifecycle {
    /// Instances of each function started at time zero.
    fn initial(&self) -> u32 {
        0
    }
    /// An invocation of `f` arrives (before it is dispatched).
    fn arrival(&mut self, _f: u32, _now: SimTime) {}
    /// An instance of `f` falls idle at `now`; `whole`: the function has nothing in flight.
    fn idle(&mut self, f: u32, now: SimTime, view: &FnView, whole: bool) -> IdleRule;
    /// The tick period, if the policy ticks.
    fn period(&self) -> Option<SimDuration> {
        None
    }
    /// At a tick: `targets[f]` = instances function `f` should have (the machine prewarms up
    /// to it with free memory and reclaims idle instances above it, longest idle first).
    fn tick(&mut self, _now: SimTime, _views: &[FnView], _targets: &mut [u32]) {}
}

/// The policy `p` for `functions` functions.
pub fn make(p: &Policy, functions: usize) -> Box<dyn Lifecycle> {
    match p {
        Policy::Serverful { instances } => Box::new(Serverful {
            instances: *instances,
        }),
        Policy::Fixed { keep_alive } => Box::new(Fixed {
            keep_alive: *keep_alive,
        }),
        Policy::Kpa(c) => Box::new(Kpa::new(*c, functions)),
        Policy::Histogram(c) => Box::new(Histogram::new(*c, functions)),
        Policy::HotC(c) => Box::new(HotC::new(*c, functions)),
        Policy::Oracle => Box::new(Oracle),
    }
}

/// Always-on instances.
pub struct Serverful {
    instances: u32,
}

impl Lifecycle for Serverful {
    fn initial(&self) -> u32 {
        self.instances
    }
    fn idle(&mut self, _: u32, _: SimTime, _: &FnView, _: bool) -> IdleRule {
        IdleRule::Keep
    }
}

/// A fixed keep-alive.
pub struct Fixed {
    keep_alive: SimDuration,
}

impl Lifecycle for Fixed {
    fn idle(&mut self, _: u32, now: SimTime, _: &FnView, _: bool) -> IdleRule {
        IdleRule::ReclaimAt(now + self.keep_alive)
    }
}

/// Knative's KPA: every tick, the time-average of each function's in-flight invocations over
/// the tick is recorded (as Knative's queue proxies average concurrency); the
/// desired count is ⌈mean over the stable window / target⌉, or, in panic mode, the larger of
/// ⌈mean over the panic window / target⌉ and the count when panic began (no scale-down while
/// panicking). Panic begins when the panic-window demand / target reaches `panic_threshold` ×
/// the live instances (at least 1), and ends one stable window after it last did. A desired
/// count of zero keeps one instance until `grace` after demand was last non-zero.
/// (Knative's target utilisation is taken as 100 %; the activator's buffering is the
/// machine's on-demand cold start.)
pub struct Kpa {
    c: KpaConfig,
    stable_n: usize,
    panic_n: usize,
    per: Vec<KpaFn>,
}

#[derive(Clone, Default)]
struct KpaFn {
    samples: std::collections::VecDeque<f64>,
    panic_until: Option<SimTime>,
    panic_floor: u32,
    last_demand: SimTime,
}

impl Kpa {
    fn new(c: KpaConfig, functions: usize) -> Self {
        let n = |w: SimDuration| (w.as_nanos() / c.tick.as_nanos().max(1)).max(1) as usize;
        Kpa {
            stable_n: n(c.stable_window),
            panic_n: n(c.panic_window),
            c,
            per: vec![KpaFn::default(); functions],
        }
    }
}

impl Lifecycle for Kpa {
    fn idle(&mut self, _: u32, _: SimTime, _: &FnView, _: bool) -> IdleRule {
        IdleRule::Keep
    }
    fn period(&self) -> Option<SimDuration> {
        Some(self.c.tick)
    }
    fn tick(&mut self, now: SimTime, views: &[FnView], targets: &mut [u32]) {
        for ((s, v), t) in self.per.iter_mut().zip(views).zip(targets.iter_mut()) {
            s.samples.push_back(v.in_flight_mean);
            if s.samples.len() > self.stable_n {
                s.samples.pop_front();
            }
            let mean = |n: usize| {
                let k = n.min(s.samples.len()).max(1);
                s.samples.iter().rev().take(k).sum::<f64>() / k as f64
            };
            let target = self.c.target.min(f64::from(v.concurrency.max(1)));
            let stable = (mean(self.stable_n) / target - 1e-9).ceil().max(0.0) as u32;
            let panic_demand = mean(self.panic_n) / target;
            let panic = (panic_demand - 1e-9).ceil().max(0.0) as u32;
            if panic_demand >= self.c.panic_threshold * f64::from(v.instances.max(1)) {
                if s.panic_until.is_none() {
                    s.panic_floor = v.instances;
                }
                s.panic_until = Some(now + self.c.stable_window);
            }
            let mut want = stable;
            if let Some(until) = s.panic_until {
                if now < until {
                    s.panic_floor = s.panic_floor.max(panic);
                    want = want.max(s.panic_floor);
                } else {
                    s.panic_until = None;
                }
            }
            if v.in_flight > 0 || want > 0 {
                s.last_demand = now;
            }
            if want == 0 && v.instances > 0 && now < s.last_demand + self.c.grace {
                want = 1;
            }
            *t = want;
        }
    }
}

/// The hybrid histogram policy (Shahrad et al.): per function, a histogram of its idle times
/// (from the moment nothing of it is in flight to its next arrival) in `bin`-wide bins up to
/// `range`. With at least `min_samples` idle times, most of them within range: the prewarm
/// window is the `head_pct` percentile's bin start × (1 − margin), the keep-alive the
/// `tail_pct` percentile's bin end × (1 + margin); when the function falls idle its instance
/// is unloaded and prewarmed after the prewarm window, kept for keep-alive − prewarm (kept
/// for the keep-alive if the prewarm window is zero). Otherwise the fixed keep-alive `range`
/// (the paper's fallback; its ARIMA model for out-of-bounds functions is not modelled).
pub struct Histogram {
    c: HistogramConfig,
    bins: usize,
    per: Vec<HistFn>,
}

#[derive(Clone, Default)]
struct HistFn {
    counts: Vec<u32>,
    inside: u32,
    outside: u32,
    idle_since: Option<SimTime>,
}

impl Histogram {
    fn new(c: HistogramConfig, functions: usize) -> Self {
        let bins = (c.range.as_nanos().div_ceil(c.bin.as_nanos().max(1))).max(1) as usize;
        Histogram {
            c,
            bins,
            per: vec![HistFn::default(); functions],
        }
    }

    /// (prewarm window, keep-alive window) of function `f`, `None`: not trusted yet.
    pub fn windows(&self, f: u32) -> Option<(SimDuration, SimDuration)> {
        let s = &self.per[f as usize];
        if s.inside < self.c.min_samples || s.outside > s.inside {
            return None;
        }
        let bin = self.c.bin.as_nanos() as f64;
        let pct_bin = |p: f64| {
            // The first bin whose cumulative count reaches p % of the in-range idle times.
            let need = (p / 100.0 * f64::from(s.inside)).max(1.0);
            let mut acc = 0.0;
            for (i, &c) in s.counts.iter().enumerate() {
                acc += f64::from(c);
                if acc >= need - 1e-9 {
                    return i;
                }
            }
            s.counts.len() - 1
        };
        let head = pct_bin(self.c.head_pct) as f64 * bin * (1.0 - self.c.margin);
        let tail = (pct_bin(self.c.tail_pct) + 1) as f64 * bin * (1.0 + self.c.margin);
        Some((
            SimDuration(head.round() as u64),
            SimDuration(tail.round() as u64),
        ))
    }
}

impl Lifecycle for Histogram {
    fn arrival(&mut self, f: u32, now: SimTime) {
        let bins = self.bins;
        let bin = self.c.bin.as_nanos().max(1);
        let s = &mut self.per[f as usize];
        if let Some(since) = s.idle_since.take() {
            let it = now.saturating_since(since).as_nanos();
            if s.counts.is_empty() {
                s.counts = vec![0; bins];
            }
            let i = (it / bin) as usize;
            if i < bins {
                s.counts[i] += 1;
                s.inside += 1;
            } else {
                s.outside += 1;
            }
        }
    }
    fn idle(&mut self, f: u32, now: SimTime, _: &FnView, whole: bool) -> IdleRule {
        let w = self.windows(f);
        if whole {
            self.per[f as usize].idle_since = Some(now);
        }
        match w {
            None => IdleRule::ReclaimAt(now + self.c.range),
            Some((head, tail)) if whole && head > SimDuration::ZERO => {
                IdleRule::ReclaimAndPrewarm {
                    at: now + head,
                    keep: tail.saturating_sub(head),
                }
            }
            Some((_, tail)) => IdleRule::ReclaimAt(now + tail),
        }
    }
}

/// HotC: every `interval`, each function's arrivals in the interval that ended, x, update an
/// exponential smoothing level s ← αx + (1 − α)s; the residual of the smoothing forecast,
/// x − s (s before the update), is classed under (< −½), on (|·| ≤ ½) or over (> ½) and a
/// Markov chain counts the transitions between classes; the next prediction is
/// p = max(0, s + the mean residual of the most likely next class), with no correction when
/// that class is "on". The pool is 0 if p < ½, else ⌈p × (mean duration + mean cold
/// start) / interval / concurrency⌉ (at least 1): the instances Little's law says the
/// predicted arrivals keep busy, counting the cold start each would otherwise pay.
pub struct HotC {
    c: HotCConfig,
    per: Vec<HotCFn>,
}

#[derive(Clone, Default)]
struct HotCFn {
    count: u32,
    level: Option<f64>,
    predicted: f64,
    /// The class of the last residual (0 under, 1 on, 2 over).
    state: usize,
    trans: [[u32; 3]; 3],
    resid_sum: [f64; 3],
    resid_n: [u32; 3],
}

impl HotC {
    fn new(c: HotCConfig, functions: usize) -> Self {
        HotC {
            c,
            per: vec![
                HotCFn {
                    state: 1,
                    ..HotCFn::default()
                };
                functions
            ],
        }
    }
}

impl Lifecycle for HotC {
    fn arrival(&mut self, f: u32, _: SimTime) {
        self.per[f as usize].count += 1;
    }
    fn idle(&mut self, _: u32, _: SimTime, _: &FnView, _: bool) -> IdleRule {
        IdleRule::Keep
    }
    fn period(&self) -> Option<SimDuration> {
        Some(self.c.interval)
    }
    fn tick(&mut self, _: SimTime, views: &[FnView], targets: &mut [u32]) {
        let interval = self.c.interval.as_secs_f64();
        for ((s, v), t) in self.per.iter_mut().zip(views).zip(targets.iter_mut()) {
            let x = f64::from(std::mem::take(&mut s.count));
            let level = match s.level {
                None => x,
                Some(l) => {
                    // The residual of the smoothing forecast (the level before this interval).
                    let r = x - l;
                    let class = if r < -0.5 {
                        0
                    } else if r > 0.5 {
                        2
                    } else {
                        1
                    };
                    s.trans[s.state][class] += 1;
                    s.resid_sum[class] += r;
                    s.resid_n[class] += 1;
                    s.state = class;
                    self.c.alpha * x + (1.0 - self.c.alpha) * l
                }
            };
            s.level = Some(level);
            // The most likely next class (ties: on, then under, then over); "on" corrects
            // nothing.
            let row = s.trans[s.state];
            let next = [1usize, 0, 2]
                .into_iter()
                .rev()
                .max_by_key(|&k| (row[k], 2 - k.abs_diff(1)))
                .unwrap_or(1);
            let correction = if next != 1 && s.resid_n[next] > 0 {
                s.resid_sum[next] / f64::from(s.resid_n[next])
            } else {
                0.0
            };
            s.predicted = (level + correction).max(0.0);
            *t = if s.predicted < 0.5 {
                0
            } else {
                let hold = v.mean_duration_s + v.cold_budget.as_secs_f64();
                ((s.predicted * hold / interval / f64::from(v.concurrency.max(1))).ceil() as u32)
                    .max(1)
            };
        }
    }
}

/// The oracle: it knows each function's next arrival. An idle instance with another of its
/// function idle goes at once; otherwise, if the next arrival is nearer than a cold start
/// (its budget, [`FnView::cold_budget`]), it is kept until then; if farther, it goes at once
/// and a prewarm is started that budget before the arrival (kept as long once ready, in case
/// a cold start ran short). No more arrivals: it goes at once. With constant cold starts no invocation waits
/// for one and no instance idles longer than needed (a bound, memory permitting).
pub struct Oracle;

impl Lifecycle for Oracle {
    fn idle(&mut self, _: u32, now: SimTime, v: &FnView, _: bool) -> IdleRule {
        if v.idle > 1 {
            return IdleRule::ReclaimAt(now);
        }
        let lead = v.cold_budget;
        match v.next_arrival {
            None => IdleRule::ReclaimAt(now),
            Some(t) if t.saturating_since(now) <= lead => {
                // Kept just past the arrival (which comes first: it is at t, this at t + 1 ns).
                IdleRule::ReclaimAt(t + SimDuration(1))
            }
            Some(t) => IdleRule::ReclaimAndPrewarm {
                at: SimTime(t.0 - lead.as_nanos()),
                keep: lead,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: f64) -> SimDuration {
        SimDuration::from_secs_f64(x)
    }
    fn at(x: f64) -> SimTime {
        SimTime::ZERO + s(x)
    }

    #[test]
    fn the_histogram_trusts_its_percentiles_only_after_enough_idle_times() {
        // Bins of 60 s; idle times 130 s (×9) and 250 s (×1): bin 2 holds 90 %, bin 4 10 %.
        // 5th percentile: bin 2 → head = 120 s × 0.9 = 108 s; 99th: bin 4 → tail = 300 s ×
        // 1.1 = 330 s.
        let mut h = Histogram::new(HistogramConfig::default(), 1);
        let v = FnView::default();
        let mut t = 0.0;
        for k in 0..10 {
            let rule = h.idle(0, at(t), &v, true);
            if k < 10 {
                assert_eq!(
                    rule,
                    IdleRule::ReclaimAt(at(t) + s(4.0 * 3600.0)),
                    "fallback"
                );
            }
            t += if k == 9 { 250.0 } else { 130.0 };
            h.arrival(0, at(t));
        }
        assert_eq!(h.windows(0), Some((s(108.0), s(330.0))));
        assert_eq!(
            h.idle(0, at(t), &v, true),
            IdleRule::ReclaimAndPrewarm {
                at: at(t + 108.0),
                keep: s(222.0)
            }
        );
        // An instance idle while others of its function are busy is only kept for the tail.
        assert_eq!(
            h.idle(0, at(t), &v, false),
            IdleRule::ReclaimAt(at(t + 330.0))
        );
    }

    #[test]
    fn the_oracle_keeps_for_near_arrivals_and_prewarms_for_far_ones() {
        let mut o = Oracle;
        let v = |next: f64, idle: u32| FnView {
            idle,
            next_arrival: Some(at(next)),
            cold_budget: s(0.5),
            ..FnView::default()
        };
        // Next arrival 0.3 s away (< 0.5 s cold start): kept until just after it.
        assert_eq!(
            o.idle(0, at(10.0), &v(10.3, 1), true),
            IdleRule::ReclaimAt(at(10.3) + SimDuration(1))
        );
        // 20 s away: reclaimed now, prewarmed at 29.5 s to be ready at 30 s.
        assert_eq!(
            o.idle(0, at(10.0), &v(30.0, 1), true),
            IdleRule::ReclaimAndPrewarm {
                at: at(29.5),
                keep: s(0.5)
            }
        );
        // Another instance of the function is idle: this one goes.
        assert_eq!(
            o.idle(0, at(10.0), &v(10.3, 2), true),
            IdleRule::ReclaimAt(at(10.0))
        );
    }

    #[test]
    fn kpa_scales_with_the_stable_mean_and_to_zero_after_the_grace() {
        // Tick 2 s, stable window 60 s (30 samples), panic 6 s (3), target 1 (concurrency 1).
        let mut k = Kpa::new(KpaConfig::default(), 1);
        let mut t = [0u32];
        let view = |in_flight: u32, instances: u32| FnView {
            in_flight,
            in_flight_mean: f64::from(in_flight),
            instances,
            concurrency: 1,
            ..FnView::default()
        };
        // 3 in flight with 3 instances: stable mean 3 → 3; panic demand 3 < 2 × 3.
        k.tick(at(2.0), &[view(3, 3)], &mut t);
        assert_eq!(t[0], 3);
        // Then nothing in flight: the stable mean over samples [3, 0] is 1.5 → 2.
        k.tick(at(4.0), &[view(0, 3)], &mut t);
        assert_eq!(t[0], 2);
        // 30 ticks of zero later the mean is 0; one instance stays for the 30 s grace after
        // demand was last non-zero (at 60 s, when the mean was still 3/30 → 1)...
        let mut now = 4.0;
        for _ in 0..29 {
            now += 2.0;
            k.tick(at(now), &[view(0, 1)], &mut t);
        }
        assert_eq!(now, 62.0);
        assert_eq!(t[0], 1);
        // ...and none once the grace has passed.
        for _ in 0..16 {
            now += 2.0;
            k.tick(at(now), &[view(0, 1)], &mut t);
        }
        assert_eq!(t[0], 0);
    }

    #[test]
    fn kpa_panics_on_a_burst_and_does_not_scale_down_while_panicking() {
        let mut k = Kpa::new(KpaConfig::default(), 1);
        let mut t = [0u32];
        let view = |in_flight: u32, instances: u32| FnView {
            in_flight,
            in_flight_mean: f64::from(in_flight),
            instances,
            concurrency: 1,
            ..FnView::default()
        };
        // 1 instance, 9 in flight: panic mean 9 ≥ 2 × 1 → panic: want ⌈9⌉ = 9.
        k.tick(at(2.0), &[view(9, 1)], &mut t);
        assert_eq!(t[0], 9);
        // Demand drops to 0: the stable mean is 4.5 → 5, but the panic floor keeps 9.
        k.tick(at(4.0), &[view(0, 9)], &mut t);
        assert_eq!(t[0], 9);
    }

    #[test]
    fn hotc_predicts_a_steady_rate_and_sizes_the_pool_by_littles_law() {
        // 60 s interval, α = 0.5; 30 arrivals per interval; duration 1.5 s + cold 0.5 s = 2 s
        // per invocation: pool = ⌈30 × 2 / 60⌉ = 1; at 120 arrivals: ⌈120 × 2 / 60⌉ = 4.
        let mut h = HotC::new(HotCConfig::default(), 1);
        let v = [FnView {
            concurrency: 1,
            mean_duration_s: 1.5,
            cold_budget: s(0.5),
            ..FnView::default()
        }];
        let mut t = [0u32];
        for k in 0..20 {
            for _ in 0..30 {
                h.arrival(0, at(0.0));
            }
            h.tick(at(60.0 * f64::from(k + 1)), &v, &mut t);
        }
        assert!(
            (h.per[0].predicted - 30.0).abs() < 1e-6,
            "{}",
            h.per[0].predicted
        );
        assert_eq!(t[0], 1);
        for k in 20..40 {
            for _ in 0..120 {
                h.arrival(0, at(0.0));
            }
            h.tick(at(60.0 * f64::from(k + 1)), &v, &mut t);
        }
        assert_eq!(t[0], 4);
        // Silence: the prediction falls below ½ and the pool empties.
        for k in 40..60 {
            h.tick(at(60.0 * f64::from(k + 1)), &v, &mut t);
        }
        assert_eq!(t[0], 0);
    }
}
