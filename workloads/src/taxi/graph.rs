//! The street graph: nodes with planar positions \[m\], directed edges with lengths \[m\], stored as
//! compressed sparse rows in both directions (the reverse rows serve the per-request reverse
//! Dijkstra).

use super::TaxiError;
use super::geo::Point;

/// Compressed sparse rows of one edge direction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    /// `offsets[v]..offsets[v + 1]` indexes the edges of node `v`; length nodes + 1.
    pub offsets: Vec<u32>,
    /// Head node of each edge.
    pub heads: Vec<u32>,
    /// Length of each edge \[m\].
    pub lengths: Vec<f64>,
}

impl Csr {
    fn build(n: usize, edges: &[(u32, u32, f64)], reverse: bool) -> Self {
        let mut count = vec![0u32; n + 1];
        for &(u, v, _) in edges {
            let from = if reverse { v } else { u };
            count[from as usize + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let offsets = count.clone();
        let mut next = count;
        let mut heads = vec![0u32; edges.len()];
        let mut lengths = vec![0f64; edges.len()];
        for &(u, v, len) in edges {
            let (from, to) = if reverse { (v, u) } else { (u, v) };
            let slot = next[from as usize] as usize;
            heads[slot] = to;
            lengths[slot] = len;
            next[from as usize] += 1;
        }
        Csr {
            offsets,
            heads,
            lengths,
        }
    }

    /// The (head, length \[m\]) pairs of node `v`'s edges.
    pub fn edges(&self, v: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let (a, b) = (
            self.offsets[v as usize] as usize,
            self.offsets[v as usize + 1] as usize,
        );
        self.heads[a..b]
            .iter()
            .copied()
            .zip(self.lengths[a..b].iter().copied())
    }
}

/// A directed street graph in a planar metric frame.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetGraph {
    /// Node positions \[m\].
    pub points: Vec<Point>,
    /// Outgoing edges.
    pub forward: Csr,
    /// Incoming edges, stored reversed.
    pub reverse: Csr,
    /// Where the graph came from (for reports), e.g. `grid 12x250` or a file name.
    pub source: String,
}

impl StreetGraph {
    /// Build from node positions and directed edges `(from, to, length \[m\])`.
    pub fn new(
        points: Vec<Point>,
        edges: &[(u32, u32, f64)],
        source: impl Into<String>,
    ) -> Result<Self, TaxiError> {
        let n = points.len();
        if n == 0 {
            return Err(TaxiError::Graph("no nodes".into()));
        }
        if n > u32::MAX as usize || edges.len() > u32::MAX as usize {
            return Err(TaxiError::Graph("too large".into()));
        }
        for (i, &(u, v, len)) in edges.iter().enumerate() {
            if u as usize >= n || v as usize >= n {
                return Err(TaxiError::Graph(format!(
                    "edge {i} ({u} -> {v}) names a node outside 0..{n}"
                )));
            }
            if !(len.is_finite() && len >= 0.0) {
                return Err(TaxiError::Graph(format!(
                    "edge {i} ({u} -> {v}) has length {len}, not a finite non-negative number"
                )));
            }
        }
        if points.iter().any(|p| !(p.x.is_finite() && p.y.is_finite())) {
            return Err(TaxiError::Graph("a node has a non-finite position".into()));
        }
        Ok(Self {
            forward: Csr::build(n, edges, false),
            reverse: Csr::build(n, edges, true),
            points,
            source: source.into(),
        })
    }

    /// Build from a street network read from a file; errors name the file.
    pub fn from_network(net: mlsim_datasets::StreetNetwork) -> Result<Self, TaxiError> {
        let mlsim_datasets::StreetNetwork {
            points,
            edges,
            source,
        } = net;
        Self::new(points, &edges, source.clone()).map_err(|e| match e {
            TaxiError::Graph(m) => TaxiError::Graph(format!("{source}: {m}")),
            other => other,
        })
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.points.len()
    }

    /// Number of directed edges.
    pub fn edge_count(&self) -> usize {
        self.forward.heads.len()
    }

    /// All directed edges `(from, to, length \[m\])`.
    pub fn edges(&self) -> Vec<(u32, u32, f64)> {
        (0..self.node_count() as u32)
            .flat_map(|u| self.forward.edges(u).map(move |(v, l)| (u, v, l)))
            .collect()
    }

    /// The node nearest to `p` and its straight-line distance \[m\] (linear scan).
    pub fn nearest_node(&self, p: Point) -> (u32, f64) {
        let mut best = (0u32, f64::INFINITY);
        for (i, q) in self.points.iter().enumerate() {
            let d = p.dist(*q);
            if d < best.1 {
                best = (i as u32, d);
            }
        }
        best
    }

    fn reach(&self, start: u32, csr: &Csr, alive: &[bool]) -> Vec<bool> {
        let mut seen = vec![false; self.node_count()];
        let mut stack = vec![start];
        seen[start as usize] = true;
        while let Some(u) = stack.pop() {
            for (v, _) in csr.edges(u) {
                if alive[v as usize] && !seen[v as usize] {
                    seen[v as usize] = true;
                    stack.push(v);
                }
            }
        }
        seen
    }

    /// The subgraph on the largest strongly connected component, in which every node can reach
    /// every other (what OSMnx's `strongly=True` truncation keeps). Node order is preserved.
    pub fn largest_scc(&self) -> StreetGraph {
        let n = self.node_count();
        let mut unassigned = vec![true; n];
        let mut best: Vec<bool> = Vec::new();
        let mut best_size = 0;
        let mut remaining = n;
        for s in 0..n {
            if !unassigned[s] || remaining <= best_size {
                continue;
            }
            let f = self.reach(s as u32, &self.forward, &unassigned);
            let b = self.reach(s as u32, &self.reverse, &unassigned);
            let comp: Vec<bool> = (0..n).map(|i| f[i] && b[i]).collect();
            let size = comp.iter().filter(|&&c| c).count();
            for (i, &c) in comp.iter().enumerate() {
                if c {
                    unassigned[i] = false;
                }
            }
            remaining -= size;
            if size > best_size {
                best_size = size;
                best = comp;
            }
        }
        let mut new_id = vec![u32::MAX; n];
        let mut points = Vec::with_capacity(best_size);
        for i in 0..n {
            if best[i] {
                new_id[i] = points.len() as u32;
                points.push(self.points[i]);
            }
        }
        let edges: Vec<(u32, u32, f64)> = self
            .edges()
            .into_iter()
            .filter(|&(u, v, _)| best[u as usize] && best[v as usize])
            .map(|(u, v, l)| (new_id[u as usize], new_id[v as usize], l))
            .collect();
        // The component is non-empty and its edges are a subset of valid edges.
        StreetGraph {
            forward: Csr::build(points.len(), &edges, false),
            reverse: Csr::build(points.len(), &edges, true),
            points,
            source: format!("{} (largest strongly connected component)", self.source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_edges_are_rejected_with_the_edge_named() {
        let pts = vec![Point { x: 0.0, y: 0.0 }; 2];
        assert!(
            StreetGraph::new(pts.clone(), &[(0, 2, 1.0)], "t")
                .unwrap_err()
                .to_string()
                .contains("edge 0")
        );
        assert!(StreetGraph::new(pts, &[(0, 1, f64::NAN)], "t").is_err());
    }

    #[test]
    fn largest_scc_drops_one_way_dead_ends() {
        let pts = vec![Point { x: 0.0, y: 0.0 }; 4];
        // 0 <-> 1 <-> 2 strongly connected; 2 -> 3 is a dead end.
        let g = StreetGraph::new(
            pts,
            &[
                (0, 1, 1.0),
                (1, 0, 1.0),
                (1, 2, 1.0),
                (2, 1, 1.0),
                (2, 3, 1.0),
            ],
            "t",
        )
        .unwrap();
        let s = g.largest_scc();
        assert_eq!((s.node_count(), s.edge_count()), (3, 4));
    }
}
