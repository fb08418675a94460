//! One side of a comparison: a result folder read back (spec, mode, runs, requests), and the
//! checks that two folders come from the same spec.

use super::bail;
use crate::error::{Result, io};
use mlsim_core::record::{Mode, RequestRecord, RunRecord};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The identity of a sweep point: what `runs.csv` says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct PointKey {
    /// Application.
    pub app: String,
    /// Checkpoint method.
    pub method: String,
    /// r_limit \[s\]; `None` for long-running.
    pub r_limit_s: Option<f64>,
    /// Items per request; `None` for a mix of workload classes.
    pub items: Option<u32>,
    /// The swept parameters (`key=value;…`).
    pub params: String,
}

impl std::fmt::Display for PointKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} r_limit {} items {} [{}]",
            self.app,
            self.method,
            self.r_limit_s.map_or("-".into(), |r| r.to_string()),
            self.items.map_or("-".into(), |i| i.to_string()),
            self.params
        )
    }
}

/// A result folder read back.
pub struct Folder {
    /// The folder.
    pub dir: PathBuf,
    /// Its `spec.toml`, parsed.
    pub spec: toml::Table,
    /// Sweep points by index.
    pub points: BTreeMap<u32, PointKey>,
    /// `runs.csv`.
    pub runs: Vec<RunRecord>,
    /// `requests.csv`.
    pub requests: Vec<RequestRecord>,
    /// `bbus.csv` (empty if the folder has none).
    pub bbus: Vec<mlsim_core::record::BbuRecord>,
}

impl Folder {
    /// Reads `dir`, which must hold records of `mode` only (`role` names the argument in
    /// errors: "SIM_DIR" or "EMU_DIR").
    pub fn read(dir: &Path, mode: Mode, role: &str) -> Result<Self> {
        if !dir.join("runs.csv").is_file() {
            bail!(
                "{role} {} is not a finished mlsim result folder (no runs.csv)",
                dir.display()
            );
        }
        let spec_path = dir.join("spec.toml");
        let text = crate::spec::read_text(&spec_path).map_err(io("read", &spec_path))?;
        let spec: toml::Table = match toml::from_str(&text) {
            Ok(t) => t,
            Err(e) => bail!("{role}: {} is not valid TOML: {e}", spec_path.display()),
        };
        let runs = mlsim_plots::read_runs(&dir.join("runs.csv"), "compare")?;
        let requests = mlsim_plots::read_requests(&dir.join("requests.csv"), "compare")?;
        let bbus = if dir.join("bbus.csv").is_file() {
            mlsim_plots::read_bbus(&dir.join("bbus.csv"), "compare")?
        } else {
            Vec::new()
        };
        if let Some(q) = requests.iter().find(|q| q.mode != mode) {
            bail!(
                "{role} {} holds {} records (requests.csv, run {}), not {}: give the simulator's \
                 folder (`mlsim run SPEC`) first and the emulation's (`mlsim emu run SPEC`) second",
                dir.display(),
                mode_name(q.mode),
                q.run,
                mode_name(mode)
            );
        }
        let mut points: BTreeMap<u32, PointKey> = BTreeMap::new();
        for r in &runs {
            let key = PointKey {
                app: r.app.clone(),
                method: r.method.clone(),
                r_limit_s: r.r_limit_s,
                items: r.items,
                params: r.params.clone(),
            };
            match points.get(&r.point) {
                Some(k) if *k != key => bail!(
                    "{role} {}: runs.csv gives point {} two identities ({k} and {key})",
                    dir.display(),
                    r.point
                ),
                Some(_) => {}
                None => {
                    points.insert(r.point, key);
                }
            }
        }
        Ok(Folder {
            dir: dir.to_path_buf(),
            spec,
            points,
            runs,
            requests,
            bbus,
        })
    }

    /// The model its manifest names: `<provenance name> (<file>)`, or `unknown`.
    pub fn model(&self) -> String {
        let m = std::fs::read_to_string(self.dir.join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        let get = |path: &[&str]| {
            let mut v = m.as_ref()?;
            for k in path {
                v = v.get(k)?;
            }
            v.as_str().map(String::from)
        };
        match (
            get(&["model", "provenance", "name"]),
            get(&["model", "file"]),
        ) {
            (Some(n), Some(f)) => format!("\"{n}\" from {f}"),
            (Some(n), None) => format!("\"{n}\""),
            (None, Some(f)) => f,
            (None, None) => "unknown".into(),
        }
    }

    /// The experiment name its spec gives (`[experiment] name`), if any.
    pub fn experiment(&self) -> Option<&str> {
        self.spec.get("experiment")?.get("name")?.as_str()
    }
}

/// The name of a mode as the records write it.
pub fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Sim => "sim",
        Mode::Emu => "emu",
    }
}

/// Keys of `[experiment]` that may differ between the two sides: the model file (the
/// emulation does not use it; the simulator's is what is being judged) and the figures drawn.
const FREE_KEYS: [&str; 2] = ["model", "figures"];

/// Whether a difference found by [`differences`] is a BBU's speed (`bbu.speed`,
/// `bbu_override[i].speed`): a simulator's folder of the emulation's spec with the BBUs at the
/// emulation host's speed models that host ([`Speeds::Differ`]).
fn is_speed(diff: &str) -> bool {
    let key = diff.split(' ').next().unwrap_or_default();
    key == "bbu.speed" || (key.starts_with("bbu_override[") && key.ends_with("].speed"))
}

/// Whether the two folders' BBU speeds may differ ([`check_same_spec`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speeds {
    /// They must not.
    Same,
    /// They may: the answer says where they do.
    Differ,
}

/// Refuses two folders that do not come from the same spec (the parsed `spec.toml`, except
/// `FREE_KEYS`: the model file and the figures) and the same sweep points. With
/// [`Speeds::Differ`], specs that differ only in BBU speeds are accepted, and the differences
/// come back (empty when there are none) for the caller to say.
pub fn check_same_spec(sim: &Folder, emu: &Folder, speeds: Speeds) -> Result<Vec<String>> {
    let strip = |t: &toml::Table| {
        let mut t = t.clone();
        if let Some(toml::Value::Table(e)) = t.get_mut("experiment") {
            for k in FREE_KEYS {
                e.remove(k);
            }
        }
        toml::Value::Table(t)
    };
    let mut diffs = Vec::new();
    differences("", &strip(&sim.spec), &strip(&emu.spec), &mut diffs);
    let speed_diffs: Vec<String> = match speeds {
        Speeds::Differ => diffs.iter().filter(|d| is_speed(d)).cloned().collect(),
        Speeds::Same => Vec::new(),
    };
    diffs.retain(|d| !speed_diffs.contains(d));
    if !diffs.is_empty() {
        let shown: Vec<String> = diffs.iter().take(5).cloned().collect();
        bail!(
            "{} and {} come from different specs: their spec.toml differ at {}{}; compare the \
             folders of one spec (e.g. `mlsim run EMU_DIR/spec.toml --out SIM_DIR`)",
            sim.dir.join("spec.toml").display(),
            emu.dir.join("spec.toml").display(),
            shown.join(", "),
            if diffs.len() > 5 {
                format!(" and {} more", diffs.len() - 5)
            } else {
                String::new()
            }
        );
    }
    for (p, k) in &sim.points {
        match emu.points.get(p) {
            None => bail!(
                "point {p} ({k}) is in {} but not in {}",
                sim.dir.display(),
                emu.dir.display()
            ),
            Some(e) if e != k => bail!(
                "point {p} differs: {k} in {} but {e} in {}",
                sim.dir.display(),
                emu.dir.display()
            ),
            Some(_) => {}
        }
    }
    if let Some((p, k)) = emu.points.iter().find(|(p, _)| !sim.points.contains_key(p)) {
        bail!(
            "point {p} ({k}) is in {} but not in {}",
            emu.dir.display(),
            sim.dir.display()
        );
    }
    Ok(speed_diffs)
}

/// `v` as TOML, cut to 40 characters.
fn short(v: &toml::Value) -> String {
    let t = v.to_string();
    if t.chars().count() > 40 {
        format!("{}…", t.chars().take(39).collect::<String>())
    } else {
        t
    }
}

/// Appends to `out` the dotted paths where `a` and `b` differ (`experiment.replications (3 vs 1)`).
fn differences(path: &str, a: &toml::Value, b: &toml::Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (toml::Value::Table(x), toml::Value::Table(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => differences(&join(k), u, v, out),
                    // A table on one side only: each of its keys, by name.
                    (Some(u @ toml::Value::Table(_)), None) => {
                        differences(&join(k), u, &toml::Value::Table(toml::Table::new()), out)
                    }
                    (None, Some(v @ toml::Value::Table(_))) => {
                        differences(&join(k), &toml::Value::Table(toml::Table::new()), v, out)
                    }
                    (Some(_), None) => out.push(format!("{} (only in the first)", join(k))),
                    (None, Some(_)) => out.push(format!("{} (only in the second)", join(k))),
                    (None, None) => {}
                }
            }
        }
        (toml::Value::Array(x), toml::Value::Array(y)) => {
            if x.len() != y.len() {
                out.push(format!("{path} ({} vs {} entries)", x.len(), y.len()));
            }
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), u, v, out);
            }
        }
        _ if a != b => out.push(format!("{path} ({} vs {})", short(a), short(b))),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bbu_speeds_count_as_speeds() {
        let mut diffs = Vec::new();
        let a: toml::Value = toml::from_str(
            "[bbu]\nspeed = 0.6\ncores = 2\n[[bbu_override]]\nids = [2]\nspeed = 0.3\n[x]\nspeed = 1\n",
        )
        .unwrap();
        let b: toml::Value = toml::from_str(
            "[bbu]\ncores = 4\n[[bbu_override]]\nids = [2]\nspeed = 0.5\n[x]\nspeed = 2\n",
        )
        .unwrap();
        differences("", &a, &b, &mut diffs);
        let speeds: Vec<&String> = diffs.iter().filter(|d| is_speed(d)).collect();
        assert_eq!(
            speeds,
            [
                "bbu.speed (only in the first)",
                "bbu_override[0].speed (0.3 vs 0.5)"
            ]
        );
        // Cores and another table's `speed` are not BBU speeds.
        assert_eq!(diffs.len(), 4, "{diffs:?}");
    }
}
