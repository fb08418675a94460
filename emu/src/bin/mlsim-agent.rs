//! `mlsim-agent ROLE CONFIG.json`: the emulation's client, manager and worker agents as a
//! standalone program (the same code as the hidden `mlsim agent` subcommand; the emulator's own
//! tests use this one because they cannot build the `mlsim` CLI).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::ExitCode::from(mlsim_emu::agent::main_with_args(&args))
}
