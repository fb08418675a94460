//! Typed errors of the checkpoint contract.

use std::path::PathBuf;

/// Why a state file could not be written or read.
///
/// Every variant names the file when there is one, so a caller can print it as is.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// An I/O error while reading or writing `path`.
    #[error("state file {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the mlsim state-file magic: not a state file at all.
    #[error("not an mlsim state file (bad magic bytes){}", at(.path))]
    BadMagic {
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// A state file of a format version this build cannot read.
    #[error("state file format version {found} is not supported (this build reads version {supported}){}", at(.path))]
    UnsupportedVersion {
        /// Version found in the header.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// The file is shorter than its header says: an interrupted copy or write.
    #[error("state file is truncated: expected {expected} bytes, found {found}{}", at(.path))]
    Truncated {
        /// Bytes the header promises.
        expected: u64,
        /// Bytes present.
        found: u64,
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// The file is longer than its header says.
    #[error("state file has {extra} unexpected trailing bytes{}", at(.path))]
    TrailingBytes {
        /// Bytes after the payload.
        extra: u64,
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// The checksum does not match: the file was corrupted.
    #[error("state file is corrupt: CRC-32 {found:#010x} does not match the stored {stored:#010x}{}", at(.path))]
    Corrupt {
        /// Checksum stored in the header.
        stored: u32,
        /// Checksum of the bytes read.
        found: u32,
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// The file holds the state of another application.
    #[error("state file belongs to application `{found}`, not `{expected}`{}", at(.path))]
    WrongApp {
        /// The application that tried to resume.
        expected: String,
        /// The application recorded in the file.
        found: String,
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// The header names a compression codec this build does not know.
    #[error("state file uses unknown codec {codec}{}", at(.path))]
    UnknownCodec {
        /// The codec byte.
        codec: u8,
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// The payload passed its checksum but does not decompress or deserialize into the state
    /// type (e.g. written by an incompatible build of the same application).
    #[error("state payload cannot be decoded: {reason}{}", at(.path))]
    Payload {
        /// What went wrong.
        reason: String,
        /// The file concerned, if known.
        path: Option<PathBuf>,
    },
    /// The application name is longer than the format allows (255 bytes).
    #[error("application name `{0}` is longer than 255 bytes")]
    AppNameTooLong(String),
    /// Serializing the state failed.
    #[error("cannot serialize state: {0}")]
    Serialize(String),
}

fn at(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!(" ({})", p.display()),
        None => String::new(),
    }
}

impl CheckpointError {
    /// Attach the file path to an error produced while decoding bytes.
    pub fn with_path(mut self, file: impl Into<PathBuf>) -> Self {
        let file = file.into();
        match &mut self {
            Self::BadMagic { path }
            | Self::UnsupportedVersion { path, .. }
            | Self::Truncated { path, .. }
            | Self::TrailingBytes { path, .. }
            | Self::Corrupt { path, .. }
            | Self::WrongApp { path, .. }
            | Self::UnknownCodec { path, .. }
            | Self::Payload { path, .. } => *path = Some(file),
            Self::Io { .. } | Self::AppNameTooLong(_) | Self::Serialize(_) => {}
        }
        self
    }
}
