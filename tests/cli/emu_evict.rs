//! Eviction notices in `mlsim emu run`, through the CLI, as root (skipped loudly otherwise; a
//! failure under `MLSIM_REQUIRE_EMU=1`): one worker BBU of one core whose C-RAN load rises to
//! all of it at 3 s and falls back at 6 s, notices 1 s ahead, μλ without a fixed r_limit, one
//! taxi request that is still running at the notice. The worker must evict it (the request's
//! and the BBU's `evictions`, the invocation's `evicted`), it checkpoints before the rise, the
//! continuation waits for the core (queued) until the load falls, and the output equals an
//! uninterrupted run's. The simulator runs the same spec; `mlsim compare` of the two is printed.

use crate::emu_common::{header, mlsim, num, rows, setup, tempdir};
use std::path::PathBuf;
use std::process::Command;

const S: u64 = 1_000_000_000;

fn spec(items: u32) -> String {
    format!(
        r#"[experiment]
name = "evict-emu-test"
kind = "protocol"
seed = 11
replications = 1

[topology]
bbus = 2
control_bbu = 0
workers = [1]
ues = 1

[bbu]
cores = 1
speed = 1.0
memory_gib = 64
load = {{ kind = "trace", file = "load.csv" }}

[links]
radio = {{ latency_ms = 10.0, bandwidth_mbps = 100.0 }}
wired = {{ latency_ms = 0.5, bandwidth_mbps = 1000.0 }}
local = {{ latency_ms = 0.05, bandwidth_mbps = 10000.0 }}

[placement]
kind = "round_robin"

[workload]
requests = 1
app = "taxi"
items = {items}

[checkpoint]
method = "microlambda"
r_limit_s = "none"

[eviction]
notice = "ahead"
grace_s = 1.0
"#
    )
}

#[test]
fn a_load_rise_announced_ahead_evicts_the_running_invocation_which_checkpoints_in_time() {
    let Some((_g, workload)) = setup("eviction notices through mlsim emu run") else {
        return;
    };
    let d = tempdir("evict");
    // C-RAN takes the core at 3 s (announced at 2 s) and gives it back at 6 s (announced at
    // 5 s). 16000 taxi items take about 4-5 s here, so the invocation that starts at about
    // 0.5 s is still running at the notice.
    std::fs::write(d.0.join("load.csv"), "time_s,load\n0,0\n3,1.0\n6,0\n").expect("trace");
    let items = 16000;
    let spec_path = d.0.join("evict.toml");
    std::fs::write(&spec_path, spec(items)).expect("spec");
    let (emu, sim) = (d.0.join("emu"), d.0.join("sim"));
    let mlsim = || mlsim(&workload);
    let out = mlsim()
        .args(["emu", "run"])
        .arg(&spec_path)
        .arg("--out")
        .arg(&emu)
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("{err}");
    assert!(out.status.success(), "emu run failed: {err}");
    let out = mlsim()
        .arg("run")
        .arg(&spec_path)
        .arg("--out")
        .arg(&sim)
        .output()
        .expect("mlsim run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The request completed, with the output of an uninterrupted run.
    let requests = rows(&emu.join("requests.csv"));
    assert_eq!(requests.len(), 1);
    let q = &requests[0];
    assert_eq!(q["status"], "ok", "{q:?}");
    let run_dir = emu.join("emu").join("run-000000");
    let got = std::fs::read_to_string(run_dir.join("output-0.jsonl")).expect("output");
    // The run's seed (derived from the spec's), which the workload's input is drawn from.
    let seed = rows(&emu.join("runs.csv"))[0]["seed"].clone();
    let reference = d.0.join("reference.out");
    let st = Command::new(&workload)
        .args(["run", "taxi", "--items", &items.to_string()])
        .args([
            "--requests",
            &items.to_string(),
            "--seed",
            &seed,
            "--output",
        ])
        .arg(&reference)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("reference run");
    assert!(st.success());
    let want = std::fs::read_to_string(&reference).expect("reference output");
    assert_eq!(got.lines().count(), items as usize);
    assert!(
        got == want,
        "the evicted request's output differs from an uninterrupted run"
    );

    // The worker replayed the same load changes as the C-RAN driver (time, load), and
    // announced each one 1 s ahead.
    let lines = |p: PathBuf| -> Vec<serde_json::Value> {
        std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    };
    let driver: Vec<(f64, f64)> = lines(run_dir.join("cran.jsonl"))
        .iter()
        .filter(|v| v["bbu"] == 1)
        .map(|v| {
            (
                v["t_s"].as_f64().expect("t"),
                v["load"].as_f64().expect("load"),
            )
        })
        .collect();
    let worker = lines(run_dir.join("worker-bbu1").join("cran.jsonl"));
    let replayed: Vec<(f64, f64)> = worker
        .iter()
        .filter(|v| v["action"]["kind"] == "load")
        .map(|v| {
            (
                v["t_s"].as_f64().expect("t"),
                v["action"]["load"].as_f64().expect("load"),
            )
        })
        .collect();
    assert_eq!(driver, vec![(3.0, 1.0), (6.0, 0.0)]);
    assert_eq!(
        replayed, driver,
        "the worker's load changes differ from the driver's"
    );
    let notices: Vec<(f64, f64)> = worker
        .iter()
        .filter(|v| v["action"]["kind"] == "notice")
        .map(|v| {
            (
                v["t_s"].as_f64().expect("t"),
                v["action"]["at"].as_f64().expect("at") / 1e9,
            )
        })
        .collect();
    assert_eq!(notices, vec![(2.0, 3.0), (5.0, 6.0)]);

    // Evicted: the invocation, the request and the BBU say so.
    let invs = rows(&emu.join("invocations.csv"));
    let evicted: Vec<_> = invs.iter().filter(|i| i["evicted"] == "true").collect();
    assert!(!evicted.is_empty(), "no invocation was evicted: {invs:?}");
    assert_eq!(num(q, "evictions"), evicted.len() as u64, "{q:?}");
    let bbus = rows(&emu.join("bbus.csv"));
    let b1 = bbus.iter().find(|b| b["bbu"] == "1").expect("bbu 1");
    assert_eq!(num(b1, "evictions"), evicted.len() as u64, "{b1:?}");
    assert_eq!(num(q, "invocations") as usize, invs.len());
    // The first invocation was running at the notice (2 s), checkpointed before the rise (3 s),
    // and did not lose its work.
    let first = invs
        .iter()
        .find(|i| i["invocation"] == "0")
        .expect("invocation 0");
    assert_eq!(first["evicted"], "true", "{first:?}");
    assert_eq!(first["outcome"], "checkpointed", "{first:?}");
    assert!(num(first, "start_ns") < 2 * S, "{first:?}");
    assert!(
        num(first, "end_ns") > 2 * S && num(first, "end_ns") <= 3 * S,
        "{first:?}"
    );
    let cks = rows(&emu.join("checkpoints.csv"));
    let ck = cks
        .iter()
        .find(|c| c["invocation"] == "0")
        .expect("invocation 0's checkpoint");
    assert_eq!(ck["deadline_met"], "true", "{ck:?}");
    assert!(num(ck, "start_ns") + num(ck, "time_ns") <= 3 * S, "{ck:?}");
    assert_eq!(num(q, "missed_checkpoints"), 0, "{q:?}");
    // The continuation waited for the core: C-RAN held it from the notice (2 s) to the fall
    // (6 s), so it started no earlier than 6 s although it was invoked before 3 s.
    let second = invs
        .iter()
        .find(|i| i["invocation"] == "1")
        .expect("a continuation");
    assert!(num(second, "invoked_ns") < 3 * S, "{second:?}");
    assert!(num(second, "start_ns") >= 6 * S, "{second:?}");
    assert_eq!(second["outcome"], "completed", "{second:?}");

    // The records have the simulator's headers, and the simulator evicted it too.
    for f in [
        "requests.csv",
        "invocations.csv",
        "checkpoints.csv",
        "bbus.csv",
    ] {
        assert_eq!(header(&emu.join(f)), header(&sim.join(f)), "{f} header");
    }
    let sq = &rows(&sim.join("requests.csv"))[0];
    assert_eq!(sq["status"], "ok", "{sq:?}");
    assert!(
        num(sq, "evictions") >= 1,
        "the simulator did not evict: {sq:?}"
    );

    // The two side by side.
    let cmp = d.0.join("cmp");
    let out = mlsim()
        .arg("compare")
        .arg(&sim)
        .arg(&emu)
        .arg("--out")
        .arg(&cmp)
        .output()
        .expect("mlsim compare");
    eprintln!(
        "sim vs emu:\n{}\nsim requests: {sq:?}\nemu requests: {q:?}\nemu invocations: {invs:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
