//! Helpers for the root integration tests (`emu/tests/root/`).
//!
//! Every root test starts with
//!
//! ```no_run
//! let Some(_guard) = mlsim_emu::testing::require_root_env("two-host RTT") else { return };
//! ```
//!
//! Without root (or without the substrate: `ip`, the v1 cpu cgroup) this prints a LOUD
//! `SKIPPED (needs root): ...` banner to stderr and the test returns; with
//! `MLSIM_REQUIRE_EMU=1` (set by CI) it panics instead, so nothing is silently skipped there.
//!
//! Tests that must not overlap with any other root test (e.g. ones that measure timing or
//! CPU shares on the 2-core machine, or restart global daemons) take the exclusive guard
//! [`require_root_env_exclusive`]; ordinary root tests share the lock.
//!
//! [`TestRun`] gives a test its own run folder and ledger and cleans both on drop, also when
//! the test panics.

use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::ledger::{Ledger, LedgerError, clean_ledger};

static LOCK: RwLock<()> = RwLock::new(());

/// Held for the duration of a root test; see [`require_root_env`].
#[derive(Debug)]
pub struct RootGuard {
    _guard: Held,
}

#[derive(Debug)]
enum Held {
    Shared(#[allow(dead_code)] RwLockReadGuard<'static, ()>),
    Exclusive(#[allow(dead_code)] RwLockWriteGuard<'static, ()>),
}

/// Whether `MLSIM_REQUIRE_EMU=1`: skips become failures.
pub fn emu_required() -> bool {
    std::env::var("MLSIM_REQUIRE_EMU").is_ok_and(|v| v == "1")
}

/// Prints the loud skip banner for `what` (or panics under `MLSIM_REQUIRE_EMU=1`).
pub fn skip(what: &str, why: &str) {
    if emu_required() {
        panic!("MLSIM_REQUIRE_EMU=1 but this root test cannot run: {what}: {why}");
    }
    let bar = "#".repeat(78);
    // Straight to the stderr handle: libtest captures `eprintln!` of passing tests, and this
    // banner must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n{bar}\n# SKIPPED (needs root): {what}\n#   reason: {why}\n#   as root: run `bash scripts/setup-emu.sh`, then the tests\n{bar}\n"
    );
}

/// Why the substrate cannot run here, if it cannot.
pub fn missing_substrate() -> Option<String> {
    if !crate::sys::is_root() {
        return Some("not running as root".into());
    }
    if crate::sys::run_args("ip", &["-V"]).is_err() {
        return Some("`ip` (iproute2) not found: run scripts/setup-emu.sh".into());
    }
    if !Path::new("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").exists() {
        return Some("no cgroup v1 cpu controller at /sys/fs/cgroup/cpu".into());
    }
    None
}

/// A shared guard for a root test, or `None` after a loud skip banner (see the module docs).
pub fn require_root_env(what: &str) -> Option<RootGuard> {
    require(what, false)
}

/// Like [`require_root_env`], but no other root test of this process runs meanwhile.
pub fn require_root_env_exclusive(what: &str) -> Option<RootGuard> {
    require(what, true)
}

fn require(what: &str, exclusive: bool) -> Option<RootGuard> {
    if let Some(why) = missing_substrate() {
        skip(what, &why);
        return None;
    }
    let held = if exclusive {
        Held::Exclusive(LOCK.write().unwrap_or_else(|p| p.into_inner()))
    } else {
        Held::Shared(LOCK.read().unwrap_or_else(|p| p.into_inner()))
    };
    Some(RootGuard { _guard: held })
}

/// `Some(path)` of `program` in PATH, or `None` after a loud skip (panic under
/// `MLSIM_REQUIRE_EMU=1`). For tests that need a tool beyond `ip` (e.g. `criu`, `docker`).
pub fn require_tool(what: &str, program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip(
            what,
            &format!("`{program}` not found: run scripts/setup-emu.sh"),
        );
    }
    found
}

/// A test's own run folder (under the system temp dir) and ledger. Dropping it cleans the
/// ledger (removing every recorded object) and deletes the folder, also during a panic.
#[derive(Debug)]
pub struct TestRun {
    dir: PathBuf,
    ledger: Option<Ledger>,
}

impl TestRun {
    /// A fresh folder `$TMPDIR/mlsim-test-<tag>-<pid>-<n>` with a registered ledger.
    pub fn new(tag: &str) -> Result<TestRun, LedgerError> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mlsim-test-{tag}-{}-{n}", std::process::id()));
        let ledger = Ledger::create(&dir)?;
        let dir = ledger.path().parent().map(Path::to_owned).unwrap_or(dir);
        Ok(TestRun {
            dir,
            ledger: Some(ledger),
        })
    }
    /// The run folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The run's ledger.
    pub fn ledger(&self) -> &Ledger {
        self.ledger.as_ref().expect("ledger lives until drop")
    }
}

impl Drop for TestRun {
    fn drop(&mut self) {
        let Some(ledger) = self.ledger.take() else {
            return;
        };
        let path = ledger.path().to_owned();
        drop(ledger);
        match clean_ledger(&path) {
            Ok(r) if r.ok() => {
                let _ = std::fs::remove_dir_all(&self.dir);
            }
            Ok(r) => eprintln!(
                "TestRun: could not clean {}: {:?}",
                path.display(),
                r.failed
            ),
            Err(e) => eprintln!("TestRun: could not clean {}: {e}", path.display()),
        }
    }
}
