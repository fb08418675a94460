//! Readers for traces and data files.
