//! `mlsim emu run --host-speed`, as root (skipped loudly otherwise; a failure under
//! `MLSIM_REQUIRE_EMU=1`): by default the emulation measures this machine's speed against the
//! model's reference core before the first run (taxi's CPU time against the model's) and says
//! so; the number it prints is the model's time over the measured one; a given speed is used as
//! it is and reaches the manager, whose trackers budget with it; a bad value is refused.

use crate::emu_common::{mlsim, setup, tempdir};

/// fig6-emu's two 1-core workers, one taxi request of 4000 items, μλ with r_limit 5 s.
const SPEC: &str = r#"[experiment]
name = "emu-host-test"
kind = "protocol"
seed = 2021
replications = 1

[topology]
bbus = 3
control_bbu = 0
workers = [1, 2]
ues = 1

[bbu]
cores = 1
speed = 1.0
memory_gib = 64
load = { kind = "constant", fraction = 0.0 }

[links]
radio = { latency_ms = 10.0, bandwidth_mbps = 100.0 }
wired = { latency_ms = 0.5, bandwidth_mbps = 1000.0 }
local = { latency_ms = 0.05, bandwidth_mbps = 10000.0 }

[placement]
kind = "round_robin"

[[workload]]
app = "taxi"
items = 4000
requests = 1

[checkpoint]
method = "microlambda"
r_limit_s = 5.0
"#;

/// The number after `key` in `text` (up to the next space or colon).
fn number_after(text: &str, key: &str) -> f64 {
    let at = text
        .find(key)
        .unwrap_or_else(|| panic!("no {key:?} in {text}"))
        + key.len();
    let n: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    n.parse()
        .unwrap_or_else(|e| panic!("{key:?} then {n:?}: {e}"))
}

#[test]
fn the_host_speed_is_measured_or_given_and_reaches_the_trackers() {
    let Some((_g, workload)) = setup("mlsim emu run --host-speed") else {
        return;
    };
    let d = tempdir("host");
    let spec = d.0.join("host.toml");
    std::fs::write(&spec, SPEC).expect("spec");

    // Measured (the default): the note gives the speed, the CPU time and the model's time, and
    // the speed is the one over the other (to the printed digits). The run itself is stopped at
    // once by --timeout-s: only the check matters here.
    let out = mlsim(&workload)
        .args(["emu", "run", "--timeout-s", "0.001"])
        .arg(&spec)
        .arg("--out")
        .arg(d.0.join("auto"))
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("host speed "))
        .unwrap_or_else(|| panic!("no host speed note: {err}"));
    let h = number_after(line, "host speed ");
    let cpu = number_after(line, "items took ");
    let model = number_after(line, "against the model's ");
    eprintln!("{line}");
    // The default model's taxi: 8.148862 ms + 1000 × 0.242744 ms = 0.251 s.
    assert_eq!(model, 0.251, "{line}");
    assert!(line.contains("(median of 3)"), "{line}");
    // All three are printed to 3 decimals: model / cpu carries at most 0.0005/0.251 + 0.0005/cpu
    // of relative rounding error (under 0.4 % for cpu ≥ 0.2 s), h 0.0005 more.
    assert!(
        (h - model / cpu).abs() <= 0.005 * h + 0.0005,
        "{h} ≠ {model} / {cpu}: {line}"
    );
    // A machine of the reference's kind: not ten times faster or slower.
    assert!((0.1..10.0).contains(&h), "{line}");
    // The folder records it for `mlsim compare`: the same speed, its three CPU times and the
    // model's time, and the speed is the one over the median of the others.
    let rec = d.0.join("auto/emu/host.json");
    let text = std::fs::read_to_string(&rec).unwrap_or_else(|e| panic!("{}: {e}", rec.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("host.json");
    assert_eq!(v["source"], "measured", "{text}");
    let mut cpu: Vec<f64> = v["cpu_s"]
        .as_array()
        .expect("cpu_s")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect();
    cpu.sort_by(f64::total_cmp);
    let (hs, ms) = (
        v["host_speed"].as_f64().unwrap(),
        v["model_s"].as_f64().unwrap(),
    );
    assert_eq!(cpu.len(), 3, "{text}");
    assert!((hs - ms / cpu[1]).abs() < 1e-9, "{text}");
    assert!(
        (hs - h).abs() <= 0.0005 + 1e-9,
        "{h} printed, {hs} recorded"
    );

    // Given: used as it is, written into the manager's config (the trackers read it there).
    let out = mlsim(&workload)
        .args(["emu", "run", "--host-speed", "0.5"])
        .arg(&spec)
        .arg("--out")
        .arg(d.0.join("given"))
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("host speed 0.5 (--host-speed)")),
        "{err}"
    );
    let cfg = d.0.join("given/emu/run-000000/manager.json");
    let text = std::fs::read_to_string(&cfg).unwrap_or_else(|e| panic!("{}: {e}", cfg.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("manager.json");
    assert_eq!(v["host_speed"].as_f64(), Some(0.5), "{}", cfg.display());
    let rec = d.0.join("given/emu/host.json");
    let text = std::fs::read_to_string(&rec).unwrap_or_else(|e| panic!("{}: {e}", rec.display()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("host.json");
    assert_eq!(
        (v["host_speed"].as_f64(), v["source"].as_str()),
        (Some(0.5), Some("given"))
    );

    // Refused, naming the option and what it takes.
    let out = mlsim(&workload)
        .args(["emu", "run", "--host-speed", "fast"])
        .arg(&spec)
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--host-speed") && err.contains("`auto`") && err.contains("positive number"),
        "{err}"
    );
}
