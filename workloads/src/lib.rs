//! The three workloads as real programs (see the workloads issue).
