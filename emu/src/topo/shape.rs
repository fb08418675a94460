//! Building one link: veth pairs, addresses, qdiscs, and the relay where needed.

use std::io::{BufRead, BufReader};
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{Link, LinkSpec, TopoError, make_netns, relay, spawn_recorded};
use crate::ledger::{Ledger, Resource};
use crate::{names, sys};

/// How link delay and loss are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelayPath {
    /// The kernel's `netem` qdisc on each end's egress.
    Netem,
    /// The userspace frame relay in a middle namespace (see [`relay`]).
    Relay,
}

static PATH: OnceLock<DelayPath> = OnceLock::new();

/// The delay path of this process: `MLSIM_DELAY_PATH` (`relay` or `netem`) if set, else netem
/// if the kernel accepts a netem qdisc (probed once, in a scratch namespace recorded in `ledger`),
/// else the relay.
pub fn delay_path(ledger: &Ledger) -> Result<DelayPath, TopoError> {
    if let Some(p) = PATH.get() {
        return Ok(*p);
    }
    let p = match std::env::var("MLSIM_DELAY_PATH").as_deref() {
        Ok("relay") => DelayPath::Relay,
        Ok("netem") => DelayPath::Netem,
        Ok(other) => {
            return Err(TopoError::Invalid(format!(
                "MLSIM_DELAY_PATH={other:?}: use 'relay' or 'netem'"
            )));
        }
        Err(_) => probe_netem(ledger)?,
    };
    Ok(*PATH.get_or_init(|| p))
}

fn probe_netem(ledger: &Ledger) -> Result<DelayPath, TopoError> {
    let ns = names::netns(ledger.run_id(), "probe.netem");
    ledger.record(&Resource::Netns { name: ns.clone() })?;
    sys::ip(None, &["netns", "add", &ns])?;
    let ok = sys::run_args(
        "tc",
        &[
            "-n", &ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms",
        ],
    )
    .is_ok();
    crate::ledger::remove(&Resource::Netns { name: ns }).map_err(TopoError::Relay)?;
    Ok(if ok {
        DelayPath::Netem
    } else {
        DelayPath::Relay
    })
}

fn ifname(ledger: &Ledger, tag: String) -> Result<String, TopoError> {
    names::ifname(ledger.run_id(), &tag)
        .ok_or_else(|| TopoError::Invalid(format!("interface tag {tag:?} too long")))
}

/// Records and creates a veth pair `x` (in `nsx`) <-> `y` (in `nsy`); nothing touches the root
/// namespace.
fn veth(
    ledger: &Ledger,
    (x, ix): (&str, u32),
    nsx: &str,
    (y, iy): (&str, u32),
    nsy: &str,
) -> Result<(), TopoError> {
    for (name, ns) in [(x, nsx), (y, nsy)] {
        ledger.record(&Resource::Link {
            name: name.into(),
            netns: Some(ns.into()),
        })?;
    }
    let (ix, iy) = (ix.to_string(), iy.to_string());
    sys::ip(
        None,
        &[
            "link", "add", x, "index", &ix, "netns", nsx, "type", "veth", "peer", "name", y,
            "index", &iy, "netns", nsy,
        ],
    )?;
    Ok(())
}

/// Interface indexes of link `j`'s four possible interfaces (a's end, b's end, and the relay's
/// two), unique within a topology. A veth whose peer has the same index as itself (fresh
/// namespaces number from 2 alike) counts as a non-urgent link event for the kernel's link
/// watcher, which batches those up to a second: a bridge port would stay disabled that long
/// after its carrier came up. Distinct indexes make every carrier change urgent.
fn ifindexes(j: usize) -> [u32; 4] {
    let base = 100 + 4 * j as u32;
    [base, base + 1, base + 2, base + 3]
}

/// One end of a link to build: its namespace, and either an address (with its prefix
/// length) or the bridge its interface becomes a port of.
#[derive(Debug, Clone)]
pub(super) struct LinkEnd {
    /// The namespace (a host's, or a switch's).
    pub ns: String,
    /// The end's address and prefix length (a host's end).
    pub addr: Option<(Ipv4Addr, u8)>,
    /// The bridge to enslave the interface to (a switch's end).
    pub bridge: Option<String>,
}

/// Builds link `j` between `ends[0]` (end a) and `ends[1]` (end b). `queue_rtt`: the longest
/// round trip of traffic crossing this link, to size the `tbf` queues.
pub(super) fn make_link(
    ledger: &Ledger,
    log_dir: &Path,
    j: usize,
    ends: [LinkEnd; 2],
    spec: &LinkSpec,
    queue_rtt: Duration,
    path: DelayPath,
) -> Result<(Link, Option<std::process::Child>), TopoError> {
    let ifa = ifname(ledger, format!("{j}a"))?;
    let ifb = ifname(ledger, format!("{j}b"))?;
    let (nsa, nsb) = (ends[0].ns.as_str(), ends[1].ns.as_str());
    let impaired = !spec.delay.is_zero() || spec.loss > 0.0;
    let relayed = impaired && path == DelayPath::Relay;
    let idx = ifindexes(j);
    let mut relay_netns = None;
    let mut relay_pid = None;
    let mut relay = None;
    if relayed {
        let mid = names::netns(ledger.run_id(), &format!("link.{j}"));
        make_netns(ledger, &mid, false)?;
        let ra = ifname(ledger, format!("{j}ra"))?;
        let rb = ifname(ledger, format!("{j}rb"))?;
        veth(ledger, (&ifa, idx[0]), nsa, (&ra, idx[2]), &mid)?;
        veth(ledger, (&ifb, idx[1]), nsb, (&rb, idx[3]), &mid)?;
        for r in [&ra, &rb] {
            sys::ip(Some(&mid), &["link", "set", r, "promisc", "on", "up"])?;
        }
        let child = start_relay(ledger, log_dir, j, &mid, &ra, &rb, spec)?;
        relay_pid = Some(child.id());
        relay = Some(child);
        relay_netns = Some(mid);
    } else {
        veth(ledger, (&ifa, idx[0]), nsa, (&ifb, idx[1]), nsb)?;
    }
    for (end, i) in [(&ends[0], &ifa), (&ends[1], &ifb)] {
        let n = end.ns.as_str();
        if let Some((addr, len)) = end.addr {
            sys::ip(
                Some(n),
                &["addr", "add", &format!("{addr}/{len}"), "dev", i],
            )?;
        }
        if let Some(br) = &end.bridge {
            sys::ip(Some(n), &["link", "set", i, "master", br])?;
        }
        qdiscs(n, i, spec, queue_rtt, impaired && path == DelayPath::Netem)?;
        sys::ip(Some(n), &["link", "set", i, "up"])?;
    }
    Ok((
        Link {
            index: j,
            a_if: (ifa, nsa.into()),
            b_if: (ifb, nsb.into()),
            relay_netns,
            relay_pid,
            switch: None,
        },
        relay,
    ))
}

/// Egress qdiscs of one end: netem (if `netem`) with tbf below it, or tbf alone.
///
/// tbf: `burst` = 4 ms at the rate, at least two full frames, so the long-run rate is exact
/// and bursts stay short; `limit` = the bandwidth-delay product of `queue_rtt` plus 20 ms
/// at the rate, at least 64 KiB, so TCP can fill the link without the queue overflowing early.
fn qdiscs(
    ns: &str,
    dev: &str,
    spec: &LinkSpec,
    queue_rtt: Duration,
    netem: bool,
) -> Result<(), TopoError> {
    let tc = |args: &[String]| {
        let mut a = vec!["-n".to_string(), ns.to_string()];
        a.extend_from_slice(args);
        sys::run_args("tc", &a).map(|_| ())
    };
    let s = |x: &str| x.to_string();
    let mut parent = vec![s("root")];
    if netem {
        let mut a = vec![
            s("qdisc"),
            s("add"),
            s("dev"),
            s(dev),
            s("root"),
            s("handle"),
            s("1:"),
        ];
        a.extend([s("netem"), s("limit"), s("100000")]);
        a.extend([s("delay"), format!("{}us", spec.delay.as_micros())]);
        if spec.loss > 0.0 {
            a.extend([s("loss"), format!("{}%", spec.loss * 100.0)]);
        }
        tc(&a)?;
        parent = vec![s("parent"), s("1:1")];
    }
    if let Some(rate) = spec.rate_bps {
        let bytes_per_s = rate as f64 / 8.0;
        let burst = (bytes_per_s * 0.004).max(2.0 * 1514.0).ceil() as u64;
        let rtt = queue_rtt.as_secs_f64() + 0.020;
        let limit = (bytes_per_s * rtt).max(65536.0).ceil() as u64 + burst;
        let mut a = vec![s("qdisc"), s("add"), s("dev"), s(dev)];
        a.extend(parent);
        a.extend([
            s("handle"),
            s("10:"),
            s("tbf"),
            s("rate"),
            format!("{rate}bit"),
        ]);
        a.extend([s("burst"), burst.to_string(), s("limit"), limit.to_string()]);
        tc(&a)?;
    }
    Ok(())
}

/// Starts the relay of link `j` in namespace `mid` and waits for its `ready` line (5 s).
fn start_relay(
    ledger: &Ledger,
    log_dir: &Path,
    j: usize,
    mid: &str,
    ra: &str,
    rb: &str,
    spec: &LinkSpec,
) -> Result<std::process::Child, TopoError> {
    let (program, prefix) = relay::program().map_err(TopoError::Relay)?;
    let log_path = log_dir.join(format!("relay-{j}.log"));
    let log = std::fs::File::create(&log_path).map_err(|source| TopoError::Io {
        what: format!("creating {}", log_path.display()),
        source,
    })?;
    let seed = mlsim_core::fnv::Fnv1a::new()
        .bytes(ledger.run_id().as_bytes())
        .u64(j as u64)
        .finish();
    let mut cmd = Command::new("nsenter");
    cmd.arg(format!("--net=/var/run/netns/{mid}"))
        .arg("--")
        .arg(&program)
        .args(&prefix)
        .args(["--a", ra, "--b", rb])
        .args(["--delay-ns", &spec.delay.as_nanos().to_string()])
        .args(["--loss", &spec.loss.to_string()])
        .args(["--seed", &seed.to_string()])
        .stdout(Stdio::piped())
        .stderr(log);
    let mut child = spawn_recorded(ledger, &mut cmd)?;
    let Some(out) = child.stdout.take() else {
        return Err(TopoError::Relay("no stdout pipe".into()));
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(line) if line.trim() == "ready" => Ok(child),
        got => {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            Err(TopoError::Relay(format!(
                "relay of link {j} did not start ({got:?}); its log {}:\n{log}",
                log_path.display()
            )))
        }
    }
}

/// rx and tx bytes of every interface but `lo` in namespace `ns`.
pub(super) fn byte_counters(ns: &str) -> Result<(u64, u64), TopoError> {
    let out = sys::ip(Some(ns), &["-s", "-j", "link", "show"])?;
    let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| TopoError::Io {
        what: format!("parsing `ip -s -j link show` of {ns}"),
        source: std::io::Error::other(e),
    })?;
    let (mut rx, mut tx) = (0, 0);
    for l in v.as_array().into_iter().flatten() {
        if l["ifname"] == "lo" {
            continue;
        }
        rx += l["stats64"]["rx"]["bytes"].as_u64().unwrap_or(0);
        tx += l["stats64"]["tx"]["bytes"].as_u64().unwrap_or(0);
    }
    Ok((rx, tx))
}
