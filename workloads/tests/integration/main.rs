//! Integration tests of mlsim-workloads (one binary).
