//! A function's arrivals as a lazy sequence: the next invocation time is drawn only when the
//! one before arrives, so a run holds one pending arrival per function, whatever its length.
//! Draws come from the function's stream `faas/<f>/arrivals`.

use super::config::{Arrival, Spread};
use crate::{SimDuration, SimTime, Stream};
use rand::Rng;

const MINUTE_NS: u64 = 60_000_000_000;

/// The arrival state of one function.
#[derive(Clone, Debug)]
pub struct Arrivals {
    /// Invocations produced so far.
    made: u64,
    /// Periodic: the next reading slot; per-minute: the minute being spread.
    k: u64,
    /// Periodic: burst readings still to come; per-minute: invocations left in minute `k`.
    left: u64,
    /// Per-minute (uniform): the last time placed, as a fraction of the minute.
    frac: f64,
    /// The last time produced.
    last: SimTime,
}

impl Arrivals {
    /// Nothing produced yet.
    pub fn new() -> Self {
        Arrivals {
            made: 0,
            k: 0,
            left: 0,
            frac: 0.0,
            last: SimTime::ZERO,
        }
    }

    /// Invocations produced so far.
    pub fn made(&self) -> u64 {
        self.made
    }

    /// The next invocation time of `a` (never before the last one), or `None` when it has
    /// produced all of them.
    pub fn next(&mut self, a: &Arrival, rng: &mut Stream) -> Option<SimTime> {
        if self.made >= a.count() {
            return None;
        }
        let t = match a {
            Arrival::Poisson { rate_per_s, .. } => {
                // Exponential gap by inversion: −ln(1 − U)/λ, U in [0, 1).
                let u: f64 = rng.random();
                let gap = -(1.0 - u).ln() / rate_per_s;
                self.last + SimDuration::from_secs_f64(gap)
            }
            Arrival::Periodic {
                period,
                phase,
                jitter,
                burst_p,
                burst_size,
                burst_gap,
                ..
            } => {
                if self.left > 0 {
                    self.left -= 1;
                    self.last + *burst_gap
                } else {
                    let slot = phase.as_nanos() + self.k * period.as_nanos();
                    self.k += 1;
                    let j = if jitter.as_nanos() > 0 {
                        let u: f64 = rng.random();
                        ((2.0 * u - 1.0) * jitter.as_nanos() as f64).round() as i64
                    } else {
                        0
                    };
                    if *burst_p > 0.0 && *burst_size > 0 {
                        let u: f64 = rng.random();
                        if u < *burst_p {
                            self.left = u64::from(*burst_size);
                        }
                    }
                    SimTime((slot as i64 + j).max(0) as u64)
                }
            }
            Arrival::PerMinute { counts, spread } => {
                while self.left == 0 {
                    // `made < count` guarantees a later minute with invocations.
                    if self.k as usize >= counts.len() {
                        return None;
                    }
                    self.left = u64::from(counts[self.k as usize]);
                    self.frac = 0.0;
                    self.k += 1;
                }
                let minute = self.k - 1;
                let n = u64::from(counts[minute as usize]);
                let i = n - self.left;
                self.left -= 1;
                let frac = match spread {
                    // The next of `left + 1` sorted uniforms on [frac, 1): the minimum of
                    // k uniforms on [a, 1) is a + (1 − a)(1 − U^(1/k)).
                    Spread::Uniform => {
                        let k = (self.left + 1) as f64;
                        let u: f64 = rng.random();
                        self.frac + (1.0 - self.frac) * (1.0 - (1.0 - u).powf(1.0 / k))
                    }
                    Spread::Even => (i as f64 + 0.5) / n as f64,
                };
                self.frac = frac;
                SimTime(minute * MINUTE_NS + (frac * MINUTE_NS as f64) as u64)
            }
            Arrival::Times(ts) => ts[self.made as usize],
        };
        let t = t.max(self.last);
        self.made += 1;
        self.last = t;
        Some(t)
    }
}

impl Default for Arrivals {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RngStreams;

    fn all(a: &Arrival) -> Vec<SimTime> {
        let mut r = RngStreams::new(3).stream("a");
        let mut s = Arrivals::new();
        std::iter::from_fn(|| s.next(a, &mut r)).collect()
    }

    #[test]
    fn even_per_minute_counts_sit_at_the_middle_of_their_slots() {
        // Minute 0: 2 invocations at 15 s and 45 s; minute 1: none; minute 2: 1 at 150 s.
        let a = Arrival::PerMinute {
            counts: vec![2, 0, 1],
            spread: Spread::Even,
        };
        let s: Vec<u64> = all(&a).iter().map(|t| t.0 / 1_000_000_000).collect();
        assert_eq!(s, [15, 45, 150]);
    }

    #[test]
    fn uniform_per_minute_times_are_sorted_and_inside_their_minute() {
        let a = Arrival::PerMinute {
            counts: vec![50, 0, 20],
            spread: Spread::Uniform,
        };
        let t = all(&a);
        assert_eq!(t.len(), 70);
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
        assert!(t[..50].iter().all(|x| x.0 < MINUTE_NS));
        assert!(
            t[50..]
                .iter()
                .all(|x| x.0 >= 2 * MINUTE_NS && x.0 < 3 * MINUTE_NS)
        );
    }

    #[test]
    fn a_periodic_sensor_keeps_its_slots_and_its_bursts() {
        // Period 10 s, phase 1 s, no jitter, every reading bursts 2 more 0.5 s apart:
        // 1, 1.5, 2, then 11, 11.5, 12, then 21 (7 readings).
        let s = |x: f64| SimDuration::from_secs_f64(x);
        let a = Arrival::Periodic {
            period: s(10.0),
            phase: s(1.0),
            jitter: SimDuration::ZERO,
            burst_p: 1.0,
            burst_size: 2,
            burst_gap: s(0.5),
            count: 7,
        };
        let t: Vec<f64> = all(&a).iter().map(|t| t.as_secs_f64()).collect();
        assert_eq!(t, [1.0, 1.5, 2.0, 11.0, 11.5, 12.0, 21.0]);
    }

    #[test]
    fn poisson_arrivals_have_the_rate_asked_for() {
        // 20 000 arrivals at 4 per second end near 5 000 s (sd of the sum: √20000/4 ≈ 35 s).
        let a = Arrival::Poisson {
            rate_per_s: 4.0,
            count: 20_000,
        };
        let t = all(&a);
        assert_eq!(t.len(), 20_000);
        let end = t.last().unwrap().as_secs_f64();
        assert!((end - 5000.0).abs() < 150.0, "{end}");
    }
}
