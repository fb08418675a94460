//! Integration tests of mlsim-workloads (one test binary).

mod cli;
mod common;
mod osm;
mod stress;
mod stress_shards;
mod taxi;
#[cfg(feature = "parquet")]
mod tlc_parquet;
