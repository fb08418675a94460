//! CRIU of a workload process, natively (the paper's path): dump a process that runs inside a
//! host's network namespace, restore it from the root namespace into another host's namespace.
//!
//! Command lines (what was verified on this machine type, see `emu-substrate.md`):
//!
//! ```text
//! criu dump    -t PID -D IMAGES -W WORK -o dump.log --external net[INODE]:extnet
//! criu restore -D IMAGES -W WORK -o restore.log -d --pidfile F --inherit-fd fd[3]:extnet   3</var/run/netns/TARGET
//! ```
//!
//! The workload runs in its own session with stdin `/dev/null` and files for stdout/stderr, so
//! neither `--shell-job` nor `--tcp-established` is needed (it has no terminal and no sockets).
//! Logs go to the work folder so that the image folder holds only images. CRIU ≥ 4 is needed on
//! Linux 6.x (3.17 fails with `vdso: Unexpected rt vDSO area bounds`). The restored process is
//! re-parented to us ([`super::proc::become_subreaper`]), so its exit status is known.

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::archive;
use super::proc::{Proc, become_subreaper, describe, tail};
use super::{CkptError, netns};

/// The key under which the namespace is external in the images.
const NET_KEY: &str = "extnet";

/// `criu --version`'s first line, e.g. `Version: 4.1.1`.
pub fn version() -> Result<String, CkptError> {
    let out = super::proc::run_checked(Command::new("criu").arg("--version"))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("Version:")
        .trim()
        .to_string())
}

/// A finished dump.
#[derive(Clone, Debug, PartialEq)]
pub struct Dump {
    /// The image folder.
    pub images: PathBuf,
    /// From the start of `criu dump` until the images are fsync'd \[wall\].
    pub checkpoint_time: Duration,
    /// The image folder's size.
    pub size: archive::FolderSize,
}

fn criu_failed(cmd: &Command, status: String, log: &Path) -> CkptError {
    let log_text = std::fs::read_to_string(log).unwrap_or_default();
    let errors: Vec<&str> = log_text
        .lines()
        .filter(|l| l.contains("Error") || l.contains("rror ("))
        .collect();
    CkptError::Command {
        command: describe(cmd),
        status,
        detail: if errors.is_empty() {
            tail(&log_text, 1500)
        } else {
            tail(&errors.join("\n"), 1500)
        },
    }
}

/// Dumps the process tree rooted at `pid` (which is killed, as `criu dump` does by default) into
/// `images`; `ns`: the network namespace it runs in (`None`: the root one). `work` receives the
/// log. Times from the start of the dump until the images are fsync'd.
pub fn dump(pid: u32, ns: Option<&Path>, images: &Path, work: &Path) -> Result<Dump, CkptError> {
    std::fs::create_dir_all(images).map_err(CkptError::io(images))?;
    std::fs::create_dir_all(work).map_err(CkptError::io(work))?;
    let mut cmd = Command::new("criu");
    cmd.arg("dump")
        .args(["-t", &pid.to_string()])
        .arg("-D")
        .arg(images)
        .arg("-W")
        .arg(work)
        .args(["-o", "dump.log", "-v2"]);
    if let Some(ns) = ns {
        cmd.args([
            "--external",
            &format!("net[{}]:{NET_KEY}", netns::inode(ns)?),
        ]);
    }
    let t = Instant::now();
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| CkptError::Spawn {
            program: "criu".into(),
            source,
        })?;
    if !out.status.success() {
        return Err(criu_failed(
            &cmd,
            out.status.to_string(),
            &work.join("dump.log"),
        ));
    }
    archive::sync_tree(images)?;
    let checkpoint_time = t.elapsed();
    Ok(Dump {
        images: images.to_path_buf(),
        checkpoint_time,
        size: archive::measure(images)?,
    })
}

/// A restored process and how long the restore took.
#[derive(Debug)]
pub struct Restored {
    /// The process (same pid as the dumped one), re-parented to us.
    pub proc: Proc,
    /// Wall time of `criu restore -d` (until the process runs again).
    pub restore_time: Duration,
}

/// Restores the images into the network namespace `target` (`None`: the root one; the images
/// must then have been dumped without `ns`). Runs from the root namespace.
/// The caller records the process in its ledger ([`crate::ledger::Ledger::record_process`]).
pub fn restore(images: &Path, target: Option<&Path>, work: &Path) -> Result<Restored, CkptError> {
    become_subreaper();
    // criu works in the -W folder: a relative --pidfile (or -D) would be looked up there.
    let images = &std::path::absolute(images).map_err(CkptError::io(images))?;
    let work = &std::path::absolute(work).map_err(CkptError::io(work))?;
    std::fs::create_dir_all(work).map_err(CkptError::io(work))?;
    let pidfile = work.join("restore.pid");
    let _ = std::fs::remove_file(&pidfile);
    let mut cmd = Command::new("criu");
    cmd.arg("restore")
        .arg("-D")
        .arg(images)
        .arg("-W")
        .arg(work)
        .args(["-o", "restore.log", "-v2", "-d", "--pidfile"])
        .arg(&pidfile);
    // The namespace file must be fd 3 of criu: dup2 it there between fork and exec.
    let ns_file = match target {
        Some(t) => Some(std::fs::File::open(t).map_err(CkptError::io(t))?),
        None => None,
    };
    if let Some(f) = &ns_file {
        cmd.args(["--inherit-fd", &format!("fd[3]:{NET_KEY}")]);
        let fd = f.as_raw_fd();
        // SAFETY: dup2 is async-signal-safe; fd is open until spawn returns.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(fd, 3) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let t = Instant::now();
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| CkptError::Spawn {
            program: "criu".into(),
            source,
        })?;
    let restore_time = t.elapsed();
    drop(ns_file);
    if !out.status.success() {
        return Err(criu_failed(
            &cmd,
            out.status.to_string(),
            &work.join("restore.log"),
        ));
    }
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .map_err(CkptError::io(&pidfile))?
        .trim()
        .parse()
        .map_err(|_| CkptError::Workload(format!("bad pid file {}", pidfile.display())))?;
    Ok(Restored {
        proc: Proc::adopt(pid),
        restore_time,
    })
}
