//! # Checkpoints, for real: μλ through Redis, CRIU of a process, Docker checkpoint of a container
//!
//! The simulator models three ways to survive a runtime limit; this module performs them on the
//! machine, with the real workload programs (`mlsim-workload run taxi|stress`, `mlsim-face run`):
//!
//! - **μλ** ([`mulambda`]): the workload stops at its next safe point after a deadline, writes its
//!   program state (a few KB, lz4), the worker puts the bytes into Redis ([`store`]), another
//!   worker fetches them and resumes the program with `--resume`.
//! - **CRIU** ([`criu`]): `criu dump` of the workload *process*, started inside a host's network
//!   namespace, and `criu restore` from the root namespace into *another* host's namespace (the
//!   paper's native path; that restore is a migration).
//! - **Docker** ([`docker`]): the workload runs in a container whose image was assembled without a
//!   registry ([`rootfs`]: the release binary, its `ldd` libraries and its data, `docker import`ed);
//!   `docker checkpoint create`, then the checkpoint is copied into a *new* container and started
//!   from there.
//!
//! Measurements use the paper's definitions ([`sample`]): checkpoint time from the start of
//! checkpointing until the images (or the state file) are on the file system (fsync'd); size as
//! compressed bytes — the μλ state file is lz4-compressed by the workload itself, and CRIU / Docker
//! image folders are measured as an lz4 frame of their tar stream ([`archive`]), the same codec; and
//! restore time. [`sample::measure`] draws uniformly random execution durations before the
//! checkpoint (the paper's Figs. 4/5) and returns typed [`sample::Sample`]s; `mlsim emu checkpoints`
//! writes them as CSV, and the calibration reuses them.
//!
//! Everything created (network namespaces, processes, containers, images, image folders) is
//! recorded in the run's [`Ledger`](crate::ledger::Ledger) *before* it is created, so
//! `mlsim emu clean` removes it even after a crash.

pub mod archive;
pub mod criu;
pub mod docker;
mod error;
pub mod mulambda;
pub mod netns;
pub mod proc;
pub mod rootfs;
pub mod sample;
pub mod store;
pub mod workload;

pub use error::CkptError;
pub use workload::{App, Binaries, WorkloadRun, workload_binary};

/// Which checkpoint method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// Program state at a safe point, through Redis.
    MicroLambda,
    /// `criu dump` / `criu restore` of the process.
    Criu,
    /// `docker checkpoint create` / `docker start --checkpoint` into another container.
    Docker,
}

impl Method {
    /// Every method, in the order of the paper's figures.
    pub const ALL: [Method; 3] = [Method::MicroLambda, Method::Criu, Method::Docker];

    /// The name used on the command line and in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Method::MicroLambda => "mulambda",
            Method::Criu => "criu",
            Method::Docker => "docker",
        }
    }

    /// Parses [`Method::name`] (also `microlambda`).
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "mulambda" | "microlambda" | "μλ" => Some(Method::MicroLambda),
            "criu" => Some(Method::Criu),
            "docker" => Some(Method::Docker),
            _ => None,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.name()), Some(m));
        }
        assert_eq!(Method::parse("microlambda"), Some(Method::MicroLambda));
        assert_eq!(Method::parse("podman"), None);
    }
}
