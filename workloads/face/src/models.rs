//! Where the dlib model files live.
//!
//! The models (CC0, from PyPI `face_recognition_models==0.3.0`) are installed by
//! `scripts/setup-face.sh` into `$MLSIM_DATA/face/models`, where `MLSIM_DATA` defaults to
//! `$HOME/.local/share/mlsim`. They are never committed to git.

use std::path::{Path, PathBuf};

use crate::FaceError;

/// File name of dlib's 5-point landmark model (9.2 MB).
pub const LANDMARKS_FILE: &str = "shape_predictor_5_face_landmarks.dat";
/// File name of dlib's ResNet face encoder (22.5 MB; 128-D output).
pub const ENCODER_FILE: &str = "dlib_face_recognition_resnet_model_v1.dat";

/// Paths of the two model files the pipeline loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelPaths {
    /// 5-point landmark predictor.
    pub landmarks: PathBuf,
    /// ResNet 128-D encoder.
    pub encoder: PathBuf,
}

impl ModelPaths {
    /// The models inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        ModelPaths {
            landmarks: dir.join(LANDMARKS_FILE),
            encoder: dir.join(ENCODER_FILE),
        }
    }

    /// The models in the default data folder (see [`default_model_dir`]).
    pub fn from_env() -> Self {
        Self::in_dir(&default_model_dir())
    }

    /// `Ok` when both files exist; otherwise the first missing one, with what to run.
    pub fn check(&self) -> Result<(), FaceError> {
        for p in [&self.landmarks, &self.encoder] {
            if !p.is_file() {
                return Err(FaceError::ModelMissing { path: p.clone() });
            }
        }
        Ok(())
    }
}

/// The data root: `$MLSIM_DATA`, else `$HOME/.local/share/mlsim`, else `./.mlsim-data`.
pub fn data_root() -> PathBuf {
    match std::env::var_os("MLSIM_DATA") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => match std::env::var_os("HOME") {
            Some(h) if !h.is_empty() => PathBuf::from(h).join(".local/share/mlsim"),
            _ => PathBuf::from(".mlsim-data"),
        },
    }
}

/// `<data root>/face/models`.
pub fn default_model_dir() -> PathBuf {
    data_root().join("face").join("models")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_names_the_setup_script() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = ModelPaths::in_dir(dir.path())
            .check()
            .expect_err("no models there");
        let msg = err.to_string();
        assert!(msg.contains("setup-face.sh"), "{msg}");
        assert!(msg.contains(LANDMARKS_FILE), "{msg}");
    }
}
