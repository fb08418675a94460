//! Hand-built scenarios for tests.

use mlsim_core::SimDuration;
use mlsim_core::scenario::*;

pub fn ms(x: u64) -> SimDuration {
    SimDuration::from_millis(x)
}

pub fn link(latency: SimDuration, bandwidth_bps: f64) -> LinkParams {
    LinkParams {
        latency,
        bandwidth_bps,
    }
}

pub fn micro() -> Method {
    Method::named(
        "microlambda",
        CostModel {
            checkpoint_base: ms(10),
            checkpoint_per_mib_ns: 0.0,
            checkpoint_cv: 0.0,
            restore_base: ms(20),
            restore_per_mib_ns: 0.0,
            restore_cv: 0.0,
            checkpoint_cpu_share: 0.0,
            restore_cpu_share: 0.0,
            checkpoint_per_mib_cpu_share: 0.0,
            restore_per_mib_cpu_share: 0.0,
        },
    )
}

pub fn criu() -> Method {
    Method::named(
        "criu",
        CostModel {
            checkpoint_base: ms(100),
            checkpoint_per_mib_ns: 10e6,
            checkpoint_cv: 0.0,
            restore_base: ms(50),
            restore_per_mib_ns: 5e6,
            restore_cv: 0.0,
            checkpoint_cpu_share: 0.0,
            restore_cpu_share: 0.0,
            checkpoint_per_mib_cpu_share: 0.0,
            restore_per_mib_cpu_share: 0.0,
        },
    )
}

/// The oracle scenario: BBU 0 hosts Redis + Manager, BBU 1 is the only worker (1 core, speed 1,
/// no C-RAN load). Radio: 10 ms, 8 Mbit/s (1 byte = 1 µs). Wired: 1 ms, 80 Mbit/s (1 byte =
/// 100 ns). Local: 0 ms, 8 Gbit/s (1 byte = 1 ns). Headers 100 B, notifications 50 B, package
/// 1000 B, cold start 500 ms. The app: 4 items of exactly 1 s, 2 safe points per item, 1000 B of
/// input and 10 B of output per item, program state 1000 B (compresses to 50 %), resident
/// memory 10 MiB (image compresses to 25 %), no size noise.
pub fn oracle(method: Method, r_limit: Option<SimDuration>) -> Scenario {
    let bbu = Bbu {
        cores: 1,
        speed: 1.0,
        memory_mib: 1024,
        load: LoadProcess::Constant(0.0),
        extra_latency: SimDuration::ZERO,
        wired_bandwidth_bps: None,
    };
    Scenario {
        seed: 1,
        topology: Topology {
            bbus: vec![bbu.clone(), bbu],
            control_bbu: 0,
            workers: vec![1],
            ues: 1,
            radio: link(ms(10), 8e6),
            wired: link(ms(1), 80e6),
            local: link(SimDuration::ZERO, 8e9),
            transport: Transport::Fluid,
        },
        workloads: vec![Workload {
            app: AppModel {
                name: "toy".into(),
                item_label: "items".into(),
                item_time: TimeDist::Constant(SimDuration::from_secs(1)),
                setup: None,
                segments: 2,
                shards: 1,
                join_time: SimDuration::ZERO,
                input_bytes_per_item: 1000,
                first_item_extra_bytes: 0,
                output_bytes_per_item: 10,
                state: SizeModel {
                    base: 1000,
                    per_item: 0,
                    max: u64::MAX,
                },
                state_compression: 0.5,
                rss: SizeModel {
                    base: 10 << 20,
                    per_item: 0,
                    max: u64::MAX,
                },
                setup_rss: None,
                image_compression: 0.25,
                size_cv: 0.0,
            },
            items: 4,
            requests: 1,
            arrival: Arrival::Sequential,
        }],
        checkpoint: CheckpointConfig {
            method,
            r_limit,
            tracker_margin: ms(10),
            tracker_sigmas: 3.0,
            max_idle_invocations: 3,
        },
        eviction: Eviction::NONE,
        placement: mlsim_core::policies::PlacementConfig::SameBbu,
        protocol: Protocol {
            header_bytes: 100,
            request_bytes: 0,
            notify_bytes: 50,
            install_bytes: 1000,
            invoke_bytes: 0,
            cold_start: ms(500),
        },
        horizon: mlsim_core::SimTime::MAX,
        suspend: None,
        serverless: None,
    }
}

pub fn run(sc: &Scenario) -> mlsim_core::Records {
    let mut r = mlsim_core::Records::default();
    mlsim_sim::model::simulate(sc, 0, &mut r).expect("simulates");
    r
}
