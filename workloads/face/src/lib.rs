//! # mlsim-face: the paper's face-recognition workload, for real
//!
//! "Short and Sweet Checkpoints for C-RAN MEC" offloads a face recognition task: for each camera
//! frame, detect faces (dlib's HOG detector), find 5 landmarks per face, encode each face with
//! dlib's ResNet into a 128-D vector, and report whether a face of frame *k+1* was already in
//! frame *k* (Euclidean distance < 0.6). The program state between frames is just the last
//! frame's encodings, which is what makes a μλ checkpoint small; the process itself holds the
//! loaded models (~32 MB of weights), which is what a CRIU dump carries.
//!
//! - [`camera`]: a seeded sequence of jittered 640×480 frames made from vendored public-domain
//!   photos ([`photos`]; provenance in `data/photos/PROVENANCE.md`).
//! - [`pipeline`]: the three native stages as a trait; the gaps between them are the safe points.
//! - [`pipelines`]: dlib (cargo feature `dlib`), a stub that explains how to get it, and a mock.
//! - [`workload`] and [`state`]: the frame loop and its serde program state.
//! - [`resumable`]: the μλ checkpoint contract of `mlsim-workloads`
//!   ([`mlsim_workloads::checkpoint::Resumable`], application name `face`).
//! - [`models`]: where the models are (`$MLSIM_DATA/face/models`, installed by
//!   `scripts/setup-face.sh`).
//!
//! Without the `dlib` feature this crate needs no system library, and
//! [`pipelines::native::open_default`] returns [`FaceError::DlibDisabled`], which says to run
//! `scripts/setup-face.sh` and build with `--features dlib`.
#![warn(missing_docs)]

pub mod camera;
pub mod encoding;
pub mod error;
pub mod models;
pub mod photos;
pub mod pipeline;
pub mod pipelines;
pub mod procstat;
pub mod resumable;
pub mod state;
pub mod workload;

pub use camera::{Camera, CameraSpec, Frame};
pub use encoding::{Encoding, SAME_PERSON_THRESHOLD};
pub use error::FaceError;
pub use models::ModelPaths;
pub use photos::{Photo, PhotoSet};
pub use pipeline::FacePipeline;
pub use pipelines::native::{DLIB_ENABLED, NativePipeline};
pub use state::FaceState;
pub use workload::{Advance, FaceWorkload, FrameOutcome, SafePoint};
