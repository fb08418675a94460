//! Static routing: for every host, the first link towards every other host along the path of
//! least total one-way delay (ties: fewest hops, then lowest link index).

use super::TopologySpec;

/// First hop from host `h` to host `t`: `(link index, h is the link's end a)`.
pub(super) type Hop = Option<(usize, bool)>;

/// `hops[h][t]` for every pair of hosts (`None` for `h == t` and for unreachable hosts).
pub(super) fn next_hops(spec: &TopologySpec) -> Vec<Vec<Hop>> {
    let n = spec.hosts.len();
    let idx = |name: &str| spec.hosts.iter().position(|h| h.name == name);
    // adjacency: (neighbour, link, cost [ns], we are end a)
    let mut adj: Vec<Vec<(usize, usize, u128, bool)>> = vec![Vec::new(); n];
    for (j, l) in spec.links.iter().enumerate() {
        if let (Some(a), Some(b)) = (idx(&l.a), idx(&l.b)) {
            let c = l.delay.as_nanos();
            adj[a].push((b, j, c, true));
            adj[b].push((a, j, c, false));
        }
    }
    (0..n).map(|s| from_source(s, &adj)).collect()
}

fn from_source(s: usize, adj: &[Vec<(usize, usize, u128, bool)>]) -> Vec<Hop> {
    let n = adj.len();
    // (delay, hops, first link) per host; Dijkstra by (delay, hops, first link index).
    let mut best: Vec<Option<(u128, usize, Hop)>> = vec![None; n];
    let mut done = vec![false; n];
    best[s] = Some((0, 0, None));
    loop {
        let next = (0..n)
            .filter(|&v| !done[v])
            .filter_map(|v| best[v].map(|b| (v, b)))
            .min_by_key(|&(v, (d, h, hop))| (d, h, hop.map(|x| x.0), v));
        let Some((u, (d, h, hop))) = next else { break };
        done[u] = true;
        for &(v, j, c, from_a) in &adj[u] {
            if done[v] {
                continue;
            }
            let first = if u == s { Some((j, from_a)) } else { hop };
            let cand = (d + c, h + 1, first);
            let better = match best[v] {
                None => true,
                Some((bd, bh, bhop)) => {
                    (cand.0, cand.1, cand.2.map(|x| x.0)) < (bd, bh, bhop.map(|x| x.0))
                }
            };
            if better {
                best[v] = Some(cand);
            }
        }
    }
    best.into_iter()
        .map(|b| b.and_then(|(_, _, hop)| hop))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{HostSpec, LinkSpec};
    use super::*;
    use std::time::Duration;

    fn spec(hosts: &[&str], links: &[(&str, &str, u64)]) -> TopologySpec {
        TopologySpec {
            hosts: hosts
                .iter()
                .map(|n| HostSpec { name: (*n).into() })
                .collect(),
            links: links
                .iter()
                .map(|&(a, b, ms)| LinkSpec {
                    a: a.into(),
                    b: b.into(),
                    rate_bps: None,
                    delay: Duration::from_millis(ms),
                    loss: 0.0,
                })
                .collect(),
        }
    }

    #[test]
    fn the_least_delay_path_wins_over_the_fewest_hops() {
        // a-c direct costs 50 ms; a-b-c costs 10 + 10 = 20 ms: a routes to c via link 0 (a-b).
        let s = spec(
            &["a", "b", "c"],
            &[("a", "b", 10), ("b", "c", 10), ("a", "c", 50)],
        );
        let h = next_hops(&s);
        assert_eq!(h[0][2], Some((0, true)));
        assert_eq!(h[2][0], Some((1, false)));
        assert_eq!(h[1][1], None);
        assert_eq!(h[0][1], Some((0, true)));
    }

    #[test]
    fn equal_delay_prefers_fewer_hops_and_unreachable_hosts_get_no_route() {
        let s = spec(
            &["a", "b", "c", "d"],
            &[("a", "b", 0), ("b", "c", 0), ("a", "c", 0)],
        );
        let h = next_hops(&s);
        assert_eq!(h[0][2], Some((2, true)));
        assert_eq!(h[0][3], None);
        assert_eq!(h[3][0], None);
    }
}
