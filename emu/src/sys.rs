//! Small wrappers around the OS: running the tools the emulator drives (`ip`, `tc`, `docker`)
//! with their stderr captured into typed errors, and reading `/proc`.

use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::process::Command;

/// A command that could not be started or exited unsuccessfully.
#[derive(Debug, thiserror::Error)]
pub enum CmdError {
    /// The program could not be started (not installed?).
    #[error("cannot run `{cmd}`: {source}")]
    Spawn {
        /// The command line.
        cmd: String,
        /// The OS error.
        source: io::Error,
    },
    /// The program ran and failed.
    #[error("`{cmd}` failed ({status}): {stderr}")]
    Failed {
        /// The command line.
        cmd: String,
        /// Its exit status, as text.
        status: String,
        /// Its standard error, trimmed.
        stderr: String,
    },
}

impl CmdError {
    /// The failed command's standard error (empty for spawn errors).
    pub fn stderr(&self) -> &str {
        match self {
            CmdError::Spawn { .. } => "",
            CmdError::Failed { stderr, .. } => stderr,
        }
    }
}

/// Renders a command line for messages.
pub fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion; returns its standard output on success.
pub fn run(cmd: &mut Command) -> Result<String, CmdError> {
    let out = cmd.output().map_err(|source| CmdError::Spawn {
        cmd: show(cmd),
        source,
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(CmdError::Failed {
            cmd: show(cmd),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Runs `program args...`; returns its standard output on success.
pub fn run_args<S: AsRef<OsStr>>(program: &str, args: &[S]) -> Result<String, CmdError> {
    run(Command::new(program).args(args))
}

/// `ip` with `args`, optionally inside netns `ns` (`ip -n NS ...`).
pub fn ip(ns: Option<&str>, args: &[&str]) -> Result<String, CmdError> {
    let mut c = Command::new("ip");
    if let Some(ns) = ns {
        c.args(["-n", ns]);
    }
    run(c.args(args))
}

/// The start time of process `pid` (field 22 of `/proc/PID/stat`) [clock ticks since boot],
/// or `None` if there is no such process.
pub fn proc_start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_field(&stat, 22)?.parse().ok()
}

/// The state letter of process `pid` (field 3 of `/proc/PID/stat`, e.g. `R`, `S`, `Z`).
pub fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_field(&stat, 3)?.chars().next()
}

/// Field `n` (1-based, as in proc(5)) of a `/proc/PID/stat` line. The command name (field 2)
/// may contain spaces and parentheses, so fields after it are counted from its last `)`.
fn stat_field(stat: &str, n: usize) -> Option<&str> {
    if n < 3 {
        return None;
    }
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(n - 3)
}

/// The inode of a namespace file (e.g. `/var/run/netns/NS` or `/proc/PID/ns/net`).
pub fn ns_inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.ino())
}

/// Runs `f` on a new thread that has joined the network namespace at `ns` (`setns` affects only
/// that thread, which ends with `f`), e.g. to write the namespace's `/proc/sys/net` settings.
pub fn in_netns<T: Send + 'static>(
    ns: &Path,
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    spawn_in_netns(ns, f)?
        .join()
        .map_err(|_| io::Error::other("thread inside the namespace panicked"))?
}

/// Like [`in_netns`] but returns at once with the thread's handle: sockets made by `f` live in
/// namespace `ns` (e.g. a test's server and client in two hosts of a topology).
pub fn spawn_in_netns<T: Send + 'static>(
    ns: &Path,
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<std::thread::JoinHandle<io::Result<T>>> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(ns)?;
    Ok(std::thread::spawn(move || {
        // SAFETY: setns on a valid namespace fd; it changes only the calling thread.
        if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(io::Error::last_os_error());
        }
        drop(file);
        f()
    }))
}

/// Whether this process runs as root (effective uid 0).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Sends `sig` to `pid`; `Ok(false)` if the process does not exist.
pub fn signal(pid: u32, sig: i32) -> io::Result<bool> {
    let Ok(p) = libc::pid_t::try_from(pid) else {
        return Ok(false);
    };
    // SAFETY: kill has no memory preconditions; an invalid pid yields ESRCH.
    if unsafe { libc::kill(p, sig) } == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::ESRCH) {
        Ok(false)
    } else {
        Err(e)
    }
}

/// Calls `f` again while it fails with "text file busy" (`ETXTBSY`), for up to about a second,
/// then returns its last result.
///
/// Running a program just written by this multi-threaded process can fail so: a child that
/// another thread forked while the file was open for writing holds a copy of that descriptor
/// until it calls exec (close-on-exec or not), and Linux refuses to execute a file that is
/// open for writing anywhere. The window is short and closes by itself, so waiting it out is
/// the fix (a lock around every fork of the process would be the alternative).
pub fn retry_text_busy<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    const TRIES: u32 = 200;
    const PAUSE: std::time::Duration = std::time::Duration::from_millis(5);
    let mut tries = 1;
    loop {
        match f() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < TRIES => {
                tries += 1;
                std::thread::sleep(PAUSE);
            }
            r => return r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_busy_is_waited_out_and_other_errors_are_not() {
        // Busy twice, then it runs: three calls, the result passed on.
        let mut calls = 0;
        let r = retry_text_busy(|| {
            calls += 1;
            if calls < 3 {
                Err(io::Error::from_raw_os_error(libc::ETXTBSY))
            } else {
                Ok(7)
            }
        });
        assert_eq!((r.unwrap(), calls), (7, 3));
        // Any other error at once: one call.
        let mut calls = 0;
        let r: io::Result<()> = retry_text_busy(|| {
            calls += 1;
            Err(io::Error::from_raw_os_error(libc::ENOENT))
        });
        assert_eq!(
            (r.unwrap_err().raw_os_error(), calls),
            (Some(libc::ENOENT), 1)
        );
        // Busy for ever: it gives up after its 200 tries with the busy error.
        let mut calls = 0;
        let r: io::Result<()> = retry_text_busy(|| {
            calls += 1;
            Err(io::Error::from_raw_os_error(libc::ETXTBSY))
        });
        assert_eq!(
            (r.unwrap_err().raw_os_error(), calls),
            (Some(libc::ETXTBSY), 200)
        );
    }

    #[test]
    fn stat_fields_are_counted_after_the_command_name() {
        let line = "1234 (a (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000";
        assert_eq!(stat_field(line, 3), Some("S"));
        assert_eq!(stat_field(line, 22), Some("98765"));
    }

    #[test]
    fn our_own_start_time_is_readable() {
        let t = proc_start_time(std::process::id());
        assert!(t.is_some());
        assert_eq!(proc_start_time(std::process::id()), t);
    }
}
