//! containerd's leftover checkpoint folders, removed after each of our checkpoints and restores.
//!
//! containerd 1.6 (Debian bookworm's, under docker.io 20.10) makes a temporary folder
//! `ctrd-checkpoint<random>` in its temp dir (`$XDG_RUNTIME_DIR` of the containerd process, else
//! `/tmp`) for a checkpoint (CRIU dumps into it) and for a restore (the images are unpacked into
//! it for runc), and on some paths never removes it (containerd/containerd#10166). Measured here:
//! a successful `docker checkpoint create` / `docker start --checkpoint` leaves nothing, but the
//! failures this project sees (the occasional "content … already exists" on a restore,
//! moby/moby#42900, which [`Container::start_checkpoint`](super::Container::start_checkpoint)
//! now avoids and retries; a failed dump) left folders holding a full copy of the images, which filled the
//! disk during long Docker runs.
//!
//! Which folders are ours: the ones that appeared while our docker call ran ([`Snapshot`]) AND
//! whose `cgroup.img` names our container (CRIU records the container's cgroup paths, which
//! Docker names after the full container id): the dumped container for a checkpoint, the
//! container the images came from for a restore. A folder of a checkpoint someone else runs at
//! the same time names another container and is left alone, so parallel runs never lose images
//! in flight.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Prefix of containerd's temporary checkpoint folders.
pub const PREFIX: &str = "ctrd-checkpoint";

/// Full container ids (64 lowercase hex digits, not part of a longer hex run) in `bytes`.
pub fn container_ids(bytes: &[u8]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    let mut i = 0;
    while i < bytes.len() {
        if hex(bytes[i]) {
            let start = i;
            while i < bytes.len() && hex(bytes[i]) {
                i += 1;
            }
            if i - start == 64 {
                ids.insert(String::from_utf8_lossy(&bytes[start..i]).into_owned());
            }
        } else {
            i += 1;
        }
    }
    ids
}

/// The container ids an image folder's `cgroup.img` names (empty if it has none).
pub fn ids_of(images: &Path) -> BTreeSet<String> {
    std::fs::read(images.join("cgroup.img"))
        .map(|b| container_ids(&b))
        .unwrap_or_default()
}

/// containerd's temp dir: `XDG_RUNTIME_DIR`, else `TMPDIR`, of the running containerd
/// process, else `/tmp` (Go's `os.MkdirTemp("", …)` default).
pub fn containerd_temp_dir() -> PathBuf {
    let env = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("comm")).is_ok_and(|c| c.trim_ascii() == b"containerd")
        })
        .find_map(|e| std::fs::read(e.path().join("environ")).ok());
    let var = |name: &str| {
        env.as_deref().and_then(|env| {
            env.split(|&b| b == 0).find_map(|kv| {
                let v = kv.strip_prefix(name.as_bytes())?.strip_prefix(b"=")?;
                (!v.is_empty()).then(|| PathBuf::from(String::from_utf8_lossy(v).into_owned()))
            })
        })
    };
    var("XDG_RUNTIME_DIR")
        .or_else(|| var("TMPDIR"))
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// The `ctrd-checkpoint*` folders present before a docker call.
#[derive(Debug, Clone)]
pub struct Snapshot {
    dir: PathBuf,
    before: BTreeSet<OsString>,
}

fn listing(dir: &Path) -> BTreeSet<OsString> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with(PREFIX))
        .collect()
}

impl Snapshot {
    /// Lists containerd's temp dir now.
    pub fn take() -> Snapshot {
        Snapshot::of(containerd_temp_dir())
    }

    /// Lists `dir` now.
    pub fn of(dir: PathBuf) -> Snapshot {
        let before = listing(&dir);
        Snapshot { dir, before }
    }

    /// Removes the folders that appeared since the snapshot and name one of `ids`; returns how
    /// many. Best effort: a folder that cannot be removed is left (it is only disk space).
    pub fn remove_ours(&self, ids: &BTreeSet<String>) -> usize {
        if ids.is_empty() {
            return 0;
        }
        let mut removed = 0;
        for name in listing(&self.dir).difference(&self.before) {
            let path = self.dir.join(name);
            if !ids_of(&path).is_disjoint(ids) && std::fs::remove_dir_all(&path).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "ed2e1cdcddbf73007482dd39fd289d417ecd65e1b1bc9519f678c333eb1c9cf2";
    const B: &str = "098b6d68d8299aa3165d056ce5dbf69addd8dc7ce26ce244964b77895b7728e1";

    #[test]
    fn finds_full_ids_only() {
        let mut bytes = b"\x0a\x2f/docker/".to_vec();
        bytes.extend_from_slice(A.as_bytes());
        bytes.extend_from_slice(b"\x12\x05cpu\x00/mlsim/");
        bytes.extend_from_slice(&A.as_bytes()[..12]); // a short id: not a full one
        bytes.push(b' ');
        bytes.extend_from_slice(B.as_bytes());
        bytes.extend_from_slice(b"0"); // 65 hex digits: not an id
        let ids = container_ids(&bytes);
        assert_eq!(ids, BTreeSet::from([A.to_string()]));
    }

    fn folder(dir: &Path, name: &str, id: &str) {
        let f = dir.join(name);
        std::fs::create_dir_all(&f).unwrap();
        std::fs::write(f.join("cgroup.img"), format!("\x0a/docker/{id}\x00")).unwrap();
        std::fs::write(f.join("core-1.img"), b"image").unwrap();
    }

    #[test]
    fn removes_only_new_folders_of_our_container() {
        let tmp = std::env::temp_dir().join(format!("mlsim-leftovers-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).unwrap();
        folder(&tmp, "ctrd-checkpoint1", A); // old: before the call
        let snap = Snapshot::of(tmp.clone());
        folder(&tmp, "ctrd-checkpoint2", A); // ours
        folder(&tmp, "ctrd-checkpoint3", B); // someone else's, in flight
        folder(&tmp, "other4", A); // not containerd's
        assert_eq!(snap.remove_ours(&BTreeSet::new()), 0);
        assert_eq!(snap.remove_ours(&BTreeSet::from([A.to_string()])), 1);
        let left = listing(&tmp);
        assert_eq!(
            left,
            BTreeSet::from(["ctrd-checkpoint1".into(), "ctrd-checkpoint3".into()])
        );
        assert!(tmp.join("other4").exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
