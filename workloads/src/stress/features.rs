//! The feature vector of one 2-minute window: heart rate, HRV (MeanNN, SDNN, RMSSD, pNN50),
//! respiration rate and RRV (RMSSD and SDBB of breath-to-breath intervals), as NeuroKit2
//! computes them (`hrv_time`, `rsp_rrv`; standard deviations with ddof = 1).

use serde::{Deserialize, Serialize};

/// Number of features.
pub const N_FEATURES: usize = 8;

/// Features of one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Mean heart rate [beats/min].
    pub hr_bpm: f64,
    /// Mean of NN intervals \[ms\].
    pub mean_nn_ms: f64,
    /// Standard deviation of NN intervals \[ms\].
    pub sdnn_ms: f64,
    /// Root mean square of successive NN differences \[ms\].
    pub rmssd_ms: f64,
    /// Share of successive NN differences above 50 ms [%].
    pub pnn50: f64,
    /// Respiration rate [breaths/min].
    pub rsp_rate_bpm: f64,
    /// RMSSD of breath-to-breath intervals \[ms\].
    pub rrv_rmssd_ms: f64,
    /// Standard deviation of breath-to-breath intervals \[ms\].
    pub sdbb_ms: f64,
}

impl Features {
    /// As an array, in field order.
    pub fn to_array(&self) -> [f64; N_FEATURES] {
        [
            self.hr_bpm,
            self.mean_nn_ms,
            self.sdnn_ms,
            self.rmssd_ms,
            self.pnn50,
            self.rsp_rate_bpm,
            self.rrv_rmssd_ms,
            self.sdbb_ms,
        ]
    }
}

fn intervals_ms(events: &[u64], fs: f64) -> Vec<f64> {
    events
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 * 1000.0 / fs)
        .collect()
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

fn rmssd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    (x.windows(2).map(|w| (w[1] - w[0]).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Features from R-peak and breath-peak sample indices (sorted) at `fs` \[Hz\]; `None` if there
/// are fewer than 3 beats or 3 breaths.
pub fn features(r_peaks: &[u64], breaths: &[u64], fs: f64) -> Option<Features> {
    if r_peaks.len() < 3 || breaths.len() < 3 {
        return None;
    }
    let nn = intervals_ms(r_peaks, fs);
    let bb = intervals_ms(breaths, fs);
    let mean_nn = mean(&nn);
    let mean_bb = mean(&bb);
    let n50 = nn.windows(2).filter(|w| (w[1] - w[0]).abs() > 50.0).count();
    Some(Features {
        hr_bpm: 60_000.0 / mean_nn,
        mean_nn_ms: mean_nn,
        sdnn_ms: sd(&nn),
        rmssd_ms: rmssd(&nn),
        pnn50: 100.0 * n50 as f64 / (nn.len() - 1) as f64,
        rsp_rate_bpm: 60_000.0 / mean_bb,
        rrv_rmssd_ms: rmssd(&bb),
        sdbb_ms: sd(&bb),
    })
}

#[cfg(test)]
mod tests {
    /// Hand-computed: beats every 1,000 ms then 1,100 ms then 1,000 ms: NN = [1000, 1100, 1000],
    /// mean 1033.33, SDNN = sqrt(((−33.3)² + 66.7² + (−33.3)²)/2) = 57.735, successive
    /// differences [100, −100]: RMSSD = 100, pNN50 = 100 %.
    #[test]
    fn hand_computed_hrv() {
        let f = super::features(&[0, 1000, 2100, 3100], &[0, 4000, 8000], 1000.0).unwrap();
        assert!((f.mean_nn_ms - 1033.333).abs() < 1e-3);
        assert!((f.sdnn_ms - 57.735).abs() < 1e-3);
        assert!((f.rmssd_ms - 100.0).abs() < 1e-9);
        assert!((f.pnn50 - 100.0).abs() < 1e-9);
        assert!((f.rsp_rate_bpm - 15.0).abs() < 1e-9);
        assert_eq!(f.sdbb_ms, 0.0);
    }
}
