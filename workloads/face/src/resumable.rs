//! The face workload under the shared μλ checkpoint contract
//! ([`mlsim_workloads::checkpoint::Resumable`]).
//!
//! One [`Resumable::step`] processes one whole frame (detect → landmarks → encode), so the
//! runner's safe points are the gaps between frames: no dlib call is in flight there, and the
//! program state is [`FaceState`] (camera, next frame, last encodings). A checkpoint request is
//! therefore served at most one frame (~35 ms) after it arrives. [`FaceWorkload::advance`] also
//! offers safe points *inside* a frame (between the dlib stages) for callers that can drop a
//! partial frame; the shared runner does not use them.

use mlsim_workloads::checkpoint::{Resumable, Step};

use crate::{Advance, FaceError, FacePipeline, FaceState, FaceWorkload, FrameOutcome};

/// Application name in face state files.
pub const APP: &str = "face";

impl<P: FacePipeline> Resumable for FaceWorkload<P> {
    const APP: &'static str = APP;
    type State = FaceState;
    type Output = FrameOutcome;
    type Error = FaceError;

    fn step(&mut self) -> Result<Step<FrameOutcome>, FaceError> {
        if self.is_done() {
            return Ok(Step::Done);
        }
        match self.advance(&mut |_| false)? {
            Advance::Frame(o) => Ok(Step::Item(o)),
            // unreachable: the stop check above never asks to stop
            Advance::Stopped => Err(FaceError::BadState(
                "frame stopped without a request".into(),
            )),
        }
    }

    fn state(&self) -> &FaceState {
        FaceWorkload::state(self)
    }

    fn restore(&mut self, state: FaceState) -> Result<(), FaceError> {
        self.restore_state(state)
    }

    fn items_done(&self) -> Option<u64> {
        Some(FaceWorkload::state(self).next_frame)
    }
}
