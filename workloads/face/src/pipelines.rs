//! Implementations of [`crate::FacePipeline`].

pub mod mock;
pub mod native;
#[cfg(feature = "dlib")]
pub mod dlib;
