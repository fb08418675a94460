//! NYC TLC taxi-zone polygons (the ride-hailing workload places points inside them).
//!
//! Reads a GeoJSON FeatureCollection such as pyhailing's `taxizones.geojson` (61 Manhattan
//! zones, properties `zone_id`, `zone_name`, coordinates in UTM 18N **kilometres**). The zone id
//! is taken from `zone_id`, `LocationID`, `location_id` or `OBJECTID`. Coordinates are
//! recognised by magnitude: |x| ≤ 180 is WGS 84 lon/lat (projected to UTM 18N), < 10,000 is km,
//! otherwise metres.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::ReadError;
use crate::geo::{Point, Polygon, utm_forward};
use crate::limits::read_capped;

const FORMAT: &str = "taxi-zone GeoJSON";

/// Largest zone file read \[bytes\]. The TLC's full-resolution zones of all of NYC are about 30 MB.
pub const MAX_ZONES_BYTES: u64 = 256 << 20;

/// One taxi zone: its (multi)polygon \[m\].
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// TLC zone id.
    pub id: u16,
    /// Zone name, if given.
    pub name: String,
    /// The parts of the zone.
    pub parts: Vec<Polygon>,
}

/// Taxi zones by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Zones {
    /// Zones keyed by TLC id.
    pub by_id: BTreeMap<u16, Zone>,
}

/// A polygon as read: rings of (x, y) in the file's units.
type RawPolygon = Vec<Vec<(f64, f64)>>;

fn ring(v: &Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?
        .iter()
        .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
        .collect()
}

fn polygon(v: &Value) -> Option<RawPolygon> {
    v.as_array()?.iter().map(ring).collect()
}

/// Read taxi zones from a GeoJSON file.
pub fn read_zones(path: &Path) -> Result<Zones, ReadError> {
    let bytes = read_capped(
        path,
        FORMAT,
        MAX_ZONES_BYTES,
        "simplify the polygons (e.g. with mapshaper) or keep only the zones you need",
    )?;
    parse_zones(&bytes, path)
}

/// Parse taxi zones from GeoJSON bytes; `path` names them in errors.
pub fn parse_zones(text: &[u8], path: &Path) -> Result<Zones, ReadError> {
    let v: Value = serde_json::from_slice(text).map_err(|e| {
        ReadError::line(
            path,
            FORMAT,
            e.line() as u64,
            format!("not JSON: {e} (is this a GeoJSON file?)"),
        )
    })?;
    let feats = v.get("features").and_then(Value::as_array).ok_or_else(|| {
        ReadError::file(
            path,
            FORMAT,
            "no `features` array (not a GeoJSON FeatureCollection)",
        )
    })?;
    let feature = |i: usize, m: String| ReadError::record(path, FORMAT, format!("feature {i}"), m);
    let mut raw: Vec<(u16, String, Vec<RawPolygon>)> = Vec::new();
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
            .ok_or_else(|| {
                feature(
                    i,
                    "no numeric zone id (property zone_id, LocationID, location_id or OBJECTID)"
                        .into(),
                )
            })?;
        let name = ["zone_name", "zone"]
            .iter()
            .find_map(|k| props.get(*k)?.as_str())
            .unwrap_or("")
            .to_owned();
        let g = f
            .get("geometry")
            .ok_or_else(|| feature(i, format!("zone {id} has no geometry")))?;
        let coords = g
            .get("coordinates")
            .ok_or_else(|| feature(i, format!("zone {id}: geometry has no coordinates")))?;
        let parts = match g.get("type").and_then(Value::as_str) {
            Some("Polygon") => {
                vec![
                    polygon(coords)
                        .ok_or_else(|| feature(i, format!("zone {id}: malformed Polygon")))?,
                ]
            }
            Some("MultiPolygon") => coords
                .as_array()
                .and_then(|a| a.iter().map(polygon).collect::<Option<Vec<_>>>())
                .ok_or_else(|| feature(i, format!("zone {id}: malformed MultiPolygon")))?,
            other => {
                return Err(feature(
                    i,
                    format!("zone {id}: unsupported geometry {other:?} (Polygon or MultiPolygon)"),
                ));
            }
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
        return Err(ReadError::file(path, FORMAT, "no zones (empty `features`)"));
    }
    Ok(Zones { by_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn km_polygon_is_read_in_metres_and_errors_name_line_or_feature() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"zone_id":161,"zone_name":"Midtown Center"},
          "geometry":{"type":"Polygon","coordinates":[[[585.0,4511.0],[586.0,4511.0],[586.0,4512.0],[585.0,4512.0],[585.0,4511.0]]]}}]}"#;
        let z = parse_zones(text.as_bytes(), Path::new("z.geojson")).unwrap();
        let zone = &z.by_id[&161];
        assert_eq!(zone.name, "Midtown Center");
        // km -> m.
        assert_eq!(
            zone.parts[0].rings[0][1],
            Point {
                x: 586_000.0,
                y: 4_511_000.0
            }
        );
        let e = parse_zones(b"{}", Path::new("z.geojson"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("z.geojson") && e.contains("features"), "{e}");
        let e = parse_zones(b"{\n\"features\": [,]}", Path::new("z.geojson"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("z.geojson:2:") && e.contains("not JSON"), "{e}");
        let e = parse_zones(
            text.replace("zone_id", "id").as_bytes(),
            Path::new("z.geojson"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("feature 0") && e.contains("zone_id"), "{e}");
    }

    #[test]
    fn an_endless_file_stops_at_the_cap() {
        let e = read_zones(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.contains("/dev/zero") && e.contains("limit"), "{e}");
    }
}
