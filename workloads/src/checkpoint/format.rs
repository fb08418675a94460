//! The μλ state file format (version 1).
//!
//! All integers little-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `MLSIMCKP` |
//! | 8 | 2 | format version, [`VERSION`] |
//! | 10 | 1 | codec: 0 = stored, 1 = lz4 block ([`Codec`]) |
//! | 11 | 1 | length *n* of the application name |
//! | 12 | *n* | application name, UTF-8 (e.g. `taxi`, `stress`, `face`) |
//! | 12+*n* | 8 | uncompressed payload length \[bytes\] |
//! | 20+*n* | 8 | stored payload length \[bytes\] |
//! | 28+*n* | 4 | CRC-32 (IEEE) of every header byte before it and of the stored payload |
//! | 32+*n* | … | payload: the state serialized with postcard, then compressed with the codec |
//!
//! Decoding checks, in this order: magic, version, header length, total length (truncated or
//! trailing bytes), checksum, application name, codec, decompression, deserialization. So a
//! truncated or bit-flipped file is reported as such before anything is interpreted.

use serde::{Serialize, de::DeserializeOwned};

use super::CheckpointError;

/// The 8 magic bytes that open every state file.
pub const MAGIC: [u8; 8] = *b"MLSIMCKP";
/// The state file format version this build writes and reads.
pub const VERSION: u16 = 1;
/// Fixed header bytes besides the application name.
const FIXED_HEADER: usize = 8 + 2 + 1 + 1 + 8 + 8 + 4;
/// Refuse to allocate more than this for a payload \[bytes\] (only reached by a valid checksum).
const MAX_RAW: u64 = 1 << 32;

/// Compression of the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    /// No compression.
    Stored,
    /// lz4 block format (pure Rust `lz4_flex`), the default.
    #[default]
    Lz4,
}

impl Codec {
    fn byte(self) -> u8 {
        match self {
            Codec::Stored => 0,
            Codec::Lz4 => 1,
        }
    }
}

/// The result of [`encode`]: the file bytes and the payload sizes.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The complete state file.
    pub bytes: Vec<u8>,
    /// Serialized state before compression \[bytes\].
    pub raw_len: u64,
}

/// Serialize `state` of application `app` into a state file.
pub fn encode<S: Serialize + ?Sized>(
    app: &str,
    state: &S,
    codec: Codec,
) -> Result<Encoded, CheckpointError> {
    let raw = postcard::to_stdvec(state).map_err(|e| CheckpointError::Serialize(e.to_string()))?;
    let payload = match codec {
        Codec::Stored => raw.clone(),
        Codec::Lz4 => lz4_flex::block::compress(&raw),
    };
    let app_bytes = app.as_bytes();
    let app_len = u8::try_from(app_bytes.len())
        .map_err(|_| CheckpointError::AppNameTooLong(app.to_owned()))?;
    let mut bytes = Vec::with_capacity(FIXED_HEADER + app_bytes.len() + payload.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.push(codec.byte());
    bytes.push(app_len);
    bytes.extend_from_slice(app_bytes);
    bytes.extend_from_slice(&(raw.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&bytes);
    crc.update(&payload);
    bytes.extend_from_slice(&crc.finalize().to_le_bytes());
    bytes.extend_from_slice(&payload);
    Ok(Encoded {
        bytes,
        raw_len: raw.len() as u64,
    })
}

/// What the header of a valid state file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub version: u16,
    /// Application name.
    pub app: String,
    /// Uncompressed payload length \[bytes\].
    pub raw_len: u64,
    /// Stored (compressed) payload length \[bytes\].
    pub stored_len: u64,
}

fn truncated(expected: usize, found: usize) -> CheckpointError {
    CheckpointError::Truncated {
        expected: expected as u64,
        found: found as u64,
        path: None,
    }
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// Check magic, version, lengths and checksum; return the header and the stored payload.
pub fn read_header(bytes: &[u8]) -> Result<(Header, &[u8], Codec), CheckpointError> {
    if bytes.len() < MAGIC.len() || bytes[..8] != MAGIC {
        // A prefix of the magic is a truncated file, anything else a foreign one.
        if !bytes.is_empty() && bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
            return Err(truncated(FIXED_HEADER, bytes.len()));
        }
        return Err(CheckpointError::BadMagic { path: None });
    }
    if bytes.len() < 12 {
        return Err(truncated(FIXED_HEADER, bytes.len()));
    }
    let version = u16::from_le_bytes([bytes[8], bytes[9]]);
    if version != VERSION {
        return Err(CheckpointError::UnsupportedVersion {
            found: version,
            supported: VERSION,
            path: None,
        });
    }
    let codec_byte = bytes[10];
    let app_len = bytes[11] as usize;
    let header_len = FIXED_HEADER + app_len;
    if bytes.len() < header_len {
        return Err(truncated(header_len, bytes.len()));
    }
    let app_end = 12 + app_len;
    let raw_len = le_u64(&bytes[app_end..]);
    let stored_len = le_u64(&bytes[app_end + 8..]);
    let crc_at = app_end + 16;
    let stored_crc = u32::from_le_bytes([
        bytes[crc_at],
        bytes[crc_at + 1],
        bytes[crc_at + 2],
        bytes[crc_at + 3],
    ]);
    let total = (header_len as u64).saturating_add(stored_len);
    if (bytes.len() as u64) < total {
        return Err(CheckpointError::Truncated {
            expected: total,
            found: bytes.len() as u64,
            path: None,
        });
    }
    if (bytes.len() as u64) > total {
        return Err(CheckpointError::TrailingBytes {
            extra: bytes.len() as u64 - total,
            path: None,
        });
    }
    let payload = &bytes[header_len..];
    let mut crc = crc32fast::Hasher::new();
    crc.update(&bytes[..crc_at]);
    crc.update(payload);
    let found = crc.finalize();
    if found != stored_crc {
        return Err(CheckpointError::Corrupt {
            stored: stored_crc,
            found,
            path: None,
        });
    }
    let app =
        String::from_utf8(bytes[12..app_end].to_vec()).map_err(|_| CheckpointError::Payload {
            reason: "application name is not UTF-8".into(),
            path: None,
        })?;
    let codec = match codec_byte {
        0 => Codec::Stored,
        1 => Codec::Lz4,
        c => {
            return Err(CheckpointError::UnknownCodec {
                codec: c,
                path: None,
            });
        }
    };
    Ok((
        Header {
            version,
            app,
            raw_len,
            stored_len,
        },
        payload,
        codec,
    ))
}

/// Decode a state file of application `app` into its state type.
pub fn decode<S: DeserializeOwned>(app: &str, bytes: &[u8]) -> Result<S, CheckpointError> {
    let (header, payload, codec) = read_header(bytes)?;
    if header.app != app {
        return Err(CheckpointError::WrongApp {
            expected: app.to_owned(),
            found: header.app,
            path: None,
        });
    }
    if header.raw_len > MAX_RAW {
        return Err(CheckpointError::Payload {
            reason: format!("payload of {} bytes is implausibly large", header.raw_len),
            path: None,
        });
    }
    let raw = match codec {
        Codec::Stored => payload.to_vec(),
        Codec::Lz4 => {
            lz4_flex::block::decompress(payload, header.raw_len as usize).map_err(|e| {
                CheckpointError::Payload {
                    reason: format!("lz4: {e}"),
                    path: None,
                }
            })?
        }
    };
    if raw.len() as u64 != header.raw_len {
        return Err(CheckpointError::Payload {
            reason: format!(
                "payload decompressed to {} bytes, header says {}",
                raw.len(),
                header.raw_len
            ),
            path: None,
        });
    }
    let (state, rest) =
        postcard::take_from_bytes::<S>(&raw).map_err(|e| CheckpointError::Payload {
            reason: format!("deserialize: {e}"),
            path: None,
        })?;
    if !rest.is_empty() {
        return Err(CheckpointError::Payload {
            reason: format!("{} undecoded payload bytes", rest.len()),
            path: None,
        });
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct S {
        xs: Vec<f64>,
        name: String,
    }

    fn sample() -> S {
        S {
            xs: vec![0.1, -2.5e-300, f64::MAX, 1.0 / 3.0],
            name: "n".into(),
        }
    }

    #[test]
    fn round_trip_is_exact_for_both_codecs() {
        for codec in [Codec::Stored, Codec::Lz4] {
            let e = encode("taxi", &sample(), codec).unwrap();
            assert_eq!(decode::<S>("taxi", &e.bytes).unwrap(), sample());
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let e = encode("taxi", &sample(), Codec::Lz4).unwrap();
        for n in 0..e.bytes.len() {
            let err = decode::<S>("taxi", &e.bytes[..n]).unwrap_err();
            assert!(
                matches!(
                    err,
                    CheckpointError::Truncated { .. } | CheckpointError::BadMagic { .. }
                ),
                "len {n}: {err}"
            );
        }
    }

    #[test]
    fn every_single_bit_flip_is_detected() {
        let e = encode("taxi", &sample(), Codec::Lz4).unwrap();
        for i in 0..e.bytes.len() {
            for bit in 0..8 {
                let mut b = e.bytes.clone();
                b[i] ^= 1 << bit;
                assert!(
                    decode::<S>("taxi", &b).is_err(),
                    "flip byte {i} bit {bit} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn wrong_app_and_foreign_files_are_named() {
        let e = encode("taxi", &sample(), Codec::Lz4).unwrap();
        let err = decode::<S>("stress", &e.bytes).unwrap_err();
        assert!(err.to_string().contains("`taxi`"), "{err}");
        let err = decode::<S>("taxi", b"hello world, not a state file").unwrap_err();
        assert!(matches!(err, CheckpointError::BadMagic { .. }));
        let mut extra = e.bytes.clone();
        extra.push(0);
        assert!(matches!(
            decode::<S>("taxi", &extra).unwrap_err(),
            CheckpointError::TrailingBytes { .. }
        ));
    }
}
