//! Mininet-style topologies: hosts are network namespaces, links are veth pairs shaped by the
//! kernel.
//!
//! # Hosts, switches, addresses, routes
//! Host `i` (0-based, in spec order) is the namespace `mlsim-<run>-<name>` with `lo` up and the
//! host address `10.77.0.<i+1>/32` on `lo` ([`Host::addr`]). A link between two hosts (link `j`
//! in spec order) is a point-to-point /30: `10.77.<1 + j/64>.<4(j%64)+1>` on host `a`'s end and
//! `.+2` on host `b`'s end.
//!
//! A **switch** (Mininet's switch: a shared Ethernet segment) is a Linux bridge in its own
//! namespace `mlsim-<run>-sw.<name>`. A link with a switch at one end is an **attachment**: a
//! veth pair whose switch end is a port of the bridge, shaped like a link (rate, delay and loss
//! of each direction). The hosts on switch `k` share the subnet `10.78.<k>.0/24`; the `p`-th
//! attachment of switch `k` (in link order) gives its host the address `10.78.<k>.<p+1>`. So
//! one-way delay from host A to host B over a switch is delay(A's attachment) + delay(B's
//! attachment), and the rate is the smaller of the two (each attachment has `tbf` on the host's
//! egress and on the bridge port's egress). Switch-to-switch links are not supported.
//!
//! Every host forwards (ip_forward = 1) and gets a static route to every other host address
//! along the path of least total delay (ties: fewest hops, then spec order; a switch is a node of
//! that graph, see `route`), with its own host address as the source, so any host reaches any
//! other host's [`Host::addr`] over the shaped links and segments. IPv6 is off in every
//! namespace (no stray router solicitations on the measured links). Nothing is created in the
//! root namespace.
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
//! Every namespace, bridge and relay is recorded in the run's [`Ledger`] before it is created; `Drop`
//! does not tear down, call [`Topology::down`] (or `mlsim emu clean`).

pub mod file;
pub mod relay;
mod route;
mod shape;
mod switch;
mod validate;

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
    /// Switches (shared segments), in subnet order; links attach hosts to them.
    #[serde(default)]
    pub switches: Vec<SwitchSpec>,
    /// Links: between two hosts (point to point), or between a host and a switch (an
    /// attachment).
    pub links: Vec<LinkSpec>,
}

/// One switch: a Linux bridge in its own namespace, a shared Ethernet segment.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct SwitchSpec {
    /// Name, e.g. `pool`: 1 to 24 ASCII letters, digits, `_` or `-`, distinct from every host's.
    pub name: String,
}

/// One host.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HostSpec {
    /// Name, e.g. `ue0`, `bbu0`, `store`: 1 to 24 ASCII letters, digits, `_` or `-`.
    pub name: String,
}

/// One link (host to host, or host to switch); its properties apply to each direction
/// separately.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LinkSpec {
    /// One end (a host or switch name).
    pub a: String,
    /// The other end (a host or switch name; at most one end is a switch).
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
    /// Interface on end `a` and its namespace (a switch's namespace if `a` is a switch: the
    /// bridge port).
    pub a_if: (String, String),
    /// Interface on end `b` and its namespace (likewise).
    pub b_if: (String, String),
    /// Middle namespace of the relay, if the link is relayed.
    pub relay_netns: Option<String>,
    /// The relay process (pid), if any.
    pub relay_pid: Option<u32>,
    /// The switch (index in [`Topology::switches`]) if this link is an attachment.
    pub switch: Option<usize>,
}

/// A switch of a running topology: a Linux bridge in its own namespace.
#[derive(Debug, Clone)]
pub struct Switch {
    name: String,
    netns: String,
    bridge: String,
    subnet: Ipv4Addr,
}

impl Switch {
    /// The switch's name in the spec.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its network namespace (`mlsim-<run>-sw.<name>`), holding the bridge and its ports.
    pub fn netns_name(&self) -> &str {
        &self.netns
    }
    /// The bridge interface (in [`Switch::netns_name`]).
    pub fn bridge(&self) -> &str {
        &self.bridge
    }
    /// The segment's subnet `10.78.<k>.0` (prefix length 24).
    pub fn subnet(&self) -> Ipv4Addr {
        self.subnet
    }
}

/// A running topology. Dropping it does NOT tear it down: call [`Topology::down`].
#[derive(Debug)]
pub struct Topology {
    hosts: Vec<Host>,
    switches: Vec<Switch>,
    links: Vec<Link>,
    path: DelayPath,
    /// The relay processes, reaped by `down` (so they don't linger as zombies).
    relays: Vec<std::process::Child>,
}

impl Topology {
    /// Builds `spec`, recording every namespace, bridge and process in `ledger` before creating
    /// it. On error, what was built so far stays recorded: clean the ledger.
    pub fn up(spec: &TopologySpec, ledger: &Ledger) -> Result<Topology, TopoError> {
        validate::validate(spec)?;
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
        let mut switches = Vec::with_capacity(spec.switches.len());
        for (k, s) in spec.switches.iter().enumerate() {
            switches.push(switch::make_switch(ledger, k, &s.name)?);
        }
        let ends = spec.link_ends();
        let seg = switch::Segments::of(spec);
        let mut links = Vec::with_capacity(spec.links.len());
        let mut relays = Vec::new();
        for (j, l) in spec.links.iter().enumerate() {
            let Some([ea, eb]) = ends[j] else {
                unreachable!("validated")
            };
            let end = |e: End, own: Ipv4Addr| match e {
                End::Host(i) => shape::LinkEnd {
                    ns: hosts[i].netns.clone(),
                    addr: Some(match seg.of_link(j) {
                        Some((k, p)) => (segment_addr(k, p), 24),
                        None => (own, 30),
                    }),
                    bridge: None,
                },
                End::Switch(k) => shape::LinkEnd {
                    ns: switches[k].netns.clone(),
                    addr: None,
                    bridge: Some(switches[k].bridge.clone()),
                },
            };
            let (own_a, own_b) = link_addrs(j);
            let queue_rtt = 2 * (l.delay + seg.max_other_delay(spec, j));
            let (mut link, relay) = shape::make_link(
                ledger,
                &log_dir,
                j,
                [end(ea, own_a), end(eb, own_b)],
                l,
                queue_rtt,
                path,
            )?;
            link.switch = seg.of_link(j).map(|(k, _)| k);
            links.push(link);
            relays.extend(relay);
        }
        for s in &switches {
            switch::wait_forwarding(s, Duration::from_secs(5))?;
        }
        let routes = route::next_hops(spec);
        for (h, host) in hosts.iter().enumerate() {
            for (t, hop) in routes[h].iter().enumerate() {
                let Some(hop) = *hop else { continue };
                let j = hop.link;
                let ifc = if hop.from_a {
                    &links[j].a_if.0
                } else {
                    &links[j].b_if.0
                };
                let via = match seg.of_link(j) {
                    Some((k, _)) => {
                        let Some(p) = seg.position(k, hop.gw) else {
                            unreachable!("a route's gateway on a switch is attached to it")
                        };
                        segment_addr(k, p)
                    }
                    None if hop.from_a => link_addrs(j).1,
                    None => link_addrs(j).0,
                };
                sys::ip(
                    Some(&host.netns),
                    &[
                        "route",
                        "add",
                        &format!("{}/32", host_addr(t)),
                        "via",
                        &via.to_string(),
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
            switches,
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
    /// All switches, in spec order.
    pub fn switches(&self) -> &[Switch] {
        &self.switches
    }
    /// All links (point-to-point links and attachments), in spec order.
    pub fn links(&self) -> &[Link] {
        &self.links
    }
    /// How delay and loss are applied.
    pub fn delay_path(&self) -> DelayPath {
        self.path
    }

    /// Stops the relays and deletes every namespace of the topology (with every process, veth
    /// and bridge still inside). Objects already gone are fine.
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
        for s in &self.switches {
            rm(Resource::Netns {
                name: s.netns.clone(),
            });
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

/// One end of a link in a spec: a host or a switch (indices in spec order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// `hosts[i]`.
    Host(usize),
    /// `switches[k]`.
    Switch(usize),
}

impl TopologySpec {
    /// A topology of the hosts and switches named, and `links`.
    pub fn named(hosts: &[&str], switches: &[&str], links: Vec<LinkSpec>) -> TopologySpec {
        TopologySpec {
            hosts: hosts
                .iter()
                .map(|n| HostSpec { name: (*n).into() })
                .collect(),
            switches: switches
                .iter()
                .map(|n| SwitchSpec { name: (*n).into() })
                .collect(),
            links,
        }
    }

    /// The host or switch called `name`.
    pub(crate) fn end(&self, name: &str) -> Option<End> {
        if let Some(i) = self.hosts.iter().position(|h| h.name == name) {
            return Some(End::Host(i));
        }
        self.switches
            .iter()
            .position(|s| s.name == name)
            .map(End::Switch)
    }
    /// Both ends of every link (`None` where an end names nothing).
    pub(crate) fn link_ends(&self) -> Vec<Option<[End; 2]>> {
        self.links
            .iter()
            .map(|l| Some([self.end(&l.a)?, self.end(&l.b)?]))
            .collect()
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

/// `10.78.<k>.<p+1>`: the address of the `p`-th attachment of switch `k` (prefix length 24).
fn segment_addr(k: usize, p: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 78, k as u8, (p + 1) as u8)
}

/// Most hosts of one topology (host addresses are `10.77.0.1..=254`).
pub const MAX_HOSTS: usize = 254;
/// Most links of one topology (interface tags `<j>ra` must fit 6 characters; link subnets are
/// `10.77.1.0/24 ..= 10.77.157.0/24`).
pub const MAX_LINKS: usize = 10_000;
/// Most switches of one topology (segment subnets are `10.78.0.0/24 ..= 10.78.255.0/24`).
pub const MAX_SWITCHES: usize = 256;
/// Most attachments of one switch (addresses `.1 ..= .254` of its /24).
pub const MAX_ATTACHMENTS: usize = 254;

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

    #[test]
    fn link_subnets_do_not_overlap_and_skip_the_host_subnet() {
        let mut seen = std::collections::HashSet::new();
        for j in 0..MAX_LINKS {
            let (a, b) = link_addrs(j);
            assert_ne!(a.octets()[2], 0);
            assert_eq!(u32::from(b) - u32::from(a), 1);
            assert_eq!(u32::from(a) & 3, 1);
            assert!(seen.insert(u32::from(a) & !3), "link {j} reuses a /30");
            assert!(names::ifname("3fa9c1", &format!("{j}ra")).is_some());
        }
    }

    #[test]
    fn segment_addresses_stay_in_their_switch_subnet_apart_from_links_and_hosts() {
        for k in [0, 1, MAX_SWITCHES - 1] {
            for p in [0, MAX_ATTACHMENTS - 1] {
                let o = segment_addr(k, p).octets();
                assert_eq!((o[0], o[1], o[2] as usize), (10, 78, k));
                assert!((1..=254).contains(&o[3]), "{o:?}");
            }
        }
        assert_eq!(host_addr(0).octets()[1], 77);
        assert_eq!(link_addrs(MAX_LINKS - 1).0.octets()[1], 77);
    }

    #[test]
    fn link_ends_resolve_hosts_and_switches() {
        let spec = TopologySpec {
            hosts: vec![HostSpec { name: "a".into() }],
            switches: vec![SwitchSpec { name: "s".into() }],
            links: vec![LinkSpec {
                a: "s".into(),
                b: "a".into(),
                rate_bps: None,
                delay: Duration::ZERO,
                loss: 0.0,
            }],
        };
        assert_eq!(spec.link_ends(), vec![Some([End::Switch(0), End::Host(0)])]);
        assert_eq!(spec.end("x"), None);
    }
}
