//! Typed identifiers, so a BBU index can never be passed where a request index is expected.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub u32);
        impl $name {
            /// The index as `usize`, for indexing vectors.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id!(
    /// A baseband unit (edge device), indexed from 0 in the topology.
    BbuId
);
id!(
    /// An offloading request from a UE, numbered in submission order within a run.
    RequestId
);
id!(
    /// A task of a request: one sequential computation with its own program state (a stress
    /// request has one task per window and feature-extraction shard).
    TaskId
);
id!(
    /// One invocation of λ(f): a run of a task on a worker between two checkpoints.
    InvocationId
);
