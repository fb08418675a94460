//! The suspend study (seed 000) emulated for real: functions are `mlsim-workload hold`
//! processes holding their memory in the BBU's memory cgroup; `docker pause` keeps that
//! memory, a checkpoint (Docker, CRIU) frees it for real, so a function waiting for memory can
//! only run once another one is on disk; every burst checks that the memory survived its
//! suspend and wake (a checksum of every page), so every event served is a correct restore.

use crate::run::{cost, options, scenario};
use mlsim_core::Records;
use mlsim_core::record::Mode;
use mlsim_core::scenario::{FunctionArrival, Method, Suspend, SuspendWhen, TimeDist};
use mlsim_core::{SimDuration, SimTime};
use mlsim_emu::suspend::run_suspend;

const MIB: u64 = 1 << 20;
/// Memory of one function.
const FN_MIB: u64 = 48;

/// Two functions of 48 MiB on a 2-core BBU of `memory_mib`; each gets 2 events, one every 2 s
/// (periodic, the second function 0.5 s later), bursts of 50 ms, suspended after 0.3 s blocked.
fn run(method: Method, memory_mib: u64) -> Records {
    let mut sc = scenario(method, None, 1);
    sc.topology.bbus.truncate(2);
    sc.topology.workers = vec![1];
    let b = &mut sc.topology.bbus[1];
    b.cores = 2;
    b.memory_mib = memory_mib;
    b.load = mlsim_core::scenario::LoadProcess::Constant(0.0);
    let captures_image = matches!(method.name(), "criu" | "docker");
    sc.suspend = Some(Suspend {
        functions: 2,
        memory_bytes: FN_MIB * MIB,
        image_bytes: if captures_image { FN_MIB * MIB } else { 4096 },
        image_compression: 1.0,
        burst: TimeDist::Constant(SimDuration::from_millis_f64(50.0)),
        events_per_s: 0.5,
        arrival: FunctionArrival::Periodic {
            phase: SimDuration::from_millis_f64(500.0),
        },
        events: 2,
        idle: SimDuration::from_millis_f64(300.0),
        when: SuspendWhen::Idle,
    });
    sc.horizon = SimTime::MAX;
    let t = mlsim_emu::testing::TestRun::new("emu-suspend").expect("test folder");
    let recs = run_suspend(&sc, 0, &options(t.dir())).expect("emulated suspend run");
    eprintln!(
        "{}: memory {:?}\nfunctions {:?}",
        method.name(),
        recs.memory,
        recs.functions
    );
    // Every event served: each burst verified its function's memory checksum.
    assert_eq!(recs.events.len(), 4, "{:?}", recs.events);
    for e in &recs.events {
        assert_eq!(e.mode, Mode::Emu);
        assert!(e.response_s.is_some(), "event not served: {e:?}");
        assert!(e.wake_latency_s.is_some_and(|w| w >= 0.0));
    }
    recs
}

fn measured(recs: &Records) -> (f64, f64) {
    let m = &recs.memory[0];
    (
        m.measured_mean_mib.expect("measured mean"),
        m.measured_peak_mib.expect("measured peak"),
    )
}

#[test]
fn a_paused_function_keeps_its_memory_a_criu_checkpoint_frees_it() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated suspend study: pause vs CRIU")
    else {
        return;
    };
    if mlsim_emu::testing::require_tool("suspend: pause", "docker").is_none() {
        return;
    }
    // Room for both: the pause keeps both resident all along (mean ≈ 2 × 48 MiB); CRIU frees
    // them between events: resident ≈ 0.3 s idle + 0.05 s burst + the dump and the restore out
    // of each 2 s (about 44 % of the paused mean on the idle machine).
    let p = run(Method::named("pause", cost(20.0)), 256);
    let c = run(Method::named("criu", cost(200.0)), 256);
    for (name, r) in [("pause", &p), ("criu", &c)] {
        let f = &r.functions;
        assert!(
            f.iter().all(|x| x.suspends >= 2 && x.wakes >= 1),
            "{name}: {f:?}"
        );
        assert!(f.iter().all(|x| x.suspend_s > 0.0 && x.wake_s > 0.0));
    }
    let (pm, pp) = measured(&p);
    let (cm, _) = measured(&c);
    let both = (2 * FN_MIB) as f64;
    assert!(pp >= 0.9 * both, "paused peak {pp} MiB < 90 % of {both}");
    assert!(
        pm >= 0.85 * both,
        "paused functions keep their memory: mean {pm} MiB"
    );
    // CRIU's resident share follows its measured dump and restore times (slower on a loaded
    // machine: 0.48 s a dump on the idle reference machine, 0.61 s under a CI run's load, where
    // a fixed bound of half the paused mean failed at 0.51): per 2-s period, the idle 0.3 s,
    // the 50-ms burst, a dump and a restore, with 10 % for the cgroup's sampling.
    let per = |total: f64, n: u32| total / f64::from(n.max(1));
    let dump = c
        .functions
        .iter()
        .map(|x| per(x.suspend_s, x.suspends))
        .fold(0.0, f64::max);
    let wake = c
        .functions
        .iter()
        .map(|x| per(x.wake_s, x.wakes))
        .fold(0.0, f64::max);
    // (On a slower host under a CI run's load, 2026-12-07, dumps took 1.96 s: the resident
    // share is then 1, and the measured mean, 72 MiB against the pause's 91, only shows that
    // CRIU freed some memory; a bound of 75 % of the paused mean failed at 79 %.)
    let share = ((0.3 + 0.05 + dump + wake) / 2.0).min(1.0);
    assert!(
        cm <= 1.1 * share * both && cm <= 0.9 * pm,
        "CRIU frees the memory: mean {cm} MiB vs paused {pm} MiB (expected at most {:.1} MiB: \
         a resident share of {share:.2} with dumps of {dump:.2} s and restores of {wake:.2} s)",
        1.1 * share * both
    );
    // A pause writes nothing; a CRIU dump writes the process's memory (the images).
    assert!(p.functions.iter().all(|x| x.bytes_written == 0));
    for x in &c.functions {
        let per = x.bytes_written / u64::from(x.suspends);
        assert!(
            per >= FN_MIB * MIB * 9 / 10,
            "CRIU image {per} B < 90 % of the memory"
        );
    }
}

#[test]
fn a_docker_checkpoint_frees_memory_for_a_function_that_waits() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated suspend study: docker") else {
        return;
    };
    if mlsim_emu::testing::require_tool("suspend: docker", "docker").is_none() {
        return;
    }
    // 64 MiB: one function at a time. Function 1 starts only once function 0 is checkpointed
    // (its container stopped, its memory released in the cgroup); they take turns.
    let r = run(Method::named("docker", cost(500.0)), 64);
    let f1 = &r.functions[1];
    assert!(
        f1.deployed_ns.is_some_and(|d| d > 0) && f1.memory_wait_s > 0.2,
        "function 1 waited for memory: {f1:?}"
    );
    let (_, peak) = measured(&r);
    assert!(
        peak < (2 * FN_MIB) as f64 * 0.95,
        "never both resident at once: the cgroup's peak is {peak} MiB"
    );
    assert!(r.memory[0].peak_resident == 1, "{:?}", r.memory);
    for x in r.functions.iter().filter(|x| x.suspends > 0) {
        let per = x.bytes_written / u64::from(x.suspends);
        assert!(per >= FN_MIB * MIB * 9 / 10, "docker image {per} B");
    }
}

#[test]
fn mulambda_suspends_by_saving_program_state_only() {
    let Some(_g) = mlsim_emu::testing::require_root_env("emulated suspend study: μλ") else {
        return;
    };
    let r = run(Method::named("microlambda", cost(5.0)), 256);
    for x in &r.functions {
        assert!(x.suspends >= 2 && x.wakes >= 1, "{x:?}");
        let per = x.bytes_written / u64::from(x.suspends);
        // {"served":k,"seed":S,"memory_bytes":N}: tens of bytes, not the 48 MiB.
        assert!(per > 0 && per < 4096, "μλ state {per} B");
    }
}
