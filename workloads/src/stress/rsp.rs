//! Respiration cleaning and breath detection: a port of NeuroKit2 0.2.13's
//! `rsp_clean(method="khodadad2018")` and `rsp_peaks(method="khodadad2018")` (Khodadad et al.
//! 2018, *Physiol. Meas.* 39(9):094001).

use super::filter::{Band, Sos, butter};

/// The respiration pipeline for one sampling rate.
#[derive(Debug, Clone)]
pub struct RspPipeline {
    bandpass: Sos,
}

impl RspPipeline {
    /// Design the 0.05–3 Hz 2nd-order Butterworth band-pass for sampling rate `fs` \[Hz\].
    pub fn new(fs: f64) -> Result<Self, super::filter::DesignError> {
        Ok(Self {
            bandpass: butter(2, Band::Bandpass(0.05, 3.0), fs)?,
        })
    }

    /// Zero-phase band-pass, which also centres the signal on zero.
    pub fn clean(&self, rsp: &[f64]) -> Vec<f64> {
        self.bandpass.filtfilt(rsp, self.bandpass.default_padlen())
    }

    /// Inhalation peaks (sample indices) of a cleaned respiration signal: extrema between zero
    /// crossings, minus extrema whose height difference to their neighbour is below 0.3 × the
    /// median, minus those that break the peak/trough alternation.
    pub fn breath_peaks(&self, clean: &[f64]) -> Vec<usize> {
        let n = clean.len();
        if n < 3 {
            return Vec::new();
        }
        let mut cross: Vec<(usize, bool)> = Vec::new(); // (index, rising)
        for i in 0..n - 1 {
            if clean[i] < 0.0 && clean[i + 1] > 0.0 {
                cross.push((i, true));
            } else if clean[i] > 0.0 && clean[i + 1] < 0.0 {
                cross.push((i, false));
            }
        }
        if cross.len() < 2 {
            return Vec::new();
        }
        // Between a rising and the next falling crossing lies a peak, else a trough.
        let mut ext: Vec<usize> = Vec::with_capacity(cross.len());
        for w in cross.windows(2) {
            let (b, rising) = w[0];
            let e = w[1].0;
            let seg = &clean[b..e.max(b + 1)];
            let mut k = 0;
            for (j, v) in seg.iter().enumerate() {
                if (rising && *v > seg[k]) || (!rising && *v < seg[k]) {
                    k = j;
                }
            }
            ext.push(b + k);
        }
        if ext.len() < 2 {
            return Vec::new();
        }
        let mut diffs: Vec<f64> = ext
            .windows(2)
            .map(|w| (clean[w[1]] - clean[w[0]]).abs())
            .collect();
        let mut sorted = diffs.clone();
        sorted.sort_by(f64::total_cmp);
        let median = if sorted.len() % 2 == 1 {
            sorted[sorted.len() / 2]
        } else {
            (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
        };
        // extrema = extrema[np.where(vertdiffs > 0.3 * median)]: keeps the left member of each
        // large-enough difference.
        let mut kept: Vec<usize> = Vec::new();
        for (i, d) in diffs.drain(..).enumerate() {
            if d > 0.3 * median {
                kept.push(ext[i]);
            }
        }
        // Restore alternation: drop extrema where the sign of consecutive differences repeats.
        if kept.len() >= 3 {
            let amp: Vec<f64> = kept.iter().map(|&i| clean[i]).collect();
            let signs: Vec<f64> = amp.windows(2).map(|w| (w[1] - w[0]).signum()).collect();
            let remove: Vec<usize> = signs
                .windows(2)
                .enumerate()
                .filter(|(_, s)| s[0] + s[1] != 0.0)
                .map(|(i, _)| i + 1)
                .collect();
            let mut r = remove.iter().peekable();
            kept = kept
                .into_iter()
                .enumerate()
                .filter(|(i, _)| {
                    if r.peek() == Some(&i) {
                        r.next();
                        false
                    } else {
                        true
                    }
                })
                .map(|(_, v)| v)
                .collect();
        }
        if kept.len() < 2 {
            return kept.into_iter().filter(|&i| clean[i] > 0.0).collect();
        }
        // The first extremum is a peak if it is higher than the second.
        let start = if clean[kept[0]] > clean[kept[1]] {
            0
        } else {
            1
        };
        kept.into_iter().skip(start).step_by(2).collect()
    }
}
