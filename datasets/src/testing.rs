//! Test data that may be absent: one rule for every test in the workspace that needs a file not
//! in git.
//!
//! Two places hold such files: the **data folder** ([`data_dir`](crate::data::data_dir),
//! filled by `scripts/setup-workloads.sh` and `scripts/setup-face.sh`) and the **shared data
//! folder** `../shared/data` beside the repository (or `$MLSIM_SHARED_DATA`), which holds files
//! that are never committed here (e.g. the Midtown Manhattan GraphML). A test asks for a file
//! with [`data_file`] or [`shared_data`]; when the file is absent it gets `None` after a loud
//! SKIPPED banner on the real stderr (which `cargo test` does not capture), and returns. With
//! `MLSIM_REQUIRE_DATA=1` (as CI sets) the absence panics instead, so nothing is silently
//! skipped there.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The Midtown Manhattan street network (OSMnx GraphML, 388 nodes) in the shared data folder.
pub const MIDTOWN_GRAPHML: &str = "street-networks/manhattan-midtown.graphml";

/// Whether `MLSIM_REQUIRE_DATA=1`: a missing test file is a failure.
pub fn data_required() -> bool {
    std::env::var("MLSIM_REQUIRE_DATA").is_ok_and(|v| v == "1")
}

/// Reports a test that cannot run because `what` is missing (`fix` says how to get it): a loud
/// banner, or a panic under `MLSIM_REQUIRE_DATA=1`.
pub fn skip(what: &str, fix: &str) {
    if data_required() {
        panic!("MLSIM_REQUIRE_DATA=1 but {what} is missing; {fix}");
    }
    let line = "!".repeat(78);
    // The real stderr: libtest captures eprintln!, and a skip must always be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n{line}\n!! SKIPPED: {what} is missing\n!! {fix}\n!! (MLSIM_REQUIRE_DATA=1 turns this into a failure)\n{line}\n"
    );
}

/// The shared data folder: `$MLSIM_SHARED_DATA`, else `shared/data` beside the repository.
pub fn shared_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("MLSIM_SHARED_DATA").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    // This crate is `<repository>/datasets`.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}

/// `rel` inside the shared data folder if it exists; otherwise [`skip`] (banner or panic) and
/// `None`.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = shared_data_dir();
    let p = root.join(rel);
    if p.exists() {
        return Some(p);
    }
    skip(
        &format!("shared test data {}", p.display()),
        &format!(
            "it is not in git: put the shared data folder at {} (beside the repository) or set MLSIM_SHARED_DATA",
            root.display()
        ),
    );
    None
}

/// `rel` inside the data folder if it exists; otherwise [`skip`] (banner or panic) and `None`.
pub fn data_file(rel: &str) -> Option<PathBuf> {
    let root = crate::data::data_dir();
    let p = root.join(rel);
    if p.exists() {
        return Some(p);
    }
    skip(
        &format!("downloaded test data {}", p.display()),
        &format!(
            "run scripts/setup-workloads.sh (it downloads into the data folder {}: $MLSIM_DATA, default ~/.local/share/mlsim)",
            root.display()
        ),
    );
    None
}
