//! Box-plot five-number summaries drawn by the figures. Means and confidence intervals are
//! [`mlsim_core::stats`]'s.

/// A box plot's summary of a sample (Tukey's convention, as matplotlib draws it).
///
/// Quartiles are linearly interpolated between order statistics (the "type 7" quantile of R and
/// numpy's default): the p-quantile of sorted `x[0..n]` is at fractional index `p·(n-1)`.
/// Whiskers reach the most extreme samples within 1.5 IQR of the box; samples beyond are
/// outliers.
#[derive(Clone, Debug, PartialEq)]
pub struct BoxStats {
    /// Number of samples.
    pub n: usize,
    /// Lower whisker: smallest sample ≥ q1 - 1.5 IQR.
    pub lower_whisker: f64,
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// Upper whisker: largest sample ≤ q3 + 1.5 IQR.
    pub upper_whisker: f64,
    /// Samples outside the whiskers, ascending.
    pub outliers: Vec<f64>,
}

impl BoxStats {
    /// Summarises `samples` (non-finite values ignored); `None` if no finite sample is left.
    pub fn new(samples: &[f64]) -> Option<Self> {
        let mut x: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if x.is_empty() {
            return None;
        }
        x.sort_by(f64::total_cmp);
        let q1 = quantile_sorted(&x, 0.25);
        let median = quantile_sorted(&x, 0.5);
        let q3 = quantile_sorted(&x, 0.75);
        let iqr = q3 - q1;
        let (lo_fence, hi_fence) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
        let inside = || {
            x.iter()
                .copied()
                .filter(|v| (lo_fence..=hi_fence).contains(v))
        };
        // The quartiles lie within the fences, so some sample always does.
        let lower_whisker = inside().next().unwrap_or(q1);
        let upper_whisker = inside().next_back().unwrap_or(q3);
        let outliers = x
            .iter()
            .copied()
            .filter(|v| !(lo_fence..=hi_fence).contains(v))
            .collect();
        Some(Self {
            n: x.len(),
            lower_whisker,
            q1,
            median,
            q3,
            upper_whisker,
            outliers,
        })
    }

    /// Smallest sample (the lower whisker or the lowest outlier).
    pub fn min(&self) -> f64 {
        self.outliers
            .first()
            .copied()
            .unwrap_or(self.lower_whisker)
            .min(self.lower_whisker)
    }

    /// Largest sample (the upper whisker or the highest outlier).
    pub fn max(&self) -> f64 {
        self.outliers
            .last()
            .copied()
            .unwrap_or(self.upper_whisker)
            .max(self.upper_whisker)
    }
}

/// The `p`-quantile (0 ≤ p ≤ 1) of non-empty ascending `x`, linearly interpolated.
fn quantile_sorted(x: &[f64], p: f64) -> f64 {
    let h = p * (x.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_of_hand_made_sample() {
        // Sorted: 1 2 3 4 5 6 7 8 100 (n = 9). Type-7 quartiles sit at indices 2, 4, 6:
        // q1 = 3, median = 5, q3 = 7, IQR = 4, fences -3 and 13. 100 is an outlier, so the
        // upper whisker is 8, the lower one 1.
        let s = BoxStats::new(&[5.0, 100.0, 1.0, 3.0, 2.0, 8.0, 4.0, 7.0, 6.0]).unwrap();
        assert_eq!(s.n, 9);
        assert_eq!((s.q1, s.median, s.q3), (3.0, 5.0, 7.0));
        assert_eq!((s.lower_whisker, s.upper_whisker), (1.0, 8.0));
        assert_eq!(s.outliers, vec![100.0]);
        assert_eq!((s.min(), s.max()), (1.0, 100.0));
    }

    #[test]
    fn box_interpolates_even_samples() {
        // 1 2 3 4: q1 at index 0.75 → 1.75, median at 1.5 → 2.5, q3 at 2.25 → 3.25.
        let s = BoxStats::new(&[4.0, 3.0, 2.0, 1.0]).unwrap();
        assert_eq!((s.q1, s.median, s.q3), (1.75, 2.5, 3.25));
        assert!(s.outliers.is_empty());
    }

    #[test]
    fn box_of_one_sample_and_of_none() {
        let s = BoxStats::new(&[7.0]).unwrap();
        assert_eq!(
            (s.lower_whisker, s.q1, s.median, s.q3, s.upper_whisker),
            (7.0, 7.0, 7.0, 7.0, 7.0)
        );
        assert!(BoxStats::new(&[]).is_none());
        assert!(BoxStats::new(&[f64::NAN]).is_none());
    }
}
