//! The serverless study (seed 004) emulated for real: a cold start creates and starts a
//! container whose `hold` process builds the function's memory; a warm invocation reuses the
//! running container (its memory checksum unchanged) and starts measurably sooner; a keep-alive
//! of zero removes the container, so the next invocation is cold again.

use crate::run::{options, scenario};
use mlsim_core::Records;
use mlsim_core::record::{InstanceEnd, Mode};
use mlsim_core::scenario::TimeDist;
use mlsim_core::serverless::{Arrival, Function, Policy, Serverless};
use mlsim_core::{SimDuration, SimTime};
use mlsim_emu::serverless::run_serverless;

const MIB: u64 = 1 << 20;

/// One function of 64 MiB computing 50 ms per invocation, invoked at 0, 2 and 4 s, on a 2-core
/// BBU of 1 GiB without C-RAN load, under `policy`.
/// The serverless root tests run one at a time: the scale-to-zero test checks that no
/// container of the study's image is left, which a concurrent test's live containers (seen
/// once in a CI dry run) would break.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Holds [`ONE_AT_A_TIME`] (a test that failed while holding it does not block the others).
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn run(policy: Policy) -> Records {
    let mut sc = scenario(mlsim_core::scenario::Method::long_running(), None, 1);
    sc.topology.bbus.truncate(2);
    sc.topology.workers = vec![1];
    let b = &mut sc.topology.bbus[1];
    b.cores = 2;
    b.memory_mib = 1024;
    b.load = mlsim_core::scenario::LoadProcess::Constant(0.0);
    let s = |x: f64| SimTime::ZERO + SimDuration::from_secs_f64(x);
    sc.serverless = Some(Serverless {
        functions: vec![Function {
            name: "f".into(),
            memory_bytes: 64 * MIB,
            concurrency: 1,
            duration: TimeDist::Constant(SimDuration::from_millis_f64(50.0)),
            image_bytes: 0,
            arrival: Arrival::Times(vec![s(0.0), s(2.0), s(4.0)]),
        }],
        policy,
        cold_start: TimeDist::Constant(SimDuration::from_millis_f64(500.0)),
        cold_start_per_mib_ns: 0.0,
        warm_start: SimDuration::ZERO,
    });
    sc.horizon = SimTime::MAX;
    let t = mlsim_emu::testing::TestRun::new("emu-serverless").expect("test folder");
    let recs = run_serverless(&sc, 0, &options(t.dir())).expect("emulated serverless run");
    eprintln!("calls {:?}\ninstances {:?}", recs.calls, recs.instances);
    assert_eq!(recs.calls.len(), 3, "every invocation served");
    assert!(recs.calls.iter().all(|c| c.mode == Mode::Emu));
    recs
}

#[test]
fn a_second_invocation_within_the_keep_alive_is_warm_and_faster() {
    let _one = one_at_a_time();
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated serverless: keep-alive") else {
        return;
    };
    if mlsim_emu::testing::require_tool("serverless: instances", "docker").is_none() {
        return;
    }
    // Keep-alive 60 s: one container serves all three; only the first waits for it to start.
    let r = run(Policy::Fixed {
        keep_alive: SimDuration::from_secs_f64(60.0),
    });
    let cold: Vec<bool> = r.calls.iter().map(|c| c.cold).collect();
    assert_eq!(cold, [true, false, false]);
    assert_eq!(r.instances.len(), 1, "one container");
    let i = &r.instances[0];
    assert_eq!((i.end, i.invocations), (InstanceEnd::RunEnd, 3));
    let cold_start = i.cold_start_s.expect("the container started");
    // A real container start with 64 MiB filled takes tens of milliseconds at least.
    assert!(cold_start > 0.02, "cold start {cold_start} s");
    let (first, second) = (r.calls[0].wait_s, r.calls[1].wait_s);
    assert!(
        first >= cold_start,
        "the first waited for the start: {first} < {cold_start}"
    );
    assert!(
        second < first / 2.0,
        "the warm invocation starts sooner: {second} s vs {first} s"
    );
    // Its compute is the same 50 ms of CPU either way (within scheduling noise).
    let exec = |k: usize| (r.calls[k].done_ns - r.calls[k].start_ns) as f64 * 1e-9;
    assert!(
        exec(1) >= 0.04 && exec(1) < 0.5,
        "warm compute {} s",
        exec(1)
    );
}

#[test]
fn a_zero_keep_alive_removes_the_container_so_every_invocation_is_cold() {
    let _one = one_at_a_time();
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated serverless: scale to zero")
    else {
        return;
    };
    if mlsim_emu::testing::require_tool("serverless: instances", "docker").is_none() {
        return;
    }
    let r = run(Policy::Fixed {
        keep_alive: SimDuration::ZERO,
    });
    let cold: Vec<bool> = r.calls.iter().map(|c| c.cold).collect();
    assert_eq!(cold, [true, true, true]);
    assert_eq!(r.instances.len(), 3, "a container per invocation");
    assert!(
        r.instances[..2]
            .iter()
            .all(|i| i.end == InstanceEnd::Policy),
        "reclaimed by the keep-alive: {:?}",
        r.instances
    );
    // Each idle pool costs nothing: the containers were removed as soon as they were idle.
    assert!(r.pools[0].idle_mib_s < 1.0, "{:?}", r.pools[0]);
    // No container of the study's image is left (the run removed them all).
    let out = std::process::Command::new("docker")
        .args(["ps", "-a", "--format", "{{.Image}}"])
        .output()
        .expect("docker ps");
    let images = String::from_utf8_lossy(&out.stdout);
    assert!(
        !images.lines().any(|n| n.contains("mlsim-faas")),
        "left: {images}"
    );
}

#[test]
fn instance_starts_are_measured_cold_and_warm() {
    let _one = one_at_a_time();
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated serverless: starts measured")
    else {
        return;
    };
    if mlsim_emu::testing::require_tool("serverless: starts", "docker").is_none() {
        return;
    }
    let t = mlsim_emu::testing::TestRun::new("emu-starts").expect("test folder");
    let plan = mlsim_emu::serverless::starts::StartPlan {
        sizes_mib: vec![8, 384],
        samples: 2,
        warm: 2,
        workload_bin: options(t.dir()).workload_bin,
        work_dir: t.dir().join("starts"),
    };
    let mut seen = 0;
    let s =
        mlsim_emu::serverless::starts::measure(&plan, &mut |_| seen += 1).expect("starts measured");
    eprintln!("{s:?}");
    assert_eq!(s.len(), 2 * 2 * (1 + 2));
    assert_eq!(seen, s.len());
    let mean = |kind: &str, mib: f64| {
        let v: Vec<f64> = s
            .iter()
            .filter(|x| x.kind == kind && x.memory_mib == mib)
            .map(|x| x.seconds)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    // Building 384 MiB (allocated, filled, checksummed) takes longer than 8 MiB; a warm start
    // (an event handed to the live container) is far shorter than any cold start.
    assert!(mean("cold", 384.0) > mean("cold", 8.0), "{s:?}");
    let slowest_warm = s
        .iter()
        .filter(|x| x.kind == "warm")
        .map(|x| x.seconds)
        .fold(0.0, f64::max);
    let fastest_cold = s
        .iter()
        .filter(|x| x.kind == "cold")
        .map(|x| x.seconds)
        .fold(f64::INFINITY, f64::min);
    assert!(slowest_warm < fastest_cold, "{s:?}");
}
