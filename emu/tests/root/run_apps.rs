//! The emulation driver with the other app and the other method: a face request with μλ
//! checkpoints (the real dlib program), and a taxi request with method "docker" (container
//! checkpoints shipped through Redis, restored into a new container on the other worker). Each
//! request migrates, and the client's output equals an uninterrupted run's.

use crate::ckpt_common::binaries;
use crate::run::{cost, options, scenario};
use mlsim_core::SimDuration;
use mlsim_core::record::{Mode, Outcome};
use mlsim_core::scenario::*;
use mlsim_emu::ckpt::workload::item_lines;
use mlsim_emu::ckpt::{App, Binaries, WorkloadRun};
use mlsim_emu::run::run_scenario;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `mlsim-face` built with dlib: `$MLSIM_FACE_BIN`, else `cargo build --release --features dlib`
/// once per process; `None` (with the reason) if it cannot be built here.
fn face_bin() -> Result<PathBuf, String> {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("MLSIM_FACE_BIN") {
        Some(p) => Ok(PathBuf::from(p)),
        None => mlsim_emu::ckpt::workload::build_release(true)
            .map_err(|e| e.to_string())
            .and_then(|b| b.face.ok_or_else(|| "no face binary".to_string())),
    })
    .clone()
}

/// The per-item lines of an uninterrupted run of `run` (its own process, in `dir`).
fn uninterrupted(run: &WorkloadRun, dir: &Path) -> Vec<String> {
    let out = dir.join("reference.out");
    let argv = run.argv(&mlsim_emu::ckpt::workload::RunArgs {
        output: Some(&out),
        state_out: Some(&dir.join("reference.ckpt")),
        ..Default::default()
    });
    let o = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stderr(std::process::Stdio::null())
        .output()
        .expect("run the reference");
    assert!(o.status.success(), "reference run failed: {}", o.status);
    let text = if run.output_on_stdout() {
        String::from_utf8_lossy(&o.stdout).into_owned()
    } else {
        std::fs::read_to_string(&out).expect("reference output")
    };
    let lines = item_lines(run.app, &text);
    assert_eq!(lines.len() as u64, run.items, "reference run is complete");
    lines
}

/// Runs `sc` (one request) in emulation with `bins`; asserts the request is ok, its output equals
/// an uninterrupted run's, it checkpointed in time at least once and continued on the other
/// worker; returns the records.
fn check_migrates(sc: &Scenario, app: App, bins: &Binaries) -> mlsim_core::Records {
    let t = mlsim_emu::testing::TestRun::new("emu-run-apps").expect("test folder");
    let mut opts = options(t.dir());
    opts.face_bin = bins.face.clone();
    let recs = run_scenario(sc, 5, &opts).expect("emulated run");
    let r = &recs.requests[0];
    assert_eq!(
        (r.mode, r.status.as_str()),
        (Mode::Emu, "ok"),
        "{:?}",
        recs.invocations
    );
    let items = sc.workloads[0].items;
    let got: Vec<String> = item_lines(
        app,
        &std::fs::read_to_string(t.dir().join("run/output-0.jsonl")).expect("output"),
    );
    let reference = WorkloadRun::new(app, bins, u64::from(items), sc.seed).expect("binary");
    let want = uninterrupted(&reference, t.dir());
    assert_eq!(got.len(), items as usize, "items in the output");
    assert!(
        got == want,
        "emulated output differs from an uninterrupted run"
    );
    assert!(recs.invocations.len() >= 2, "{:?}", recs.invocations);
    assert!(
        recs.checkpoints.iter().any(|c| c.deadline_met),
        "{:?}",
        recs.checkpoints
    );
    assert!(r.migrations >= 1, "round robin over two workers");
    let last = recs.invocations.last().expect("an invocation");
    assert_eq!((last.outcome, last.items_done), (Outcome::Completed, items));
    recs
}

#[test]
fn mulambda_face_migrates_through_redis_with_identical_output() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated μλ face request") else {
        return;
    };
    let face = match face_bin() {
        Ok(f) => f,
        Err(e) => {
            mlsim_emu::testing::skip(
                "emulated μλ face request",
                &format!("mlsim-face with dlib cannot be built (bash scripts/setup-face.sh): {e}"),
            );
            return;
        }
    };
    let bins = Binaries {
        workload: binaries().workload.clone(),
        face: Some(face),
    };
    // ~0.07–0.1 s per frame after ~0.45 s of model loading (each μλ invocation loads them
    // again; measured 2026-12-06 on the 2-core reference machine: 40 frames in 3.2 s, which
    // then fitted within the old r_limit of 3.5 s and made no continuation). 60 frames need
    // 4.7–6.5 s, so r_limit = 3.0 s needs a continuation with ≥ 1.7 s to spare. Without C-RAN
    // load the worker has its BBU's whole real core: on a busy 2-core machine, where the frames
    // and the set-up take ~3× longer (set-up ~1.4 s), each invocation still gets past its
    // set-up (more invocations).
    let mut sc = scenario(Method::named("microlambda", cost(2.0)), Some(3.0), 60);
    for b in &mut sc.topology.bbus {
        b.load = LoadProcess::Constant(0.0);
    }
    let app = &mut sc.workloads[0].app;
    app.name = "face".into();
    // The tracker budgets one frame after its signal: 0.3 s, not the reference's 0.1 s. A CI
    // run on a slower host of the same kind (2026-12-07, host speed 0.6 against the default
    // model) took 0.22 s a frame and 0.75 s to load the models; with a 0.1-s budget a frame
    // begun before the signal outlasted the deadline in 5 of 10 invocations, three in a row,
    // and the request gave up.
    app.item_time = TimeDist::Constant(SimDuration::from_millis(300));
    let recs = check_migrates(&sc, App::Face, &bins);
    // A checkpoint may miss its deadline on a busy machine (the work is redone; the output is
    // still identical, which `check_migrates` asserts); those that made it are small: the face
    // state is the camera position and the last identities, a few hundred bytes.
    for c in recs.checkpoints.iter().filter(|c| c.deadline_met) {
        assert!(c.size_bytes > 0 && c.size_bytes < 128_000, "{c:?}");
    }
    for i in &recs.invocations {
        eprintln!(
            "face invocation {} on bbu{}: {:?}, {} frames done, {:.2} s",
            i.invocation,
            i.bbu,
            i.outcome,
            i.items_done,
            (i.end_ns - i.start_ns) as f64 * 1e-9
        );
    }
}

#[test]
fn docker_taxi_migrates_between_containers_with_identical_output() {
    let what = "emulated docker taxi request";
    let Some(_g) = mlsim_emu::testing::require_root_env(what) else {
        return;
    };
    if mlsim_emu::testing::require_tool(what, "docker").is_none() {
        return;
    }
    if let Err(e) = mlsim_emu::ckpt::docker::versions() {
        mlsim_emu::testing::skip(what, &e.to_string());
        return;
    }
    // ~0.3 ms per request: 30000 need ~9 s, more than r_limit = 8 s minus the tracker's lead
    // (20 ms + (2500 ms + 5 MiB × 1 ms) × 1.3 ≈ 3.3 s). `docker checkpoint create` of taxi takes
    // 0.25 s on an idle machine, and `docker start` (fresh or from a checkpoint) 0.3 s, but
    // both took 1-4 s while other builds kept this 2-core machine at a load of 8: the generous
    // budget keeps the test about migration, not about dockerd's latency under load.
    let sc = scenario(Method::named("docker", cost(2500.0)), Some(8.0), 30000);
    let recs = check_migrates(&sc, App::Taxi, binaries());
    for c in &recs.checkpoints {
        assert!(c.size_bytes > 100_000, "a whole container image: {c:?}");
    }
    // Restores of a container checkpoint were measured.
    assert!(recs.invocations[1..].iter().any(|i| i.restore_ns > 0));
}
