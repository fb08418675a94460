//! # mlsim-experiment: the experiment pipeline
//!
//! One path from an experiment spec to a result folder, whatever executes the runs:
//!
//! ```text
//! spec.toml ──[spec]──▶ Spec (validated points, run plan built once)
//!           ──[runner]──▶ Backend::run per run (simulator, emulation or mock; injected)
//!           ──[record]──▶ runs.csv row + records ──[folder]──▶ runs/NNNNNN.csv, merged CSVs
//!           ──[summary], [policy_table], [stats]──▶ summary.csv, policies.csv
//!           ──[figures]──▶ fig*.svg / fig*.png (mlsim-plots)
//! ```
//!
//! - [`spec`]: TOML → validated [`spec::Spec`] (errors with file, line, field and fix).
//! - [`runner`]: runs what is not done yet through a [`mlsim_core::Backend`], in parallel unless
//!   the backend says it runs one at a time; a failed run is a result, not an error.
//! - [`record`]: the `runs.csv` row of a run.
//! - [`folder`]: the self-describing, crash-safe, resumable result folder and its one atomic
//!   writer ([`folder::write_atomic`]); [`manifest`]: `manifest.json`.
//! - [`summary`] and [`policy_table`]: `summary.csv` and `policies.csv`, from the merged CSVs
//!   only (so `mlsim plot` can redo them); [`suspend_summary`]: a suspend study's
//!   `summary.csv`.
//! - [`figures`]: draws the spec's figures; [`pipeline`]: one experiment from start to end
//!   ([`pipeline::prepare`], [`runner::run_all`], [`pipeline::finish`]; [`pipeline::sweep`]
//!   does the last two and leaves a manifest that says how the sweep ended whatever happens).
//! - [`calibrate`]: `mlsim calibrate`'s fit of the simulator's models to measurements (on the
//!   maths of [`fit`]), the fitted model file and the fit report.
//! - [`shard`]: a spec's run plan split over machines (`--shard K/N`) and the merge of the
//!   shards' folders (`mlsim merge`).
//! - [`compare`]: a simulator folder against an emulation folder (or measured checkpoints).
//! - [`testing`]: [`testing::MockBackend`], deterministic fake records, so the whole pipeline
//!   is tested without root.
//!
//! This crate never depends on `mlsim-sim` or `mlsim-emu`: the CLI hands it a backend.
#![warn(missing_docs)]

pub mod calibrate;
pub mod columns;
pub mod compare;
pub mod error;
pub mod figures;
pub mod fit;
pub mod folder;
pub mod manifest;
pub mod parquet_out;
pub mod pipeline;
pub mod policy_table;
pub mod record;
pub mod runner;
pub mod serverless_summary;
pub mod shard;
pub mod spec;
pub mod summary;
pub mod suspend_summary;
pub mod testing;

pub use error::{Error, Result};
pub use folder::ResultDir;
pub use runner::{RunEvent, SweepOutcome, run_all};
pub use spec::Spec;
