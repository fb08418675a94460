//! ECG cleaning and R-peak detection: a port of NeuroKit2 0.2.13's defaults
//! (`ecg_clean(method="neurokit")`, `_ecg_findpeaks_neurokit`).

use super::filter::{Band, Sos, boxcar_smooth, butter, powerline};

/// The ECG pipeline for one sampling rate (filters designed once).
#[derive(Debug, Clone)]
pub struct EcgPipeline {
    fs: f64,
    highpass: Sos,
}

impl EcgPipeline {
    /// Design the filters for sampling rate `fs` \[Hz\] (≥ 100).
    pub fn new(fs: f64) -> Result<Self, super::filter::DesignError> {
        Ok(Self {
            fs,
            highpass: butter(5, Band::Highpass(0.5), fs)?,
        })
    }

    /// `ecg_clean(method="neurokit")`: 0.5 Hz 5th-order Butterworth high-pass (zero-phase), then
    /// the 50 Hz power-line moving average.
    pub fn clean(&self, ecg: &[f64]) -> Vec<f64> {
        let hp = self.highpass.filtfilt(ecg, self.highpass.default_padlen());
        powerline(&hp, self.fs, 50.0)
    }

    /// R-peak sample indices in a cleaned ECG (`_ecg_findpeaks_neurokit` with smoothwindow
    /// 0.1 s, avgwindow 0.75 s, gradthreshweight 1.5, minlenweight 0.4, mindelay 0.3 s). The
    /// peak of each QRS candidate is its highest interior local maximum (NeuroKit takes the most
    /// prominent one; for a QRS complex they coincide).
    pub fn r_peaks(&self, clean: &[f64]) -> Vec<usize> {
        let n = clean.len();
        if n < 3 {
            return Vec::new();
        }
        // np.gradient: central differences inside, one-sided at the ends.
        let mut absgrad = Vec::with_capacity(n);
        absgrad.push((clean[1] - clean[0]).abs());
        for i in 1..n - 1 {
            absgrad.push(((clean[i + 1] - clean[i - 1]) / 2.0).abs());
        }
        absgrad.push((clean[n - 1] - clean[n - 2]).abs());
        let smooth = boxcar_smooth(&absgrad, (0.1 * self.fs).round() as usize);
        let avg = boxcar_smooth(&smooth, (0.75 * self.fs).round() as usize);
        let mindelay = (0.3 * self.fs).round() as usize;
        let qrs: Vec<bool> = smooth.iter().zip(&avg).map(|(s, a)| *s > 1.5 * a).collect();
        let mut beg = Vec::new();
        let mut end = Vec::new();
        for i in 0..n - 1 {
            if !qrs[i] && qrs[i + 1] {
                beg.push(i);
            }
            if qrs[i] && !qrs[i + 1] {
                end.push(i);
            }
        }
        let Some(&first) = beg.first() else {
            return Vec::new();
        };
        end.retain(|&e| e > first);
        let m = beg.len().min(end.len());
        if m == 0 {
            return Vec::new();
        }
        let mean_len = (0..m).map(|i| (end[i] - beg[i]) as f64).sum::<f64>() / m as f64;
        let min_len = mean_len * 0.4;
        let mut peaks: Vec<usize> = Vec::new();
        for i in 0..m {
            let (b, e) = (beg[i], end[i]);
            if ((e - b) as f64) < min_len || e < b + 3 {
                continue;
            }
            let seg = &clean[b..e];
            let mut best: Option<usize> = None;
            for j in 1..seg.len() - 1 {
                if seg[j] > seg[j - 1]
                    && seg[j] >= seg[j + 1]
                    && best.is_none_or(|k| seg[j] > seg[k])
                {
                    best = Some(j);
                }
            }
            if let Some(j) = best {
                let peak = b + j;
                if peaks.last().is_none_or(|&last| peak > last + mindelay) {
                    peaks.push(peak);
                }
            }
        }
        peaks
    }
}
