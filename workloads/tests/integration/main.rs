//! Integration tests of mlsim-workloads (one test binary).

mod cli;
mod common;
mod stress;
mod taxi;
