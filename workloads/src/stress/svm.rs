//! The stressed/calm classifier: standardised features into an RBF-kernel C-SVM (linfa-svm's
//! SMO solver), trained on the documented synthetic labelled set of [`super::synth`].

use linfa::prelude::*;
use linfa_svm::Svm;
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rayon::prelude::*;

use super::features::{Features, N_FEATURES};
use super::synth::{Condition, generate};
use super::{StressError, WindowExtractor};

/// Kernel width ε of `exp(−‖x−y‖²/ε)` on standardised features (≈ 2 × feature count).
pub const RBF_EPS: f64 = 16.0;

/// A trained classifier.
pub struct Classifier {
    mean: [f64; N_FEATURES],
    std: [f64; N_FEATURES],
    svm: Svm<f64, bool>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("support_vectors", &self.svm.nsupport())
            .finish()
    }
}

impl Classifier {
    /// Train on labelled feature vectors (`true` = stressed).
    pub fn train(x: &[Features], y: &[bool]) -> Result<Self, StressError> {
        if x.len() != y.len() || x.len() < 4 || !y.iter().any(|&b| b) || y.iter().all(|&b| b) {
            return Err(StressError::Training(
                "need at least 4 examples of both classes".into(),
            ));
        }
        let mut mean = [0.0; N_FEATURES];
        let mut std = [0.0; N_FEATURES];
        for f in x {
            for (m, v) in mean.iter_mut().zip(f.to_array()) {
                *m += v / x.len() as f64;
            }
        }
        for f in x {
            for ((s, m), v) in std.iter_mut().zip(&mean).zip(f.to_array()) {
                *s += (v - m).powi(2) / x.len() as f64;
            }
        }
        for s in &mut std {
            *s = if *s > 0.0 { s.sqrt() } else { 1.0 };
        }
        let mut records = Array2::zeros((x.len(), N_FEATURES));
        for (i, f) in x.iter().enumerate() {
            for (j, v) in f.to_array().into_iter().enumerate() {
                records[[i, j]] = (v - mean[j]) / std[j];
            }
        }
        let ds = Dataset::new(records, Array1::from(y.to_vec()));
        let svm = Svm::<f64, bool>::params()
            .pos_neg_weights(1.0, 1.0)
            .gaussian_kernel(RBF_EPS)
            .fit(&ds)
            .map_err(|e| StressError::Training(e.to_string()))?;
        Ok(Self { mean, std, svm })
    }

    /// SVM decision value (positive = stressed).
    pub fn decision(&self, f: &Features) -> f64 {
        let x: Array1<f64> = f
            .to_array()
            .iter()
            .enumerate()
            .map(|(j, v)| (v - self.mean[j]) / self.std[j])
            .collect();
        self.svm.weighted_sum(&x) - self.svm.rho
    }

    /// Number of support vectors.
    pub fn support_vectors(&self) -> usize {
        self.svm.nsupport()
    }
}

/// A labelled synthetic set: feature vectors of 120-s windows, half calm, half stressed.
pub fn synthetic_set(
    per_class: usize,
    fs: f64,
    seed: u64,
) -> Result<(Vec<Features>, Vec<bool>), StressError> {
    let ex = WindowExtractor::new(fs)?;
    let jobs: Vec<(usize, bool)> = (0..2 * per_class).map(|i| (i, i % 2 == 1)).collect();
    let out: Vec<Option<(Features, bool)>> = jobs
        .par_iter()
        .map(|&(i, stressed)| {
            // One named stream per window: the set does not depend on thread scheduling.
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
                seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
            );
            let cond = if stressed {
                Condition::Stress
            } else {
                Condition::Calm
            };
            let p = cond.sample(&mut rng);
            let rec = generate(&[(120.0, p)], fs, &mut rng);
            ex.window_features(&rec.ecg, &rec.rsp)
                .map(|f| (f, stressed))
        })
        .collect();
    let (x, y): (Vec<Features>, Vec<bool>) = out.into_iter().flatten().unzip();
    Ok((x, y))
}

/// Training outcome.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TrainReport {
    /// Training windows.
    pub train_windows: usize,
    /// Held-out windows.
    pub test_windows: usize,
    /// Accuracy on the held-out windows.
    pub held_out_accuracy: f64,
    /// Support vectors.
    pub support_vectors: usize,
}

/// Train on `per_class` synthetic windows per class (seed `seed`) and test on `test_per_class`
/// held-out windows per class (an independent seed).
pub fn train_synthetic(
    per_class: usize,
    test_per_class: usize,
    fs: f64,
    seed: u64,
) -> Result<(Classifier, TrainReport), StressError> {
    let (x, y) = synthetic_set(per_class, fs, seed)?;
    let clf = Classifier::train(&x, &y)?;
    let (tx, ty) = synthetic_set(test_per_class, fs, seed.wrapping_add(0x5eed_0000_0001))?;
    let correct = tx
        .iter()
        .zip(&ty)
        .filter(|(f, y)| (clf.decision(f) >= 0.0) == **y)
        .count();
    let report = TrainReport {
        train_windows: x.len(),
        test_windows: tx.len(),
        held_out_accuracy: if tx.is_empty() {
            0.0
        } else {
            correct as f64 / tx.len() as f64
        },
        support_vectors: clf.support_vectors(),
    };
    Ok((clf, report))
}
