//! 128-D face encodings and the paper's "same person" rule.

use serde::{Deserialize, Serialize};

use crate::FaceError;

/// Dimension of dlib's ResNet face encoding.
pub const ENCODING_DIM: usize = 128;

/// Two faces are the same person when their encodings are closer than this (Euclidean distance,
/// dimensionless; dlib's and `face_recognition`'s default tolerance, used by the paper).
pub const SAME_PERSON_THRESHOLD: f64 = 0.6;

/// One face's 128-D encoding. dlib's network computes in `f32`, so storing `f32` is exact and
/// halves the program state (512 bytes per face).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<f32>", into = "Vec<f32>")]
pub struct Encoding(Box<[f32; ENCODING_DIM]>);

impl Encoding {
    /// An encoding from its 128 components.
    pub fn new(values: [f32; ENCODING_DIM]) -> Self {
        Encoding(Box::new(values))
    }

    /// An encoding from a slice of 128 finite values (dlib hands out `f64`s that were `f32`s).
    pub fn from_f64(values: &[f64]) -> Result<Self, FaceError> {
        let v: Vec<f32> = values.iter().map(|x| *x as f32).collect();
        Self::try_from(v)
    }

    /// The components.
    pub fn values(&self) -> &[f32; ENCODING_DIM] {
        &self.0
    }

    /// Euclidean distance to `other` (computed in `f64`, like dlib's `length(a - b)`).
    pub fn distance(&self, other: &Encoding) -> f64 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| {
                let d = f64::from(*a) - f64::from(*b);
                d * d
            })
            .sum::<f64>()
            .sqrt()
    }
}

impl TryFrom<Vec<f32>> for Encoding {
    type Error = FaceError;

    fn try_from(v: Vec<f32>) -> Result<Self, FaceError> {
        if v.iter().any(|x| !x.is_finite()) {
            return Err(FaceError::BadState(
                "face encoding has a non-finite component".into(),
            ));
        }
        let arr: [f32; ENCODING_DIM] = v.try_into().map_err(|v: Vec<f32>| {
            FaceError::BadState(format!(
                "face encoding has {} components, expected {ENCODING_DIM}",
                v.len()
            ))
        })?;
        Ok(Encoding::new(arr))
    }
}

impl From<Encoding> for Vec<f32> {
    fn from(e: Encoding) -> Vec<f32> {
        e.0.to_vec()
    }
}

/// The smallest distance between any face of `current` and any face of `previous`, if both have
/// faces.
pub fn best_distance(current: &[Encoding], previous: &[Encoding]) -> Option<f64> {
    current
        .iter()
        .flat_map(|c| previous.iter().map(move |p| c.distance(p)))
        .min_by(f64::total_cmp)
}

/// The paper's per-frame output: some face of this frame was in the previous frame.
pub fn same_person(current: &[Encoding], previous: &[Encoding]) -> bool {
    best_distance(current, previous).is_some_and(|d| d < SAME_PERSON_THRESHOLD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(first: f32) -> Encoding {
        let mut v = [0.0f32; ENCODING_DIM];
        v[0] = first;
        Encoding::new(v)
    }

    #[test]
    fn distance_and_threshold() {
        // (0.59 - 0) on one axis: distance 0.59 < 0.6 → same; 0.61 → not.
        assert!((e(0.59).distance(&e(0.0)) - 0.59).abs() < 1e-6);
        assert!(same_person(&[e(0.59)], &[e(0.0)]));
        assert!(!same_person(&[e(0.61)], &[e(0.0)]));
        assert!(same_person(&[e(0.61), e(3.0)], &[e(2.5), e(0.1)]));
        assert!(!same_person(&[], &[e(0.0)]));
        assert_eq!(best_distance(&[e(1.0)], &[]), None);
    }

    #[test]
    fn serde_round_trip_and_rejects_wrong_length() {
        let s = serde_json::to_string(&e(0.25)).expect("ser");
        let back: Encoding = serde_json::from_str(&s).expect("de");
        assert_eq!(back, e(0.25));
        assert!(serde_json::from_str::<Encoding>("[1.0, 2.0]").is_err());
    }
}
