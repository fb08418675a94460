//! # Stress classification, Sec. IV-A3 of the paper (after Kalatzis et al. 2020)
//!
//! ECG and respiration arrive at 1,000 samples/s. Every 30 s the program looks at the most recent
//! 2 minutes (120,000 samples per channel): it cleans both signals, detects R-peaks and breaths,
//! computes heart rate, HRV (MeanNN, SDNN, RMSSD, pNN50), respiration rate and RRV, and an RBF
//! SVM classifies the window as stressed or calm. As in the paper, the features extracted from
//! the last 90 s are kept as state and combined with those extracted from the next 30 s: the
//! state holds the R-peak and breath times of the last 90 s (and the last three feature vectors),
//! so each step only cleans and searches the newest 30 s (plus filter padding). That extraction
//! is split into 30-s pieces processed in parallel (the paper's "multiple workers").
//!
//! - [`filter`]: Butterworth SOS design, zero-phase filtering, NeuroKit smoothing.
//! - [`ecg`], [`rsp`]: ports of NeuroKit2's cleaning and peak detection.
//! - [`features`]: HR, HRV, respiration rate, RRV.
//! - [`synth`]: the ECGSYN-style labelled generator (calm vs stress ranges, cited).
//! - [`svm`]: the classifier and its synthetic training set.
//! - [`workload`]: the [`Resumable`](crate::checkpoint::Resumable) program.
//! - [`shard`]: one shard of one window (the extraction split over workers, then the join).

pub mod ecg;
pub mod features;
pub mod filter;
pub mod rsp;
pub mod shard;
pub mod svm;
pub mod synth;
pub mod workload;

use std::path::PathBuf;

pub use features::Features;
pub use svm::Classifier;
pub use workload::{StressConfig, StressInput, StressOutput, StressState, StressWorkload};

/// Errors of the stress workload.
#[derive(Debug, thiserror::Error)]
pub enum StressError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A recording could not be read or is malformed (`mlsim-datasets` reads the `.npy` files).
    #[error(transparent)]
    Recording(#[from] mlsim_datasets::ReadError),
    /// A file written by a shard is malformed.
    #[error("{path}: {reason}")]
    Data {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The input is unusable (too short, channels of different lengths, …).
    #[error("stress input: {0}")]
    Input(String),
    /// A filter could not be designed.
    #[error(transparent)]
    Filter(#[from] filter::DesignError),
    /// The SVM could not be trained.
    #[error("SVM training: {0}")]
    Training(String),
    /// A state from a checkpoint does not fit this input.
    #[error("state does not fit this input: {0}")]
    StateMismatch(String),
}

/// Cleaning + detection for both channels at one sampling rate.
#[derive(Debug, Clone)]
pub struct WindowExtractor {
    fs: f64,
    ecg: ecg::EcgPipeline,
    rsp: rsp::RspPipeline,
}

impl WindowExtractor {
    /// Pipelines for sampling rate `fs` \[Hz\].
    pub fn new(fs: f64) -> Result<Self, StressError> {
        if fs.is_nan() || fs < 100.0 {
            return Err(StressError::Input(format!(
                "sampling rate {fs} Hz is below 100 Hz"
            )));
        }
        Ok(Self {
            fs,
            ecg: ecg::EcgPipeline::new(fs)?,
            rsp: rsp::RspPipeline::new(fs)?,
        })
    }

    /// Sampling rate \[Hz\].
    pub fn fs(&self) -> f64 {
        self.fs
    }

    /// R-peaks and breath peaks (indices into the slices), ECG and respiration in parallel.
    pub fn events(&self, ecg: &[f64], rsp: &[f64]) -> (Vec<usize>, Vec<usize>) {
        rayon::join(
            || self.ecg.r_peaks(&self.ecg.clean(ecg)),
            || self.rsp.breath_peaks(&self.rsp.clean(rsp)),
        )
    }

    /// Features of one whole window.
    pub fn window_features(&self, ecg: &[f64], rsp: &[f64]) -> Option<Features> {
        let (r, b) = self.events(ecg, rsp);
        let r: Vec<u64> = r.into_iter().map(|i| i as u64).collect();
        let b: Vec<u64> = b.into_iter().map(|i| i as u64).collect();
        features::features(&r, &b, self.fs)
    }
}
