//! `mlsim-workload hold` as the emulation drives it: a fresh process holding 64 MiB serves an
//! event, is μλ-checkpointed (exits, writes `state`), is resumed from the state with the same
//! memory checksum, serves the next event and stops. Also: no file descriptors held between
//! polls, and bad input (missing folder, malformed event, foreign or missing state) is exit 2
//! with a message naming the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const MIB: u64 = 1 << 20;
/// Upper bound on any wait (a 64 MiB fill takes well under a second; CI machines are busy).
const TIMEOUT: Duration = Duration::from_secs(60);

/// A `hold` process, killed if the test fails before it exits; its stderr goes to a file
/// outside the exchange folder.
struct Hold {
    child: Option<Child>,
    stderr: PathBuf,
}

impl Hold {
    fn spawn(dir: &Path, logs: &Path, args: &[&str]) -> Hold {
        let stderr = logs.join(format!(
            "stderr-{}",
            std::fs::read_dir(logs).unwrap().count()
        ));
        let child = Command::new(env!("CARGO_BIN_EXE_mlsim-workload"))
            .arg("hold")
            .arg("--dir")
            .arg(dir)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Hold {
            child: Some(child),
            stderr,
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Wait for the file `dir/name` and return its content; fails if the process exits first.
    fn wait_file(&mut self, dir: &Path, name: &str) -> String {
        let path = dir.join(name);
        let t = Instant::now();
        loop {
            if let Ok(s) = std::fs::read_to_string(&path) {
                return s;
            }
            if let Some(st) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("exited ({st}) before writing {name}: {}", self.stderr());
            }
            assert!(
                t.elapsed() < TIMEOUT,
                "no {name} after {TIMEOUT:?}: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Wait for the process to exit.
    fn wait_exit(&mut self) -> ExitStatus {
        let t = Instant::now();
        loop {
            if let Some(st) = self.child.as_mut().unwrap().try_wait().unwrap() {
                self.child = None;
                return st;
            }
            assert!(
                t.elapsed() < TIMEOUT,
                "still running after {TIMEOUT:?}: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Write `dir/name` atomically, as the driver does.
fn put(dir: &Path, name: &str, content: &str) {
    let tmp = dir.join(format!("{name}.tmp"));
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, dir.join(name)).unwrap();
}

fn json(text: &str) -> Value {
    assert!(
        text.ends_with('\n') && text.lines().count() == 1,
        "{text:?}"
    );
    serde_json::from_str(text).unwrap()
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no unsigned {key} in {v}"))
}

/// The open descriptors of `pid`, sampled while it idles: at least one sample must be exactly
/// stdin, stdout and stderr, and any other descriptor seen must be a protocol file of `dir`
/// opened for one poll (never anything held, nor inherited: the test process may have
/// descriptors without close-on-exec from whoever started it, which `hold` closes).
fn assert_no_held_fds(pid: u32, dir: &Path) {
    let fd_dir = PathBuf::from(format!("/proc/{pid}/fd"));
    let mut clean = 0;
    for _ in 0..50 {
        let mut fds = BTreeSet::new();
        for e in std::fs::read_dir(&fd_dir).unwrap().flatten() {
            let n: u32 = e.file_name().to_str().unwrap().parse().unwrap();
            if n > 2 {
                let target = std::fs::read_link(e.path()).unwrap_or_default();
                assert!(
                    target.starts_with(dir),
                    "fd {n} -> {} held between polls",
                    target.display()
                );
            }
            fds.insert(n);
        }
        if fds == BTreeSet::from([0, 1, 2]) {
            clean += 1;
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    assert!(clean > 0, "never only stdin/stdout/stderr open");
}

#[test]
fn checkpoint_resume_keeps_the_memory_checksum_and_the_served_count() {
    let d = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let (dir, logs) = (d.path(), logs.path());
    let mem = (64 * MIB).to_string();
    let args = ["--memory-bytes", &mem, "--seed", "11"];

    // Fresh start: 64 MiB resident, ready with served 0.
    let mut p = Hold::spawn(dir, logs, &args);
    let ready = json(&p.wait_file(dir, "ready"));
    assert_eq!(u(&ready, "pid"), u64::from(p.pid()));
    assert_eq!(u(&ready, "served"), 0);
    assert!(u(&ready, "rss_bytes") >= 60 * MIB, "{ready}");
    let checksum = u(&ready, "checksum");
    assert_no_held_fds(p.pid(), dir);

    // Event 0: 20 ms of thread CPU, the same checksum from memory.
    put(dir, "event-0", "work_ns=20000000\n");
    let done = json(&p.wait_file(dir, "done-0"));
    assert_eq!(u(&done, "event"), 0);
    assert_eq!(u(&done, "checksum"), checksum, "{done}");
    let cpu = u(&done, "cpu_ns");
    assert!((20_000_000..1_000_000_000).contains(&cpu), "cpu_ns {cpu}");
    assert!(
        dir.join("event-0").exists(),
        "the event file is the driver's to delete"
    );

    // μλ checkpoint: state with served 1, exit 0.
    put(dir, "checkpoint", "");
    let st = p.wait_exit();
    assert!(st.success(), "{st}: {}", p.stderr());
    let state = json(&std::fs::read_to_string(dir.join("state")).unwrap());
    assert_eq!(u(&state, "served"), 1);
    assert_eq!(u(&state, "seed"), 11);
    assert_eq!(u(&state, "memory_bytes"), 64 * MIB);
    assert!(
        p.stderr().contains(r#""event":"checkpoint""#),
        "{}",
        p.stderr()
    );

    // Resume: same checksum, served 1, checkpoint request consumed.
    std::fs::remove_file(dir.join("ready")).unwrap();
    let mut p = Hold::spawn(dir, logs, &[&args[..], &["--resume"]].concat());
    let ready = json(&p.wait_file(dir, "ready"));
    assert_eq!(u(&ready, "served"), 1, "{ready}");
    assert_eq!(u(&ready, "checksum"), checksum, "{ready}");
    assert!(u(&ready, "rss_bytes") >= 60 * MIB, "{ready}");
    assert!(!dir.join("checkpoint").exists());

    put(dir, "event-1", "work_ns=5000000");
    let done = json(&p.wait_file(dir, "done-1"));
    assert_eq!(u(&done, "event"), 1);
    assert_eq!(u(&done, "checksum"), checksum, "{done}");
    assert!(u(&done, "cpu_ns") >= 5_000_000, "{done}");

    put(dir, "stop", "");
    let st = p.wait_exit();
    assert!(st.success(), "{st}: {}", p.stderr());
    assert!(!dir.join("done-2").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn another_seed_holds_other_memory() {
    let d = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut sums = Vec::new();
    for seed in ["1", "2"] {
        let dir = d.path().join(seed);
        std::fs::create_dir(&dir).unwrap();
        let mem = (16 * MIB).to_string();
        let mut p = Hold::spawn(&dir, logs.path(), &["--memory-bytes", &mem, "--seed", seed]);
        sums.push(u(&json(&p.wait_file(&dir, "ready")), "checksum"));
        put(&dir, "stop", "");
        assert!(p.wait_exit().success());
    }
    assert_ne!(sums[0], sums[1]);
}

#[test]
fn a_missing_dir_is_named() {
    let logs = tempfile::tempdir().unwrap();
    let missing = logs.path().join("no-such-folder");
    let mut p = Hold::spawn(
        &missing,
        logs.path(),
        &["--memory-bytes", "0", "--seed", "1"],
    );
    assert_eq!(p.wait_exit().code(), Some(2));
    let err = p.stderr();
    assert!(
        err.contains("--dir") && err.contains("no-such-folder"),
        "{err}"
    );
}

#[test]
fn a_malformed_event_is_exit_2_naming_the_file() {
    let d = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut p = Hold::spawn(dir, logs.path(), &["--memory-bytes", "0", "--seed", "1"]);
    p.wait_file(dir, "ready");
    put(dir, "event-0", "work_ns=20ms\n");
    assert_eq!(p.wait_exit().code(), Some(2));
    let err = p.stderr();
    assert!(
        err.contains("event-0") && err.contains("work_ns=<nanoseconds>"),
        "{err}"
    );
    assert!(!dir.join("done-0").exists());
}

#[test]
fn resume_needs_the_state_of_the_same_run() {
    let d = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let dir = d.path();
    let resume = |seed: &str| {
        let mut p = Hold::spawn(
            dir,
            logs.path(),
            &["--memory-bytes", "4096", "--seed", seed, "--resume"],
        );
        let code = p.wait_exit().code();
        (code, p.stderr())
    };
    let (code, err) = resume("1");
    assert_eq!(code, Some(2));
    assert!(err.contains("state: not found"), "{err}");

    put(dir, "state", "{\"served\":3,\"seed\":1}\n");
    let (code, err) = resume("1");
    assert_eq!(code, Some(2));
    assert!(
        err.contains("state") && err.contains("memory_bytes"),
        "{err}"
    );

    put(
        dir,
        "state",
        "{\"served\":3,\"seed\":1,\"memory_bytes\":4096}\n",
    );
    let (code, err) = resume("2");
    assert_eq!(code, Some(2));
    assert!(err.contains("seed is 1") && err.contains("but 2"), "{err}");
    assert!(!dir.join("ready").exists());

    // The state of the brief's format (no buffer_bytes) is accepted.
    let mut p = Hold::spawn(
        dir,
        logs.path(),
        &["--memory-bytes", "4096", "--seed", "1", "--resume"],
    );
    assert_eq!(u(&json(&p.wait_file(dir, "ready")), "served"), 3);
    put(dir, "stop", "");
    assert!(p.wait_exit().success());
}
