//! Integration tests of mlsim-workloads (one test binary).

mod common;
mod stress;
mod taxi;
