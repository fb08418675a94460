//! Statistics shared by every output of mlsim: one definition of a confidence interval.
//!
//! **The confidence interval of a mean** is taken over independent replications, never over
//! individual requests (requests of one run share its load, queues and random streams, so
//! they are not independent): each replication gives one value (e.g. its mean execution
//! time), and the interval is
//!
//! ```text
//! mean = (1/n) Σ xᵢ      half-width = t(0.975, n − 1) · s / √n,   s² = Σ (xᵢ − mean)² / (n − 1)
//! ```
//!
//! over the n replications that have a value, with Student's t quantile ([`t975`]); with one
//! replication there is no interval (`None`, an empty CSV cell). `summary.csv`, `policies.csv`,
//! `mlsim compare` and the figures' error bars all use [`RepCi`].

pub mod student_t;

pub use student_t::t975;

use std::collections::BTreeMap;

/// The arithmetic mean of `xs`; NaN for no values.
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        f64::NAN
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// The median of `xs` (mean of the middle two for an even count); `None` for no values.
pub fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Median (as [`median`]), min and max of `xs`; `None` for no values.
pub fn median_min_max(mut xs: Vec<f64>) -> Option<(f64, f64, f64)> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let med = if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    };
    Some((med, xs[0], xs[n - 1]))
}

/// The mean of one statistic over replications, with its 95 % confidence half-width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RepCi {
    /// Replications that had a value.
    pub n: usize,
    /// Mean of the per-replication values.
    pub mean: f64,
    /// t(0.975, n − 1)·s/√n; `None` if n < 2.
    pub ci95: Option<f64>,
}

impl RepCi {
    /// Mean and 95 % CI of per-replication `values` (non-finite ones ignored); `None` if none
    /// is left.
    pub fn new(values: &[f64]) -> Option<Self> {
        let x: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let n = x.len();
        if n == 0 {
            return None;
        }
        let mean = x.iter().sum::<f64>() / n as f64;
        let ci95 = t975(n - 1).map(|t| {
            let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t * var.sqrt() / (n as f64).sqrt()
        });
        Some(Self { n, mean, ci95 })
    }

    /// The mean over replications of the per-replication mean of `samples`, each tagged with
    /// its replication (non-finite samples ignored), with its CI; `None` without samples.
    pub fn of_replication_means<K: Ord>(
        samples: impl IntoIterator<Item = (K, f64)>,
    ) -> Option<Self> {
        let mut by_rep: BTreeMap<K, (f64, usize)> = BTreeMap::new();
        for (k, v) in samples {
            if v.is_finite() {
                let e = by_rep.entry(k).or_default();
                e.0 += v;
                e.1 += 1;
            }
        }
        let means: Vec<f64> = by_rep.values().map(|(s, n)| s / *n as f64).collect();
        Self::new(&means)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max_of_odd_and_even_sets() {
        assert_eq!(median_min_max(vec![3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(
            median_min_max(vec![4.0, 1.0, 2.0, 3.0]),
            Some((2.5, 1.0, 4.0))
        );
        assert_eq!(median_min_max(vec![]), None);
    }

    #[test]
    fn mean_and_median_by_hand() {
        // (1 + 2 + 6) / 3 = 3; sorted 1 2 3 -> 2; sorted 1 2 3 4 -> (2 + 3) / 2 = 2.5.
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
        assert!(mean(&[]).is_nan());
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(Vec::new()), None);
    }

    #[test]
    fn ci_over_replications() {
        // 2, 4, 6: mean 4, s² = (4 + 0 + 4) / 2 = 4, s = 2, half-width t(0.975, 2)·2/√3.
        let c = RepCi::new(&[2.0, 4.0, 6.0]).unwrap();
        assert_eq!((c.n, c.mean), (3, 4.0));
        assert!((c.ci95.unwrap() - 4.302652730 * 2.0 / 3f64.sqrt()).abs() < 1e-12);
        let c = RepCi::new(&[4.0]).unwrap();
        assert_eq!((c.n, c.mean, c.ci95), (1, 4.0, None));
        assert!(RepCi::new(&[]).is_none());
        assert!(RepCi::new(&[f64::NAN]).is_none());
    }

    #[test]
    fn replication_means_weigh_replications_not_requests() {
        // Replication 0: requests 1 and 3 (mean 2); replication 1: one request of 6 (mean 6).
        // Mean of the means = 4 (not the pooled 10/3); s² = ((2−4)² + (6−4)²)/1 = 8,
        // half-width = t(0.975, 1)·√8/√2 = 12.706204736·2.
        let c = RepCi::of_replication_means([(0, 1.0), (1, 6.0), (0, 3.0), (1, f64::NAN)]).unwrap();
        assert_eq!((c.n, c.mean), (2, 4.0));
        assert!((c.ci95.unwrap() - 12.706204736 * 2.0).abs() < 1e-9);
        // One replication: a mean, no interval.
        let c = RepCi::of_replication_means([(7, 1.0), (7, 2.0)]).unwrap();
        assert_eq!((c.n, c.mean, c.ci95), (1, 1.5, None));
        assert!(RepCi::of_replication_means(Vec::<(u32, f64)>::new()).is_none());
    }
}
