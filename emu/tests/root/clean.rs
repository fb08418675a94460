//! SIGKILL mid-way, then `clean`: nothing of the run remains (namespaces, interfaces, cgroups,
//! processes), and the ledger is unregistered.
//!
//! The victim is this test binary itself, re-run as a child with `MLSIM_TEST_VICTIM_DIR` set: it
//! builds a relayed topology and a C-RAN load and then keeps building (so the kill can land at
//! any point). The parent kills it with SIGKILL once the ledger shows a relay process, cleans
//! the run folder with `clean_ledger`, and checks the machine.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mlsim_emu::cgroup::CranLoad;
use mlsim_emu::ledger::{Ledger, Resource, clean_ledger, index_dir, read_ledger};
use mlsim_emu::testing::require_root_env;
use mlsim_emu::topo::{HostSpec, LinkSpec, Topology, TopologySpec};

const VICTIM: &str = "MLSIM_TEST_VICTIM_DIR";

fn line(n: usize) -> TopologySpec {
    TopologySpec {
        hosts: (0..n)
            .map(|i| HostSpec {
                name: format!("h{i}"),
            })
            .collect(),
        switches: Vec::new(),
        links: (1..n)
            .map(|i| LinkSpec {
                a: format!("h{}", i - 1),
                b: format!("h{i}"),
                rate_bps: Some(20_000_000),
                delay: Duration::from_millis(5),
                loss: 0.0,
            })
            .collect(),
    }
}

/// The victim: only does something when run by `sigkill_mid_run_then_clean_leaves_nothing`.
#[test]
#[ignore = "run as a child process by sigkill_mid_run_then_clean_leaves_nothing"]
fn victim() {
    let Some(dir) = std::env::var_os(VICTIM) else {
        return;
    };
    let ledger = Ledger::create(Path::new(&dir)).expect("ledger");
    std::fs::write(Path::new(&dir).join("run-id"), ledger.run_id()).expect("run id");
    let topo = Topology::up(&line(4), &ledger).expect("topology");
    let load = CranLoad::start(topo.host("h1").expect("h1"), 0.5, &ledger).expect("load");
    load.set_load(0.5).expect("set load");
    // Keep going: more cgroups, until killed.
    for i in 0.. {
        let _ = mlsim_emu::cgroup::CpuCgroup::create(&ledger, Path::new(&format!("extra{i}")));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigkill_mid_run_then_clean_leaves_nothing() {
    let Some(_g) = require_root_env("SIGKILL then clean") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mlsim-test-victim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "clean::victim",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(VICTIM, &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("victim starts");
    // Kill it as soon as the ledger shows a started relay (links after it are still being built).
    let ledger_path = dir.join(mlsim_emu::ledger::LEDGER_FILE);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let relay_started = read_ledger(&ledger_path)
            .is_ok_and(|rs| rs.iter().any(|r| matches!(r, Resource::Process { .. })));
        if relay_started {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the victim never started a relay"
        );
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the victim exited early"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let run = std::fs::read_to_string(dir.join("run-id")).expect("run id");
    let recorded = read_ledger(&ledger_path).expect("ledger readable after SIGKILL");
    eprintln!("killed after {} ledger entries", recorded.len());
    assert!(
        leftovers(&run).iter().any(|l| l.starts_with("netns")),
        "nothing was built?"
    );

    let report = clean_ledger(&dir).expect("clean");
    eprintln!(
        "clean: {} removed, {} already gone, failed {:?}",
        report.removed.len(),
        report.already_gone,
        report.failed
    );
    assert!(report.ok());
    let left = leftovers(&run);
    assert!(left.is_empty(), "left behind after clean: {left:?}");
    for r in &recorded {
        if let Resource::Process { pid, start_time } = r {
            // A zombie is dead (its new parent, init, reaps it when it gets to it).
            let alive = mlsim_emu::sys::proc_start_time(*pid) == Some(*start_time)
                && mlsim_emu::sys::proc_state(*pid).is_some_and(|s| s != 'Z');
            assert!(!alive, "process {pid} survived");
        }
    }
    assert!(
        !index_dir().join(&run).exists(),
        "the ledger is still registered"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every object of run `run` still on the machine.
fn leftovers(run: &str) -> Vec<String> {
    let mut out = Vec::new();
    let ns_prefix = mlsim_emu::names::netns(run, "");
    let netns = mlsim_emu::sys::ip(None, &["netns", "list"]).unwrap_or_default();
    out.extend(
        netns
            .lines()
            .filter(|l| l.starts_with(&ns_prefix))
            .map(|l| format!("netns {l}")),
    );
    let links = mlsim_emu::sys::ip(None, &["-o", "link", "show"]).unwrap_or_default();
    let if_prefix = format!("{}{run}-", mlsim_emu::names::IF_PREFIX);
    out.extend(
        links
            .lines()
            .filter(|l| l.contains(&if_prefix))
            .map(|l| format!("link {l}")),
    );
    for ctrl in ["cpu", "cpuacct"] {
        let p = Path::new("/sys/fs/cgroup")
            .join(ctrl)
            .join(mlsim_emu::names::cgroup_dir(run));
        if p.exists() {
            out.push(format!("cgroup {}", p.display()));
        }
    }
    // Relays carry the run's interface names on their command lines.
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for e in rd.flatten() {
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&if_prefix) {
                out.push(format!("process {:?}", e.file_name()));
            }
        }
    }
    out
}
