//! Integration tests of the readers (one test binary).

mod osm_pbf;
mod real_files;
#[cfg(feature = "parquet")]
mod tlc_parquet;
