//! The placement columns of `runs.csv` and `requests.csv`: `placement` (the policy's name, so a
//! researcher can group by policy without joining files) and one `placement_<param>` column per
//! parameter of the policies a result folder's runs use.
//!
//! The set of parameter columns is a property of the whole folder (every run file of it has the
//! same header, so they merge): the parameters of every policy that occurs in the spec's runs,
//! policies in registry order, each policy's parameters in their order, each name once. A run
//! whose policy lacks a parameter leaves its column empty. A folder whose runs use only
//! policies without parameters gets no parameter column.

use crate::policies::{PlacementConfig, REGISTRY};

/// The parameter columns of a result folder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacementColumns {
    params: Vec<&'static str>,
}

impl PlacementColumns {
    /// The columns for a folder whose runs use `policies` (any order, repeats allowed).
    pub fn of<'a>(policies: impl IntoIterator<Item = &'a PlacementConfig>) -> Self {
        let used: Vec<&'static str> = policies.into_iter().map(PlacementConfig::name).collect();
        let mut params: Vec<&'static str> = Vec::new();
        for e in REGISTRY.iter().filter(|e| used.contains(&e.name)) {
            for p in e.params {
                if !params.contains(&p.name) {
                    params.push(p.name);
                }
            }
        }
        PlacementColumns { params }
    }

    /// The parameter column names: `placement_<param>`, in order.
    pub fn headers(&self) -> Vec<String> {
        self.params
            .iter()
            .map(|p| format!("placement_{p}"))
            .collect()
    }

    /// The values of a run with policy `p`, one per parameter column (`None`: its policy has
    /// no such parameter).
    pub fn values(&self, p: &PlacementConfig) -> Vec<Option<f64>> {
        let own = p.params();
        self.params
            .iter()
            .map(|name| own.iter().find(|(n, _)| n == name).map(|(_, v)| *v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_the_parameters_of_the_policies_that_occur() {
        let fa = PlacementConfig::ForecastAware {
            alpha: 0.2,
            beta: 0.1,
            max_horizon_s: 60.0,
        };
        // Only policies without parameters: no parameter column.
        let none = PlacementColumns::of(&[PlacementConfig::RoundRobin, PlacementConfig::Random]);
        assert!(none.headers().is_empty());
        assert!(none.values(&fa).is_empty());
        // forecast_aware occurs (twice): its three parameters, in its order; a run of another
        // policy leaves them empty.
        let cols = PlacementColumns::of(&[PlacementConfig::SameBbu, fa.clone(), fa.clone()]);
        assert_eq!(
            cols.headers(),
            [
                "placement_alpha",
                "placement_beta",
                "placement_max_horizon_s"
            ]
        );
        assert_eq!(cols.values(&fa), [Some(0.2), Some(0.1), Some(60.0)]);
        assert_eq!(cols.values(&PlacementConfig::SameBbu), [None, None, None]);
    }
}
