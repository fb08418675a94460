//! Links between nodes: latency plus FIFO serialisation per direction, and the byte counts
//! that make up the network load (per link and per protocol step).

use mlsim_core::record::{LinkRecord, Mode, StepRecord};
use mlsim_core::scenario::{LinkParams, Topology, Transport};
use mlsim_core::{RecordSink, SimDuration, SimTime};
use std::collections::BTreeMap;

/// A node of the topology: a BBU or a UE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    /// A BBU by index.
    Bbu(u32),
    /// A UE by index.
    Ue(u32),
}

impl Node {
    fn label(self) -> String {
        match self {
            Node::Bbu(b) => format!("bbu{b}"),
            Node::Ue(u) => format!("ue{u}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Radio,
    Wired,
    Local,
}

#[derive(Clone, Debug)]
struct Direction {
    kind: Kind,
    params: LinkParams,
    /// The direction is free to start the next message at this time.
    free_at: SimTime,
    messages: u64,
    bytes: u64,
    busy_ns: u64,
}

/// All link directions of a run and the per-step totals.
#[derive(Clone, Debug)]
pub struct Network {
    radio: LinkParams,
    wired: LinkParams,
    local: LinkParams,
    transport: Transport,
    /// Per BBU: extra one-way latency and wired capacity cap [bit/s] of its links.
    bbu_links: Vec<(SimDuration, f64)>,
    dirs: BTreeMap<(Node, Node), Direction>,
    steps: [(u64, u64); 8],
}

impl Network {
    /// The links of a topology (directions are created on first use).
    pub fn new(t: &Topology) -> Self {
        Network {
            radio: t.radio,
            wired: t.wired,
            local: t.local,
            transport: t.transport,
            bbu_links: t
                .bbus
                .iter()
                .map(|b| {
                    (
                        b.extra_latency,
                        b.wired_bandwidth_bps.unwrap_or(f64::INFINITY),
                    )
                })
                .collect(),
            dirs: BTreeMap::new(),
            steps: [(0, 0); 8],
        }
    }

    /// Sends `bytes` from `from` to `to` at `now` as part of protocol `step` (1–7); returns
    /// the arrival time. A message starts when the direction has finished the previous one
    /// (FIFO), keeps the direction busy and arrives as [`LinkParams::transfer`] says for the
    /// topology's transport (fluid: bytes·8/bandwidth to serialise, then `latency` to arrive).
    ///
    /// UE ↔ BBU uses the radio link, BBU ↔ other BBU the wired link, and a BBU to itself the
    /// local (loopback) link. Messages between two UEs do not occur.
    pub fn send(&mut self, now: SimTime, from: Node, to: Node, bytes: u64, step: u8) -> SimTime {
        let (kind, params) = self.kind_and_params(from, to);
        let d = self.dirs.entry((from, to)).or_insert(Direction {
            kind,
            params,
            free_at: SimTime::ZERO,
            messages: 0,
            bytes: 0,
            busy_ns: 0,
        });
        let start = d.free_at.max(now);
        let (busy, arrival) = d.params.transfer(bytes, self.transport);
        d.free_at = start + busy;
        d.messages += 1;
        d.bytes += bytes;
        d.busy_ns += busy.as_nanos();
        let s = &mut self.steps[step as usize];
        s.0 += 1;
        s.1 += bytes;
        start + arrival
    }

    /// The latency and capacity of the path from `from` to `to` (what a message of that
    /// direction gets, before queueing behind others).
    pub fn path(&self, from: Node, to: Node) -> LinkParams {
        self.kind_and_params(from, to).1
    }

    /// A wired path between two BBUs gets the topology's wired latency plus both BBUs' extra
    /// latency, and the smallest of the three capacities.
    fn kind_and_params(&self, from: Node, to: Node) -> (Kind, LinkParams) {
        match (from, to) {
            (Node::Bbu(a), Node::Bbu(b)) if a == b => (Kind::Local, self.local),
            (Node::Bbu(a), Node::Bbu(b)) => {
                let (la, ba) = self.bbu_links[a as usize];
                let (lb, bb) = self.bbu_links[b as usize];
                let w = self.wired;
                (
                    Kind::Wired,
                    LinkParams {
                        latency: w.latency + la + lb,
                        bandwidth_bps: w.bandwidth_bps.min(ba).min(bb),
                    },
                )
            }
            _ => (Kind::Radio, self.radio),
        }
    }

    /// Emits one [`LinkRecord`] per used direction (sorted by nodes) and one [`StepRecord`] per
    /// step 1–7.
    pub fn emit<S: RecordSink>(&self, run: u32, sink: &mut S) {
        for ((from, to), d) in &self.dirs {
            sink.link(LinkRecord {
                run,
                mode: Mode::Sim,
                kind: match d.kind {
                    Kind::Radio => "radio",
                    Kind::Wired => "wired",
                    Kind::Local => "local",
                }
                .into(),
                from: from.label(),
                to: to.label(),
                messages: d.messages,
                bytes: d.bytes,
                busy_ns: d.busy_ns,
            });
        }
        for step in 1..=7u8 {
            let (messages, bytes) = self.steps[step as usize];
            sink.step(StepRecord {
                run,
                mode: Mode::Sim,
                step,
                messages,
                bytes,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::scenario::{Bbu, LoadProcess};

    fn topo() -> Topology {
        let l = |ms, mbps: f64| LinkParams {
            latency: SimDuration::from_millis(ms),
            bandwidth_bps: mbps * 1e6,
        };
        Topology {
            bbus: vec![
                Bbu {
                    cores: 1,
                    speed: 1.0,
                    memory_mib: 1,
                    load: LoadProcess::Constant(0.0),
                    extra_latency: SimDuration::ZERO,
                    wired_bandwidth_bps: None,
                };
                3
            ],
            control_bbu: 0,
            workers: vec![1],
            ues: 1,
            radio: l(10, 8.0),
            wired: l(1, 80.0),
            local: l(0, 8000.0),
            transport: Transport::Fluid,
        }
    }

    #[test]
    fn fifo_serialisation_then_latency() {
        let mut n = Network::new(&topo());
        // 1000 B over 8 Mbit/s radio: 1 ms on the wire + 10 ms latency.
        let a = n.send(SimTime::ZERO, Node::Ue(0), Node::Bbu(0), 1000, 1);
        assert_eq!(a, SimTime(11_000_000));
        // A second message at t=0.5 ms waits for the first to leave the wire (t=1 ms).
        let b = n.send(SimTime(500_000), Node::Ue(0), Node::Bbu(0), 1000, 1);
        assert_eq!(b, SimTime(12_000_000));
        // The other direction is independent.
        let c = n.send(SimTime::ZERO, Node::Bbu(0), Node::Ue(0), 1000, 7);
        assert_eq!(c, SimTime(11_000_000));
        // BBU to BBU is wired: 1000 B at 80 Mbit/s = 0.1 ms, + 1 ms.
        assert_eq!(
            n.send(SimTime::ZERO, Node::Bbu(0), Node::Bbu(1), 1000, 4),
            SimTime(1_100_000)
        );
        let mut r = mlsim_core::Records::default();
        n.emit(0, &mut r);
        assert_eq!(r.links.len(), 3);
        assert_eq!(r.steps.iter().map(|s| s.bytes).sum::<u64>(), 4000);
    }

    #[test]
    fn a_distant_slow_bbu_adds_its_latency_and_caps_the_capacity() {
        let mut t = topo();
        t.bbus[2].extra_latency = SimDuration::from_millis(4);
        t.bbus[2].wired_bandwidth_bps = Some(8e6);
        let mut n = Network::new(&t);
        // 0 → 2: latency 1 + 0 + 4 = 5 ms; capacity min(80, 8) = 8 Mbit/s: 1000 B take 1 ms.
        let p = n.path(Node::Bbu(0), Node::Bbu(2));
        assert_eq!(p.latency, SimDuration::from_millis(5));
        assert_eq!(p.bandwidth_bps, 8e6);
        assert_eq!(
            n.send(SimTime::ZERO, Node::Bbu(0), Node::Bbu(2), 1000, 4),
            SimTime(6_000_000)
        );
        // 0 → 1 is unaffected: 1 ms + 0.1 ms.
        assert_eq!(
            n.send(SimTime::ZERO, Node::Bbu(0), Node::Bbu(1), 1000, 4),
            SimTime(1_100_000)
        );
    }

    #[test]
    fn counts_per_step() {
        let mut n = Network::new(&topo());
        n.send(SimTime::ZERO, Node::Ue(0), Node::Bbu(0), 1000, 1);
        n.send(SimTime::ZERO, Node::Ue(0), Node::Bbu(0), 1000, 1);
        n.send(SimTime::ZERO, Node::Bbu(0), Node::Ue(0), 1000, 7);
        n.send(SimTime::ZERO, Node::Bbu(0), Node::Bbu(1), 1000, 4);
        let mut r = mlsim_core::Records::default();
        n.emit(0, &mut r);
        assert_eq!(r.steps.iter().map(|s| s.bytes).sum::<u64>(), 4000);
        assert_eq!(r.steps[0].messages, 2);
    }
}
