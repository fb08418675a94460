//! A seeded ECG + respiration generator with calm and stress parameter ranges, to train the SVM
//! (no labelled stress recordings ship in any package registry) and to run without downloads.
//!
//! **ECG** follows ECGSYN (McSharry, Clifford, Tarassenko, Smith 2003, "A dynamical model for
//! generating synthetic electrocardiogram signals", *IEEE TBME* 50(3):289–294):
//! - the RR tachogram has ECGSYN's bimodal spectrum — a Mayer-wave peak at 0.1 Hz and an RSA
//!   peak at the breathing frequency, both with width 0.01 Hz, power ratio LF/HF — built from
//!   sinusoids with random phases and scaled to the target SDNN;
//! - each beat's waveform is the sum of ECGSYN's five Gaussians P, Q, R, S, T in the phase
//!   θ ∈ (−π, π] of the beat, θᵢ = (−70, −15, 0, 15, 100)°, aᵢ = (1.2, −5, 30, −7.5, 0.75),
//!   bᵢ = (0.25, 0.1, 0.1, 0.1, 0.4) with ECGSYN's heart-rate scaling of θᵢ and bᵢ; that is
//!   the closed-form solution z(θ) = Σ aᵢbᵢ² exp(−Δθᵢ²/2bᵢ²) of ECGSYN's z-equation without its
//!   baseline-decay term. The result is scaled to a 1.2 mV R wave, plus respiratory baseline
//!   wander (0.1 mV), 50 Hz mains (0.02 mV) and white noise (0.02 mV).
//!
//! **Respiration** is breath by breath: each breath's period is drawn around 60/rate with the
//! given coefficient of variation and its amplitude around 1 (±10 %), with an inspiration/
//! expiration asymmetry (second harmonic), slow drift and noise (like NeuroKit2's
//! `rsp_simulate(method="sinusoidal")` with variability added).
//!
//! **Calm vs stress ranges** follow the direction and rough size of effects reported for acute
//! mental stress: higher heart rate and lower HRV (SDNN, RMSSD), with a higher LF/HF ratio
//! (Kim, Cheon, Bai, Lee, Koo 2018, "Stress and heart rate variability: a meta-analysis and review
//! of the literature", *Psychiatry Investig.* 15(3):235–245; Taelman et al. 2009, "Influence of
//! mental stress on heart rate and heart rate variability", *IFMBE Proc.* 22:1366–1369), and
//! faster, more irregular breathing (Grassmann, Vlemincx, von Leupoldt, Mittelstädt, Van den Bergh
//! 2016, "Respiratory changes in response to cognitive load: a systematic review", *Neural
//! Plasticity* 2016:8146809). The ranges overlap at their edges on purpose: see [`Condition`].

use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

/// Calm or stressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    /// Resting: HR 58–76 bpm, SDNN 35–75 ms, LF/HF 0.5–1.5, breathing 9–15 /min, breath CV
    /// 4–10 %.
    Calm,
    /// Acute mental stress: HR 74–98 bpm, SDNN 15–40 ms, LF/HF 1.5–4, breathing 15–23 /min,
    /// breath CV 8–20 %.
    Stress,
}

/// Physiological parameters of one stretch of signal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PhysioParams {
    /// Mean heart rate [beats/min].
    pub hr_bpm: f64,
    /// Standard deviation of RR intervals \[ms\].
    pub sdnn_ms: f64,
    /// LF/HF power ratio of the RR tachogram.
    pub lf_hf: f64,
    /// Mean breathing rate [breaths/min].
    pub rsp_rate_bpm: f64,
    /// Coefficient of variation of breath periods.
    pub rsp_cv: f64,
}

impl Condition {
    /// Draw parameters uniformly from this condition's ranges.
    pub fn sample<R: Rng>(self, rng: &mut R) -> PhysioParams {
        let mut u = |lo: f64, hi: f64| lo + (hi - lo) * rng.random::<f64>();
        match self {
            Condition::Calm => PhysioParams {
                hr_bpm: u(58.0, 76.0),
                sdnn_ms: u(35.0, 75.0),
                lf_hf: u(0.5, 1.5),
                rsp_rate_bpm: u(9.0, 15.0),
                rsp_cv: u(0.04, 0.10),
            },
            Condition::Stress => PhysioParams {
                hr_bpm: u(74.0, 98.0),
                sdnn_ms: u(15.0, 40.0),
                lf_hf: u(1.5, 4.0),
                rsp_rate_bpm: u(15.0, 23.0),
                rsp_cv: u(0.08, 0.20),
            },
        }
    }
}

/// Generated signals and their ground truth.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// ECG \[mV\].
    pub ecg: Vec<f64>,
    /// Respiration [a.u.].
    pub rsp: Vec<f64>,
    /// True R-peak sample indices.
    pub r_peaks: Vec<u64>,
    /// True inhalation-peak sample indices.
    pub breath_peaks: Vec<u64>,
}

/// ECGSYN Gaussian parameters: angle \[rad\], a, b.
const WAVES: [(f64, f64, f64); 5] = [
    (-70.0, 1.2, 0.25),
    (-15.0, -5.0, 0.1),
    (0.0, 30.0, 0.1),
    (15.0, -7.5, 0.1),
    (100.0, 0.75, 0.4),
];

/// Generate `blocks` of (duration \[s\], parameters) back to back at `fs` \[Hz\].
pub fn generate<R: Rng>(blocks: &[(f64, PhysioParams)], fs: f64, rng: &mut R) -> Recording {
    let total_s: f64 = blocks.iter().map(|b| b.0).sum();
    let n = (total_s * fs).round() as usize;
    let noise = Normal::new(0.0, 1.0).expect("unit normal");
    // Block boundaries in samples.
    let mut bounds = Vec::with_capacity(blocks.len());
    let mut acc = 0.0;
    for (d, p) in blocks {
        acc += d;
        bounds.push(((acc * fs).round() as usize, *p));
    }
    let params_at = |i: usize| -> PhysioParams {
        bounds
            .iter()
            .find(|(end, _)| i < *end)
            .or(bounds.last())
            .map(|b| b.1)
            .expect("at least one block")
    };

    // Respiration, breath by breath.
    let mut rec = Recording {
        ecg: vec![0.0; n],
        rsp: vec![0.0; n],
        ..Recording::default()
    };
    let drift_phase = rng.random::<f64>() * std::f64::consts::TAU;
    let mut t0 = 0usize;
    while t0 < n {
        let p = params_at(t0);
        let period =
            (60.0 / p.rsp_rate_bpm * (1.0 + p.rsp_cv * noise.sample(rng))).clamp(1.0, 12.0);
        let amp = 1.0 + 0.1 * noise.sample(rng);
        let len = (period * fs).round() as usize;
        // Breath = one cycle of sin starting at a trough: -cos, peak at the middle (plus the
        // asymmetry term, which keeps the maximum near the middle).
        let peak = t0 + len / 2;
        if peak < n {
            rec.breath_peaks.push(peak as u64);
        }
        for k in 0..len.min(n - t0) {
            let ph = std::f64::consts::TAU * k as f64 / len as f64;
            rec.rsp[t0 + k] = amp * (-(ph.cos()) + 0.15 * (2.0 * ph).sin() * ph.sin().abs());
        }
        t0 += len.max(1);
    }
    for (i, v) in rec.rsp.iter_mut().enumerate() {
        let t = i as f64 / fs;
        *v +=
            0.2 * (std::f64::consts::TAU * 0.01 * t + drift_phase).sin() + 0.02 * noise.sample(rng);
    }

    // RR tachogram per block: sum of sinusoids with ECGSYN's spectrum, scaled to SDNN.
    let df = 1.0 / 512.0;
    let mut beats: Vec<f64> = Vec::new(); // R times [s]
    let mut t = 0.3 + 0.5 * rng.random::<f64>();
    for (end, p) in &bounds {
        let f_lf = 0.1;
        let f_hf = p.rsp_rate_bpm / 60.0;
        let (c1, c2) = (0.01, 0.01);
        let comps: Vec<(f64, f64, f64)> = (1..=256)
            .map(|k| {
                let f = k as f64 * df;
                let s = p.lf_hf / (c1 * std::f64::consts::TAU.sqrt())
                    * (-(f - f_lf).powi(2) / (2.0 * c1 * c1)).exp()
                    + 1.0 / (c2 * std::f64::consts::TAU.sqrt())
                        * (-(f - f_hf).powi(2) / (2.0 * c2 * c2)).exp();
                (
                    f,
                    (s * df).sqrt(),
                    rng.random::<f64>() * std::f64::consts::TAU,
                )
            })
            .collect();
        let var: f64 = comps.iter().map(|c| c.1 * c.1 / 2.0).sum();
        let scale = (p.sdnn_ms / 1000.0) / var.sqrt();
        let mean_rr = 60.0 / p.hr_bpm;
        let end_s = *end as f64 / fs;
        while t < end_s {
            beats.push(t);
            let osc: f64 = comps
                .iter()
                .map(|(f, a, ph)| a * (std::f64::consts::TAU * f * t + ph).cos())
                .sum();
            t += (mean_rr + scale * osc).clamp(0.3, 2.0);
        }
    }
    rec.r_peaks = beats
        .iter()
        .map(|b| (b * fs).round() as u64)
        .filter(|&i| (i as usize) < n)
        .collect();

    // ECG waveform from the beat phase.
    let mains_phase = rng.random::<f64>() * std::f64::consts::TAU;
    for i in 0..n {
        let ts = i as f64 / fs;
        // The beat interval containing ts.
        let k = beats.partition_point(|&b| b <= ts);
        let (prev, next) = match (k.checked_sub(1).map(|j| beats[j]), beats.get(k).copied()) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, a + 60.0 / params_at(i).hr_bpm),
            (None, Some(b)) => (b - 60.0 / params_at(i).hr_bpm, b),
            (None, None) => (ts - 1.0, ts + 1.0),
        };
        let rr = next - prev;
        let frac = (ts - prev) / rr;
        let theta = if frac < 0.5 {
            std::f64::consts::TAU * frac
        } else {
            std::f64::consts::TAU * (frac - 1.0)
        };
        let hrfact = (60.0 / rr / 60.0).sqrt();
        let hrfact2 = hrfact.sqrt();
        let mut z = 0.0;
        for (j, &(deg, a, b)) in WAVES.iter().enumerate() {
            let tscale = [hrfact2, hrfact, 1.0, hrfact, hrfact2][j];
            let ti = (deg * tscale).to_radians();
            let bi = b * hrfact;
            let d = theta - ti;
            if d.abs() < 6.0 * bi {
                z += a * bi * bi * (-d * d / (2.0 * bi * bi)).exp();
            }
        }
        // Normalise by this beat's R-wave height a_R·b_R², so that R is 1.2 mV at any rate.
        let r_height = WAVES[2].1 * (WAVES[2].2 * hrfact).powi(2);
        rec.ecg[i] = 1.2 * z / r_height
            + 0.1 * rec.rsp[i]
            + 0.02 * (std::f64::consts::TAU * 50.0 * ts + mains_phase).sin()
            + 0.02 * noise.sample(rng);
    }
    rec
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generator_hits_its_parameters() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let p = PhysioParams {
            hr_bpm: 72.0,
            sdnn_ms: 40.0,
            lf_hf: 1.0,
            rsp_rate_bpm: 15.0,
            rsp_cv: 0.05,
        };
        let r = generate(&[(120.0, p)], 1000.0, &mut rng);
        assert_eq!(r.ecg.len(), 120_000);
        let beats = r.r_peaks.len() as f64;
        assert!((beats / 2.0 - 72.0).abs() < 3.0, "{beats} beats in 2 min");
        let breaths = r.breath_peaks.len() as f64;
        assert!(
            (breaths / 2.0 - 15.0).abs() < 1.5,
            "{breaths} breaths in 2 min"
        );
        // The R wave is the tallest deflection.
        let max = r.ecg.iter().cloned().fold(f64::MIN, f64::max);
        assert!(max > 1.1 && max < 1.6, "{max}");
    }
}
