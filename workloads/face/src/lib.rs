//! Face recognition workload (see the workloads issue).
