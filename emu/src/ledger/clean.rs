//! Removing what a ledger lists.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{LEDGER_FILE, LedgerError, Resource, index_dir, read_ledger};
use crate::sys;

/// What a clean removed and what it could not remove.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct CleanReport {
    /// Ledgers cleaned (absolute paths).
    pub ledgers: Vec<PathBuf>,
    /// Objects removed, as `kind name` strings.
    pub removed: Vec<String>,
    /// Objects already gone (fine: e.g. interfaces vanish with their namespace).
    pub already_gone: usize,
    /// Objects that could not be removed, with the reason.
    pub failed: Vec<String>,
}

impl CleanReport {
    /// Adds `other`'s entries to `self`.
    pub fn merge(&mut self, other: CleanReport) {
        self.ledgers.extend(other.ledgers);
        self.removed.extend(other.removed);
        self.already_gone += other.already_gone;
        self.failed.extend(other.failed);
    }
    /// Whether everything could be removed.
    pub fn ok(&self) -> bool {
        self.failed.is_empty()
    }
}

/// Outcome of removing one object.
pub(super) enum Removal {
    Removed,
    Gone,
    Failed(String),
}

impl CleanReport {
    pub(super) fn note(&mut self, what: String, r: Removal) {
        match r {
            Removal::Removed => self.removed.push(what),
            Removal::Gone => self.already_gone += 1,
            Removal::Failed(why) => self.failed.push(format!("{what}: {why}")),
        }
    }
}

/// Removes everything the ledger at `path` lists (a ledger file, or a run folder holding
/// [`LEDGER_FILE`]), in reverse order of recording, tolerating objects that are already gone;
/// then removes its entry from the global index. The ledger file itself is kept.
///
/// Failures to remove single objects are collected in [`CleanReport::failed`] (cleaning goes
/// on); the index entry is then kept so a later clean retries.
pub fn clean_ledger(path: &Path) -> Result<CleanReport, LedgerError> {
    let path = if path.is_dir() {
        path.join(LEDGER_FILE)
    } else {
        path.to_owned()
    };
    let path = std::fs::canonicalize(&path).map_err(super::io_err(&path))?;
    let resources = read_ledger(&path)?;
    let mut report = CleanReport::default();
    for r in resources.iter().rev() {
        let removal = remove(r);
        report.note(describe(r), removal);
    }
    if report.ok() {
        unregister(&path)?;
    }
    report.ledgers.push(path);
    Ok(report)
}

/// Removes index entries that point at `ledger`.
fn unregister(ledger: &Path) -> Result<(), LedgerError> {
    let index = index_dir();
    let entries = match std::fs::read_dir(&index) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(super::io_err(&index)(e)),
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if std::fs::read_to_string(&p).is_ok_and(|s| Path::new(s.trim()) == ledger) {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(super::io_err(&p)(e)),
            }
        }
    }
    Ok(())
}

pub(super) fn describe(r: &Resource) -> String {
    match r {
        Resource::Netns { name } => format!("netns {name}"),
        Resource::Link { name, netns } => match netns {
            Some(ns) => format!("link {name} (in {ns})"),
            None => format!("link {name}"),
        },
        Resource::Cgroup { path } => format!("cgroup {}", path.display()),
        Resource::Process { pid, .. } => format!("process {pid}"),
        Resource::Container { name } => format!("container {name}"),
        Resource::Image { name } => format!("image {name}"),
        Resource::Dir { path } => format!("dir {}", path.display()),
    }
}

pub(super) fn remove(r: &Resource) -> Removal {
    match r {
        Resource::Netns { name } => remove_netns(name),
        Resource::Link { name, netns } => remove_link(name, netns.as_deref()),
        Resource::Cgroup { path } => remove_cgroup(path),
        Resource::Process { pid, start_time } => kill_process(*pid, Some(*start_time)),
        Resource::Container { name } => docker_rm(&["rm", "-f", "-v"], name, "No such container"),
        Resource::Image { name } => docker_rm(&["rmi"], name, "No such image"),
        Resource::Dir { path } => remove_dir(path),
    }
}

/// Path of a named network namespace.
pub(super) fn netns_path(name: &str) -> PathBuf {
    Path::new("/var/run/netns").join(name)
}

/// Kills every process whose network namespace is `name`, then deletes the namespace.
pub(super) fn remove_netns(name: &str) -> Removal {
    let p = netns_path(name);
    if !p.exists() {
        return Removal::Gone;
    }
    if let Some(ino) = sys::ns_inode(&p) {
        for pid in pids_in_netns(ino) {
            if let Removal::Failed(why) = kill_process(pid, None) {
                return Removal::Failed(format!("process {pid} inside: {why}"));
            }
        }
    }
    match sys::ip(None, &["netns", "delete", name]) {
        Ok(_) => Removal::Removed,
        Err(_) if !p.exists() => Removal::Gone,
        Err(e) => Removal::Failed(e.to_string()),
    }
}

/// Pids of processes whose `/proc/PID/ns/net` has inode `ino`.
pub(super) fn pids_in_netns(ino: u64) -> Vec<u32> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| sys::ns_inode(&PathBuf::from(format!("/proc/{pid}/ns/net"))) == Some(ino))
        .collect()
}

fn remove_link(name: &str, netns: Option<&str>) -> Removal {
    if let Some(ns) = netns
        && !netns_path(ns).exists()
    {
        return Removal::Gone; // its namespace and with it the interface are gone
    }
    match sys::ip(netns, &["link", "delete", name]) {
        Ok(_) => Removal::Removed,
        Err(e) if link_missing(e.stderr()) => Removal::Gone,
        Err(e) => Removal::Failed(e.to_string()),
    }
}

fn link_missing(stderr: &str) -> bool {
    stderr.contains("Cannot find device") || stderr.contains("does not exist")
}

/// Kills the tasks of a v1 cgroup and its children, then removes the directories, deepest first.
pub(super) fn remove_cgroup(path: &Path) -> Removal {
    if !path.is_dir() {
        return Removal::Gone;
    }
    let ours = path.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| crate::names::run_of(s).is_some())
    });
    if !path.starts_with("/sys/fs/cgroup") || !ours {
        return Removal::Failed(
            "refusing to remove a cgroup not under /sys/fs/cgroup/*/mlsim-<run>".into(),
        );
    }
    let mut dirs = Vec::new();
    collect_dirs(path, &mut dirs);
    // Deepest first: children before parents.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in &dirs {
        for _ in 0..50 {
            let pids = cgroup_pids(d);
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                let _ = kill_process(pid, None);
            }
        }
        match std::fs::remove_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Removal::Failed(format!("{}: {e}", d.display())),
        }
    }
    Removal::Removed
}

fn collect_dirs(p: &Path, out: &mut Vec<PathBuf>) {
    out.push(p.to_owned());
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                collect_dirs(&e.path(), out);
            }
        }
    }
}

fn cgroup_pids(dir: &Path) -> Vec<u32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .filter(|&pid| sys::proc_state(pid).is_some_and(|s| s != 'Z'))
        .collect()
}

/// SIGKILLs `pid` (if its start time still matches `start_time`, when given) and waits up to
/// 2 s for it to be gone or a zombie.
pub(super) fn kill_process(pid: u32, start_time: Option<u64>) -> Removal {
    if pid == std::process::id() || pid <= 1 {
        return Removal::Failed("refusing to kill this process or init".into());
    }
    let alive = |pid| {
        sys::proc_start_time(pid).is_some_and(|t| start_time.is_none_or(|s| s == t))
            && sys::proc_state(pid).is_some_and(|s| s != 'Z')
    };
    if !alive(pid) {
        return Removal::Gone;
    }
    match sys::signal(pid, libc::SIGKILL) {
        Ok(true) => {}
        Ok(false) => return Removal::Gone,
        Err(e) => return Removal::Failed(e.to_string()),
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(pid) {
        if Instant::now() > deadline {
            return Removal::Failed("still alive 2 s after SIGKILL".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Removal::Removed
}

/// The docker client: `$MLSIM_DOCKER` or `docker` from PATH.
pub(super) fn docker() -> String {
    std::env::var("MLSIM_DOCKER").unwrap_or_else(|_| "docker".into())
}

fn docker_rm(args: &[&str], name: &str, missing: &str) -> Removal {
    let mut c = Command::new(docker());
    c.args(args).arg(name);
    match sys::run(&mut c) {
        Ok(_) => Removal::Removed,
        Err(e) if e.stderr().contains(missing) => Removal::Gone,
        // No docker at all: nothing of docker's can be left either.
        Err(sys::CmdError::Spawn { .. }) => Removal::Gone,
        Err(e) => Removal::Failed(e.to_string()),
    }
}

fn remove_dir(path: &Path) -> Removal {
    if !path.is_absolute() || path.parent().is_none() {
        return Removal::Failed("refusing to remove a relative path or /".into());
    }
    match std::fs::remove_dir_all(path) {
        Ok(()) => Removal::Removed,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Removal::Gone,
        Err(e) => Removal::Failed(e.to_string()),
    }
}
