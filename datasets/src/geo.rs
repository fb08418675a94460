//! Geometry: WGS 84 longitude/latitude to UTM (metres), planar points and polygons.
//!
//! All workload geometry is planar, in metres, in UTM zone 18N (EPSG:32618) for New York: the
//! pyhailing taxi zones are given there (in km), OSMnx graphs are projected into it.

use serde::{Deserialize, Serialize};

/// A planar point \[m\] (UTM easting, northing).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Easting \[m\].
    pub x: f64,
    /// Northing \[m\].
    pub y: f64,
}

impl Point {
    /// Euclidean distance \[m\].
    pub fn dist(self, o: Point) -> f64 {
        (self.x - o.x).hypot(self.y - o.y)
    }
}

/// The UTM zone (1–60) of a longitude \[deg\].
pub fn utm_zone(lon_deg: f64) -> u8 {
    (((lon_deg + 180.0) / 6.0).floor() as i32).clamp(0, 59) as u8 + 1
}

/// Project WGS 84 `lon`, `lat` \[deg\] to UTM `zone` north \[m\], with the series of Snyder (1987),
/// *Map Projections — A Working Manual*, eqs. 8-9 to 8-13 (millimetre accuracy within the zone).
pub fn utm_forward(lon_deg: f64, lat_deg: f64, zone: u8) -> Point {
    const A: f64 = 6_378_137.0;
    const F: f64 = 1.0 / 298.257_223_563;
    const K0: f64 = 0.9996;
    let e2 = F * (2.0 - F);
    let ep2 = e2 / (1.0 - e2);
    let lon0 = (f64::from(zone) - 1.0) * 6.0 - 180.0 + 3.0;
    let phi = lat_deg.to_radians();
    let (s, c) = phi.sin_cos();
    let n = A / (1.0 - e2 * s * s).sqrt();
    let t = (s / c).powi(2);
    let cc = ep2 * c * c;
    let a = c * (lon_deg - lon0).to_radians();
    let e4 = e2 * e2;
    let e6 = e4 * e2;
    let m = A
        * ((1.0 - e2 / 4.0 - 3.0 * e4 / 64.0 - 5.0 * e6 / 256.0) * phi
            - (3.0 * e2 / 8.0 + 3.0 * e4 / 32.0 + 45.0 * e6 / 1024.0) * (2.0 * phi).sin()
            + (15.0 * e4 / 256.0 + 45.0 * e6 / 1024.0) * (4.0 * phi).sin()
            - (35.0 * e6 / 3072.0) * (6.0 * phi).sin());
    let x = K0
        * n
        * (a + (1.0 - t + cc) * a.powi(3) / 6.0
            + (5.0 - 18.0 * t + t * t + 72.0 * cc - 58.0 * ep2) * a.powi(5) / 120.0)
        + 500_000.0;
    let y = K0
        * (m + n
            * (s / c)
            * (a * a / 2.0
                + (5.0 - t + 9.0 * cc + 4.0 * cc * cc) * a.powi(4) / 24.0
                + (61.0 - 58.0 * t + t * t + 600.0 * cc - 330.0 * ep2) * a.powi(6) / 720.0));
    Point { x, y }
}

/// Mean Earth radius \[m\] (IUGG R1, the sphere of the great-circle lengths).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle (haversine) distance \[m\] between two WGS 84 points given as lon, lat \[deg\], on
/// the sphere of radius [`EARTH_RADIUS_M`] (what OSMnx uses for edge lengths; within 0.5 % of
/// the ellipsoidal distance).
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = (p2 - p1, (lon2 - lon1).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A polygon with holes: rings of points, the first is the outer ring.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    /// Outer ring then holes; each ring closed or not (the closing edge is implied).
    pub rings: Vec<Vec<Point>>,
}

impl Polygon {
    /// Whether `p` is inside (even-odd rule over all rings, so holes are excluded).
    pub fn contains(&self, p: Point) -> bool {
        let mut inside = false;
        for ring in &self.rings {
            let n = ring.len();
            if n < 3 {
                continue;
            }
            let mut j = n - 1;
            for i in 0..n {
                let (a, b) = (ring[i], ring[j]);
                if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x
                {
                    inside = !inside;
                }
                j = i;
            }
        }
        inside
    }

    /// Bounding box (min, max) of the outer ring, or `None` if it is empty.
    pub fn bbox(&self) -> Option<(Point, Point)> {
        let ring = self.rings.first()?;
        let mut lo = *ring.first()?;
        let mut hi = lo;
        for p in ring {
            lo.x = lo.x.min(p.x);
            lo.y = lo.y.min(p.y);
            hi.x = hi.x.max(p.x);
            hi.y = hi.y.max(p.y);
        }
        Some((lo, hi))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utm_of_known_points() {
        // The central meridian of zone 18 (75° W) at the equator maps to the false easting.
        let p = utm_forward(-75.0, 0.0, 18);
        assert!((p.x - 500_000.0).abs() < 1e-6 && p.y.abs() < 1e-6);
        // On the central meridian the northing is k0 × the meridian arc, which we integrate
        // numerically from the meridian radius of curvature a(1-e²)/(1-e² sin²φ)^(3/2).
        let (a, f) = (6_378_137.0_f64, 1.0 / 298.257_223_563);
        let e2 = f * (2.0 - f);
        let phi_end = 40f64.to_radians();
        let steps = 100_000;
        let h = phi_end / steps as f64;
        let arc: f64 = (0..steps)
            .map(|i| {
                let phi = (i as f64 + 0.5) * h;
                a * (1.0 - e2) / (1.0 - e2 * phi.sin().powi(2)).powf(1.5) * h
            })
            .sum();
        let p = utm_forward(-75.0, 40.0, 18);
        assert!(
            (p.y - 0.9996 * arc).abs() < 0.01,
            "{p:?} vs {}",
            0.9996 * arc
        );
        // Midtown lies where pyhailing's zones say (x ≈ 584–588 km, y ≈ 4510–4513 km).
        let p = utm_forward(-73.9857, 40.7484, utm_zone(-73.9857));
        assert!(
            (584_000.0..588_000.0).contains(&p.x) && (4_510_000.0..4_513_000.0).contains(&p.y),
            "{p:?}"
        );
    }

    #[test]
    fn haversine_oracles() {
        // A quarter meridian on the sphere: R·π/2.
        assert!(
            (haversine_m(0.0, 0.0, 0.0, 90.0) - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs()
                < 1e-6
        );
        // 0.01° of longitude at 60° N: R·cos 60°·0.01·π/180 (the great circle is shorter than the
        // parallel by a relative ~1e-9 here).
        let d = haversine_m(24.94, 60.0, 24.95, 60.0);
        let want = EARTH_RADIUS_M * 0.5 * 0.01_f64.to_radians();
        assert!((d - want).abs() / want < 1e-6, "{d} vs {want}");
        assert_eq!(haversine_m(1.0, 2.0, 1.0, 2.0), 0.0);
    }

    #[test]
    fn point_in_polygon_with_hole() {
        let sq = |s: f64| {
            vec![
                Point { x: -s, y: -s },
                Point { x: s, y: -s },
                Point { x: s, y: s },
                Point { x: -s, y: s },
            ]
        };
        let poly = Polygon {
            rings: vec![sq(2.0), sq(1.0)],
        };
        assert!(poly.contains(Point { x: 1.5, y: 0.0 }));
        assert!(!poly.contains(Point { x: 0.0, y: 0.0 }));
        assert!(!poly.contains(Point { x: 3.0, y: 0.0 }));
    }
}
