//! Shared by the checkpoint root tests: the release workload binaries and reference outputs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mlsim_emu::ckpt::workload::{App, Binaries, RunArgs, WorkloadRun, build_release, item_lines};

/// The release workload binaries: `$MLSIM_WORKLOAD_BIN` if set, else built once per test process
/// with `cargo build --release` into the same target directory (a no-op when up to date).
pub fn binaries() -> &'static Binaries {
    static BINS: OnceLock<Binaries> = OnceLock::new();
    BINS.get_or_init(|| match std::env::var_os("MLSIM_WORKLOAD_BIN") {
        Some(p) => Binaries {
            workload: PathBuf::from(p),
            face: std::env::var_os("MLSIM_FACE_BIN").map(PathBuf::from),
        },
        None => build_release(false).expect("cargo build --release -p mlsim-workloads"),
    })
}

/// A taxi run of `items` requests.
pub fn taxi(items: u64) -> WorkloadRun {
    WorkloadRun::new(App::Taxi, binaries(), items, 7).expect("taxi binary")
}

/// The per-item lines of an uninterrupted run of `run`, in `dir`.
pub fn reference(run: &WorkloadRun, dir: &Path) -> Vec<String> {
    let out = dir.join("reference.out");
    let argv = run.argv(&RunArgs {
        output: Some(&out),
        ..RunArgs::default()
    });
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run the reference");
    assert!(status.success(), "reference run failed: {status}");
    let lines = item_lines(
        run.app,
        &std::fs::read_to_string(&out).expect("reference output"),
    );
    assert_eq!(lines.len() as u64, run.items, "reference run is complete");
    lines
}

/// The per-item lines of the files `parts`, concatenated.
pub fn lines_of(app: App, parts: &[&Path]) -> Vec<String> {
    parts
        .iter()
        .flat_map(|p| item_lines(app, &std::fs::read_to_string(p).unwrap_or_default()))
        .collect()
}
