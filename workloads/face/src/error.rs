//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the face workload.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    /// The crate was built without the `dlib` cargo feature.
    #[error(
        "the face pipeline needs dlib, but mlsim-face was built without it: run \
         scripts/setup-face.sh, then build with `--features dlib` \
         (e.g. cargo run --release -p mlsim-face --features dlib -- run --frames 10)"
    )]
    DlibDisabled,

    /// A model file is missing from the data folder.
    #[error(
        "face model {path} is missing (models are looked up in $MLSIM_DATA/face/models, \
         default ~/.local/share/mlsim/face/models): run scripts/setup-face.sh"
    )]
    ModelMissing {
        /// The path that was looked for.
        path: PathBuf,
    },

    /// dlib could not deserialize a model file.
    #[error(
        "cannot load face model {path}: {reason} (re-run scripts/setup-face.sh to reinstall it)"
    )]
    ModelLoad {
        /// The model file.
        path: PathBuf,
        /// dlib's message.
        reason: String,
    },

    /// An input photo could not be read or decoded.
    #[error("cannot decode image {name}: {source}")]
    Image {
        /// File name or path of the photo.
        name: String,
        /// The decoder's error.
        #[source]
        source: image::ImageError,
    },

    /// An input photo could not be read from disk.
    #[error("cannot read image {path}: {source}")]
    ImageIo {
        /// The photo's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A camera or workload parameter is out of range.
    #[error("invalid face workload parameter: {0}")]
    Invalid(String),

    /// A state handed to resume does not belong to this workload or is inconsistent.
    #[error("invalid face workload state: {0}")]
    BadState(String),
}
