//! Pause: `docker pause` freezes a workload container in place and `docker unpause` thaws it
//! (method `"pause"`, Karhula et al., EdgeSys'19). The cgroup freezer stops every process of
//! the container where it is; nothing is written and nothing moves, so the frozen container
//! keeps all of its memory, and it can only go on where it is.
//!
//! What is measured ([`cycle`]): the wall time of `docker pause` (the method's checkpoint time;
//! the command returns once the freezer reports the cgroup frozen) and of `docker unpause` (its
//! restore time), the memory the container's cgroup holds just before the pause and while it is
//! frozen, and the CPU time it uses while frozen (none, if the freeze took).
//!
//! The container's cgroup ([`ContainerCgroup`]) is found from its first process
//! (`/proc/<pid>/cgroup`) and the cgroup mounts (`/proc/self/mountinfo`), so it works whatever
//! Docker's cgroup driver (`/docker/<id>`, `/system.slice/docker-<id>.scope`, a
//! `--cgroup-parent`) and on cgroup v1 (this machine: `memory.usage_in_bytes` in the `memory`
//! hierarchy, `cpuacct.usage`) as on v2 (`memory.current`, `cpu.stat`'s `usage_usec`). When the
//! container stops (exit, or a `docker checkpoint create` without `--leave-running`), runc
//! removes the cgroup: its memory is released, and [`ContainerCgroup::memory_bytes`] says
//! `None`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::CkptError;
use super::docker::Container;

/// Where a cgroup hierarchy is mounted: the cgroup path of its root and its mount point.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Mount {
    root: String,
    point: PathBuf,
}

/// The cgroup mounts that hold memory and CPU accounting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Mounts {
    /// The v1 hierarchy with the `memory` controller.
    memory: Option<Mount>,
    /// The v1 hierarchy with the `cpuacct` controller.
    cpuacct: Option<Mount>,
    /// The v2 (unified) hierarchy.
    unified: Option<Mount>,
}

/// The cgroup mounts of `/proc/self/mountinfo` text (`ID PARENT MAJ:MIN ROOT POINT OPTS … -
/// FSTYPE SOURCE SUPEROPTS`); octal escapes in paths (`\040`) are decoded.
fn parse_mounts(mountinfo: &str) -> Mounts {
    let mut m = Mounts::default();
    for line in mountinfo.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        let pre: Vec<&str> = pre.split(' ').collect();
        let post: Vec<&str> = post.split(' ').collect();
        let (Some(root), Some(point), Some(fstype)) = (pre.get(3), pre.get(4), post.first()) else {
            continue;
        };
        let mount = Mount {
            root: unescape(root),
            point: PathBuf::from(unescape(point)),
        };
        match *fstype {
            "cgroup2" => {
                m.unified.get_or_insert(mount);
            }
            "cgroup" => {
                let opts = post.get(2).copied().unwrap_or("");
                let has = |c: &str| opts.split(',').any(|o| o == c);
                if has("memory") {
                    m.memory.get_or_insert(mount.clone());
                }
                if has("cpuacct") {
                    m.cpuacct.get_or_insert(mount);
                }
            }
            _ => {}
        }
    }
    m
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], oct) {
            (b'\\', Some(d)) => {
                out.push(d.iter().fold(0u8, |a, c| a.wrapping_mul(8) + (c - b'0')));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The directory of cgroup `path` (as `/proc/<pid>/cgroup` gives it) under `mount`.
fn under(mount: &Mount, path: &str) -> PathBuf {
    let rel = if mount.root == "/" {
        path
    } else {
        path.strip_prefix(mount.root.as_str()).unwrap_or(path)
    };
    mount.point.join(rel.trim_start_matches('/'))
}

/// A container's cgroup: where its memory and CPU accounting are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerCgroup {
    /// The file with its memory usage \[bytes\]: `memory.usage_in_bytes` (v1) or
    /// `memory.current` (v2).
    memory: PathBuf,
    /// The file with its CPU time: `cpuacct.usage` \[ns\] (v1) or `cpu.stat` (v2), if any.
    cpu: Option<PathBuf>,
}

/// The [`ContainerCgroup`] of a process from its `/proc/<pid>/cgroup` text and the mounts; `None`
/// if no mounted hierarchy accounts its memory.
fn cgroup_of(proc_cgroup: &str, mounts: &Mounts) -> Option<ContainerCgroup> {
    let mut v1 = std::collections::BTreeMap::new();
    let mut v2 = None;
    for line in proc_cgroup.lines() {
        let mut it = line.splitn(3, ':');
        let (Some(id), Some(ctrls), Some(path)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        if id == "0" && ctrls.is_empty() {
            v2 = Some(path.to_string());
        }
        for c in ctrls.split(',').filter(|c| !c.is_empty()) {
            v1.insert(c.to_string(), path.to_string());
        }
    }
    // The v1 memory controller wins where it is mounted (hybrid hosts have an empty v2 tree).
    if let (Some(m), Some(p)) = (&mounts.memory, v1.get("memory")) {
        let cpu = mounts
            .cpuacct
            .as_ref()
            .zip(v1.get("cpuacct"))
            .map(|(m, p)| under(m, p).join("cpuacct.usage"));
        return Some(ContainerCgroup {
            memory: under(m, p).join("memory.usage_in_bytes"),
            cpu,
        });
    }
    let (m, p) = (mounts.unified.as_ref()?, v2?);
    let dir = under(m, &p);
    Some(ContainerCgroup {
        memory: dir.join("memory.current"),
        cpu: Some(dir.join("cpu.stat")),
    })
}

/// A cgroup file's value; `None` if the file (the cgroup) is gone.
fn read_value(path: &Path) -> Result<Option<String>, CkptError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        // A removed cgroup directory can also answer ENODEV while it goes.
        Err(e) if e.raw_os_error() == Some(19) => Ok(None),
        Err(e) => Err(CkptError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

fn parse_u64(path: &Path, text: &str) -> Result<u64, CkptError> {
    text.trim().parse().map_err(|_| {
        CkptError::Workload(format!(
            "{}: {:?} is not a byte or nanosecond count",
            path.display(),
            text.trim()
        ))
    })
}

impl ContainerCgroup {
    /// The cgroup of the running container `id` (name or id), found from its first process.
    pub fn of(id: &str) -> Result<ContainerCgroup, CkptError> {
        let pid = super::proc::run_checked(std::process::Command::new("docker").args([
            "inspect",
            "-f",
            "{{.State.Pid}}",
            id,
        ]))
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())?;
        let pid: u32 = pid.parse().unwrap_or(0);
        if pid == 0 {
            return Err(CkptError::Workload(format!(
                "container {id} has no process (not running): start it before reading its cgroup"
            )));
        }
        let file = PathBuf::from(format!("/proc/{pid}/cgroup"));
        let text = std::fs::read_to_string(&file).map_err(CkptError::io(&file))?;
        let mounts = std::fs::read_to_string("/proc/self/mountinfo")
            .map_err(CkptError::io("/proc/self/mountinfo"))?;
        cgroup_of(&text, &parse_mounts(&mounts)).ok_or_else(|| CkptError::Missing {
            what: format!("a mounted memory cgroup of container {id} (pid {pid}: {text:?})"),
            hint: "mount the cgroup v1 memory controller or cgroup2 (bash scripts/setup-emu.sh \
                   starts dockerd on this host's cgroups)"
                .into(),
        })
    }

    /// The file its memory usage is read from.
    pub fn memory_file(&self) -> &Path {
        &self.memory
    }

    /// The memory the cgroup holds now \[bytes\] (v1 `memory.usage_in_bytes`, v2
    /// `memory.current`: resident memory and page cache charged to it); `None` if the cgroup
    /// is gone (the container stopped and its memory was released).
    pub fn memory_bytes(&self) -> Result<Option<u64>, CkptError> {
        read_value(&self.memory)?
            .map(|s| parse_u64(&self.memory, &s))
            .transpose()
    }

    /// The cgroup's memory limit \[bytes\] (v1 `memory.limit_in_bytes`, v2 `memory.max`);
    /// `None` if it has none (v2 `max`; v1 shows a huge page-rounded number, returned as is) or
    /// the cgroup is gone.
    pub fn memory_limit(&self) -> Result<Option<u64>, CkptError> {
        let v2 = self.memory.ends_with("memory.current");
        let path = self.memory.with_file_name(if v2 {
            "memory.max"
        } else {
            "memory.limit_in_bytes"
        });
        match read_value(&path)? {
            Some(s) if s.trim() == "max" => Ok(None),
            Some(s) => parse_u64(&path, &s).map(Some),
            None => Ok(None),
        }
    }

    /// The CPU time the cgroup has used so far; `None` if the cgroup is gone or this host does
    /// not account it.
    pub fn cpu_time(&self) -> Result<Option<Duration>, CkptError> {
        let Some(path) = &self.cpu else {
            return Ok(None);
        };
        let Some(text) = read_value(path)? else {
            return Ok(None);
        };
        if path.ends_with("cpu.stat") {
            let usec = text
                .lines()
                .find_map(|l| l.strip_prefix("usage_usec "))
                .map(|v| parse_u64(path, v))
                .transpose()?;
            return Ok(usec.map(Duration::from_micros));
        }
        parse_u64(path, &text).map(|ns| Some(Duration::from_nanos(ns)))
    }
}

/// The memory the cgroup of the running container `id` holds now \[bytes\] (see
/// [`ContainerCgroup::memory_bytes`]).
pub fn container_memory_bytes(id: &str) -> Result<u64, CkptError> {
    let cg = ContainerCgroup::of(id)?;
    cg.memory_bytes()?.ok_or_else(|| {
        CkptError::Workload(format!(
            "container {id}: its cgroup {} went away while being read (the container stopped)",
            cg.memory.display()
        ))
    })
}

/// One pause and unpause of a running container ([`cycle`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// Wall time of `docker pause`.
    pub pause: Duration,
    /// Wall time of `docker unpause`.
    pub unpause: Duration,
    /// Memory of the container's cgroup just before the pause \[bytes\].
    pub running_bytes: u64,
    /// Memory of the container's cgroup while it is frozen, right after the pause \[bytes\].
    pub paused_bytes: u64,
    /// Memory of the container's cgroup at the end of the hold, right before the unpause
    /// \[bytes\].
    pub held_at_unpause: u64,
    /// How long it stayed frozen (pause returned → unpause started).
    pub frozen: Duration,
    /// CPU time the cgroup used while frozen (`None`: not accounted on this host).
    pub frozen_cpu: Option<Duration>,
}

/// CPU time a frozen cgroup may still show: the accounting of the last tick before the freeze.
const FROZEN_CPU_SLACK: Duration = Duration::from_millis(2);

/// Pauses the running container `c` (cgroup `cg`), holds it frozen for `hold`, and unpauses it.
/// Checks that Docker reports it `paused`, that it uses no CPU while frozen, and that it is
/// running again (or has finished with exit code 0) afterwards; the error says which failed.
pub fn cycle(c: &Container, cg: &ContainerCgroup, hold: Duration) -> Result<Cycle, CkptError> {
    let gone = || {
        CkptError::Workload(format!(
            "container {}: its cgroup {} is gone (it exited before the pause: give it more items)",
            c.name(),
            cg.memory.display()
        ))
    };
    let running_bytes = cg.memory_bytes()?.ok_or_else(gone)?;
    let pause = c.pause()?;
    let frozen_at = Instant::now();
    let state = c.state()?;
    if state.status != "paused" {
        return Err(CkptError::Workload(format!(
            "docker pause {} returned but the container is {:?}, not paused",
            c.name(),
            state.status
        )));
    }
    let paused_bytes = cg.memory_bytes()?.ok_or_else(gone)?;
    let cpu0 = cg.cpu_time()?;
    let until = frozen_at + hold;
    let now = Instant::now();
    if until > now {
        std::thread::sleep(until - now);
    }
    let cpu1 = cg.cpu_time()?;
    let held_at_unpause = cg.memory_bytes()?.ok_or_else(gone)?;
    let frozen = frozen_at.elapsed();
    let frozen_cpu = cpu0.zip(cpu1).map(|(a, b)| b.saturating_sub(a));
    let unpause = c.unpause()?;
    if let Some(used) = frozen_cpu.filter(|u| *u > FROZEN_CPU_SLACK) {
        return Err(CkptError::Workload(format!(
            "container {} used {:.1} ms of CPU in {:.0} ms while paused: the cgroup freezer did \
             not stop it",
            c.name(),
            used.as_secs_f64() * 1e3,
            frozen.as_secs_f64() * 1e3
        )));
    }
    let after = c.state()?;
    let ok = after.status == "running" || (after.status == "exited" && after.exit_code == 0);
    if !ok {
        return Err(CkptError::Workload(format!(
            "container {} after docker unpause: {} (exit code {}): {}",
            c.name(),
            after.status,
            after.exit_code,
            super::proc::tail(&c.stderr().unwrap_or_default(), 800)
        )));
    }
    Ok(Cycle {
        pause,
        unpause,
        running_bytes,
        paused_bytes,
        held_at_unpause,
        frozen,
        frozen_cpu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
25 1 0:23 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
26 25 0:24 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
27 25 0:25 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
28 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 25 0:33 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn hybrid_hosts_read_the_v1_memory_and_cpuacct_hierarchies() {
        let m = parse_mounts(HYBRID);
        let proc = "11:memory:/docker/abc\n3:cpuacct:/docker/abc\n2:cpu:/docker/abc\n0::/\n";
        let cg = cgroup_of(proc, &m).expect("found");
        assert_eq!(
            cg.memory,
            Path::new("/sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes")
        );
        assert_eq!(
            cg.cpu.as_deref(),
            Some(Path::new("/sys/fs/cgroup/cpuacct/docker/abc/cpuacct.usage"))
        );
    }

    #[test]
    fn unified_hosts_read_memory_current_under_the_mount_root() {
        let m = parse_mounts(
            "30 1 0:26 /lxc/payload /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
        );
        let proc = "0::/lxc/payload/system.slice/docker-abc.scope\n";
        let cg = cgroup_of(proc, &m).expect("found");
        assert_eq!(
            cg.memory,
            Path::new("/sys/fs/cgroup/system.slice/docker-abc.scope/memory.current")
        );
        assert_eq!(
            cg.cpu.as_deref(),
            Some(Path::new(
                "/sys/fs/cgroup/system.slice/docker-abc.scope/cpu.stat"
            ))
        );
    }

    #[test]
    fn combined_v1_controllers_and_escaped_mount_points() {
        let m = parse_mounts(
            "26 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n\
             28 25 0:26 / /mnt/my\\040cg rw - cgroup cgroup rw,memory\n",
        );
        let proc = "4:cpu,cpuacct:/a\n3:memory:/a\n";
        let cg = cgroup_of(proc, &m).expect("found");
        assert_eq!(cg.memory, Path::new("/mnt/my cg/a/memory.usage_in_bytes"));
        assert_eq!(
            cg.cpu.as_deref(),
            Some(Path::new("/sys/fs/cgroup/cpu,cpuacct/a/cpuacct.usage"))
        );
    }

    #[test]
    fn no_memory_hierarchy_is_none_and_garbage_is_ignored() {
        let m = parse_mounts("garbage\n26 25 0:24 / /x rw - cgroup cgroup rw,cpu\n\n");
        assert_eq!(m.memory, None);
        assert_eq!(cgroup_of("3:memory:/a\nnonsense\n", &m), None);
        assert_eq!(cgroup_of("", &parse_mounts(HYBRID)), None);
    }

    #[test]
    fn cgroup_files_are_read_and_a_missing_cgroup_is_none() {
        let dir = std::env::temp_dir().join(format!("mlsim-pause-cg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("memory.current"), "12345\n").expect("write");
        std::fs::write(dir.join("cpu.stat"), "usage_usec 1500\nuser_usec 1000\n").expect("w");
        let cg = ContainerCgroup {
            memory: dir.join("memory.current"),
            cpu: Some(dir.join("cpu.stat")),
        };
        assert_eq!(cg.memory_bytes().expect("read"), Some(12345));
        assert_eq!(
            cg.cpu_time().expect("read"),
            Some(Duration::from_micros(1500))
        );
        assert_eq!(cg.memory_limit().expect("no file: none"), None);
        std::fs::write(dir.join("memory.max"), "max\n").expect("write");
        assert_eq!(cg.memory_limit().expect("max"), None);
        std::fs::write(dir.join("memory.max"), "1048576\n").expect("write");
        assert_eq!(cg.memory_limit().expect("limit"), Some(1 << 20));
        std::fs::write(dir.join("memory.current"), "max\n").expect("write");
        let e = cg.memory_bytes().expect_err("not a number");
        assert!(e.to_string().contains("memory.current"), "{e}");
        std::fs::remove_dir_all(&dir).expect("rm");
        assert_eq!(cg.memory_bytes().expect("gone is not an error"), None);
        assert_eq!(cg.cpu_time().expect("gone"), None);
    }
}
