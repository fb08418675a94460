//! Switches (Linux bridges, shared segments) in topologies: hosts on one switch reach each other
//! with the sum of their attachments' delays and the smaller of their rates; mixed topologies
//! (point-to-point links + a switch) route over the path of least delay; `down` and `clean`
//! (after SIGKILL) leave nothing of the run behind. The delay path (netem or the relay) is the
//! one this machine chooses.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mlsim_emu::ledger::{Ledger, clean_ledger};
use mlsim_emu::testing::{TestRun, require_root_env, require_root_env_exclusive};
use mlsim_emu::topo::{LinkSpec, Topology, TopologySpec};

use crate::topo::{tcp_throughput_between, udp_rtt_between};

const VICTIM: &str = "MLSIM_TEST_BRIDGE_VICTIM_DIR";

/// `(a, b, rate [Mbit/s], one-way delay \[ms\])`.
type L<'a> = (&'a str, &'a str, Option<u64>, u64);

fn spec(hosts: &[&str], switches: &[&str], links: &[L]) -> TopologySpec {
    TopologySpec::named(
        hosts,
        switches,
        links
            .iter()
            .map(|&(a, b, mbit, ms)| LinkSpec {
                a: a.into(),
                b: b.into(),
                rate_bps: mbit.map(|m| m * 1_000_000),
                delay: Duration::from_millis(ms),
                loss: 0.0,
            })
            .collect(),
    )
}

/// h0 (30 Mbit/s, 5 ms), h1 (20 Mbit/s, 10 ms) and h2 (unshaped, 0 ms) on switch `pool`.
fn three_on_a_switch() -> TopologySpec {
    spec(
        &["h0", "h1", "h2"],
        &["pool"],
        &[
            ("h0", "pool", Some(30), 5),
            ("pool", "h1", Some(20), 10),
            ("h2", "pool", None, 0),
        ],
    )
}

fn ping(topo: &Topology, from: &str, to: &str) {
    let target = topo.host(to).expect("to").addr().to_string();
    let out = topo
        .host(from)
        .expect("from")
        .command("ping")
        .args(["-c", "2", "-i", "0.2", "-W", "2", &target])
        .output()
        .expect("ping runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{from} cannot reach {to} ({target}): {text}"
    );
}

/// RTT of one ping from `from` to `to` on a fresh topology, neighbour resolution included \[ms\].
fn first_ping_ms(topo: &Topology, from: &str, to: &str) -> f64 {
    let target = topo.host(to).expect("to").addr().to_string();
    let out = topo
        .host(from)
        .expect("from")
        .command("ping")
        .args(["-c", "1", "-W", "3", &target])
        .output()
        .expect("ping runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split("time=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{from} -> {to}: no reply: {text}"))
}

fn check_rtt(topo: &Topology, from: &str, to: &str, want_ms: f64) {
    let rtt = udp_rtt_between(topo, from, to, 20);
    let want = want_ms / 1e3;
    let err = (rtt - want) / want;
    eprintln!(
        "{from} -> {to}: RTT {:.3} ms vs {want_ms:.1} ms: error {:+.2} %",
        rtt * 1e3,
        err * 100.0
    );
    assert!(
        err.abs() < 0.10,
        "{from} -> {to}: RTT {rtt} s is not within 10 % of {want} s"
    );
}

fn check_rate(topo: &Topology, from: &str, to: &str, want_mbit: f64) {
    let (goodput, wire) = tcp_throughput_between(topo, from, to, 6.0, 2.0);
    let rate = want_mbit * 1e6;
    let (eg, ew) = ((goodput - rate) / rate, (wire - rate) / rate);
    eprintln!(
        "{from} -> {to}: TCP goodput {:.3} Mbit/s ({:+.2} %), layer-2 rate {:.3} Mbit/s ({:+.2} %) vs {want_mbit} Mbit/s",
        goodput / 1e6,
        eg * 100.0,
        wire / 1e6,
        ew * 100.0
    );
    assert!(
        eg.abs() < 0.10,
        "{from} -> {to}: goodput {goodput} bit/s is not within 10 % of {rate}"
    );
    assert!(
        ew.abs() < 0.10,
        "{from} -> {to}: layer-2 rate {wire} bit/s is not within 10 % of {rate}"
    );
}

#[test]
fn three_hosts_on_a_switch_delay_and_rate_per_attachment() {
    let what = "three hosts on a switch";
    let Some(_g) = require_root_env_exclusive(what) else {
        return;
    };
    let run = TestRun::new("bridge").expect("run folder");
    let topo = Topology::up(&three_on_a_switch(), run.ledger()).expect("topology up");
    eprintln!("{what}: delay path {:?}", topo.delay_path());
    let sw = &topo.switches()[0];
    let ports = mlsim_emu::sys::ip(
        Some(sw.netns_name()),
        &["-o", "link", "show", "master", sw.bridge()],
    )
    .expect("bridge ports");
    assert_eq!(ports.lines().count(), 3, "bridge ports: {ports}");
    for (a, b) in [("h0", "h1"), ("h1", "h0"), ("h0", "h2"), ("h2", "h1")] {
        ping(&topo, a, b);
    }
    // One-way delay over the switch = sum of the two attachments' delays.
    check_rtt(&topo, "h0", "h1", 2.0 * (5.0 + 10.0));
    check_rtt(&topo, "h2", "h0", 2.0 * 5.0);
    check_rtt(&topo, "h1", "h2", 2.0 * 10.0);
    // Rate = the smaller attachment rate: h0 -> h1 is shaped on the bridge port towards h1,
    // h2 -> h0 on the bridge port towards h0 (h2 is unshaped), h1 -> h2 on h1's own egress.
    check_rate(&topo, "h0", "h1", 20.0);
    check_rate(&topo, "h2", "h0", 30.0);
    check_rate(&topo, "h1", "h2", 20.0);
    let run_id = run.ledger().run_id().to_string();
    topo.down().expect("topology down");
    let left = leftovers(&run_id);
    assert!(left.is_empty(), "left behind after down: {left:?}");
}

#[test]
fn mixed_links_and_a_switch_route_over_the_least_delay() {
    let what = "point-to-point links and a switch";
    let Some(_g) = require_root_env_exclusive(what) else {
        return;
    };
    let run = TestRun::new("bridge-mixed").expect("run folder");
    // a has a slow 50 ms attachment to the switch and a 5 ms link to b; b (2 ms) and c (3 ms)
    // are on the switch; d hangs off c. a -> c goes a-b-switch-c: 5 + 2 + 3 = 10 ms one way
    // (over a's own attachment it would be 53 ms).
    let s = spec(
        &["a", "b", "c", "d"],
        &["s"],
        &[
            ("a", "b", None, 5),
            ("a", "s", None, 50),
            ("b", "s", None, 2),
            ("c", "s", None, 3),
            ("c", "d", Some(50), 1),
        ],
    );
    let topo = Topology::up(&s, run.ledger()).expect("topology up");
    // The first packet a -> c is forwarded by b onto the switch, whose ports must already be
    // forwarding (else b's first ARP request is dropped and the ping waits for the retry, 1 s).
    let first = first_ping_ms(&topo, "a", "c");
    eprintln!("a -> c: first ping {first:.1} ms (ARP included)");
    assert!(first < 500.0, "first ping a -> c took {first} ms");
    for (x, y) in [("a", "d"), ("d", "a"), ("b", "c"), ("d", "b")] {
        ping(&topo, x, y);
    }
    check_rtt(&topo, "a", "c", 2.0 * 10.0);
    check_rtt(&topo, "d", "a", 2.0 * 11.0);
    topo.down().expect("topology down");
}

/// The victim: only does something when run by `sigkill_then_clean_removes_the_switch`.
#[test]
#[ignore = "run as a child process by sigkill_then_clean_removes_the_switch"]
fn victim() {
    let Some(dir) = std::env::var_os(VICTIM) else {
        return;
    };
    let ledger = Ledger::create(Path::new(&dir)).expect("ledger");
    std::fs::write(Path::new(&dir).join("run-id"), ledger.run_id()).expect("run id");
    let _topo = Topology::up(&three_on_a_switch(), &ledger).expect("topology");
    std::fs::write(Path::new(&dir).join("up"), "").expect("up marker");
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn sigkill_then_clean_removes_the_switch() {
    let Some(_g) = require_root_env("SIGKILL a switched topology, then clean") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mlsim-test-bridge-victim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["--exact", "bridge::victim", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(VICTIM, &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("victim starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.join("up").exists() {
        assert!(Instant::now() < deadline, "the victim never came up");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the victim exited early"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let run = std::fs::read_to_string(dir.join("run-id")).expect("run id");
    let before = leftovers(&run);
    assert!(
        before.iter().any(|l| l.contains("-sw.pool")),
        "no switch namespace before clean: {before:?}"
    );
    let report = clean_ledger(&dir).expect("clean");
    assert!(report.ok(), "clean failed: {:?}", report.failed);
    let left = leftovers(&run);
    assert!(left.is_empty(), "left behind after clean: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Namespaces, root-namespace interfaces and processes (relays) of run `run` still present.
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
    let if_prefix = format!("{}{run}-", mlsim_emu::names::IF_PREFIX);
    let links = mlsim_emu::sys::ip(None, &["-o", "link", "show"]).unwrap_or_default();
    out.extend(
        links
            .lines()
            .filter(|l| l.contains(&if_prefix))
            .map(|l| format!("link {l}")),
    );
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
