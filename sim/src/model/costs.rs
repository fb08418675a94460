//! Random draws of the model: item compute times, checkpoint sizes, checkpoint and restore
//! times. Each takes the stream to draw from, so callers decide which named stream feeds it.

use mlsim_core::scenario::CostModel;
use mlsim_core::{SimDuration, Stream};

pub use mlsim_core::rules::{duration, noise};

/// A checkpoint time for `raw_bytes` captured on a BBU of speed `speed` (its CPU share scales
/// with the speed: [`CostModel::checkpoint_mean_at`]).
pub fn checkpoint_time(c: &CostModel, raw_bytes: u64, speed: f64, rng: &mut Stream) -> SimDuration {
    scale(
        c.checkpoint_mean_at(raw_bytes, speed),
        noise(c.checkpoint_cv, rng),
    )
}

/// A restore time for `raw_bytes` captured on a BBU of speed `speed`.
pub fn restore_time(c: &CostModel, raw_bytes: u64, speed: f64, rng: &mut Stream) -> SimDuration {
    scale(
        c.restore_mean_at(raw_bytes, speed),
        noise(c.restore_cv, rng),
    )
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
