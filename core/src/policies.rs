//! The placement policies, one file each, and the registry that maps spec names to them.

mod least_loaded;
mod random;
mod round_robin;
mod same_bbu;

pub use least_loaded::LeastLoaded;
pub use random::Random;
pub use round_robin::RoundRobin;
pub use same_bbu::SameBbu;

use crate::policy::Placement;

/// The names [`by_name`] knows, for error messages and docs.
pub const NAMES: &[&str] = &["least_loaded", "random", "round_robin", "same_bbu"];

/// The policy registered under `name`, or `None`.
pub fn by_name(name: &str) -> Option<Box<dyn Placement>> {
    match name {
        "round_robin" => Some(Box::new(RoundRobin::default())),
        "same_bbu" => Some(Box::new(SameBbu)),
        "random" => Some(Box::new(Random)),
        "least_loaded" => Some(Box::new(LeastLoaded)),
        _ => None,
    }
}
