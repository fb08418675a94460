//! # The agents: client, manager and worker processes that speak the paper's seven steps
//!
//! Each agent is a real process started by the emulation driver ([`crate::run`]) inside its
//! topology host (a network namespace), as `mlsim agent ROLE CONFIG.json` (or the test binary
//! `mlsim-agent ROLE CONFIG.json`). They talk through a real `redis-server` in the store host
//! (the control BBU, as in the simulator's topology):
//!
//! 1. the **client** (UE) `SET`s the request's input and `PUBLISH`es a [`protocol::RequestMsg`]
//!    (s₀ = null) — this crosses the shaped radio link (one clients process plays every UE,
//!    through sockets made in each UE's namespace, and submits every workload class's requests
//!    as the simulator does: [`client`], [`crate::run::plan`]);
//! 2. Redis pushes it to the **manager** (pub/sub);
//! 3. the manager places the task with the run's placement policy
//!    (`mlsim_core::policies`, the simulator's own trait objects) and, on first use of λ(f) on
//!    that worker, `POST /install`s it: the worker copies the workload program into its own
//!    package folder and runs it once (`--version`): a measured cold start;
//! 4. the manager `POST /invoke`s the worker with the input and the last state sₖ (from Redis);
//! 5. the worker runs the real workload (`mlsim-workload run taxi|stress`) under its timeout
//!    tracker: long-running without deadline; μλ: `SIGUSR1` at `r_limit − lead`, the workload
//!    stops at its next safe point and writes its state file; CRIU: `criu dump` of the process at
//!    `r_limit − lead`, the image folder archived (tar + lz4). The state (or image archive), the
//!    output lines so far and an [`protocol::EventMsg`] with the measurements go to Redis;
//! 6. Redis pushes the event to the manager, which resumes the task (step 4 again) on the worker
//!    the policy picks, or
//! 7. publishes the output to the client's channel, which reaches the UE over the radio link.
//!
//! HTTP and RESP are implemented on `std::net` ([`http`], [`resp`]) so that every message's bytes
//! are known exactly (step bytes in `steps.csv`); see those modules for why no crates.
//!
//! Agents log JSON lines ([`protocol::ClientLog`], [`protocol::ManagerLog`]) that the driver turns
//! into the simulator's record types after the run.

pub mod client;
pub mod http;
pub mod manager;
pub mod protocol;
pub mod resp;
pub mod worker;

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// An agent failed.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Talking to Redis failed.
    #[error(transparent)]
    Redis(#[from] resp::RespError),
    /// An HTTP call failed.
    #[error(transparent)]
    Http(#[from] http::HttpError),
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A message or config could not be (de)serialised.
    #[error("{what}: {source}")]
    Json {
        /// Which message.
        what: String,
        /// Why.
        source: serde_json::Error,
    },
    /// Anything else (bad arguments, a protocol violation).
    #[error("{0}")]
    Other(String),
}

impl AgentError {
    /// An I/O error with context.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> AgentError {
        let what = what.into();
        move |source| AgentError::Io { what, source }
    }
    /// A JSON error with context.
    pub fn json(what: impl Into<String>) -> impl FnOnce(serde_json::Error) -> AgentError {
        let what = what.into();
        move |source| AgentError::Json { what, source }
    }
}

/// Now [ns since the Unix epoch] (CLOCK_REALTIME: shared by every process of the machine,
/// whatever its network namespace).
pub fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// Now [ns since `epoch_unix_ns`].
pub fn since(epoch_unix_ns: u64) -> u64 {
    unix_ns().saturating_sub(epoch_unix_ns)
}

/// Appends one JSON line to `path` and flushes it (so a killed agent loses at most the line
/// it was writing).
pub fn log_line<T: serde::Serialize>(path: &Path, v: &T) -> Result<(), AgentError> {
    let mut line = serde_json::to_vec(v).map_err(AgentError::json("log line"))?;
    line.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(AgentError::io(format!("open {}", path.display())))?;
    f.write_all(&line)
        .map_err(AgentError::io(format!("write {}", path.display())))
}

/// Reads an agent's JSON config file.
pub fn read_config<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, AgentError> {
    let text = std::fs::read(path).map_err(AgentError::io(format!("read {}", path.display())))?;
    serde_json::from_slice(&text).map_err(AgentError::json(format!("config {}", path.display())))
}

/// Entry point of `mlsim agent ROLE CONFIG` / `mlsim-agent ROLE CONFIG`: runs the agent until
/// it is done (client) or terminated (manager, worker). Returns the process exit code
/// (0 ok, 1 failed, 2 usage).
pub fn main_with_args(args: &[String]) -> u8 {
    let (Some(role), Some(cfg)) = (args.first(), args.get(1)) else {
        eprintln!("usage: mlsim agent client|manager|worker CONFIG.json");
        return 2;
    };
    let cfg = Path::new(cfg);
    let r = match role.as_str() {
        "client" => read_config(cfg).and_then(|c| client::run(&c)),
        "manager" => read_config(cfg).and_then(|c| manager::run(&c)),
        "worker" => read_config(cfg).and_then(|c| worker::run(&c)),
        other => {
            eprintln!("unknown agent role {other:?}: use client, manager or worker");
            return 2;
        }
    };
    match r {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mlsim agent {role}: {e}");
            1
        }
    }
}
