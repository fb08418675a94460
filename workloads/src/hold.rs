//! # `hold`: the real process of one long-running blocking function (suspend study)
//!
//! The emulated suspend study (seed 000: Karhula et al., Docker pause vs checkpoint) suspends a
//! *long-running blocking function*: a process that holds a given amount of memory and, between
//! requests, blocks waiting. `mlsim-workload hold` is that process. The emulation starts it
//! natively (CRIU, μλ) or inside a Docker container with the folder bind-mounted (docker pause,
//! docker checkpoint), pauses, checkpoints and restores it, and drives it through files in one
//! folder `D` ([`HoldConfig::dir`]):
//!
//! | file | written by | content |
//! |---|---|---|
//! | `ready` | this process, once memory is held | [`Ready`]: `{"pid":P,"served":k,"rss_bytes":R,"checksum":C}` |
//! | `event-<k>` | the driver | `work_ns=<u64>` (one trailing newline allowed): burn that much thread CPU |
//! | `done-<k>` | this process, after event `k` | [`Done`]: `{"event":k,"checksum":C,"cpu_ns":T}` |
//! | `checkpoint` | the driver | anything: μλ suspend (write `state`, exit 0) |
//! | `state` | this process, on `checkpoint` | [`HoldState`]: `{"served":k,"seed":S,"memory_bytes":N,"buffer_bytes":B}` |
//! | `stop` | the driver | anything: exit 0 |
//!
//! Every file is written atomically by whoever writes it: `NAME.tmp` first, then renamed to
//! `NAME` ([`write_atomic`]), so a reader never sees a partial file. This process does not
//! `fsync`: driver and process share one page cache (a bind mount too), and a disk flush would put
//! storage latency into the measured event times. Event files are never deleted here (the driver
//! does).
//!
//! ## Memory
//! On a fresh start the process reads its own resident memory (`VmRSS` of `/proc/self/status`),
//! allocates `max(N − VmRSS, 0)` bytes in one buffer ([`HeldMemory`]) and fills every byte from
//! [`SplitMix64`] seeded by `--seed`, so every page is resident and incompressible (nothing for
//! zswap, KSM or a compressing checkpoint to save). Its checksum ([`page_checksum`]: FNV-1a 64
//! over the first byte of every 4096-byte page) goes into `ready` and is recomputed from memory
//! at every event into `done-<k>`: equal checksums prove the memory survived the
//! pause / checkpoint / restore.
//!
//! ## μλ suspend and resume
//! The μλ method keeps only program state: on `checkpoint` the process writes `state` and exits,
//! freeing its memory. `--resume` reads `state` (its seed and memory size must equal the
//! arguments), rebuilds the same buffer from the seed (same length, from `buffer_bytes`, hence
//! the same contents and checksum), removes `checkpoint` and writes `ready` with the served count
//! of the state. `buffer_bytes` is recorded because `VmRSS` at start differs a little between
//! runs (page-cache state decides which library pages are mapped), and a buffer one page longer
//! would have another checksum; a `state` without it (written by hand) falls back to
//! `max(N − VmRSS, 0)`.
//!
//! ## CPU bursts
//! An event's work is thread CPU time ([`thread_cpu_ns`], `CLOCK_THREAD_CPUTIME_ID`): frozen
//! (docker pause) or dumped time does not count, so the burst is the same amount of computing
//! whenever it is interrupted. The time is summed in small forward steps ([`CpuMeter`]): after
//! a CRIU restore (also under docker checkpoint) the thread's CPU clock restarts from the new
//! thread's, and a step backwards counts as zero instead of stalling the burst.
//!
//! ## Between polls
//! The loop ([`serve`]) polls every millisecond for `stop`, then `checkpoint`, then
//! `event-<k>`, and holds no file descriptor besides stdin, stdout and stderr between polls
//! (every file is opened, read and closed at once), so CRIU and docker checkpoint can dump it.
//! The binary also closes every descriptor above 2 it inherited ([`close_inherited_fds`]): a
//! driver's pipe or socket leaked into the process would make the dump fail.
//! If `D` itself disappears the process exits with an error instead of polling forever.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The readiness file: written once the memory is held, [`Ready`].
pub const READY: &str = "ready";
/// The μλ program-state file: written on [`CHECKPOINT`], read by `--resume`, [`HoldState`].
pub const STATE: &str = "state";
/// The driver's request to exit (status 0).
pub const STOP: &str = "stop";
/// The driver's request for a μλ checkpoint: write [`STATE`] and exit (status 0).
pub const CHECKPOINT: &str = "checkpoint";
/// Page size of the checksum stride \[bytes\].
pub const PAGE: usize = 4096;
/// How often the loop looks for the driver's files.
pub const POLL: Duration = Duration::from_millis(1);
/// Largest event or state file read \[bytes\]; anything longer is malformed.
pub const MAX_INPUT_BYTES: u64 = 4096;

/// Name of the event file of the `k`-th event (0-based): `event-<k>`.
pub fn event_name(k: u64) -> String {
    format!("event-{k}")
}

/// Name of the result file of the `k`-th event: `done-<k>`.
pub fn done_name(k: u64) -> String {
    format!("done-{k}")
}

/// What `mlsim-workload hold` was asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldConfig {
    /// Resident memory to hold in total \[bytes\] (`--memory-bytes`).
    pub memory_bytes: u64,
    /// The folder the driver and the process exchange files in (`--dir`); must exist.
    pub dir: PathBuf,
    /// Seed of the memory contents (`--seed`).
    pub seed: u64,
    /// Continue from `D/state` (`--resume`, the μλ restore).
    pub resume: bool,
}

/// `D/ready`: the process holds its memory and waits for events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ready {
    /// Process id, as seen in the process's own PID namespace (inside a container, often 1).
    pub pid: u32,
    /// Events served so far; the next event file is `event-<served>`.
    pub served: u64,
    /// `VmRSS` after the memory was filled \[bytes\].
    pub rss_bytes: u64,
    /// [`page_checksum`] of the held buffer.
    pub checksum: u64,
}

/// `D/done-<k>`: event `k` was served.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    /// The event number `k`.
    pub event: u64,
    /// [`page_checksum`] recomputed from memory during the burst; equals [`Ready::checksum`]
    /// while the memory is intact.
    pub checksum: u64,
    /// Thread CPU time of the burst \[ns\], measured; at least the event's `work_ns` (the
    /// checksum is part of the burst, and the last spin step overshoots by a few µs).
    pub cpu_ns: u64,
}

/// `D/state`: the μλ program state (all that survives a μλ suspend).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldState {
    /// Events served before the checkpoint.
    pub served: u64,
    /// `--seed` of the run that wrote it.
    pub seed: u64,
    /// `--memory-bytes` of the run that wrote it.
    pub memory_bytes: u64,
    /// Length of the held buffer \[bytes\], so the resumed buffer has the same checksum
    /// (optional: without it the resumed process sizes the buffer from its own `VmRSS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_bytes: Option<u64>,
}

/// How the process ended without error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldExit {
    /// `D/stop` appeared.
    Stopped {
        /// Events served by then (over all runs).
        served: u64,
    },
    /// `D/checkpoint` appeared and `D/state` was written.
    Checkpointed {
        /// Events served by then (over all runs), as written to the state.
        served: u64,
    },
}

/// Why `mlsim-workload hold` failed. [`HoldError::exit_code`] gives 2 for bad input, 1 for
/// failures of the machine.
#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    /// `--dir` is missing or not a folder.
    #[error("--dir {}: {reason}; create the folder first (the driver and this process exchange files there)", path.display())]
    Dir {
        /// The `--dir` given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `--resume` without `D/state`.
    #[error("{}: not found; --resume needs the state written at the last checkpoint (start without --resume for a fresh process)", path.display())]
    NoState {
        /// The missing state file.
        path: PathBuf,
    },
    /// An event or state file that is not what the protocol says.
    #[error("{}: {msg}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What was expected and what was found.
        msg: String,
    },
    /// The state belongs to another run.
    #[error("{}: {field} is {found} in the state but {given} on the command line; resume with the --seed and --memory-bytes of the run that checkpointed", path.display())]
    StateMismatch {
        /// The state file.
        path: PathBuf,
        /// `seed` or `memory_bytes`.
        field: &'static str,
        /// The value in the state.
        found: u64,
        /// The value of the argument.
        given: u64,
    },
    /// The buffer could not be allocated.
    #[error("cannot allocate {bytes} bytes to hold; lower --memory-bytes")]
    Alloc {
        /// The buffer length asked for.
        bytes: u64,
    },
    /// `VmRSS` could not be read.
    #[error(
        "cannot read VmRSS from /proc/self/status ({reason}); hold needs Linux with /proc mounted"
    )]
    Rss {
        /// What went wrong.
        reason: String,
    },
    /// The thread CPU clock could not be read.
    #[error("cannot read CLOCK_THREAD_CPUTIME_ID: {0}")]
    Clock(#[source] io::Error),
    /// The folder disappeared while the process was waiting.
    #[error("--dir {}: removed while waiting for events; exiting (write `stop` there to end the process cleanly)", path.display())]
    DirGone {
        /// The `--dir` given.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

impl HoldError {
    /// Process exit status: 2 for usage, input and state-file errors, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            HoldError::Dir { .. }
            | HoldError::NoState { .. }
            | HoldError::Malformed { .. }
            | HoldError::StateMismatch { .. } => 2,
            HoldError::Alloc { .. }
            | HoldError::Rss { .. }
            | HoldError::Clock(_)
            | HoldError::DirGone { .. }
            | HoldError::Io { .. } => 1,
        }
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> HoldError + '_ {
    move |source| HoldError::Io {
        path: path.to_owned(),
        source,
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014, as in Vigna's reference code): a 64-bit state
/// advanced by a constant, then mixed. Seeds 0 and up are all fine.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Fill `buf` with the [`SplitMix64`] stream of `seed`, little-endian, 8 bytes per output (the
/// last partial word truncated). A prefix of the stream does not depend on `buf.len()`.
pub fn fill(buf: &mut [u8], seed: u64) {
    let mut rng = SplitMix64::new(seed);
    let mut words = buf.chunks_exact_mut(8);
    for w in &mut words {
        w.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    let rest = words.into_remainder();
    if !rest.is_empty() {
        let last = rng.next_u64().to_le_bytes();
        rest.copy_from_slice(&last[..rest.len()]);
    }
}

/// FNV-1a 64 over the first byte of every [`PAGE`]-byte page of `buf` (pages counted from the
/// start of `buf`; a partial last page counts). The empty buffer gives the FNV offset basis.
pub fn page_checksum(buf: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    buf.iter()
        .step_by(PAGE)
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// The held memory: one buffer, filled from the seed, every page resident.
pub struct HeldMemory {
    bytes: Vec<u8>,
}

impl HeldMemory {
    /// Allocate `len` bytes and fill them from `seed` ([`fill`]). Fails with
    /// [`HoldError::Alloc`] when the allocator refuses (with overcommit, a size the machine
    /// cannot hold may instead be killed by the OOM killer while filling).
    pub fn build(len: u64, seed: u64) -> Result<Self, HoldError> {
        let n = usize::try_from(len).map_err(|_| HoldError::Alloc { bytes: len })?;
        let mut bytes = Vec::new();
        bytes
            .try_reserve_exact(n)
            .map_err(|_| HoldError::Alloc { bytes: len })?;
        bytes.resize(n, 0);
        fill(&mut bytes, seed);
        Ok(Self { bytes })
    }

    /// Length of the buffer \[bytes\].
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Whether the buffer is empty (`--memory-bytes` at most the process's own RSS).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// [`page_checksum`] read from memory now (never a value the compiler kept from before:
    /// the buffer goes through [`std::hint::black_box`]).
    pub fn checksum(&self) -> u64 {
        page_checksum(std::hint::black_box(self.bytes.as_slice()))
    }
}

/// `VmRSS` of this process \[bytes\], from `/proc/self/status`.
pub fn resident_bytes() -> Result<u64, HoldError> {
    let text = fs::read_to_string("/proc/self/status").map_err(|e| HoldError::Rss {
        reason: e.to_string(),
    })?;
    parse_vm_rss(&text).ok_or_else(|| HoldError::Rss {
        reason: "no `VmRSS: <n> kB` line".into(),
    })
}

/// The `VmRSS:` line of a `/proc/<pid>/status` text \[bytes\].
fn parse_vm_rss(status: &str) -> Option<u64> {
    let rest = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
    let mut it = rest.split_whitespace();
    let kib: u64 = it.next()?.parse().ok()?;
    (it.next() == Some("kB")).then_some(())?;
    kib.checked_mul(1024)
}

/// CPU time of the calling thread \[ns\] (`CLOCK_THREAD_CPUTIME_ID`: user and system time;
/// it does not advance while the thread is frozen or dumped).
pub fn thread_cpu_ns() -> Result<u64, HoldError> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Err(HoldError::Clock(io::Error::last_os_error()));
    }
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
    Ok(secs.saturating_mul(1_000_000_000).saturating_add(nanos))
}

/// Thread CPU time summed in forward steps: a reading below the previous one (the clock of a
/// thread re-created by a CRIU restore) adds nothing and becomes the new reference.
#[derive(Clone, Debug)]
pub struct CpuMeter {
    last: u64,
    total: u64,
}

impl CpuMeter {
    /// A meter at zero whose reference is the clock reading `now` \[ns\].
    pub fn new(now: u64) -> Self {
        Self {
            last: now,
            total: 0,
        }
    }

    /// Take the clock reading `now` \[ns\]; returns the total so far.
    pub fn observe(&mut self, now: u64) -> u64 {
        self.total = self.total.saturating_add(now.saturating_sub(self.last));
        self.last = now;
        self.total
    }
}

/// Serve one event: recompute the checksum from memory, then spin until the thread has used
/// `work_ns` of CPU time in all (checksum included). Returns the checksum and the measured
/// thread CPU time \[ns\].
pub fn burst(held: &HeldMemory, work_ns: u64) -> Result<(u64, u64), HoldError> {
    let mut meter = CpuMeter::new(thread_cpu_ns()?);
    let checksum = held.checksum();
    // Spin on user-mode work between clock readings (a reading is a system call), a few µs each.
    let mut rng = SplitMix64::new(checksum);
    let mut used = meter.observe(thread_cpu_ns()?);
    while used < work_ns {
        for _ in 0..1024 {
            std::hint::black_box(rng.next_u64());
        }
        used = meter.observe(thread_cpu_ns()?);
    }
    Ok((checksum, used))
}

/// Parse an event file's content: `work_ns=<u64>` (decimal digits only), one trailing newline
/// (`\n` or `\r\n`) allowed. The error says what was expected and what was found.
pub fn parse_event(text: &str) -> Result<u64, String> {
    let expected = "expected `work_ns=<nanoseconds>` (decimal, one optional trailing newline; e.g. `work_ns=20000000`)";
    let body = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    let digits = body
        .strip_prefix("work_ns=")
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("{expected}, found {}", snippet(text)))?;
    digits.parse::<u64>().map_err(|_| {
        format!(
            "work_ns={digits} is more than {} ns (u64); {expected}",
            u64::MAX
        )
    })
}

/// Parse a state file's content: one JSON object `{"served":k,"seed":S,"memory_bytes":N}`
/// (unsigned integers; optionally `"buffer_bytes":B`; no other keys).
pub fn parse_state(text: &str) -> Result<HoldState, String> {
    serde_json::from_str(text).map_err(|e| {
        format!(
            "expected one JSON object {{\"served\":k,\"seed\":S,\"memory_bytes\":N}} (unsigned integers, optionally \"buffer_bytes\":B), found {}: {e}",
            snippet(text)
        )
    })
}

/// Check that `state` (read from `path`) belongs to the run described by `cfg`.
pub fn check_state(state: &HoldState, cfg: &HoldConfig, path: &Path) -> Result<(), HoldError> {
    let mismatch = |field, found, given| HoldError::StateMismatch {
        path: path.to_owned(),
        field,
        found,
        given,
    };
    if state.seed != cfg.seed {
        return Err(mismatch("seed", state.seed, cfg.seed));
    }
    if state.memory_bytes != cfg.memory_bytes {
        return Err(mismatch(
            "memory_bytes",
            state.memory_bytes,
            cfg.memory_bytes,
        ));
    }
    Ok(())
}

/// At most 60 characters of `text`, quoted and escaped, for an error message.
fn snippet(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

/// Write `bytes` to `dir/name` atomically: `dir/name.tmp`, then rename (no `fsync`, see the
/// module documentation). The file is closed before returning.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), HoldError> {
    let tmp = dir.join(format!("{name}.tmp"));
    let path = dir.join(name);
    fs::write(&tmp, bytes).map_err(io_at(&tmp))?;
    fs::rename(&tmp, &path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_at(&path)(e)
    })
}

/// Write `value` as one JSON line to `dir/name`, atomically.
fn write_json<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<(), HoldError> {
    let mut line = serde_json::to_vec(value).map_err(|e| HoldError::Io {
        path: dir.join(name),
        source: io::Error::other(e),
    })?;
    line.push(b'\n');
    write_atomic(dir, name, &line)
}

/// Read a small file whole as UTF-8, or `None` if it does not exist. The file is closed before
/// returning; content longer than [`MAX_INPUT_BYTES`] or not UTF-8 is [`HoldError::Malformed`].
fn read_small(path: &Path) -> Result<Option<String>, HoldError> {
    let f = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_at(path)(e)),
    };
    let mut bytes = Vec::new();
    f.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_at(path))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(HoldError::Malformed {
            path: path.to_owned(),
            msg: format!("longer than {MAX_INPUT_BYTES} bytes; expected a one-line file"),
        });
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| HoldError::Malformed {
            path: path.to_owned(),
            msg: "not UTF-8 text; expected a one-line text file".into(),
        })
}

/// Whether `path` exists (a `stat`, no file descriptor).
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Close every file descriptor above 2 (`close_range(3, ~0)`, or what `/proc/self/fd` lists on
/// kernels before 5.9), so the process holds only stdin, stdout and stderr. Best effort.
///
/// # Safety
/// Call it only at the start of a process, before anything in it opened a file descriptor that
/// it still uses (the `hold` subcommand does so first thing): descriptors owned by live objects
/// would be closed under them.
pub unsafe fn close_inherited_fds() {
    // SAFETY: the caller guarantees no live object owns a descriptor above 2.
    let rc = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    if rc == 0 {
        return;
    }
    let fds: Vec<libc::c_int> = match fs::read_dir("/proc/self/fd") {
        Ok(rd) => rd
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .filter(|&fd| fd > 2)
            .collect(),
        Err(_) => return,
    };
    // The listing's own descriptor is among them, already closed: close() says EBADF, harmless.
    for fd in fds {
        // SAFETY: as above.
        unsafe {
            libc::close(fd);
        }
    }
}

/// `--dir` must be an existing folder.
fn check_dir(dir: &Path) -> Result<(), HoldError> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(HoldError::Dir {
            path: dir.to_owned(),
            reason: "not a folder".into(),
        }),
        Err(e) => Err(HoldError::Dir {
            path: dir.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// Run the process: check `--dir`, hold the memory (fresh or rebuilt from `D/state`), write
/// `D/ready`, then [`serve`] until `stop` or `checkpoint`.
pub fn run(cfg: &HoldConfig) -> Result<HoldExit, HoldError> {
    let dir = cfg.dir.as_path();
    check_dir(dir)?;
    let (served, recorded_len) = if cfg.resume {
        let path = dir.join(STATE);
        let text = read_small(&path)?.ok_or_else(|| HoldError::NoState { path: path.clone() })?;
        let state = parse_state(&text).map_err(|msg| HoldError::Malformed {
            path: path.clone(),
            msg,
        })?;
        check_state(&state, cfg, &path)?;
        (state.served, state.buffer_bytes)
    } else {
        (0, None)
    };
    let len = match recorded_len {
        Some(len) => len,
        None => cfg.memory_bytes.saturating_sub(resident_bytes()?),
    };
    let held = HeldMemory::build(len, cfg.seed)?;
    if cfg.resume {
        let path = dir.join(CHECKPOINT);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_at(&path)(e)),
            _ => {}
        }
    }
    let ready = Ready {
        pid: std::process::id(),
        served,
        rss_bytes: resident_bytes()?,
        checksum: held.checksum(),
    };
    write_json(dir, READY, &ready)?;
    serve(cfg, &held, served)
}

/// The loop: every [`POLL`], `D/stop` (exit), `D/checkpoint` (write `D/state`, exit), then
/// `D/event-<served>` ([`burst`], write `D/done-<served>`, next event). Event files are left in
/// place. Holds no file descriptor between polls.
pub fn serve(cfg: &HoldConfig, held: &HeldMemory, mut served: u64) -> Result<HoldExit, HoldError> {
    let dir = cfg.dir.as_path();
    let stop = dir.join(STOP);
    let checkpoint = dir.join(CHECKPOINT);
    loop {
        if exists(&stop) {
            return Ok(HoldExit::Stopped { served });
        }
        if exists(&checkpoint) {
            let state = HoldState {
                served,
                seed: cfg.seed,
                memory_bytes: cfg.memory_bytes,
                buffer_bytes: Some(held.len()),
            };
            write_json(dir, STATE, &state)?;
            return Ok(HoldExit::Checkpointed { served });
        }
        let event = dir.join(event_name(served));
        match read_small(&event)? {
            Some(text) => {
                let work_ns = parse_event(&text).map_err(|msg| HoldError::Malformed {
                    path: event.clone(),
                    msg,
                })?;
                let (checksum, cpu_ns) = burst(held, work_ns)?;
                let done = Done {
                    event: served,
                    checksum,
                    cpu_ns,
                };
                write_json(dir, &done_name(served), &done)?;
                served += 1;
            }
            None => {
                if !exists(dir) {
                    return Err(HoldError::DirGone {
                        path: dir.to_owned(),
                    });
                }
                std::thread::sleep(POLL);
            }
        }
    }
}

#[cfg(test)]
mod tests;
