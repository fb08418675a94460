//! The built-in street network: a documented Manhattan-like grid, so that ride hailing runs with
//! no download at all.
//!
//! Modelled on the Commissioners' Plan of 1811 that shaped Manhattan above Houston Street:
//! - **avenues** run along the island, rotated 29° east of true north, about 270 m apart
//!   ([`GridSpec::avenue_spacing_m`]); they alternate one-way uptown/downtown, except the
//!   outermost two and every fourth one, which are two-way (like 12th Av, Park Av, York Av);
//! - **streets** cross them about 80 m apart ([`GridSpec::street_spacing_m`]) and alternate
//!   one-way (even streets eastbound, odd westbound, as in Manhattan), except every tenth, which
//!   is a two-way major crosstown street (like 14th, 23rd, 34th, 42nd, 57th);
//! - the default 12 avenues × 250 streets (3,000 intersections, ~20 km × 3 km) is close to the
//!   size of OSMnx's simplified Manhattan drive graph (about 4.4 k nodes);
//! - it is placed in UTM 18N so that its south-west corner is near the Battery
//!   (74.015° W, 40.705° N) and it overlays the island approximately (not exactly: the real
//!   island is narrower at both ends), which lets TLC taxi-zone points snap onto it.
//!
//! The grid is strongly connected: alternating one-way streets plus two-way border avenues and
//! crosstown streets let every intersection reach every other.

use super::geo::{Point, utm_forward};
use super::{StreetGraph, TaxiError};

/// Parameters of the synthetic grid.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridSpec {
    /// Number of avenues (columns).
    pub avenues: u32,
    /// Number of streets (rows).
    pub streets: u32,
    /// Distance between neighbouring avenues \[m\].
    pub avenue_spacing_m: f64,
    /// Distance between neighbouring streets \[m\].
    pub street_spacing_m: f64,
    /// Rotation of the avenues east of true north \[deg\].
    pub rotation_deg: f64,
}

impl Default for GridSpec {
    fn default() -> Self {
        Self {
            avenues: 12,
            streets: 250,
            avenue_spacing_m: 270.0,
            street_spacing_m: 80.0,
            rotation_deg: 29.0,
        }
    }
}

impl GridSpec {
    /// Generate the street graph.
    pub fn build(&self) -> Result<StreetGraph, TaxiError> {
        let (na, ns) = (self.avenues, self.streets);
        if na < 2 || ns < 2 {
            return Err(TaxiError::Graph(format!(
                "grid needs at least 2 avenues and 2 streets, got {na}x{ns}"
            )));
        }
        if !(self.avenue_spacing_m > 0.0 && self.street_spacing_m > 0.0) {
            return Err(TaxiError::Graph("grid spacings must be positive".into()));
        }
        let origin = utm_forward(-74.015, 40.705, 18);
        let r = self.rotation_deg.to_radians();
        // Unit vectors in (east, north): along the avenues (uptown) and along the streets (east).
        let up = (r.sin(), r.cos());
        let east = (r.cos(), -r.sin());
        let id = |a: u32, s: u32| s * na + a;
        let mut points = Vec::with_capacity((na * ns) as usize);
        for s in 0..ns {
            for a in 0..na {
                let u = f64::from(s) * self.street_spacing_m;
                let v = f64::from(a) * self.avenue_spacing_m;
                points.push(Point {
                    x: origin.x + u * up.0 + v * east.0,
                    y: origin.y + u * up.1 + v * east.1,
                });
            }
        }
        let mut edges = Vec::new();
        for a in 0..na {
            let two_way = a == 0 || a == na - 1 || a % 4 == 0;
            for s in 0..ns - 1 {
                let (lo, hi) = (id(a, s), id(a, s + 1));
                if two_way || a % 2 == 0 {
                    edges.push((lo, hi, self.street_spacing_m)); // uptown
                }
                if two_way || a % 2 == 1 {
                    edges.push((hi, lo, self.street_spacing_m)); // downtown
                }
            }
        }
        for s in 0..ns {
            let two_way = s % 10 == 0 || s == ns - 1;
            for a in 0..na - 1 {
                let (w, e) = (id(a, s), id(a + 1, s));
                if two_way || s % 2 == 0 {
                    edges.push((w, e, self.avenue_spacing_m)); // eastbound
                }
                if two_way || s % 2 == 1 {
                    edges.push((e, w, self.avenue_spacing_m)); // westbound
                }
            }
        }
        StreetGraph::new(
            points,
            &edges,
            format!("synthetic Manhattan grid {na}x{ns}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxi::dijkstra::Dijkstra;

    #[test]
    fn default_grid_is_strongly_connected_and_manhattan_sized() {
        let g = GridSpec::default().build().unwrap();
        assert_eq!(g.node_count(), 3000);
        assert_eq!(g.largest_scc().node_count(), 3000);
    }

    #[test]
    fn one_way_detour_is_exact() {
        // 4 avenues x 3 streets, avenues 100 m apart, streets 10 m apart, node id = s*4 + a.
        // Avenue 0 and 3 two-way, avenue 1 downtown only, avenue 2 uptown only; street 0 and 2
        // two-way, street 1 westbound only. From (a0,s1) to (a1,s1): no eastbound on street 1 and
        // avenue 1 cannot be driven uptown, so: up avenue 0 (10), east on street 2 (100), down
        // avenue 1 (10) = 120 m. The way back is direct westbound on street 1: 100 m.
        let g = GridSpec {
            avenues: 4,
            streets: 3,
            avenue_spacing_m: 100.0,
            street_spacing_m: 10.0,
            rotation_deg: 0.0,
        }
        .build()
        .unwrap();
        let mut d = Dijkstra::new(g.node_count());
        assert_eq!(d.distance(&g.forward, 4, 5), 120.0);
        assert_eq!(d.distance(&g.forward, 5, 4), 100.0);
    }
}
