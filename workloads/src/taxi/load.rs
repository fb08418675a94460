//! A street graph from a file: `mlsim-datasets` reads it (OSMnx `.graphml` or OpenStreetMap
//! `.osm.pbf`, chosen by name), this builds the routing graph.

use std::path::Path;

use super::{StreetGraph, TaxiError};

/// Read a street graph: OSMnx GraphML (`*.graphml`) or an OpenStreetMap extract (`*.osm.pbf`,
/// `*.pbf`).
pub fn read_graph_file(path: &Path) -> Result<StreetGraph, TaxiError> {
    StreetGraph::from_network(mlsim_datasets::read_street_network(path)?)
}
