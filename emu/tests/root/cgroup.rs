//! The BBU cgroups really limit CPU: a C-RAN burner's measured usage follows the load set at
//! run time, and offloaded work gets the rest of the BBU's capacity.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use mlsim_emu::cgroup::{CpuCgroup, CranLoad};
use mlsim_emu::testing::{TestRun, require_root_env_exclusive};
use mlsim_emu::topo::{HostSpec, Topology, TopologySpec};

/// Cores used by `cg` over `window` [CPU-seconds per second].
fn cores_used(cg: &CpuCgroup, window: Duration) -> f64 {
    let (u0, t0) = (cg.usage().expect("usage"), Instant::now());
    std::thread::sleep(window);
    let (u1, t1) = (cg.usage().expect("usage"), Instant::now());
    (u1 - u0).as_secs_f64() / (t1 - t0).as_secs_f64()
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn cran_quota_limits_the_burner_and_offload_gets_the_rest() {
    let Some(_g) = require_root_env_exclusive("C-RAN load cgroups") else {
        return;
    };
    let run = TestRun::new("cgroup").expect("run folder");
    let spec = TopologySpec {
        hosts: vec![HostSpec {
            name: "bbu0".into(),
        }],
        switches: Vec::new(),
        links: vec![],
    };
    let topo = Topology::up(&spec, run.ledger()).expect("topology");
    let host = topo.host("bbu0").expect("bbu0");
    let load = CranLoad::start(host, 1.0, run.ledger()).expect("C-RAN load");

    // An offloaded task that would use a whole core if it could.
    let mut cmd = host.command("sh");
    cmd.args(["-c", "while :; do :; done"]).stdin(Stdio::null());
    load.offload().join_on_spawn(&mut cmd).expect("join");
    let worker = Kill(cmd.spawn().expect("worker"));
    run.ledger().record_process(worker.0.id()).expect("record");

    let window = Duration::from_secs(2);
    std::thread::sleep(Duration::from_millis(300));
    let idle = cores_used(load.cran(), window);
    eprintln!("load 0.0: burner {idle:.3} cores");
    assert!(idle < 0.01, "load 0 but the burner used {idle} cores");

    for l in [0.3, 0.7] {
        load.set_load(l).expect("set load");
        std::thread::sleep(Duration::from_millis(300));
        let (cran, off) = std::thread::scope(|s| {
            let c = s.spawn(|| cores_used(load.cran(), window));
            let o = s.spawn(|| cores_used(load.offload(), window));
            (c.join().expect("cran"), o.join().expect("offload"))
        });
        let (ec, eo) = ((cran - l) / l, (off - (1.0 - l)) / (1.0 - l));
        eprintln!(
            "load {l}: burner {cran:.3} cores ({:+.1} %), offloaded task {off:.3} cores ({:+.1} %)",
            ec * 100.0,
            eo * 100.0
        );
        assert!(ec.abs() < 0.10, "burner used {cran} cores at load {l}");
        assert!(
            eo.abs() < 0.10,
            "offloaded task used {off} cores at load {l}"
        );
    }
    drop(worker);
    load.stop().expect("stop");
    topo.down().expect("down");
}

#[test]
fn an_invocation_runs_at_one_spec_cores_speed_whatever_the_load() {
    let Some(_g) = require_root_env_exclusive("C-RAN load cgroups") else {
        return;
    };
    let run = TestRun::new("cgroup-cores").expect("run folder");
    let spec = TopologySpec {
        hosts: vec![HostSpec {
            name: "bbu0".into(),
        }],
        switches: Vec::new(),
        links: vec![],
    };
    let topo = Topology::up(&spec, run.ledger()).expect("topology");
    let host = topo.host("bbu0").expect("bbu0");
    // A BBU of 2 spec cores at S = 0.5 real cores each: 1 real core in all.
    let mut load = CranLoad::start(host, 1.0, run.ledger()).expect("C-RAN load");
    load.split(run.ledger(), 2, 0.5).expect("split");
    let core0 = load.core(0).expect("core 0").clone();
    assert!(load.core(2).is_none(), "two spec cores, two groups");

    // One invocation that would use a whole real core if it could.
    let mut cmd = host.command("sh");
    cmd.args(["-c", "while :; do :; done"]).stdin(Stdio::null());
    core0.join_on_spawn(&mut cmd).expect("join");
    let task = Kill(cmd.spawn().expect("task"));
    run.ledger().record_process(task.0.id()).expect("record");

    // Expected [real cores]: alone on the idle BBU, S = 0.5 (not the BBU's whole 1.0); at load
    // 0.5 (C-RAN 1 of 2 spec cores) still 0.5 = the offload share; at load 0.8 the offload share
    // is 0.2 < S, so 0.2; at load 1 the kernel's minimum quota (1 ms per 50 ms = 0.02), which
    // cgroup v1 accepts only because the core's group is lowered first; back to 0: 0.5.
    let window = Duration::from_secs(2);
    for (l, want) in [(0.0, 0.5), (0.5, 0.5), (0.8, 0.2), (1.0, 0.02), (0.0, 0.5)] {
        load.set_load(l)
            .expect("set load (children before parents)");
        std::thread::sleep(Duration::from_millis(300));
        let got = cores_used(&core0, window);
        eprintln!("load {l}: the invocation used {got:.3} real cores (want {want})");
        let tol = if want < 0.05 { 0.02 } else { 0.1 * want };
        assert!(
            (got - want).abs() <= tol,
            "load {l}: the invocation used {got} real cores, want {want}"
        );
    }
    drop(task);
    load.stop().expect("stop");
    topo.down().expect("down");
}
