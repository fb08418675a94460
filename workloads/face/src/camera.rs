//! A synthetic camera: a seeded sequence of jittered frames made from a [`PhotoSet`].
//!
//! Frames come in *scenes* of [`CameraSpec::scene_len`] frames. Each scene films one person,
//! drawn uniformly from the set (so two consecutive scenes may film the same person); each frame
//! shows one of that person's photos with its own jitter: a scale, a shift and a brightness
//! factor. Every frame is a pure function of (seed, frame index): named streams
//! `face/scene/<s>` and `face/frame/<k>` of [`mlsim_core::RngStreams`], so frame `k` can be
//! rebuilt after a resume without replaying frames `0..k`.

use image::{Rgb, RgbImage, imageops};
use mlsim_core::RngStreams;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::FaceError;
use crate::photos::PhotoSet;

/// What the camera films. Part of the workload state, so a resume films the same frames.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraSpec {
    /// Run seed of the frame sequence.
    pub seed: u64,
    /// Frames per scene (one person per scene), ≥ 1.
    pub scene_len: u32,
    /// Frame width \[px\].
    pub width: u32,
    /// Frame height \[px\].
    pub height: u32,
}

impl Default for CameraSpec {
    fn default() -> Self {
        CameraSpec {
            seed: 1,
            scene_len: 3,
            width: 640,
            height: 480,
        }
    }
}

impl CameraSpec {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), FaceError> {
        if self.scene_len == 0 {
            return Err(FaceError::Invalid(
                "scene_len must be at least 1 frame".into(),
            ));
        }
        if !(64..=4096).contains(&self.width) || !(64..=4096).contains(&self.height) {
            return Err(FaceError::Invalid(format!(
                "frame size {}x{} px is outside 64..=4096 px",
                self.width, self.height
            )));
        }
        Ok(())
    }
}

/// Lowest/highest scale relative to fitting the photo into the frame.
pub const SCALE_RANGE: (f64, f64) = (0.8, 1.0);
/// Lowest/highest brightness factor.
pub const BRIGHTNESS_RANGE: (f64, f64) = (0.75, 1.25);

/// One camera frame and its ground truth.
#[derive(Clone, Debug)]
pub struct Frame {
    /// Frame index, from 0.
    pub index: u64,
    /// Who is filmed (ground truth, not used by the pipeline).
    pub identity: String,
    /// Which photo was used.
    pub photo: String,
    /// The pixels (`spec.width` × `spec.height`).
    pub image: RgbImage,
}

/// Builds frames for a spec from a photo set.
#[derive(Clone, Debug)]
pub struct Camera {
    spec: CameraSpec,
    photos: PhotoSet,
    streams: RngStreams,
}

impl Camera {
    /// A camera filming `photos` as `spec` says.
    pub fn new(spec: CameraSpec, photos: PhotoSet) -> Result<Self, FaceError> {
        spec.validate()?;
        let streams = RngStreams::new(spec.seed);
        Ok(Camera {
            spec,
            photos,
            streams,
        })
    }

    /// The spec.
    pub fn spec(&self) -> &CameraSpec {
        &self.spec
    }

    /// Index into the photo set of the person filmed in scene `scene`.
    pub fn scene_identity(&self, scene: u64) -> usize {
        let mut rng = self.streams.stream(&format!("face/scene/{scene}"));
        rng.random_range(0..self.photos.identity_count())
    }

    /// Frame `k`.
    pub fn frame(&self, k: u64) -> Frame {
        let who = self.scene_identity(k / u64::from(self.spec.scene_len));
        let (identity, photos) = self.photos.identity(who);
        let mut rng = self.streams.stream(&format!("face/frame/{k}"));
        let photo = &photos[rng.random_range(0..photos.len())];
        let scale: f64 = rng.random_range(SCALE_RANGE.0..=SCALE_RANGE.1);
        let gain: f64 = rng.random_range(BRIGHTNESS_RANGE.0..=BRIGHTNESS_RANGE.1);
        let fx: f64 = rng.random();
        let fy: f64 = rng.random();
        let background: u8 = rng.random_range(40..200);

        let (w, h) = (self.spec.width, self.spec.height);
        let (pw, ph) = (photo.image.width() as f64, photo.image.height() as f64);
        let fit = (f64::from(w) / pw).min(f64::from(h) / ph);
        let sw = ((pw * fit * scale).round() as u32).clamp(1, w);
        let sh = ((ph * fit * scale).round() as u32).clamp(1, h);
        let scaled = imageops::resize(&photo.image, sw, sh, imageops::FilterType::Triangle);
        let x = ((f64::from(w - sw)) * fx).floor() as i64;
        let y = ((f64::from(h - sh)) * fy).floor() as i64;

        let mut image = RgbImage::from_pixel(w, h, Rgb([background; 3]));
        imageops::overlay(&mut image, &scaled, x, y);
        for p in image.pixels_mut() {
            for c in p.0.iter_mut() {
                *c = (f64::from(*c) * gain).round().clamp(0.0, 255.0) as u8;
            }
        }
        Frame {
            index: k,
            identity: identity.to_string(),
            photo: photo.name.clone(),
            image,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camera(seed: u64) -> Camera {
        let spec = CameraSpec {
            seed,
            ..CameraSpec::default()
        };
        Camera::new(spec, PhotoSet::vendored().expect("photos")).expect("camera")
    }

    #[test]
    fn frames_are_a_pure_function_of_seed_and_index() {
        let a = camera(7);
        let b = camera(7);
        for k in [0, 5, 4, 17] {
            assert_eq!(a.frame(k).image, b.frame(k).image, "frame {k}");
        }
        assert_ne!(camera(8).frame(0).image, a.frame(0).image);
        let f = a.frame(3);
        assert_eq!((f.image.width(), f.image.height()), (640, 480));
    }

    #[test]
    fn a_scene_films_one_person_and_frames_differ() {
        let c = camera(3);
        let ids: Vec<String> = (0..3).map(|k| c.frame(k).identity).collect();
        assert!(ids.iter().all(|i| *i == ids[0]));
        assert_ne!(c.frame(0).image, c.frame(1).image);
    }

    #[test]
    fn bad_spec_is_rejected() {
        let spec = CameraSpec {
            scene_len: 0,
            ..CameraSpec::default()
        };
        assert!(Camera::new(spec, PhotoSet::vendored().expect("photos")).is_err());
    }
}
