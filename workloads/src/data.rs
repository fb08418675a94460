//! Where downloaded data lives.
//!
//! `scripts/setup-workloads.sh` downloads registry data (TLC trip samples, pyhailing taxi zones,
//! systole ECG/respiration recordings) into the **data folder**: `$MLSIM_DATA` if set, else
//! `$HOME/.local/share/mlsim`. Nothing there is committed to git.

use std::path::{Path, PathBuf};

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
