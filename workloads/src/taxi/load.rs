//! Choosing a reader by file name: street graphs (`.graphml`, `.osm.pbf`) and trip files
//! (`.csv`, `.parquet`).

use std::path::Path;

use super::trips::{Trips, read_tlc_csv};
use super::{StreetGraph, TaxiError};

fn ends_with(path: &Path, ext: &str) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().ends_with(ext))
}

/// Read a street graph: OSMnx GraphML (`*.graphml`) or an OpenStreetMap extract (`*.osm.pbf`,
/// `*.pbf`).
pub fn read_graph_file(path: &Path) -> Result<StreetGraph, TaxiError> {
    if ends_with(path, ".graphml") || ends_with(path, ".xml") {
        super::graphml::read_graphml(path)
    } else if ends_with(path, ".pbf") {
        super::pbf::read_osm_pbf(path)
    } else {
        Err(TaxiError::UnknownFormat {
            path: path.to_owned(),
            reason: "unknown street-graph format; expected an OSMnx .graphml or an OpenStreetMap .osm.pbf file".into(),
        })
    }
}

/// Read TLC trips: CSV (`*.csv`) or Parquet (`*.parquet`, needs the cargo feature `parquet`).
pub fn read_trips_file(path: &Path) -> Result<Trips, TaxiError> {
    if ends_with(path, ".parquet") || ends_with(path, ".parq") {
        read_parquet(path)
    } else if ends_with(path, ".csv") {
        read_tlc_csv(path)
    } else {
        Err(TaxiError::UnknownFormat {
            path: path.to_owned(),
            reason: "unknown trip-file format; expected a TLC .csv or .parquet file".into(),
        })
    }
}

#[cfg(feature = "parquet")]
fn read_parquet(path: &Path) -> Result<Trips, TaxiError> {
    super::trips_parquet::read_tlc_parquet(path)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(path: &Path) -> Result<Trips, TaxiError> {
    Err(TaxiError::UnknownFormat {
        path: path.to_owned(),
        reason: "Parquet trip files need mlsim-workloads built with `--features parquet` (or convert the file to CSV)".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_extensions_are_named() {
        let e = read_graph_file(Path::new("city.shp"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("city.shp") && e.contains(".osm.pbf"), "{e}");
        let e = read_trips_file(Path::new("trips.xlsx"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("trips.xlsx") && e.contains(".parquet"), "{e}");
    }

    #[cfg(not(feature = "parquet"))]
    #[test]
    fn parquet_without_the_feature_says_how_to_enable_it() {
        let e = read_trips_file(Path::new("yellow_tripdata_2024-01.parquet"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("yellow_tripdata_2024-01.parquet") && e.contains("--features parquet"),
            "{e}"
        );
    }
}
