//! Minimal NumPy `.npy` reader for 1-D float arrays (systole's `Task1_*.npy` ECG and
//! respiration recordings that the stress workload reads): format versions 1–3, little-endian
//! `<f8` or `<f4`, C order, shape `(n,)` or `(n, 1)`.
//!
//! The file is read in order (magic, header, then exactly the data the header announces), so a
//! wrong file fails at its first bytes and an endless one is never read to its end; errors give
//! the byte offset.

use std::io::Read;
use std::path::Path;

use crate::ReadError;

const FORMAT: &str = "NumPy .npy";

/// Longest header accepted \[bytes\] (NumPy writes 118 or so; version 1 allows 65,535).
pub const MAX_HEADER_BYTES: usize = 1 << 20;

/// Largest array accepted \[values\] (about 4 days of one 1,000 Hz channel).
pub const MAX_VALUES: usize = 1 << 28;

/// What the header says.
struct Header {
    /// Byte offset of the data.
    data_at: usize,
    /// Values.
    n: usize,
    /// Bytes per value (8 or 4).
    width: usize,
}

/// Parses the magic and version (the first 12 bytes, fewer for version 1): `(header start,
/// header length)`.
fn preamble(b: &[u8]) -> Result<(usize, usize), (u64, String)> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err((0, "not a .npy file (bad magic; expected \\x93NUMPY)".into()));
    }
    match b[6] {
        1 => Ok((10, u16::from_le_bytes([b[8], b[9]]) as usize)),
        2 | 3 if b.len() >= 12 => Ok((12, u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize)),
        v => Err((6, format!("unsupported .npy version {v} (1 to 3 are read)"))),
    }
}

/// Parses the header text that starts at byte `start`.
fn header(text: &[u8], start: usize) -> Result<Header, (u64, String)> {
    let at = start as u64;
    let header = std::str::from_utf8(text).map_err(|_| (at, "non-UTF-8 .npy header".to_owned()))?;
    let field = |key: &str| -> Option<&str> {
        let i = header.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = header[i..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = field("descr").ok_or((at, "no descr in .npy header".to_owned()))?;
    let width = if descr.starts_with("'<f8'") {
        8
    } else if descr.starts_with("'<f4'") {
        4
    } else {
        return Err((
            at,
            format!(
                "unsupported dtype {} (save the array as float64 or float32, little-endian)",
                descr.split(',').next().unwrap_or("")
            ),
        ));
    };
    if field("fortran_order").is_some_and(|f| f.starts_with("True")) {
        return Err((
            at,
            "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)".into(),
        ));
    }
    let shape = field("shape").ok_or((at, "no shape in .npy header".to_owned()))?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or((at, "malformed shape".to_owned()))?;
    let dims: Vec<usize> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| (at, format!("bad dimension {s}"))))
        .collect::<Result<_, _>>()?;
    let n = match dims.as_slice() {
        [n] | [n, 1] => *n,
        _ => return Err((at, format!("expected a 1-D array, shape is {dims:?}"))),
    };
    if n > MAX_VALUES {
        return Err((
            at,
            format!("{n} values, more than the limit of {MAX_VALUES}"),
        ));
    }
    Ok(Header {
        data_at: start + text.len(),
        n,
        width,
    })
}

/// The values of the data bytes.
fn values(data: &[u8], width: usize) -> Vec<f64> {
    if width == 8 {
        data.chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    } else {
        data.chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))))
            .collect()
    }
}

/// Read a 1-D float array from a `.npy` file.
pub fn read_npy_f64(path: &Path) -> Result<Vec<f64>, ReadError> {
    let io = |e| ReadError::io(path, FORMAT, e);
    let at = |(offset, m): (u64, String)| ReadError::byte(path, FORMAT, offset, m);
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut pre = Vec::with_capacity(12);
    (&mut f).take(12).read_to_end(&mut pre).map_err(io)?;
    let (start, hlen) = preamble(&pre).map_err(at)?;
    if hlen > MAX_HEADER_BYTES {
        return Err(at((
            8,
            format!("header of {hlen} bytes, more than the limit of {MAX_HEADER_BYTES}"),
        )));
    }
    // Version 1's header starts at byte 10: two of the 12 bytes read belong to it.
    let mut text = pre[start..].to_vec();
    (&mut f)
        .take((hlen - text.len().min(hlen)) as u64)
        .read_to_end(&mut text)
        .map_err(io)?;
    if text.len() < hlen {
        return Err(at((start as u64, "truncated .npy header".into())));
    }
    let h = header(&text[..hlen], start).map_err(at)?;
    // At most MAX_VALUES × 8 bytes (checked by `header`): no overflow.
    let need = h.n * h.width;
    if let Ok(m) = f.metadata() {
        if m.is_file() && m.len() < (h.data_at + need) as u64 {
            return Err(at((
                h.data_at as u64,
                format!(
                    "truncated .npy data: {} of {need} bytes (download the file again)",
                    m.len().saturating_sub(h.data_at as u64)
                ),
            )));
        }
    }
    let mut data = Vec::with_capacity(need);
    // Bytes past the header's text that were read with the preamble (none: 12 <= start + hlen).
    data.extend_from_slice(&text[hlen..]);
    f.take((need - data.len().min(need)) as u64)
        .read_to_end(&mut data)
        .map_err(io)?;
    if data.len() < need {
        return Err(at((
            h.data_at as u64,
            format!(
                "truncated .npy data: {} of {need} bytes (download the file again)",
                data.len()
            ),
        )));
    }
    Ok(values(&data[..need], h.width))
}

/// Parse `.npy` bytes holding a 1-D float array; errors give the byte offset.
pub fn parse_npy_f64(b: &[u8]) -> Result<Vec<f64>, (u64, String)> {
    let (start, hlen) = preamble(b)?;
    let text = b
        .get(start..start + hlen)
        .ok_or((start as u64, "truncated .npy header".to_owned()))?;
    let h = header(text, start)?;
    let need = h.n * h.width;
    let data = &b[h.data_at..];
    if data.len() < need {
        return Err((
            h.data_at as u64,
            format!("truncated .npy data: {} of {need} bytes", data.len()),
        ));
    }
    Ok(values(&data[..need], h.width))
}

#[cfg(test)]
mod tests {
    /// A version-1 `.npy` file of little-endian f8 `values` whose header declares `shape`
    /// (padded, as NumPy does, so that the data starts at a multiple of 64 bytes).
    fn npy(shape: &str, values: &[f64]) -> Vec<u8> {
        let mut h = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        for v in values {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b
    }

    #[test]
    fn reads_a_hand_made_npy_and_rejects_truncation() {
        let b = npy("(3,)", &[1.5, -2.0, 3.25]);
        assert_eq!(super::parse_npy_f64(&b).unwrap(), vec![1.5, -2.0, 3.25]);
        // The header is padded to 128 bytes: the data starts at byte 128.
        assert_eq!(b.len(), 128 + 24);
        let (at, m) = super::parse_npy_f64(&b[..b.len() - 1]).unwrap_err();
        assert!(at == 128 && m.contains("truncated"), "{at} {m}");
        // The same through a file, and a file that is not .npy at all.
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.npy");
        std::fs::write(&f, &b).unwrap();
        assert_eq!(super::read_npy_f64(&f).unwrap(), vec![1.5, -2.0, 3.25]);
        std::fs::write(&f, &b[..b.len() - 1]).unwrap();
        let e = super::read_npy_f64(&f).unwrap_err().to_string();
        assert!(
            e.contains("x.npy") && e.contains("byte 128") && e.contains("truncated"),
            "{e}"
        );
        let e = super::read_npy_f64(std::path::Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/dev/zero") && e.contains("byte 0") && e.contains("bad magic"),
            "{e}"
        );
    }

    /// A header that declares 2^61 + 1 values with one value of data: 2^61 + 1 values of 8
    /// bytes would be 2^64 + 8 bytes, which wraps to 8 in 64-bit arithmetic, i.e. one value.
    /// The count is refused against the limit before any size is computed.
    #[test]
    fn a_count_whose_byte_size_wraps_is_refused() {
        let b = npy("(2305843009213693953,)", &[1.5]);
        let (at, m) = super::parse_npy_f64(&b).unwrap_err();
        assert!(
            at == 10 && m.contains("2305843009213693953 values, more than the limit"),
            "{at} {m}"
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.npy");
        std::fs::write(&f, &b).unwrap();
        let e = super::read_npy_f64(&f).unwrap_err().to_string();
        assert!(
            e.contains("big.npy") && e.contains("more than the limit"),
            "{e}"
        );
    }
}
