//! The stress program sharded through the `mlsim-workload` CLI (as the emulation runs it):
//! window by window, shard 1 detects its pieces, shard 0 (started first, so it really waits
//! for the part) joins; the concatenated window lines equal the unsharded run's output, byte
//! for byte. Shard 0 of window 1 is checkpointed after its detection and resumed.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mlsim-workload"))
}

/// The input of the emulation's stress tasks of 3 windows: `--items 3 --blocks 3`.
const INPUT: [&str; 8] = [
    "run", "stress", "--items", "3", "--blocks", "3", "--seed", "5",
];

fn ok(o: Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn two_shards_per_window_equal_the_unsharded_output() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let plain = dir.join("plain.jsonl");
    ok(
        bin()
            .args(INPUT)
            .args(["--output", s(&plain), "--state-out", s(&dir.join("p.ckpt"))])
            .output()
            .unwrap(),
        "unsharded",
    );
    let expect = std::fs::read(&plain).unwrap();
    assert_eq!(expect.iter().filter(|&&b| b == b'\n').count(), 3);

    let mut joined = Vec::new();
    for w in 0..3u32 {
        let ws = w.to_string();
        let parts = dir.join(format!("parts-{w}"));
        std::fs::create_dir_all(&parts).unwrap();
        let out0 = dir.join(format!("w{w}-s0.jsonl"));
        let carry_out = dir.join(format!("carry-{w}.ckpt"));
        let ck = dir.join(format!("w{w}-s0.ckpt"));
        let shard0 = |extra: &[&str]| {
            let mut c = bin();
            c.args(INPUT)
                .args(["--shards", "2", "--shard", "0", "--window", &ws])
                .args(["--parts", s(&parts), "--output", s(&out0)])
                .args(["--carry-out", s(&carry_out), "--state-out", s(&ck)])
                .args(extra);
            if w > 0 {
                c.args(["--carry-in", s(&dir.join(format!("carry-{}.ckpt", w - 1)))]);
            }
            c
        };
        let mut first = if w == 1 {
            // Checkpoint right after the detection (a safe point), then resume below.
            let o = shard0(&["--checkpoint-at-item", "1"]).output().unwrap();
            let rep = String::from_utf8_lossy(&o.stderr).into_owned();
            ok(o, "shard 0 to its checkpoint");
            assert!(rep.contains("\"event\":\"checkpoint\""), "{rep}");
            shard0(&["--resume", s(&ck)])
        } else {
            shard0(&[])
        };
        let child = first
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Shard 1 writes its line elsewhere, then moves it in (as the emulation's worker does).
        let tmp = dir.join(format!("w{w}-s1.jsonl"));
        ok(
            bin()
                .args(INPUT)
                .args(["--shards", "2", "--shard", "1", "--window", &ws])
                .args(["--output", s(&tmp), "--state-out", s(&dir.join("s1.ckpt"))])
                .output()
                .unwrap(),
            "shard 1",
        );
        let part = std::fs::read_to_string(&tmp).unwrap();
        assert_eq!(part.lines().count(), 1, "{part}");
        assert!(
            part.contains(&format!("\"window\":{w},\"shard\":1")),
            "{part}"
        );
        std::fs::rename(&tmp, parts.join("part-1.json")).unwrap();
        ok(child.wait_with_output().unwrap(), "shard 0");
        joined.extend(std::fs::read(&out0).unwrap());
        assert!(carry_out.exists(), "window {w}: no carried state");
    }
    assert_eq!(
        String::from_utf8_lossy(&joined),
        String::from_utf8_lossy(&expect)
    );
    assert_eq!(joined, expect);
}

#[test]
fn shard_arguments_are_checked() {
    let d = tempfile::tempdir().unwrap();
    // Window 1's shard 0 needs the state after window 0.
    let o = bin()
        .args(INPUT)
        .args(["--shards", "2", "--shard", "0", "--window", "1"])
        .args(["--parts", s(d.path())])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--carry-in"));
    let o = bin()
        .args(INPUT)
        .args(["--shards", "2", "--shard", "2", "--window", "0"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
