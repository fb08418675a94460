//! Image folders: make them durable, and measure them as the paper does (compressed bytes).
//!
//! A CRIU or Docker checkpoint is a folder of image files. Its size is measured as the bytes of an
//! lz4 frame (default settings) of the folder's tar stream: the same codec as the μλ state files,
//! so the three methods are compared with one compressor, and a stream format that is what one
//! would send over the network to migrate it.

use std::io::Write;
use std::path::Path;

use super::CkptError;

/// Raw and compressed size of an image folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderSize {
    /// Sum of the regular files' sizes \[bytes\].
    pub raw_bytes: u64,
    /// The tar stream of the folder, lz4-framed \[bytes\].
    pub compressed_bytes: u64,
}

struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Measures `dir` (recursively; symlinks stored as links).
pub fn measure(dir: &Path) -> Result<FolderSize, CkptError> {
    let io = CkptError::io(dir);
    let enc = lz4_flex::frame::FrameEncoder::new(Counter(0));
    let mut tar = tar::Builder::new(enc);
    tar.follow_symlinks(false);
    tar.append_dir_all(".", dir).map_err(CkptError::io(dir))?;
    let enc = tar.into_inner().map_err(CkptError::io(dir))?;
    let counter = enc
        .finish()
        .map_err(|e| std::io::Error::other(e.to_string()))
        .map_err(io)?;
    Ok(FolderSize {
        raw_bytes: raw_size(dir)?,
        compressed_bytes: counter.0,
    })
}

/// Sum of the sizes of the regular files under `dir` \[bytes\].
pub fn raw_size(dir: &Path) -> Result<u64, CkptError> {
    let mut total = 0;
    for e in std::fs::read_dir(dir).map_err(CkptError::io(dir))? {
        let e = e.map_err(CkptError::io(dir))?;
        let t = e.file_type().map_err(CkptError::io(e.path()))?;
        if t.is_dir() {
            total += raw_size(&e.path())?;
        } else if t.is_file() {
            total += e.metadata().map_err(CkptError::io(e.path()))?.len();
        }
    }
    Ok(total)
}

/// `fsync`s every regular file under `dir`, and the folders: after this the images are on the
/// file system (the end of the paper's checkpoint time).
pub fn sync_tree(dir: &Path) -> Result<(), CkptError> {
    for e in std::fs::read_dir(dir).map_err(CkptError::io(dir))? {
        let e = e.map_err(CkptError::io(dir))?;
        let t = e.file_type().map_err(CkptError::io(e.path()))?;
        if t.is_dir() {
            sync_tree(&e.path())?;
        } else if t.is_file() {
            std::fs::File::open(e.path())
                .and_then(|f| f.sync_all())
                .map_err(CkptError::io(e.path()))?;
        }
    }
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(CkptError::io(dir))
}

/// Copies the folder `from` to `to` (created), regular files and subfolders.
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), CkptError> {
    std::fs::create_dir_all(to).map_err(CkptError::io(to))?;
    for e in std::fs::read_dir(from).map_err(CkptError::io(from))? {
        let e = e.map_err(CkptError::io(from))?;
        let t = e.file_type().map_err(CkptError::io(e.path()))?;
        let dst = to.join(e.file_name());
        if t.is_dir() {
            copy_tree(&e.path(), &dst)?;
        } else {
            std::fs::copy(e.path(), &dst).map_err(CkptError::io(&dst))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressible_folder_measures_smaller_than_raw_and_random_does_not() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(d.path().join("sub")).expect("mkdir");
        std::fs::write(d.path().join("a.img"), vec![0u8; 1 << 20]).expect("write");
        std::fs::write(d.path().join("sub/b.img"), b"hello").expect("write");
        let s = measure(d.path()).expect("measure");
        assert_eq!(s.raw_bytes, (1 << 20) + 5);
        assert!(
            s.compressed_bytes < 20_000,
            "zeros compress: {}",
            s.compressed_bytes
        );
        sync_tree(d.path()).expect("sync");

        // Incompressible bytes (SplitMix64 output): the frame is a little larger than the data.
        let r = tempfile::tempdir().expect("tempdir");
        let bytes: Vec<u8> = (0..(1u64 << 17))
            .flat_map(|i| mlsim_core::rng::splitmix64(i).to_le_bytes())
            .collect();
        std::fs::write(r.path().join("r"), &bytes).expect("write");
        let s = measure(r.path()).expect("measure");
        assert!(s.compressed_bytes >= s.raw_bytes, "{s:?}");

        let c = tempfile::tempdir().expect("tempdir");
        copy_tree(d.path(), &c.path().join("x")).expect("copy");
        assert_eq!(raw_size(&c.path().join("x")).expect("size"), (1 << 20) + 5);
    }
}
