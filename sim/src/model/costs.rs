//! Random draws of the model: item compute times, checkpoint sizes, checkpoint and restore
//! times. Each takes the stream to draw from, so callers decide which named stream feeds it.

use mlsim_core::scenario::{CostModel, TimeDist};
use mlsim_core::{SimDuration, Stream};
use rand_distr::{Distribution, Exp, LogNormal};

/// A multiplicative noise factor with mean 1 and coefficient of variation `cv` (log-normal);
/// exactly 1 when `cv` is 0.
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

/// One draw of a duration distribution.
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

/// A checkpoint time for `raw_bytes` captured.
pub fn checkpoint_time(c: &CostModel, raw_bytes: u64, rng: &mut Stream) -> SimDuration {
    scale(c.checkpoint_mean(raw_bytes), noise(c.checkpoint_cv, rng))
}

/// A restore time for `raw_bytes` captured.
pub fn restore_time(c: &CostModel, raw_bytes: u64, rng: &mut Stream) -> SimDuration {
    scale(c.restore_mean(raw_bytes), noise(c.restore_cv, rng))
}

fn scale(d: SimDuration, f: f64) -> SimDuration {
    if f == 1.0 {
        d
    } else {
        SimDuration::from_nanos_f64(d.as_nanos() as f64 * f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::RngStreams;

    #[test]
    fn noise_has_mean_one_and_the_requested_spread() {
        let mut rng = RngStreams::new(5).stream("n");
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| noise(0.3, &mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        // Standard error of the mean is 0.3/sqrt(n) ≈ 0.0007; 0.005 is > 7 standard errors.
        assert!((mean - 1.0).abs() < 0.005, "mean {mean}");
        assert!((sd - 0.3).abs() < 0.01, "sd {sd}");
        assert_eq!(noise(0.0, &mut rng), 1.0);
    }
}
