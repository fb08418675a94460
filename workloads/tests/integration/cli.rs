//! The `mlsim-workload` binary: checkpoint/resume as processes, SIGUSR1, and bad input.

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlsim-workload"))
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn process_checkpoint_and_resume_equals_uninterrupted() {
    let d = tempfile::tempdir().unwrap();
    let common = ["run", "taxi", "--taxis", "500", "--requests", "150"];
    let full = run(
        &[&common[..], &["--output", "full.jsonl"]].concat(),
        d.path(),
    );
    assert!(full.status.success(), "{}", stderr(&full));
    let a = run(
        &[
            &common[..],
            &[
                "--checkpoint-at-item",
                "55",
                "--state-out",
                "s.ckpt",
                "--output",
                "a.jsonl",
            ],
        ]
        .concat(),
        d.path(),
    );
    assert!(
        a.status.success() && stderr(&a).contains("\"event\":\"checkpoint\""),
        "{}",
        stderr(&a)
    );
    let b = run(
        &[&common[..], &["--resume", "s.ckpt", "--output", "b.jsonl"]].concat(),
        d.path(),
    );
    assert!(
        b.status.success() && stderr(&b).contains("\"event\":\"finished\""),
        "{}",
        stderr(&b)
    );
    let read = |f: &str| std::fs::read_to_string(d.path().join(f)).unwrap();
    assert_eq!(read("a.jsonl") + &read("b.jsonl"), read("full.jsonl"));
}

/// A checkpoint request sent at once, before the workload can have installed its handler:
/// started with SIGUSR1 blocked (as the emulation starts workloads), the signal waits pending
/// until `register_signal` unblocks it, and the workload checkpoints instead of dying of it.
#[test]
fn sigusr1_sent_before_the_handler_exists_checkpoints_when_blocked_at_spawn() {
    use std::os::unix::process::CommandExt;
    let d = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.args([
        "run",
        "taxi",
        "--requests",
        "1000000",
        "--state-out",
        "early.ckpt",
    ])
    .args(["--output", "o.jsonl"])
    .current_dir(d.path())
    .stderr(std::process::Stdio::piped());
    // SAFETY: sigemptyset/sigaddset/sigprocmask are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGUSR1);
            if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    // At once: the process has at most just exec'd.
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGUSR1) }, 0);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{:?}: {}", o.status, stderr(&o));
    assert!(
        stderr(&o).contains("\"event\":\"checkpoint\""),
        "{}",
        stderr(&o)
    );
    assert!(d.path().join("early.ckpt").exists());
}

#[test]
fn sigusr1_checkpoints_at_the_next_safe_point() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o.jsonl");
    let child = bin()
        .args([
            "run",
            "taxi",
            "--requests",
            "1000000",
            "--state-out",
            "sig.ckpt",
            "--output",
        ])
        .arg(&out)
        .current_dir(d.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is past start-up and producing items (the handler is installed first).
    let t = std::time::Instant::now();
    while std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(t.elapsed().as_secs() < 60, "no output after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let k = Command::new("kill")
        .args(["-USR1", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(k.success());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("\"event\":\"checkpoint\""),
        "{}",
        stderr(&o)
    );
    assert!(d.path().join("sig.ckpt").exists());
}

#[test]
fn bad_input_gives_a_clear_error_and_non_zero_exit() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // Malformed trip CSV.
    std::fs::write(p.join("bad.csv"), "tpep_pickup_datetime,tpep_dropoff_datetime,PULocationID,DOLocationID\n2019-01-01 10:00:00,later,1,2\n").unwrap();
    std::fs::write(
        p.join("z.geojson"),
        r#"{"type":"FeatureCollection","features":[]}"#,
    )
    .unwrap();
    let o = run(
        &["run", "taxi", "--trips", "bad.csv", "--zones", "z.geojson"],
        p,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.csv:2:"), "{}", stderr(&o));
    // A good state file, then truncated, corrupted, and fed to the wrong application.
    let ok = run(
        &[
            "run",
            "taxi",
            "--taxis",
            "200",
            "--requests",
            "50",
            "--checkpoint-at-item",
            "10",
            "--state-out",
            "s.ckpt",
            "--output",
            "/dev/null",
        ],
        p,
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    let bytes = std::fs::read(p.join("s.ckpt")).unwrap();
    std::fs::write(p.join("trunc.ckpt"), &bytes[..bytes.len() / 2]).unwrap();
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x10;
    std::fs::write(p.join("corrupt.ckpt"), &flipped).unwrap();
    let cases = [
        (
            vec![
                "run",
                "taxi",
                "--taxis",
                "200",
                "--requests",
                "50",
                "--resume",
                "trunc.ckpt",
            ],
            "truncated",
        ),
        (
            vec![
                "run",
                "taxi",
                "--taxis",
                "200",
                "--requests",
                "50",
                "--resume",
                "corrupt.ckpt",
            ],
            "corrupt",
        ),
        (
            vec![
                "run",
                "stress",
                "--blocks",
                "1",
                "--block-s",
                "150",
                "--resume",
                "s.ckpt",
            ],
            "belongs to application `taxi`",
        ),
        (
            vec![
                "run",
                "taxi",
                "--taxis",
                "201",
                "--requests",
                "50",
                "--resume",
                "s.ckpt",
            ],
            "different trips",
        ),
        (
            vec!["run", "taxi", "--resume", "missing.ckpt"],
            "missing.ckpt",
        ),
        (
            vec!["run", "taxi", "--graph", "nope.graphml"],
            "nope.graphml",
        ),
        (
            vec!["run", "stress", "--recording", "no-such-dir"],
            "Task1_ECG.npy",
        ),
    ];
    for (args, needle) in cases {
        let o = run(&args, p);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(needle),
            "{args:?}: expected `{needle}` in: {}",
            stderr(&o)
        );
        assert!(
            o.stdout.is_empty(),
            "{args:?} produced output despite the error"
        );
    }
    // Usage errors exit 2 too.
    assert_eq!(run(&["run", "bogus"], p).status.code(), Some(2));
}

/// Every `--option` that a message of the workloads' sources tells the user to use exists in
/// `mlsim-workload run --help` or `mlsim-workload hold --help` (a tester was once told to use
/// `--max-snap-m`, which did not exist), and `--max-snap-m` takes only a distance above 0.
#[test]
fn options_named_in_messages_exist() {
    let help: String = ["run", "hold"]
        .iter()
        .map(|cmd| {
            let o = run(&[cmd, "--help"], Path::new("."));
            assert!(o.status.success(), "{cmd} --help: {}", stderr(&o));
            String::from_utf8_lossy(&o.stdout).into_owned()
        })
        .collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.clone()];
    let mut named = std::collections::BTreeSet::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
            continue;
        }
        if p.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        // Options inside string literals of messages: `--name` after a space or a backtick.
        for (i, _) in text.match_indices(" --").chain(text.match_indices("`--")) {
            let name: String = text[i + 3..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            let line = text[..i].rsplit('\n').next().unwrap_or("");
            let in_string = line.matches('"').count() % 2 == 1;
            if name.len() > 2 && in_string && !line.trim_start().starts_with("//") {
                named.insert((name, p.display().to_string()));
            }
        }
    }
    assert!(
        named.iter().any(|(n, _)| n == "max-snap-m"),
        "the scan finds the option in taxi/workload.rs's message: {named:?}"
    );
    let missing: Vec<_> = named
        .iter()
        .filter(|(n, _)| !help.contains(&format!("--{n} ")) && !help.contains(&format!("--{n}\n")))
        .filter(|(n, _)| !["features", "release"].contains(&n.as_str())) // cargo's, in build hints
        .collect();
    assert!(
        missing.is_empty(),
        "options named in messages but not accepted: {missing:?}"
    );
    let d = tempfile::tempdir().unwrap();
    let bad = run(&["run", "taxi", "--max-snap-m", "0"], d.path());
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("not a distance above 0"),
        "{}",
        stderr(&bad)
    );
    let ok = run(
        &[
            "run",
            "taxi",
            "--taxis",
            "50",
            "--requests",
            "10",
            "--max-snap-m",
            "500",
        ],
        d.path(),
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
}
