//! A run's records written as they are produced: [`RunWriter`] is the [`RecordSink`] a run
//! writes into. Each record kind goes, row by row, to its own temporary section file next to
//! the run file (`runs/.NNNNNN.<kind>.tmpPID`, through a buffered CSV writer); when the run
//! ends, [`RunWriter::finish`] streams the sections into the run file (`[run]`, `[requests]`
//! with the placement columns, …, the `[end]` line with the length and CRC-32 of the body),
//! written to a temporary name, fsynced and renamed into place, and removes the section files.
//! So a run's rows never accumulate in memory, whatever its length, and the file is
//! byte-identical to what [`super::ResultDir::write_run`] writes from the same rows in memory
//! (which is now this writer fed from a [`Records`]).
//!
//! A failed run starts again from empty sections ([`RunWriter::discard`]); a writer dropped
//! without `finish` (a panic, a stop) removes its section files, and any left by a crash are
//! temporary files the folder's clean-up removes (`remove_temps`).

use super::{RECORD_FILES, csv_rows, footer_of, insert_columns, insert_streaming, io};
use crate::error::{Error, Result, csv_err};
use mlsim_core::record::{
    BbuRecord, CallRecord, CheckpointRecord, FunctionEventRecord, FunctionRecord, InstanceRecord,
    InvocationRecord, LinkRecord, MemoryRecord, PoolRecord, RequestRecord, StepRecord,
};
use mlsim_core::{RecordSink, Records};
use serde::Serialize;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The sections after `[run]`, in file order: the record files, then (only when they have
/// rows) the suspend study's.
fn sections() -> impl Iterator<Item = &'static str> {
    RECORD_FILES.iter().copied().chain(super::study_files())
}
/// Sections written even without rows (a header line).
const ALWAYS: usize = RECORD_FILES.len();
const REQUESTS: usize = 0;

struct Section {
    path: PathBuf,
    w: csv::Writer<BufWriter<fs::File>>,
    rows: u64,
}

/// The sink of one run; see the module documentation.
pub struct RunWriter {
    /// The run file.
    path: PathBuf,
    /// `runs/.NNNNNN.` — the section files are `<prefix><kind>.tmpPID`.
    prefix: PathBuf,
    sections: Vec<Option<Section>>,
    /// The rows, also kept in memory (for a caller that shows them, e.g. the emulation's
    /// per-run line); `None`: not kept.
    kept: Option<Records>,
    /// The first write error (a sink cannot return one): `finish` reports it.
    error: Option<Error>,
}

impl RunWriter {
    /// The writer of run file `path` (`runs/NNNNNN.csv`); `keep`: also keep the rows in memory
    /// (returned by `finish`).
    pub fn new(path: &Path, keep: bool) -> RunWriter {
        let dir = path.parent().unwrap_or(Path::new("."));
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("run")
            .to_string();
        RunWriter {
            path: path.to_path_buf(),
            prefix: dir.join(format!(".{stem}.")),
            sections: sections().map(|_| None).collect(),
            kept: keep.then(Records::default),
            error: None,
        }
    }

    fn section_path(&self, k: usize) -> PathBuf {
        let mut p = self.prefix.clone().into_os_string();
        let name = sections().nth(k).unwrap_or("section");
        p.push(format!("{name}.tmp{}", std::process::id()));
        PathBuf::from(p)
    }

    /// Writes one row of section `k`.
    fn put<T: Serialize>(&mut self, k: usize, row: &T) {
        if self.error.is_some() {
            return;
        }
        if self.sections[k].is_none() {
            let path = self.section_path(k);
            match fs::File::create(&path) {
                Ok(f) => {
                    self.sections[k] = Some(Section {
                        w: csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, f)),
                        path,
                        rows: 0,
                    });
                }
                Err(e) => {
                    self.error = Some(io("create", &path)(e));
                    return;
                }
            }
        }
        let s = self.sections[k].as_mut().expect("just made");
        match s.w.serialize(row) {
            Ok(()) => s.rows += 1,
            Err(e) => self.error = Some(csv_err(&s.path)(e)),
        }
    }

    /// Forgets every row written so far (a failed run is recorded without its rows).
    pub fn discard(&mut self) {
        self.remove_sections();
        if let Some(k) = &mut self.kept {
            *k = Records::default();
        }
        self.error = None;
    }

    fn remove_sections(&mut self) {
        for s in self.sections.iter_mut() {
            if let Some(s) = s.take() {
                drop(s.w);
                fs::remove_file(&s.path).ok();
            }
        }
    }

    /// Rows written so far to section `kind` (`requests`, `invocations`, …, `memory`).
    pub fn rows(&self, kind: &str) -> u64 {
        sections()
            .position(|s| s == kind)
            .and_then(|k| self.sections[k].as_ref())
            .map_or(0, |s| s.rows)
    }

    /// Writes the run file: `run` is the `[run]` section (header and row), `placement` the
    /// (names, values) of the placement columns `[requests]` gets after `method`. Returns the
    /// rows kept in memory (empty unless made with `keep`).
    pub fn finish(mut self, run: &[u8], placement: (&[String], &[String])) -> Result<Records> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let dir = self.path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let tmp = dir.join(format!(
            ".{}.tmp{}",
            self.path
                .file_name()
                .and_then(|s| s.to_str())
                .unwrap_or("run"),
            std::process::id()
        ));
        let written = self.write_to(&tmp, run, placement);
        if written.is_err() {
            fs::remove_file(&tmp).ok();
        }
        written?;
        fs::rename(&tmp, &self.path).map_err(|source| {
            fs::remove_file(&tmp).ok();
            Error::Io {
                what: "rename into place",
                path: self.path.clone(),
                source,
            }
        })?;
        if let Ok(d) = fs::File::open(&dir) {
            d.sync_all().ok();
        }
        self.remove_sections();
        Ok(self.kept.take().unwrap_or_default())
    }

    fn write_to(
        &mut self,
        tmp: &Path,
        run: &[u8],
        (names, values): (&[String], &[String]),
    ) -> Result<()> {
        let f = fs::File::create(tmp).map_err(io("create", tmp))?;
        let mut out = Hashing {
            w: BufWriter::with_capacity(1 << 16, f),
            hash: super::Hasher::new(),
            len: 0,
        };
        let path = self.path.clone();
        let werr = |e: std::io::Error| io("write", &path)(e);
        out.write_all(b"[run]\n").map_err(werr)?;
        out.write_all(run).map_err(werr)?;
        for (k, name) in sections().enumerate() {
            let section = self.sections[k].take();
            if k >= ALWAYS && section.is_none() {
                continue;
            }
            out.write_all(format!("[{name}]\n").as_bytes())
                .map_err(werr)?;
            let Some(s) = section else {
                // No row: the header alone, as `csv_rows` writes it.
                let bytes = empty(k).map_err(csv_err(&self.path))?;
                let bytes = if k == REQUESTS {
                    insert_columns(&bytes, "method", names, values).map_err(csv_err(&self.path))?
                } else {
                    bytes
                };
                out.write_all(&bytes).map_err(werr)?;
                continue;
            };
            let spath = s.path.clone();
            let inner =
                s.w.into_inner()
                    .map_err(|e| io("write", &spath)(e.into_error()))?;
            inner
                .into_inner()
                .map_err(|e| io("write", &spath)(e.into_error()))?;
            let mut f = fs::File::open(&spath).map_err(io("read", &spath))?;
            if k == REQUESTS && !names.is_empty() {
                insert_streaming(&mut f, &mut out, "method", names, values)
                    .map_err(csv_err(&spath))?;
            } else {
                std::io::copy(&mut f, &mut out).map_err(werr)?;
            }
            drop(f);
            fs::remove_file(&spath).ok();
        }
        let end = footer_of(out.len, out.hash.check());
        let Hashing { mut w, .. } = out;
        w.write_all(end.as_bytes()).map_err(werr)?;
        let f = w
            .into_inner()
            .map_err(|e| io("write", &path)(e.into_error()))?;
        f.sync_all().map_err(io("fsync", &path))?;
        Ok(())
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        self.remove_sections();
    }
}

/// The header line of section `k` with no rows.
fn empty(k: usize) -> std::result::Result<Vec<u8>, csv::Error> {
    match k {
        0 => csv_rows::<RequestRecord>(&[]),
        1 => csv_rows::<InvocationRecord>(&[]),
        2 => csv_rows::<CheckpointRecord>(&[]),
        3 => csv_rows::<LinkRecord>(&[]),
        4 => csv_rows::<StepRecord>(&[]),
        5 => csv_rows::<BbuRecord>(&[]),
        6 => csv_rows::<FunctionEventRecord>(&[]),
        7 => csv_rows::<FunctionRecord>(&[]),
        _ => csv_rows::<MemoryRecord>(&[]),
    }
}

/// A writer that hashes and counts what goes through it.
struct Hashing<W: Write> {
    w: W,
    hash: super::Hasher,
    len: usize,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.w.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

impl RecordSink for RunWriter {
    fn request(&mut self, r: RequestRecord) {
        self.put(0, &r);
        if let Some(k) = &mut self.kept {
            k.requests.push(r);
        }
    }
    fn invocation(&mut self, r: InvocationRecord) {
        self.put(1, &r);
        if let Some(k) = &mut self.kept {
            k.invocations.push(r);
        }
    }
    fn checkpoint(&mut self, r: CheckpointRecord) {
        self.put(2, &r);
        if let Some(k) = &mut self.kept {
            k.checkpoints.push(r);
        }
    }
    fn link(&mut self, r: LinkRecord) {
        self.put(3, &r);
        if let Some(k) = &mut self.kept {
            k.links.push(r);
        }
    }
    fn step(&mut self, r: StepRecord) {
        self.put(4, &r);
        if let Some(k) = &mut self.kept {
            k.steps.push(r);
        }
    }
    fn bbu(&mut self, r: BbuRecord) {
        self.put(5, &r);
        if let Some(k) = &mut self.kept {
            k.bbus.push(r);
        }
    }
    fn function_event(&mut self, r: FunctionEventRecord) {
        self.put(6, &r);
        if let Some(k) = &mut self.kept {
            k.events.push(r);
        }
    }
    fn function(&mut self, r: FunctionRecord) {
        self.put(7, &r);
        if let Some(k) = &mut self.kept {
            k.functions.push(r);
        }
    }
    fn memory(&mut self, r: MemoryRecord) {
        self.put(8, &r);
        if let Some(k) = &mut self.kept {
            k.memory.push(r);
        }
    }
    fn call(&mut self, r: CallRecord) {
        self.put(9, &r);
        if let Some(k) = &mut self.kept {
            k.calls.push(r);
        }
    }
    fn instance(&mut self, r: InstanceRecord) {
        self.put(10, &r);
        if let Some(k) = &mut self.kept {
            k.instances.push(r);
        }
    }
    fn pool(&mut self, r: PoolRecord) {
        self.put(11, &r);
        if let Some(k) = &mut self.kept {
            k.pools.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::verify_run_file;
    use super::*;
    use mlsim_core::record::Mode;

    /// The run file as the in-memory writer built it before streaming: every section's CSV
    /// (`csv_rows`), the placement columns inserted into `[requests]`, then the `[end]` line.
    fn in_memory(run: &[u8], r: &Records, names: &[String], values: &[String]) -> Vec<u8> {
        let mut out = b"[run]\n".to_vec();
        out.extend_from_slice(run);
        let mut section = |name: &str, bytes: Vec<u8>| {
            out.extend_from_slice(format!("[{name}]\n").as_bytes());
            out.extend_from_slice(&bytes);
        };
        let req = csv_rows(&r.requests).unwrap();
        section(
            "requests",
            insert_columns(&req, "method", names, values).unwrap(),
        );
        section("invocations", csv_rows(&r.invocations).unwrap());
        section("checkpoints", csv_rows(&r.checkpoints).unwrap());
        section("links", csv_rows(&r.links).unwrap());
        section("steps", csv_rows(&r.steps).unwrap());
        section("bbus", csv_rows(&r.bbus).unwrap());
        if !r.events.is_empty() {
            section("events", csv_rows(&r.events).unwrap());
        }
        if !r.functions.is_empty() {
            section("functions", csv_rows(&r.functions).unwrap());
        }
        if !r.memory.is_empty() {
            section("memory", csv_rows(&r.memory).unwrap());
        }
        let mut h = crate::folder::Hasher::new();
        h.update(&out);
        let end = footer_of(out.len(), h.check());
        out.extend_from_slice(end.as_bytes());
        out
    }

    fn records(n: u32) -> Records {
        let mut r = Records::default();
        for i in 0..n {
            r.requests.push(RequestRecord {
                run: 3,
                mode: Mode::Sim,
                request: i,
                // A comma and a quote: the CSV quoting must survive the column insertion.
                app: "face, \"hd\"".into(),
                method: "microlambda".into(),
                exec_time_s: f64::from(i) * 0.25,
                ..RequestRecord::default()
            });
            r.invocations.push(InvocationRecord {
                run: 3,
                request: i,
                ..InvocationRecord::default()
            });
        }
        r.bbus.push(BbuRecord::default());
        r
    }

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("mlsim-runwriter-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn the_streamed_file_is_the_in_memory_one_byte_for_byte() {
        let d = dir("same");
        let run = b"run,point\n3,0\n";
        let names = vec!["placement".to_string(), "alpha".to_string()];
        let values = vec!["least_loaded".to_string(), "0.5".to_string()];
        for n in [0, 1, 2500] {
            let r = records(n);
            let path = d.join(format!("{n:06}.csv"));
            let mut w = RunWriter::new(&path, false);
            r.replay(&mut w);
            assert_eq!(w.rows("requests"), u64::from(n));
            w.finish(run, (&names, &values)).unwrap();
            let got = fs::read(&path).unwrap();
            assert!(got == in_memory(run, &r, &names, &values), "{n} rows");
            assert!(verify_run_file(&got).is_ok());
        }
        // A suspend run's sections are there only with rows, after the others.
        let mut r = records(1);
        r.memory.push(MemoryRecord::default());
        let path = d.join("000009.csv");
        let mut w = RunWriter::new(&path, true);
        r.replay(&mut w);
        let kept = w.finish(run, (&[], &[])).unwrap();
        assert_eq!(kept, r, "kept rows are the rows");
        assert!(fs::read(&path).unwrap() == in_memory(run, &r, &[], &[]));
        // No section file is left behind.
        let left: Vec<_> = fs::read_dir(&d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_discarded_or_dropped_writer_leaves_no_rows_and_no_files() {
        let d = dir("discard");
        let path = d.join("000001.csv");
        let mut w = RunWriter::new(&path, true);
        records(10).replay(&mut w);
        assert!(
            fs::read_dir(&d).unwrap().count() >= 2,
            "section files while writing"
        );
        w.discard();
        assert_eq!(w.rows("requests"), 0);
        w.finish(b"run\n1\n", (&[], &[])).unwrap();
        assert!(fs::read(&path).unwrap() == in_memory(b"run\n1\n", &Records::default(), &[], &[]));
        let path = d.join("000002.csv");
        let mut w = RunWriter::new(&path, false);
        records(10).replay(&mut w);
        drop(w);
        let names: Vec<String> = fs::read_dir(&d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["000001.csv".to_string()]);
        fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn run_files_check_with_crc32_and_older_fnv_files_still_verify() {
        // The writer's line: CRC-32 (IEEE) of "123456789" is the standard check value
        // 0xcbf43926.
        let mut h = crate::folder::Hasher::new();
        h.update(b"123456789");
        assert_eq!(footer_of(9, h.check()), "[end] length=9 crc32=cbf43926\n");
        // A body of whole lines, checked by CRC-32 (new files) or FNV-1a 64 (older files).
        let body = b"[run]\nrun\n3\n";
        let crc = crc32fast::hash(body);
        let fnv = mlsim_core::fnv::Fnv1a::new().bytes(body).finish();
        let file = |line: String| [&body[..], line.as_bytes()].concat();
        let new = file(format!("[end] length=12 crc32={crc:08x}\n"));
        assert_eq!(verify_run_file(&new), Ok(&body[..]));
        let old = file(format!("[end] length=12 fnv1a64={fnv:016x}\n"));
        assert_eq!(verify_run_file(&old), Ok(&body[..]));
        // A byte changed fails either check, naming both sums.
        for mut f in [new, old] {
            f[7] = b'R';
            let e = verify_run_file(&f).unwrap_err();
            assert!(e.starts_with("checksum "), "{e}");
        }
    }
}
