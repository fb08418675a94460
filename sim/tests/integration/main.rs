//! Integration tests of the simulator (one test binary, as house style asks).

mod common;
mod determinism;
mod eviction;
mod load;
mod mmc;
mod oracle;
mod policies;
mod progress;
mod serverless;
mod setup;
mod suspend;
mod tcp;
