//! Container images without a registry: a root file system assembled from a release binary, the
//! shared libraries `ldd` lists for it and the data files it reads, then
//! `tar -C ROOTFS -c . | docker import - mlsim-workload:<hash>`.
//!
//! Layout: the binary at `/bin/<name>`, every library at the absolute path `ldd` printed (the
//! dynamic loader included, so the ELF interpreter path resolves), data under `/data` (the
//! container gets `MLSIM_DATA=/data`), empty `/tmp` and `/out` (the per-item output is a bind
//! mount there). `LD_LIBRARY_PATH` lists the library folders because there is no `ld.so.cache`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::CkptError;
use super::proc::run_checked;

/// What goes into an image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootfsSpec {
    /// Executables, installed as `/bin/<file name>`.
    pub binaries: Vec<PathBuf>,
    /// Data folders or files: (source on this host, destination inside the image, absolute).
    pub data: Vec<(PathBuf, PathBuf)>,
}

/// An assembled root file system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rootfs {
    /// Its folder on this host.
    pub dir: PathBuf,
    /// Folders that hold libraries (for `LD_LIBRARY_PATH`), inside the image.
    pub lib_dirs: Vec<PathBuf>,
    /// A content hash of every file (path, mode bits, bytes): the image tag.
    pub hash: u64,
}

impl Rootfs {
    /// `LD_LIBRARY_PATH` for the image.
    pub fn ld_library_path(&self) -> String {
        self.lib_dirs
            .iter()
            .map(|d| d.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// The libraries `ldd BINARY` resolves (absolute paths; the loader too).
pub fn ldd(binary: &Path) -> Result<Vec<PathBuf>, CkptError> {
    let out = run_checked(Command::new("ldd").arg(binary))?;
    Ok(parse_ldd(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses `ldd` output: `libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)` and
/// `/lib64/ld-linux-x86-64.so.2 (0x…)`; skips `linux-vdso.so.1`.
pub fn parse_ldd(text: &str) -> Vec<PathBuf> {
    let mut v = BTreeSet::new();
    for line in text.lines() {
        let line = line.trim();
        let path = match line.split_once("=>") {
            Some((_, rhs)) => rhs.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            v.insert(PathBuf::from(p));
        }
    }
    v.into_iter().collect()
}

fn inside(root: &Path, abs: &Path) -> PathBuf {
    root.join(abs.strip_prefix("/").unwrap_or(abs))
}

/// Copies `src` (file or folder, symlinks followed) to `dst`.
fn copy_resolved(src: &Path, dst: &Path) -> Result<(), CkptError> {
    let meta = std::fs::metadata(src).map_err(CkptError::io(src))?;
    if meta.is_dir() {
        std::fs::create_dir_all(dst).map_err(CkptError::io(dst))?;
        for e in std::fs::read_dir(src).map_err(CkptError::io(src))? {
            let e = e.map_err(CkptError::io(src))?;
            copy_resolved(&e.path(), &dst.join(e.file_name()))?;
        }
        return Ok(());
    }
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent).map_err(CkptError::io(parent))?;
    }
    std::fs::copy(src, dst).map_err(CkptError::io(dst))?;
    Ok(())
}

/// Assembles `spec` into `dir` (which must not exist yet or be empty).
pub fn assemble(spec: &RootfsSpec, dir: &Path) -> Result<Rootfs, CkptError> {
    for sub in ["bin", "tmp", "out", "data", "proc", "dev", "sys", "etc"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(CkptError::io(dir.join(sub)))?;
    }
    let mut libs = BTreeSet::new();
    for b in &spec.binaries {
        let name = b
            .file_name()
            .ok_or_else(|| CkptError::Workload(format!("{}: not a file", b.display())))?;
        copy_resolved(b, &dir.join("bin").join(name))?;
        libs.extend(ldd(b)?);
    }
    let mut lib_dirs = BTreeSet::new();
    for l in &libs {
        copy_resolved(l, &inside(dir, l))?;
        if let Some(p) = l.parent() {
            lib_dirs.insert(p.to_path_buf());
        }
    }
    for (src, dst) in &spec.data {
        copy_resolved(src, &inside(dir, dst))?;
    }
    Ok(Rootfs {
        dir: dir.to_path_buf(),
        lib_dirs: lib_dirs.into_iter().collect(),
        hash: tree_hash(dir)?,
    })
}

/// FNV-1a over every file under `dir` in name order: relative path, mode bits, bytes.
pub fn tree_hash(dir: &Path) -> Result<u64, CkptError> {
    use std::os::unix::fs::PermissionsExt;
    fn walk(root: &Path, dir: &Path, h: &mut mlsim_core::fnv::Fnv1a) -> Result<(), CkptError> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(CkptError::io(dir))?
            .collect::<Result<_, _>>()
            .map_err(CkptError::io(dir))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).map_err(CkptError::io(&p))?;
            let rel = p.strip_prefix(root).unwrap_or(&p);
            h.bytes(rel.as_os_str().as_encoded_bytes())
                .u64(u64::from(meta.permissions().mode()));
            if meta.is_dir() {
                walk(root, &p, h)?;
            } else if meta.is_file() {
                h.bytes(&std::fs::read(&p).map_err(CkptError::io(&p))?);
            }
        }
        Ok(())
    }
    let mut h = mlsim_core::fnv::Fnv1a::new();
    walk(dir, dir, &mut h)?;
    Ok(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_lines_parse_to_absolute_paths() {
        let t = "\tlinux-vdso.so.1 (0x00007ffd)\n\
                 \tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f)\n\
                 \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\
                 \t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n\
                 \tlibmissing.so => not found\n";
        assert_eq!(
            parse_ldd(t),
            vec![
                PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/lib/x86_64-linux-gnu/libgcc_s.so.1"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2"),
            ]
        );
    }

    #[test]
    fn assembled_tree_has_binary_libraries_and_data_and_a_content_hash() {
        let ls = PathBuf::from("/bin/ls");
        if !ls.is_file() {
            return;
        }
        let d = tempfile::tempdir().expect("tempdir");
        let data = tempfile::tempdir().expect("tempdir");
        std::fs::write(data.path().join("m.dat"), b"model").expect("write");
        let spec = RootfsSpec {
            binaries: vec![ls],
            data: vec![(
                data.path().to_path_buf(),
                PathBuf::from("/data/face/models"),
            )],
        };
        let r = assemble(&spec, &d.path().join("a")).expect("assemble");
        assert!(r.dir.join("bin/ls").is_file());
        assert!(r.dir.join("data/face/models/m.dat").is_file());
        assert!(r.lib_dirs.iter().any(|l| inside(&r.dir, l).is_dir()));
        let r2 = assemble(&spec, &d.path().join("b")).expect("assemble");
        assert_eq!(r.hash, r2.hash);
        std::fs::write(r2.dir.join("data/face/models/m.dat"), b"other").expect("write");
        assert_ne!(tree_hash(&r2.dir).expect("hash"), r.hash);
    }
}
