//! The checkpoint methods, one file each.

mod criu;
mod docker;
mod long_running;
mod microlambda;

pub use criu::Criu;
pub use docker::Docker;
pub use long_running::LongRunning;
pub use microlambda::MicroLambda;
