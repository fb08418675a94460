//! NYC TLC taxi-zone polygons and uniform point placement inside them.
//!
//! Reads a GeoJSON FeatureCollection such as pyhailing's `taxizones.geojson` (61 Manhattan
//! zones, properties `zone_id`, `zone_name`, coordinates in UTM 18N **kilometres**). The zone id
//! is taken from `zone_id`, `LocationID`, `location_id` or `OBJECTID`. Coordinates are
//! recognised by magnitude: |x| ≤ 180 is WGS 84 lon/lat (projected to UTM 18N), < 10,000 is km,
//! otherwise metres.

use std::collections::BTreeMap;
use std::path::Path;

use rand::Rng;
use serde_json::Value;

use super::TaxiError;
use super::geo::{Point, Polygon, utm_forward};

/// One taxi zone: its (multi)polygon [m].
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// TLC zone id.
    pub id: u16,
    /// Zone name, if given.
    pub name: String,
    /// The parts of the zone.
    pub parts: Vec<Polygon>,
}

impl Zone {
    /// A point drawn uniformly from the zone (rejection sampling in each part's bounding box,
    /// parts chosen in proportion to their bounding-box area).
    pub fn sample<R: Rng>(&self, rng: &mut R) -> Option<Point> {
        let boxes: Vec<(Point, Point)> = self.parts.iter().filter_map(Polygon::bbox).collect();
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
            if self.parts[k].contains(p) {
                return Some(p);
            }
        }
        None
    }
}

/// Taxi zones by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Zones {
    /// Zones keyed by TLC id.
    pub by_id: BTreeMap<u16, Zone>,
}

fn ring(v: &Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?
        .iter()
        .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .collect()
}

fn polygon(v: &Value) -> Option<Vec<Vec<(f64, f64)>>> {
    v.as_array()?.iter().map(ring).collect()
}

/// Read taxi zones from a GeoJSON file.
pub fn read_zones(path: &Path) -> Result<Zones, TaxiError> {
    let text = std::fs::read_to_string(path).map_err(|source| TaxiError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse_zones(&text).map_err(|reason| TaxiError::Zones {
        path: path.to_owned(),
        reason,
    })
}

/// Parse taxi zones from GeoJSON text.
pub fn parse_zones(text: &str) -> Result<Zones, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let feats = v
        .get("features")
        .and_then(Value::as_array)
        .ok_or("no `features` array (not a GeoJSON FeatureCollection)")?;
    let mut raw: Vec<(u16, String, Vec<Vec<Vec<(f64, f64)>>>)> = Vec::new();
    for (i, f) in feats.iter().enumerate() {
        let props = f.get("properties").cloned().unwrap_or(Value::Null);
        let id = ["zone_id", "LocationID", "location_id", "OBJECTID"]
            .iter()
            .find_map(|k| props.get(*k))
            .and_then(|x| {
                x.as_u64()
                    .or_else(|| x.as_f64().map(|f| f as u64))
                    .or_else(|| x.as_str()?.parse().ok())
            })
            .and_then(|x| u16::try_from(x).ok())
            .ok_or_else(|| format!("feature {i} has no numeric zone id"))?;
        let name = ["zone_name", "zone"]
            .iter()
            .find_map(|k| props.get(*k)?.as_str())
            .unwrap_or("")
            .to_owned();
        let g = f
            .get("geometry")
            .ok_or_else(|| format!("feature {i} (zone {id}) has no geometry"))?;
        let coords = g
            .get("coordinates")
            .ok_or_else(|| format!("zone {id}: geometry has no coordinates"))?;
        let parts = match g.get("type").and_then(Value::as_str) {
            Some("Polygon") => {
                vec![polygon(coords).ok_or_else(|| format!("zone {id}: malformed Polygon"))?]
            }
            Some("MultiPolygon") => coords
                .as_array()
                .and_then(|a| a.iter().map(polygon).collect::<Option<Vec<_>>>())
                .ok_or_else(|| format!("zone {id}: malformed MultiPolygon"))?,
            other => return Err(format!("zone {id}: unsupported geometry {other:?}")),
        };
        raw.push((id, name, parts));
    }
    let max_abs = raw
        .iter()
        .flat_map(|r| r.2.iter().flatten().flatten())
        .fold(0f64, |m, &(x, y)| m.max(x.abs()).max(y.abs()));
    let conv = |(x, y): (f64, f64)| -> Point {
        if max_abs <= 180.0 {
            utm_forward(x, y, 18)
        } else if max_abs < 10_000.0 {
            Point {
                x: x * 1000.0,
                y: y * 1000.0,
            }
        } else {
            Point { x, y }
        }
    };
    let mut by_id = BTreeMap::new();
    for (id, name, parts) in raw {
        let parts = parts
            .into_iter()
            .map(|rings| Polygon {
                rings: rings
                    .into_iter()
                    .map(|r| r.into_iter().map(conv).collect())
                    .collect(),
            })
            .collect();
        by_id.insert(id, Zone { id, name, parts });
    }
    if by_id.is_empty() {
        return Err("no zones".into());
    }
    Ok(Zones { by_id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn km_polygon_and_sampling() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone_id":161,"zone_name":"Midtown Center"},
          "geometry":{"type":"Polygon","coordinates":[[[585.0,4511.0],[586.0,4511.0],[586.0,4512.0],[585.0,4512.0],[585.0,4511.0]]]}}]}"#;
        let z = parse_zones(text).unwrap();
        let zone = &z.by_id[&161];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        for _ in 0..100 {
            let p = zone.sample(&mut rng).unwrap();
            assert!(
                (585_000.0..=586_000.0).contains(&p.x)
                    && (4_511_000.0..=4_512_000.0).contains(&p.y)
            );
        }
        assert!(parse_zones("{}").unwrap_err().contains("features"));
    }
}
