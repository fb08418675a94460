//! The face pipeline as separate native stages.
//!
//! The paper's pipeline is HOG face detection → 5-point landmarks → ResNet 128-D encoding. Each
//! stage is one call into native code (dlib) that cannot be interrupted; the workload calls the
//! stages one at a time and checks for a checkpoint request between them. Those gaps are the
//! *safe points*: nothing native is on the stack there, and the only state that matters is the
//! workload's own (see [`crate::FaceState`]).
//!
//! Implementations: [`crate::pipelines::native`] (dlib, or a stub when built without the `dlib`
//! feature) and [`crate::pipelines::mock`] (a pure-Rust stand-in for tests of the control flow).

use image::RgbImage;

use crate::{Encoding, FaceError};

/// One face pipeline, stage by stage.
pub trait FacePipeline {
    /// A frame in the pipeline's own layout.
    type Image;
    /// Detected face boxes.
    type Faces;
    /// Landmarks of each detected face.
    type Landmarks;

    /// A short name for reports, e.g. `"dlib"`.
    fn name(&self) -> &'static str;

    /// Copies `frame` into the pipeline's layout.
    fn import(&self, frame: &RgbImage) -> Self::Image;

    /// Stage 1: face detection.
    fn detect(&self, image: &Self::Image) -> Self::Faces;

    /// Number of faces found by [`Self::detect`].
    fn face_count(&self, faces: &Self::Faces) -> usize;

    /// Stage 2: landmarks of every detected face.
    fn landmarks(&self, image: &Self::Image, faces: &Self::Faces) -> Self::Landmarks;

    /// Stage 3: one encoding per face.
    fn encode(
        &self,
        image: &Self::Image,
        landmarks: &Self::Landmarks,
    ) -> Result<Vec<Encoding>, FaceError>;

    /// All stages at once, with no safe point in between.
    fn encode_frame(&self, frame: &RgbImage) -> Result<Vec<Encoding>, FaceError> {
        let image = self.import(frame);
        let faces = self.detect(&image);
        let marks = self.landmarks(&image, &faces);
        self.encode(&image, &marks)
    }
}
