//! The TOML topology format of `mlsim emu topo up FILE`.
//!
//! ```toml
//! hosts = ["ue0", "bbu0", "bbu1"]   # network namespaces, addressed 10.77.0.1, .2, ... in order
//!
//! [[links]]                         # a point-to-point link; each direction gets these values
//! a = "ue0"
//! b = "bbu0"
//! rate_mbit = 10.0                  # [Mbit/s = 10^6 bit/s]; omit for an unshaped link
//! delay_ms = 20.0                   # one-way delay [ms]; default 0
//! loss = 0.0                        # loss probability per frame, in [0, 1); default 0
//!
//! [[links]]
//! a = "bbu0"
//! b = "bbu1"
//! delay_ms = 1.5
//! ```
//!
//! Unknown keys are errors. The same table may also sit under a top-level `[emu.topology]`
//! key of a larger file.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::{HostSpec, LinkSpec, TopologySpec};

/// A topology file that cannot be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum TopoFileError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a valid topology.
    #[error("{path}: {msg}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong and how to fix it.
        msg: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopology {
    hosts: Vec<String>,
    #[serde(default)]
    links: Vec<RawLink>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    a: String,
    b: String,
    rate_mbit: Option<f64>,
    #[serde(default)]
    delay_ms: f64,
    #[serde(default)]
    loss: f64,
}

#[derive(Deserialize)]
struct Wrapped {
    emu: WrappedEmu,
}
#[derive(Deserialize)]
struct WrappedEmu {
    topology: RawTopology,
}

/// Reads a topology file (see the module docs).
pub fn load(path: &Path) -> Result<TopologySpec, TopoFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| TopoFileError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text).map_err(|msg| TopoFileError::Invalid {
        path: path.display().to_string(),
        msg,
    })
}

/// Parses a topology from TOML text (see the module docs); the error says what to fix.
pub fn parse(text: &str) -> Result<TopologySpec, String> {
    let raw = match toml::from_str::<RawTopology>(text) {
        Ok(r) => r,
        Err(e) => match toml::from_str::<Wrapped>(text) {
            Ok(w) => w.emu.topology,
            Err(_) => return Err(format!("not a topology (hosts = [...], [[links]]): {e}")),
        },
    };
    let mut links = Vec::with_capacity(raw.links.len());
    for (j, l) in raw.links.into_iter().enumerate() {
        let rate_bps = match l.rate_mbit {
            None => None,
            Some(r) if r.is_finite() && r > 0.0 && r <= 1e6 => Some((r * 1e6).round() as u64),
            Some(r) => return Err(format!("links[{j}].rate_mbit = {r}: must be in (0, 10^6]")),
        };
        if !(l.delay_ms.is_finite() && (0.0..=10_000.0).contains(&l.delay_ms)) {
            return Err(format!(
                "links[{j}].delay_ms = {}: must be in [0, 10000]",
                l.delay_ms
            ));
        }
        if !(0.0..1.0).contains(&l.loss) {
            return Err(format!(
                "links[{j}].loss = {}: a probability in [0, 1) (not a percentage)",
                l.loss
            ));
        }
        links.push(LinkSpec {
            a: l.a,
            b: l.b,
            rate_bps,
            delay: Duration::from_nanos((l.delay_ms * 1e6).round() as u64),
            loss: l.loss,
        });
    }
    Ok(TopologySpec {
        hosts: raw
            .hosts
            .into_iter()
            .map(|name| HostSpec { name })
            .collect(),
        links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let t = parse(
            r#"
            hosts = ["ue0", "bbu0", "bbu1"]
            [[links]]
            a = "ue0"
            b = "bbu0"
            rate_mbit = 10.0
            delay_ms = 20.0
            [[links]]
            a = "bbu0"
            b = "bbu1"
            delay_ms = 1.5
            "#,
        )
        .expect("valid");
        assert_eq!(t.hosts.len(), 3);
        assert_eq!(t.links[0].rate_bps, Some(10_000_000));
        assert_eq!(t.links[0].delay, Duration::from_millis(20));
        assert_eq!(t.links[1].rate_bps, None);
        assert_eq!(t.links[1].delay, Duration::from_micros(1500));
    }

    #[test]
    fn mistakes_are_named() {
        let e = parse("hosts = [\"a\", \"b\"]\n[[links]]\na = \"a\"\nb = \"b\"\nloss = 5\n")
            .expect_err("loss 5 is invalid");
        assert!(e.contains("links[0].loss"), "{e}");
        let e = parse("hosts = [\"a\"]\nbogus = 1\n").expect_err("unknown key");
        assert!(e.contains("bogus"), "{e}");
        let w = parse("[emu.topology]\nhosts = [\"a\"]\n").expect("wrapped form");
        assert_eq!(w.hosts[0].name, "a");
    }
}
