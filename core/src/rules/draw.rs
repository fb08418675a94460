//! Random draws both backends make from the same named streams, so that a run's bursts and
//! item times are the same numbers in the simulator and in the emulation.

use crate::scenario::TimeDist;
use crate::{SimDuration, Stream};
use rand_distr::{Distribution, Exp, LogNormal};

/// A multiplicative noise factor with mean 1 and coefficient of variation `cv` (log-normal
/// with σ² = ln(1 + cv²) and μ = −σ²/2); exactly 1, with nothing drawn, when `cv` is 0.
pub fn noise(cv: f64, rng: &mut Stream) -> f64 {
    if cv <= 0.0 {
        return 1.0;
    }
    let s2 = (1.0 + cv * cv).ln();
    match LogNormal::new(-s2 / 2.0, s2.sqrt()) {
        Ok(d) => d.sample(rng),
        Err(_) => 1.0,
    }
}

/// One draw of a duration distribution (a constant draws nothing).
pub fn duration(d: &TimeDist, rng: &mut Stream) -> SimDuration {
    match *d {
        TimeDist::Constant(x) => x,
        TimeDist::Exponential(mean) => match Exp::new(1.0) {
            Ok(e) => SimDuration::from_nanos_f64(mean.as_nanos() as f64 * e.sample(rng)),
            Err(_) => mean,
        },
        TimeDist::LogNormal { mean, cv } => {
            SimDuration::from_nanos_f64(mean.as_nanos() as f64 * noise(cv, rng))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RngStreams;

    #[test]
    fn a_constant_draws_nothing_and_noise_without_cv_is_one() {
        let mut a = RngStreams::new(7).stream("x");
        let mut b = RngStreams::new(7).stream("x");
        let d = SimDuration::from_millis_f64(100.0);
        assert_eq!(duration(&TimeDist::Constant(d), &mut a), d);
        assert_eq!(noise(0.0, &mut a), 1.0);
        // Nothing was drawn from `a`: it still gives what a fresh copy gives.
        assert_eq!(noise(0.5, &mut a), noise(0.5, &mut b));
    }

    #[test]
    fn lognormal_noise_has_mean_one() {
        // E[exp(N(μ, σ²))] = exp(μ + σ²/2) = 1 for μ = −σ²/2: the sample mean of 20,000
        // draws with cv 0.5 is within 2 % of 1 (its standard error is 0.5/√20000 = 0.35 %).
        let mut r = RngStreams::new(1).stream("n");
        let n = 20_000;
        let m = (0..n).map(|_| noise(0.5, &mut r)).sum::<f64>() / f64::from(n);
        assert!((m - 1.0).abs() < 0.02, "{m}");
    }
}
