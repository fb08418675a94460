//! Switches: a Linux bridge in its own namespace, and the numbering of its attachments.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use super::{End, Switch, TopoError, TopologySpec, make_netns};
use crate::ledger::{Ledger, Resource};
use crate::{names, sys};

/// Records and creates switch `k` called `name`: the namespace `mlsim-<run>-sw.<name>` and the
/// bridge `ml<run>-s<k>` in it (STP off, so ports forward at once), up.
pub(super) fn make_switch(ledger: &Ledger, k: usize, name: &str) -> Result<Switch, TopoError> {
    let netns = names::netns(ledger.run_id(), &format!("sw.{name}"));
    make_netns(ledger, &netns, false)?;
    // Docker loads br_netfilter, which would pass bridged frames through this namespace's
    // (empty) iptables and conntrack: switch that off where the knobs exist (best effort).
    let path = Path::new("/var/run/netns").join(&netns);
    let _ = sys::in_netns(&path, || {
        for k in ["call-iptables", "call-ip6tables", "call-arptables"] {
            let _ = std::fs::write(format!("/proc/sys/net/bridge/bridge-nf-{k}"), "0");
        }
        Ok(())
    });
    let bridge = names::ifname(ledger.run_id(), &format!("s{k}"))
        .ok_or_else(|| TopoError::Invalid(format!("switch index {k} too large")))?;
    ledger.record(&Resource::Link {
        name: bridge.clone(),
        netns: Some(netns.clone()),
    })?;
    sys::ip(
        Some(&netns),
        &[
            "link",
            "add",
            &bridge,
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
        ],
    )?;
    sys::ip(Some(&netns), &["link", "set", &bridge, "up"])?;
    Ok(Switch {
        name: name.into(),
        netns,
        bridge,
        subnet: Ipv4Addr::new(10, 78, k as u8, 0),
    })
}

/// Waits until every port of `sw`'s bridge is forwarding, at most `timeout`.
///
/// A port joins the bridge disabled and is enabled only when the bridge hears of its carrier,
/// which the kernel's link watcher may batch for up to a second: frames (a first ARP request)
/// arriving on a port before that are dropped, so the first packet across the switch would
/// wait for the ARP retry one second later. The batching hits veths whose peer has the same
/// interface index; links get distinct indexes (`shape::ifindexes`), so this wait is short
/// (switch.toml comes up in 0.18 s instead of 0.83 s) and stays as the guarantee.
pub(super) fn wait_forwarding(sw: &Switch, timeout: Duration) -> Result<(), TopoError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let out = sys::ip(
            Some(&sw.netns),
            &["-d", "-j", "link", "show", "master", &sw.bridge],
        )?;
        let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| TopoError::Io {
            what: format!("parsing the ports of bridge {} in {}", sw.bridge, sw.netns),
            source: std::io::Error::other(e),
        })?;
        let waiting: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["linkinfo"]["info_slave_data"]["state"] != "forwarding")
            .map(|p| {
                format!(
                    "{} ({})",
                    p["ifname"], p["linkinfo"]["info_slave_data"]["state"]
                )
            })
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(TopoError::Invalid(format!(
                "switch {:?}: bridge ports not forwarding after {timeout:?}: {}",
                sw.name,
                waiting.join(", ")
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The attachments of a (valid) spec, numbered per switch in link order.
#[derive(Debug)]
pub(super) struct Segments {
    /// Per link: `(switch, position among the switch's attachments)`, or `None` (host-host).
    by_link: Vec<Option<(usize, usize)>>,
    /// Per switch: `(host, link)` of each attachment, in position order.
    by_switch: Vec<Vec<(usize, usize)>>,
}

impl Segments {
    /// Numbers the attachments of `spec`.
    pub(super) fn of(spec: &TopologySpec) -> Segments {
        let mut by_switch: Vec<Vec<(usize, usize)>> = vec![Vec::new(); spec.switches.len()];
        let by_link = spec
            .link_ends()
            .into_iter()
            .enumerate()
            .map(|(j, ends)| match ends? {
                [End::Switch(k), End::Host(h)] | [End::Host(h), End::Switch(k)] => {
                    by_switch[k].push((h, j));
                    Some((k, by_switch[k].len() - 1))
                }
                _ => None,
            })
            .collect();
        Segments { by_link, by_switch }
    }
    /// `(switch, position)` of link `j` if it is an attachment.
    pub(super) fn of_link(&self, j: usize) -> Option<(usize, usize)> {
        self.by_link.get(j).copied().flatten()
    }
    /// Position of host `h`'s attachment to switch `k`.
    pub(super) fn position(&self, k: usize, h: usize) -> Option<usize> {
        self.by_switch.get(k)?.iter().position(|&(hh, _)| hh == h)
    }
    /// For an attachment `j`: the largest one-way delay of the other attachments of its switch
    /// (a frame over the switch crosses two attachments; queues are sized for that round trip).
    /// Zero for a host-host link.
    pub(super) fn max_other_delay(&self, spec: &TopologySpec, j: usize) -> Duration {
        let Some((k, _)) = self.of_link(j) else {
            return Duration::ZERO;
        };
        self.by_switch[k]
            .iter()
            .filter(|&&(_, jj)| jj != j)
            .map(|&(_, jj)| spec.links[jj].delay)
            .max()
            .unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{HostSpec, LinkSpec, SwitchSpec};
    use super::*;

    #[test]
    fn attachments_are_numbered_per_switch_in_link_order() {
        let l = |a: &str, b: &str, ms: u64| LinkSpec {
            a: a.into(),
            b: b.into(),
            rate_bps: None,
            delay: Duration::from_millis(ms),
            loss: 0.0,
        };
        let spec = TopologySpec {
            hosts: ["a", "b", "c"]
                .iter()
                .map(|n| HostSpec { name: (*n).into() })
                .collect(),
            switches: ["s", "t"]
                .iter()
                .map(|n| SwitchSpec { name: (*n).into() })
                .collect(),
            links: vec![
                l("b", "s", 5),
                l("a", "b", 1),
                l("t", "a", 0),
                l("s", "a", 10),
                l("c", "s", 2),
            ],
        };
        let seg = Segments::of(&spec);
        assert_eq!(seg.of_link(0), Some((0, 0)));
        assert_eq!(seg.of_link(1), None);
        assert_eq!(seg.of_link(2), Some((1, 0)));
        assert_eq!(seg.of_link(3), Some((0, 1)));
        assert_eq!(seg.of_link(4), Some((0, 2)));
        assert_eq!(seg.position(0, 0), Some(1));
        assert_eq!(seg.position(0, 2), Some(2));
        assert_eq!(seg.position(1, 1), None);
        assert_eq!(seg.max_other_delay(&spec, 0), Duration::from_millis(10));
        assert_eq!(seg.max_other_delay(&spec, 3), Duration::from_millis(5));
        assert_eq!(seg.max_other_delay(&spec, 2), Duration::ZERO);
        assert_eq!(seg.max_other_delay(&spec, 1), Duration::ZERO);
    }
}
