//! `mlsim emu ...`: the emulation mode's subcommands (each needs root). Add a subcommand as a
//! variant of [`EmuCmd`] and a line in [`dispatch`].

use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// The `mlsim emu` subcommands.
#[derive(Subcommand)]
pub enum EmuCmd {
    /// Replay every run of a spec for real (topology, Redis, agents, the real workloads) and
    /// write the same result folder as `mlsim run`, records with mode `emu`.
    Run {
        /// The experiment spec (TOML), e.g. experiments/fig6-emu.toml.
        spec: PathBuf,
        /// Result folder [default: results/<experiment name>-emu].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Give up on a run after this long [s].
        #[arg(long, default_value_t = 600.0)]
        timeout_s: f64,
        /// Print only errors and the final line.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// Runs an `mlsim emu` subcommand.
pub fn dispatch(cmd: EmuCmd) -> Result<ExitCode> {
    match cmd {
        EmuCmd::Run {
            spec,
            out,
            timeout_s,
            quiet,
        } => crate::emu_run::run(&spec, out, timeout_s, quiet),
    }
}
