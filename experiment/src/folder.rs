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
//!   events.csv functions.csv memory.csv
//!                    the suspend study's records (seed 000), only in its folders
//!   summary.csv      one row per sweep point
//!   fig*.svg fig*.png
//! ```
//! Every file is written to a temporary file and renamed into place, so no reader ever sees a
//! half-written file, and an interrupted run leaves only complete run folders behind.

use crate::error::{Error, Result, csv_err, io};
use crate::spec::Spec;
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

/// The suspend study's record files (seed 000): written, in run files and merged, only when a
/// run has such records, so the folders of other studies are as before.
pub const SUSPEND_FILES: &[&str] = &["events", "functions", "memory"];

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, written and
/// fsynced, renamed into place, then the folder fsynced (so the rename survives a crash too).
/// The one writer of every file of a result folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|s| s.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    let mut f = fs::File::create(&tmp).map_err(io("create", &tmp))?;
    f.write_all(bytes).map_err(io("write", &tmp))?;
    f.sync_all().map_err(io("fsync", &tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|source| Error::Io {
        what: "rename into place",
        path: path.to_path_buf(),
        source,
    })?;
    // Not every file system lets a folder be fsynced; the file itself is durable already.
    if let Ok(d) = fs::File::open(dir) {
        d.sync_all().ok();
    }
    Ok(())
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
                .ok_or_else(|| Error::Folder(format!("{} exists but is not an mlsim result folder; choose another --out or remove it", root.display())))?;
            if id.spec_fingerprint != fp {
                return Err(Error::Folder(format!(
                    "{} holds results of a different spec (or model file); nothing was changed. Use --out DIR for a new folder, or remove the old one",
                    root.display()
                )));
            }
            true
        } else {
            fs::create_dir_all(root.join("runs")).map_err(io("create", root))?;
            let id = serde_json::to_string(&Identity {
                spec_fingerprint: fp,
            })
            .map_err(|source| Error::Json {
                what: "the folder identity",
                source,
            })?;
            write_atomic(&id_file, id.as_bytes())?;
            false
        };
        let runs = root.join("runs");
        fs::create_dir_all(&runs).map_err(io("create", &runs))?;
        if resumed {
            // Temporary files of runs a crash interrupted: their runs are simply done again.
            for e in fs::read_dir(&runs).map_err(io("read", &runs))?.flatten() {
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

    /// The file of run `run`, `runs/NNNNNN.csv` (complete whenever it exists).
    pub fn run_file(&self, run: u32) -> PathBuf {
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
        let path = self.run_file(rec.run);
        let names = self.placement.headers();
        let values = self
            .placement
            .values(placement)
            .into_iter()
            .map(|v| v.map_or(Ok(String::new()), csv_f64).map_err(csv_err(&path)))
            .collect::<Result<Vec<String>>>()?;
        let run = insert_columns(
            &csv_rows(std::slice::from_ref(rec)).map_err(csv_err(&path))?,
            "placement",
            &names,
            &values,
        )
        .map_err(csv_err(&path))?;
        let mut req_names = vec!["placement".to_string()];
        req_names.extend(names);
        let mut req_values = vec![placement.name().to_string()];
        req_values.extend(values);
        let requests = insert_columns(
            &csv_rows(&records.requests).map_err(csv_err(&path))?,
            "method",
            &req_names,
            &req_values,
        )
        .map_err(csv_err(&path))?;
        let mut out = Vec::new();
        let mut section = |name: &str, bytes: Vec<u8>| {
            out.extend_from_slice(format!("[{name}]\n").as_bytes());
            out.extend_from_slice(&bytes);
        };
        section("run", run);
        section("requests", requests);
        section(
            "invocations",
            csv_rows(&records.invocations).map_err(csv_err(&path))?,
        );
        section(
            "checkpoints",
            csv_rows(&records.checkpoints).map_err(csv_err(&path))?,
        );
        section("links", csv_rows(&records.links).map_err(csv_err(&path))?);
        section("steps", csv_rows(&records.steps).map_err(csv_err(&path))?);
        section("bbus", csv_rows(&records.bbus).map_err(csv_err(&path))?);
        if !records.events.is_empty() {
            section("events", csv_rows(&records.events).map_err(csv_err(&path))?);
        }
        if !records.functions.is_empty() {
            section(
                "functions",
                csv_rows(&records.functions).map_err(csv_err(&path))?,
            );
        }
        if !records.memory.is_empty() {
            section("memory", csv_rows(&records.memory).map_err(csv_err(&path))?);
        }
        write_atomic(&path, &out)
    }

    /// The sections of a run file: name → CSV bytes (header included).
    fn sections(&self, run: u32) -> Result<Vec<(String, Vec<u8>)>> {
        let p = self.run_file(run);
        let bytes = fs::read(&p).map_err(io("read", &p))?;
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
                return Err(Error::Folder(format!(
                    "{} is not an mlsim run file (no section header)",
                    p.display()
                )));
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
            .ok_or_else(|| Error::Folder(format!("{} has no [run] section", p.display())))?;
        let mut r = csv::Reader::from_reader(body.as_slice());
        let rec = r
            .deserialize()
            .next()
            .ok_or_else(|| Error::Folder(format!("{} has an empty [run] section", p.display())))?;
        rec.map_err(csv_err(&p))
    }

    /// Concatenates every run's sections, in run order, into the top-level CSVs.
    pub fn merge(&self, runs: &[u32]) -> Result<()> {
        let names: Vec<&str> = std::iter::once("run")
            .chain(RECORD_FILES.iter().copied())
            .chain(SUSPEND_FILES.iter().copied())
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
            if bytes.is_empty() && SUSPEND_FILES.contains(name) {
                continue;
            }
            let target = if *name == "run" { "runs" } else { name };
            write_atomic(&self.root.join(format!("{target}.csv")), &bytes)?;
        }
        Ok(())
    }
}

/// A number as the CSV writer writes an `f64` field (e.g. `0.5`, `300.0`).
fn csv_f64(x: f64) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.serialize([x])?;
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).trim_end().to_string())
}

/// CSV `bytes` (header line first) with columns `names` inserted after column `after`, holding
/// `values` in every row (the same run's). Every other field is written back as it was.
fn insert_columns(
    bytes: &[u8],
    after: &str,
    names: &[String],
    values: &[String],
) -> Result<Vec<u8>, csv::Error> {
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
                let i = rec.iter().position(|c| c == after).ok_or_else(|| {
                    csv::Error::from(std::io::Error::other(format!(
                        "no column {after} to put the placement columns after"
                    )))
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
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Serialises records as CSV with a header line, also when there are no records (the header
/// then comes from a default record, so it always matches the struct's fields).
pub fn csv_rows<T: Serialize + Default>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if rows.is_empty() {
        w.serialize(T::default())?;
        let bytes = into_bytes(w)?;
        let end = bytes
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| i + 1);
        return Ok(bytes[..end].to_vec());
    }
    for r in rows {
        w.serialize(r)?;
    }
    into_bytes(w)
}

/// The bytes of an in-memory CSV writer.
pub fn into_bytes(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
