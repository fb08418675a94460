//! `mlsim emu run` with sharded stress (`workload.shards = 2`), as root (skipped loudly
//! otherwise; a failure under `MLSIM_REQUIRE_EMU=1`): 3 windows on fig6-emu's two 1-core
//! worker BBUs, shards 1 and 2, long-running, μλ (r_limit 15 s), CRIU (r_limit 2 s: shard
//! tasks are dumped and restored) and Docker (r_limit 30 s: shard tasks in containers). Every
//! request is ok, every run's output is the same bytes (sharded = unsharded), the shard tasks
//! ran on both workers, each window started after both
//! shards of the previous one were done, and the records have the simulator's task numbering
//! (task = window · shards + shard, one completed invocation with 1 item each). The simulator
//! runs the same spec; `mlsim compare` of the two is printed (no timing asserts).
//!
//! Apps without a shard mode (taxi, face) with `shards > 1` are refused (exit 2).
//!
//! (μλ at r_limit 2 s cannot finish stress at all, sharded or not: the program's set-up takes
//! longer than r_limit on a one-core BBU; see README, Comparing. Docker at r_limit 2 or 5 s
//! does not finish stress either, sharded or not: restore and checkpoint take about 1 s each.
//! μλ at r_limit 5 s finished it while stress's set-up on one core took about 3 s; on a slower
//! host of the same kind it took 5.3 s (2026-12-07) and the request gave up; hence 15 s.)

use crate::emu_common::{self, Row, Scratch, header, mlsim, num, rows};
use mlsim_emu::testing::{RootGuard, require_tool};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

const SPEC: &str = r#"[experiment]
name = "emu-shards-test"
kind = "protocol"
seed = 2021
replications = 1
figures = ["fig6"]

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

[workload]
requests = 1

[[sweep]]
workload = { app = ["stress"], items = [3], shards = [1, 2] }
checkpoint = { method = ["long_running"] }

[[sweep]]
workload = { app = ["stress"], items = [3], shards = [1, 2] }
checkpoint = { method = ["microlambda"], r_limit_s = [15.0] }

[[sweep]]
workload = { app = ["stress"], items = [3], shards = [1, 2] }
checkpoint = { method = ["criu"], r_limit_s = [2.0] }

[[sweep]]
workload = { app = ["stress"], items = [3], shards = [1, 2] }
checkpoint = { method = ["docker"], r_limit_s = [30.0] }
"#;

/// The common set-up, and CRIU and Docker (the test runs both).
fn setup(what: &str) -> Option<(RootGuard, PathBuf)> {
    let g = emu_common::setup(what)?;
    require_tool(what, "criu")?;
    require_tool(what, "docker")?;
    Some(g)
}

/// Invocation rows of each run.
fn by_run(invs: &[Row]) -> BTreeMap<u32, Vec<&Row>> {
    let mut m: BTreeMap<u32, Vec<&Row>> = BTreeMap::new();
    for r in invs {
        m.entry(num(r, "run") as u32).or_default().push(r);
    }
    m
}

/// Checks the task structure of a run's invocations (both modes): tasks 0..windows·shards
/// (unsharded: task 0), each with one completed invocation (items_done 1, or all windows) last, contiguous invocation numbers, the
/// rest with items_done 0.
fn check_tasks(run: u32, invs: &[&Row], windows: u64, shards: u64, mode: &str) {
    let mut per_task: BTreeMap<u64, Vec<&Row>> = BTreeMap::new();
    for r in invs {
        per_task.entry(num(r, "task")).or_default().push(r);
    }
    let tasks: Vec<u64> = per_task.keys().copied().collect();
    assert_eq!(
        tasks,
        (0..if shards > 1 { windows * shards } else { 1 }).collect::<Vec<_>>(),
        "{mode} run {run}: task numbers"
    );
    for (t, rs) in &mut per_task {
        rs.sort_by_key(|r| num(r, "invocation"));
        let numbers: Vec<u64> = rs.iter().map(|r| num(r, "invocation")).collect();
        assert_eq!(
            numbers,
            (0..rs.len() as u64).collect::<Vec<_>>(),
            "{mode} run {run} task {t}"
        );
        let last = rs.last().expect("an invocation");
        assert_eq!(
            last["outcome"], "completed",
            "{mode} run {run} task {t}: {rs:?}"
        );
        let done = if shards > 1 { 1 } else { windows };
        assert_eq!(num(last, "items_done"), done, "{mode} run {run} task {t}");
        for r in &rs[..rs.len() - 1] {
            assert_ne!(
                r["outcome"], "completed",
                "{mode} run {run} task {t}: {rs:?}"
            );
            if shards > 1 {
                assert_eq!(num(r, "items_done"), 0, "{mode} run {run} task {t}: {r:?}");
            }
        }
    }
}

#[test]
fn sharded_stress_runs_on_both_workers_with_the_unsharded_output() {
    let Some((_g, workload)) = setup("emu run of sharded stress through the CLI") else {
        return;
    };
    let d =
        Scratch(std::env::temp_dir().join(format!("mlsim-cli-emu-shards-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&d.0);
    std::fs::create_dir_all(&d.0).expect("temp dir");
    let spec = d.0.join("shards.toml");
    std::fs::write(&spec, SPEC).expect("spec");
    let (emu, sim) = (d.0.join("emu"), d.0.join("sim"));
    let out = mlsim(&workload)
        .args(["emu", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(&emu)
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("{err}");
    assert!(out.status.success(), "emu run failed: {err}");
    let out = mlsim(&workload)
        .arg("run")
        .arg(&spec)
        .arg("--out")
        .arg(&sim)
        .output()
        .expect("mlsim run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every run and request ok.
    let runs = rows(&emu.join("runs.csv"));
    assert_eq!(runs.len(), 8, "one row per run");
    let shards_of: BTreeMap<u32, u64> = runs
        .iter()
        .map(|r| {
            let s = if r["params"].contains("workload.shards=2") {
                2
            } else {
                assert!(r["params"].contains("workload.shards=1"), "{r:?}");
                1
            };
            (num(r, "run") as u32, s)
        })
        .collect();
    assert_eq!(shards_of.values().filter(|&&s| s == 2).count(), 4);
    for r in &runs {
        assert_eq!(r["status"], "ok", "{r:?}");
    }
    // Every request ok, except that the sharded CRIU request at r_limit 2 s may give up: each
    // shard dumps its 211-MB set-up image, which on this 2-core machine races the 2-s limit
    // (measured 2026-12-06 on the same machine: 3 of 6 tries gave up, with the binaries of
    // before and after that day's changes alike); the simulator gives up the same way when
    // dumps miss. Such a request has no output to compare; it must still have dumped.
    let mut gave_up = BTreeSet::new();
    for q in rows(&emu.join("requests.csv")) {
        let run: u32 = q["run"].parse().expect("run");
        let edge = q["method"] == "criu" && shards_of.get(&run) == Some(&2);
        if edge && q["status"].starts_with("failed: no progress") {
            eprintln!(
                "NOTE: run {run} (CRIU, r_limit 2 s, 2 shards) gave up: {}",
                q["status"]
            );
            gave_up.insert(run);
            continue;
        }
        assert_eq!(q["status"], "ok", "{q:?}");
    }

    // The same output bytes in every run: sharded = unsharded, whatever the method.
    let outputs: BTreeMap<u32, Vec<u8>> = shards_of
        .keys()
        .filter(|run| !gave_up.contains(run))
        .map(|&run| {
            let f = emu
                .join("emu")
                .join(format!("run-{run:06}"))
                .join("output-0.jsonl");
            (
                run,
                std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display())),
            )
        })
        .collect();
    let first = outputs.values().next().expect("outputs");
    assert_eq!(
        String::from_utf8_lossy(first).lines().count(),
        3,
        "three windows: {}",
        String::from_utf8_lossy(first)
    );
    for (run, o) in &outputs {
        assert_eq!(
            String::from_utf8_lossy(o),
            String::from_utf8_lossy(first),
            "run {run} (shards {})",
            shards_of[run]
        );
    }

    // Records: the simulator's headers and task numbering.
    for f in [
        "requests.csv",
        "invocations.csv",
        "checkpoints.csv",
        "runs.csv",
    ] {
        assert_eq!(header(&emu.join(f)), header(&sim.join(f)), "{f} header");
    }
    let emu_invs = rows(&emu.join("invocations.csv"));
    let sim_invs = rows(&sim.join("invocations.csv"));
    let (emu_runs, sim_runs) = (by_run(&emu_invs), by_run(&sim_invs));
    let mut ckpts = 0;
    for (&run, &shards) in &shards_of {
        let e = &emu_runs[&run];
        check_tasks(run, e, 3, shards, "emu");
        check_tasks(run, &sim_runs[&run], 3, shards, "sim");
        if shards == 1 {
            continue;
        }
        // A dump that made it, or (a request that gave up) one that missed its deadline.
        ckpts += e
            .iter()
            .filter(|r| {
                r["outcome"] == "checkpointed" || (gave_up.contains(&run) && r["outcome"] == "lost")
            })
            .count();
        // Both workers ran shard tasks.
        let bbus: BTreeSet<&str> = e.iter().map(|r| r["bbu"].as_str()).collect();
        assert_eq!(bbus, BTreeSet::from(["1", "2"]), "run {run}");
        // Window w + 1 started after both shards of window w completed.
        for w in 0..2u64 {
            let done = e
                .iter()
                .filter(|r| num(r, "task") / 2 == w && r["outcome"] == "completed")
                .map(|r| num(r, "end_ns"))
                .max()
                .expect("window done");
            let next = e
                .iter()
                .filter(|r| num(r, "task") / 2 == w + 1)
                .map(|r| num(r, "invoked_ns"))
                .min()
                .expect("next window");
            assert!(
                next >= done,
                "run {run}: window {} invoked before window {w} ended",
                w + 1
            );
        }
    }
    // CRIU at r_limit 2 s dumps shard tasks (their set-up alone outlasts it).
    assert!(ckpts > 0, "no shard task was checkpointed");

    // The two side by side (printed, not asserted: timings depend on the machine).
    let out = mlsim(&workload)
        .arg("compare")
        .arg(&sim)
        .arg(&emu)
        .arg("--out")
        .arg(d.0.join("cmp"))
        .output()
        .expect("mlsim compare");
    eprintln!("sim vs emu:\n{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sharded_apps_without_a_shard_mode_are_refused() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emu run refuses sharded taxi") else {
        return;
    };
    let d = Scratch(std::env::temp_dir().join(format!(
        "mlsim-cli-emu-shards-refuse-{}",
        std::process::id()
    )));
    let _ = std::fs::remove_dir_all(&d.0);
    std::fs::create_dir_all(&d.0).expect("temp dir");
    let spec = d.0.join("taxi.toml");
    let i = SPEC.find("[[sweep]]").expect("sweeps");
    let text = format!(
        "{}[[sweep]]\nworkload = {{ app = [\"taxi\"], items = [100], shards = [2] }}\ncheckpoint = {{ method = [\"long_running\"] }}\n",
        &SPEC[..i]
    );
    std::fs::write(&spec, text).expect("spec");
    // Refused before anything runs: any existing file stands for the workload program.
    let out = Command::new(env!("CARGO_BIN_EXE_mlsim"))
        .env("MLSIM_WORKLOAD_BIN", env!("CARGO_BIN_EXE_mlsim"))
        .args(["emu", "run"])
        .arg(&spec)
        .arg("--out")
        .arg(d.0.join("out"))
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("shards = 2") && err.contains("workload.shards = 1"),
        "{err}"
    );
    assert!(
        !d.0.join("out").join("runs.csv").exists(),
        "it ran something"
    );
}
