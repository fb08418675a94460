//! The face workload: frame by frame, "was a face of this frame in the previous frame?".

use serde::{Deserialize, Serialize};

use crate::encoding::{SAME_PERSON_THRESHOLD, best_distance};
use crate::{Camera, CameraSpec, FaceError, FacePipeline, FaceState, PhotoSet};

/// The output for one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameOutcome {
    /// Frame index.
    pub frame: u64,
    /// Ground truth: who the camera filmed (not seen by the pipeline).
    pub identity: String,
    /// Ground truth: which photo.
    pub photo: String,
    /// Faces detected.
    pub faces: usize,
    /// The paper's output: some face here is closer than 0.6 to a face of the previous frame.
    pub same_person: bool,
    /// Smallest encoding distance to the previous frame's faces (none if either had no face).
    pub best_distance: Option<f64>,
}

/// What one call of [`FaceWorkload::advance`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum Advance {
    /// A frame was processed and the state advanced.
    Frame(FrameOutcome),
    /// A stop was requested at a safe point; the state is as after the last processed frame and
    /// any partial work on the current frame was dropped (a resume redoes that frame).
    Stopped,
}

/// Where a safe point sits in a frame, handed to the stop check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SafePoint {
    /// Before the frame is built.
    BeforeFrame,
    /// The camera frame is built; before the first native call.
    FrameBuilt,
    /// Between detection and landmarks.
    AfterDetect,
    /// Between landmarks and encoding.
    AfterLandmarks,
}

/// The workload: a pipeline (with its loaded models: the working set), a camera, the number of
/// frames to process, and the program state.
#[derive(Debug)]
pub struct FaceWorkload<P> {
    pipeline: P,
    camera: Camera,
    frames: u64,
    state: FaceState,
}

impl<P: FacePipeline> FaceWorkload<P> {
    /// A fresh run of `frames` frames filming `photos` as `spec` says.
    pub fn new(
        pipeline: P,
        photos: PhotoSet,
        spec: CameraSpec,
        frames: u64,
    ) -> Result<Self, FaceError> {
        let camera = Camera::new(spec.clone(), photos)?;
        Ok(FaceWorkload {
            pipeline,
            camera,
            frames,
            state: FaceState::start(spec),
        })
    }

    /// Continues a run of `frames` frames from `state` (taken by an earlier run at a safe
    /// point); the camera is the one recorded in the state.
    pub fn resume(
        pipeline: P,
        photos: PhotoSet,
        state: FaceState,
        frames: u64,
    ) -> Result<Self, FaceError> {
        let mut w = Self::new(pipeline, photos, state.camera.clone(), frames)?;
        w.restore_state(state)?;
        Ok(w)
    }

    /// Replaces the program state with `state`, which must be for the same camera and not past
    /// the end of this run.
    pub fn restore_state(&mut self, state: FaceState) -> Result<(), FaceError> {
        state.validate()?;
        if state.camera != *self.camera.spec() {
            return Err(FaceError::BadState(format!(
                "the state was taken with camera {:?}, this run films {:?}",
                state.camera,
                self.camera.spec()
            )));
        }
        if state.next_frame > self.frames {
            return Err(FaceError::BadState(format!(
                "the state is at frame {}, past the end of this {}-frame run",
                state.next_frame, self.frames
            )));
        }
        self.state = state;
        Ok(())
    }

    /// Frames this run processes in total.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Whether every frame has been processed.
    pub fn is_done(&self) -> bool {
        self.state.next_frame >= self.frames
    }

    /// The program state (what a μλ checkpoint saves).
    pub fn state(&self) -> &FaceState {
        &self.state
    }

    /// The pipeline.
    pub fn pipeline(&self) -> &P {
        &self.pipeline
    }

    /// Gives the pipeline (and its loaded models) back, e.g. to reuse it for another run.
    pub fn into_pipeline(self) -> P {
        self.pipeline
    }

    /// Processes the next frame (even past [`Self::frames`]), asking `stop` at each safe point
    /// whether to stop instead.
    pub fn advance(
        &mut self,
        stop: &mut dyn FnMut(SafePoint) -> bool,
    ) -> Result<Advance, FaceError> {
        if stop(SafePoint::BeforeFrame) {
            return Ok(Advance::Stopped);
        }
        let frame = self.camera.frame(self.state.next_frame);
        if stop(SafePoint::FrameBuilt) {
            return Ok(Advance::Stopped);
        }
        let p = &self.pipeline;
        let image = p.import(&frame.image);
        let faces = p.detect(&image);
        if stop(SafePoint::AfterDetect) {
            return Ok(Advance::Stopped);
        }
        let marks = p.landmarks(&image, &faces);
        if stop(SafePoint::AfterLandmarks) {
            return Ok(Advance::Stopped);
        }
        let encodings = p.encode(&image, &marks)?;
        let best = best_distance(&encodings, &self.state.last);
        let outcome = FrameOutcome {
            frame: frame.index,
            identity: frame.identity,
            photo: frame.photo,
            faces: p.face_count(&faces),
            same_person: best.is_some_and(|d| d < SAME_PERSON_THRESHOLD),
            best_distance: best,
        };
        self.state.last = encodings;
        self.state.next_frame += 1;
        Ok(Advance::Frame(outcome))
    }

    /// Runs until frame `until` (at most [`Self::frames`]) is next or `stop` says so; returns
    /// the outcomes.
    pub fn run_until(
        &mut self,
        until: u64,
        stop: &mut dyn FnMut(SafePoint) -> bool,
    ) -> Result<Vec<FrameOutcome>, FaceError> {
        let mut out = Vec::new();
        while self.state.next_frame < until.min(self.frames) {
            match self.advance(stop)? {
                Advance::Frame(o) => out.push(o),
                Advance::Stopped => break,
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipelines::mock::MockPipeline;

    fn workload() -> FaceWorkload<MockPipeline> {
        let photos = PhotoSet::vendored().expect("photos");
        FaceWorkload::new(
            MockPipeline,
            photos,
            CameraSpec {
                seed: 11,
                ..CameraSpec::default()
            },
            9,
        )
        .expect("workload")
    }

    #[test]
    fn stop_at_every_kind_of_safe_point_then_resume_gives_identical_outputs() {
        let full = workload().run_until(9, &mut |_| false).expect("full run");
        assert_eq!(full.len(), 9);
        for (cut, at) in [
            (0, SafePoint::BeforeFrame),
            (2, SafePoint::FrameBuilt),
            (4, SafePoint::AfterDetect),
            (7, SafePoint::AfterLandmarks),
        ] {
            let mut w = workload();
            let mut head = w.run_until(cut, &mut |_| false).expect("head");
            let stopped = w.advance(&mut |p| p == at).expect("step");
            assert_eq!(stopped, Advance::Stopped);
            let json = serde_json::to_vec(w.state()).expect("ser");
            let state: FaceState = serde_json::from_slice(&json).expect("de");
            let photos = PhotoSet::vendored().expect("photos");
            let mut r = FaceWorkload::resume(MockPipeline, photos, state, 9).expect("resume");
            head.extend(r.run_until(9, &mut |_| false).expect("tail"));
            assert_eq!(head, full, "cut at frame {cut}, {at:?}");
        }
    }

    #[test]
    fn a_state_for_another_camera_or_past_the_end_is_refused() {
        let mut w = workload();
        let mut other = FaceState::start(CameraSpec {
            seed: 12,
            ..CameraSpec::default()
        });
        let err = w.restore_state(other.clone()).expect_err("other camera");
        assert!(err.to_string().contains("camera"), "{err}");
        other.camera = w.state().camera.clone();
        other.next_frame = 10;
        assert!(w.restore_state(other).is_err());
    }

    #[test]
    fn first_frame_never_matches() {
        let out = workload().run_until(1, &mut |_| false).expect("run");
        assert!(!out[0].same_person);
        assert_eq!(out[0].best_distance, None);
    }
}
