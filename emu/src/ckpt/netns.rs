//! Network namespaces as CRIU and the workers see them: the namespace file of a host, its inode
//! (what CRIU calls the namespace when it is external), running code inside one, and a bare
//! namespace for measurements that need no links.

use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::CkptError;
use super::proc::run_checked;
use crate::ledger::{Ledger, Resource};

/// `/var/run/netns/NAME`.
pub fn path(name: &str) -> PathBuf {
    Path::new("/var/run/netns").join(name)
}

/// The inode of a namespace file (`stat -L -c %i`): CRIU's `--external net[INODE]:KEY`.
pub fn inode(ns: &Path) -> Result<u64, CkptError> {
    Ok(std::fs::metadata(ns).map_err(CkptError::io(ns))?.ino())
}

/// Runs `f` on a new thread that has joined the network namespace `ns` (`setns`; only that thread
/// moves, so sockets it opens live in `ns`). `None`: this namespace.
pub fn run_in<T: Send>(
    ns: Option<&Path>,
    f: impl FnOnce() -> Result<T, CkptError> + Send,
) -> Result<T, CkptError> {
    let Some(ns) = ns else { return f() };
    std::thread::scope(|s| {
        s.spawn(|| {
            let file = std::fs::File::open(ns).map_err(CkptError::io(ns))?;
            // SAFETY: setns on a valid namespace fd; affects only the calling thread.
            if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                return Err(CkptError::Io {
                    path: ns.to_path_buf(),
                    source: std::io::Error::last_os_error(),
                });
            }
            f()
        })
        .join()
        .unwrap_or_else(|_| Err(CkptError::Workload("worker thread panicked".into())))
    })
}

/// A bare network namespace (only `lo`, up) named `mlsim-<run>-<suffix>`, recorded in the ledger
/// before it is created and deleted on drop.
#[derive(Debug)]
pub struct BareNetns {
    name: String,
}

impl BareNetns {
    /// Creates it.
    pub fn add(ledger: &Ledger, suffix: &str) -> Result<BareNetns, CkptError> {
        let name = format!("mlsim-{}-{suffix}", ledger.run_id());
        ledger.record(&Resource::Netns { name: name.clone() })?;
        run_checked(std::process::Command::new("ip").args(["netns", "add", &name]))?;
        let ns = BareNetns { name };
        run_checked(
            std::process::Command::new("ip").args(["-n", &ns.name, "link", "set", "lo", "up"]),
        )?;
        Ok(ns)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its namespace file.
    pub fn path(&self) -> PathBuf {
        path(&self.name)
    }
}

impl Drop for BareNetns {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .stderr(std::process::Stdio::null())
            .status();
    }
}
