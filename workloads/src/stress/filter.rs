//! Butterworth filters as second-order sections and zero-phase (forward-backward) filtering:
//! the `scipy.signal.butter(..., output="sos")` + `sosfiltfilt` pair NeuroKit2 uses, written out
//! so that no numerical library is needed.
//!
//! Design: analog prototype poles `exp(iπ(2k+N+1)/(2N))`, frequency pre-warping
//! `4·tan(π·Wn/2)` (Wn relative to Nyquist, fs = 2), low-pass → high-pass / band-pass
//! transformation, bilinear transform, then pairing of conjugate poles into sections — the same
//! steps as scipy's `butter` → `zpk2sos`.

use std::ops::{Add, Div, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy, PartialEq)]
struct C {
    re: f64,
    im: f64,
}

impl C {
    const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    fn real(re: f64) -> Self {
        Self::new(re, 0.0)
    }
    fn sqrt(self) -> Self {
        let r = self.re.hypot(self.im).sqrt();
        let th = self.im.atan2(self.re) / 2.0;
        Self::new(r * th.cos(), r * th.sin())
    }
    fn conj(self) -> Self {
        Self::new(self.re, -self.im)
    }
}

impl Add for C {
    type Output = C;
    fn add(self, o: C) -> C {
        C::new(self.re + o.re, self.im + o.im)
    }
}
impl Sub for C {
    type Output = C;
    fn sub(self, o: C) -> C {
        C::new(self.re - o.re, self.im - o.im)
    }
}
impl Mul for C {
    type Output = C;
    fn mul(self, o: C) -> C {
        C::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
}
impl Div for C {
    type Output = C;
    fn div(self, o: C) -> C {
        let d = o.re * o.re + o.im * o.im;
        C::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        )
    }
}
impl Neg for C {
    type Output = C;
    fn neg(self) -> C {
        C::new(-self.re, -self.im)
    }
}

/// One second-order section `b0 + b1 z⁻¹ + b2 z⁻² / 1 + a1 z⁻¹ + a2 z⁻²`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    /// Numerator `[b0, b1, b2]`.
    pub b: [f64; 3],
    /// Denominator `[a1, a2]` (a0 = 1).
    pub a: [f64; 2],
}

/// A cascade of second-order sections.
#[derive(Debug, Clone, PartialEq)]
pub struct Sos {
    /// The sections, applied in order.
    pub sections: Vec<Section>,
}

/// Which band a Butterworth filter passes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// Frequencies below the cutoff \[Hz\].
    Lowpass(f64),
    /// Frequencies above the cutoff \[Hz\].
    Highpass(f64),
    /// Frequencies between the two cutoffs \[Hz\].
    Bandpass(f64, f64),
}

/// Why a filter cannot be designed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot design Butterworth filter: {0}")]
pub struct DesignError(String);

fn prod(xs: &[C]) -> C {
    xs.iter().fold(C::real(1.0), |acc, &x| acc * x)
}

/// Design a digital Butterworth filter of `order` for sampling rate `fs` \[Hz\].
pub fn butter(order: usize, band: Band, fs: f64) -> Result<Sos, DesignError> {
    if order == 0 || order > 12 {
        return Err(DesignError(format!("order {order} outside 1..=12")));
    }
    let nyq = fs / 2.0;
    let check = |f: f64| {
        if f > 0.0 && f < nyq {
            Ok(f / nyq)
        } else {
            Err(DesignError(format!("cutoff {f} Hz outside (0, {nyq}) Hz")))
        }
    };
    let warp = |wn: f64| 4.0 * (std::f64::consts::PI * wn / 2.0).tan();
    let n = order as f64;
    let proto: Vec<C> = (0..order)
        .map(|k| {
            let th = std::f64::consts::PI * (2.0 * k as f64 + n + 1.0) / (2.0 * n);
            C::new(th.cos(), th.sin())
        })
        .collect();
    // Analog z, p, k after the band transformation.
    let (z, p, k): (Vec<C>, Vec<C>, f64) = match band {
        Band::Lowpass(f) => {
            let wo = warp(check(f)?);
            (
                vec![],
                proto.iter().map(|&p| p * C::real(wo)).collect(),
                wo.powi(order as i32),
            )
        }
        Band::Highpass(f) => {
            let wo = warp(check(f)?);
            let p: Vec<C> = proto.iter().map(|&p| C::real(wo) / p).collect();
            let k = (C::real(1.0) / prod(&proto.iter().map(|&p| -p).collect::<Vec<_>>())).re;
            (vec![C::real(0.0); order], p, k)
        }
        Band::Bandpass(f1, f2) => {
            if f1 >= f2 {
                return Err(DesignError(format!(
                    "band-pass needs low {f1} Hz < high {f2} Hz"
                )));
            }
            let (w1, w2) = (warp(check(f1)?), warp(check(f2)?));
            let (bw, wo) = (w2 - w1, (w1 * w2).sqrt());
            let mut p = Vec::with_capacity(2 * order);
            for &q in &proto {
                let pl = q * C::real(bw / 2.0);
                let s = (pl * pl - C::real(wo * wo)).sqrt();
                p.push(pl + s);
                p.push(pl - s);
            }
            (vec![C::real(0.0); order], p, bw.powi(order as i32))
        }
    };
    // Bilinear transform with fs = 2 (frequencies were pre-warped for it).
    let fs2 = C::real(4.0);
    let zd: Vec<C> = z
        .iter()
        .map(|&z| (fs2 + z) / (fs2 - z))
        .chain(std::iter::repeat_n(C::real(-1.0), p.len() - z.len()))
        .collect();
    let pd: Vec<C> = p.iter().map(|&p| (fs2 + p) / (fs2 - p)).collect();
    let kd = k
        * (prod(&z.iter().map(|&z| fs2 - z).collect::<Vec<_>>())
            / prod(&p.iter().map(|&p| fs2 - p).collect::<Vec<_>>()))
        .re;
    Ok(zpk_to_sos(zd, pd, kd))
}

fn zpk_to_sos(mut z: Vec<C>, p: Vec<C>, k: f64) -> Sos {
    // Poles: conjugate pairs (upper half-plane members), then real poles paired up.
    let mut pairs: Vec<(C, C)> = Vec::new();
    let mut reals: Vec<f64> = Vec::new();
    for &q in &p {
        if q.im.abs() < 1e-12 {
            reals.push(q.re);
        } else if q.im > 0.0 {
            pairs.push((q, q.conj()));
        }
    }
    reals.sort_by(f64::total_cmp);
    let mut it = reals.chunks(2);
    for ch in &mut it {
        if ch.len() == 2 {
            pairs.push((C::real(ch[0]), C::real(ch[1])));
        } else {
            pairs.push((C::real(ch[0]), C::real(0.0)));
        }
    }
    // Zeros are all real here (±1); give each section one of each kind where possible.
    z.sort_by(|a, b| a.re.total_cmp(&b.re));
    let mut sections = Vec::with_capacity(pairs.len());
    let single_pole_sections = p.len() % 2;
    let n_sec = pairs.len();
    for (i, (p1, p2)) in pairs.into_iter().enumerate() {
        let single = single_pole_sections == 1 && i == n_sec - 1;
        let (z1, z2) = if single {
            (z.pop().unwrap_or(C::real(0.0)), C::real(0.0))
        } else {
            let a = if z.is_empty() {
                C::real(0.0)
            } else {
                z.remove(0)
            };
            let b = z.pop().unwrap_or(C::real(0.0));
            (a, b)
        };
        let a = if single {
            [-p1.re, 0.0]
        } else {
            [-(p1 + p2).re, (p1 * p2).re]
        };
        let b = if single {
            [1.0, -z1.re, 0.0]
        } else {
            [1.0, -(z1 + z2).re, (z1 * z2).re]
        };
        sections.push(Section { b, a });
    }
    if let Some(s) = sections.first_mut() {
        for b in &mut s.b {
            *b *= k;
        }
    }
    Sos { sections }
}

impl Sos {
    /// Magnitude of the frequency response at `f` \[Hz\] for sampling rate `fs` \[Hz\].
    pub fn gain(&self, f: f64, fs: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * f / fs;
        let z1 = C::new(w.cos(), -w.sin());
        let z2 = z1 * z1;
        self.sections
            .iter()
            .map(|s| {
                let num = C::real(s.b[0]) + C::real(s.b[1]) * z1 + C::real(s.b[2]) * z2;
                let den = C::real(1.0) + C::real(s.a[0]) * z1 + C::real(s.a[1]) * z2;
                let h = num / den;
                h.re.hypot(h.im)
            })
            .product()
    }

    /// Steady-state initial conditions (transposed direct form II) for a unit step, per section:
    /// `scipy.signal.sosfilt_zi`.
    fn zi(&self) -> Vec<[f64; 2]> {
        let mut scale = 1.0;
        self.sections
            .iter()
            .map(|s| {
                let y = (s.b[0] + s.b[1] + s.b[2]) / (1.0 + s.a[0] + s.a[1]);
                let z2 = s.b[2] - s.a[1] * y;
                let z1 = s.b[1] - s.a[0] * y + z2;
                let out = [z1 * scale, z2 * scale];
                scale *= y;
                out
            })
            .collect()
    }

    fn run(&self, x: &mut [f64], x0: f64) {
        for (s, zi) in self.sections.iter().zip(self.zi()) {
            let (mut z1, mut z2) = (zi[0] * x0, zi[1] * x0);
            let [b0, b1, b2] = s.b;
            let [a1, a2] = s.a;
            for v in x.iter_mut() {
                let xin = *v;
                let y = b0 * xin + z1;
                z1 = b1 * xin - a1 * y + z2;
                z2 = b2 * xin - a2 * y;
                *v = y;
            }
        }
    }

    /// Zero-phase filtering like `scipy.signal.sosfiltfilt`: odd extension of `padlen` samples
    /// at both ends, steady-state initial conditions, forward pass, backward pass.
    pub fn filtfilt(&self, x: &[f64], padlen: usize) -> Vec<f64> {
        let n = x.len();
        if n == 0 {
            return Vec::new();
        }
        let pad = padlen.min(n - 1);
        let mut ext = Vec::with_capacity(n + 2 * pad);
        ext.extend((1..=pad).rev().map(|i| 2.0 * x[0] - x[i]));
        ext.extend_from_slice(x);
        ext.extend((1..=pad).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
        let x0 = ext[0];
        self.run(&mut ext, x0);
        ext.reverse();
        let x0 = ext[0];
        self.run(&mut ext, x0);
        ext.reverse();
        ext[pad..pad + n].to_vec()
    }

    /// scipy's default `padlen` for this cascade.
    pub fn default_padlen(&self) -> usize {
        let zeros_b2 = self.sections.iter().filter(|s| s.b[2] == 0.0).count();
        let zeros_a2 = self.sections.iter().filter(|s| s.a[1] == 0.0).count();
        3 * (2 * self.sections.len() + 1 - zeros_b2.min(zeros_a2))
    }
}

/// Centred moving average of `size` samples with edge replication (NeuroKit's boxcar
/// `signal_smooth`), O(n) via prefix sums.
pub fn boxcar_smooth(x: &[f64], size: usize) -> Vec<f64> {
    let n = x.len();
    if n == 0 || size <= 1 {
        return x.to_vec();
    }
    let half = size / 2;
    let get = |i: isize| -> f64 { x[i.clamp(0, n as isize - 1) as usize] };
    let mut prefix = Vec::with_capacity(n + size + 1);
    prefix.push(0.0);
    let start = -(half as isize);
    let end = n as isize + size as isize - half as isize;
    let mut acc = 0.0;
    for i in start..end {
        acc += get(i);
        prefix.push(acc);
    }
    (0..n)
        .map(|i| (prefix[i + size] - prefix[i]) / size as f64)
        .collect()
}

/// NeuroKit's power-line filter: a forward-backward moving average over one mains period
/// (`fs / mains` samples, 20 at 1 kHz and 50 Hz), which nulls the mains frequency.
pub fn powerline(x: &[f64], fs: f64, mains: f64) -> Vec<f64> {
    let size = ((fs / mains) as usize).max(2);
    let causal = |v: &[f64]| -> Vec<f64> {
        let mut out = Vec::with_capacity(v.len());
        let mut acc = 0.0;
        for i in 0..v.len() {
            acc += v[i];
            if i >= size {
                acc -= v[i - size];
            }
            let m = (i + 1).min(size);
            out.push(acc / m as f64);
        }
        out
    };
    let mut y = causal(x);
    y.reverse();
    let mut y = causal(&y);
    y.reverse();
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Butterworth filter is -3 dB (1/√2) at its cutoff, flat in the pass band and falls off
    /// as (f/fc)^N (low-pass) in the stop band.
    #[test]
    fn butterworth_response_matches_theory() {
        let fs = 1000.0;
        let hp = butter(5, Band::Highpass(0.5), fs).unwrap();
        assert_eq!(hp.sections.len(), 3);
        assert!(
            (hp.gain(0.5, fs) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-6,
            "{}",
            hp.gain(0.5, fs)
        );
        assert!((hp.gain(10.0, fs) - 1.0).abs() < 1e-6);
        assert!(hp.gain(0.1, fs) < (0.1f64 / 0.5).powi(5) * 1.01);
        let lp = butter(4, Band::Lowpass(40.0), fs).unwrap();
        assert!((lp.gain(40.0, fs) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        let bp = butter(2, Band::Bandpass(0.05, 3.0), fs).unwrap();
        assert!(
            (bp.gain(0.05, fs) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-4,
            "{}",
            bp.gain(0.05, fs)
        );
        assert!((bp.gain(3.0, fs) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-4);
        assert!((bp.gain((0.05f64 * 3.0).sqrt(), fs) - 1.0).abs() < 1e-3);
        assert!(butter(2, Band::Highpass(600.0), fs).is_err());
    }

    #[test]
    fn filtfilt_removes_offset_and_keeps_phase() {
        let fs = 1000.0;
        let hp = butter(5, Band::Highpass(0.5), fs).unwrap();
        let x: Vec<f64> = (0..20_000)
            .map(|i| 3.0 + (2.0 * std::f64::consts::PI * 5.0 * i as f64 / fs).sin())
            .collect();
        let y = hp.filtfilt(&x, hp.default_padlen());
        // Away from the edges the 5 Hz sine passes unchanged in amplitude and phase (the 0.5 Hz
        // high-pass rings for seconds after the edges, hence the small tolerance).
        for i in 5_000..15_000 {
            assert!(
                (y[i] - (x[i] - 3.0)).abs() < 5e-3,
                "sample {i}: {} vs {}",
                y[i],
                x[i] - 3.0
            );
        }
    }

    #[test]
    fn powerline_nulls_50_hz_and_smooth_keeps_constants() {
        let x: Vec<f64> = (0..5_000)
            .map(|i| (2.0 * std::f64::consts::PI * 50.0 * i as f64 / 1000.0).sin())
            .collect();
        let y = powerline(&x, 1000.0, 50.0);
        assert!(y[100..4_900].iter().all(|v| v.abs() < 1e-9));
        assert!(
            boxcar_smooth(&[2.0; 10], 4)
                .iter()
                .all(|&v| (v - 2.0).abs() < 1e-12)
        );
    }
}
