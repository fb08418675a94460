//! Processes: run a tool and check it, start a workload detached inside a network namespace,
//! wait for a process that is not (or no longer) a `std` child.

use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::CkptError;
use crate::ledger::{Ledger, Resource};

/// Runs `cmd` to completion; an error with the end of its stderr if it fails.
pub fn run_checked(cmd: &mut Command) -> Result<std::process::Output, CkptError> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|source| CkptError::Spawn {
            program: program.clone(),
            source,
        })?;
    checked(cmd, out)
}

/// As [`run_checked`], but gives up after `limit`: the program is killed and the error says
/// it timed out. For tools that talk to a daemon that can hang (in validate-load, dockerd
/// once left a restoring invocation's container operations waiting for ten minutes), so that
/// one invocation fails, not the whole run at its timeout.
pub fn run_checked_within(
    cmd: &mut Command,
    limit: Duration,
) -> Result<std::process::Output, CkptError> {
    use std::io::Read;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| CkptError::Spawn {
            program: program.clone(),
            source,
        })?;
    // Drain both pipes while waiting, so that a chatty program cannot block on a full pipe.
    let drain = |p: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_t = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_t = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() >= limit => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(source) => {
                return Err(CkptError::Spawn { program, source });
            }
        }
    };
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        let stderr = err_t.join().unwrap_or_default();
        return Err(CkptError::Command {
            command: describe(cmd),
            status: format!("timed out after {:.1} s (killed)", limit.as_secs_f64()),
            detail: tail(&String::from_utf8_lossy(&stderr), 1500),
        });
    };
    let out = std::process::Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    };
    checked(cmd, out)
}

/// `out` of `cmd` if it exited successfully, else the error with the end of its stderr.
fn checked(cmd: &Command, out: std::process::Output) -> Result<std::process::Output, CkptError> {
    if out.status.success() {
        Ok(out)
    } else {
        Err(CkptError::Command {
            command: describe(cmd),
            status: out.status.to_string(),
            detail: tail(&String::from_utf8_lossy(&out.stderr), 1500),
        })
    }
}

/// `cmd` as a short command line for messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args().take(8) {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// The last `max` bytes of `s` (on a char boundary), trimmed.
pub fn tail(s: &str, max: usize) -> String {
    let s = s.trim_end();
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    s[start..].to_string()
}

/// Field 22 of `/proc/PID/stat` (start time in clock ticks since boot): with the pid it names a
/// process uniquely.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // comm (field 2) may contain spaces and parentheses: fields after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    // rest starts with field 3 (state); field 22 is the 20th of rest.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The state letter of `/proc/PID/stat` (`R`, `S`, `Z`, …), `None` when the process is gone.
pub fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// Makes this process a child subreaper (`PR_SET_CHILD_SUBREAPER`): processes restored by
/// `criu restore -d` are re-parented to us when criu exits, so we can reap them and learn their
/// exit status. Idempotent.
pub fn become_subreaper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument and touches no memory.
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0);
        }
    });
}

/// How a workload process is to be started.
#[derive(Clone, Debug)]
pub struct Launch {
    /// Program and arguments.
    pub argv: Vec<OsString>,
    /// Extra environment.
    pub env: Vec<(OsString, OsString)>,
    /// Network namespace file (`/var/run/netns/NAME`) to run in; `None`: this one.
    pub netns: Option<PathBuf>,
    /// stdout goes to this file (created/truncated).
    pub stdout: PathBuf,
    /// stderr goes to this file (created/truncated).
    pub stderr: PathBuf,
}

/// A workload process we started (or that CRIU restored for us).
#[derive(Debug)]
pub struct Proc {
    pid: u32,
    child: Option<Child>,
    started: Instant,
}

impl Proc {
    /// Starts `launch` detached: its own session (no controlling terminal, so CRIU needs no
    /// `--shell-job`), stdin `/dev/null`, stdout/stderr to files, inside the namespace through
    /// `nsenter --net=` (never `ip netns exec`, whose private mount namespace CRIU refuses),
    /// with `SIGUSR1` blocked until the workload unblocks it (see `pre_exec` below).
    /// Recorded in `ledger` right after the fork (a pid cannot be known before).
    pub fn spawn(launch: &Launch, ledger: &Ledger) -> Result<Proc, CkptError> {
        Proc::spawn_in(launch, &[], ledger)
    }

    /// [`Proc::spawn`], the process first joining the cgroups whose `cgroup.procs` files are
    /// given (between fork and exec, so that it never runs, nor allocates memory, outside them).
    pub fn spawn_in(
        launch: &Launch,
        cgroup_procs: &[PathBuf],
        ledger: &Ledger,
    ) -> Result<Proc, CkptError> {
        use std::os::fd::{AsRawFd, OwnedFd};
        let mut fds: Vec<OwnedFd> = Vec::new();
        for p in cgroup_procs {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .map_err(CkptError::io(p))?;
            fds.push(f.into());
        }
        let Some((first, rest)) = launch.argv.split_first() else {
            return Err(CkptError::Workload("empty command line".into()));
        };
        let (program, args): (OsString, Vec<OsString>) = match &launch.netns {
            Some(ns) => {
                let mut flag = OsString::from("--net=");
                flag.push(ns);
                let mut a = vec![flag, OsString::from("--")];
                a.extend(launch.argv.iter().cloned());
                (OsString::from("nsenter"), a)
            }
            None => (first.clone(), rest.to_vec()),
        };
        let out = std::fs::File::create(&launch.stdout).map_err(CkptError::io(&launch.stdout))?;
        let err = std::fs::File::create(&launch.stderr).map_err(CkptError::io(&launch.stderr))?;
        let mut cmd = Command::new(&program);
        cmd.args(&args)
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        // SAFETY: setsid, sigprocmask and write(2) on fds opened before the fork are
        // async-signal-safe and allocate nothing; "0" moves the calling process (cgroup v1
        // semantics).
        unsafe {
            cmd.pre_exec(move || {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // SIGUSR1 (μλ's checkpoint request) blocked across exec: one sent before the
                // workload has installed its handler waits pending until the workload unblocks
                // it with the handler in place (`CheckpointRequest::register_signal`), instead
                // of killing it. Measured before: an eviction in an invocation's first
                // milliseconds killed the workload (wait status 10) in 1 of 72 runs of
                // experiments/validate-load.toml.
                let mut set: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut set);
                libc::sigaddset(&mut set, libc::SIGUSR1);
                if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                for fd in &fds {
                    if libc::write(fd.as_raw_fd(), b"0".as_ptr().cast(), 1) != 1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let started = Instant::now();
        let child = cmd.spawn().map_err(|source| CkptError::Spawn {
            program: program.to_string_lossy().into_owned(),
            source,
        })?;
        let pid = child.id();
        let p = Proc {
            pid,
            child: Some(child),
            started,
        };
        ledger.record(&Resource::Process {
            pid,
            start_time: start_time(pid).unwrap_or(0),
        })?;
        Ok(p)
    }

    /// A process that is not a `std` child (restored by CRIU; re-parented to us as subreaper).
    /// Record it in the ledger ([`Ledger::record_process`]).
    pub fn adopt(pid: u32) -> Proc {
        Proc {
            pid,
            child: None,
            started: Instant::now(),
        }
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// When it was started (or adopted).
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Sends `sig`.
    pub fn signal(&self, sig: i32) -> Result<(), CkptError> {
        // SAFETY: kill has no memory effects.
        if unsafe { libc::kill(self.pid as libc::pid_t, sig) } != 0 {
            return Err(CkptError::Io {
                path: PathBuf::from(format!("/proc/{}", self.pid)),
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(())
    }

    /// Whether it has exited; reaps it if so. `Some(None)`: exited with an unknown status (it was
    /// not our child and has disappeared).
    pub fn try_wait(&mut self) -> Result<Option<Option<ExitStatus>>, CkptError> {
        if let Some(c) = &mut self.child {
            return c
                .try_wait()
                .map(|s| s.map(Some))
                .map_err(CkptError::io(format!("/proc/{}", self.pid)));
        }
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid writes only to `status`.
        let r = unsafe { libc::waitpid(self.pid as libc::pid_t, &mut status, libc::WNOHANG) };
        if r == self.pid as libc::pid_t {
            return Ok(Some(Some(ExitStatus::from_raw(status))));
        }
        if r == 0 {
            return Ok(None);
        }
        // Not our child: watch /proc.
        match state(self.pid) {
            None | Some('Z') | Some('X') => Ok(Some(None)),
            Some(_) => Ok(None),
        }
    }

    /// Waits until it exits, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<ExitStatus>, CkptError> {
        let t = Instant::now();
        loop {
            if let Some(s) = self.try_wait()? {
                return Ok(s);
            }
            if t.elapsed() > timeout {
                return Err(CkptError::Timeout {
                    what: format!("process {} to exit", self.pid),
                    secs: timeout.as_secs_f64(),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILLs it (if still there) and reaps it.
    pub fn kill(&mut self) {
        if matches!(self.try_wait(), Ok(None)) {
            let _ = self.signal(libc::SIGKILL);
            let _ = self.wait(Duration::from_secs(10));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until `path` exists and is not empty, at most `timeout`.
pub fn wait_for_file(path: &Path, timeout: Duration) -> Result<(), CkptError> {
    let t = Instant::now();
    while std::fs::metadata(path)
        .map(|m| m.len() == 0)
        .unwrap_or(true)
    {
        if t.elapsed() > timeout {
            return Err(CkptError::Timeout {
                what: format!("{}", path.display()),
                secs: timeout.as_secs_f64(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_is_given_up_on_after_its_limit_and_its_output_is_kept_otherwise() {
        // Within the limit: its stdout; failing: the end of its stderr.
        let out = run_checked_within(
            Command::new("sh").args(["-c", "echo hi"]),
            Duration::from_secs(20),
        )
        .expect("echo");
        assert_eq!(out.stdout, b"hi\n");
        let e = run_checked_within(
            Command::new("sh").args(["-c", "echo broken >&2; exit 3"]),
            Duration::from_secs(20),
        )
        .expect_err("exit 3")
        .to_string();
        assert!(e.contains("broken"), "{e}");
        // A program that outlives its limit is killed and said to have timed out (it would
        // sleep for 60 s; its grandchild-free `sleep` dies with it).
        let e = run_checked_within(Command::new("sleep").arg("60"), Duration::from_millis(200))
            .expect_err("sleep 60")
            .to_string();
        assert!(
            e.contains("timed out after 0.2 s (killed)") && e.contains("sleep 60"),
            "{e}"
        );
    }

    #[test]
    fn start_time_of_this_process_is_stable_and_tail_cuts_on_char_boundaries() {
        let me = std::process::id();
        let a = start_time(me).expect("own /proc entry");
        assert_eq!(start_time(me), Some(a));
        assert!(matches!(state(me), Some('R' | 'S')));
        assert_eq!(tail("ab€cd", 3), "cd");
        assert_eq!(tail("abc\n", 10), "abc");
    }
}
