//! The stress-classification program: input recording, μλ state, one 30-s window per safe point.

use std::path::Path;
use std::sync::Arc;

use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::features::{Features, features};
use super::synth::{Condition, generate};
use super::{Classifier, StressError, WindowExtractor};
use crate::checkpoint::{Resumable, Step};

/// Window length \[s\] (paper: the most recent two minutes).
pub const WINDOW_S: f64 = 120.0;
/// Step between windows \[s\] (paper: every 30 seconds).
pub const STEP_S: f64 = 30.0;
/// Events in the last `MARGIN_S` \[s\] before a step's end are deferred to the next step, where
/// they are no longer at the edge of the filtered stretch.
pub const MARGIN_S: f64 = 5.0;
/// Signal before a piece that is filtered with it so that the filters have settled \[s\].
pub const PAD_S: f64 = 10.0;
/// Length of the pieces the newest signal is split into for parallel extraction \[s\].
pub const PIECE_S: f64 = 30.0;

/// A two-channel recording.
#[derive(Debug, Clone)]
pub struct StressInput {
    /// ECG samples.
    pub ecg: Vec<f64>,
    /// Respiration samples (same length and rate).
    pub rsp: Vec<f64>,
    /// Sampling rate \[Hz\].
    pub fs: f64,
    /// Ground truth per sample range `(start, end, stressed)`, for synthetic input.
    pub truth: Vec<(u64, u64, bool)>,
    /// Where it came from.
    pub source: String,
}

impl StressInput {
    /// Check the channels and rate.
    pub fn new(
        ecg: Vec<f64>,
        rsp: Vec<f64>,
        fs: f64,
        source: impl Into<String>,
    ) -> Result<Self, StressError> {
        if ecg.len() != rsp.len() {
            return Err(StressError::Input(format!(
                "ECG has {} samples, respiration {}",
                ecg.len(),
                rsp.len()
            )));
        }
        if (ecg.len() as f64) < WINDOW_S * fs {
            return Err(StressError::Input(format!(
                "{} samples is shorter than one {WINDOW_S}-s window at {fs} Hz",
                ecg.len()
            )));
        }
        if ecg.iter().chain(&rsp).any(|v| !v.is_finite()) {
            return Err(StressError::Input(
                "the recording contains NaN or infinite samples".into(),
            ));
        }
        Ok(Self {
            ecg,
            rsp,
            fs,
            truth: Vec::new(),
            source: source.into(),
        })
    }

    /// A synthetic recording at 1,000 Hz: `blocks` blocks of `block_s` seconds alternating calm,
    /// stress, calm, … with parameters drawn from [`Condition`]'s ranges.
    pub fn synthetic(blocks: usize, block_s: f64, seed: u64) -> Result<Self, StressError> {
        let fs = 1000.0;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let plan: Vec<(f64, Condition)> = (0..blocks.max(1))
            .map(|i| {
                (
                    block_s,
                    if i % 2 == 0 {
                        Condition::Calm
                    } else {
                        Condition::Stress
                    },
                )
            })
            .collect();
        let params: Vec<_> = plan.iter().map(|(d, c)| (*d, c.sample(&mut rng))).collect();
        let rec = generate(&params, fs, &mut rng);
        let mut input = Self::new(
            rec.ecg,
            rec.rsp,
            fs,
            format!(
                "synthetic ECGSYN-style, {} x {block_s} s (seed {seed})",
                plan.len()
            ),
        )?;
        let mut start = 0u64;
        for (d, c) in plan {
            let end = start + (d * fs).round() as u64;
            input.truth.push((start, end, c == Condition::Stress));
            start = end;
        }
        Ok(input)
    }

    /// The systole recordings (`Task1_ECG.npy`, `Task1_Respiration.npy`, 1,000 Hz) in `dir`.
    pub fn systole(dir: &Path) -> Result<Self, StressError> {
        let ecg = mlsim_datasets::npy::read_npy_f64(&dir.join("Task1_ECG.npy"))?;
        let rsp = mlsim_datasets::npy::read_npy_f64(&dir.join("Task1_Respiration.npy"))?;
        Self::new(
            ecg,
            rsp,
            1000.0,
            format!("systole 0.3.1 Task1 ({})", dir.display()),
        )
    }

    /// Number of windows (steps) in the recording.
    pub fn windows(&self) -> u32 {
        let dur = self.ecg.len() as f64 / self.fs;
        if dur < WINDOW_S {
            0
        } else {
            ((dur - WINDOW_S) / STEP_S).floor() as u32 + 1
        }
    }

    /// Keep only the first `n` windows' worth of signal.
    pub fn truncate_windows(&mut self, n: u32) {
        let len = ((WINDOW_S + STEP_S * f64::from(n.saturating_sub(1))) * self.fs).round() as usize;
        if n > 0 && len < self.ecg.len() {
            self.ecg.truncate(len);
            self.rsp.truncate(len);
        }
    }

    /// A fingerprint (FNV-1a over length, rate and every 997th sample).
    pub fn fingerprint(&self) -> u64 {
        let mut h = mlsim_core::fnv::Fnv1a::new();
        let mut eat = |x: u64| {
            h.u64(x);
        };
        eat(self.ecg.len() as u64);
        eat(self.fs.to_bits());
        for i in (0..self.ecg.len()).step_by(997) {
            eat(self.ecg[i].to_bits());
            eat(self.rsp[i].to_bits());
        }
        h.finish()
    }
}

/// Parameters of the program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressConfig {
    /// Worker threads for feature extraction (0 = rayon's default).
    pub workers: usize,
}

impl Default for StressConfig {
    fn default() -> Self {
        Self { workers: 2 }
    }
}

/// The μλ state: the R-peak and breath times of the last 90 s (absolute sample indices) and the
/// last three feature vectors, plus where the stream stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressState {
    /// Fingerprint of the recording this state belongs to.
    pub input_fingerprint: u64,
    /// Next window.
    pub next_window: u32,
    /// Events before this sample are final.
    pub accepted_until: u64,
    /// R-peak sample indices of the last 90 s.
    pub r_peaks: Vec<u64>,
    /// Breath-peak sample indices of the last 90 s.
    pub breaths: Vec<u64>,
    /// Feature vectors of the last 90 s (three windows).
    pub history: Vec<Features>,
}

impl StressState {
    /// The state before the first window of the recording with fingerprint `input_fingerprint`.
    pub fn empty(input_fingerprint: u64) -> Self {
        Self {
            input_fingerprint,
            next_window: 0,
            accepted_until: 0,
            r_peaks: Vec::new(),
            breaths: Vec::new(),
            history: Vec::new(),
        }
    }
}

/// The output for one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressOutput {
    /// Window number.
    pub window: u32,
    /// End of the analysed 2-minute window [s from the recording start].
    pub end_s: f64,
    /// Features (`None` if too few beats or breaths were found).
    pub features: Option<Features>,
    /// SVM decision value (positive = stressed).
    pub decision: Option<f64>,
    /// Classified as stressed.
    pub stressed: Option<bool>,
    /// Windows classified stressed among this one and the three before it (the last 2 min).
    pub stressed_recent: u8,
    /// Ground truth at the window's centre, for synthetic input.
    pub truth: Option<bool>,
}

/// The stress-classification workload.
pub struct StressWorkload {
    input: StressInput,
    extractor: WindowExtractor,
    classifier: Arc<Classifier>,
    pool: rayon::ThreadPool,
    state: StressState,
}

impl std::fmt::Debug for StressWorkload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StressWorkload")
            .field("source", &self.input.source)
            .field("state", &self.state)
            .finish()
    }
}

fn merge(into: &mut Vec<u64>, new: impl IntoIterator<Item = u64>, min_gap: u64) {
    for e in new {
        if into.last().is_none_or(|&l| e > l + min_gap) {
            into.push(e);
        }
    }
}

impl StressWorkload {
    /// A workload at its start.
    pub fn new(
        input: StressInput,
        classifier: Arc<Classifier>,
        config: &StressConfig,
    ) -> Result<Self, StressError> {
        let extractor = WindowExtractor::new(input.fs)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.workers)
            .build()
            .map_err(|e| StressError::Input(e.to_string()))?;
        let state = StressState::empty(input.fingerprint());
        Ok(Self {
            input,
            extractor,
            classifier,
            pool,
            state,
        })
    }

    /// The input.
    pub fn input(&self) -> &StressInput {
        &self.input
    }

    /// Detect events in `[a, b)` (sample indices), filtering `[a − PAD, b + MARGIN)`.
    fn piece(&self, a: usize, b: usize) -> (Vec<u64>, Vec<u64>) {
        let fs = self.input.fs;
        let lo = a.saturating_sub((PAD_S * fs) as usize);
        let hi = (b + (MARGIN_S * fs) as usize).min(self.input.ecg.len());
        let (r, br) = self
            .extractor
            .events(&self.input.ecg[lo..hi], &self.input.rsp[lo..hi]);
        let keep = |v: Vec<usize>| {
            v.into_iter()
                .map(|i| (i + lo) as u64)
                .filter(|&i| i >= a as u64 && i < b as u64)
                .collect()
        };
        (keep(r), keep(br))
    }

    /// End of window `k`'s new stretch (sample index): events before it are final after `k`.
    pub fn stretch_end(&self, k: u32) -> usize {
        let t_end = WINDOW_S + STEP_S * f64::from(k);
        ((t_end - MARGIN_S) * self.input.fs).round() as usize
    }

    /// Window `k`'s new stretch `[start, end(k))` split into fixed pieces of `PIECE_S`, aligned
    /// to the stream (so the result does not depend on the number of workers or shards).
    /// `start` is where the events are final: the previous window's [`Self::stretch_end`].
    pub fn pieces(&self, start: usize, k: u32) -> Vec<(usize, usize)> {
        let end = self.stretch_end(k);
        let piece = (PIECE_S * self.input.fs) as usize;
        let mut bounds = Vec::new();
        let mut a = start;
        while a < end {
            let b = ((a / piece + 1) * piece).min(end);
            bounds.push((a, b));
            a = b;
        }
        bounds
    }

    /// R-peaks and breaths (absolute sample indices) of each piece, in parallel on the pool.
    pub fn detect(&self, bounds: &[(usize, usize)]) -> Vec<(Vec<u64>, Vec<u64>)> {
        self.pool
            .install(|| bounds.par_iter().map(|&(a, b)| self.piece(a, b)).collect())
    }

    /// The join of window `k`: merges the pieces' events (in stream order) into `state`,
    /// computes the features and the SVM decision, and moves `state` to window `k + 1`.
    pub fn join(
        &self,
        state: &mut StressState,
        k: u32,
        pieces: Vec<(Vec<u64>, Vec<u64>)>,
    ) -> StressOutput {
        let fs = self.input.fs;
        let t_end = WINDOW_S + STEP_S * f64::from(k);
        let end = self.stretch_end(k);
        for (r, b) in pieces {
            merge(&mut state.r_peaks, r, (0.3 * fs) as u64);
            merge(&mut state.breaths, b, (0.5 * fs) as u64);
        }
        state.accepted_until = end as u64;
        let w0 = end.saturating_sub((WINDOW_S * fs) as usize) as u64;
        let r: Vec<u64> = state.r_peaks.iter().copied().filter(|&i| i >= w0).collect();
        let b: Vec<u64> = state.breaths.iter().copied().filter(|&i| i >= w0).collect();
        let feats = features(&r, &b, fs);
        let decision = feats.as_ref().map(|f| self.classifier.decision(f));
        let recent = state
            .history
            .iter()
            .filter(|f| self.classifier.decision(f) >= 0.0)
            .count() as u8
            + u8::from(decision.is_some_and(|d| d >= 0.0));
        let centre = ((t_end - WINDOW_S / 2.0) * fs) as u64;
        let truth = self
            .input
            .truth
            .iter()
            .find(|(s, e, _)| centre >= *s && centre < *e)
            .map(|t| t.2);
        // Keep only what the next window needs: the last 90 s of events and feature vectors.
        let keep_from = (end as u64 + (STEP_S * fs) as u64).saturating_sub((WINDOW_S * fs) as u64);
        state.r_peaks.retain(|&i| i >= keep_from);
        state.breaths.retain(|&i| i >= keep_from);
        if let Some(f) = feats {
            state.history.push(f);
            if state.history.len() > 3 {
                state.history.remove(0);
            }
        }
        state.next_window = k + 1;
        StressOutput {
            window: k,
            end_s: t_end,
            features: feats,
            decision,
            stressed: decision.map(|d| d >= 0.0),
            stressed_recent: recent,
            truth,
        }
    }
}

impl Resumable for StressWorkload {
    const APP: &'static str = "stress";
    type State = StressState;
    type Output = StressOutput;
    type Error = StressError;

    fn step(&mut self) -> Result<Step<StressOutput>, StressError> {
        let k = self.state.next_window;
        if k >= self.input.windows() {
            return Ok(Step::Done);
        }
        let bounds = self.pieces(self.state.accepted_until as usize, k);
        let pieces = self.detect(&bounds);
        let mut state = std::mem::replace(&mut self.state, StressState::empty(0));
        let out = self.join(&mut state, k, pieces);
        self.state = state;
        Ok(Step::Item(out))
    }

    fn state(&self) -> &StressState {
        &self.state
    }

    fn restore(&mut self, state: StressState) -> Result<(), StressError> {
        if state.input_fingerprint != self.input.fingerprint() {
            return Err(StressError::StateMismatch(
                "the state was written for a different recording".into(),
            ));
        }
        if state.next_window > self.input.windows()
            || state.accepted_until > self.input.ecg.len() as u64
        {
            return Err(StressError::StateMismatch(format!(
                "window {} is beyond this recording",
                state.next_window
            )));
        }
        self.state = state;
        Ok(())
    }

    fn items_done(&self) -> Option<u64> {
        Some(u64::from(self.state.next_window))
    }
}
