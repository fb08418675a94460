//! The native (dlib) pipeline, or a stub that explains how to get it.
//!
//! [`NativePipeline`] is `DlibPipeline` when the crate is built with the `dlib`
//! feature. Without it, it is [`DlibUnavailable`], whose `open` always fails with
//! [`FaceError::DlibDisabled`] (run `scripts/setup-face.sh`, build with `--features dlib`), so
//! the rest of mlsim builds with no system libraries.

use crate::{FaceError, ModelPaths};

/// The native pipeline of this build.
#[cfg(feature = "dlib")]
pub type NativePipeline = super::dlib::DlibPipeline;

/// The native pipeline of this build.
#[cfg(not(feature = "dlib"))]
pub type NativePipeline = DlibUnavailable;

/// Whether this build has the real dlib pipeline.
pub const DLIB_ENABLED: bool = cfg!(feature = "dlib");

/// Opens the native pipeline with the models in the default data folder (`$MLSIM_DATA`).
pub fn open_default() -> Result<NativePipeline, FaceError> {
    NativePipeline::open(&ModelPaths::from_env())
}

/// Stands in for the dlib pipeline in builds without the `dlib` feature. It has no values:
/// [`DlibUnavailable::open`] always returns [`FaceError::DlibDisabled`].
#[derive(Debug)]
pub enum DlibUnavailable {}

impl DlibUnavailable {
    /// Always [`FaceError::DlibDisabled`].
    pub fn open(_models: &ModelPaths) -> Result<Self, FaceError> {
        Err(FaceError::DlibDisabled)
    }
}

impl crate::FacePipeline for DlibUnavailable {
    type Image = ();
    type Faces = ();
    type Landmarks = ();

    fn name(&self) -> &'static str {
        match *self {}
    }
    fn import(&self, _frame: &image::RgbImage) {
        match *self {}
    }
    fn detect(&self, _image: &()) {
        match *self {}
    }
    fn face_count(&self, _faces: &()) -> usize {
        match *self {}
    }
    fn landmarks(&self, _image: &(), _faces: &()) {
        match *self {}
    }
    fn encode(&self, _image: &(), _landmarks: &()) -> Result<Vec<crate::Encoding>, FaceError> {
        match *self {}
    }
}

#[cfg(all(test, not(feature = "dlib")))]
mod tests {
    use super::*;

    #[test]
    fn without_the_feature_open_says_what_to_do() {
        let err = open_default().expect_err("no dlib in this build");
        let msg = err.to_string();
        assert!(
            msg.contains("scripts/setup-face.sh") && msg.contains("--features dlib"),
            "{msg}"
        );
    }
}
