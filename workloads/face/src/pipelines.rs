//! Implementations of [`crate::FacePipeline`].

#[cfg(feature = "dlib")]
pub mod dlib;
pub mod mock;
pub mod native;
