//! `mlsim-face`: the face-recognition workload as its own process.
//!
//! ```text
//! mlsim-face run   --frames N [--resume STATE] [--state-out F] [--checkpoint-after K] [--interval-ms MS]
//! mlsim-face bench --frames N [--checkpoints C] [--json]
//! ```
//! `run` prints one JSON line per frame and a last line saying whether it finished or
//! checkpointed; `kill -USR1 <pid>` asks it to checkpoint at the next safe point (between two
//! frames) and exit. Exit codes: 0 finished or checkpointed, 2 usage, input or set-up error.
//! Needs the `dlib` feature and `scripts/setup-face.sh` (or `--pipeline mock` for a dry run).

mod cli;

fn main() {
    std::process::exit(cli::main());
}
