//! Limits that keep a reader from reading forever or exhausting memory on a wrong file (a
//! device such as `/dev/zero`, a multi-gigabyte download of the wrong thing): whole-file readers
//! stop at a size cap, line readers at a line-length cap, each with an error that says so.

use std::io::{self, Read};
use std::path::Path;

use crate::ReadError;

/// Longest line a CSV reader accepts \[bytes\]. TLC and load-trace lines are under 300 bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Reads at most `cap` bytes of `path`; a larger file (or endless device) is an error that names
/// the cap, the format and `fix`.
pub fn read_capped(
    path: &Path,
    format: &'static str,
    cap: u64,
    fix: &str,
) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| ReadError::io(path, format, e))?;
    let too_large = |what: String| {
        ReadError::file(
            path,
            format,
            format!("{what}, more than the limit of {cap} bytes for this format; {fix}"),
        )
    };
    if let Ok(m) = file.metadata() {
        if m.is_file() && m.len() > cap {
            return Err(too_large(format!("the file has {} bytes", m.len())));
        }
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::io(path, format, e))?;
    if bytes.len() as u64 > cap {
        return Err(too_large("it did not end within the limit".into()));
    }
    Ok(bytes)
}

/// Reads the text of `path`, at most `cap` bytes: for callers whose errors carry an
/// [`io::Error`]. A larger (or endless) file is an [`io::ErrorKind::InvalidData`] error that
/// names the cap; so is text that is not UTF-8.
pub fn read_to_string_capped(path: &Path, cap: u64) -> io::Result<String> {
    let file = std::fs::File::open(path)?;
    let too_large = |what: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{what}, more than the limit of {cap} bytes: is this the right file?"),
        )
    };
    if let Ok(m) = file.metadata() {
        if m.is_file() && m.len() > cap {
            return Err(too_large(format!("the file has {} bytes", m.len())));
        }
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large("it did not end within the limit".into()));
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Longest line of a load or event trace \[bytes\] (their rows have two numbers).
pub const MAX_TRACE_LINE_BYTES: usize = 4096;

/// A reader that fails (with [`io::ErrorKind::InvalidData`]) as soon as a line is longer than
/// `max` bytes, so that a CSV reader never buffers an endless line.
pub struct LineCap<R> {
    inner: R,
    max: usize,
    run: usize,
    line: u64,
}

impl<R: Read> LineCap<R> {
    /// Wraps `inner`, allowing lines of up to `max` bytes.
    pub fn new(inner: R, max: usize) -> Self {
        Self {
            inner,
            max,
            run: 0,
            line: 1,
        }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.run = 0;
                self.line += 1;
            } else {
                self.run += 1;
                if self.run > self.max {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "line {} is longer than {} bytes: not a text file of this format",
                            self.line, self.max
                        ),
                    ));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_stops_at_the_cap() {
        let e = read_capped(Path::new("/dev/zero"), "test", 4096, "fix it")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/dev/zero") && e.contains("4096 bytes") && e.contains("fix it"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.txt");
        std::fs::write(&f, [b'a'; 10]).unwrap();
        let e = read_capped(&f, "test", 9, "x").unwrap_err().to_string();
        assert!(e.contains("has 10 bytes"), "{e}");
        assert_eq!(read_capped(&f, "test", 10, "x").unwrap().len(), 10);
    }

    #[test]
    fn capped_text_names_the_cap() {
        let e = read_to_string_capped(Path::new("/dev/zero"), 1000).unwrap_err();
        assert!(e.to_string().contains("limit of 1000 bytes"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.txt");
        std::fs::write(&f, "abc").unwrap();
        assert_eq!(read_to_string_capped(&f, 3).unwrap(), "abc");
        assert!(read_to_string_capped(&f, 2).is_err());
    }

    #[test]
    fn a_long_line_is_refused_with_its_number() {
        let mut out = Vec::new();
        let text = b"ok\nok\n0123456789\n".as_slice();
        let e = LineCap::new(text, 5).read_to_end(&mut out).unwrap_err();
        assert!(e.to_string().contains("line 3 is longer than 5"), "{e}");
        let mut out = Vec::new();
        LineCap::new(b"12345\n12345".as_slice(), 5)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 11);
    }
}
