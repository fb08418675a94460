//! Axis ranges and tick positions, linear or log10.
//!
//! A log axis is drawn as a linear axis over log10 of the values, so the chart library only
//! ever sees linear coordinates; [`Axis::to_axis`] maps values onto it.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// A value axis: its range and ticks in axis coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Whether axis coordinates are log10 of the values.
    pub log: bool,
    /// Range in axis coordinates.
    pub range: Range<f64>,
    /// Labelled ticks in axis coordinates.
    pub ticks: Vec<f64>,
    /// Unlabelled minor grid positions in axis coordinates.
    pub minor: Vec<f64>,
}

impl Axis {
    /// A linear axis from 0 to a little above `max` (values are non-negative quantities).
    pub fn linear_from_zero(max: f64) -> Self {
        let top = if max > 0.0 && max.is_finite() {
            max * 1.08
        } else {
            1.0
        };
        Self {
            log: false,
            range: 0.0..top,
            ticks: nice_ticks(0.0, top, 6),
            minor: Vec::new(),
        }
    }

    /// A linear axis covering `[lo, hi]` with a margin, ticked at `ticks` if given (and at
    /// round numbers otherwise).
    pub fn linear_padded(lo: f64, hi: f64, ticks: Option<Vec<f64>>) -> Self {
        let pad = if hi > lo {
            0.06 * (hi - lo)
        } else {
            lo.abs().max(1.0) * 0.5
        };
        let range = (lo - pad)..(hi + pad);
        let ticks = ticks.unwrap_or_else(|| nice_ticks(range.start, range.end, 8));
        Self {
            log: false,
            range,
            ticks,
            minor: Vec::new(),
        }
    }

    /// A log10 axis covering the positive `[lo, hi]` with a margin; at least one decade tall.
    /// Ticks at powers of ten, plus 2× and 5× when fewer than three powers fit; and the labels
    /// bracket the data: the axis reaches down to a labelled 1, 2 or 5 × 10^k at or below
    /// `lo` and up to one at or above `hi`, so no value lies beyond the outermost labels.
    pub fn log(lo: f64, hi: f64) -> Self {
        let (data_lo, data_hi) = (lo.log10(), hi.log10());
        let (mut a, mut b) = (data_lo, data_hi);
        if b - a < 1.0 {
            let mid = (a + b) / 2.0;
            (a, b) = (mid - 0.5, mid + 0.5);
        }
        let pad = 0.08 * (b - a);
        let mut range = (a - pad)..(b + pad);
        // The 1-2-5 steps bracketing the data, and room for them on the axis.
        let below = step_125(data_lo, false);
        let above = step_125(data_hi, true);
        let edge = 0.02 * (b - a);
        range.start = range.start.min(below - edge);
        range.end = range.end.max(above + edge);
        let range = range;
        let in_range = |v: f64| range.contains(&v);
        let decades: Vec<i32> =
            ((range.start.floor() as i32)..=(range.end.ceil() as i32)).collect();
        let mut ticks: Vec<f64> = decades
            .iter()
            .map(|&k| f64::from(k))
            .filter(|&v| in_range(v))
            .collect();
        let multiples = |ms: &[f64]| -> Vec<f64> {
            decades
                .iter()
                .flat_map(|&k| ms.iter().map(move |m| f64::from(k) + m.log10()))
                .filter(|&v| in_range(v))
                .collect()
        };
        if ticks.len() < 3 {
            ticks.extend(multiples(&[2.0, 5.0]));
        }
        // Labels at or beyond both ends of the data.
        if !ticks.iter().any(|&t| t <= data_lo + 1e-9) {
            ticks.push(below);
        }
        if !ticks.iter().any(|&t| t >= data_hi - 1e-9) {
            ticks.push(above);
        }
        ticks.sort_by(f64::total_cmp);
        ticks.dedup_by(|x, y| (*x - *y).abs() < 1e-9);
        let minor = multiples(&[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
            .into_iter()
            .filter(|m| !ticks.iter().any(|t| (t - m).abs() < 1e-9))
            .collect();
        Self {
            log: true,
            range,
            ticks,
            minor,
        }
    }

    /// `v` in axis coordinates; on a log axis values ≤ 0 are pinned to the bottom.
    pub fn to_axis(&self, v: f64) -> f64 {
        if !self.log {
            v
        } else if v > 0.0 {
            v.log10()
        } else {
            self.range.start
        }
    }

    /// The value at axis coordinate `a` (undoes [`Axis::to_axis`]).
    pub fn value(&self, a: f64) -> f64 {
        if self.log {
            // Round away the float noise of 10^x so tick labels print cleanly.
            let v = 10f64.powf(a);
            let mag = 10f64.powf(v.log10().floor() - 6.0);
            (v / mag).round() * mag
        } else {
            a
        }
    }
}

/// The log10 of the largest 1, 2 or 5 × 10^k at or below 10^`x` (`up`: the smallest at or
/// above it).
fn step_125(x: f64, up: bool) -> f64 {
    let k = x.floor();
    let steps = [0.0, 2f64.log10(), 5f64.log10(), 1.0];
    let eps = 1e-9;
    if up {
        steps
            .iter()
            .map(|s| k + s)
            .find(|&v| v >= x - eps)
            .unwrap_or(k + 1.0)
    } else {
        steps
            .iter()
            .rev()
            .map(|s| k + s)
            .find(|&v| v <= x + eps)
            .unwrap_or(k)
    }
}

/// An [`Axis`] as a plotters coordinate: linear over the axis range, with the axis's ticks as
/// bold key points and its minor positions as light ones.
pub struct AxisCoord {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
    minor: Vec<f64>,
}

impl Axis {
    /// This axis as a plotters coordinate.
    pub fn coord(&self) -> AxisCoord {
        AxisCoord {
            inner: self.range.clone().into(),
            ticks: self.ticks.clone(),
            minor: self.minor.clone(),
        }
    }
}

impl Ranged for AxisCoord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// Multiples of a round step (1, 2, 2.5 or 5 × 10^k) inside `[lo, hi]`, about `target` of them.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return vec![lo];
    }
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|i| {
            // Multiply then round to the step's precision so 0.1 * 3 prints as 0.3.
            let v = i as f64 * step;
            let p = 10f64.powf(step.log10().floor() - 3.0);
            (v / p).round() * p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_round() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice_ticks(0.0, 1.08, 6), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(
            nice_ticks(0.0, 2.7e6, 6),
            vec![0.0, 5e5, 1e6, 1.5e6, 2e6, 2.5e6]
        );
    }

    #[test]
    fn log_axis_ticks_decades() {
        // 0.5 ms .. 2000 ms: decades 1, 10, 100, 1000 fit; the data reach below 1 and above
        // 1000, so 0.5 (the 1-2-5 step at or below 0.5) and 2000 (at or above 2000) bracket it.
        let a = Axis::log(0.5, 2000.0);
        let labels: Vec<f64> = a.ticks.iter().map(|&t| a.value(t)).collect();
        assert_eq!(labels, vec![0.5, 1.0, 10.0, 100.0, 1000.0, 2000.0]);
        assert!(a.range.start < 0.5f64.log10() && a.range.end > 2000f64.log10());
        assert_eq!(a.to_axis(0.0), a.range.start);
    }

    /// Fig. 7(a) before issue 16: data from 2.4 MB to 2.2 GB were labelled 10 MB … 1 GB only.
    /// Now 2 MB (largest 1-2-5 step ≤ 2.4 MB) and 5 GB (smallest ≥ 2.2 GB) are labels too,
    /// inside the axis.
    #[test]
    fn log_labels_bracket_the_data() {
        let a = Axis::log(2.4e6, 2.2e9);
        let labels: Vec<f64> = a.ticks.iter().map(|&t| a.value(t)).collect();
        assert_eq!(labels, vec![2e6, 1e7, 1e8, 1e9, 5e9]);
        assert!(a.range.start < 2e6f64.log10() && a.range.end > 5e9f64.log10());
        // Exactly on a step: that step is the label.
        let b = Axis::log(1e3, 1e5);
        let labels: Vec<f64> = b.ticks.iter().map(|&t| b.value(t)).collect();
        assert_eq!(labels, vec![1e3, 1e4, 1e5]);
    }

    #[test]
    fn narrow_log_axis_gets_multiples() {
        let a = Axis::log(3.0, 4.0);
        let labels: Vec<f64> = a.ticks.iter().map(|&t| a.value(t)).collect();
        assert!(labels.contains(&2.0) && labels.contains(&5.0), "{labels:?}");
    }
}
