//! The run ledger: what a run created, so that `mlsim emu clean` can remove it even after the
//! run was killed with SIGKILL.
//!
//! A ledger is `RUN_DIR/emu-ledger.jsonl`: append-only, one JSON [`Resource`] per line, each
//! line written with a single `write` and `fsync`ed **before** the caller creates the object.
//! A crash can therefore leave a recorded object that never existed (cleaning tolerates that),
//! but never an existing object that is not recorded. A torn last line (crash during the write)
//! is skipped when reading.
//!
//! Every ledger is registered in the global index `/var/lib/mlsim/ledgers/<run_id>` (a file
//! holding the ledger's absolute path), so `mlsim emu clean` without arguments finds the ledgers
//! of all runs. Cleaning keeps the ledger file in the run folder (it documents what the run
//! created) and removes the index entry.
//!
//! Names of the objects are built by [`crate::names`] from [`Ledger::run_id`].

mod clean;
mod sweep;

pub use clean::{CleanReport, clean_ledger};
pub use sweep::clean_all;

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// File name of a ledger inside its run folder.
pub const LEDGER_FILE: &str = "emu-ledger.jsonl";
/// Default directory of the global index of ledgers (override: `MLSIM_LEDGER_INDEX`).
pub const DEFAULT_INDEX_DIR: &str = "/var/lib/mlsim/ledgers";

/// The global index directory: `$MLSIM_LEDGER_INDEX` or [`DEFAULT_INDEX_DIR`].
pub fn index_dir() -> PathBuf {
    std::env::var_os("MLSIM_LEDGER_INDEX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX_DIR))
}

/// An object created by a run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resource {
    /// A network namespace (`ip netns add` name), e.g. `mlsim-<run>-bbu0`. Cleaning kills every
    /// process still inside it, then deletes it.
    Netns {
        /// Namespace name.
        name: String,
    },
    /// A network interface (veth, bridge, tun, ifb) in `netns` (`None`: the root namespace).
    Link {
        /// Interface name.
        name: String,
        /// Namespace holding it.
        netns: Option<String>,
    },
    /// A cgroup directory, e.g. `/sys/fs/cgroup/cpu/mlsim-<run>/bbu0`. Cleaning kills its
    /// tasks, removes child cgroups, then the directory.
    Cgroup {
        /// Absolute path of the cgroup directory.
        path: PathBuf,
    },
    /// A process. `start_time` is field 22 of `/proc/PID/stat` [clock ticks since boot]; it
    /// guards against killing an unrelated process that reused the pid.
    Process {
        /// Process id.
        pid: u32,
        /// Start time [clock ticks since boot].
        start_time: u64,
    },
    /// A docker container, `mlsim-<run>-...`; removed with `docker rm -f`.
    Container {
        /// Container name.
        name: String,
    },
    /// A docker image tag created by the run; removed with `docker rmi`.
    Image {
        /// Image name (`repo:tag`).
        name: String,
    },
    /// A directory (e.g. checkpoint images) to delete recursively.
    Dir {
        /// Absolute path.
        path: PathBuf,
    },
}

impl Resource {
    /// A [`Resource::Process`] for a running process, reading its start time from `/proc`.
    pub fn process(pid: u32) -> Result<Resource, LedgerError> {
        let start_time = crate::sys::proc_start_time(pid).ok_or(LedgerError::NoProcess(pid))?;
        Ok(Resource::Process { pid, start_time })
    }
}

/// Errors of the ledger and of cleaning.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A ledger line is not a valid resource (and is not a torn last line).
    #[error("{path}:{line}: not a ledger entry: {source}")]
    Parse {
        /// The ledger file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A process to record does not exist (any more).
    #[error("process {0} does not exist")]
    NoProcess(u32),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> LedgerError + '_ {
    move |source| LedgerError::Io {
        path: path.to_owned(),
        source,
    }
}

/// An open, registered ledger. Cheap to share between threads (`&Ledger` is `Sync`).
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    run_id: String,
    file: Mutex<File>,
}

impl Ledger {
    /// Creates (or reopens for appending) the ledger file in `run_dir`, creating the folder if
    /// needed, and registers it in the global index [`index_dir`]`/<run_id>`.
    pub fn create(run_dir: &Path) -> Result<Ledger, LedgerError> {
        std::fs::create_dir_all(run_dir).map_err(io_err(run_dir))?;
        let dir = std::fs::canonicalize(run_dir).map_err(io_err(run_dir))?;
        let path = dir.join(LEDGER_FILE);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let run_id = run_id_for(&dir);
        let index = index_dir();
        std::fs::create_dir_all(&index).map_err(io_err(&index))?;
        let entry = index.join(&run_id);
        write_atomic(&entry, path.to_string_lossy().as_bytes())?;
        Ok(Ledger {
            path,
            run_id,
            file: Mutex::new(file),
        })
    }

    /// Short id of this run: 6 hex characters derived from the run folder, the pid and the
    /// time, used in every object name (see [`crate::names`]).
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Absolute path of the ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `r` and fsyncs the file. Call it BEFORE creating the object.
    pub fn record(&self, r: &Resource) -> Result<(), LedgerError> {
        let mut line = serde_json::to_vec(r).map_err(|e| LedgerError::Io {
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        line.push(b'\n');
        let f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let mut w: &File = &f;
        w.write_all(&line).map_err(io_err(&self.path))?;
        f.sync_data().map_err(io_err(&self.path))
    }

    /// Records a running process (see [`Resource::process`]). Note that, unlike other objects,
    /// a process can only be recorded after it exists: record it right after spawning it.
    pub fn record_process(&self, pid: u32) -> Result<(), LedgerError> {
        self.record(&Resource::process(pid)?)
    }
}

/// Removes one object now (as cleaning would): `Ok(true)` if it was removed, `Ok(false)` if it
/// was already gone, `Err(reason)` otherwise.
pub fn remove(r: &Resource) -> Result<bool, String> {
    match clean::remove(r) {
        clean::Removal::Removed => Ok(true),
        clean::Removal::Gone => Ok(false),
        clean::Removal::Failed(why) => Err(format!("{}: {why}", clean::describe(r))),
    }
}

/// Reads every resource of a ledger file, in recording order. A torn (unparseable) LAST line is
/// skipped: it is what a crash during [`Ledger::record`] leaves, and its object was never made.
pub fn read_ledger(path: &Path) -> Result<Vec<Resource>, LedgerError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let lines: Vec<&str> = text.lines().collect();
    let complete = text.ends_with('\n');
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(r) => out.push(r),
            Err(_) if i + 1 == lines.len() && !complete => {}
            Err(source) => {
                return Err(LedgerError::Parse {
                    path: path.to_owned(),
                    line: i + 1,
                    source,
                });
            }
        }
    }
    Ok(out)
}

/// The run id derived from `dir`, the pid and the wall clock (FNV-1a, 24 bits as 6 hex digits).
fn run_id_for(dir: &Path) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let h = mlsim_core::fnv::Fnv1a::new()
        .bytes(dir.as_os_str().as_encoded_bytes())
        .u64(u64::from(std::process::id()))
        .u64(nanos)
        .finish();
    // Fold the 64 bits so every input bit affects the 24 kept.
    let folded = (h ^ (h >> 24) ^ (h >> 48)) & 0xff_ffff;
    format!("{folded:06x}")
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LedgerError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
    f.write_all(bytes).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_round_trip_as_tagged_json() {
        let r = Resource::Link {
            name: "ml3fa9c1-0a".into(),
            netns: Some("mlsim-3fa9c1-ue0".into()),
        };
        let s = serde_json::to_string(&r).expect("serialises");
        assert_eq!(
            s,
            r#"{"kind":"link","name":"ml3fa9c1-0a","netns":"mlsim-3fa9c1-ue0"}"#
        );
        assert_eq!(serde_json::from_str::<Resource>(&s).expect("parses"), r);
    }

    #[test]
    fn a_torn_last_line_is_skipped_but_a_bad_middle_line_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join(LEDGER_FILE);
        std::fs::write(
            &p,
            "{\"kind\":\"netns\",\"name\":\"mlsim-aaaaaa-x\"}\n{\"kind\":\"ne",
        )
        .expect("write");
        assert_eq!(
            read_ledger(&p).expect("reads"),
            vec![Resource::Netns {
                name: "mlsim-aaaaaa-x".into()
            }]
        );
        std::fs::write(&p, "garbage\n{\"kind\":\"netns\",\"name\":\"x\"}\n").expect("write");
        assert!(matches!(
            read_ledger(&p),
            Err(LedgerError::Parse { line: 1, .. })
        ));
    }

    #[test]
    fn run_ids_are_six_hex_digits() {
        let id = run_id_for(Path::new("/tmp/some/run"));
        assert!(crate::names::is_run_id(&id), "{id}");
    }
}
