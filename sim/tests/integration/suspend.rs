//! The suspend study (seed 000): hand-derived oracles on a 2-function device, determinism and
//! common random numbers across methods.

use crate::common::{ms, oracle};
use mlsim_core::Records;
use mlsim_core::record::FunctionState;
use mlsim_core::scenario::{
    CostModel, FunctionArrival, LoadProcess, Method, Scenario, Suspend, SuspendWhen, TimeDist,
};
use mlsim_core::{SimDuration, SimTime};
use mlsim_sim::suspend::simulate_suspend;

const MIB: u64 = 1024 * 1024;

/// A fixed cost: `checkpoint_ms` to suspend, `restore_ms` to wake, no per-MiB part, no noise.
fn fixed(name: &str, checkpoint_ms: u64, restore_ms: u64) -> Method {
    Method::named(
        name,
        CostModel {
            checkpoint_base: ms(checkpoint_ms),
            checkpoint_per_mib_ns: 0.0,
            checkpoint_cv: 0.0,
            restore_base: ms(restore_ms),
            restore_per_mib_ns: 0.0,
            restore_cv: 0.0,
            checkpoint_cpu_share: 0.0,
            restore_cpu_share: 0.0,
            checkpoint_per_mib_cpu_share: 0.0,
            restore_per_mib_cpu_share: 0.0,
        },
    )
}

/// The 2-function device: the oracle topology's worker (1 core, speed 1, no C-RAN load) with
/// 100 MiB; two functions of 60 MiB each (only one fits at a time), each with one event at
/// exactly t = 10 s, a burst of exactly 1 s, suspended after 2 s blocked; images of 60 MiB
/// written uncompressed.
fn device(method: Method) -> Scenario {
    let mut sc = oracle(method, None);
    sc.topology.bbus[1].memory_mib = 100;
    sc.suspend = Some(Suspend {
        functions: 2,
        memory_bytes: 60 * MIB,
        image_bytes: if method.get().frees_memory() {
            60 * MIB
        } else {
            0
        },
        image_compression: 1.0,
        burst: TimeDist::Constant(SimDuration::from_secs(1)),
        events_per_s: 0.1,
        arrival: FunctionArrival::Periodic {
            phase: SimDuration::ZERO,
        },
        events: 1,
        idle: SimDuration::from_secs(2),
        when: SuspendWhen::Idle,
    });
    sc
}

fn run(sc: &Scenario) -> (Records, mlsim_sim::suspend::SuspendSummary) {
    let mut r = Records::default();
    let s = simulate_suspend(sc, 0, &mut r).expect("simulates");
    (r, s)
}

fn s(x: f64) -> u64 {
    (x * 1e9).round() as u64
}

/// Pause (suspend 100 ms, unpause 200 ms). t = 0: f0 deployed (60 of 100 MiB), f1 waits (120 >
/// 100). t = 2: f0 blocked 2 s → paused at 2.1, keeping its 60 MiB, so f1 never gets memory.
/// t = 10: both events arrive; f0 unpauses (10.0 → 10.2), computes 10.2 → 11.2: wake latency
/// 0.2 s, response 1.2 s; f1's event is never served. 11.2 + 2 = 13.2: f0 pauses again, done
/// at 13.3, the run's last event. Memory of BBU 1 [MiB·s]: blocked 60 × (2 + 2) = 240,
/// paused (suspending included) 60 × (8 + 0.1) = 486, running (waking included) 60 × 1.2 = 72.
#[test]
fn a_pause_keeps_the_memory_and_the_second_function_never_runs() {
    let (r, sum) = run(&device(fixed("pause", 100, 200)));
    assert_eq!(sum.end, SimTime(s(13.3)));
    assert_eq!(sum.served, 1);
    let e0 = &r.events[0];
    assert_eq!((e0.function, e0.woke_from), (0, FunctionState::Paused));
    assert_eq!(
        (e0.arrival_ns, e0.start_ns, e0.done_ns),
        (s(10.0), s(10.2), s(11.2))
    );
    assert_eq!(e0.wake_latency_s, Some(0.2));
    let e1 = &r.events[1];
    assert_eq!((e1.function, e1.woke_from), (1, FunctionState::Undeployed));
    assert_eq!((e1.start_ns, e1.wake_latency_s, e1.bbu), (0, None, None));
    let f0 = &r.functions[0];
    assert_eq!(
        (f0.deployed_ns, f0.suspends, f0.wakes, f0.bytes_written),
        (Some(0), 2, 1, 0)
    );
    let f1 = &r.functions[1];
    assert_eq!((f1.deployed_ns, f1.served), (None, 0));
    assert!(
        (f1.memory_wait_s - 13.3).abs() < 1e-9,
        "{}",
        f1.memory_wait_s
    );
    let m = &r.memory[0];
    assert_eq!(
        (m.bbu, m.deployed, m.peak_resident, m.suspends),
        (1, 1, 1, 2)
    );
    assert!(
        (m.blocked_mib_s - 240.0).abs() < 1e-6,
        "{}",
        m.blocked_mib_s
    );
    assert!((m.paused_mib_s - 486.0).abs() < 1e-6, "{}", m.paused_mib_s);
    assert!((m.running_mib_s - 72.0).abs() < 1e-6, "{}", m.running_mib_s);
    assert_eq!((m.disk_mib_s, m.bytes_written), (0.0, 0));
    assert_eq!(m.peak_resident_mib, 60.0);
}

/// CRIU (dump 500 ms, restore 300 ms). t = 2: f0 dumps, 2.5: its 60 MiB are freed and f1 is
/// deployed (memory wait 2.5 s); 4.5: f1 dumps, 5.0 freed. t = 10: f0's event (scheduled first)
/// restores it at once (10.0 → 10.3) and it computes 10.3 → 11.3 (wake 0.3 s); f1's event
/// finds 60 of 100 MiB held and waits. 13.3: f0 dumps, 13.8 freed: f1 restored 13.8 → 14.1,
/// computes 14.1 → 15.1: wake 4.1 s, response 5.1 s, memory wait 2.5 + 3.8 = 6.3 s. 17.1: f1
/// dumps, 17.6 the end. 4 dumps of 60 MiB written; both events served.
#[test]
fn a_checkpoint_frees_the_memory_so_both_functions_run() {
    let (r, sum) = run(&device(fixed("criu", 500, 300)));
    assert_eq!(sum.end, SimTime(s(17.6)));
    assert_eq!(sum.served, 2);
    let (e0, e1) = (&r.events[0], &r.events[1]);
    assert_eq!(
        (e0.woke_from, e0.start_ns, e0.done_ns),
        (FunctionState::Suspended, s(10.3), s(11.3))
    );
    assert_eq!(e0.wake_latency_s, Some(0.3));
    assert_eq!(
        (e1.woke_from, e1.start_ns, e1.done_ns),
        (FunctionState::Suspended, s(14.1), s(15.1))
    );
    assert_eq!(e1.wake_latency_s, Some(4.1));
    assert_eq!(e1.response_s, Some(5.1));
    let (f0, f1) = (&r.functions[0], &r.functions[1]);
    assert_eq!((f0.deployed_ns, f1.deployed_ns), (Some(0), Some(s(2.5))));
    assert_eq!((f0.suspends, f1.suspends, f0.wakes, f1.wakes), (2, 2, 1, 1));
    assert_eq!(f0.bytes_written + f1.bytes_written, 4 * 60 * MIB);
    assert!(
        (f1.memory_wait_s - 6.3).abs() < 1e-9,
        "{}",
        f1.memory_wait_s
    );
    assert!((f0.suspend_s - 1.0).abs() < 1e-9 && (f1.wake_s - 0.3).abs() < 1e-9);
    let m = &r.memory[0];
    assert_eq!(
        (m.deployed, m.peak_resident, m.suspends, m.bytes_written),
        (2, 1, 4, 4 * 60 * MIB)
    );
    // On disk [MiB·s]: f0 2.5 → 10.0 (7.5 s) and 13.8 → 17.6 (3.8 s); f1 5.0 → 13.8
    // (8.8 s, restored at 13.8) and 17.6 → 17.6: 60 × 20.1 = 1206.
    assert!((m.disk_mib_s - 1206.0).abs() < 1e-6, "{}", m.disk_mib_s);
}

/// Without suspension the second function is never deployed either, and nothing is written;
/// with enough memory for both, every method serves both events.
#[test]
fn no_suspension_and_enough_memory() {
    let (r, _) = run(&device(Method::long_running()));
    assert_eq!(r.functions[1].deployed_ns, None);
    assert_eq!(r.memory[0].suspends, 0);
    assert_eq!(r.events[0].wake_latency_s, Some(0.0));
    for m in [
        Method::long_running(),
        fixed("pause", 100, 200),
        fixed("criu", 500, 300),
    ] {
        let mut sc = device(m);
        sc.topology.bbus[1].memory_mib = 120;
        let (r, sum) = run(&sc);
        assert_eq!(sum.served, 2, "{}", m.name());
        assert_eq!(r.memory[0].peak_resident, 2, "{}", m.name());
    }
}

/// Two workers of 100 MiB: the functions deploy first fit, one per worker, at once.
#[test]
fn functions_spread_over_workers_first_fit() {
    let mut sc = device(fixed("criu", 500, 300));
    sc.topology.bbus.push(sc.topology.bbus[1].clone());
    sc.topology.workers = vec![1, 2];
    let (r, _) = run(&sc);
    assert_eq!(r.functions[0].bbu, Some(1));
    assert_eq!(r.functions[1].bbu, Some(2));
    assert_eq!(r.functions[1].deployed_ns, Some(0));
    assert_eq!(r.memory.len(), 2);
}

/// C-RAN load takes the only core between t = 10 and 12: f0's burst waits for it, so with a
/// pause its wake latency is 2 s (10 → 12) instead of 0.2 s: the unpause ends at 10.2 but the
/// core comes back at 12.
#[test]
fn cran_load_delays_bursts() {
    let mut sc = device(fixed("pause", 100, 200));
    sc.topology.bbus[1].load = LoadProcess::Trace(vec![
        (SimTime::ZERO, 0.0),
        (SimTime(s(10.0)), 1.0),
        (SimTime(s(12.0)), 0.0),
    ]);
    let (r, _) = run(&sc);
    assert_eq!(r.events[0].start_ns, s(12.0));
    assert_eq!(r.events[0].wake_latency_s, Some(2.0));
}

/// A Poisson study with noisy costs: the same seed gives identical records, and every method
/// sees the same event arrivals and bursts (common random numbers): only what the method does
/// differs.
#[test]
fn deterministic_with_common_random_numbers_across_methods() {
    let noisy = |name: &str| {
        let mut m = fixed(name, 400, 300);
        if let Some(c) = m.cost.as_mut() {
            c.checkpoint_cv = 0.3;
            c.restore_cv = 0.3;
        }
        m
    };
    let study = |m: Method| {
        let mut sc = device(m);
        sc.seed = 7;
        if let Some(su) = sc.suspend.as_mut() {
            su.functions = 6;
            su.events = 30;
            su.arrival = FunctionArrival::Poisson;
            su.burst = TimeDist::LogNormal {
                mean: ms(300),
                cv: 0.5,
            };
        }
        sc.topology.bbus[1].memory_mib = 200;
        sc
    };
    let (a, _) = run(&study(noisy("criu")));
    let (b, _) = run(&study(noisy("criu")));
    assert_eq!(a, b);
    let (p, _) = run(&study(noisy("pause")));
    let arrivals = |r: &Records| {
        let mut v: Vec<(u32, u32, u64)> = r
            .events
            .iter()
            .map(|e| (e.function, e.event, e.arrival_ns))
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(arrivals(&a), arrivals(&p));
    assert_eq!(a.events.len(), 6 * 30);
    assert_ne!(a.functions, p.functions);
    // Burst lengths, where both served an event: the same draw.
    let bursts = |r: &Records| -> std::collections::BTreeMap<(u32, u32), u64> {
        r.events
            .iter()
            .filter(|e| e.done_ns > 0)
            .map(|e| ((e.function, e.event), e.done_ns - e.start_ns))
            .collect()
    };
    let (ba, bp) = (bursts(&a), bursts(&p));
    let common: Vec<_> = ba.keys().filter(|k| bp.contains_key(k)).collect();
    assert!(!common.is_empty());
    for k in common {
        assert_eq!(ba[k], bp[k], "{k:?}");
    }
}

/// Events from a trace at the periodic device's times (both functions at 10 s) give exactly
/// the periodic run's records; a function missing from the trace gets no event.
#[test]
fn a_trace_of_the_same_times_gives_the_same_run() {
    let periodic = device(fixed("criu", 500, 300));
    let mut traced = periodic.clone();
    if let Some(su) = traced.suspend.as_mut() {
        su.arrival = FunctionArrival::Trace(vec![vec![SimTime(s(10.0))], vec![SimTime(s(10.0))]]);
        su.events = 0;
    }
    assert_eq!(run(&periodic).0, run(&traced).0);
    if let Some(su) = traced.suspend.as_mut() {
        su.arrival = FunctionArrival::Trace(vec![vec![SimTime(s(10.0)), SimTime(s(30.0))]]);
    }
    let (r, _) = run(&traced);
    assert_eq!(r.functions[0].events, 2);
    assert_eq!(r.functions[1].events, 0);
    assert_eq!(r.events.len(), 2);
}

/// CRIU under pressure (dump 500 ms, restore 300 ms): no idle timer; a blocked function is
/// dumped only when another waits for its memory. t = 0: f0 deployed, f1 waits, so f0 (blocked
/// since 0) is dumped at once: 0.5 freed, f1 deployed (wait 0.5 s). t = 10: f0's event finds it
/// on disk: it waits for memory, so f1 (blocked since 0.5) is dumped 10.0 → 10.5; f1's event
/// (same instant) finds it suspending. 10.5: f0 admitted, restored 10.5 → 10.8, computes
/// 10.8 → 11.8 (wake 0.8 s); f1, suspended with an event, queues for memory, but f0 is not
/// blocked. 11.8: f0 blocks and is dumped at once for f1 (11.8 → 12.3); f1 restored 12.3 →
/// 12.6, computes 12.6 → 13.6: wake 2.6 s (4.1 s with the 2-s idle timer). Nothing is left
/// then: f1 stays resident (no timer), the run ends at 13.6 with 3 dumps.
#[test]
fn under_pressure_a_checkpoint_comes_only_when_memory_is_wanted() {
    let mut sc = device(fixed("criu", 500, 300));
    if let Some(su) = sc.suspend.as_mut() {
        su.when = SuspendWhen::Pressure;
    }
    let (r, sum) = run(&sc);
    assert_eq!(sum.end, SimTime(s(13.6)));
    assert_eq!(sum.served, 2);
    let (e0, e1) = (&r.events[0], &r.events[1]);
    assert_eq!((e0.start_ns, e0.done_ns), (s(10.8), s(11.8)));
    assert_eq!(e0.wake_latency_s, Some(0.8));
    assert_eq!(e1.woke_from, FunctionState::Suspending);
    assert_eq!((e1.start_ns, e1.done_ns), (s(12.6), s(13.6)));
    assert_eq!(e1.wake_latency_s, Some(2.6));
    assert_eq!(r.functions[1].deployed_ns, Some(s(0.5)));
    assert_eq!(r.functions[0].suspends + r.functions[1].suspends, 3);
    assert_eq!(r.memory[0].suspends, 3);
    // With room for both, nothing is ever suspended: f0 starts at once, f1 only waits for the
    // one core (1 s).
    sc.topology.bbus[1].memory_mib = 120;
    let (r, _) = run(&sc);
    assert_eq!(r.memory[0].suspends, 0);
    let wakes: Vec<Option<f64>> = r.events.iter().map(|e| e.wake_latency_s).collect();
    assert_eq!(wakes, [Some(0.0), Some(1.0)]);
}

/// The shared machine as the emulation drives it (`instant_deploys = false`: a deploy takes
/// time), with a hand driver giving every effect a fixed duration: deploy 0.2 s, dump 0.5 s,
/// restore 0.3 s, the 1-s burst. On the 2-function device (one fits), with CRIU:
/// - t = 0: f0 admitted, deploying; f1 waits. 0.2: f0 up, blocked (timer 2.2).
/// - 2.2: f0 dumps; 2.7: its memory is free, f1 admitted (deployed_ns = 2.7 s), up at 2.9,
///   blocked (timer 4.9); 4.9: f1 dumps until 5.4.
/// - 10: both events arrive (f0 first). f0 is restored at once (10 → 10.3), computes until
///   11.3; f1 waits for memory. 13.3: f0 dumps again; 13.8: f1 restored (→ 14.1), computes
///   until 15.1.
/// - So f0's wake latency is 0.3 s, response 1.3 s; f1's 4.1 s and 5.1 s; f1 waited for memory
///   2.7 s (to deploy) + 3.8 s (to be restored) = 6.5 s; f0 none.
#[test]
fn oracle_the_machine_with_deploys_that_take_time() {
    use mlsim_core::record::Mode;
    use mlsim_core::suspend::{Effect, Input, Machine};
    let sc = device(fixed("criu", 500, 300));
    let mut m = Machine::new(&sc, 0, Mode::Emu, &[0.0, 0.0], false).expect("machine");
    // (time, seq, input), the earliest first; timers carry their function's generation.
    let mut q: Vec<(SimTime, u64, Input)> = Vec::new();
    let mut seq = 0;
    let mut timer: Vec<Option<u64>> = vec![None; 2];
    let mut effects = m.take_effects();
    let mut now = SimTime::ZERO;
    let mut push = |q: &mut Vec<(SimTime, u64, Input)>, at: SimTime, i: Input| {
        seq += 1;
        q.push((at, seq, i));
        seq
    };
    push(&mut q, SimTime::ZERO, Input::Deploy);
    loop {
        for e in effects.drain(..) {
            let after = |s: f64| now + SimDuration::from_secs_f64(s);
            match e {
                Effect::Arrival { f, at } => {
                    push(&mut q, at, Input::Arrival(f));
                }
                Effect::Timer { f, at } => {
                    timer[f as usize] = Some(push(&mut q, at, Input::Idle(f)));
                }
                Effect::CancelTimer { f } => timer[f as usize] = None,
                Effect::Deploy { f, .. } => {
                    push(&mut q, after(0.2), Input::Deployed(f));
                }
                Effect::Burst { f, wall, .. } => {
                    push(&mut q, now + wall, Input::BurstDone(f));
                }
                Effect::Suspend { f, .. } => {
                    m.note_suspend(f, SimDuration::from_millis_f64(500.0));
                    push(&mut q, after(0.5), Input::SuspendDone(f));
                }
                Effect::Wake { f, restore, .. } => {
                    assert!(restore, "CRIU wakes by restoring");
                    m.note_wake(f, SimDuration::from_millis_f64(300.0));
                    push(&mut q, after(0.3), Input::WakeDone(f));
                }
            }
        }
        q.sort_by_key(|x| std::cmp::Reverse((x.0, x.1)));
        let Some((at, s, input)) = q.pop() else {
            break;
        };
        now = at;
        if let Input::Idle(f) = input {
            if timer[f as usize] != Some(s) {
                continue;
            }
            timer[f as usize] = None;
        }
        m.handle(now, input);
        effects = m.take_effects();
    }
    let mut r = Records::default();
    m.finish(now, &mut r);
    let ev = |f: u32| r.events.iter().find(|e| e.function == f).expect("event");
    let close = |a: Option<f64>, b: f64| (a.expect("value") - b).abs() < 1e-9;
    assert!(close(ev(0).wake_latency_s, 0.3) && close(ev(0).response_s, 1.3));
    assert!(close(ev(1).wake_latency_s, 4.1) && close(ev(1).response_s, 5.1));
    assert_eq!(ev(1).woke_from, FunctionState::Suspended);
    let f1 = &r.functions[1];
    assert_eq!(f1.deployed_ns, Some(2_700_000_000));
    assert!((f1.memory_wait_s - 6.5).abs() < 1e-9, "{f1:?}");
    assert!(r.functions[0].memory_wait_s.abs() < 1e-12);
    // f0 dumps at 2.2 and 13.3, f1 at 4.9 and (blocked again at 15.1) 17.1.
    assert_eq!((r.functions[0].suspends, r.functions[1].suspends), (2, 2));
    assert_eq!(r.memory[0].mode, Mode::Emu);
    assert_eq!(r.memory[0].peak_resident, 1);
}
