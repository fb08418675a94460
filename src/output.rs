//! The result folder: self-describing, crash-safe, resumable.
//!
//! ```text
//! results/<name>/
//!   spec.toml        copy of the spec as run        model.toml   copy of the model file
//!   manifest.json    tool, version, git revision, seeds, model provenance, run statuses
//!   runs/000042/     one folder per finished run (written to a temporary name, then renamed,
//!                    so a folder that exists is complete): run.csv + one CSV per record kind
//!   runs.csv requests.csv invocations.csv checkpoints.csv links.csv steps.csv bbus.csv
//!                    all runs merged in run order (byte-identical whatever the thread count)
//!   summary.csv      one row per sweep point
//!   fig*.svg fig*.png
//! ```
//! Every file is written to a temporary file and renamed into place, so no reader ever sees a
//! half-written file, and an interrupted run leaves only complete run folders behind.

use crate::spec::Spec;
use anyhow::{Context, Result, bail};
use mlsim_core::Records;
use mlsim_core::record::RunRecord;
use serde::Serialize;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The record files, in the order they are merged.
pub const RECORD_FILES: &[&str] = &[
    "requests",
    "invocations",
    "checkpoints",
    "links",
    "steps",
    "bbus",
];

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|s| s.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    let mut f =
        fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.sync_all().ok();
    drop(f);
    fs::rename(&tmp, path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
}

/// A stable 64-bit fingerprint of text (FNV-1a), to recognise the spec a folder was made by.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_bytes().iter().chain(&[0xff]) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The result folder of one experiment.
pub struct ResultDir {
    /// Its root.
    pub root: PathBuf,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Identity {
    spec_fingerprint: String,
}

impl ResultDir {
    /// Opens (resuming) or creates the folder for `spec`. A folder made by another spec is
    /// never touched.
    pub fn prepare(root: &Path, spec: &Spec, model_text: &str) -> Result<(ResultDir, bool)> {
        let fp = fingerprint(&[&spec.text, model_text]);
        let id_file = root.join(".mlsim-spec");
        let resumed = if root.exists() {
            let id: Identity = fs::read_to_string(&id_file)
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
                .with_context(|| format!("{} exists but is not an mlsim result folder; choose another --out or remove it", root.display()))?;
            if id.spec_fingerprint != fp {
                bail!(
                    "{} holds results of a different spec (or model file); nothing was changed. Use --out DIR for a new folder, or remove the old one",
                    root.display()
                );
            }
            true
        } else {
            fs::create_dir_all(root.join("runs"))
                .with_context(|| format!("cannot create {}", root.display()))?;
            write_atomic(
                &id_file,
                serde_json::to_string(&Identity {
                    spec_fingerprint: fp,
                })?
                .as_bytes(),
            )?;
            false
        };
        fs::create_dir_all(root.join("runs"))?;
        write_atomic(&root.join("spec.toml"), spec.text.as_bytes())?;
        write_atomic(&root.join("model.toml"), model_text.as_bytes())?;
        Ok((
            ResultDir {
                root: root.to_path_buf(),
            },
            resumed,
        ))
    }

    fn run_dir(&self, run: u32) -> PathBuf {
        self.root.join("runs").join(format!("{run:06}"))
    }

    /// Whether a run finished successfully before (its folder exists only once complete; a
    /// failed run is done again on resume).
    pub fn is_done(&self, run: u32) -> bool {
        self.run_dir(run).join("run.csv").is_file()
            && self.read_run(run).is_ok_and(|r| r.status == "ok")
    }

    /// Writes a finished run: all its CSVs into a temporary folder, renamed into place.
    pub fn write_run(&self, rec: &RunRecord, records: &Records) -> Result<()> {
        let final_dir = self.run_dir(rec.run);
        let tmp =
            self.root
                .join("runs")
                .join(format!(".tmp-{:06}-{}", rec.run, std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).ok();
        }
        fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let put = |name: &str, bytes: Vec<u8>| -> Result<()> {
            fs::write(tmp.join(format!("{name}.csv")), bytes)
                .with_context(|| format!("cannot write {name}.csv in {}", tmp.display()))
        };
        put("requests", csv_rows(&records.requests)?)?;
        put("invocations", csv_rows(&records.invocations)?)?;
        put("checkpoints", csv_rows(&records.checkpoints)?)?;
        put("links", csv_rows(&records.links)?)?;
        put("steps", csv_rows(&records.steps)?)?;
        put("bbus", csv_rows(&records.bbus)?)?;
        put("run", csv_rows(std::slice::from_ref(rec))?)?;
        if final_dir.exists() {
            fs::remove_dir_all(&final_dir).ok();
        }
        fs::rename(&tmp, &final_dir)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), final_dir.display()))
    }

    /// Reads the run record of a finished run.
    pub fn read_run(&self, run: u32) -> Result<RunRecord> {
        let p = self.run_dir(run).join("run.csv");
        let mut r =
            csv::Reader::from_path(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let rec = r
            .deserialize()
            .next()
            .with_context(|| format!("{} is empty", p.display()))?;
        rec.with_context(|| format!("{} is malformed", p.display()))
    }

    /// Concatenates every run's CSVs, in run order, into the top-level CSVs.
    pub fn merge(&self, runs: &[u32]) -> Result<()> {
        for name in RECORD_FILES.iter().copied().chain(["run"]) {
            let mut out: Vec<u8> = Vec::new();
            let mut header_done = false;
            for &run in runs {
                let p = self.run_dir(run).join(format!("{name}.csv"));
                let Ok(bytes) = fs::read(&p) else { continue };
                let split = bytes
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(bytes.len(), |i| i + 1);
                if !header_done {
                    out.extend_from_slice(&bytes[..split]);
                    header_done = true;
                }
                out.extend_from_slice(&bytes[split..]);
            }
            let target = if name == "run" { "runs" } else { name };
            write_atomic(&self.root.join(format!("{target}.csv")), &out)?;
        }
        Ok(())
    }
}

/// Serialises records as CSV with a header line, also when there are no records (the header
/// then comes from a default record, so it always matches the struct's fields).
pub fn csv_rows<T: Serialize + Default>(rows: &[T]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        w.serialize(T::default())?;
        let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        let end = bytes
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| i + 1);
        return Ok(bytes[..end].to_vec());
    }
    for r in rows {
        w.serialize(r)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}
