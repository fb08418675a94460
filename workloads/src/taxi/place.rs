//! Uniform point placement inside a TLC taxi zone (where a trip from that zone starts or ends).

use rand::Rng;

use super::geo::{Point, Polygon};
use super::zones::Zone;

/// A point drawn uniformly from the zone (rejection sampling in each part's bounding box,
/// parts chosen in proportion to their bounding-box area).
pub fn sample_in<R: Rng>(zone: &Zone, rng: &mut R) -> Option<Point> {
    let boxes: Vec<(Point, Point)> = zone.parts.iter().filter_map(Polygon::bbox).collect();
    let areas: Vec<f64> = boxes
        .iter()
        .map(|(lo, hi)| (hi.x - lo.x) * (hi.y - lo.y))
        .collect();
    let total: f64 = areas.iter().sum();
    if boxes.is_empty() || total <= 0.0 {
        return None;
    }
    for _ in 0..10_000 {
        let mut pick = rng.random::<f64>() * total;
        let mut k = 0;
        while k + 1 < areas.len() && pick >= areas[k] {
            pick -= areas[k];
            k += 1;
        }
        let (lo, hi) = boxes[k];
        let p = Point {
            x: lo.x + rng.random::<f64>() * (hi.x - lo.x),
            y: lo.y + rng.random::<f64>() * (hi.y - lo.y),
        };
        if zone.parts[k].contains(p) {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rand::SeedableRng;

    use super::*;

    #[test]
    fn points_fall_inside_a_km_square_zone() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone_id":161,"zone_name":"Midtown Center"},
          "geometry":{"type":"Polygon","coordinates":[[[585.0,4511.0],[586.0,4511.0],[586.0,4512.0],[585.0,4512.0],[585.0,4511.0]]]}}]}"#;
        let z = mlsim_datasets::zones::parse_zones(text.as_bytes(), Path::new("z")).unwrap();
        let zone = &z.by_id[&161];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let p = sample_in(zone, &mut rng).unwrap();
            assert!(
                (585_000.0..=586_000.0).contains(&p.x)
                    && (4_511_000.0..=4_512_000.0).contains(&p.y)
            );
        }
    }
}
