//! Integration tests of mlsim-workloads (one test binary).

mod cli;
mod common;
mod hold;
mod osm;
mod parquet_feature;
mod stress;
mod stress_shards;
mod taxi;
