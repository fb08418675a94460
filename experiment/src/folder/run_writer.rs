//! A run's records written as they are produced: [`RunWriter`] is the [`RecordSink`] a run
//! writes into. Each record kind goes, row by row, to its own CSV file in the run's temporary
//! folder (`runs/.NNNNNN.tmpPID/<kind>.csv`, through a buffered CSV writer that also counts
//! and checksums the bytes); when the run ends, [`RunWriter::finish`] writes `runs.csv` (the
//! run's row), the header of every record kind without rows, `requests.csv` with the placement
//! columns inserted, and `check.txt` (every file's length and CRC-32), fsyncs them and renames
//! the folder into place as `runs/NNNNNN/`. So a run's rows never accumulate in memory,
//! whatever its length; each file is a plain CSV that pandas or polars read as it is
//! (`pl.read_csv("runs/*/requests.csv")`), byte-identical to the run's part of the merged
//! table of that name; and a run folder that exists is complete.
//!
//! A failed run starts again from empty files ([`RunWriter::discard`]); a writer dropped
//! without `finish` (a panic, a stop) removes its temporary folder, and any left by a crash is
//! a temporary the folder's clean-up removes (`remove_temps`).

use super::run_dir::{self, Entry};
use super::{RECORD_FILES, csv_rows, insert_columns, insert_streaming, io};
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

/// The record kinds after `runs`, in merge order: the record files, then (only when they have
/// rows) the study files.
fn sections() -> impl Iterator<Item = &'static str> {
    RECORD_FILES.iter().copied().chain(super::study_files())
}
/// Kinds written even without rows (a header line).
const ALWAYS: usize = RECORD_FILES.len();
const REQUESTS: usize = 0;
/// The requests' rows before the placement columns are inserted (in the temporary folder).
const REQUESTS_RAW: &str = "requests.raw";

struct Section {
    path: PathBuf,
    w: csv::Writer<Hashing<BufWriter<fs::File>>>,
    rows: u64,
}

/// The sink of one run; see the module documentation.
pub struct RunWriter {
    /// The run's folder (`runs/NNNNNN`).
    target: PathBuf,
    /// Its temporary folder while the run runs (`runs/.NNNNNN.tmpPID`).
    tmp: PathBuf,
    sections: Vec<Option<Section>>,
    /// The rows, also kept in memory (for a caller that shows them, e.g. the emulation's
    /// per-run line); `None`: not kept.
    kept: Option<Records>,
    /// The first write error (a sink cannot return one): `finish` reports it.
    error: Option<Error>,
}

impl RunWriter {
    /// The writer of run folder `target` (`runs/NNNNNN`); `keep`: also keep the rows in
    /// memory (returned by `finish`).
    pub fn new(target: &Path, keep: bool) -> RunWriter {
        RunWriter {
            target: target.to_path_buf(),
            tmp: run_dir::temp_of(target, "tmp"),
            sections: sections().map(|_| None).collect(),
            kept: keep.then(Records::default),
            error: None,
        }
    }

    fn section_path(&self, k: usize) -> PathBuf {
        if k == REQUESTS {
            return self.tmp.join(REQUESTS_RAW);
        }
        let name = sections().nth(k).unwrap_or("section");
        self.tmp.join(format!("{name}.csv"))
    }

    /// Writes one row of kind `k`.
    fn put<T: Serialize>(&mut self, k: usize, row: &T) {
        if self.error.is_some() {
            return;
        }
        if self.sections[k].is_none() {
            if let Err(e) = fs::create_dir_all(&self.tmp) {
                self.error = Some(io("create", &self.tmp)(e));
                return;
            }
            let path = self.section_path(k);
            match fs::File::create(&path) {
                Ok(f) => {
                    self.sections[k] = Some(Section {
                        w: csv::Writer::from_writer(Hashing::new(BufWriter::with_capacity(
                            1 << 16,
                            f,
                        ))),
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
        self.remove_temp();
        if let Some(k) = &mut self.kept {
            *k = Records::default();
        }
        self.error = None;
    }

    fn remove_temp(&mut self) {
        for s in self.sections.iter_mut() {
            drop(s.take());
        }
        if self.tmp.exists() {
            fs::remove_dir_all(&self.tmp).ok();
        }
    }

    /// Rows written so far of kind `kind` (`requests`, `invocations`, …, `memory`).
    pub fn rows(&self, kind: &str) -> u64 {
        sections()
            .position(|s| s == kind)
            .and_then(|k| self.sections[k].as_ref())
            .map_or(0, |s| s.rows)
    }

    /// Writes the run folder: `run` is `runs.csv` (header and row), `placement` the (names,
    /// values) of the placement columns `requests.csv` gets after `method`. Returns the rows
    /// kept in memory (empty unless made with `keep`).
    pub fn finish(mut self, run: &[u8], placement: (&[String], &[String])) -> Result<Records> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let written = self.write_files(run, placement);
        let entries = match written {
            Ok(e) => e,
            Err(e) => {
                self.remove_temp();
                return Err(e);
            }
        };
        if let Err(e) = run_dir::write_check(&self.tmp, &entries)
            .and_then(|()| run_dir::put_in_place(&self.tmp, &self.target))
        {
            self.remove_temp();
            return Err(e);
        }
        Ok(self.kept.take().unwrap_or_default())
    }

    /// Writes every file of the run into the temporary folder (made durable together with
    /// `check.txt`, see [`run_dir::write_check`]); returns their entries for `check.txt`, in
    /// merge order.
    fn write_files(
        &mut self,
        run: &[u8],
        (names, values): (&[String], &[String]),
    ) -> Result<Vec<Entry>> {
        fs::create_dir_all(&self.tmp).map_err(io("create", &self.tmp))?;
        let mut entries = vec![write_hashed(&self.tmp.join("runs.csv"), |w| {
            w.write_all(run)
        })?];
        for (k, name) in sections().enumerate() {
            let section = self.sections[k].take();
            if k >= ALWAYS && section.is_none() {
                continue;
            }
            let file = format!("{name}.csv");
            let path = self.tmp.join(&file);
            let Some(s) = section else {
                // No row: the header alone, as `csv_rows` writes it.
                let bytes = empty(k).map_err(csv_err(&path))?;
                let bytes = if k == REQUESTS {
                    insert_columns(&bytes, "method", names, values).map_err(csv_err(&path))?
                } else {
                    bytes
                };
                entries.push(write_hashed(&path, |w| w.write_all(&bytes))?);
                continue;
            };
            let spath = s.path.clone();
            let hashed =
                s.w.into_inner()
                    .map_err(|e| io("write", &spath)(e.into_error()))?;
            let (len, check, f) = hashed.finish().map_err(io("write", &spath))?;
            if k == REQUESTS {
                drop(f);
                let mut raw = fs::File::open(&spath).map_err(io("read", &spath))?;
                let e = write_hashed_csv(&path, |w| {
                    insert_streaming(&mut raw, w, "method", names, values)
                })?;
                fs::remove_file(&spath).ok();
                entries.push(e);
            } else {
                drop(f);
                entries.push(Entry { file, len, check });
            }
        }
        Ok(entries)
    }
}

/// Writes file `path` through `fill`, counting and checksumming it.
fn write_hashed(
    path: &Path,
    fill: impl FnOnce(&mut Hashing<BufWriter<fs::File>>) -> std::io::Result<()>,
) -> Result<Entry> {
    let f = fs::File::create(path).map_err(io("create", path))?;
    let mut w = Hashing::new(BufWriter::with_capacity(1 << 16, f));
    fill(&mut w).map_err(io("write", path))?;
    hashed_entry(path, w)
}

/// [`write_hashed`] for a filler that fails with a CSV error.
fn write_hashed_csv(
    path: &Path,
    fill: impl FnOnce(&mut Hashing<BufWriter<fs::File>>) -> std::result::Result<(), csv::Error>,
) -> Result<Entry> {
    let f = fs::File::create(path).map_err(io("create", path))?;
    let mut w = Hashing::new(BufWriter::with_capacity(1 << 16, f));
    fill(&mut w).map_err(csv_err(path))?;
    hashed_entry(path, w)
}

fn hashed_entry(path: &Path, w: Hashing<BufWriter<fs::File>>) -> Result<Entry> {
    let (len, check, _) = w.finish().map_err(io("write", path))?;
    Ok(Entry {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        len,
        check,
    })
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        self.remove_temp();
    }
}

/// The header line of kind `k` with no rows.
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

/// A writer that checksums and counts what goes through it.
pub(crate) struct Hashing<W: Write> {
    w: W,
    hash: super::Hasher,
    len: u64,
}

impl<W: Write> Hashing<W> {
    pub(crate) fn new(w: W) -> Self {
        Hashing {
            w,
            hash: super::Hasher::new(),
            len: 0,
        }
    }
}

impl Hashing<BufWriter<fs::File>> {
    /// Flushes; returns the length, the checksum and the file.
    fn finish(self) -> std::io::Result<(u64, super::Check, fs::File)> {
        let Hashing { w, hash, len } = self;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        Ok((len, hash.check(), f))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.w.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
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
    use super::super::{footer_of, verify_run_file};
    use super::*;
    use mlsim_core::record::Mode;

    /// The run folder's files as the in-memory writer built the sections before streaming:
    /// every kind's CSV (`csv_rows`), the placement columns inserted into `requests.csv`.
    fn in_memory(
        run: &[u8],
        r: &Records,
        names: &[String],
        values: &[String],
    ) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![("runs.csv".to_string(), run.to_vec())];
        let mut file = |name: &str, bytes: Vec<u8>| out.push((format!("{name}.csv"), bytes));
        let req = csv_rows(&r.requests).unwrap();
        file(
            "requests",
            insert_columns(&req, "method", names, values).unwrap(),
        );
        file("invocations", csv_rows(&r.invocations).unwrap());
        file("checkpoints", csv_rows(&r.checkpoints).unwrap());
        file("links", csv_rows(&r.links).unwrap());
        file("steps", csv_rows(&r.steps).unwrap());
        file("bbus", csv_rows(&r.bbus).unwrap());
        if !r.events.is_empty() {
            file("events", csv_rows(&r.events).unwrap());
        }
        if !r.functions.is_empty() {
            file("functions", csv_rows(&r.functions).unwrap());
        }
        if !r.memory.is_empty() {
            file("memory", csv_rows(&r.memory).unwrap());
        }
        out
    }

    /// The files of run folder `d` (without `check.txt`), in `check.txt`'s order, after
    /// checking them against it.
    fn files_of(d: &Path) -> Vec<(String, Vec<u8>)> {
        let listed = run_dir::verify_run_dir(d).unwrap();
        let mut on_disk: Vec<String> = fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != run_dir::CHECK_FILE)
            .collect();
        on_disk.sort();
        let mut names: Vec<String> = listed.iter().map(|(f, _)| f.clone()).collect();
        names.sort();
        assert_eq!(on_disk, names, "check.txt lists every file");
        listed
            .into_iter()
            .map(|(f, _)| (f.clone(), fs::read(d.join(&f)).unwrap()))
            .collect()
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

    fn entries(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_streamed_files_are_the_in_memory_ones_byte_for_byte() {
        let d = dir("same");
        let run = b"run,point\n3,0\n";
        let names = vec!["placement".to_string(), "alpha".to_string()];
        let values = vec!["least_loaded".to_string(), "0.5".to_string()];
        for n in [0, 1, 2500] {
            let r = records(n);
            let path = d.join(format!("{n:06}"));
            let mut w = RunWriter::new(&path, false);
            r.replay(&mut w);
            assert_eq!(w.rows("requests"), u64::from(n));
            w.finish(run, (&names, &values)).unwrap();
            assert!(
                files_of(&path) == in_memory(run, &r, &names, &values),
                "{n} rows"
            );
        }
        // A suspend run's files are there only with rows, after the others.
        let mut r = records(1);
        r.memory.push(MemoryRecord::default());
        let path = d.join("000009");
        let mut w = RunWriter::new(&path, true);
        r.replay(&mut w);
        let kept = w.finish(run, (&[], &[])).unwrap();
        assert_eq!(kept, r, "kept rows are the rows");
        assert!(files_of(&path) == in_memory(run, &r, &[], &[]));
        // No temporary folder is left behind.
        assert_eq!(entries(&d), ["000000", "000001", "000009", "002500"]);
        fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_run_done_again_replaces_its_folder_and_an_older_run_file() {
        let d = dir("again");
        let path = d.join("000004");
        let mut w = RunWriter::new(&path, false);
        records(5).replay(&mut w);
        w.finish(b"run,status\n4,failed\n", (&[], &[])).unwrap();
        // An older version's run file of the same run, as a folder may hold after an upgrade.
        fs::write(d.join("000004.csv"), b"[run]\n").unwrap();
        let mut w = RunWriter::new(&path, false);
        records(2).replay(&mut w);
        w.finish(b"run,status\n4,ok\n", (&[], &[])).unwrap();
        assert!(files_of(&path) == in_memory(b"run,status\n4,ok\n", &records(2), &[], &[]));
        assert_eq!(entries(&d), vec!["000004".to_string()]);
        fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_changed_byte_a_cut_file_or_a_missing_check_is_found() {
        let d = dir("damage");
        let path = d.join("000001");
        let mut w = RunWriter::new(&path, false);
        records(3).replay(&mut w);
        w.finish(b"run\n1\n", (&[], &[])).unwrap();
        let req = path.join("requests.csv");
        let good = fs::read(&req).unwrap();
        let mut bad = good.clone();
        bad[20] ^= 1;
        fs::write(&req, &bad).unwrap();
        let e = run_dir::verify_run_dir(&path).unwrap_err();
        assert!(e.starts_with("requests.csv: checksum crc32="), "{e}");
        fs::write(&req, &good[..good.len() - 1]).unwrap();
        let e = run_dir::verify_run_dir(&path).unwrap_err();
        assert!(e.starts_with("requests.csv has length"), "{e}");
        fs::write(&req, &good).unwrap();
        assert!(run_dir::verify_run_dir(&path).is_ok());
        fs::remove_file(path.join("check.txt")).unwrap();
        let e = run_dir::verify_run_dir(&path).unwrap_err();
        assert!(e.contains("no check.txt"), "{e}");
        fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_discarded_or_dropped_writer_leaves_no_rows_and_no_files() {
        let d = dir("discard");
        let path = d.join("000001");
        let mut w = RunWriter::new(&path, true);
        records(10).replay(&mut w);
        assert_eq!(entries(&d).len(), 1, "the temporary folder while writing");
        w.discard();
        assert_eq!(w.rows("requests"), 0);
        w.finish(b"run\n1\n", (&[], &[])).unwrap();
        assert!(files_of(&path) == in_memory(b"run\n1\n", &Records::default(), &[], &[]));
        let path = d.join("000002");
        let mut w = RunWriter::new(&path, false);
        records(10).replay(&mut w);
        drop(w);
        assert_eq!(entries(&d), vec!["000001".to_string()]);
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
