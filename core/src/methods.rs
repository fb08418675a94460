//! The checkpoint methods, one file each, and the registry that lists them once.

mod criu;
mod docker;
mod long_running;
mod microlambda;
mod pause;

use crate::method::{MethodDef, MethodId};

/// Every method, in the order the figures show them (legends, boxes, bars). A new method is a
/// new file here and one entry in this list.
pub const ALL: [&MethodDef; 5] = [
    &long_running::DEF,
    &microlambda::DEF,
    &criu::DEF,
    &docker::DEF,
    &pause::DEF,
];

/// The method named `name` (or one of its aliases), if any.
pub fn find(name: &str) -> Option<MethodId> {
    MethodId::parse(name)
}

/// The method named `name`; panics if there is none. For code and tests that name a method
/// of this registry literally, never for user input (use [`find`]).
pub fn named(name: &str) -> MethodId {
    match find(name) {
        Some(m) => m,
        None => panic!("no method {name:?} in the registry"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for m in MethodId::all() {
            let d = m.def();
            assert_eq!(find(d.name()), Some(m));
            assert_eq!(d.id(), m);
            for n in std::iter::once(d.name()).chain(d.aliases().iter().copied()) {
                assert!(seen.insert(n), "{n} named twice");
                assert_eq!(find(n), Some(m));
            }
        }
        assert_eq!(find("podman"), None);
    }

    #[test]
    fn registry_order_is_figure_order() {
        let names: Vec<&str> = MethodId::all().map(MethodId::name).collect();
        assert_eq!(
            names,
            ["long_running", "microlambda", "criu", "docker", "pause"]
        );
        assert!(named("long_running") < named("microlambda"));
        assert!(named("criu") < named("docker"));
    }

    #[test]
    fn a_method_checkpoints_exactly_when_it_has_a_cost_table() {
        for m in MethodId::all() {
            let d = m.def();
            assert_eq!(d.checkpoints(), d.cost_table().is_some(), "{m}");
        }
        assert!(!named("long_running").def().checkpoints());
        assert_eq!(named("docker").def().cost_table(), Some("docker"));
    }

    #[test]
    fn method_ids_serialize_as_their_names() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct W {
            m: MethodId,
        }
        let w = W { m: named("criu") };
        let text = serde_json::to_string(&w).expect("serializes");
        assert_eq!(text, r#"{"m":"criu"}"#);
        assert_eq!(serde_json::from_str::<W>(&text).expect("parses"), w);
        assert!(serde_json::from_str::<W>(r#"{"m":"podman"}"#).is_err());
    }
}
