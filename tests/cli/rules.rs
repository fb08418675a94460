//! The rules shared by the simulator and the emulation (`mlsim_core::rules`), through each
//! backend's own call site: the same inputs give the same answers, on BBUs of speed 1, 2 and
//! 0.5. (Each backend's caller adapts its own state to the rule; a drifted adapter shows here.)

use mlsim_core::scenario::*;
use mlsim_core::{SimDuration, SimTime};
use mlsim_emu::agent::manager;
use mlsim_emu::agent::worker::admission::Cores;
use mlsim_sim::model::bbu::BbuState;

fn ms(x: u64) -> SimDuration {
    SimDuration::from_millis(x)
}

fn bbu(cores: u32, speed: f64) -> Bbu {
    Bbu {
        cores,
        speed,
        memory_mib: 1024,
        load: LoadProcess::Constant(0.0),
        extra_latency: SimDuration::ZERO,
        wired_bandwidth_bps: None,
    }
}

/// Items of mean 1 s (cv 0.2) in 2 segments, `shards` shards; μλ state 1 MiB + 1 MiB per item.
fn app(shards: u32) -> AppModel {
    let size = |base, per_item| SizeModel {
        base,
        per_item,
        max: u64::MAX,
    };
    AppModel {
        name: "toy".into(),
        item_label: "items".into(),
        item_time: TimeDist::LogNormal {
            mean: SimDuration::from_secs(1),
            cv: 0.2,
        },
        setup: None,
        segments: 2,
        shards,
        join_time: SimDuration::ZERO,
        input_bytes_per_item: 1000,
        first_item_extra_bytes: 0,
        output_bytes_per_item: 10,
        state: size(1 << 20, 1 << 20),
        state_compression: 0.5,
        rss: size(2 << 20, 0),
        setup_rss: None,
        image_compression: 0.25,
        size_cv: 0.0,
    }
}

/// Workers 1, 2, 3 of speeds 1, 2 and 0.5; margin 10 ms, k = 3; checkpoint time 100 ms +
/// 50 ms/MiB, cv 0.1.
fn scenario(method: Method) -> Scenario {
    let link = |latency, bandwidth_bps| LinkParams {
        latency,
        bandwidth_bps,
    };
    Scenario {
        seed: 1,
        topology: Topology {
            bbus: vec![bbu(1, 1.0), bbu(4, 1.0), bbu(4, 2.0), bbu(4, 0.5)],
            control_bbu: 0,
            workers: vec![1, 2, 3],
            ues: 1,
            radio: link(ms(10), 8e6),
            wired: link(ms(1), 80e6),
            local: link(SimDuration::ZERO, 8e9),
            transport: Transport::Fluid,
        },
        workloads: vec![Workload {
            app: app(1),
            items: 4,
            requests: 1,
            arrival: Arrival::Sequential,
        }],
        checkpoint: CheckpointConfig {
            method,
            r_limit: Some(SimDuration::from_secs(5)),
            tracker_margin: ms(10),
            tracker_sigmas: 3.0,
            max_idle_invocations: 3,
        },
        eviction: Eviction::NONE,
        placement: mlsim_core::policies::PlacementConfig::RoundRobin,
        protocol: Protocol {
            header_bytes: 100,
            request_bytes: 0,
            notify_bytes: 50,
            install_bytes: 1000,
            invoke_bytes: 0,
            cold_start: ms(500),
        },
        horizon: SimTime::MAX,
        suspend: None,
        serverless: None,
    }
}

fn cost() -> CostModel {
    CostModel {
        checkpoint_base: ms(100),
        checkpoint_per_mib_ns: 50e6,
        checkpoint_cv: 0.1,
        restore_base: ms(20),
        restore_per_mib_ns: 0.0,
        restore_cv: 0.0,
        checkpoint_cpu_share: 0.0,
        restore_cpu_share: 0.0,
        checkpoint_per_mib_cpu_share: 0.0,
        restore_per_mib_cpu_share: 0.0,
    }
}

#[test]
fn the_tracker_lead_is_the_same_in_both_backends_at_every_speed() {
    let methods = [
        Method::named("microlambda", cost()),
        Method::named("criu", cost()),
        Method::long_running(),
    ];
    for method in methods {
        let sc = scenario(method);
        for app in [app(1), app(4)] {
            for b in 1..=3 {
                for items_done in 0..4 {
                    let sim = mlsim_sim::model::tracker_lead(&sc, &app, b, items_done);
                    let emu = manager::tracker_lead(&sc, &app, b, items_done, 1.0);
                    assert_eq!(
                        sim.as_nanos(),
                        emu,
                        "{} shards {} bbu {b} items {items_done}",
                        sc.checkpoint.method.name(),
                        app.shards
                    );
                }
            }
        }
    }
    // The emulation used to budget μλ's segment at speed 1 whatever the BBU. On worker 2
    // (speed 2): 10 ms + 150 ms × 1.3 + (500 ms / 2) × 1.6 = 10 + 195 + 400 = 605 ms, not the
    // 1005 ms of speed 1.
    let sc = scenario(Method::named("microlambda", cost()));
    assert_eq!(manager::tracker_lead(&sc, &app(1), 2, 0, 1.0), 605_000_000);
    assert_eq!(
        manager::tracker_lead(&sc, &app(1), 1, 0, 1.0),
        1_005_000_000
    );
    // On a host of half the model's reference speed, worker 2 (speed 2) budgets as a reference
    // BBU of speed 1 (1005 ms) and worker 1 the segment at speed 0.5: 10 + 195 + 1000 × 1.6 =
    // 1805 ms. (The checkpoint's cost has no CPU share here, so its 195 ms stays.)
    assert_eq!(
        manager::tracker_lead(&sc, &app(1), 2, 0, 0.5),
        1_005_000_000
    );
    assert_eq!(
        manager::tracker_lead(&sc, &app(1), 1, 0, 0.5),
        1_805_000_000
    );
}

/// The simulator's BBU and the emulation worker's admission with `running` invocations holding
/// a core, then C-RAN at `cran` cores and `announced` announced.
fn both(cores: u32, running: u32, cran: u32, announced: u32) -> (BbuState, Cores) {
    let mut s = BbuState::new(&bbu(cores, 1.0), 0.0, 1);
    s.running = running;
    s.cran = cran;
    s.announce(SimTime(1), announced);
    let mut c = Cores::new(cores, 0);
    for k in 0..running {
        let t = c.enqueue();
        assert!(
            c.try_start(t, u64::from(k)).is_some(),
            "core {k} of {cores}"
        );
    }
    c.change(cran, false);
    c.announce(announced);
    (s, c)
}

#[test]
fn both_backends_offer_the_same_cores() {
    for cores in [1, 4, 8] {
        for running in 0..=cores {
            for cran in 0..=cores {
                for announced in 0..=cores {
                    let (s, c) = both(cores, running, cran, announced);
                    assert_eq!(
                        s.free_cores(),
                        c.free_cores(),
                        "{cores} cores, {running} running, C-RAN {cran}, announced {announced}"
                    );
                }
            }
        }
    }
    // 8 cores, 1 running, C-RAN 2 now and 5 announced: 8 − 5 − 1 = 2 in both.
    assert_eq!(both(8, 1, 2, 5).1.free_cores(), 2);
}

#[test]
fn both_backends_evict_the_same_invocations() {
    // 4 cores, four running, started at 10, 30, 20, 30 ns (arrival order 0..3: the emulation's
    // tickets, the simulator's invocation indices).
    let starts = [10u64, 30, 20, 30];
    for announced in 0..=4 {
        let (mut s, mut c) = both(4, 0, 0, 0);
        for (k, &start) in starts.iter().enumerate() {
            let t = c.enqueue();
            assert_eq!(t, k as u64);
            assert!(c.try_start(t, start).is_some());
        }
        c.announce(announced);
        s.running = 4;
        s.announce(SimTime(1), announced);
        let staying: Vec<(u64, u64, u64)> = starts
            .iter()
            .enumerate()
            .map(|(k, &start)| (start, k as u64, k as u64))
            .collect();
        assert_eq!(
            s.eviction_victims(&staying),
            c.evict(100),
            "C-RAN announces {announced} of 4 cores"
        );
    }
    // Announcing 2: 4 + 2 − 4 = 2 leave, the two started at 30 ns, the later arrival first.
    let (s, _) = both(4, 4, 0, 2);
    let staying = [(10, 0, 0), (30, 1, 1), (20, 2, 2), (30, 3, 3)];
    assert_eq!(s.eviction_victims(&staying), vec![3, 1]);
}
