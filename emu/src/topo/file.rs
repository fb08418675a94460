//! The TOML topology format of `mlsim emu topo up FILE`.
//!
//! ```toml
//! hosts = ["ue0", "bbu0", "bbu1"]   # network namespaces, addressed 10.77.0.1, .2, ... in order
//!
//! [[links]]                         # a point-to-point link; each direction gets these values
//! a = "ue0"
//! b = "bbu0"
//! rate_mbit = 10.0                  # [Mbit/s = 10^6 bit/s]; omit for an unshaped link
//! delay_ms = 20.0                   # one-way delay \[ms\]; default 0
//! loss = 0.0                        # loss probability per frame, in [0, 1); default 0
//!
//! [[links]]
//! a = "bbu0"
//! b = "bbu1"
//! delay_ms = 1.5
//! ```
//!
//! Switches (shared segments, Linux bridges) are nodes too; a link with a switch at one end
//! attaches a host to it, shaped like a link (its rate, delay and loss apply between the host and
//! the bridge, each direction):
//!
//! ```toml
//! hosts = ["ctl", "w0", "w1"]
//! switches = ["pool"]               # the hosts on "pool" share 10.78.0.0/24
//!
//! [[links]]
//! a = "ctl"
//! b = "pool"                        # unshaped attachment
//!
//! [[links]]
//! a = "w0"
//! b = "pool"
//! rate_mbit = 20.0
//! delay_ms = 5.0                    # w0 -> ctl: 5 ms; w0 -> w1: 5 ms + w1's attachment delay
//! ```
//!
//! Names are checked: every link end must be a declared host or switch, a host attaches to a
//! switch at most once, and two switches cannot be linked directly. Unknown keys are errors. The same table may also sit under a top-level `[emu.topology]`
//! key of a larger file.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use super::{HostSpec, LinkSpec, SwitchSpec, TopoError, TopologySpec, validate};

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
    switches: Vec<String>,
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
    let text = mlsim_datasets::limits::read_to_string_capped(path, 1 << 20).map_err(|source| {
        TopoFileError::Read {
            path: path.display().to_string(),
            source,
        }
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
            Err(_) => {
                return Err(format!(
                    "not a topology (hosts = [...], switches = [...], [[links]]): {e}"
                ));
            }
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
    let spec = TopologySpec {
        hosts: raw
            .hosts
            .into_iter()
            .map(|name| HostSpec { name })
            .collect(),
        switches: raw
            .switches
            .into_iter()
            .map(|name| SwitchSpec { name })
            .collect(),
        links,
    };
    match validate::validate(&spec) {
        Ok(()) => Ok(spec),
        Err(TopoError::Invalid(m)) => Err(m),
        Err(e) => Err(e.to_string()),
    }
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

    #[test]
    fn the_shipped_topology_files_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("topologies");
        for name in ["example.toml", "switch.toml"] {
            let t = load(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
            assert!(!t.hosts.is_empty(), "{name}");
        }
        let t = load(&dir.join("switch.toml")).expect("valid");
        assert_eq!(t.switches.len(), 1);
    }

    #[test]
    fn switches_parse_and_their_mistakes_name_the_field() {
        let t = parse(
            r#"
            hosts = ["ctl", "w0", "w1"]
            switches = ["pool"]
            [[links]]
            a = "ctl"
            b = "pool"
            [[links]]
            a = "w0"
            b = "pool"
            rate_mbit = 20.0
            delay_ms = 5.0
            [[links]]
            a = "pool"
            b = "w1"
            "#,
        )
        .expect("valid");
        assert_eq!(t.switches[0].name, "pool");
        assert_eq!(t.links[1].delay, Duration::from_millis(5));
        let base = "hosts = [\"a\", \"b\"]\nswitches = [\"pool\"]\n";
        let link = |a: &str, b: &str| format!("[[links]]\na = \"{a}\"\nb = \"{b}\"\n");
        let e = parse(&format!("{base}{}", link("a", "pol"))).expect_err("unknown switch");
        assert!(
            e.contains("links[0].b = \"pol\"") && e.contains("switches = [...]"),
            "{e}"
        );
        let e = parse(&format!("{base}{}{}", link("a", "pool"), link("pool", "a")))
            .expect_err("attached twice");
        assert!(
            e.contains("links[1]: host \"a\" is already attached"),
            "{e}"
        );
        let e =
            parse("hosts = [\"a\"]\nswitches = [\"s\", \"t\"]\n[[links]]\na = \"s\"\nb = \"t\"\n")
                .expect_err("switch-switch");
        assert!(
            e.contains("switch-to-switch links are not supported"),
            "{e}"
        );
        let dir = std::env::temp_dir().join(format!("mlsim-topo-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let f = dir.join("bad.toml");
        std::fs::write(&f, format!("{base}{}", link("a", "pol"))).expect("write");
        let e = load(&f).expect_err("invalid file").to_string();
        assert!(
            e.starts_with(&f.display().to_string()) && e.contains("links[0].b"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
