//! The placement policies, one file each; [`PlacementConfig`], a policy with its parameter
//! values as a typed value; and the registry that maps spec names (and their parameters) to it.
//!
//! The spec layer looks a name up once, checks the parameters against the registry's ranges and
//! makes a [`PlacementConfig`]; the simulator and the emulation build their policy from that
//! value ([`PlacementConfig::build`]), with no name to look up and nothing that can fail.
//!
//! Adding a policy: write `policies/my_policy.rs` with a type implementing [`Placement`], then
//! in this file add a variant to [`PlacementConfig`] (its parameters as fields) with its arms
//! in `build`, `name` and `params`, and one line to [`REGISTRY`] (name, parameters with
//! defaults and ranges, and how to make the variant from their values). Specs can then say
//! `[placement] kind = "my_policy"`.

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
use serde::{Deserialize, Serialize};

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

/// One registered policy: its spec name, its parameters and how to make its
/// [`PlacementConfig`] from their values (given in the order of `params`, already checked
/// against their ranges).
pub struct Entry {
    /// Name as written in specs.
    pub name: &'static str,
    /// Its parameters (may be empty).
    pub params: &'static [Param],
    /// The typed value from one value per parameter, in order.
    pub make: fn(&[f64]) -> PlacementConfig,
}

/// A placement policy and its parameter values: a spec's `[placement]` table once validated
/// (the spec layer checked the name and each value's range). Serialised as the spec writes it:
/// `{ "kind": "forecast_aware", "alpha": 0.5, ... }`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PlacementConfig {
    /// [`ForecastAware`].
    ForecastAware {
        /// Holt's level smoothing (0–1).
        alpha: f64,
        /// Holt's trend smoothing (0–1).
        beta: f64,
        /// Longest look-ahead \[s\].
        max_horizon_s: f64,
    },
    /// [`LeastLoaded`].
    LeastLoaded,
    /// [`Nearest`].
    Nearest,
    /// [`Random`].
    Random,
    /// [`RoundRobin`].
    #[default]
    RoundRobin,
    /// [`SameBbu`].
    SameBbu,
    /// [`TransferAware`].
    TransferAware,
}

impl PlacementConfig {
    /// A fresh policy of this kind with these parameters.
    pub fn build(&self) -> Box<dyn Placement> {
        match *self {
            PlacementConfig::ForecastAware {
                alpha,
                beta,
                max_horizon_s,
            } => Box::new(ForecastAware::new(alpha, beta, max_horizon_s)),
            PlacementConfig::LeastLoaded => Box::new(LeastLoaded),
            PlacementConfig::Nearest => Box::new(Nearest),
            PlacementConfig::Random => Box::new(Random),
            PlacementConfig::RoundRobin => Box::new(RoundRobin::default()),
            PlacementConfig::SameBbu => Box::new(SameBbu::default()),
            PlacementConfig::TransferAware => Box::new(TransferAware),
        }
    }

    /// The policy's spec name (also what its [`Placement::name`] returns).
    pub fn name(&self) -> &'static str {
        match self {
            PlacementConfig::ForecastAware { .. } => "forecast_aware",
            PlacementConfig::LeastLoaded => "least_loaded",
            PlacementConfig::Nearest => "nearest",
            PlacementConfig::Random => "random",
            PlacementConfig::RoundRobin => "round_robin",
            PlacementConfig::SameBbu => "same_bbu",
            PlacementConfig::TransferAware => "transfer_aware",
        }
    }

    /// Its parameters (name, value), in the registry's order.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match *self {
            PlacementConfig::ForecastAware {
                alpha,
                beta,
                max_horizon_s,
            } => vec![
                ("alpha", alpha),
                ("beta", beta),
                ("max_horizon_s", max_horizon_s),
            ],
            _ => Vec::new(),
        }
    }
}

/// Every registered policy, in alphabetical order.
pub const REGISTRY: &[Entry] = &[
    Entry {
        name: "forecast_aware",
        params: forecast_aware::PARAMS,
        make: |p| PlacementConfig::ForecastAware {
            alpha: p[0],
            beta: p[1],
            max_horizon_s: p[2],
        },
    },
    Entry {
        name: "least_loaded",
        params: &[],
        make: |_| PlacementConfig::LeastLoaded,
    },
    Entry {
        name: "nearest",
        params: &[],
        make: |_| PlacementConfig::Nearest,
    },
    Entry {
        name: "random",
        params: &[],
        make: |_| PlacementConfig::Random,
    },
    Entry {
        name: "round_robin",
        params: &[],
        make: |_| PlacementConfig::RoundRobin,
    },
    Entry {
        name: "same_bbu",
        params: &[],
        make: |_| PlacementConfig::SameBbu,
    },
    Entry {
        name: "transfer_aware",
        params: &[],
        make: |_| PlacementConfig::TransferAware,
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
pub fn by_name(name: &str) -> Option<PlacementConfig> {
    let e = entry(name)?;
    let defaults: Vec<f64> = e.params.iter().map(|p| p.default).collect();
    Some((e.make)(&defaults))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_registry_agree_and_every_policy_builds_under_its_name() {
        let reg: Vec<&str> = REGISTRY.iter().map(|e| e.name).collect();
        assert_eq!(reg, NAMES);
        for e in REGISTRY {
            let c = by_name(e.name).expect("registered");
            assert_eq!(c.name(), e.name);
            assert_eq!(c.build().name(), e.name);
            // The typed value has the registry's parameters, in order, at their defaults.
            let want: Vec<(&str, f64)> = e.params.iter().map(|p| (p.name, p.default)).collect();
            assert_eq!(c.params(), want, "{}", e.name);
        }
        assert!(by_name("nope").is_none());
    }

    #[test]
    fn a_config_serialises_as_the_spec_writes_it() {
        let c = PlacementConfig::ForecastAware {
            alpha: 0.2,
            beta: 0.1,
            max_horizon_s: 60.0,
        };
        let j = serde_json::to_string(&c).expect("json");
        assert_eq!(
            j,
            r#"{"kind":"forecast_aware","alpha":0.2,"beta":0.1,"max_horizon_s":60.0}"#
        );
        assert_eq!(
            serde_json::from_str::<PlacementConfig>(&j).expect("back"),
            c
        );
        assert_eq!(
            serde_json::to_string(&PlacementConfig::SameBbu).expect("json"),
            r#"{"kind":"same_bbu"}"#
        );
        assert!(serde_json::from_str::<PlacementConfig>(r#"{"kind":"nope"}"#).is_err());
    }
}
