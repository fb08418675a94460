//! Minimal NumPy `.npy` reader for 1-D float arrays (systole's `Task1_*.npy` recordings):
//! format versions 1–3, little-endian `<f8` or `<f4`, C order, shape `(n,)` or `(n, 1)`.

use std::path::Path;

use super::StressError;

/// Read a 1-D float array.
pub fn read_npy_f64(path: &Path) -> Result<Vec<f64>, StressError> {
    let bytes = std::fs::read(path).map_err(|source| StressError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_npy_f64(&bytes).map_err(|reason| StressError::Data {
        path: path.to_owned(),
        reason,
    })
}

/// Parse `.npy` bytes holding a 1-D float array.
pub fn parse_npy_f64(b: &[u8]) -> Result<Vec<f64>, String> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = b.get(start..start + hlen).ok_or("truncated .npy header")?;
    let header = std::str::from_utf8(header).map_err(|_| "non-UTF-8 .npy header")?;
    let field = |key: &str| -> Option<&str> {
        let i = header.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = header[i..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = field("descr").ok_or("no descr in .npy header")?;
    let width = if descr.starts_with("'<f8'") {
        8
    } else if descr.starts_with("'<f4'") {
        4
    } else {
        return Err(format!(
            "unsupported dtype {}",
            descr.split(',').next().unwrap_or("")
        ));
    };
    if field("fortran_order").is_some_and(|f| f.starts_with("True")) {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let shape = field("shape").ok_or("no shape in .npy header")?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("malformed shape")?;
    let dims: Vec<usize> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("bad dimension {s}")))
        .collect::<Result<_, _>>()?;
    let n = match dims.as_slice() {
        [n] | [n, 1] => *n,
        _ => return Err(format!("expected a 1-D array, shape is {dims:?}")),
    };
    let data = &b[start + hlen..];
    if data.len() < n * width {
        return Err(format!(
            "truncated .npy data: {} of {} bytes",
            data.len(),
            n * width
        ));
    }
    Ok(if width == 8 {
        data[..n * 8]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect()
    } else {
        data[..n * 4]
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_hand_made_npy_and_rejects_truncation() {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        let mut h = header.to_string();
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        for v in [1.5f64, -2.0, 3.25] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(super::parse_npy_f64(&b).unwrap(), vec![1.5, -2.0, 3.25]);
        assert!(
            super::parse_npy_f64(&b[..b.len() - 1])
                .unwrap_err()
                .contains("truncated")
        );
    }
}
