//! `mlsim-workload`: run, checkpoint, resume and benchmark the workloads.
fn main() {}
