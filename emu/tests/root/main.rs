//! Root integration tests of mlsim-emu: one module per topic. Each test starts with
//! `mlsim_emu::testing::require_root_env(..)`: without root it prints a loud SKIPPED banner and
//! returns (a failure under `MLSIM_REQUIRE_EMU=1`).

mod bridge;
mod cgroup;
mod ckpt_common;
mod ckpt_criu;
mod ckpt_docker;
mod ckpt_mulambda;
mod ckpt_pause;
mod clean;
mod run;
mod run_apps;
mod serverless;
mod suspend;
mod topo;
