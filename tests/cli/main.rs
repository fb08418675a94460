//! End-to-end tests of the `mlsim` binary (one test binary for the CLI).

mod bad_specs;
mod calibrate;
mod classes;
mod compare;
mod crate_graph;
mod dataframes;
mod emu;
mod emu_classes;
mod emu_common;
mod emu_evict;
mod emu_host;
mod emu_serverless;
mod emu_shards;
mod emu_suspend;
mod folders;
mod limits;
mod mistakes;
mod paper_shapes;
mod policies;
mod rules;
mod runs;
mod serverless;
mod shards;
mod speed_scale;
mod suspend;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn mlsim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlsim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("mlsim runs")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
