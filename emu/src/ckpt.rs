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
//! - **Pause** ([`pause`]): the same container, frozen in place by `docker pause` (the cgroup
//!   freezer) and thawed by `docker unpause`: nothing is written or moved, and the container
//!   keeps its memory.
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
pub mod pause;
pub mod proc;
pub mod rootfs;
pub mod sample;
pub mod store;
pub mod workload;

pub use error::CkptError;
pub use workload::{App, Binaries, WorkloadRun, workload_binary};

use mlsim_core::method::Captures;
pub use mlsim_core::method::MethodId as Method;

/// The methods this module can measure (those that checkpoint), in registry (figure) order.
pub fn measurable() -> Vec<Method> {
    Method::all().filter(|m| m.def().checkpoints()).collect()
}

/// A host tool the emulation of a method needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `criu` (a process image).
    Criu,
    /// `dockerd --experimental` (a container image).
    Docker,
    /// `redis-server` (program state through the store).
    Redis,
}

/// The tool the emulation of `m` needs, from what it captures; `None` for a method that never
/// checkpoints.
pub fn tool(m: Method) -> Option<Tool> {
    match m.def().captures() {
        Captures::Nothing => None,
        Captures::ProgramState => Some(Tool::Redis),
        Captures::ProcessImage => Some(Tool::Criu),
        Captures::ContainerImage | Captures::FrozenInPlace => Some(Tool::Docker),
    }
}

/// What is missing on this host to emulate `methods` (`redis`: whether program-state methods
/// need redis-server here), or `None`.
pub fn missing_tool(
    methods: &[Method],
    env: &sample::Environment,
    redis: bool,
) -> Option<&'static str> {
    methods.iter().find_map(|&m| match tool(m)? {
        Tool::Criu if env.criu.is_none() => Some("criu not found"),
        Tool::Docker if env.docker.is_none() => Some("dockerd with --experimental is not running"),
        Tool::Redis if redis && env.redis.is_none() => Some("redis-server not found"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_measurable_method_names_its_tool() {
        let names: Vec<&str> = measurable().into_iter().map(Method::name).collect();
        for n in ["microlambda", "criu", "docker", "pause"] {
            assert!(names.contains(&n), "{names:?}");
        }
        assert!(!names.contains(&"long_running"));
        for m in measurable() {
            assert!(tool(m).is_some(), "{m}");
        }
        assert_eq!(Method::parse("mulambda"), Method::parse("microlambda"));
        assert_eq!(
            tool(mlsim_core::methods::named("docker")),
            Some(Tool::Docker)
        );
        assert_eq!(
            tool(mlsim_core::methods::named("pause")),
            Some(Tool::Docker)
        );
        assert_eq!(tool(mlsim_core::methods::named("long_running")), None);
    }

    #[test]
    fn missing_tools_are_named_in_method_order() {
        let none = sample::Environment::default();
        let all = sample::Environment {
            criu: Some("4".into()),
            docker: Some("28/28".into()),
            redis: Some("7".into()),
            ..Default::default()
        };
        let named = mlsim_core::methods::named;
        let m = [named("microlambda"), named("criu"), named("docker")];
        assert_eq!(missing_tool(&m, &all, true), None);
        assert_eq!(
            missing_tool(&m, &none, true),
            Some("redis-server not found")
        );
        assert_eq!(missing_tool(&m, &none, false), Some("criu not found"));
        assert_eq!(
            missing_tool(&m[2..], &none, false),
            Some("dockerd with --experimental is not running")
        );
    }
}
