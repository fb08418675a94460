//! Two-host topologies over the shaped links: RTT against the configured delay, TCP throughput
//! against the configured rate. Traffic is made by in-process threads whose sockets live in the
//! hosts' namespaces (`sys::spawn_in_netns`); the delay path (netem or the relay process) is
//! the real one this machine chooses.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use mlsim_emu::sys::spawn_in_netns;
use mlsim_emu::testing::{TestRun, require_root_env_exclusive};
use mlsim_emu::topo::{HostSpec, LinkSpec, Topology, TopologySpec};

fn two_hosts(delay_ms: u64, rate_mbit: u64) -> TopologySpec {
    TopologySpec {
        hosts: vec![
            HostSpec { name: "h0".into() },
            HostSpec { name: "h1".into() },
        ],
        switches: Vec::new(),
        links: vec![LinkSpec {
            a: "h0".into(),
            b: "h1".into(),
            rate_bps: Some(rate_mbit * 1_000_000),
            delay: Duration::from_millis(delay_ms),
            loss: 0.0,
        }],
    }
}

/// Median UDP round-trip time of `n` 64-byte probes from h0 to h1's echo server \[s\].
fn udp_rtt(topo: &Topology, n: usize) -> f64 {
    udp_rtt_between(topo, "h0", "h1", n)
}

/// Median UDP round-trip time of `n` 64-byte probes from host `from` to an echo server on host
/// `to` \[s\].
pub(crate) fn udp_rtt_between(topo: &Topology, from: &str, to: &str, n: usize) -> f64 {
    let (h0, h1) = (topo.host(from).expect("from"), topo.host(to).expect("to"));
    let server_addr = SocketAddrV4::new(h1.addr(), 7007);
    let server = spawn_in_netns(&h1.netns_path(), move || {
        let s = UdpSocket::bind(server_addr)?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut buf = [0u8; 64];
        for _ in 0..n + 1 {
            let (len, from) = s.recv_from(&mut buf)?;
            s.send_to(&buf[..len], from)?;
        }
        Ok(())
    })
    .expect("server thread");
    std::thread::sleep(Duration::from_millis(100));
    let rtts = spawn_in_netns(&h0.netns_path(), move || {
        let s = UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))?;
        s.set_read_timeout(Some(Duration::from_secs(3)))?;
        let mut buf = [0u8; 64];
        // Probe 0 also resolves the neighbour (ARP); it is not counted.
        let mut rtts = Vec::new();
        for i in 0..=n {
            let t0 = Instant::now();
            s.send_to(&[i as u8; 64], server_addr)?;
            s.recv_from(&mut buf)?;
            if i > 0 {
                rtts.push(t0.elapsed().as_secs_f64());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(rtts)
    })
    .expect("client thread")
    .join()
    .expect("client")
    .expect("probes answered");
    server.join().expect("server").expect("server ok");
    let mut r = rtts;
    r.sort_by(f64::total_cmp);
    eprintln!(
        "udp rtt {from} -> {to} over {n} probes: min {:.3} ms, median {:.3} ms, max {:.3} ms",
        r[0] * 1e3,
        r[r.len() / 2] * 1e3,
        r[r.len() - 1] * 1e3
    );
    r[r.len() / 2]
}

/// TCP h0 -> h1 for `secs` seconds; returns (goodput over the last `secs - warm` seconds
/// [bit/s], h1's layer-2 receive rate over the same window [bit/s]).
fn tcp_throughput(topo: &Topology, secs: f64, warm: f64) -> (f64, f64) {
    tcp_throughput_between(topo, "h0", "h1", secs, warm)
}

/// TCP from host `from` to host `to` for `secs` seconds; returns (goodput over the last
/// `secs - warm` seconds [bit/s], `to`'s layer-2 receive rate over all its interfaces over the
/// same window [bit/s]).
pub(crate) fn tcp_throughput_between(
    topo: &Topology,
    from: &str,
    to: &str,
    secs: f64,
    warm: f64,
) -> (f64, f64) {
    let (h0, h1) = (topo.host(from).expect("from"), topo.host(to).expect("to"));
    let addr = SocketAddrV4::new(h1.addr(), 7008);
    let listener = spawn_in_netns(&h1.netns_path(), move || TcpListener::bind(addr))
        .expect("thread")
        .join()
        .expect("join")
        .expect("listen");
    let h1c = h1.clone();
    let receiver = std::thread::spawn(move || -> std::io::Result<(f64, f64)> {
        let (mut c, _) = listener.accept()?;
        c.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut buf = vec![0u8; 1 << 16];
        let start = Instant::now();
        let mut bytes = 0u64;
        let mut window: Option<(Instant, u64, u64)> = None;
        loop {
            let n = c.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if window.is_none() && start.elapsed().as_secs_f64() >= warm {
                let (rx, _) = h1c.byte_counters().map_err(std::io::Error::other)?;
                window = Some((Instant::now(), bytes, rx));
            }
            bytes += n as u64;
        }
        let end = Instant::now();
        let (rx_end, _) = h1c.byte_counters().map_err(std::io::Error::other)?;
        let (t0, b0, rx0) = window.ok_or_else(|| std::io::Error::other("transfer too short"))?;
        let dt = (end - t0).as_secs_f64();
        Ok((
            (bytes - b0) as f64 * 8.0 / dt,
            (rx_end - rx0) as f64 * 8.0 / dt,
        ))
    });
    spawn_in_netns(&h0.netns_path(), move || {
        let mut s = TcpStream::connect(addr)?;
        let chunk = vec![0x5au8; 1 << 16];
        let t0 = Instant::now();
        while t0.elapsed().as_secs_f64() < secs {
            s.write_all(&chunk)?;
        }
        Ok(())
    })
    .expect("thread")
    .join()
    .expect("sender")
    .expect("send");
    receiver.join().expect("receiver").expect("receive")
}

fn check_link(delay_ms: u64, rate_mbit: u64) {
    let what = format!("two-host link {delay_ms} ms, {rate_mbit} Mbit/s");
    let Some(_g) = require_root_env_exclusive(&what) else {
        return;
    };
    let run = TestRun::new("topo").expect("run folder");
    let topo = Topology::up(&two_hosts(delay_ms, rate_mbit), run.ledger()).expect("topology up");
    eprintln!("{what}: delay path {:?}", topo.delay_path());

    let rtt = udp_rtt(&topo, 30);
    let want = 2.0 * delay_ms as f64 / 1e3;
    let err = (rtt - want) / want;
    eprintln!(
        "{what}: RTT {:.3} ms vs {:.1} ms: error {:+.2} %",
        rtt * 1e3,
        want * 1e3,
        err * 100.0
    );
    assert!(
        err.abs() < 0.10,
        "RTT {rtt} s is not within 10 % of {want} s"
    );

    let (goodput, wire) = tcp_throughput(&topo, 6.0, 2.0);
    let rate = rate_mbit as f64 * 1e6;
    let (eg, ew) = ((goodput - rate) / rate, (wire - rate) / rate);
    eprintln!(
        "{what}: TCP goodput {:.3} Mbit/s ({:+.2} %), layer-2 rate {:.3} Mbit/s ({:+.2} %)",
        goodput / 1e6,
        eg * 100.0,
        wire / 1e6,
        ew * 100.0
    );
    assert!(
        eg.abs() < 0.10,
        "goodput {goodput} bit/s is not within 10 % of {rate}"
    );
    assert!(
        ew.abs() < 0.10,
        "layer-2 rate {wire} bit/s is not within 10 % of {rate}"
    );
    topo.down().expect("topology down");
}

#[test]
fn link_20ms_10mbit_rtt_and_throughput() {
    check_link(20, 10);
}

#[test]
fn link_50ms_50mbit_rtt_and_throughput() {
    check_link(50, 50);
}

#[test]
fn hosts_reach_each_other_over_two_hops() {
    let Some(_g) = mlsim_emu::testing::require_root_env("three hosts in a line") else {
        return;
    };
    let run = TestRun::new("topo3").expect("run folder");
    let mut spec = two_hosts(5, 100);
    spec.hosts.push(HostSpec { name: "h2".into() });
    spec.links.push(LinkSpec {
        a: "h1".into(),
        b: "h2".into(),
        rate_bps: None,
        delay: Duration::from_millis(5),
        loss: 0.0,
    });
    let topo = Topology::up(&spec, run.ledger()).expect("topology up");
    let target = topo.host("h2").expect("h2").addr().to_string();
    let out = topo
        .host("h0")
        .expect("h0")
        .command("ping")
        .args(["-c", "3", "-i", "0.2", "-W", "2", &target])
        .output()
        .expect("ping runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    assert!(out.status.success(), "h0 cannot reach h2 over h1: {text}");
    topo.down().expect("topology down");
}
