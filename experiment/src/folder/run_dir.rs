//! A finished run's folder, `runs/NNNNNN/`: one plain CSV per table (`runs.csv` with the
//! run's row, `requests.csv`, …, the study files only when they have rows), each
//! byte-identical to the run's part of the merged table of the same name, and `check.txt`,
//! which lists every file with its length and CRC-32:
//!
//! ```text
//! runs.csv length=412 crc32=5f0c2a9e
//! requests.csv length=10234 crc32=0c1d7e55
//! ```
//!
//! The folder is written under a temporary name (`runs/.NNNNNN.tmpPID`), then renamed into
//! place (the sweep makes its run folders durable with one `syncfs` when it ends): a run folder that exists is complete, and one
//! whose files do not match `check.txt` (a disk error, a hand edit) is run again, never
//! merged. Folders of older versions kept a run in one sectioned file, `runs/NNNNNN.csv`; they
//! are still read, resumed and merged ([`super::merge`]).

use super::{Check, io};
use crate::error::{Error, Result};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The file of a run folder that lists its files' lengths and checksums.
pub const CHECK_FILE: &str = "check.txt";

/// One line of `check.txt`: a file of the run folder, its length and checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its name in the run folder (`requests.csv`).
    pub file: String,
    /// Its length \[bytes\].
    pub len: u64,
    /// Its checksum.
    pub check: Check,
}

/// A temporary sibling of `target` (`runs/.NNNNNN.<what>PID`): a name the folder's clean-up
/// recognises (`remove_temps`) when `what` ends in `tmp`.
pub(crate) fn temp_of(target: &Path, what: &str) -> PathBuf {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().and_then(|s| s.to_str()).unwrap_or("run");
    dir.join(format!(".{name}.{what}{}", std::process::id()))
}

/// Writes `check.txt` into run folder `dir`. Not fsynced, nor are the run's files: a run
/// folder is made durable by the `syncfs` at the end of the sweep ([`sync_fs`]). An `fsync` per
/// file cost seconds on fig6's 1,350 runs of eight files on the reference machine (a `syncfs`
/// per run still 1-5 s, as much as the older one file and one fsync per run, when the disk is
/// busy). Durability only saves work: a run folder whose files did not all reach the disk
/// before a power cut fails its check on resume (a file's length or CRC-32 differs, or
/// `check.txt` is gone) and its run is done again; a killed process loses nothing written.
pub(crate) fn write_check(dir: &Path, entries: &[Entry]) -> Result<()> {
    let mut text = String::new();
    for e in entries {
        text.push_str(&format!("{} length={} {}\n", e.file, e.len, e.check));
    }
    let path = dir.join(CHECK_FILE);
    let mut f = fs::File::create(&path).map_err(io("create", &path))?;
    f.write_all(text.as_bytes()).map_err(io("write", &path))
}

/// `syncfs(2)` of the file system `dir` is on (its files' data and metadata, and the folder):
/// the run folders written since the last one become durable at once.
pub fn sync_fs(dir: &Path) -> Result<()> {
    use std::os::fd::AsRawFd;
    let d = fs::File::open(dir).map_err(io("open", dir))?;
    // SAFETY: syncfs on a file descriptor this `File` owns.
    if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
        return Err(io("sync", dir)(std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Renames the complete temporary run folder `tmp` to `target`. A folder already there (a
/// failed or damaged run done again) is first renamed away and removed after; a run file of
/// an older version (`target` + `.csv`) is removed after. The parent folder is fsynced.
pub(crate) fn put_in_place(tmp: &Path, target: &Path) -> Result<()> {
    let old = target.exists().then(|| temp_of(target, "old.tmp"));
    if let Some(old) = &old {
        fs::rename(target, old).map_err(|source| Error::Io {
            what: "rename away",
            path: target.to_path_buf(),
            source,
        })?;
    }
    fs::rename(tmp, target).map_err(|source| Error::Io {
        what: "rename into place",
        path: target.to_path_buf(),
        source,
    })?;
    if let Some(dir) = target.parent() {
        if let Ok(d) = fs::File::open(dir) {
            d.sync_all().ok();
        }
    }
    if let Some(old) = old {
        fs::remove_dir_all(&old).ok();
    }
    let legacy = legacy_file(target);
    if legacy.exists() {
        fs::remove_file(&legacy).ok();
    }
    Ok(())
}

/// The one-file run of an older version beside run folder `target` (`runs/NNNNNN.csv`).
pub(crate) fn legacy_file(target: &Path) -> PathBuf {
    let mut p = target.as_os_str().to_owned();
    p.push(".csv");
    PathBuf::from(p)
}

/// The entries of run folder `dir`'s `check.txt`, or why it cannot be read.
fn read_check(dir: &Path) -> std::result::Result<Vec<Entry>, String> {
    let path = dir.join(CHECK_FILE);
    let text = fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!("it has no {CHECK_FILE} (not written by mlsim, or damaged)")
        } else {
            format!("cannot read its {CHECK_FILE}: {e}")
        }
    })?;
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bad = || format!("line {} of its {CHECK_FILE} is not readable: {line}", i + 1);
        let (file, rest) = line.split_once(' ').ok_or_else(bad)?;
        if file.is_empty() || file.contains('/') || file == CHECK_FILE {
            return Err(bad());
        }
        let (len, check) = super::fields(rest).ok_or_else(bad)?;
        entries.push(Entry {
            file: file.to_string(),
            len,
            check,
        });
    }
    if !entries.iter().any(|e| e.file == "runs.csv") {
        return Err(format!("its {CHECK_FILE} does not list runs.csv"));
    }
    Ok(entries)
}

/// Checks run folder `dir` in one streamed pass over its files: every file `check.txt` lists
/// is there with its length and checksum. Returns the entries (in merge order), or why not.
pub fn verify_run_dir(dir: &Path) -> std::result::Result<Vec<(String, u64)>, String> {
    let entries = read_check(dir)?;
    for e in &entries {
        let path = dir.join(&e.file);
        let f = fs::File::open(&path).map_err(|err| format!("cannot open {}: {err}", e.file))?;
        let size = f
            .metadata()
            .map_err(|err| format!("cannot read the size of {}: {err}", e.file))?
            .len();
        if size != e.len {
            return Err(format!("{} has length {size} ≠ {}", e.file, e.len));
        }
        let got = e
            .check
            .of_reader(f.take(size))
            .map_err(|err| format!("cannot read {}: {err}", e.file))?;
        if got != e.check {
            return Err(format!("{}: checksum {got} ≠ {}", e.file, e.check));
        }
    }
    Ok(entries.into_iter().map(|e| (e.file, e.len)).collect())
}

/// Copies the complete run folder `from` to `target` (another result folder's run), through
/// a temporary folder renamed into place, as [`super::RunWriter`] writes one.
pub(crate) fn copy_run_dir(from: &Path, target: &Path) -> Result<()> {
    let entries = read_check(from)
        .map_err(|why| Error::Folder(format!("{} is damaged: {why}", from.display())))?;
    let tmp = temp_of(target, "tmp");
    let done = (|| -> Result<()> {
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io("remove", &tmp))?;
        }
        fs::create_dir_all(&tmp).map_err(io("create", &tmp))?;
        for e in &entries {
            let src = from.join(&e.file);
            let dst = tmp.join(&e.file);
            fs::copy(&src, &dst).map_err(io("copy", &src))?;
        }
        write_check(&tmp, &entries)?;
        put_in_place(&tmp, target)
    })();
    if done.is_err() && tmp.exists() {
        fs::remove_dir_all(&tmp).ok();
    }
    done
}
