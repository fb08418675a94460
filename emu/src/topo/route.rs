//! Static routing: for every host, the first link and the next host towards every other host
//! along the path of least total one-way delay (ties: fewest hops, then lowest first link
//! index).
//!
//! The graph's nodes are the hosts and the switches; its edges are the links (host-host) and the
//! attachments (host-switch), each costing its one-way delay. A path across a switch costs the
//! delay of the attachment in plus the attachment out, as frames do. A switch forwards at
//! layer 2, so the next IP hop after a switch is the host behind it (the route's gateway).

use super::{End, TopologySpec};

/// The first hop from a host towards another host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hop {
    /// The link (or attachment) leaving the source.
    pub link: usize,
    /// Whether the source is the link's end `a`.
    pub from_a: bool,
    /// The next host on the path (the gateway): the link's other end, or for an attachment the
    /// host behind the switch.
    pub gw: usize,
}

/// `(neighbour node, link, cost \[ns\], this node is end a)`; nodes are hosts `0..n`, then
/// switches `n..n+m`.
type Adj = Vec<Vec<(usize, usize, u128, bool)>>;

/// `hops[h][t]` for every pair of hosts (`None` for `h == t` and for unreachable hosts).
pub(super) fn next_hops(spec: &TopologySpec) -> Vec<Vec<Option<Hop>>> {
    let n = spec.hosts.len();
    let node = |e: End| match e {
        End::Host(i) => i,
        End::Switch(k) => n + k,
    };
    let mut adj: Adj = vec![Vec::new(); n + spec.switches.len()];
    for (j, ends) in spec.link_ends().into_iter().enumerate() {
        if let Some([a, b]) = ends {
            let (a, b) = (node(a), node(b));
            let c = spec.links[j].delay.as_nanos();
            adj[a].push((b, j, c, true));
            adj[b].push((a, j, c, false));
        }
    }
    (0..n).map(|s| from_source(s, n, &adj)).collect()
}

/// Best known way to a node: (delay \[ns\], hops, first link and direction, first host after s).
type Best = (u128, usize, Option<(usize, bool)>, Option<usize>);

fn from_source(s: usize, n_hosts: usize, adj: &Adj) -> Vec<Option<Hop>> {
    let n = adj.len();
    let mut best: Vec<Option<Best>> = vec![None; n];
    let mut done = vec![false; n];
    best[s] = Some((0, 0, None, None));
    let key = |b: &Best| (b.0, b.1, b.2.map(|x| x.0));
    loop {
        let next = (0..n)
            .filter(|&v| !done[v])
            .filter_map(|v| best[v].map(|b| (v, b)))
            .min_by_key(|(v, b)| (key(b), *v));
        let Some((u, (d, h, first, gw))) = next else {
            break;
        };
        done[u] = true;
        for &(v, j, c, from_a) in &adj[u] {
            if done[v] {
                continue;
            }
            let host = (v < n_hosts).then_some(v);
            let cand = if u == s {
                (d + c, h + 1, Some((j, from_a)), host)
            } else {
                (d + c, h + 1, first, gw.or(host))
            };
            if best[v].is_none_or(|b| key(&cand) < key(&b)) {
                best[v] = Some(cand);
            }
        }
    }
    best.into_iter()
        .take(n_hosts)
        .map(|b| {
            let (_, _, first, gw) = b?;
            let (link, from_a) = first?;
            Some(Hop {
                link,
                from_a,
                gw: gw?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::LinkSpec;
    use super::*;
    use std::time::Duration;

    fn spec(hosts: &[&str], switches: &[&str], links: &[(&str, &str, u64)]) -> TopologySpec {
        TopologySpec::named(
            hosts,
            switches,
            links
                .iter()
                .map(|&(a, b, ms)| LinkSpec {
                    a: a.into(),
                    b: b.into(),
                    rate_bps: None,
                    delay: Duration::from_millis(ms),
                    loss: 0.0,
                })
                .collect(),
        )
    }

    fn hop(link: usize, from_a: bool, gw: usize) -> Option<Hop> {
        Some(Hop { link, from_a, gw })
    }

    #[test]
    fn the_least_delay_path_wins_over_the_fewest_hops() {
        // a-c direct costs 50 ms; a-b-c costs 10 + 10 = 20 ms: a routes to c via link 0 (a-b).
        let s = spec(
            &["a", "b", "c"],
            &[],
            &[("a", "b", 10), ("b", "c", 10), ("a", "c", 50)],
        );
        let h = next_hops(&s);
        assert_eq!(h[0][2], hop(0, true, 1));
        assert_eq!(h[2][0], hop(1, false, 1));
        assert_eq!(h[1][1], None);
        assert_eq!(h[0][1], hop(0, true, 1));
    }

    #[test]
    fn equal_delay_prefers_fewer_hops_and_unreachable_hosts_get_no_route() {
        let s = spec(
            &["a", "b", "c", "d"],
            &[],
            &[("a", "b", 0), ("b", "c", 0), ("a", "c", 0)],
        );
        let h = next_hops(&s);
        assert_eq!(h[0][2], hop(2, true, 2));
        assert_eq!(h[0][3], None);
        assert_eq!(h[3][0], None);
    }

    #[test]
    fn hosts_on_a_switch_reach_each_other_directly_via_their_attachment() {
        // a, b, c on switch s (attachments 0, 1, 2); the gateway is the host behind the switch.
        let s = spec(
            &["a", "b", "c"],
            &["s"],
            &[("a", "s", 5), ("s", "b", 10), ("c", "s", 0)],
        );
        let h = next_hops(&s);
        assert_eq!(h[0][1], hop(0, true, 1));
        assert_eq!(h[0][2], hop(0, true, 2));
        assert_eq!(h[1][0], hop(1, false, 0));
        assert_eq!(h[2][1], hop(2, true, 1));
    }

    #[test]
    fn mixed_paths_take_the_least_total_delay_across_switches_and_links() {
        // a is on the switch with a slow 50 ms attachment, and has a 5 ms link to b; b (2 ms)
        // and c (3 ms) are on the switch too. a -> c: 5 + 2 + 3 = 10 ms via b beats 50 + 3 ms.
        let s = spec(
            &["a", "b", "c", "d"],
            &["s"],
            &[
                ("a", "b", 5),
                ("a", "s", 50),
                ("b", "s", 2),
                ("c", "s", 3),
                ("c", "d", 1),
            ],
        );
        let h = next_hops(&s);
        assert_eq!(h[0][2], hop(0, true, 1));
        assert_eq!(h[0][3], hop(0, true, 1));
        assert_eq!(h[1][2], hop(2, true, 2));
        assert_eq!(h[1][3], hop(2, true, 2));
        assert_eq!(h[2][0], hop(3, true, 1));
        assert_eq!(h[3][0], hop(4, false, 2));
        // Slow the link to 60 ms: now a goes over its own attachment (50 + 3 < 60 + 2 + 3).
        let mut s2 = s.clone();
        s2.links[0].delay = Duration::from_millis(60);
        let h = next_hops(&s2);
        assert_eq!(h[0][2], hop(1, true, 2));
        assert_eq!(h[0][1], hop(1, true, 1));
        assert_eq!(h[1][0], hop(2, true, 0));
    }

    #[test]
    fn a_lone_switch_attachment_reaches_nobody() {
        let s = spec(&["a", "b"], &["s"], &[("a", "s", 0)]);
        let h = next_hops(&s);
        assert_eq!(h[0][1], None);
        assert_eq!(h[1][0], None);
    }
}
