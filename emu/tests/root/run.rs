//! The emulation driver end to end: a taxi request through the seven steps over a real topology,
//! redis-server and agents; μλ and CRIU continuations migrate between the two workers and the
//! client's output equals an uninterrupted run's; the records parse back with the core types.

use crate::ckpt_common::binaries;
use mlsim_core::record::{Mode, Outcome};
use mlsim_core::scenario::*;
use mlsim_core::{SimDuration, SimTime};
use mlsim_emu::run::{EmuOptions, run_scenario};
use std::time::Duration;

pub(crate) fn cost(base_ms: f64) -> CostModel {
    CostModel {
        checkpoint_base: SimDuration::from_millis_f64(base_ms),
        checkpoint_per_mib_ns: 1e6,
        checkpoint_cv: 0.1,
        restore_base: SimDuration::from_millis_f64(100.0),
        restore_per_mib_ns: 1e6,
        restore_cv: 0.1,
        checkpoint_cpu_share: 0.0,
        restore_cpu_share: 0.0,
        checkpoint_per_mib_cpu_share: 0.0,
        restore_per_mib_cpu_share: 0.0,
    }
}

pub(crate) fn scenario(method: Method, r_limit_s: Option<f64>, items: u32) -> Scenario {
    let bbu = Bbu {
        cores: 8,
        speed: 1.0,
        memory_mib: 65536,
        load: LoadProcess::Constant(0.25),
        extra_latency: SimDuration::ZERO,
        wired_bandwidth_bps: None,
    };
    let link = |ms: f64, mbps: f64| LinkParams {
        latency: SimDuration::from_millis_f64(ms),
        bandwidth_bps: mbps * 1e6,
    };
    let size = |b: u64| SizeModel {
        base: b,
        per_item: 0,
        max: b,
    };
    Scenario {
        seed: 7,
        topology: Topology {
            bbus: vec![bbu.clone(), bbu.clone(), bbu],
            control_bbu: 0,
            workers: vec![1, 2],
            ues: 1,
            radio: link(10.0, 100.0),
            wired: link(0.5, 1000.0),
            local: link(0.05, 10000.0),
            transport: Transport::Fluid,
        },
        workloads: vec![Workload {
            app: AppModel {
                name: "taxi".into(),
                item_label: "ride requests".into(),
                item_time: TimeDist::Constant(SimDuration::from_millis_f64(0.3)),
                setup: None,
                segments: 1,
                shards: 1,
                join_time: SimDuration::ZERO,
                input_bytes_per_item: 250,
                first_item_extra_bytes: 0,
                output_bytes_per_item: 128,
                state: size(60_000),
                state_compression: 1.0,
                rss: size(5 << 20),
                setup_rss: None,
                image_compression: 0.6,
                size_cv: 0.0,
            },
            items,
            requests: 1,
            arrival: Arrival::Sequential,
        }],
        checkpoint: CheckpointConfig {
            method,
            r_limit: r_limit_s.map(SimDuration::from_secs_f64),
            tracker_margin: SimDuration::from_millis_f64(20.0),
            tracker_sigmas: 3.0,
            max_idle_invocations: 3,
        },
        eviction: Eviction::NONE,
        placement: mlsim_core::policies::PlacementConfig::RoundRobin,
        protocol: Protocol {
            header_bytes: 300,
            request_bytes: 200,
            notify_bytes: 100,
            install_bytes: 2000,
            invoke_bytes: 200,
            cold_start: SimDuration::from_millis_f64(1000.0),
        },
        horizon: SimTime::MAX,
        suspend: None,
        serverless: None,
    }
}

pub(crate) fn options(dir: &std::path::Path) -> EmuOptions {
    EmuOptions {
        agent_cmd: vec![env!("CARGO_BIN_EXE_mlsim-agent").into()],
        workload_bin: binaries().workload.clone(),
        face_bin: None,
        work_dir: dir.join("run"),
        timeout: Duration::from_secs(120),
        cpu_scale: None,
        // The model's times as they are (these tests' deadlines leave room for a slower host).
        host_speed: 1.0,
    }
}

/// Runs a taxi request of `items` in emulation; checks the seven steps happened, the output
/// equals an uninterrupted run's, and the records are consistent; returns the records.
fn check(method: Method, r_limit_s: Option<f64>, items: u32) -> mlsim_core::Records {
    let t = mlsim_emu::testing::TestRun::new("emu-run").expect("test folder");
    let sc = scenario(method, r_limit_s, items);
    let recs = run_scenario(&sc, 3, &options(t.dir())).expect("emulated run");
    // The client's output, as received in step 7, equals an uninterrupted run of the workload.
    let out = std::fs::read_to_string(t.dir().join("run/output-0.jsonl")).expect("output");
    let reference = mlsim_emu::ckpt::WorkloadRun::new(
        mlsim_emu::ckpt::App::Taxi,
        binaries(),
        u64::from(items),
        sc.seed,
    )
    .expect("taxi");
    let want = crate::ckpt_common::reference(&reference, t.dir());
    let got: Vec<String> = out.lines().map(str::to_owned).collect();
    assert_eq!(got.len(), items as usize);
    assert!(
        got == want,
        "emulated output differs from an uninterrupted run"
    );

    assert_eq!(recs.requests.len(), 1);
    let r = &recs.requests[0];
    assert_eq!((r.run, r.mode, r.status.as_str()), (3, Mode::Emu, "ok"));
    assert!(r.exec_time_s > 0.02, "exec time {}", r.exec_time_s); // ≥ 2 × 10 ms radio
    assert_eq!(r.invocations as usize, recs.invocations.len());
    // Every step 1-7 carried bytes, and the request's bytes are their sum.
    assert_eq!(recs.steps.len(), 7);
    for s in &recs.steps {
        assert!(
            s.messages > 0 && s.bytes > 0,
            "step {} empty: {s:?}",
            s.step
        );
    }
    assert_eq!(r.bytes, recs.steps.iter().map(|s| s.bytes).sum::<u64>());
    // The radio link carried at least the input up and the output down (frames ≥ payload).
    let radio_up = recs
        .links
        .iter()
        .find(|l| l.from == "ue0")
        .expect("ue0 link");
    assert!(radio_up.bytes >= recs.steps[0].bytes, "{radio_up:?}");
    let last = recs.invocations.last().expect("an invocation");
    assert_eq!((last.outcome, last.items_done), (Outcome::Completed, items));
    // Records parse back with the core types through CSV (the simulator's schema).
    let mut w = csv::Writer::from_writer(Vec::new());
    for i in &recs.invocations {
        w.serialize(i).expect("csv");
    }
    let bytes = w.into_inner().expect("csv");
    let back: Vec<mlsim_core::record::InvocationRecord> =
        csv::Reader::from_reader(bytes.as_slice())
            .deserialize()
            .collect::<Result<_, _>>()
            .expect("parse back");
    assert_eq!(back, recs.invocations);
    recs
}

#[test]
fn long_running_taxi_runs_once_through_the_seven_steps() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated long-running taxi request")
    else {
        return;
    };
    let recs = check(Method::long_running(), None, 2000);
    assert_eq!(recs.invocations.len(), 1);
    assert!(recs.checkpoints.is_empty());
}

#[test]
fn mulambda_taxi_migrates_through_redis_with_identical_output() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated μλ taxi request") else {
        return;
    };
    // ~0.3 ms per request: 8000 requests take ~2.5 s, so r_limit = 1 s needs continuations.
    let recs = check(Method::named("microlambda", cost(2.0)), Some(1.0), 8000);
    assert!(recs.invocations.len() >= 2, "{:?}", recs.invocations);
    assert!(!recs.checkpoints.is_empty());
    // Real timing on a shared 2-core machine: a checkpoint may miss its deadline now and then
    // (the work is redone and the output must still be identical, which `check` asserts), but
    // continuations must have happened through checkpoints that made it.
    for c in &recs.checkpoints {
        assert!(c.size_bytes > 0 && c.time_ns > 0, "{c:?}");
    }
    assert!(
        recs.checkpoints.iter().any(|c| c.deadline_met),
        "{:?}",
        recs.checkpoints
    );
    assert!(
        recs.requests[0].migrations >= 1,
        "round robin over two workers"
    );
}

#[test]
fn criu_taxi_migrates_between_hosts_with_identical_output() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated CRIU taxi request") else {
        return;
    };
    if mlsim_emu::testing::require_tool("emulated CRIU taxi request", "criu").is_none() {
        return;
    }
    let recs = check(Method::named("criu", cost(150.0)), Some(1.5), 8000);
    assert!(recs.invocations.len() >= 2, "{:?}", recs.invocations);
    // As for μλ: a dump may miss its deadline under load (the work is redone); the output is
    // still identical (`check`), and some dumps made it.
    for c in &recs.checkpoints {
        assert!(c.size_bytes > 100_000, "{c:?}");
    }
    assert!(
        recs.checkpoints.iter().any(|c| c.deadline_met),
        "{:?}",
        recs.checkpoints
    );
    // Restores were measured (an invocation after a missed dump starts afresh, with nothing to
    // restore, so not every one has a restore time).
    assert!(recs.invocations[1..].iter().any(|i| i.restore_ns > 0));
}

/// Two taxi requests at once on one worker of 2 cores: with 64 GiB both invocations run side
/// by side; with 8 MiB of memory (taxi's modelled `rss` is 5 MiB) the second waits for the
/// first's memory although a core is free, and starts only when the first ends (the worker's
/// FIFO admission on cores and memory, as the simulator's core queue).
#[test]
fn a_worker_admits_invocations_on_memory_as_well_as_cores() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated memory admission") else {
        return;
    };
    let starts = |memory_mib: u64| {
        let t = mlsim_emu::testing::TestRun::new("emu-memory").expect("test folder");
        let mut sc = scenario(Method::long_running(), None, 3000);
        sc.topology.bbus.truncate(2);
        sc.topology.workers = vec![1];
        sc.topology.bbus[1].cores = 2;
        sc.topology.bbus[1].load = LoadProcess::Constant(0.0);
        sc.topology.bbus[1].memory_mib = memory_mib;
        sc.workloads[0].requests = 2;
        sc.workloads[0].arrival = Arrival::Poisson { rate_per_s: 1000.0 };
        let recs = run_scenario(&sc, 0, &options(t.dir())).expect("emulated run");
        assert!(recs.requests.iter().all(|r| r.status == "ok"), "{recs:?}");
        let mut inv: Vec<_> = recs
            .invocations
            .iter()
            .map(|i| (i.start_ns, i.end_ns))
            .collect();
        inv.sort_unstable();
        assert_eq!(inv.len(), 2, "{:?}", recs.invocations);
        eprintln!("memory {memory_mib} MiB: invocations (start, end) {inv:?}");
        inv
    };
    let wide = starts(64 << 10);
    assert!(
        wide[1].0 < wide[0].1,
        "with memory for both they overlap: {wide:?}"
    );
    let tight = starts(8);
    assert!(
        tight[1].0 >= tight[0].1,
        "the second starts once the first has freed its memory: {tight:?}"
    );
}
