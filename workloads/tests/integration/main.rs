//! Integration tests of mlsim-workloads (one test binary).

mod cli;
mod common;
mod osm;
mod stress;
mod taxi;
#[cfg(feature = "parquet")]
mod tlc_parquet;
