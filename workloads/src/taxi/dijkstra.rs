//! Shortest driving distances: Dijkstra with early exit, on either edge direction.
//!
//! For a request at node `r` the workload runs **one reverse Dijkstra** from `r` (over incoming
//! edges), which yields the distance *from* every candidate taxi *to* the rider, and stops as
//! soon as all candidate nodes are settled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::graph::Csr;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    dist: f64,
    node: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on (dist, node): ties settle the lower node id first, deterministically.
        other
            .dist
            .total_cmp(&self.dist)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Reusable Dijkstra scratch space (distances, settled marks, heap) for one graph size, so that
/// each query costs only the nodes it touches.
#[derive(Debug, Clone)]
pub struct Dijkstra {
    dist: Vec<f64>,
    settled: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Entry>,
    /// Nodes settled by the last query (a measure of the work done).
    pub last_settled: usize,
}

impl Dijkstra {
    /// Scratch space for a graph of `n` nodes.
    pub fn new(n: usize) -> Self {
        Self {
            dist: vec![f64::INFINITY; n],
            settled: vec![false; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
            last_settled: 0,
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = f64::INFINITY;
            self.settled[v as usize] = false;
        }
        self.touched.clear();
        self.heap.clear();
        self.last_settled = 0;
    }

    /// Distances \[m\] from `source` over `csr` to each of `targets` (∞ when unreachable),
    /// stopping once every target is settled. Pass the forward rows for distances *from*
    /// `source`, the reverse rows for distances *to* it.
    pub fn distances_to(&mut self, csr: &Csr, source: u32, targets: &[u32]) -> Vec<f64> {
        self.reset();
        let mut wanted: std::collections::HashSet<u32> = targets.iter().copied().collect();
        self.dist[source as usize] = 0.0;
        self.touched.push(source);
        self.heap.push(Entry {
            dist: 0.0,
            node: source,
        });
        while let Some(Entry { dist, node }) = self.heap.pop() {
            if wanted.is_empty() {
                break;
            }
            if self.settled[node as usize] {
                continue;
            }
            self.settled[node as usize] = true;
            self.last_settled += 1;
            wanted.remove(&node);
            for (v, len) in csr.edges(node) {
                let nd = dist + len;
                if nd < self.dist[v as usize] {
                    if self.dist[v as usize].is_infinite() {
                        self.touched.push(v);
                    }
                    self.dist[v as usize] = nd;
                    self.heap.push(Entry { dist: nd, node: v });
                }
            }
        }
        targets
            .iter()
            .map(|&t| {
                if self.settled[t as usize] {
                    self.dist[t as usize]
                } else {
                    f64::INFINITY
                }
            })
            .collect()
    }

    /// Distance \[m\] from `from` to `to` over `csr` (∞ when unreachable).
    pub fn distance(&mut self, csr: &Csr, from: u32, to: u32) -> f64 {
        self.distances_to(csr, from, &[to])[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxi::StreetGraph;
    use crate::taxi::geo::Point;

    /// Floyd–Warshall: the brute-force reference, O(n³).
    fn floyd(n: usize, edges: &[(u32, u32, f64)]) -> Vec<Vec<f64>> {
        let mut d = vec![vec![f64::INFINITY; n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0.0;
        }
        for &(u, v, l) in edges {
            let cell = &mut d[u as usize][v as usize];
            *cell = cell.min(l);
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    let via = d[i][k] + d[k][j];
                    if via < d[i][j] {
                        d[i][j] = via;
                    }
                }
            }
        }
        d
    }

    /// A hand-made 7-node street graph with one-way streets, a parallel edge, a shortcut that is
    /// longer than the detour, and node 6 that can be left but not reached.
    fn hand_made() -> (usize, Vec<(u32, u32, f64)>) {
        let e = vec![
            (0, 1, 100.0),
            (1, 0, 100.0),
            (1, 2, 80.0),
            (2, 3, 80.0),
            (3, 0, 90.0),
            (0, 2, 200.0), // longer than 0 -> 1 -> 2 (180)
            (0, 2, 175.0), // parallel edge, shorter still
            (3, 4, 50.0),
            (4, 5, 60.0),
            (5, 3, 40.0),
            (2, 5, 300.0),
            (6, 0, 10.0),
        ];
        (7, e)
    }

    #[test]
    fn equals_brute_force_in_both_directions() {
        let (n, e) = hand_made();
        let g = StreetGraph::new(vec![Point { x: 0.0, y: 0.0 }; n], &e, "hand").unwrap();
        let d = floyd(n, &e);
        let mut dj = Dijkstra::new(n);
        let all: Vec<u32> = (0..n as u32).collect();
        for (s, from_s) in d.iter().enumerate() {
            let fwd = dj.distances_to(&g.forward, s as u32, &all);
            let rev = dj.distances_to(&g.reverse, s as u32, &all);
            for (t, to_t) in d.iter().enumerate() {
                assert_eq!(fwd[t], from_s[t], "forward {s} -> {t}");
                assert_eq!(rev[t], to_t[s], "reverse {t} -> {s}");
            }
        }
        assert_eq!(d[0][2], 175.0);
        assert_eq!(d[0][6], f64::INFINITY);
    }

    #[test]
    fn early_exit_settles_fewer_nodes() {
        let (n, e) = hand_made();
        let g = StreetGraph::new(vec![Point { x: 0.0, y: 0.0 }; n], &e, "hand").unwrap();
        let mut dj = Dijkstra::new(n);
        assert_eq!(dj.distances_to(&g.forward, 0, &[1]), vec![100.0]);
        assert!(dj.last_settled < n);
    }
}
