//! The placement policies, one file each, and the registry that maps spec names (and their
//! parameters) to them.
//!
//! Adding a policy: write `policies/my_policy.rs` with a type implementing
//! [`Placement`], then add one line to [`REGISTRY`] (name, parameters with defaults, and a
//! constructor). Specs can then say `[placement] kind = "my_policy"`.

mod forecast_aware;
mod least_loaded;
mod nearest;
mod random;
mod round_robin;
mod same_bbu;
mod transfer_aware;

pub use forecast_aware::{ForecastAware, Holt};
pub use least_loaded::LeastLoaded;
pub use nearest::Nearest;
pub use random::Random;
pub use round_robin::RoundRobin;
pub use same_bbu::SameBbu;
pub use transfer_aware::TransferAware;

use crate::policy::Placement;

/// A tunable parameter of a policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// Name as written in the spec's `[placement]` table.
    pub name: &'static str,
    /// Value when the spec does not set it.
    pub default: f64,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// What it means, with its unit.
    pub doc: &'static str,
}

/// One registered policy: its spec name, its parameters and how to build it from their values
/// (given in the order of `params`).
pub struct Entry {
    /// Name as written in specs.
    pub name: &'static str,
    /// Its parameters (may be empty).
    pub params: &'static [Param],
    /// Builds the policy from one value per parameter, in order.
    pub build: fn(&[f64]) -> Box<dyn Placement>,
}

/// Every registered policy, in alphabetical order.
pub const REGISTRY: &[Entry] = &[
    Entry {
        name: "forecast_aware",
        params: forecast_aware::PARAMS,
        build: |p| Box::new(ForecastAware::new(p[0], p[1], p[2])),
    },
    Entry {
        name: "least_loaded",
        params: &[],
        build: |_| Box::new(LeastLoaded),
    },
    Entry {
        name: "nearest",
        params: &[],
        build: |_| Box::new(Nearest),
    },
    Entry {
        name: "random",
        params: &[],
        build: |_| Box::new(Random),
    },
    Entry {
        name: "round_robin",
        params: &[],
        build: |_| Box::new(RoundRobin::default()),
    },
    Entry {
        name: "same_bbu",
        params: &[],
        build: |_| Box::new(SameBbu::default()),
    },
    Entry {
        name: "transfer_aware",
        params: &[],
        build: |_| Box::new(TransferAware),
    },
];

/// The names [`by_name`] knows, for error messages and docs.
pub const NAMES: &[&str] = &[
    "forecast_aware",
    "least_loaded",
    "nearest",
    "random",
    "round_robin",
    "same_bbu",
    "transfer_aware",
];

/// The registry entry of `name`, or `None`.
pub fn entry(name: &str) -> Option<&'static Entry> {
    REGISTRY.iter().find(|e| e.name == name)
}

/// The policy registered under `name` with its default parameters, or `None`.
pub fn by_name(name: &str) -> Option<Box<dyn Placement>> {
    let e = entry(name)?;
    let defaults: Vec<f64> = e.params.iter().map(|p| p.default).collect();
    Some((e.build)(&defaults))
}

/// The policy registered under `name` with the given parameter values (name, value); a
/// parameter not given takes its default. `None` if the name is unknown. Values are trusted
/// (the spec layer checked names and ranges against [`Entry::params`]).
pub fn build(name: &str, values: &[(String, f64)]) -> Option<Box<dyn Placement>> {
    let e = entry(name)?;
    let v: Vec<f64> = e
        .params
        .iter()
        .map(|p| {
            values
                .iter()
                .find(|(n, _)| n == p.name)
                .map_or(p.default, |(_, x)| *x)
        })
        .collect();
    Some((e.build)(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_registry_agree_and_every_policy_builds_under_its_name() {
        let reg: Vec<&str> = REGISTRY.iter().map(|e| e.name).collect();
        assert_eq!(reg, NAMES);
        for n in NAMES {
            assert_eq!(by_name(n).map(|p| p.name()), Some(*n));
        }
        assert!(by_name("nope").is_none());
    }
}
