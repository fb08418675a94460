//! CPU cgroups (v1) for the BBU hosts: a per-BBU capacity, the C-RAN load's share of it, and
//! the offloaded work's share.
//!
//! A [`CpuCgroup`] is the same relative path in the `cpu` hierarchy (bandwidth control:
//! `cpu.cfs_quota_us` per `cpu.cfs_period_us`) and in the `cpuacct` hierarchy (usage
//! accounting: `cpuacct.usage`), which are separate mounts on these machines. Paths are
//! `/sys/fs/cgroup/{cpu,cpuacct}/mlsim-<run>/...` ([`crate::names::cgroup_dir`]); every
//! directory is recorded in the ledger before it is made.
//!
//! Why CFS quotas rather than `cpu.shares` or nice values: shares and nice only split CPU
//! *between competitors* and give an idle competitor's time away, so an offloaded task would
//! run faster on an emulated BBU than the simulated one whenever the burner is descheduled, and
//! its speed would depend on what else the 2-core machine runs. A quota is an absolute cap
//! [CPU time per period], so "the C-RAN load takes fraction L of the BBU's `c` cores" becomes
//! `quota(cran) = L·c·period` and `quota(offload) = (1-L)·c·period`, independent of the rest
//! of the machine (as long as the machine has the cores). See [`cran`].

pub mod cran;

pub use cran::CranLoad;

use std::fs::OpenOptions;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::ledger::{Ledger, LedgerError, Resource};
use crate::names;

/// Root of the v1 `cpu` hierarchy.
pub const CPU_ROOT: &str = "/sys/fs/cgroup/cpu";
/// Root of the v1 `cpuacct` hierarchy.
pub const CPUACCT_ROOT: &str = "/sys/fs/cgroup/cpuacct";
/// CFS period used for every quota \[µs\]. 50 ms: quotas have a granularity of 1 ms = 2 % of a
/// core (the kernel's minimum quota), while throttling stays short next to the seconds-long
/// tasks being emulated.
pub const PERIOD_US: u64 = 50_000;
/// Smallest quota the kernel accepts \[µs\].
pub const MIN_QUOTA_US: u64 = 1_000;

/// Errors of the cgroup layer.
#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    /// A cgroup file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Recording in the ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A bad argument (e.g. a load outside [0, 1]).
    #[error("{0}")]
    Invalid(String),
    /// A process could not be started.
    #[error("starting {what}: {source}")]
    Spawn {
        /// The command.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CgroupError + '_ {
    move |source| CgroupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One cgroup in the `cpu` and `cpuacct` hierarchies.
#[derive(Debug, Clone)]
pub struct CpuCgroup {
    cpu: PathBuf,
    acct: PathBuf,
}

/// Name of the group of spec core `i` under a BBU's offload group (see [`cran`]).
pub fn core_group(i: u32) -> String {
    format!("core{i}")
}

/// The `cgroup.procs` files of spec core `i`'s group under the calling process's own `cpu` and
/// `cpuacct` groups (a worker runs in its BBU's offload group), if that group exists: an
/// invocation's workload joins them ([`cran::CranLoad::split`]).
pub fn own_core_procs(i: u32) -> Option<Vec<PathBuf>> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let mut out = Vec::new();
    for (controller, root) in [("cpu", CPU_ROOT), ("cpuacct", CPUACCT_ROOT)] {
        let rel = own_cgroup(&text, controller)?;
        if rel == "/" {
            return None;
        }
        let dir = Path::new(root)
            .join(rel.trim_start_matches('/'))
            .join(core_group(i));
        if !dir.is_dir() {
            return None;
        }
        out.push(dir.join("cgroup.procs"));
    }
    Some(out)
}

/// Moves process `pid` into the groups whose `cgroup.procs` files are `procs`.
pub fn move_pid(pid: u32, procs: &[PathBuf]) -> Result<(), CgroupError> {
    for p in procs {
        write(p, &pid.to_string())?;
    }
    Ok(())
}

impl CpuCgroup {
    /// Creates (if missing) `mlsim-<run>/<rel>` in both hierarchies, recording each directory
    /// first (parents before children).
    pub fn create(ledger: &Ledger, rel: &Path) -> Result<CpuCgroup, CgroupError> {
        let base = PathBuf::from(names::cgroup_dir(ledger.run_id())).join(rel);
        let mut out = Vec::new();
        for root in [CPU_ROOT, CPUACCT_ROOT] {
            out.push(create_dirs(ledger, Path::new(root), &base)?);
        }
        let acct = out.pop().unwrap_or_default();
        let cpu = out.pop().unwrap_or_default();
        let cg = CpuCgroup { cpu, acct };
        write(&cg.cpu.join("cpu.cfs_period_us"), &PERIOD_US.to_string())?;
        Ok(cg)
    }

    /// The directory in the `cpu` hierarchy.
    pub fn cpu_path(&self) -> &Path {
        &self.cpu
    }

    /// Caps the group at `cores` cores [CPU-seconds per second]; `None` removes the cap.
    /// Caps below [`MIN_QUOTA_US`] per period are raised to it.
    pub fn set_cores(&self, cores: Option<f64>) -> Result<(), CgroupError> {
        let quota = match cores {
            None => "-1".to_string(),
            Some(c) if c.is_finite() && c >= 0.0 => quota_us(c).to_string(),
            Some(c) => return Err(CgroupError::Invalid(format!("{c} cores"))),
        };
        write(&self.cpu.join("cpu.cfs_quota_us"), &quota)
    }

    /// Sets the group's CFS weight (`cpu.shares`; the kernel default is 1024).
    pub fn set_shares(&self, shares: u64) -> Result<(), CgroupError> {
        write(&self.cpu.join("cpu.shares"), &shares.max(2).to_string())
    }

    /// Moves process `pid` (all its threads) into the group.
    pub fn add_pid(&self, pid: u32) -> Result<(), CgroupError> {
        for d in [&self.cpu, &self.acct] {
            write(&d.join("cgroup.procs"), &pid.to_string())?;
        }
        Ok(())
    }

    /// Makes `cmd`'s process join this group between fork and exec, so it never runs outside it.
    pub fn join_on_spawn(&self, cmd: &mut Command) -> Result<(), CgroupError> {
        use std::os::unix::process::CommandExt;
        let mut fds: Vec<OwnedFd> = Vec::new();
        for d in [&self.cpu, &self.acct] {
            let p = d.join("cgroup.procs");
            let f = OpenOptions::new().write(true).open(&p).map_err(io(&p))?;
            fds.push(f.into());
        }
        // SAFETY: the closure only calls write(2) on fds opened before the fork (async-signal
        // safe, no allocation). "0" moves the calling process (cgroup v1 semantics).
        unsafe {
            cmd.pre_exec(move || {
                for fd in &fds {
                    if libc::write(fd.as_raw_fd(), b"0".as_ptr().cast(), 1) != 1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        Ok(())
    }

    /// CPU time used by the group's tasks so far (`cpuacct.usage`).
    pub fn usage(&self) -> Result<Duration, CgroupError> {
        let p = self.acct.join("cpuacct.usage");
        let s = std::fs::read_to_string(&p).map_err(io(&p))?;
        let ns = s
            .trim()
            .parse()
            .map_err(|_| CgroupError::Invalid(format!("{}: {s:?}", p.display())))?;
        Ok(Duration::from_nanos(ns))
    }

    /// Pids in the group.
    pub fn pids(&self) -> Vec<u32> {
        std::fs::read_to_string(self.cpu.join("cgroup.procs"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }
}

/// Creates (if missing) the cgroup `root/rel` and its parents, recording each directory in
/// the ledger before it is made (parents before children); returns its path.
pub fn create_dirs(ledger: &Ledger, root: &Path, rel: &Path) -> Result<PathBuf, CgroupError> {
    let mut p = root.to_path_buf();
    for c in rel.components() {
        p.push(c);
        if !p.is_dir() {
            ledger.record(&Resource::Cgroup { path: p.clone() })?;
            match std::fs::create_dir(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(&p)(e)),
            }
        }
    }
    Ok(p)
}

/// Moves process `pid` into the calling process's own `cpu` and `cpuacct` cgroups (e.g. a
/// CRIU-restored workload, which CRIU puts back where it was dumped, into the restoring worker's
/// BBU offload cgroup). A no-op for a hierarchy where the caller is in the root cgroup.
pub fn join_own_cgroups(pid: u32) -> Result<(), CgroupError> {
    let own = Path::new("/proc/self/cgroup");
    let text = std::fs::read_to_string(own).map_err(io(own))?;
    for (controller, root) in [("cpu", CPU_ROOT), ("cpuacct", CPUACCT_ROOT)] {
        let Some(rel) = own_cgroup(&text, controller) else {
            continue;
        };
        if rel == "/" {
            continue;
        }
        let dir = Path::new(root).join(rel.trim_start_matches('/'));
        write(&dir.join("cgroup.procs"), &pid.to_string())?;
    }
    Ok(())
}

/// The calling process's v1 `cpu` cgroup, relative to the hierarchy's root (e.g.
/// `/mlsim-<run>/bbu1/offload` for a worker under C-RAN load; `/` outside any). For
/// `docker run --cgroup-parent` (Docker's cgroupfs driver), so that containers count against
/// the BBU's offload quota like the worker's other workloads.
pub fn own_cpu_cgroup() -> Option<String> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    own_cgroup(&text, "cpu").map(str::to_string)
}

/// The path of the v1 cgroup of `controller` in a `/proc/PID/cgroup` text
/// (`ID:controller[,controller…]:/path` lines).
fn own_cgroup<'a>(text: &'a str, controller: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, ctrls, path) = (parts.next()?, parts.next()?, parts.next()?);
        ctrls.split(',').any(|c| c == controller).then_some(path)
    })
}

/// Quota for `cores` cores per [`PERIOD_US`] \[µs\], at least [`MIN_QUOTA_US`].
pub fn quota_us(cores: f64) -> u64 {
    ((cores * PERIOD_US as f64).round() as u64).max(MIN_QUOTA_US)
}

fn write(path: &Path, value: &str) -> Result<(), CgroupError> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io(path))?;
    f.write_all(value.as_bytes()).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_cgroup_is_found_per_controller() {
        let t = "12:freezer:/\n5:cpu,cpuacct:/a/b\n3:memory:/m\n0::/user.slice\n";
        assert_eq!(own_cgroup(t, "cpu"), Some("/a/b"));
        assert_eq!(own_cgroup(t, "cpuacct"), Some("/a/b"));
        assert_eq!(own_cgroup(t, "memory"), Some("/m"));
        assert_eq!(own_cgroup(t, "cpuset"), None);
        let t = "4:cpu:/x\n6:cpuacct:/y\n";
        assert_eq!(
            (own_cgroup(t, "cpu"), own_cgroup(t, "cpuacct")),
            (Some("/x"), Some("/y"))
        );
    }

    #[test]
    fn quotas_scale_with_cores_and_respect_the_kernel_minimum() {
        assert_eq!(quota_us(1.0), PERIOD_US);
        assert_eq!(quota_us(0.3), 15_000);
        assert_eq!(quota_us(2.5), 125_000);
        assert_eq!(quota_us(0.0), MIN_QUOTA_US);
    }
}
