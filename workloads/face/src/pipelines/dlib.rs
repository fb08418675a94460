//! The paper's pipeline on dlib (feature `dlib`): HOG frontal face detector, 5-point landmark
//! predictor, ResNet 128-D encoder (`dlib_face_recognition_resnet_model_v1`).
//!
//! Like `face_recognition`'s defaults except that frames are not upsampled before detection
//! (the camera's faces are large enough) and encodings use one jitter.

use dlib_face_recognition::{
    FaceDetector, FaceDetectorTrait, FaceEncoderNetwork, FaceEncoderTrait, FaceLandmarks,
    FaceLocations, ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait,
};
use image::RgbImage;

use crate::{Encoding, FaceError, FacePipeline, ModelPaths};

/// Encoder jitters: 1 = encode the face chip once (`face_recognition`'s default).
pub const NUM_JITTERS: u32 = 1;

/// The loaded dlib models (about 32 MB of weights in memory).
pub struct DlibPipeline {
    detector: FaceDetector,
    predictor: LandmarkPredictor,
    encoder: FaceEncoderNetwork,
}

impl std::fmt::Debug for DlibPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DlibPipeline")
    }
}

impl DlibPipeline {
    /// Loads the models from `models` (see [`ModelPaths`]).
    pub fn open(models: &ModelPaths) -> Result<Self, FaceError> {
        models.check()?;
        let predictor =
            LandmarkPredictor::open(&models.landmarks).map_err(|reason| FaceError::ModelLoad {
                path: models.landmarks.clone(),
                reason,
            })?;
        let encoder =
            FaceEncoderNetwork::open(&models.encoder).map_err(|reason| FaceError::ModelLoad {
                path: models.encoder.clone(),
                reason,
            })?;
        Ok(DlibPipeline {
            detector: FaceDetector::new(),
            predictor,
            encoder,
        })
    }
}

impl FacePipeline for DlibPipeline {
    type Image = ImageMatrix;
    type Faces = FaceLocations;
    type Landmarks = Vec<FaceLandmarks>;

    fn name(&self) -> &'static str {
        "dlib"
    }

    fn import(&self, frame: &RgbImage) -> ImageMatrix {
        ImageMatrix::from_image(frame)
    }

    fn detect(&self, image: &ImageMatrix) -> FaceLocations {
        self.detector.face_locations(image)
    }

    fn face_count(&self, faces: &FaceLocations) -> usize {
        faces.len()
    }

    fn landmarks(&self, image: &ImageMatrix, faces: &FaceLocations) -> Vec<FaceLandmarks> {
        faces
            .iter()
            .map(|r| self.predictor.face_landmarks(image, r))
            .collect()
    }

    fn encode(
        &self,
        image: &ImageMatrix,
        landmarks: &Vec<FaceLandmarks>,
    ) -> Result<Vec<Encoding>, FaceError> {
        if landmarks.is_empty() {
            return Ok(Vec::new());
        }
        self.encoder
            .get_face_encodings(image, landmarks, NUM_JITTERS)
            .iter()
            .map(|e| Encoding::from_f64(e.as_ref()))
            .collect()
    }
}
