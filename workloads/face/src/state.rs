//! The μλ program state of the face workload.

use serde::{Deserialize, Serialize};

use crate::{CameraSpec, Encoding, FaceError};

/// Everything a resumed run needs, and nothing else (no models, no images): which camera, which
/// frame comes next, and the encodings of the faces in the last processed frame. About 0.6 KB
/// per remembered face plus ~100 bytes, as JSON before compression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceState {
    /// What the camera films (so the resumed run films the same frames).
    pub camera: CameraSpec,
    /// Index of the next frame to process (= number of frames done).
    pub next_frame: u64,
    /// Encodings of the faces of frame `next_frame - 1` (empty before frame 0 or when it had no
    /// face).
    pub last: Vec<Encoding>,
}

impl FaceState {
    /// The state before frame 0.
    pub fn start(camera: CameraSpec) -> Self {
        FaceState {
            camera,
            next_frame: 0,
            last: Vec::new(),
        }
    }

    /// Checks a state read from outside.
    pub fn validate(&self) -> Result<(), FaceError> {
        self.camera
            .validate()
            .map_err(|e| FaceError::BadState(e.to_string()))?;
        if self.next_frame == 0 && !self.last.is_empty() {
            return Err(FaceError::BadState(
                "encodings remembered before the first frame".into(),
            ));
        }
        Ok(())
    }
}
