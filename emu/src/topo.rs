//! Mininet-style topologies: hosts are network namespaces, links are veth pairs shaped by the
//! kernel.
//!
//! # Hosts, addresses, routes
//! Host `i` (0-based, in spec order) is the namespace `mlsim-<run>-<name>` with `lo` up and the
//! host address `10.77.0.<i+1>/32` on `lo` ([`Host::addr`]). Link `j` is a point-to-point /30:
//! `10.77.<1 + j/64>.<4(j%64)+1>` on host `a`'s end and `.+2` on host `b`'s end. Every host
//! forwards (ip_forward = 1) and gets a static route to every other host address along the path
//! of least total delay (ties: fewest hops, then spec order), with its own host address as the
//! source, so any host reaches any other host's [`Host::addr`] over the shaped links. No bridge
//! is needed because links are point-to-point; IPv6 is off in every namespace (no stray router
//! solicitations on the measured links). Nothing is created in the root namespace.
//!
//! # Shaping: rate, delay, loss
//! * **Rate** [bit/s]: a `tbf` qdisc on each end's egress (so each direction is limited by its
//!   sender's interface, and TCP feels back-pressure at the sender); its queue holds at least
//!   one bandwidth-delay product of the link so TCP can fill it.
//! * **Delay and loss**, per direction: by `netem` when the kernel has it (detected once per
//!   process by adding a netem qdisc to `lo` in a scratch namespace; `tbf` then hangs below
//!   netem), otherwise by the **userspace relay** ([`relay`]): the link gets a middle namespace
//!   `mlsim-<run>-link.<j>` with two veth pairs, and a relay process there moves every Ethernet
//!   frame from one side to the other after the link's one-way delay. `MLSIM_DELAY_PATH=relay`
//!   forces the relay where netem exists (to test it); `=netem` forces netem.
//!
//! Why a frame relay on AF_PACKET sockets rather than a TUN relay: it is transparent at layer 2
//! (ARP and every protocol cross it unchanged, so hosts see an ordinary point-to-point Ethernet
//! link and the same addressing and routing work with or without netem), it needs no routing
//! trickery in the middle namespace, and with `PACKET_VNET_HDR` it passes the kernel's
//! segmentation and checksum-offload metadata through, so TCP segments are neither re-checksummed
//! nor re-segmented in userspace. See [`relay`] for its timing.
//!
//! Every namespace and relay is recorded in the run's [`Ledger`] before it is created; `Drop`
//! does not tear down, call [`Topology::down`] (or `mlsim emu clean`).

pub mod file;
pub mod relay;
mod route;
mod shape;

pub use file::TopoFileError;
pub use shape::{DelayPath, delay_path};

use std::ffi::OsStr;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ledger::{Ledger, LedgerError, Resource};
use crate::{names, sys};

/// A topology to build: plain data.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct TopologySpec {
    /// The hosts, in address order.
    pub hosts: Vec<HostSpec>,
    /// Point-to-point links between hosts.
    pub links: Vec<LinkSpec>,
}

/// One host.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HostSpec {
    /// Name, e.g. `ue0`, `bbu0`, `store`: 1 to 24 ASCII letters, digits, `_` or `-`.
    pub name: String,
}

/// One point-to-point link; its properties apply to each direction separately.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LinkSpec {
    /// One end (a host name).
    pub a: String,
    /// The other end (a host name).
    pub b: String,
    /// Rate of each direction [bit/s]; `None`: unshaped.
    pub rate_bps: Option<u64>,
    /// One-way delay of each direction.
    pub delay: Duration,
    /// Loss probability of each direction, per frame, in [0, 1).
    pub loss: f64,
}

/// Errors building or tearing down a topology.
#[derive(Debug, thiserror::Error)]
pub enum TopoError {
    /// The spec is not a valid topology.
    #[error("invalid topology: {0}")]
    Invalid(String),
    /// Recording in the ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A command (`ip`, `tc`, `nsenter`) failed.
    #[error(transparent)]
    Cmd(#[from] sys::CmdError),
    /// Another OS operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The relay could not be started.
    #[error("link relay: {0}")]
    Relay(String),
    /// Tearing down left objects behind.
    #[error("tear-down left objects behind: {0:?}")]
    Teardown(Vec<String>),
}

/// A host of a running topology.
#[derive(Debug, Clone)]
pub struct Host {
    name: String,
    netns: String,
    addr: Ipv4Addr,
}

impl Host {
    /// The host's name in the spec.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its network namespace (for `ip -n` / `nsenter --net=/var/run/netns/<name>`).
    pub fn netns_name(&self) -> &str {
        &self.netns
    }
    /// `/var/run/netns/<name>`.
    pub fn netns_path(&self) -> PathBuf {
        Path::new("/var/run/netns").join(&self.netns)
    }
    /// The host's address, reachable from every other host.
    pub fn addr(&self) -> Ipv4Addr {
        self.addr
    }
    /// A command running `program` in this host's network namespace only
    /// (`nsenter --net=...`, not `ip netns exec`, whose private mount namespace CRIU refuses).
    /// Append the program's arguments with `.arg(s)`.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut c = Command::new("nsenter");
        c.arg(format!("--net={}", self.netns_path().display()))
            .arg("--")
            .arg(program);
        c
    }
    /// Received and transmitted bytes, summed over the host's interfaces except `lo`
    /// [bytes, counted at layer 2 including Ethernet headers].
    pub fn byte_counters(&self) -> Result<(u64, u64), TopoError> {
        shape::byte_counters(&self.netns)
    }
}

/// A link of a running topology.
#[derive(Debug, Clone)]
pub struct Link {
    /// Index in the spec.
    pub index: usize,
    /// Interface on host `a` and its namespace.
    pub a_if: (String, String),
    /// Interface on host `b` and its namespace.
    pub b_if: (String, String),
    /// Middle namespace of the relay, if the link is relayed.
    pub relay_netns: Option<String>,
    /// The relay process (pid), if any.
    pub relay_pid: Option<u32>,
}

/// A running topology. Dropping it does NOT tear it down: call [`Topology::down`].
#[derive(Debug)]
pub struct Topology {
    hosts: Vec<Host>,
    links: Vec<Link>,
    path: DelayPath,
    /// The relay processes, reaped by `down` (so they don't linger as zombies).
    relays: Vec<std::process::Child>,
}

impl Topology {
    /// Builds `spec`, recording every namespace and process in `ledger` before creating it.
    /// On error, what was built so far stays recorded: clean the ledger.
    pub fn up(spec: &TopologySpec, ledger: &Ledger) -> Result<Topology, TopoError> {
        validate(spec)?;
        let path = delay_path(ledger)?;
        let run = ledger.run_id();
        let log_dir = ledger
            .path()
            .parent()
            .unwrap_or(Path::new("/tmp"))
            .to_owned();
        let mut hosts = Vec::with_capacity(spec.hosts.len());
        for (i, h) in spec.hosts.iter().enumerate() {
            let netns = names::netns(run, &h.name);
            make_netns(ledger, &netns, true)?;
            let addr = host_addr(i);
            sys::ip(
                Some(&netns),
                &["addr", "add", &format!("{addr}/32"), "dev", "lo"],
            )?;
            hosts.push(Host {
                name: h.name.clone(),
                netns,
                addr,
            });
        }
        let index = |n: &str| spec.hosts.iter().position(|h| h.name == n);
        let mut links = Vec::with_capacity(spec.links.len());
        let mut relays = Vec::new();
        for (j, l) in spec.links.iter().enumerate() {
            let (Some(ia), Some(ib)) = (index(&l.a), index(&l.b)) else {
                unreachable!("validated")
            };
            let (link, relay) = shape::make_link(
                ledger,
                &log_dir,
                j,
                (&hosts[ia].netns, &hosts[ib].netns),
                link_addrs(j),
                l,
                path,
            )?;
            links.push(link);
            relays.extend(relay);
        }
        let routes = route::next_hops(spec);
        for (h, host) in hosts.iter().enumerate() {
            for (t, hop) in routes[h].iter().enumerate() {
                let Some((j, from_a)) = *hop else { continue };
                let (ifc, peer) = if from_a {
                    (&links[j].a_if.0, link_addrs(j).1)
                } else {
                    (&links[j].b_if.0, link_addrs(j).0)
                };
                sys::ip(
                    Some(&host.netns),
                    &[
                        "route",
                        "add",
                        &format!("{}/32", host_addr(t)),
                        "via",
                        &peer.to_string(),
                        "dev",
                        ifc,
                        "src",
                        &host.addr.to_string(),
                    ],
                )?;
            }
        }
        Ok(Topology {
            hosts,
            links,
            path,
            relays,
        })
    }

    /// The host called `name`.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }
    /// All hosts, in spec order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }
    /// All links, in spec order.
    pub fn links(&self) -> &[Link] {
        &self.links
    }
    /// How delay and loss are applied.
    pub fn delay_path(&self) -> DelayPath {
        self.path
    }

    /// Stops the relays and deletes every namespace of the topology (with every process still
    /// inside). Objects already gone are fine.
    pub fn down(mut self) -> Result<(), TopoError> {
        let mut failed = Vec::new();
        let mut rm = |r: Resource| {
            if let Err(e) = crate::ledger::remove(&r) {
                failed.push(e);
            }
        };
        for l in &self.links {
            if let Some(ns) = &l.relay_netns {
                rm(Resource::Netns { name: ns.clone() });
            }
        }
        for h in &self.hosts {
            rm(Resource::Netns {
                name: h.netns.clone(),
            });
        }
        for r in &mut self.relays {
            let _ = r.kill();
            let _ = r.wait();
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(TopoError::Teardown(failed))
        }
    }
}

/// `10.77.0.<i+1>`: the address of host `i`.
fn host_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 77, 0, (i + 1) as u8)
}

/// The /30 of link `j`: (end a, end b).
fn link_addrs(j: usize) -> (Ipv4Addr, Ipv4Addr) {
    let s = (1 + j / 64) as u8;
    let base = ((j % 64) * 4) as u8;
    (
        Ipv4Addr::new(10, 77, s, base + 1),
        Ipv4Addr::new(10, 77, s, base + 2),
    )
}

/// Most hosts of one topology (host addresses are `10.77.0.1..=254`).
pub const MAX_HOSTS: usize = 254;
/// Most links of one topology (link subnets are `10.77.1.0/24 ..= 10.77.254.0/24`).
pub const MAX_LINKS: usize = 64 * 254;

fn validate(spec: &TopologySpec) -> Result<(), TopoError> {
    let bad = |m: String| Err(TopoError::Invalid(m));
    if spec.hosts.is_empty() {
        return bad("no hosts".into());
    }
    if spec.hosts.len() > MAX_HOSTS || spec.links.len() > MAX_LINKS {
        return bad(format!(
            "at most {MAX_HOSTS} hosts and {MAX_LINKS} links are supported"
        ));
    }
    for (i, h) in spec.hosts.iter().enumerate() {
        let ok = !h.name.is_empty()
            && h.name.len() <= 24
            && h.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return bad(format!(
                "host name {:?}: use 1 to 24 ASCII letters, digits, '_' or '-'",
                h.name
            ));
        }
        if spec.hosts[..i].iter().any(|o| o.name == h.name) {
            return bad(format!("host {:?} is listed twice", h.name));
        }
    }
    for (j, l) in spec.links.iter().enumerate() {
        for end in [&l.a, &l.b] {
            if !spec.hosts.iter().any(|h| &h.name == end) {
                return bad(format!("link {j}: no host called {end:?}"));
            }
        }
        if l.a == l.b {
            return bad(format!("link {j}: both ends are {:?}", l.a));
        }
        if !(0.0..1.0).contains(&l.loss) {
            return bad(format!("link {j}: loss {} is not in [0, 1)", l.loss));
        }
        if l.rate_bps == Some(0) {
            return bad(format!(
                "link {j}: rate 0 bit/s; omit the rate for an unshaped link"
            ));
        }
        if l.delay > Duration::from_secs(10) {
            return bad(format!("link {j}: delay {:?} is above 10 s", l.delay));
        }
    }
    Ok(())
}

/// Records and creates namespace `name`; brings `lo` up and sets the namespace's sysctls
/// (forwarding on for hosts, IPv6 off, reverse-path filter off).
fn make_netns(ledger: &Ledger, name: &str, forward: bool) -> Result<(), TopoError> {
    ledger.record(&Resource::Netns { name: name.into() })?;
    sys::ip(None, &["netns", "add", name])?;
    sys::ip(Some(name), &["link", "set", "lo", "up"])?;
    let path = Path::new("/var/run/netns").join(name);
    let settings: [(&str, &str); 6] = [
        ("ipv4/ip_forward", if forward { "1" } else { "0" }),
        ("ipv4/conf/all/rp_filter", "0"),
        ("ipv4/conf/default/rp_filter", "0"),
        ("ipv6/conf/all/disable_ipv6", "1"),
        ("ipv6/conf/default/disable_ipv6", "1"),
        ("ipv4/conf/all/accept_redirects", "0"),
    ];
    sys::in_netns(&path, move || {
        for (k, v) in settings {
            let p = format!("/proc/sys/net/{k}");
            std::fs::write(&p, v)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{p}: {e}")))?;
        }
        Ok(())
    })
    .map_err(|source| TopoError::Io {
        what: format!("sysctls of {name}"),
        source,
    })
}

/// Spawns `cmd` detached (own session, no stdin), records it, and returns its pid.
fn spawn_recorded(ledger: &Ledger, cmd: &mut Command) -> Result<std::process::Child, TopoError> {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null()).process_group(0);
    let child = cmd.spawn().map_err(|source| TopoError::Io {
        what: format!("starting {}", sys::show(cmd)),
        source,
    })?;
    ledger.record_process(child.id())?;
    Ok(child)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(a: &str, b: &str) -> LinkSpec {
        LinkSpec {
            a: a.into(),
            b: b.into(),
            rate_bps: None,
            delay: Duration::ZERO,
            loss: 0.0,
        }
    }

    #[test]
    fn link_subnets_do_not_overlap_and_skip_the_host_subnet() {
        let mut seen = std::collections::HashSet::new();
        for j in 0..300 {
            let (a, b) = link_addrs(j);
            assert_ne!(a.octets()[2], 0);
            assert_eq!(u32::from(b) - u32::from(a), 1);
            assert_eq!(u32::from(a) & 3, 1);
            assert!(seen.insert(u32::from(a) & !3), "link {j} reuses a /30");
        }
    }

    #[test]
    fn invalid_specs_are_rejected_with_the_reason() {
        let hosts = vec![HostSpec { name: "a".into() }, HostSpec { name: "b".into() }];
        let ok = TopologySpec {
            hosts: hosts.clone(),
            links: vec![link("a", "b")],
        };
        assert!(validate(&ok).is_ok());
        let mut s = ok.clone();
        s.links[0].b = "c".into();
        assert!(matches!(validate(&s), Err(TopoError::Invalid(m)) if m.contains("no host called")));
        let mut s = ok.clone();
        s.links[0].loss = 1.0;
        assert!(validate(&s).is_err());
        let mut s = ok.clone();
        s.hosts[1].name = "a".into();
        assert!(validate(&s).is_err());
        let mut s = ok;
        s.hosts[0].name = "a b".into();
        assert!(validate(&s).is_err());
    }
}
