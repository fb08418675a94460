//! What the CLI root tests of `mlsim emu` share: the root guard with the release workload
//! program, scratch folders, the `mlsim` command, and reading result CSVs.

use mlsim_emu::testing::{RootGuard, require_root_env_exclusive};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Root, the substrate and the release workload binary (`MLSIM_WORKLOAD_BIN`, or built), or
/// `None` after the skip banner.
pub fn setup(what: &str) -> Option<(RootGuard, PathBuf)> {
    let g = require_root_env_exclusive(what)?;
    let bin = match std::env::var_os("MLSIM_WORKLOAD_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            mlsim_emu::ckpt::workload::build_release(false)
                .expect("cargo build --release -p mlsim-workloads")
                .workload
        }
    };
    Some((g, bin))
}

/// A scratch folder, removed on drop (also when the test panics: CRIU images take GBs).
pub struct Scratch(pub PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

/// A fresh scratch folder for test `tag` of this process.
pub fn tempdir(tag: &str) -> Scratch {
    let d = std::env::temp_dir().join(format!("mlsim-cli-emu-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    Scratch(d)
}

/// The `mlsim` binary under test, running `workload` as the workload program.
pub fn mlsim(workload: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlsim"));
    c.env("MLSIM_WORKLOAD_BIN", workload);
    c
}

/// The header line of a CSV.
pub fn header(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A CSV row: column → value.
pub type Row = HashMap<String, String>;

/// Rows of a CSV as maps column → value.
pub fn rows(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cols: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("csv row");
            cols.iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Column `k` of row `r` as a whole number.
pub fn num(r: &Row, k: &str) -> u64 {
    r[k].parse()
        .unwrap_or_else(|e| panic!("{k} = {:?}: {e} in {r:?}", r[k]))
}

/// Runs `cmd` (`what` names it in the failure) and asserts it exited 0; returns its output.
pub fn succeeds(cmd: &mut Command, what: &str) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The simulator's run of `spec` into `sim` (`mlsim run -q`), after the emulation's into `emu`:
/// asserts it succeeds and that `files` have the same CSV headers in both folders.
pub fn simulate_with_same_headers(
    workload: &Path,
    spec: &Path,
    sim: &Path,
    emu: &Path,
    files: &[&str],
) {
    succeeds(
        mlsim(workload)
            .args(["run", "-q"])
            .arg(spec)
            .arg("--out")
            .arg(sim),
        "mlsim run",
    );
    for f in files {
        assert_eq!(header(&emu.join(f)), header(&sim.join(f)), "{f} header");
    }
}

/// `mlsim compare SIM EMU --out CMP`, asserted to succeed; the rows of its `compare.csv`.
pub fn compare_rows(workload: &Path, sim: &Path, emu: &Path, cmp: &Path) -> Vec<Row> {
    let out = succeeds(
        mlsim(workload)
            .arg("compare")
            .arg(sim)
            .arg(emu)
            .arg("--out")
            .arg(cmp),
        "mlsim compare",
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    rows(&cmp.join("compare.csv"))
}
