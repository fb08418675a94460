//! OpenStreetMap PBF import (`.osm.pbf`, e.g. a Geofabrik or BBBike city extract): the drivable
//! street graph.
//!
//! Two passes over the file with the pure-Rust `osmpbf` crate: the first keeps the ways cars may
//! drive ([`drivable`]: `highway` car classes, `oneway` respected), the second reads the
//! coordinates of just the nodes those ways use, so a large extract never holds all its nodes.
//!
//! The graph is **simplified like OSMnx's strict simplification** (`simplify=True`,
//! `strict=True` of OSMnx 1.x): graph nodes are only the OSM nodes
//! where ways meet or end (a node used by two or more drivable ways, or twice by one, or a way's
//! end); each edge follows one way from such a node to the next and its length \[m\] is the sum of
//! the great-circle ([`haversine_m`]) lengths of its segments. Parallel edges and self-loops are
//! kept. A way is cut where it uses a node missing from the extract (clipped boundaries). Node
//! positions are projected to UTM (zone of the mean longitude), like GraphML import; node order
//! is by OSM id, so the graph does not depend on the order of blocks in the file.

pub mod drive;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use osmpbf::{BlobDecode, BlobReader, Element};

use crate::geo::{Point, haversine_m, utm_forward, utm_zone};
use crate::{ReadError, StreetNetwork};
use drive::{Direction, drivable};

const FORMAT: &str = "OSM PBF";

/// One drivable way: its node ids in order and the directions cars may drive it.
#[derive(Debug, Clone, PartialEq)]
pub struct DriveWay {
    /// OSM node ids, in way order.
    pub refs: Vec<i64>,
    /// Drivable directions.
    pub direction: Direction,
}

/// Calls `f` on every element of the file, blob by blob. The `osmpbf` crate caps a blob header
/// at 64 KiB and a blob at 32 MiB, so a wrong file fails within its first bytes. Errors give the
/// byte offset of the blob at fault (or of the last good one when the next cannot be framed).
fn for_each_element(path: &Path, mut f: impl FnMut(Element<'_>)) -> Result<(), ReadError> {
    let reader = BlobReader::from_path(path).map_err(|e| match e.into_kind() {
        osmpbf::ErrorKind::Io(source) => ReadError::io(path, FORMAT, source),
        other => ReadError::file(path, FORMAT, format!("{other:?}")),
    })?;
    let malformed = |at: u64, e: osmpbf::Error| {
        ReadError::byte(
            path,
            FORMAT,
            at,
            format!(
                "{e} (is it a complete .osm.pbf file? it may be truncated or in another format; download it again)"
            ),
        )
    };
    let mut last = 0;
    for blob in reader {
        let blob = blob.map_err(|e| malformed(last, e))?;
        last = blob.offset().map_or(last, |o| o.0);
        match blob.decode().map_err(|e| malformed(last, e))? {
            BlobDecode::OsmData(block) => block.for_each_element(&mut f),
            BlobDecode::OsmHeader(_) | BlobDecode::Unknown(_) => {}
        }
    }
    Ok(())
}

/// Read the drivable street network of an `.osm.pbf` file.
pub fn read_osm_pbf(path: &Path) -> Result<StreetNetwork, ReadError> {
    let mut ways = Vec::new();
    for_each_element(path, |el| {
        if let Element::Way(w) = el {
            if let Some(direction) = drivable(w.tags()) {
                ways.push(DriveWay {
                    refs: w.refs().collect(),
                    direction,
                });
            }
        }
    })?;
    if ways.is_empty() {
        return Err(ReadError::file(
            path,
            FORMAT,
            "no drivable ways (highway=motorway … residential); is this an OSM extract with streets?",
        ));
    }
    let wanted: HashSet<i64> = ways.iter().flat_map(|w| w.refs.iter().copied()).collect();
    let mut coords: HashMap<i64, (f64, f64)> = HashMap::with_capacity(wanted.len());
    for_each_element(path, |el| {
        let (id, lon, lat) = match el {
            Element::Node(n) => (n.id(), n.lon(), n.lat()),
            Element::DenseNode(n) => (n.id(), n.lon(), n.lat()),
            _ => return,
        };
        if wanted.contains(&id) {
            coords.insert(id, (lon, lat));
        }
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    build_drive_graph(&ways, &coords, &name).map_err(|m| ReadError::file(path, FORMAT, m))
}

/// Build the simplified drive graph from ways and node coordinates (lon, lat \[deg\]); `source`
/// names the graph. Errors say what is missing.
pub fn build_drive_graph(
    ways: &[DriveWay],
    coords: &HashMap<i64, (f64, f64)>,
    source: &str,
) -> Result<StreetNetwork, String> {
    // Runs of consecutive nodes with known coordinates; a missing node cuts the way.
    let runs: Vec<(&[i64], Direction)> = ways
        .iter()
        .flat_map(|w| {
            w.refs
                .split(|id| !coords.contains_key(id))
                .filter(|r| r.len() >= 2)
                .map(move |r| (r, w.direction))
        })
        .collect();
    let mut uses: HashMap<i64, u32> = HashMap::new();
    let mut ends: HashSet<i64> = HashSet::new();
    for (run, _) in &runs {
        for id in *run {
            *uses.entry(*id).or_default() += 1;
        }
        ends.insert(run[0]);
        ends.insert(run[run.len() - 1]);
    }
    let mut kept: Vec<i64> = uses
        .iter()
        .filter(|&(id, &n)| n >= 2 || ends.contains(id))
        .map(|(&id, _)| id)
        .collect();
    if kept.is_empty() {
        return Err(format!(
            "no drivable way has two nodes inside the extract ({} ways, {} node coordinates)",
            ways.len(),
            coords.len()
        ));
    }
    kept.sort_unstable();
    let index: HashMap<i64, u32> = kept
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    let mut edges = Vec::new();
    for (run, dir) in &runs {
        let (mut from, mut len) = (index[&run[0]], 0.0);
        for pair in run.windows(2) {
            let ((lon1, lat1), (lon2, lat2)) = (coords[&pair[0]], coords[&pair[1]]);
            len += haversine_m(lon1, lat1, lon2, lat2);
            if let Some(&to) = index.get(&pair[1]) {
                if *dir != Direction::Backward {
                    edges.push((from, to, len));
                }
                if *dir != Direction::Forward {
                    edges.push((to, from, len));
                }
                (from, len) = (to, 0.0);
            }
        }
    }
    let lonlat: Vec<(f64, f64)> = kept.iter().map(|id| coords[id]).collect();
    let zone = utm_zone(lonlat.iter().map(|p| p.0).sum::<f64>() / lonlat.len() as f64);
    let points: Vec<Point> = lonlat
        .iter()
        .map(|&(lon, lat)| utm_forward(lon, lat, zone))
        .collect();
    Ok(StreetNetwork {
        points,
        edges,
        source: source.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A T junction: way A 1-2-3 (two-way) and way B 2-4-5 (one-way), plus way C 5-9 whose node 9
    /// is missing from the extract. Node 2 is shared, so kept; 4 is an interior node of B, so
    /// dropped; 1, 3, 5 are ends. Nodes lie on the equator, 0.001° of longitude apart, which is
    /// R·0.001·π/180 = 111.195 m (R = 6,371,008.8 m).
    #[test]
    fn simplified_t_junction_with_haversine_lengths() {
        let step = 6_371_008.8 * 0.001_f64.to_radians();
        let coords: HashMap<i64, (f64, f64)> = [
            (1, (0.0, 0.0)),
            (2, (0.001, 0.0)),
            (3, (0.002, 0.0)),
            (4, (0.001, 0.001)),
            (5, (0.001, 0.002)),
        ]
        .into_iter()
        .collect();
        let way = |refs: Vec<i64>, direction| DriveWay { refs, direction };
        let ways = [
            way(vec![1, 2, 3], Direction::Both),
            way(vec![2, 4, 5], Direction::Forward),
            way(vec![5, 9], Direction::Both),
        ];
        let g = build_drive_graph(&ways, &coords, "t").unwrap();
        // Kept nodes 1, 2, 3, 5 -> indices 0, 1, 2, 3.
        assert_eq!(g.points.len(), 4);
        let mut e = g.edges.clone();
        e.sort_by_key(|&(u, v, _)| (u, v));
        let want = [
            (0, 1, step),
            (1, 0, step),
            (1, 2, step),
            (1, 3, 2.0 * step),
            (2, 1, step),
        ];
        assert_eq!(e.len(), want.len(), "{e:?}");
        for (got, want) in e.iter().zip(want) {
            assert_eq!((got.0, got.1), (want.0, want.1));
            assert!((got.2 - want.2).abs() < 1e-6, "{got:?} vs {want:?}");
        }
        // Planar positions agree with the great-circle lengths to 0.5 %: 3° off zone 31's central
        // meridian UTM scales by 0.9996·(1 + (3°·π/180)²/2) ≈ 1.0010, and the ellipsoid's
        // equatorial radius exceeds the sphere's by 0.11 %.
        assert!((g.points[0].dist(g.points[1]) / step - 1.0).abs() < 5e-3);
    }

    #[test]
    fn nothing_drivable_is_an_error() {
        let ways = [DriveWay {
            refs: vec![7, 8],
            direction: Direction::Both,
        }];
        assert!(
            build_drive_graph(&ways, &HashMap::new(), "t")
                .unwrap_err()
                .contains("no drivable way")
        );
    }
}
