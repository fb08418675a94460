//! Street networks read from files, and the choice of reader by file name: OSMnx GraphML
//! (`.graphml`, `.xml`) or an OpenStreetMap extract (`.osm.pbf`, `.pbf`).

use std::path::Path;

use crate::ReadError;
use crate::geo::Point;

/// A directed street network as read from a file: planar node positions \[m\] and edges
/// `(from, to, length \[m\])` with valid node indices and finite, non-negative lengths. The
/// ride-hailing workload builds its routing graph from it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetNetwork {
    /// Node positions \[m\] (UTM).
    pub points: Vec<Point>,
    /// Directed edges `(from, to, length \[m\])`.
    pub edges: Vec<(u32, u32, f64)>,
    /// Where it came from (the file name), for reports.
    pub source: String,
}

/// Whether the file name of `path` ends with `ext` (ASCII case-insensitive).
pub(crate) fn ends_with(path: &Path, ext: &str) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(ext))
}

/// Read a street network: OSMnx GraphML (`*.graphml`, `*.xml`) or an OpenStreetMap extract
/// (`*.osm.pbf`, `*.pbf`).
pub fn read_street_network(path: &Path) -> Result<StreetNetwork, ReadError> {
    if ends_with(path, ".graphml") || ends_with(path, ".xml") {
        crate::graphml::read_graphml(path)
    } else if ends_with(path, ".pbf") {
        crate::pbf::read_osm_pbf(path)
    } else {
        Err(ReadError::file(
            path,
            "street graph",
            "unknown street-graph format; expected an OSMnx .graphml or an OpenStreetMap .osm.pbf file (rename it if it is one)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_extensions_are_named() {
        let e = read_street_network(Path::new("city.shp"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("city.shp") && e.contains(".osm.pbf"), "{e}");
    }
}
