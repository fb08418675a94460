//! The fits of `mlsim calibrate` (the calibration of the simulator's models from real runs):
//! pure functions from measured samples to model parameters (no
//! I/O). Each fit says what it did, including when a physically meaningless result was replaced
//! by a documented fallback, so the report can say so.
//!
//! The simulator's models (core `scenario.rs`):
//! - cost: `time = (base + per_mib · MiB) · noise`, noise log-normal with mean 1 and coefficient
//!   of variation `cv` ([`time_line`]);
//! - size: `raw(items) = min(base + per_item · items, max)`, compressed = raw · compression ·
//!   noise(size_cv) ([`size_line`], [`ratio`]);
//! - per-item and set-up times: log-normal with a mean and a cv ([`lognormal`]).

/// Why a fit is impossible.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// No samples.
    #[error("no samples to fit {0}")]
    Empty(String),
    /// A sample is not a finite, non-negative number.
    #[error("{what}: sample {index} is {value}, not a finite non-negative number")]
    Bad {
        /// The quantity.
        what: String,
        /// Index of the sample.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// `x` and `y` differ in length.
    #[error("{0}: x and y have different lengths")]
    Length(String),
}

/// A straight line `y = base + slope · x` fitted by ordinary least squares, with the spread of
/// the observations around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Samples.
    pub n: usize,
    /// Intercept [unit of y].
    pub base: f64,
    /// Slope [unit of y per unit of x].
    pub slope: f64,
    /// Coefficient of determination of the final (possibly clamped) line; `None` when y does not
    /// vary (or with one sample).
    pub r2: Option<f64>,
    /// Coefficient of variation of the ratios observed/fitted: the log-normal noise's cv.
    pub cv: f64,
    /// Residuals observed − fitted [unit of y], in sample order.
    pub residuals: Vec<f64>,
    /// Fitted values, in sample order.
    pub fitted: Vec<f64>,
    /// A fallback that replaced the least-squares result, and why (see [`time_line`]).
    pub fallback: Option<String>,
}

/// Mean and coefficient of variation of a sample (the log-normal's parameters by moments).
#[derive(Debug, Clone, PartialEq)]
pub struct MeanCv {
    /// Samples.
    pub n: usize,
    /// Mean [unit of the samples].
    pub mean: f64,
    /// Sample standard deviation / mean (0 for one sample).
    pub cv: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
}

fn check(what: &str, v: &[f64]) -> Result<(), FitError> {
    if v.is_empty() {
        return Err(FitError::Empty(what.into()));
    }
    match v.iter().position(|x| !x.is_finite() || *x < 0.0) {
        Some(index) => Err(FitError::Bad {
            what: what.into(),
            index,
            value: v[index],
        }),
        None => Ok(()),
    }
}

use mlsim_core::stats::mean;

/// Sample standard deviation (n − 1 in the denominator; 0 for fewer than two values).
fn std_dev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Mean and cv of `v` (e.g. per-item times \[ms\]).
pub fn lognormal(what: &str, v: &[f64]) -> Result<MeanCv, FitError> {
    check(what, v)?;
    let m = mean(v);
    Ok(MeanCv {
        n: v.len(),
        mean: m,
        cv: if m > 0.0 { std_dev(v) / m } else { 0.0 },
        min: v.iter().copied().fold(f64::INFINITY, f64::min),
        max: v.iter().copied().fold(0.0, f64::max),
    })
}

/// The ratio `num / den` per sample: its mean and cv (e.g. compressed / raw bytes).
pub fn ratio(what: &str, num: &[f64], den: &[f64]) -> Result<MeanCv, FitError> {
    if num.len() != den.len() {
        return Err(FitError::Length(what.into()));
    }
    check(what, num)?;
    check(what, den)?;
    if let Some(index) = den.iter().position(|d| *d <= 0.0) {
        return Err(FitError::Bad {
            what: format!("{what} (denominator)"),
            index,
            value: den[index],
        });
    }
    let r: Vec<f64> = num.iter().zip(den).map(|(a, b)| a / b).collect();
    lognormal(what, &r)
}

/// Ordinary least squares of `y` against `x`, then the physical constraints of a time or size
/// model (both parameters non-negative), with these documented fallbacks:
///
/// - one sample, or all `x` equal (the slope is not identifiable): slope 0, base = mean of y;
/// - a negative slope (y falls with x: noise dominates the dependence): slope 0, base = mean y;
/// - a negative base with a positive slope: the line through the origin,
///   slope = Σxy / Σx², base 0.
///
/// `cv` is the coefficient of variation of observed/fitted over the samples whose fitted value is
/// positive: with `time = fitted · noise` and noise of mean 1, that is the noise's cv.
pub fn time_line(what: &str, x: &[f64], y: &[f64]) -> Result<Line, FitError> {
    if x.len() != y.len() {
        return Err(FitError::Length(what.into()));
    }
    check(what, x)?;
    check(what, y)?;
    let n = x.len();
    let (mx, my) = (mean(x), mean(y));
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let (mut base, mut slope, mut fallback) = (my, 0.0, None);
    if n == 1 {
        fallback = Some("one sample: constant model (slope 0, base = the sample)".to_string());
    } else if sxx <= f64::EPSILON * mx.abs().max(1.0) * n as f64 {
        fallback = Some(
            "x does not vary: slope not identifiable; constant model (slope 0, base = mean)"
                .to_string(),
        );
    } else {
        slope = sxy / sxx;
        base = my - slope * mx;
        if slope < 0.0 {
            fallback = Some(format!(
                "least squares gave a negative slope ({slope:.4e}): constant model (slope 0, base = mean)"
            ));
            slope = 0.0;
            base = my;
        } else if base < 0.0 {
            let sx2: f64 = x.iter().map(|a| a * a).sum();
            let through = x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>() / sx2;
            fallback = Some(format!(
                "least squares gave a negative base ({base:.4e}): line through the origin"
            ));
            base = 0.0;
            slope = through;
        }
    }
    let fitted: Vec<f64> = x.iter().map(|a| base + slope * a).collect();
    let residuals: Vec<f64> = y.iter().zip(&fitted).map(|(o, f)| o - f).collect();
    let ss_res: f64 = residuals.iter().map(|r| r * r).sum();
    let ss_tot: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    let r2 = (n > 1 && ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot);
    let ratios: Vec<f64> = y
        .iter()
        .zip(&fitted)
        .filter(|(_, f)| **f > 0.0)
        .map(|(o, f)| o / f)
        .collect();
    let cv = if ratios.is_empty() || mean(&ratios) <= 0.0 {
        0.0
    } else {
        std_dev(&ratios) / mean(&ratios)
    };
    Ok(Line {
        n,
        base,
        slope,
        r2,
        cv,
        residuals,
        fitted,
        fallback,
    })
}

/// A size model `min(base + per_item · items, max)` \[bytes\] from raw sizes against items done:
/// [`time_line`]'s fit and fallbacks, integers rounded, and `max` = the largest observed size (the
/// model does not extrapolate growth beyond what was measured).
#[derive(Debug, Clone, PartialEq)]
pub struct SizeFit {
    /// The line (bytes against items).
    pub line: Line,
    /// Size at no progress \[bytes\].
    pub base: u64,
    /// Growth per item \[bytes\].
    pub per_item: u64,
    /// Cap: the largest observation, at least `base` \[bytes\].
    pub max: u64,
}

/// Fits a [`SizeFit`] to raw sizes `bytes` \[bytes\] against items done `items`.
pub fn size_line(what: &str, items: &[f64], bytes: &[f64]) -> Result<SizeFit, FitError> {
    let line = time_line(what, items, bytes)?;
    let base = line.base.round() as u64;
    let per_item = line.slope.round() as u64;
    let observed = bytes.iter().copied().fold(0.0, f64::max).round() as u64;
    Ok(SizeFit {
        base,
        per_item,
        max: observed.max(base),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal};

    /// Log-normal noise of mean 1 and coefficient of variation `cv`: σ² = ln(1 + cv²),
    /// μ = −σ²/2 (then E = exp(μ + σ²/2) = 1 and Var/E² = exp(σ²) − 1 = cv²).
    fn noise(cv: f64) -> LogNormal<f64> {
        let s2 = (1.0 + cv * cv).ln();
        LogNormal::new(-s2 / 2.0, s2.sqrt()).expect("valid")
    }

    #[test]
    fn noise_free_data_are_recovered_exactly() {
        // y = 150 + 1.5 x on x = 0, 10, ..., 90: OLS is exact, residuals 0, R² 1, cv 0.
        let x: Vec<f64> = (0..10).map(|i| 10.0 * i as f64).collect();
        let y: Vec<f64> = x.iter().map(|a| 150.0 + 1.5 * a).collect();
        let l = time_line("t", &x, &y).expect("fits");
        assert!(
            (l.base - 150.0).abs() < 1e-9 && (l.slope - 1.5).abs() < 1e-12,
            "{l:?}"
        );
        assert!(l.r2.is_some_and(|r| (r - 1.0).abs() < 1e-12), "{:?}", l.r2);
        assert!(l.cv < 1e-12 && l.fallback.is_none());
        assert!(l.residuals.iter().all(|r| r.abs() < 1e-9));
        let s =
            size_line("s", &x, &y.iter().map(|v| v * 1000.0).collect::<Vec<_>>()).expect("fits");
        // base 150 000 B, 1500 B per item, max = largest observation 150 000 + 1500·90 = 285 000 B.
        assert_eq!((s.base, s.per_item, s.max), (150_000, 1500, 285_000));
    }

    #[test]
    fn noisy_samples_recover_base_slope_and_cv() {
        // time = (150 + 1.0 x) · LN(mean 1, cv 0.07), x uniform in [20, 200) MiB, 5000 samples,
        // seeded. Standard error of the cv estimate ≈ cv/sqrt(2n) = 0.0007; of the slope ≈
        // σ_y/(σ_x sqrt(n)) with σ_y ≈ 0.07·260 = 18 ms, σ_x = 52: 0.005 ms/MiB; of the base ≈ 0.6 ms.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let u = rand_distr::Uniform::new(20.0, 200.0).expect("range");
        let nz = noise(0.07);
        let x: Vec<f64> = (0..5000).map(|_| u.sample(&mut rng)).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|a| (150.0 + a) * nz.sample(&mut rng))
            .collect();
        let l = time_line("criu", &x, &y).expect("fits");
        assert!((l.base - 150.0).abs() < 3.0, "base {}", l.base);
        assert!((l.slope - 1.0).abs() < 0.025, "slope {}", l.slope);
        assert!((l.cv - 0.07).abs() < 0.004, "cv {}", l.cv);
        assert!(l.fallback.is_none());
        let r2 = l.r2.expect("defined");
        // Var explained: slope² σ_x² = 2700 against noise ≈ 18² = 330: R² ≈ 0.89.
        assert!(r2 > 0.8 && r2 < 0.95, "{r2}");
        // The same data with one sample per 1000: still unbiased, looser.
        let m = lognormal("n", &y).expect("fits");
        assert_eq!(m.n, 5000);
    }

    #[test]
    fn lognormal_mean_and_cv_of_draws() {
        // Mean 2.5 ms, cv 0.3: n = 20 000, se(mean) = 0.3·2.5/141 = 0.005, se(cv) ≈ 0.002-0.003.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let nz = noise(0.3);
        let v: Vec<f64> = (0..20_000).map(|_| 2.5 * nz.sample(&mut rng)).collect();
        let m = lognormal("item", &v).expect("fits");
        assert!((m.mean - 2.5).abs() < 0.03, "{m:?}");
        assert!((m.cv - 0.3).abs() < 0.015, "{m:?}");
        // Exact: {1, 2, 3}: mean 2, sample std 1, cv 0.5.
        let e = lognormal("e", &[1.0, 2.0, 3.0]).expect("fits");
        assert_eq!((e.mean, e.cv, e.min, e.max), (2.0, 0.5, 1.0, 3.0));
        // Compression ratios 0.5 and 0.25 of {100, 400}: mean 0.375.
        let r = ratio("c", &[50.0, 100.0], &[100.0, 400.0]).expect("fits");
        assert_eq!(r.mean, 0.375);
    }

    #[test]
    fn degenerate_inputs_fall_back_or_fail_clearly() {
        // One sample: constant model.
        let one = time_line("t", &[3.0], &[7.0]).expect("fits");
        assert_eq!((one.base, one.slope, one.r2, one.cv), (7.0, 0.0, None, 0.0));
        assert!(
            one.fallback
                .as_deref()
                .is_some_and(|f| f.contains("one sample"))
        );
        // All x equal: constant model at the mean of y (4), cv of {2, 6}/4 = std 2.83/4 = 0.707.
        let flat = time_line("t", &[5.0, 5.0], &[2.0, 6.0]).expect("fits");
        assert_eq!((flat.base, flat.slope), (4.0, 0.0));
        assert!((flat.cv - 8f64.sqrt() / 4.0).abs() < 1e-12);
        assert!(
            flat.fallback
                .as_deref()
                .is_some_and(|f| f.contains("does not vary"))
        );
        // All sizes equal: slope 0 by least squares itself, R² undefined, no fallback needed.
        let same = size_line("s", &[1.0, 2.0, 3.0], &[9.0, 9.0, 9.0]).expect("fits");
        assert_eq!(
            (same.base, same.per_item, same.max, same.line.r2),
            (9, 0, 9, None)
        );
        // Falling y: slope clamped to 0, base = mean.
        let down = time_line("t", &[0.0, 1.0, 2.0], &[3.0, 2.0, 1.0]).expect("fits");
        assert_eq!((down.base, down.slope), (2.0, 0.0));
        assert!(
            down.fallback
                .as_deref()
                .is_some_and(|f| f.contains("negative slope"))
        );
        // Negative intercept: y = 2x − 1 on x = 1, 2, 3 → through the origin:
        // Σxy/Σx² = (1 + 6 + 15)/14 = 22/14.
        let neg = time_line("t", &[1.0, 2.0, 3.0], &[1.0, 3.0, 5.0]).expect("fits");
        assert_eq!(neg.base, 0.0);
        assert!((neg.slope - 22.0 / 14.0).abs() < 1e-12);
        assert!(
            neg.fallback
                .as_deref()
                .is_some_and(|f| f.contains("negative base"))
        );
        // Errors, not panics.
        assert_eq!(time_line("t", &[], &[]), Err(FitError::Empty("t".into())));
        assert!(matches!(
            time_line("t", &[1.0], &[1.0, 2.0]),
            Err(FitError::Length(_))
        ));
        assert!(matches!(
            time_line("t", &[f64::NAN], &[1.0]),
            Err(FitError::Bad { .. })
        ));
        assert!(matches!(lognormal("t", &[-1.0]), Err(FitError::Bad { .. })));
        assert!(matches!(
            ratio("c", &[1.0], &[0.0]),
            Err(FitError::Bad { .. })
        ));
        // All y zero: fitted 0 everywhere, cv 0 (no ratios), R² undefined.
        let zero = time_line("t", &[1.0, 2.0], &[0.0, 0.0]).expect("fits");
        assert_eq!(
            (zero.base, zero.slope, zero.cv, zero.r2),
            (0.0, 0.0, 0.0, None)
        );
    }
}
