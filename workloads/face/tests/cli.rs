//! The `mlsim-face` binary: exit codes and messages, SIGUSR1 checkpoints and resume. Uses the
//! mock pipeline, so it needs neither dlib nor the models.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlsim-face"))
}

fn frames(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == "frame")
        .map(|v| v["frame"].clone())
        .collect()
}

#[test]
fn sigusr1_checkpoints_at_a_safe_point_and_resume_completes_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("face.ckpt");
    let full = bin()
        .args(["run", "--pipeline", "mock", "--frames", "40", "--seed", "4"])
        .output()
        .expect("run");
    assert!(full.status.success());
    let full = frames(&String::from_utf8_lossy(&full.stdout));
    assert_eq!(full.len(), 40);

    let mut child = bin()
        .args([
            "run",
            "--pipeline",
            "mock",
            "--frames",
            "40",
            "--seed",
            "4",
            "--interval-ms",
            "30",
        ])
        .arg("--state-out")
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut head = String::new();
    for _ in 0..3 {
        head.push_str(&lines.next().expect("a frame line").expect("utf-8"));
        head.push('\n');
    }
    let kill = Command::new("kill")
        .arg("-USR1")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(kill.success());
    for l in lines {
        head.push_str(&l.expect("utf-8"));
        head.push('\n');
    }
    assert!(child.wait().expect("wait").success());
    assert!(head.contains("\"event\":\"checkpoint\""), "{head}");
    let mut out = frames(&head);
    assert!(out.len() < 40, "the run should have stopped early");

    let rest = bin()
        .args(["run", "--pipeline", "mock", "--frames", "40", "--resume"])
        .arg(&state)
        .arg("--state-out")
        .arg(&state)
        .output()
        .expect("resume");
    assert!(rest.status.success());
    out.extend(frames(&String::from_utf8_lossy(&rest.stdout)));
    assert_eq!(out, full);
}

#[test]
fn truncated_state_file_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("face.ckpt");
    let ok = bin()
        .args([
            "run",
            "--pipeline",
            "mock",
            "--frames",
            "6",
            "--checkpoint-after",
            "3",
            "--state-out",
        ])
        .arg(&state)
        .output()
        .expect("run");
    assert!(ok.status.success());
    let bytes = std::fs::read(&state).expect("state");
    std::fs::write(&state, &bytes[..bytes.len() / 2]).expect("truncate");
    let bad = bin()
        .args(["run", "--pipeline", "mock", "--frames", "6", "--resume"])
        .arg(&state)
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("truncated") && err.contains("face.ckpt"),
        "{err}"
    );
    assert!(
        bad.stdout.is_empty(),
        "no frame may be processed from a bad state"
    );
}

#[test]
fn corrupt_photo_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let photo = dir.path().join("broken.jpg");
    std::fs::write(&photo, b"\xff\xd8\xff\xe0 this is not really a jpeg").expect("write");
    let out = bin()
        .args(["run", "--pipeline", "mock", "--frames", "2", "--photo"])
        .arg(format!("someone={}", photo.display()))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot decode image") && err.contains("broken.jpg"),
        "{err}"
    );
}

#[cfg(not(feature = "dlib"))]
#[test]
fn without_the_dlib_feature_the_binary_says_how_to_get_it() {
    let out = bin().args(["run", "--frames", "1"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("scripts/setup-face.sh") && err.contains("--features dlib"),
        "{err}"
    );
}
