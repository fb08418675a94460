//! The result folder: self-describing, crash-safe, resumable.
//!
//! ```text
//! results/<name>/
//!   spec.toml        copy of the spec as run        model.toml   copy of the model file
//!   manifest.json    tool, version, git revision, seeds, model provenance, run statuses
//!   .mlsim-lock      the folder's lock (advisory, exclusive; holds the holder's pid): one writer
//!                    at a time, from before the identity check to the last file written
//!   runs/000042/     one folder per finished run (written under a temporary name, then
//!                    renamed, so a run folder that exists is complete): `runs.csv` (its row),
//!                    `requests.csv`, `invocations.csv`, ... (plain CSVs that pandas and polars
//!                    read as they are, each the run's part of the merged table), and
//!                    `check.txt` with every file's length and CRC-32 (checked on resume and
//!                    before merging: a damaged run is run again, never merged); while the run
//!                    runs, its rows stream into `runs/.000042.tmpPID/` ([`RunWriter`]). Folders
//!                    of older versions hold `runs/000042.csv` (one sectioned file with an
//!                    `[end]` line): still read, resumed and merged
//!   runs.csv requests.csv invocations.csv checkpoints.csv links.csv steps.csv bbus.csv
//!                    all runs merged in run order (byte-identical whatever the thread count)
//!   events.csv functions.csv memory.csv
//!                    the suspend study's records (seed 000), only in its folders
//!   summary.csv      one row per sweep point
//!   fig*.svg fig*.png
//! ```
//! Every file is written to a temporary file and renamed into place, so no reader ever sees a
//! half-written file, and an interrupted run leaves only complete run files behind; temporary
//! files left by a crash or a full disk are removed when the folder is next opened and when a
//! sweep ends (the lock guarantees no other writer owns them).

use crate::error::{Error, Result, csv_err, io};
use crate::spec::{Point, Spec};
use mlsim_core::Records;
use mlsim_core::record::{PlacementColumns, RunRecord};
use serde::Serialize;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

mod merge;
mod run_dir;
mod run_writer;
pub use merge::verify_run_stream;
pub use run_dir::{CHECK_FILE, sync_fs, verify_run_dir};
pub use run_writer::RunWriter;

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

/// The serverless study's record files (seed 004), likewise only when a run has such records.
pub const SERVERLESS_FILES: &[&str] = &["calls", "instances", "pools"];

/// Record files of one study, written only when they have rows: the suspend study's, then
/// the serverless study's.
pub fn study_files() -> impl Iterator<Item = &'static str> {
    SUSPEND_FILES.iter().chain(SERVERLESS_FILES).copied()
}

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
    let written = (|| {
        let mut f = fs::File::create(&tmp).map_err(io("create", &tmp))?;
        f.write_all(bytes).map_err(io("write", path))?;
        f.sync_all().map_err(io("fsync", path))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|source| Error::Io {
            what: "rename into place",
            path: path.to_path_buf(),
            source,
        })
    })();
    if written.is_err() {
        // A full disk or a failed rename: no half-written temporary file stays behind.
        fs::remove_file(&tmp).ok();
    }
    written?;
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

/// The lock file of a result folder.
pub const LOCK_FILE: &str = ".mlsim-lock";

/// The exclusive lock of a result folder, held while it lives (an advisory `flock` on
/// [`LOCK_FILE`], which holds the holder's pid). Released when dropped, or by the kernel when
/// the process ends however it ends, so a crash never leaves a folder locked.
#[derive(Debug)]
pub struct FolderLock {
    _file: fs::File,
}

/// Takes the lock of folder `root` (which must exist), at once or not at all: a folder another
/// process holds is refused with the holder's pid and what to do.
pub fn lock(root: &Path) -> Result<FolderLock> {
    let path = root.join(LOCK_FILE);
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io("create", &path))?;
    // A lock can also look held for a moment after its holder released it: a process forked
    // (by any thread of the holder's process) before the release shares the lock's open file
    // until it execs. So a busy lock is tried again for 200 ms before it is reported.
    let mut locked = try_flock(&file).map_err(io("lock", &path))?;
    let mut holder = String::new();
    for _ in 0..20 {
        if locked {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        locked = try_flock(&file).map_err(io("lock", &path))?;
        // The holder writes its pid right after locking (so a holder that has just locked is
        // not named by its predecessor's pid).
        holder = fs::read_to_string(&path)
            .unwrap_or_default()
            .trim()
            .to_string();
    }
    if !locked {
        let who = if holder.is_empty() {
            "another process".to_string()
        } else {
            format!("another mlsim process (pid {holder})")
        };
        return Err(Error::Folder(format!(
            "{} is in use by {who}; nothing was changed. Wait for it to end (or stop it), then run again, or use --out DIR for another folder",
            root.display()
        )));
    }
    let pid = format!("{}\n", std::process::id());
    file.set_len(0)
        .and_then(|()| {
            use std::io::Seek;
            file.seek(std::io::SeekFrom::Start(0))?;
            file.write_all(pid.as_bytes())
        })
        .map_err(io("write", &path))?;
    Ok(FolderLock { _file: file })
}

/// Takes an exclusive `flock` on `file` without waiting: `Ok(false)` if another open file
/// holds it. (`File::try_lock` would do once the workspace's minimum Rust is 1.89.)
fn try_flock(file: &fs::File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: flock on a file descriptor this `File` owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EWOULDBLOCK) => return Ok(false),
            Some(libc::EINTR) => continue,
            _ => return Err(e),
        }
    }
}

/// Whether `name` is a temporary file of [`write_atomic`] (`.NAME.tmpPID`, or of older
/// versions: `NAME.tmpPID`).
fn is_temp(name: &str) -> bool {
    name.rsplit_once(".tmp")
        .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes the temporary files of [`write_atomic`] (any pid) from `root` and `root/runs`, and
/// the temporary run folders of `root/runs` (`.NNNNNN.tmpPID/`): left by a crash, a kill or a
/// full disk. Call only while holding the folder's lock (no other writer then owns them).
/// Returns how many were removed.
pub fn remove_temps(root: &Path) -> usize {
    let mut n = 0;
    for (dir, dirs_too) in [(root.to_path_buf(), false), (root.join("runs"), true)] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            if !is_temp(&e.file_name().to_string_lossy()) {
                continue;
            }
            let removed = match e.file_type() {
                Ok(t) if t.is_file() => fs::remove_file(e.path()).is_ok(),
                Ok(t) if t.is_dir() && dirs_too => fs::remove_dir_all(e.path()).is_ok(),
                _ => false,
            };
            n += usize::from(removed);
        }
    }
    n
}

/// The result folder of one experiment, locked while this value lives.
pub struct ResultDir {
    /// Its root.
    pub root: PathBuf,
    /// The placement parameter columns of its `runs.csv` and `requests.csv` (those of the
    /// policies its spec's runs use).
    pub placement: PlacementColumns,
    /// The columns `runs.csv` adds for analysis ([`PointColumns`]).
    pub point_columns: PointColumns,
    /// Which tables the folder keeps (CSV, Parquet or both; set before the sweep finishes).
    pub format: crate::parquet_out::Format,
    /// The size its figures are drawn for (screen unless set before the sweep finishes).
    pub figure_size: mlsim_plots::FigureSize,
    /// The folder's lock (`None` for a folder opened only to read its run files).
    _lock: Option<FolderLock>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Identity {
    spec_fingerprint: String,
}

/// What a run's file says on resume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunFile {
    /// No file: the run was never finished.
    Missing,
    /// Finished with status `ok`: kept.
    Done,
    /// Finished with another status (`failed: ...`): done again.
    Failed,
    /// The file fails its check (why): done again.
    Damaged(String),
}

/// The checksum an `[end]` line gives for a run file's body: CRC-32 (IEEE, as `crc32fast`
/// computes it at several GB/s) in files written since 2026-12-07; FNV-1a 64 in older ones
/// (hashed a byte at a time: about 1 ns a byte, a second per GB written and again per GB
/// verified), which still verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// `crc32=xxxxxxxx`.
    Crc32(u32),
    /// `fnv1a64=xxxxxxxxxxxxxxxx`.
    Fnv1a64(u64),
}

/// A running checksum of the kind of `Check`.
pub(crate) enum Hasher {
    Crc32(crc32fast::Hasher),
    Fnv1a64(mlsim_core::fnv::Fnv1a),
}

impl Hasher {
    /// A hasher for new files (CRC-32).
    pub(crate) fn new() -> Self {
        Hasher::Crc32(crc32fast::Hasher::new())
    }
    /// A hasher of the kind `check` is.
    pub(crate) fn like(check: Check) -> Self {
        match check {
            Check::Crc32(_) => Hasher::new(),
            Check::Fnv1a64(_) => Hasher::Fnv1a64(mlsim_core::fnv::Fnv1a::new()),
        }
    }
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Crc32(h) => h.update(bytes),
            Hasher::Fnv1a64(h) => {
                h.bytes(bytes);
            }
        }
    }
    pub(crate) fn check(&self) -> Check {
        match self {
            Hasher::Crc32(h) => Check::Crc32(h.clone().finalize()),
            Hasher::Fnv1a64(h) => Check::Fnv1a64(h.finish()),
        }
    }
}

impl Check {
    /// The checksum of this kind over everything `r` yields, read in 64-KiB chunks.
    pub(crate) fn of_reader(self, r: impl std::io::Read) -> std::io::Result<Check> {
        use std::io::BufRead;
        let mut r = std::io::BufReader::with_capacity(1 << 16, r);
        let mut h = Hasher::like(self);
        loop {
            let buf = r.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            h.update(buf);
            let n = buf.len();
            r.consume(n);
        }
        Ok(h.check())
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Check::Crc32(x) => write!(f, "crc32={x:08x}"),
            Check::Fnv1a64(x) => write!(f, "fnv1a64={x:016x}"),
        }
    }
}

/// The `[end]` line of a body of `len` bytes whose checksum is `check` (run files of older
/// versions; the tests write such files).
#[cfg(test)]
fn footer_of(len: usize, check: Check) -> String {
    format!("[end] length={len} {check}\n")
}

/// The length and checksum an `[end]` line gives, or why it is not one.
pub(crate) fn end_line(last: &str) -> std::result::Result<(u64, Check), String> {
    let Some(rest) = last.trim_end().strip_prefix("[end] ") else {
        return Err("it does not end with an [end] line (cut short, or written by an mlsim before 2026-12 whose run files have no check)".into());
    };
    fields(rest).ok_or_else(|| format!("its [end] line is not readable: {}", last.trim_end()))
}

/// The `length=N crc32=X` (or `fnv1a64=X`) fields of an `[end]` line or a `check.txt` line.
pub(crate) fn fields(text: &str) -> Option<(u64, Check)> {
    let (mut length, mut hash) = (None, None);
    for f in text.trim_end().split(' ') {
        match f.split_once('=') {
            Some(("length", v)) => length = v.parse::<u64>().ok(),
            Some(("crc32", v)) => hash = u32::from_str_radix(v, 16).ok().map(Check::Crc32),
            Some(("fnv1a64", v)) => hash = u64::from_str_radix(v, 16).ok().map(Check::Fnv1a64),
            _ => {}
        }
    }
    Some((length?, hash?))
}

/// The body of a run file (everything before its `[end]` line) if the line is there and
/// matches; else why not.
pub fn verify_run_file(bytes: &[u8]) -> std::result::Result<&[u8], String> {
    let without_nl = bytes.strip_suffix(b"\n").ok_or_else(|| {
        "it does not end with an [end] line (cut short, or written by an mlsim before 2026-12 whose run files have no check)".to_string()
    })?;
    let start = without_nl
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let (body, last) = bytes.split_at(start);
    let (length, hash) = end_line(&String::from_utf8_lossy(last))?;
    if length != body.len() as u64 {
        return Err(format!("length {} ≠ {length}", body.len()));
    }
    let mut h = Hasher::like(hash);
    h.update(body);
    let got = h.check();
    if got != hash {
        return Err(format!("checksum {got} ≠ {hash}"));
    }
    Ok(body)
}

impl ResultDir {
    /// A folder of `spec` opened only to read its run files (`mlsim merge` reading a shard),
    /// without its lock: nothing may be written through it.
    pub fn for_reading(root: &Path, spec: &Spec) -> ResultDir {
        ResultDir {
            root: root.to_path_buf(),
            placement: PlacementColumns::of(spec.points.iter().map(|p| &p.scenario.placement)),
            point_columns: PointColumns::of(spec),
            format: crate::parquet_out::Format::default(),
            figure_size: mlsim_plots::FigureSize::default(),
            _lock: None,
        }
    }

    /// Opens (resuming) or creates the folder for `spec`, locked (a folder another process
    /// holds is refused at once). A folder made by another spec is never touched; a folder
    /// that is empty, or holds only the lock (and temporary files), counts as new. Temporary
    /// files a crash left are removed.
    pub fn prepare(root: &Path, spec: &Spec, model_text: &str) -> Result<(ResultDir, bool)> {
        let fp = fingerprint(&[&spec.text, model_text]);
        let id_file = root.join(".mlsim-spec");
        if root.exists() && !root.is_dir() {
            return Err(Error::Folder(format!(
                "{} exists but is not a folder; choose another --out",
                root.display()
            )));
        }
        let not_ours = || {
            Error::Folder(format!(
                "{} exists but is not an mlsim result folder; choose another --out or remove it",
                root.display()
            ))
        };
        // A folder with files but neither identity nor lock was never ours: refused before the
        // lock file is made, so nothing is written into it. (A folder being created by another
        // writer has its lock file from the start.)
        if !id_file.exists()
            && !root.join(LOCK_FILE).exists()
            && fs::read_dir(root).is_ok_and(|mut d| d.next().is_some())
        {
            return Err(not_ours());
        }
        // Race-free: creating an existing folder is no error, and the lock decides who goes on.
        fs::create_dir_all(root).map_err(io("create", root))?;
        let lock = lock(root)?;
        let resumed = if id_file.exists() {
            let id: Identity = fs::read_to_string(&id_file)
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok())
                .ok_or_else(|| {
                    Error::Folder(format!(
                        "{} has a damaged .mlsim-spec; choose another --out or remove the folder",
                        root.display()
                    ))
                })?;
            if id.spec_fingerprint != fp {
                return Err(Error::Folder(format!(
                    "{} holds results of a different spec (or model file); nothing was changed. Use --out DIR for a new folder, or remove the old one",
                    root.display()
                )));
            }
            true
        } else {
            let others = fs::read_dir(root)
                .map_err(io("read", root))?
                .flatten()
                .any(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    // An empty runs/, or the identity's temporary file, is what a crash while
                    // creating the folder leaves.
                    let empty_runs = name == "runs"
                        && fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_none());
                    name != LOCK_FILE && !empty_runs && !is_temp(&name)
                });
            if others {
                return Err(not_ours());
            }
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
        // Only now, the folder being ours: a crash's temporary files (their runs are done again).
        remove_temps(root);
        let runs = root.join("runs");
        fs::create_dir_all(&runs).map_err(io("create", &runs))?;
        write_atomic(&root.join("spec.toml"), spec.text.as_bytes())?;
        write_atomic(&root.join("model.toml"), model_text.as_bytes())?;
        Ok((
            ResultDir {
                root: root.to_path_buf(),
                placement: PlacementColumns::of(spec.points.iter().map(|p| &p.scenario.placement)),
                point_columns: PointColumns::of(spec),
                format: crate::parquet_out::Format::default(),
                figure_size: mlsim_plots::FigureSize::default(),
                _lock: Some(lock),
            },
            resumed,
        ))
    }

    /// The path of run `run`'s folder, relative to the result folder (`runs/000042`).
    pub fn run_file_name(run: u32) -> String {
        format!("runs/{run:06}")
    }

    /// The folder of run `run`, `runs/NNNNNN` (complete whenever it exists; see
    /// [`ResultDir::run_state`] for its check).
    pub fn run_dir(&self, run: u32) -> PathBuf {
        self.root.join(Self::run_file_name(run))
    }

    /// Where run `run` is kept: its folder, or (a folder of an older version) its one-file
    /// run `runs/NNNNNN.csv` when that exists and the folder does not.
    pub fn run_file(&self, run: u32) -> PathBuf {
        let d = self.run_dir(run);
        let legacy = run_dir::legacy_file(&d);
        if !d.exists() && legacy.exists() {
            legacy
        } else {
            d
        }
    }

    /// Brings run `run` of folder `from` (another result folder of the same spec: a shard)
    /// into this one, as it is (atomically; a run folder, or an older version's run file).
    pub fn import_run(&self, from: &ResultDir, run: u32) -> Result<()> {
        let src = from.run_file(run);
        if src.is_dir() {
            run_dir::copy_run_dir(&src, &self.run_dir(run))
        } else {
            let bytes = fs::read(&src).map_err(io("read", &src))?;
            write_atomic(&run_dir::legacy_file(&self.run_dir(run)), &bytes)
        }
    }

    /// Whether a run finished successfully before (its file exists only once complete and
    /// passes its check; a failed run is done again on resume).
    pub fn is_done(&self, run: u32) -> bool {
        self.run_state(run) == RunFile::Done
    }

    /// What run `run`'s file says: missing, done, failed, or damaged (and why).
    pub fn run_state(&self, run: u32) -> RunFile {
        let p = self.run_file(run);
        match fs::metadata(&p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RunFile::Missing,
            Err(e) => RunFile::Damaged(format!("cannot read it: {e}")),
            Ok(_) => match self.read_run(run) {
                Ok(r) if r.status == "ok" => RunFile::Done,
                Ok(_) => RunFile::Failed,
                Err(Error::Folder(why)) => RunFile::Damaged(
                    why.strip_prefix(&format!("{} is damaged: ", p.display()))
                        .map_or(why.clone(), str::to_string),
                ),
                Err(e) => RunFile::Damaged(e.to_string()),
            },
        }
    }

    /// The sink of run `run`'s records, written to its section files as they come (see
    /// [`RunWriter`]); `keep`: also keep them in memory. [`ResultDir::finish_run`] writes the
    /// run file.
    pub fn run_writer(&self, run: u32, keep: bool) -> RunWriter {
        RunWriter::new(&self.run_dir(run), keep)
    }

    /// Writes a finished run (whose placement is `placement`) from the rows of `writer` as one
    /// file of sections, atomically; returns the rows the writer kept. One file per run (not
    /// one per record kind) keeps a sweep of thousands of runs to a few thousand file
    /// operations. `runs.csv` gets the placement parameter columns after `placement`,
    /// `requests.csv` gets `placement` and them after `method`.
    pub fn finish_run(&self, rec: &RunRecord, point: &Point, writer: RunWriter) -> Result<Records> {
        let placement = &point.scenario.placement;
        let path = self.run_dir(rec.run).join("runs.csv");
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
        let run = insert_columns(
            &run,
            "items",
            &self.point_columns.class_headers(),
            &self.point_columns.class_values(point),
        )
        .map_err(csv_err(&path))?;
        let run = insert_columns(
            &run,
            "params",
            &self.point_columns.swept,
            &self.point_columns.swept_values(point),
        )
        .map_err(csv_err(&path))?;
        let mut req_names = vec!["placement".to_string()];
        req_names.extend(names);
        let mut req_values = vec![placement.name().to_string()];
        req_values.extend(values);
        writer.finish(&run, (&req_names, &req_values))
    }

    /// Writes a finished run whose records are in memory (see [`ResultDir::finish_run`]).
    pub fn write_run(&self, rec: &RunRecord, point: &Point, records: &Records) -> Result<()> {
        let mut w = self.run_writer(rec.run, false);
        records.replay(&mut w);
        self.finish_run(rec, point, w).map(drop)
    }

    /// Reads the run record of a finished run: checks its folder (or older one-file run) in
    /// one streamed pass, then reads its `runs.csv` (or `[run]` section), never a whole
    /// record file at once.
    pub fn read_run(&self, run: u32) -> Result<RunRecord> {
        use std::io::BufRead;
        let p = self.run_file(run);
        if p.is_dir() {
            run_dir::verify_run_dir(&p)
                .map_err(|why| Error::Folder(format!("{} is damaged: {why}", p.display())))?;
            let f = p.join("runs.csv");
            let bytes = fs::read(&f).map_err(io("read", &f))?;
            let mut r = csv::Reader::from_reader(bytes.as_slice());
            let rec = r.deserialize().next().ok_or_else(|| {
                Error::Folder(format!("{} is damaged: it has no row", f.display()))
            })?;
            return rec.map_err(csv_err(&f));
        }
        merge::verify_run_stream(&p)
            .map_err(|why| Error::Folder(format!("{} is damaged: {why}", p.display())))?;
        let f = fs::File::open(&p).map_err(io("read", &p))?;
        let mut lines = std::io::BufReader::new(f).split(b'\n');
        let first = lines.next().transpose().map_err(io("read", &p))?;
        if first.as_deref() != Some(b"[run]".as_slice()) {
            return Err(Error::Folder(format!(
                "{} has no [run] section",
                p.display()
            )));
        }
        let mut body = Vec::new();
        for l in lines {
            let l = l.map_err(io("read", &p))?;
            if l.first() == Some(&b'[') {
                break;
            }
            body.extend_from_slice(&l);
            body.push(b'\n');
        }
        let mut r = csv::Reader::from_reader(body.as_slice());
        let rec = r
            .deserialize()
            .next()
            .ok_or_else(|| Error::Folder(format!("{} has an empty [run] section", p.display())))?;
        rec.map_err(csv_err(&p))
    }
}

/// The columns `runs.csv` has for analysis besides its record's (the placement parameters
/// are [`PlacementColumns`]), the same for every run of a folder:
/// - `items_<app>` after `items`, one per app of the spec's workload classes, when some point
///   mixes classes (a point without that app: 0);
/// - after `params`, one column per swept parameter, named by its spec key
///   (`workload.items`, `placement.kind`, …) and holding its value as the spec spells it (a
///   point the key does not apply to: empty), so a group-by needs no string splitting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PointColumns {
    /// Apps of the `items_<app>` columns (empty unless some point mixes classes).
    pub class_apps: Vec<String>,
    /// The swept keys, in the order they first occur.
    pub swept: Vec<String>,
}

impl PointColumns {
    /// The columns of `spec`'s folder.
    pub fn of(spec: &Spec) -> Self {
        let mut c = PointColumns::default();
        let mixed = spec.points.iter().any(|p| p.scenario.workloads.len() > 1);
        for p in &spec.points {
            if mixed {
                for w in &p.scenario.workloads {
                    if !c.class_apps.contains(&w.app.name) {
                        c.class_apps.push(w.app.name.clone());
                    }
                }
            }
            for (k, _) in &p.params {
                if !c.swept.contains(k) {
                    c.swept.push(k.clone());
                }
            }
        }
        c
    }

    /// `items_<app>` per app.
    pub fn class_headers(&self) -> Vec<String> {
        self.class_apps
            .iter()
            .map(|a| format!("items_{a}"))
            .collect()
    }

    /// Items per request of each app's class at `point` (0 where the point has no such class).
    pub fn class_values(&self, point: &Point) -> Vec<String> {
        self.class_apps
            .iter()
            .map(|a| {
                point
                    .scenario
                    .workloads
                    .iter()
                    .find(|w| &w.app.name == a)
                    .map_or(0, |w| w.items)
                    .to_string()
            })
            .collect()
    }

    /// The value of each swept key at `point` (empty where it has none).
    pub fn swept_values(&self, point: &Point) -> Vec<String> {
        self.swept
            .iter()
            .map(|k| {
                point
                    .params
                    .iter()
                    .find(|(pk, _)| pk == k)
                    .map_or_else(String::new, |(_, v)| v.clone())
            })
            .collect()
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
    let mut out = Vec::new();
    insert_streaming(&mut &bytes[..], &mut out, after, names, values)?;
    Ok(out)
}

/// [`insert_columns`] on a stream: `names` after the header's column `after`, `values` at
/// that place in every other row.
fn insert_streaming(
    from: &mut impl std::io::Read,
    to: &mut impl Write,
    after: &str,
    names: &[String],
    values: &[String],
) -> Result<(), csv::Error> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(from);
    let mut w = csv::Writer::from_writer(to);
    let mut at = None;
    for rec in r.records() {
        let rec = rec?;
        let (i, cols) = match at {
            Some(i) => (i, values),
            None => {
                let i = rec.iter().position(|c| c == after).ok_or_else(|| {
                    csv::Error::from(std::io::Error::other(format!(
                        "no column {after} to put the columns {} after",
                        names.join(", ")
                    )))
                })? + 1;
                at = Some(i);
                (i, names)
            }
        };
        w.write_record(
            rec.iter()
                .take(i)
                .chain(cols.iter().map(String::as_str))
                .chain(rec.iter().skip(i)),
        )?;
    }
    w.flush()?;
    Ok(())
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
