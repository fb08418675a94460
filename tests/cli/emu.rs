//! `mlsim emu run` through the CLI, as root (skipped loudly otherwise; a failure under
//! `MLSIM_REQUIRE_EMU=1`):
//!
//! - a small fig6-emu-like grid end to end, with a time-varying C-RAN load: every run ok, the
//!   same CSV headers as `mlsim run` of the same spec, mode `emu`, the burners' measured C-RAN
//!   time close to what the load process promised, and `mlsim plot` draws Figs. 6/7 from it;
//! - SIGKILL of the CLI mid-run, then `mlsim emu clean OUT`: nothing of the run remains;
//! - SIGINT (Ctrl-C) of the CLI in its second run: it exits by itself (code 130), tears the run
//!   down, and the first run's records stay written; the manifest says why it stopped.
//!
//! - `experiments/fig6-emu.toml` itself (one replication) with the real taxi, stress and face
//!   programs, and `mlsim compare` of the simulator's run against it.
//!
//! The tests hold the exclusive root-test lock: they share the machine's two cores.

use crate::emu_common::{
    compare_rows, header, mlsim, rows, setup, simulate_with_same_headers, tempdir,
};
use mlsim_emu::ledger::{LEDGER_FILE, Resource, read_ledger};
use mlsim_emu::testing::require_root_env_exclusive;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The common part of the specs: fig6-emu's topology and links, 8-core BBUs.
fn spec(name: &str, load: &str, sweeps: &str) -> String {
    format!(
        r#"[experiment]
name = "{name}"
kind = "protocol"
seed = 2021
replications = 1
figures = ["fig6", "fig7"]

[topology]
bbus = 3
control_bbu = 0
workers = [1, 2]
ues = 1

[bbu]
cores = 8
speed = 1.0
memory_gib = 64
load = {load}

[links]
radio = {{ latency_ms = 10.0, bandwidth_mbps = 100.0 }}
wired = {{ latency_ms = 0.5, bandwidth_mbps = 1000.0 }}
local = {{ latency_ms = 0.05, bandwidth_mbps = 10000.0 }}

[placement]
kind = "round_robin"

[workload]
requests = 1

{sweeps}
"#
    )
}

#[test]
fn a_small_fig6_emu_grid_runs_end_to_end_with_c_ran_load_and_matches_the_sim_schema() {
    let Some((_g, workload)) = setup("emu run grid through the CLI") else {
        return;
    };
    let d = tempdir("grid");
    // Bursty load: 2 ↔ 4 of 8 cores, a change about every second.
    let load = r#"{ kind = "markov", levels = [0.25, 0.5], mean_hold_s = [1.0, 1.0], next = [[0, 1], [1, 0]], initial = 0 }"#;
    let sweeps = r#"[[sweep]]
workload = { app = ["taxi"], items = [4000] }
checkpoint = { method = ["long_running"] }

[[sweep]]
workload = { app = ["taxi"], items = [4000] }
checkpoint = { method = ["microlambda", "criu"], r_limit_s = [2.0] }

[[sweep]]
workload = { app = ["stress"], items = [1] }
checkpoint = { method = ["long_running"] }
"#;
    let spec_path = d.join("grid.toml");
    std::fs::write(&spec_path, spec("grid-emu-test", load, sweeps)).expect("spec");
    let emu = d.join("emu");
    let sim = d.join("sim");
    let t = Instant::now();
    let out = mlsim(&workload)
        .args(["emu", "run"])
        .arg(&spec_path)
        .arg("--out")
        .arg(&emu)
        .output()
        .expect("mlsim emu run");
    let wall = t.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!("{err}\nemu grid: {wall:.1} s wall");
    assert!(out.status.success(), "emu run failed: {err}");
    assert!(err.contains("real cores per spec core"), "{err}");
    let out = mlsim(&workload)
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

    // Every run ok.
    let runs = rows(&emu.join("runs.csv"));
    assert_eq!(runs.len(), 4, "one row per run");
    for r in &runs {
        assert_eq!(r["status"], "ok", "{r:?}");
    }
    // The simulator's schema: the same files with the same headers, mode emu.
    let mut files = 0;
    for e in std::fs::read_dir(&sim).expect("sim folder").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".csv") {
            continue;
        }
        files += 1;
        let emu_file = emu.join(&name);
        assert!(emu_file.is_file(), "emu run wrote no {name}");
        assert_eq!(header(&emu_file), header(&e.path()), "{name} header");
        if header(&emu_file).split(',').any(|c| c == "mode") {
            for r in rows(&emu_file) {
                assert_eq!(r["mode"], "emu", "{name}: {r:?}");
            }
        }
    }
    assert!(files >= 5, "the simulator wrote only {files} CSV files");
    let requests = rows(&emu.join("requests.csv"));
    assert_eq!(requests.len(), 4);
    for q in &requests {
        let x: f64 = q["exec_time_s"].parse().expect("exec time");
        assert!(x > 0.0 && q["status"] == "ok", "{q:?}");
    }
    // C-RAN: the worker BBUs' burners ran for what the load process promised.
    let bbus = rows(&emu.join("bbus.csv"));
    assert_eq!(bbus.len(), 4 * 3);
    for b in bbus.iter().filter(|b| b["bbu"] != "0") {
        let cran: f64 = b["cran_core_s"].parse().expect("cran_core_s");
        let wait: f64 = b["cran_wait_core_s"].parse().expect("cran_wait_core_s");
        let horizon: f64 = b["horizon_s"].parse().expect("horizon_s");
        // Between 2 and 4 spec cores all the time.
        assert!(
            cran >= 1.8 * horizon && cran <= 4.2 * horizon,
            "bbu {}: C-RAN {cran} core-s over {horizon} s",
            b["bbu"]
        );
        assert!(
            wait <= 0.1 * (cran + wait),
            "bbu {}: the burner fell {wait} core-s short of {cran}",
            b["bbu"]
        );
    }
    // The load changed during the runs, and the changes were applied on time.
    let mut changes = 0;
    for e in std::fs::read_dir(emu.join("emu"))
        .expect("emu work folders")
        .flatten()
    {
        let log = std::fs::read_to_string(e.path().join("cran.jsonl")).unwrap_or_default();
        for l in log.lines() {
            let v: serde_json::Value = serde_json::from_str(l).expect("cran.jsonl line");
            let (t, at) = (
                v["t_s"].as_f64().expect("t"),
                v["applied_s"].as_f64().expect("at"),
            );
            assert!(
                at >= t && at - t < 0.1,
                "change due at {t} s applied at {at} s"
            );
            changes += 1;
        }
    }
    assert!(changes > 0, "no load change was applied");
    // Figures from the emulation records.
    let out = mlsim(&workload)
        .arg("plot")
        .arg(&emu)
        .output()
        .expect("mlsim plot");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drawn: Vec<String> = std::fs::read_dir(&emu)
        .expect("emu folder")
        .flatten()
        .chain(
            std::fs::read_dir(emu.join("figures"))
                .into_iter()
                .flatten()
                .flatten(),
        )
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for fig in ["fig6", "fig7"] {
        assert!(
            drawn
                .iter()
                .any(|n| n.starts_with(fig) && n.ends_with(".svg")),
            "{fig} not drawn: {drawn:?}"
        );
    }
}

/// Starts `mlsim emu run` of a spec of `sweeps` in `d`; returns the child and the result folder.
fn start(workload: &Path, d: &Path, sweeps: &str) -> (Child, PathBuf) {
    let spec_path = d.join("victim.toml");
    let load = r#"{ kind = "constant", fraction = 0.25 }"#;
    std::fs::write(&spec_path, spec("victim-emu-test", load, sweeps)).expect("spec");
    let out = d.join("out");
    let child = mlsim(workload)
        .args(["emu", "run"])
        .arg(&spec_path)
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("mlsim emu run starts");
    (child, out)
}

/// Waits until run `run`'s worker has started a workload (an invocation folder exists).
fn wait_for_invocation(child: &mut Child, out: &Path, run: u32) {
    let work = out.join("emu").join(format!("run-{run:06}"));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let invoked = ["worker-bbu1", "worker-bbu2"].iter().any(|w| {
            std::fs::read_dir(work.join(w))
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("inv-"))
        });
        if invoked {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "run {run} never invoked a worker"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "mlsim emu run exited early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every ledger of a result folder's run `run` (the driver's and its workers').
fn ledgers(out: &Path, run: u32) -> Vec<PathBuf> {
    let work = out.join("emu").join(format!("run-{run:06}"));
    let mut v = vec![work.join(LEDGER_FILE)];
    for w in ["worker-bbu1", "worker-bbu2"] {
        let l = work.join(w).join(LEDGER_FILE);
        if l.exists() {
            v.push(l);
        }
    }
    v
}

/// What of the resources in `ledgers` still exists.
fn left_over(ledgers: &[PathBuf], marker: &str) -> Vec<String> {
    let mut left = Vec::new();
    for l in ledgers {
        for r in read_ledger(l).unwrap_or_default() {
            match &r {
                Resource::Netns { name } => {
                    if Path::new("/var/run/netns").join(name).exists() {
                        left.push(format!("netns {name}"));
                    }
                }
                Resource::Link { name, netns: None } => {
                    if mlsim_emu::sys::ip(None, &["link", "show", name]).is_ok() {
                        left.push(format!("link {name}"));
                    }
                }
                Resource::Link { .. } => {} // inside a namespace: gone with it
                Resource::Cgroup { path } => {
                    if path.exists() {
                        left.push(format!("cgroup {}", path.display()));
                    }
                }
                Resource::Process { pid, start_time } => {
                    let alive = mlsim_emu::sys::proc_start_time(*pid) == Some(*start_time)
                        && mlsim_emu::sys::proc_state(*pid).is_some_and(|s| s != 'Z');
                    if alive {
                        left.push(format!("process {pid}"));
                    }
                }
                Resource::Container { name } => {
                    let docker = std::env::var("MLSIM_DOCKER").unwrap_or_else(|_| "docker".into());
                    let ps = Command::new(docker)
                        .args(["ps", "-aq", "--filter", &format!("name={name}")])
                        .output();
                    if ps.is_ok_and(|o| !o.stdout.is_empty()) {
                        left.push(format!("container {name}"));
                    }
                }
                Resource::Image { .. } | Resource::Dir { .. } => {}
            }
        }
    }
    // Any live process that names the run's folder (agents' configs, workloads' files).
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(marker)
            && mlsim_emu::sys::proc_state(pid).is_some_and(|s| s != 'Z')
        {
            left.push(format!(
                "process {pid}: {}",
                String::from_utf8_lossy(&cmdline)
            ));
        }
    }
    left
}

const LONG_TAXI: &str = r#"[[sweep]]
workload = { app = ["taxi"], items = [4000, 12000] }
checkpoint = { method = ["criu"], r_limit_s = [2.0] }
"#;

#[test]
fn sigkill_of_emu_run_then_emu_clean_leaves_nothing_of_the_run() {
    let Some((_g, workload)) = setup("SIGKILL of mlsim emu run, then mlsim emu clean") else {
        return;
    };
    let d = tempdir("kill");
    let (mut child, out) = start(&workload, &d, LONG_TAXI);
    wait_for_invocation(&mut child, &out, 0);
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let ls = ledgers(&out, 0);
    let marker = out.to_string_lossy().into_owned();
    let before = left_over(&ls, &marker);
    eprintln!("after SIGKILL: {} objects of the run remain", before.len());
    for kind in ["netns", "cgroup", "process"] {
        assert!(
            before.iter().any(|l| l.starts_with(kind)),
            "the kill left no {kind}: {before:?}"
        );
    }
    let st = Command::new(env!("CARGO_BIN_EXE_mlsim"))
        .args(["emu", "clean"])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .expect("mlsim emu clean");
    assert!(st.success(), "mlsim emu clean: {st}");
    let after = left_over(&ls, &marker);
    assert!(after.is_empty(), "left behind after clean: {after:?}");
}

#[test]
fn ctrl_c_stops_emu_run_cleanly_and_keeps_the_finished_runs() {
    let Some((_g, workload)) = setup("SIGINT of mlsim emu run") else {
        return;
    };
    let d = tempdir("sigint");
    let (mut child, out) = start(&workload, &d, LONG_TAXI);
    // Interrupt run 1 (12000 requests) once its worker is busy; run 0 is finished by then.
    wait_for_invocation(&mut child, &out, 1);
    std::thread::sleep(Duration::from_millis(500));
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(st.success(), "kill -INT: {st}");
    let t = Instant::now();
    let st = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if t.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("mlsim emu run did not stop within 60 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!(
        "stopped {:.2} s after SIGINT with {st}",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(st.code(), Some(130), "an interrupted sweep exits with 130");
    // Torn down without `emu clean`.
    let marker = out.to_string_lossy().into_owned();
    let left = left_over(&[ledgers(&out, 0), ledgers(&out, 1)].concat(), &marker);
    assert!(left.is_empty(), "left behind after Ctrl-C: {left:?}");
    // The finished run's records are written; the interrupted one is not.
    let runs = rows(&out.join("runs.csv"));
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0]["run"].as_str(), runs[0]["status"].as_str()),
        ("0", "ok")
    );
    let requests = rows(&out.join("requests.csv"));
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["mode"], "emu");
    let manifest = std::fs::read_to_string(out.join("manifest.toml"))
        .or_else(|_| std::fs::read_to_string(out.join("manifest.json")))
        .unwrap_or_default();
    assert!(
        manifest.contains("\"status\": \"interrupted\""),
        "manifest: {manifest}"
    );
    assert!(
        manifest.contains("\"stopped_because\": \"interrupted by SIGINT\""),
        "manifest: {manifest}"
    );
}

#[test]
fn a_cpu_scale_that_does_not_fit_the_machine_is_refused_before_anything_starts() {
    let Some((_g, workload)) = setup("mlsim emu run --cpu-scale refusal") else {
        return;
    };
    let d = tempdir("scale");
    let spec_path = d.join("s.toml");
    let load = r#"{ kind = "constant", fraction = 0.25 }"#;
    std::fs::write(&spec_path, spec("scale-emu-test", load, LONG_TAXI)).expect("spec");
    // Two worker BBUs of 8 cores at 1000 real cores per spec core: 16000 cores.
    let out = mlsim(&workload)
        .args(["emu", "run"])
        .arg(&spec_path)
        .arg("--out")
        .arg(d.join("out"))
        .args(["--cpu-scale", "1000"])
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("use a cpu scale of at most"), "{err}");
    assert!(
        !d.join("out").exists(),
        "a refused run created its result folder"
    );
}

/// `experiments/fig6-emu.toml` itself (one replication instead of three: about 3 minutes),
/// through `mlsim emu run` with the real taxi, stress and face programs: every run finishes,
/// the records have the simulator's headers, μλ and CRIU checkpoints happened in time, and
/// `mlsim compare` of the simulator's run of the same spec against it works.
#[test]
fn the_fig6_emu_mini_grid_runs_end_to_end() {
    let Some(_g) = require_root_env_exclusive("the fig6-emu mini grid through the CLI") else {
        return;
    };
    let bins = mlsim_emu::ckpt::workload::build_release(true)
        .expect("cargo build --release -p mlsim-workloads and -p mlsim-face --features dlib");
    let face = bins.face.clone().expect("mlsim-face built with dlib");
    let d = tempdir("fig6emu");
    let text = std::fs::read_to_string(crate::repo().join("experiments/fig6-emu.toml"))
        .expect("experiments/fig6-emu.toml");
    let mut doc: toml_edit::DocumentMut = text.parse().expect("fig6-emu.toml parses");
    doc["experiment"]["replications"] = toml_edit::value(1);
    let spec_path = d.join("fig6-emu.toml");
    std::fs::write(&spec_path, doc.to_string()).expect("spec");
    let (emu, sim, cmp) = (d.join("emu"), d.join("sim"), d.join("cmp"));
    let t = Instant::now();
    let out = mlsim(&bins.workload)
        .env("MLSIM_FACE_BIN", &face)
        .args(["emu", "run", "-q"])
        .arg(&spec_path)
        .arg("--out")
        .arg(&emu)
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "{err}\nfig6-emu (1 replication): {:.1} s wall",
        t.elapsed().as_secs_f64()
    );
    assert!(out.status.success(), "emu run failed: {err}");
    let runs = rows(&emu.join("runs.csv"));
    assert_eq!(runs.len(), 35, "35 points × 1 replication");
    assert!(runs.iter().all(|r| r["status"] == "ok"), "{runs:?}");
    // Both methods checkpointed in time somewhere (stress μλ cannot: its set-up outlasts
    // r_limit 2 s on one core, and at 5 s it finishes without a checkpoint).
    let ck = rows(&emu.join("checkpoints.csv"));
    for (app, methods) in [
        ("taxi", &["microlambda", "criu"][..]),
        ("face", &["microlambda", "criu"][..]),
        ("stress", &["criu"][..]),
    ] {
        for &method in methods {
            assert!(
                ck.iter().any(|c| c["app"] == app
                    && c["method"] == method
                    && c["deadline_met"] == "true"),
                "no {method} checkpoint of {app} in time"
            );
        }
    }
    simulate_with_same_headers(
        &bins.workload,
        &spec_path,
        &sim,
        &emu,
        &[
            "runs.csv",
            "requests.csv",
            "invocations.csv",
            "checkpoints.csv",
            "steps.csv",
        ],
    );
    assert_eq!(compare_rows(&bins.workload, &sim, &emu, &cmp).len(), 35);
}

/// Two workers of 8 spec cores on this machine are mapped at S = 2/16 = 0.125 real cores per
/// spec core. A worker of speed 0.125 replays the spec exactly and passes the check; a worker
/// of speed 0.7 fits neither S nor 1 and is refused before anything starts, naming both values
/// that fit; a worker of speed 0.0625 (less than fits) is run at S = its speed.
#[test]
fn a_worker_speed_other_than_one_or_the_cpu_scale_is_refused() {
    let Some((_g, workload)) = setup("the emulation's speed check") else {
        return;
    };
    let d = tempdir("speed");
    let path = d.0.join("speed.toml");
    let cores = mlsim_emu::run::cran::machine_cores();
    let scale = cores / 16.0;
    let base = spec(
        "speed-check",
        "{ kind = \"constant\", fraction = 0.0 }",
        LONG_TAXI,
    );
    std::fs::write(&path, base.replace("speed = 1.0", "speed = 0.7")).expect("spec");
    let out = mlsim(&workload)
        .args(["emu", "run"])
        .arg(&path)
        .arg("--out")
        .arg(d.0.join("out"))
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("has speed = 0.7") && err.contains(&format!("`speed = {scale}`")),
        "{err}"
    );
    // `mlsim validate` of the exact spec (speed = S) says nothing against it, and the
    // emulation's check lets it through to the run (which `--timeout-s` then stops at once).
    std::fs::write(
        &path,
        base.replace("speed = 1.0", &format!("speed = {scale}")),
    )
    .expect("w");
    let out = mlsim(&workload)
        .args(["emu", "run", "--timeout-s", "0.001"])
        .arg(&path)
        .arg("--out")
        .arg(d.0.join("out2"))
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("has speed"), "{err}");
    assert!(
        err.contains("running \"speed-check\" in EMULATION"),
        "{err}"
    );
    // A lower speed than the largest scale that fits, without --cpu-scale: the emulation runs
    // the spec's speed (S = speed, leaving the rest of the machine to the control plane).
    let half = scale / 2.0;
    std::fs::write(
        &path,
        base.replace("speed = 1.0", &format!("speed = {half}")),
    )
    .expect("w");
    let out = mlsim(&workload)
        .args(["emu", "run", "--timeout-s", "0.001"])
        .arg(&path)
        .arg("--out")
        .arg(d.0.join("out3"))
        .output()
        .expect("mlsim emu run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("has speed"), "{err}");
    assert!(
        err.contains(&format!("{half:.4} real cores per spec core")),
        "{err}"
    );
}
