//! Diurnal load: a cosine profile plus Gaussian noise, sampled on a fixed time grid.
//!
//! The source keeps a handful of numbers and its stream, never a table of samples: a day of
//! 1-second samples on a thousand BBUs (86 M points) costs the same memory as one sample.
//! The phase is computed from integer nanoseconds (`t mod period`), so it does not drift
//! however long the run.

use crate::{SimDuration, SimTime, Stream};
use rand_distr::{Distribution, StandardNormal};
use std::f64::consts::TAU;

/// With noise, the most samples in a row that may leave the load unchanged (it is clamped at 0
/// or 1) before the source reports the unchanged value anyway. This bounds the work of one
/// [`Diurnal::next_change`] call: noise never lets the source prove it is constant for good.
const NOISY_QUIET_SAMPLES: u64 = 1 << 16;

/// A running diurnal profile (see [`crate::scenario::LoadProcess::Diurnal`]).
pub(super) struct Diurnal {
    mean: f64,
    amplitude: f64,
    /// Cycle length \[ns\]; 0 means a constant phase (the cosine term is `amplitude`).
    period_ns: u64,
    /// `(period − peak mod period) mod period` \[ns\]: added to `t mod period`, the time since
    /// the last peak.
    shift_ns: u64,
    /// Noise standard deviation (fraction of cores); 0 when there is no noise.
    noise_sd: f64,
    step: SimDuration,
    /// Time of the last sample.
    t: SimTime,
    /// Value of the last sample (what the BBU's load currently is).
    last: f64,
    /// Unchanged samples in a row after which `next_change` stops looking (see `new`).
    quiet_limit: u64,
    /// The load is known never to change again.
    done: bool,
    rng: Stream,
}

impl Diurnal {
    /// The source and the load at time zero. A zero `step` means the load is never re-sampled
    /// (the spec layer rejects it).
    #[allow(clippy::too_many_arguments)] // the fields of `LoadProcess::Diurnal`, one by one
    pub(super) fn new(
        mean: f64,
        amplitude: f64,
        period: SimDuration,
        peak: SimDuration,
        noise_sd: f64,
        step: SimDuration,
        peak_jitter: SimDuration,
        mut rng: Stream,
    ) -> (Diurnal, f64) {
        let period_ns = period.as_nanos();
        // This BBU's peak: shifted by U(−jitter, +jitter) when there is a jitter (one draw, the
        // first of the stream; none without jitter, so unjittered loads are unchanged).
        let peak_ns = if peak_jitter > SimDuration::ZERO {
            let j = peak_jitter.as_nanos() as f64;
            let u: f64 = rand::Rng::random_range(&mut rng, -j..=j);
            i128::from(peak.as_nanos()) + u.round() as i128
        } else {
            i128::from(peak.as_nanos())
        };
        let shift_ns = match period_ns {
            0 => 0,
            p => {
                let p = i128::from(p);
                ((p - peak_ns.rem_euclid(p)) % p) as u64
            }
        };
        let noise_sd = if noise_sd > 0.0 && noise_sd.is_finite() {
            noise_sd
        } else {
            0.0
        };
        // Without noise the samples are a deterministic function of `t mod period`, and the
        // sample times `k · step mod period` repeat every q = period / gcd(step, period)
        // samples. So q unchanged samples in a row prove the load never changes again.
        let quiet_limit = if noise_sd > 0.0 {
            NOISY_QUIET_SAMPLES
        } else if period_ns == 0 {
            1
        } else {
            period_ns / gcd(step.as_nanos() % period_ns, period_ns)
        };
        // A profile that is flat or clamped everywhere needs no search at all.
        let flat = noise_sd == 0.0
            && (amplitude == 0.0 || mean - amplitude.abs() >= 1.0 || mean + amplitude.abs() <= 0.0);
        let mut d = Diurnal {
            mean,
            amplitude,
            period_ns,
            shift_ns,
            noise_sd,
            step,
            t: SimTime::ZERO,
            last: 0.0,
            quiet_limit,
            done: flat || step == SimDuration::ZERO,
            rng,
        };
        d.last = d.sample(SimTime::ZERO);
        let first = d.last;
        (d, first)
    }

    /// The next sample that differs from the current load, as (time, load); `None` if the load
    /// never changes again. With noise, after [`NOISY_QUIET_SAMPLES`] unchanged samples the
    /// unchanged load is reported (a harmless event) to bound the work of one call.
    pub(super) fn next_change(&mut self) -> Option<(SimTime, f64)> {
        if self.done {
            return None;
        }
        for _ in 0..self.quiet_limit {
            let Some(t) = self.t.as_nanos().checked_add(self.step.as_nanos()) else {
                self.done = true;
                return None;
            };
            self.t = SimTime(t);
            let v = self.sample(self.t);
            if v != self.last {
                self.last = v;
                return Some((self.t, v));
            }
        }
        if self.noise_sd > 0.0 {
            Some((self.t, self.last))
        } else {
            self.done = true;
            None
        }
    }

    /// The load sampled at `t` (draws the noise, if any, from the stream).
    fn sample(&mut self, t: SimTime) -> f64 {
        let cycle = if self.period_ns == 0 {
            0.0
        } else {
            // u128: `t mod p + shift` can pass u64::MAX when the period is above 2^63 ns.
            let p = u128::from(self.period_ns);
            let since_peak = (u128::from(t.as_nanos()) % p + u128::from(self.shift_ns)) % p;
            since_peak as f64 / self.period_ns as f64
        };
        let mut v = self.mean + self.amplitude * (TAU * cycle).cos();
        if self.noise_sd > 0.0 {
            let z: f64 = StandardNormal.sample(&mut self.rng);
            v += self.noise_sd * z;
        }
        v.clamp(0.0, 1.0)
    }
}

/// Greatest common divisor; `gcd(0, n) = n`.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::super::{LoadSource, alloc_probe};
    use super::*;
    use crate::RngStreams;
    use crate::scenario::LoadProcess;

    const H: u64 = 3_600;

    fn rng(seed: u64) -> Stream {
        RngStreams::new(seed).stream("bbu/0/load")
    }

    fn hours(h: u64) -> SimDuration {
        SimDuration::from_secs(h * H)
    }

    /// A noise-free profile over 24 h sampled hourly.
    fn hourly(mean: f64, amplitude: f64, peak_h: u64) -> (Diurnal, f64) {
        Diurnal::new(
            mean,
            amplitude,
            hours(24),
            hours(peak_h),
            0.0,
            hours(1),
            SimDuration::ZERO,
            rng(1),
        )
    }

    /// The first `n` changes.
    fn changes(d: &mut Diurnal, n: usize) -> Vec<(SimTime, f64)> {
        std::iter::from_fn(|| d.next_change()).take(n).collect()
    }

    #[test]
    fn without_noise_the_profile_peaks_at_peak_and_bottoms_half_a_period_later() {
        // mean 0.5, amplitude 0.25 (dyadic, so every sum below is exact in f64), period 24 h,
        // peak at 14 h, hourly samples.
        // t = 0: since the peak 0 − 14 h ≡ 10 h, cos(2π·10/24) = cos(150°) = −√3/2,
        //        load = 0.5 − 0.25·√3/2 ≈ 0.283494.
        // t = 2 h: 12 h since the peak, cos(π) = −1, load = 0.5 − 0.25 = 0.25 (trough).
        // t = 8 h: 18 h since the peak, cos(3π/2) = 0, load = 0.5.
        // t = 14 h: the peak, cos 0 = 1, load = 0.75.
        // No sample repeats its predecessor (cos is injective on each half-cycle and the two
        // hours next to the trough/peak are symmetric, not equal to it), so the k-th change is
        // the sample at k hours.
        let (mut d, first) = hourly(0.5, 0.25, 14);
        assert!((first - (0.5 - 0.25 * 3f64.sqrt() / 2.0)).abs() < 1e-12);
        let c = changes(&mut d, 40);
        for (k, (t, _)) in c.iter().enumerate() {
            assert_eq!(*t, SimTime::ZERO + hours(k as u64 + 1));
        }
        let at = |h: usize| c[h - 1].1;
        assert_eq!(at(2), 0.25);
        assert!((at(8) - 0.5).abs() < 1e-12);
        assert_eq!(at(14), 0.75);
        assert_eq!(at(26), 0.25, "one period later: the same trough");
        assert_eq!(at(38), 0.75, "one period later: the same peak");
    }

    #[test]
    fn the_profile_is_clamped_to_0_and_1_and_flat_stretches_emit_no_change() {
        // mean 0.75, amplitude 0.6, peak at 0: load = 0.75 + 0.6·cos(2πk/24) at k hours.
        // It reaches 1 iff cos ≥ 0.25/0.6 = 0.4167, i.e. |k mod 24| ≤ 4 (cos 60° = 0.5;
        // cos 75° = 0.259 is below). So the load is 1 from 20 h to 4 h next day, and the samples
        // at 1-4 h, 21-23 h, 24-28 h repeat their predecessor: changes at 5, 6, …, 19 h, then
        // 20 h (back to 1), then 29 h. The trough at 12 h is 0.75 − 0.6 = 0.15, not clamped.
        let (mut d, first) = hourly(0.75, 0.6, 0);
        assert_eq!(first, 1.0);
        let c = changes(&mut d, 17);
        let times: Vec<u64> = c
            .iter()
            .map(|(t, _)| t.as_nanos() / 1_000_000_000 / H)
            .collect();
        let mut want: Vec<u64> = (5..=20).collect();
        want.push(29);
        assert_eq!(times, want);
        assert_eq!(c[15].1, 1.0, "20 h: clamped at 1");
        assert!((c[7].1 - 0.15).abs() < 1e-12, "12 h: the trough");

        // mean 0.25, amplitude 0.6, peak at 0: load = 0.25 + 0.6·cos(2πk/24) is below 0 iff
        // cos < −0.25/0.6 = −0.4167, i.e. k = 8..16 (cos 120° = −0.5; cos 105° = −0.259 is
        // above). So the load drops to 0 at 8 h, stays there (no change at 9-16 h), and leaves 0
        // at 17 h with 0.25 + 0.6·cos(255°) = 0.25 − 0.6·0.2588 ≈ 0.0947.
        let (mut d, first) = hourly(0.25, 0.6, 0);
        assert!((first - 0.85).abs() < 1e-12);
        let c = changes(&mut d, 9);
        let times: Vec<u64> = c
            .iter()
            .map(|(t, _)| t.as_nanos() / 1_000_000_000 / H)
            .collect();
        assert_eq!(times, vec![1, 2, 3, 4, 5, 6, 7, 8, 17]);
        assert_eq!(c[7].1, 0.0, "8 h: clamped at 0");
        assert!((c[8].1 - (0.25 + 0.6 * (TAU * 17.0 / 24.0).cos())).abs() < 1e-12);
    }

    #[test]
    fn a_flat_or_aliased_noise_free_profile_never_changes() {
        // amplitude 0: constant 0.4.
        let (mut d, f) = hourly(0.4, 0.0, 0);
        assert_eq!((f, d.next_change()), (0.4, None));
        // mean 1.5 ± 0.3 is above 1 everywhere: constant 1.
        let (mut d, f) = hourly(1.5, 0.3, 0);
        assert_eq!((f, d.next_change()), (1.0, None));
        // step = period: every sample falls on the same phase (the peak), so the load is
        // mean + amplitude forever; the search gives up after q = 24 h / gcd(0, 24 h) = 1 sample.
        let (mut d, f) = Diurnal::new(
            0.5,
            0.25,
            hours(24),
            hours(0),
            0.0,
            hours(24),
            SimDuration::ZERO,
            rng(1),
        );
        assert_eq!((f, d.next_change()), (0.75, None));
        // step = half a period with the peak at 6 h: the samples sit at cos(±π/2) = 0 up to
        // round-off, so q = 2 samples decide; whichever way f64 rounds, the values alternate
        // between at most two numbers or settle, and the source must not loop.
        let (mut d, _) = Diurnal::new(
            0.5,
            0.25,
            hours(24),
            hours(6),
            0.0,
            hours(12),
            SimDuration::ZERO,
            rng(1),
        );
        let c = changes(&mut d, 10);
        assert!(c.iter().all(|(_, v)| (v - 0.5).abs() < 1e-12));
    }

    #[test]
    fn with_noise_the_time_average_over_whole_periods_is_the_mean() {
        // mean 0.5, amplitude 0.2, noise sd 0.05, period 100 s, step 1 s, 100 periods:
        // N = 10,000 samples, each held 1 s. Clamping would need |noise| > 0.3 = 6 sd
        // (P ≈ 2e-9 per sample), so the time average is (1/N) Σ_k [mean + a·cos(2πk/100) + ε_k].
        // The cosines sum to 0 over whole periods (roots of unity), leaving mean + ε̄ with
        // sd(ε̄) = 0.05/√10,000 = 5e-4. Bound: 5 sd = 2.5e-3 (two-sided P ≈ 6e-7).
        let step = SimDuration::from_secs(1);
        let (mut d, first) = Diurnal::new(
            0.5,
            0.2,
            SimDuration::from_secs(100),
            hours(0),
            0.05,
            step,
            SimDuration::ZERO,
            rng(7),
        );
        let end = SimTime::ZERO + SimDuration::from_secs(10_000);
        let (mut t, mut v, mut area) = (SimTime::ZERO, first, 0.0);
        while let Some((at, next)) = d.next_change() {
            let at = at.min(end);
            area += v * (at - t).as_secs_f64();
            (t, v) = (at, next);
            if at == end {
                break;
            }
        }
        let avg = area / 10_000.0;
        assert!((avg - 0.5).abs() < 2.5e-3, "time average {avg}");
    }

    #[test]
    fn same_stream_same_loads_other_stream_other_loads() {
        let p = LoadProcess::Diurnal {
            mean: 0.5,
            amplitude: 0.3,
            period: hours(24),
            peak: hours(14),
            noise_sd: 0.05,
            step: SimDuration::from_secs(1),
            peak_jitter: SimDuration::ZERO,
        };
        let run = |seed| {
            let (mut s, f) = LoadSource::new(&p, rng(seed));
            (
                f,
                std::iter::from_fn(|| s.next_change())
                    .take(1_000)
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn a_day_of_one_second_samples_allocates_nothing_per_change() {
        // 86,400 changes of a noisy 1-second profile (every sample differs: the noise is
        // continuous and mean ± amplitude ± 6 sd stays inside [0, 1]). The source holds only
        // scalars and its stream, so after construction this thread allocates nothing.
        let p = LoadProcess::Diurnal {
            mean: 0.5,
            amplitude: 0.3,
            period: hours(24),
            peak: hours(14),
            noise_sd: 0.02,
            step: SimDuration::from_secs(1),
            peak_jitter: SimDuration::ZERO,
        };
        let (mut s, _) = LoadSource::new(&p, rng(9));
        let before = alloc_probe::allocations();
        let mut n = 0u32;
        let mut last = SimTime::ZERO;
        while n < 86_400 {
            let Some((t, _)) = s.next_change() else { break };
            assert!(t > last);
            last = t;
            n += 1;
        }
        assert_eq!(
            alloc_probe::allocations() - before,
            0,
            "heap allocations while generating"
        );
        assert_eq!(n, 86_400);
        assert_eq!(last, SimTime::ZERO + hours(24));
    }

    #[test]
    fn peak_jitter_shifts_each_bbu_within_its_bounds_and_zero_jitter_draws_nothing() {
        // Noise-free, hourly, peak at 12 h. With a jitter of 3 h the peak moves to
        // 12 h + U(−3 h, 3 h): the hourly maximum must lie within 9..=15 h. Different streams
        // (BBUs) get different shifts.
        let peak_hour = |seed: u64| {
            let (mut d, first) = Diurnal::new(
                0.5,
                0.4,
                hours(24),
                hours(12),
                0.0,
                SimDuration::from_secs(60),
                hours(3),
                rng(seed),
            );
            let (mut best, mut at) = (first, 0u64);
            while let Some((t, v)) = d.next_change() {
                if t.as_nanos() >= hours(24).as_nanos() {
                    break;
                }
                if v > best {
                    (best, at) = (v, t.as_nanos());
                }
            }
            at as f64 / 3.6e12
        };
        let peaks: Vec<f64> = (1..=8).map(peak_hour).collect();
        assert!(peaks.iter().all(|h| (9.0..=15.0).contains(h)), "{peaks:?}");
        assert!(
            peaks.windows(2).any(|w| (w[0] - w[1]).abs() > 0.1),
            "{peaks:?}"
        );
        // Zero jitter: the same profile as before the feature (peak exactly at 12 h).
        let (mut d, _) = hourly(0.5, 0.4, 12);
        let c = changes(&mut d, 24);
        let max = c
            .iter()
            .cloned()
            .fold((SimTime::ZERO, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        assert_eq!(max.0, SimTime::ZERO + hours(12));
    }
}
