//! # mlsim-datasets: readers for the data files mlsim consumes
//!
//! Every reader parses raw rows, validates them, and reports problems with the file and the
//! line, so that a user can fix the file without guessing. Readers return plain data; the
//! callers turn it into model types.
#![warn(missing_docs)]

pub mod load_trace;

pub use load_trace::{LoadTraceError, read_load_trace};
