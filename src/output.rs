//! The result folder: self-describing, crash-safe, resumable.
//!
//! ```text
//! results/<name>/
//!   spec.toml        copy of the spec as run        model.toml   copy of the model file
//!   manifest.json    tool, version, git revision, seeds, model provenance, run statuses
//!   runs/000042.csv  one file per finished run (written to a temporary name, then renamed, so a
//!                    file that exists is complete): a `[run]` section, then one CSV section per
//!                    record kind (`[requests]`, `[invocations]`, ...)
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
use mlsim_core::policies::PlacementConfig;
use mlsim_core::record::{PlacementColumns, RunRecord};
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
    let mut h = mlsim_core::fnv::Fnv1a::new();
    for p in parts {
        h.bytes(p.as_bytes()).bytes(&[0xff]);
    }
    format!("{:016x}", h.finish())
}

/// The result folder of one experiment.
pub struct ResultDir {
    /// Its root.
    pub root: PathBuf,
    /// The placement parameter columns of its `runs.csv` and `requests.csv` (those of the
    /// policies its spec's runs use).
    pub placement: PlacementColumns,
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
        if resumed {
            // Temporary files of runs a crash interrupted: their runs are simply done again.
            for e in fs::read_dir(root.join("runs"))?.flatten() {
                if e.file_name().to_string_lossy().contains(".tmp") {
                    fs::remove_file(e.path()).ok();
                }
            }
        }
        write_atomic(&root.join("spec.toml"), spec.text.as_bytes())?;
        write_atomic(&root.join("model.toml"), model_text.as_bytes())?;
        Ok((
            ResultDir {
                root: root.to_path_buf(),
                placement: PlacementColumns::of(spec.points.iter().map(|p| &p.scenario.placement)),
            },
            resumed,
        ))
    }

    fn run_file(&self, run: u32) -> PathBuf {
        self.root.join("runs").join(format!("{run:06}.csv"))
    }

    /// Whether a run finished successfully before (its file exists only once complete; a
    /// failed run is done again on resume).
    pub fn is_done(&self, run: u32) -> bool {
        self.read_run(run).is_ok_and(|r| r.status == "ok")
    }

    /// Writes a finished run (whose placement is `placement`) as one file of sections,
    /// atomically. One file per run (not one per record kind) keeps a sweep of thousands of runs
    /// to a few thousand file operations. `runs.csv` gets the placement parameter columns after
    /// `placement`, `requests.csv` gets `placement` and them after `method` (see
    /// [`PlacementColumns`]).
    pub fn write_run(
        &self,
        rec: &RunRecord,
        placement: &PlacementConfig,
        records: &Records,
    ) -> Result<()> {
        let names = self.placement.headers();
        let values = self
            .placement
            .values(placement)
            .into_iter()
            .map(|v| v.map_or(Ok(String::new()), csv_f64))
            .collect::<Result<Vec<String>>>()?;
        let run = insert_columns(
            &csv_rows(std::slice::from_ref(rec))?,
            "placement",
            &names,
            &values,
        )?;
        let mut req_names = vec!["placement".to_string()];
        req_names.extend(names);
        let mut req_values = vec![placement.name().to_string()];
        req_values.extend(values);
        let requests = insert_columns(
            &csv_rows(&records.requests)?,
            "method",
            &req_names,
            &req_values,
        )?;
        let mut out = Vec::new();
        let mut section = |name: &str, bytes: Vec<u8>| {
            out.extend_from_slice(format!("[{name}]\n").as_bytes());
            out.extend_from_slice(&bytes);
        };
        section("run", run);
        section("requests", requests);
        section("invocations", csv_rows(&records.invocations)?);
        section("checkpoints", csv_rows(&records.checkpoints)?);
        section("links", csv_rows(&records.links)?);
        section("steps", csv_rows(&records.steps)?);
        section("bbus", csv_rows(&records.bbus)?);
        let path = self.run_file(rec.run);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        fs::write(&tmp, &out).with_context(|| format!("cannot write {}", tmp.display()))?;
        fs::rename(&tmp, &path)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))
    }

    /// The sections of a run file: name → CSV bytes (header included).
    fn sections(&self, run: u32) -> Result<Vec<(String, Vec<u8>)>> {
        let p = self.run_file(run);
        let bytes = fs::read(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            if line.first() == Some(&b'[') {
                let name = String::from_utf8_lossy(line)
                    .trim()
                    .trim_matches(['[', ']'])
                    .to_string();
                out.push((name, Vec::new()));
            } else if let Some((_, body)) = out.last_mut() {
                body.extend_from_slice(line);
            } else {
                anyhow::bail!(
                    "{} is not an mlsim run file (no section header)",
                    p.display()
                );
            }
        }
        Ok(out)
    }

    /// Reads the run record of a finished run.
    pub fn read_run(&self, run: u32) -> Result<RunRecord> {
        let p = self.run_file(run);
        let secs = self.sections(run)?;
        let (_, body) = secs
            .iter()
            .find(|(n, _)| n == "run")
            .with_context(|| format!("{} has no [run] section", p.display()))?;
        let mut r = csv::Reader::from_reader(body.as_slice());
        let rec = r
            .deserialize()
            .next()
            .with_context(|| format!("{} has an empty [run] section", p.display()))?;
        rec.with_context(|| format!("{} is malformed", p.display()))
    }

    /// Concatenates every run's sections, in run order, into the top-level CSVs.
    pub fn merge(&self, runs: &[u32]) -> Result<()> {
        let names: Vec<&str> = std::iter::once("run")
            .chain(RECORD_FILES.iter().copied())
            .collect();
        let mut outs: Vec<Vec<u8>> = vec![Vec::new(); names.len()];
        for &run in runs {
            let Ok(secs) = self.sections(run) else {
                continue;
            };
            for (name, body) in secs {
                let Some(i) = names.iter().position(|n| *n == name) else {
                    continue;
                };
                let split = body
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(body.len(), |i| i + 1);
                if outs[i].is_empty() {
                    outs[i].extend_from_slice(&body[..split]);
                }
                outs[i].extend_from_slice(&body[split..]);
            }
        }
        for (name, bytes) in names.iter().zip(outs) {
            let target = if *name == "run" { "runs" } else { name };
            write_atomic(&self.root.join(format!("{target}.csv")), &bytes)?;
        }
        Ok(())
    }
}

/// A number as the CSV writer writes an `f64` field (e.g. `0.5`, `300.0`).
fn csv_f64(x: f64) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.serialize([x])?;
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(String::from_utf8_lossy(&bytes).trim_end().to_string())
}

/// CSV `bytes` (header line first) with columns `names` inserted after column `after`, holding
/// `values` in every row (the same run's). Every other field is written back as it was.
fn insert_columns(
    bytes: &[u8],
    after: &str,
    names: &[String],
    values: &[String],
) -> Result<Vec<u8>> {
    if names.is_empty() {
        return Ok(bytes.to_vec());
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut at = None;
    for rec in r.records() {
        let rec = rec?;
        let i = match at {
            Some(i) => i,
            None => {
                let i = rec.iter().position(|c| c == after).with_context(|| {
                    format!("no column {after} to put the placement columns after")
                })? + 1;
                at = Some(i);
                w.write_record(
                    rec.iter()
                        .take(i)
                        .chain(names.iter().map(String::as_str))
                        .chain(rec.iter().skip(i)),
                )?;
                continue;
            }
        };
        w.write_record(
            rec.iter()
                .take(i)
                .chain(values.iter().map(String::as_str))
                .chain(rec.iter().skip(i)),
        )?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
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
