//! Model files (`models/*.toml`): application models and checkpoint cost models with their
//! provenance. Two are built into the binary: "default" (`models/default.toml`, the model a spec
//! gets when it names none) and "paper" (`models/paper.toml`, the MicroLambda paper's bounds and
//! the developers' assumptions). A spec names one with `experiment.model = "paper"` or gives a
//! path to a model file.

use super::diag::{Diags, FieldPath, Source};
use super::reader::Tab;
use mlsim_core::SimDuration;
use mlsim_core::method::MethodId;
use mlsim_core::scenario::{AppModel, CostModel, SizeModel, TimeDist};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The built-in model a spec gets when it names none: `models/default.toml` as of this build.
pub const BUILTIN: &str = include_str!("../../../models/default.toml");
/// The built-in "paper" model: `models/paper.toml` as of this build.
pub const PAPER: &str = include_str!("../../../models/paper.toml");

/// Built-in models: (name, file it was built from, text).
pub const BUILTINS: [(&str, &str, &str); 2] = [
    ("default", "models/default.toml", BUILTIN),
    ("paper", "models/paper.toml", PAPER),
];

/// Where a spec's model comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelSource {
    /// A built-in model, by name (see [`BUILTINS`]).
    Builtin(&'static str),
    /// A model file on disk.
    File(PathBuf),
}

impl ModelSource {
    /// What `experiment.model = value` names: a bare word (no `/`, no `.`) is a built-in
    /// model's name (`None` if there is no such built-in); anything else a path relative to
    /// `base_dir` (the spec's folder).
    pub fn resolve(value: &str, base_dir: &Path) -> Option<ModelSource> {
        if value.contains('/') || value.contains('.') {
            return Some(ModelSource::File(base_dir.join(value)));
        }
        BUILTINS
            .iter()
            .find(|b| b.0 == value)
            .map(|b| ModelSource::Builtin(b.0))
    }
    /// The model file's text.
    pub fn text(&self) -> std::io::Result<String> {
        match self {
            ModelSource::Builtin(n) => Ok(BUILTINS
                .iter()
                .find(|b| b.0 == *n)
                .map_or(BUILTIN, |b| b.2)
                .to_string()),
            ModelSource::File(p) => {
                mlsim_datasets::limits::read_to_string_capped(p, super::limits::MAX_SPEC_BYTES)
            }
        }
    }
    /// For messages and manifests: `built-in "paper" (models/paper.toml)` or the path.
    pub fn describe(&self) -> String {
        match self {
            ModelSource::Builtin(n) => {
                let file = BUILTINS.iter().find(|b| b.0 == *n).map_or("?", |b| b.1);
                format!("built-in \"{n}\" ({file})")
            }
            ModelSource::File(p) => p.display().to_string(),
        }
    }
}

/// A validated model file.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSet {
    /// `provenance.name` (what made it: the built-in "default" model's is "fitted").
    pub name: String,
    /// What the user calls it, the one name in messages and banners: a built-in model's name
    /// as a spec gives it (`default`, `paper`), or the model file's path.
    pub label: String,
    /// All `provenance` entries, for the result manifest.
    pub provenance: BTreeMap<String, String>,
    /// Applications by name.
    pub apps: BTreeMap<String, AppModel>,
    /// Cost models by method (`[methods.<cost table>]` of each method that checkpoints; each
    /// optional: only specs with that method need it).
    pub methods: BTreeMap<MethodId, CostModel>,
    /// The model file, for messages: its path, or `<built-in "NAME" (models/NAME.toml)>`.
    pub file: String,
    /// Serverless instance starts (`[serverless]`, optional): measured by `mlsim emu starts`.
    pub serverless: Option<Starts>,
}

/// A model file's `[serverless]`: what a cold start and a warm start take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Starts {
    /// Cold start of a function of no memory.
    pub cold_base: SimDuration,
    /// What each MiB of the function's memory adds \[ns/MiB\].
    pub cold_per_mib_ns: f64,
    /// Coefficient of variation of the cold start.
    pub cold_cv: f64,
    /// A warm start.
    pub warm: SimDuration,
}

impl ModelSet {
    /// The cost model of method `id`, if the file has its table.
    pub fn cost(&self, id: MethodId) -> Option<CostModel> {
        self.methods.get(&id).copied()
    }
}

/// Parses and validates a model file, adding every problem to `d`.
pub fn parse(src: &Source, text: &str, d: &mut Diags) -> Option<ModelSet> {
    let table: toml::Table = match toml::from_str(text) {
        Ok(t) => t,
        Err(e) => {
            d.list.push(super::diag::syntax(src, &e));
            return None;
        }
    };
    super::limits::check_values(src, &table, d);
    let mut top = Tab::new(src, FieldPath::default(), &table);
    let mut provenance = BTreeMap::new();
    let mut name = String::from("unnamed");
    match top.table("provenance", d) {
        Some(mut p) => {
            for (k, v) in p_entries(&table) {
                provenance.insert(k, v);
            }
            if let Some(n) = p.str("name", d) {
                name = n.to_string();
            } else {
                p.missing("name", d, "add `name = \"...\"` to [provenance]");
            }
            for k in [
                "description",
                "source",
                "host",
                "kernel",
                "criu",
                "docker",
                "date",
                "git",
                "samples",
                "fitted",
            ] {
                let _ = p.raw(k);
            }
            p.finish(d);
        }
        None => top.missing(
            "provenance",
            d,
            "add a [provenance] table with at least `name`",
        ),
    }
    let mut methods = BTreeMap::new();
    match top.table("methods", d) {
        Some(mut m) => {
            for id in MethodId::all() {
                if let Some(key) = id.def().cost_table()
                    && m.has(key)
                    && let Some(t) = m.table(key, d)
                {
                    methods.insert(id, cost(t, d));
                }
            }
            m.finish(d);
        }
        None => top.missing("methods", d, "add [methods.microlambda] and [methods.criu]"),
    }
    let mut apps = BTreeMap::new();
    match table.get("apps") {
        Some(toml::Value::Table(a)) => {
            let _ = top.raw("apps");
            for (k, v) in a {
                let path = FieldPath::default().key("apps").key(k);
                match v {
                    toml::Value::Table(t) => {
                        if let Some(app) = app(Tab::new(src, path, t), k, d) {
                            apps.insert(k.clone(), app);
                        }
                    }
                    _ => d.push(
                        src,
                        &path,
                        "expected a table",
                        format!("write [apps.{k}] with its keys"),
                    ),
                }
            }
        }
        Some(_) => {
            let p = top.at("apps");
            let _ = top.raw("apps");
            d.push(
                src,
                &p,
                "expected a table of applications",
                "write [apps.NAME] tables",
            );
        }
        None => top.missing("apps", d, "add at least one [apps.NAME] table"),
    }
    let serverless = top.table("serverless", d).map(|mut t| {
        let cold = t.table("cold_start", d).map(|x| timing(x, d));
        if cold.is_none() {
            t.missing(
                "cold_start",
                d,
                "add `cold_start = { base_ms = ..., per_mib_ms = ..., cv = ... }` (what `mlsim emu starts` prints)",
            );
        }
        let warm = t.f64_in("warm_start_ms", d, "ms", 0.0, false, f64::INFINITY, 0.0);
        t.finish(d);
        let (cold_base, cold_per_mib_ns, cold_cv) = cold.unwrap_or_default();
        Starts {
            cold_base,
            cold_per_mib_ns,
            cold_cv,
            warm: SimDuration::from_millis_f64(warm),
        }
    });
    top.finish(d);
    Some(ModelSet {
        label: src.file.display().to_string(),
        name,
        provenance,
        apps,
        methods,
        file: src.file.display().to_string(),
        serverless,
    })
}

fn p_entries(t: &toml::Table) -> Vec<(String, String)> {
    match t.get("provenance") {
        Some(toml::Value::Table(p)) => p
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A time: base [ms], slope [ns/MiB], cv.
fn timing(t: Tab<'_>, d: &mut Diags) -> (SimDuration, f64, f64) {
    let (b, s, c, _) = timing_with(t, d, false);
    (b, s, c)
}

/// [`timing`], and with `share` the CPU shares that scale with the BBU's speed too
/// (`cpu_share` of the fixed part and `per_mib_cpu_share` of the per-MiB part, in [0, 1],
/// default 0; checkpoint and restore times only: elsewhere they are unknown keys).
fn timing_with(mut t: Tab<'_>, d: &mut Diags, share: bool) -> (SimDuration, f64, f64, (f64, f64)) {
    if !t.has("base_ms") {
        t.missing("base_ms", d, "add `base_ms = ...` (fixed part [ms])");
    }
    let base = t.f64_in("base_ms", d, "ms", 0.0, false, f64::INFINITY, 0.0);
    let slope = t.f64_in("per_mib_ms", d, "ms/MiB", 0.0, false, f64::INFINITY, 0.0);
    let cv = t.f64_in("cv", d, "1", 0.0, false, 10.0, 0.0);
    let share = if share {
        (
            t.f64_in("cpu_share", d, "1", 0.0, false, 1.0, 0.0),
            t.f64_in("per_mib_cpu_share", d, "1", 0.0, false, 1.0, 0.0),
        )
    } else {
        (0.0, 0.0)
    };
    t.finish(d);
    (SimDuration::from_millis_f64(base), slope * 1e6, cv, share)
}

fn cost(mut t: Tab<'_>, d: &mut Diags) -> CostModel {
    let c = t.table("checkpoint", d).map(|x| timing_with(x, d, true));
    if c.is_none() {
        t.missing(
            "checkpoint",
            d,
            "add `checkpoint = { base_ms = ..., per_mib_ms = ..., cv = ... }`",
        );
    }
    let r = t.table("restore", d).map(|x| timing_with(x, d, true));
    if r.is_none() {
        t.missing(
            "restore",
            d,
            "add `restore = { base_ms = ..., per_mib_ms = ..., cv = ... }`",
        );
    }
    t.finish(d);
    let (cb, cs, cc, cf) = c.unwrap_or_default();
    let (rb, rs, rc, rf) = r.unwrap_or_default();
    CostModel {
        checkpoint_base: cb,
        checkpoint_per_mib_ns: cs,
        checkpoint_cv: cc,
        restore_base: rb,
        restore_per_mib_ns: rs,
        restore_cv: rc,
        checkpoint_cpu_share: cf.0,
        checkpoint_per_mib_cpu_share: cf.1,
        restore_cpu_share: rf.0,
        restore_per_mib_cpu_share: rf.1,
    }
}

fn size(mut t: Tab<'_>, d: &mut Diags) -> SizeModel {
    if !t.has("base_bytes") {
        t.missing("base_bytes", d, "add `base_bytes = ...` [bytes]");
    }
    let base = t.u64_in("base_bytes", d, 0, u64::MAX >> 1, 0);
    let per_item = t.u64_in("per_item_bytes", d, 0, u64::MAX >> 1, 0);
    let max = t.u64_in("max_bytes", d, 0, u64::MAX >> 1, u64::MAX >> 1);
    if max < base {
        d.push(
            t.src,
            &t.at("max_bytes"),
            format!("max_bytes {max} is below base_bytes {base}"),
            "raise max_bytes or lower base_bytes",
        );
    }
    t.finish(d);
    SizeModel {
        base,
        per_item,
        max,
    }
}

/// A duration distribution: `{ dist = "constant" | "exponential" | "lognormal", mean_ms, cv }`.
fn time_dist(mut it: Tab<'_>, d: &mut Diags) -> TimeDist {
    let dist = it.choice(
        "dist",
        d,
        &["constant", "exponential", "lognormal"],
        "constant",
    );
    if !it.has("mean_ms") {
        it.missing("mean_ms", d, "add `mean_ms = ...` [ms]");
    }
    let mean =
        SimDuration::from_millis_f64(it.f64_in("mean_ms", d, "ms", 0.0, true, f64::INFINITY, 1.0));
    let cv = it.f64_in("cv", d, "1", 0.0, false, 10.0, 0.0);
    it.finish(d);
    match dist {
        "exponential" => TimeDist::Exponential(mean),
        "lognormal" => TimeDist::LogNormal { mean, cv },
        _ => TimeDist::Constant(mean),
    }
}

fn app(mut t: Tab<'_>, name: &str, d: &mut Diags) -> Option<AppModel> {
    let item_label = t.str("item_label", d).unwrap_or("items").to_string();
    let item_time = match t.table("item_time", d) {
        Some(it) => time_dist(it, d),
        None => {
            t.missing(
                "item_time",
                d,
                "add `item_time = { dist = \"lognormal\", mean_ms = ..., cv = ... }`",
            );
            TimeDist::Constant(SimDuration::from_millis(1))
        }
    };
    let setup = t.table("setup", d).map(|x| time_dist(x, d));
    let segments = t.u64_in("segments", d, 1, 1 << 20, 1) as u32;
    let shards = t.u64_in("shards", d, 1, 1024, 1) as u32;
    let join_time =
        SimDuration::from_millis_f64(t.f64_in("join_ms", d, "ms", 0.0, false, f64::INFINITY, 0.0));
    let input_bytes_per_item = t.u64_in("input_bytes_per_item", d, 0, u64::MAX >> 1, 0);
    let first_item_extra_bytes = t.u64_in("first_item_extra_bytes", d, 0, u64::MAX >> 1, 0);
    let output_bytes_per_item = t.u64_in("output_bytes_per_item", d, 0, u64::MAX >> 1, 0);
    let state = t.table("state", d).map(|x| size(x, d));
    if state.is_none() {
        t.missing(
            "state",
            d,
            "add `state = { base_bytes = ..., per_item_bytes = ..., max_bytes = ... }`",
        );
    }
    let state_compression = t.f64_in("state_compression", d, "1", 0.0, true, 1.0, 1.0);
    let rss = t.table("rss", d).map(|x| size(x, d));
    if rss.is_none() {
        t.missing(
            "rss",
            d,
            "add `rss = { base_bytes = ..., per_item_bytes = ..., max_bytes = ... }`",
        );
    }
    let setup_rss = t
        .has("setup_rss_bytes")
        .then(|| t.u64_in("setup_rss_bytes", d, 0, u64::MAX >> 1, 0));
    let image_compression = t.f64_in("image_compression", d, "1", 0.0, true, 1.0, 1.0);
    let size_cv = t.f64_in("size_cv", d, "1", 0.0, false, 10.0, 0.0);
    t.finish(d);
    Some(AppModel {
        name: name.to_string(),
        item_label,
        item_time,
        setup,
        segments,
        shards,
        join_time,
        input_bytes_per_item,
        first_item_extra_bytes,
        output_bytes_per_item,
        state: state?,
        state_compression,
        rss: rss?,
        setup_rss,
        image_compression,
        size_cv,
    })
}

/// Loads and validates a model from `source`, reporting problems against the model file (or,
/// if it cannot be read, against the spec's `model` field).
pub fn load(
    source: &ModelSource,
    d: &mut Diags,
    spec_src: &Source,
    spec_field: &FieldPath,
) -> Option<ModelSet> {
    let text = match source.text() {
        Ok(t) => t,
        Err(e) => {
            d.push(spec_src, spec_field, format!("cannot read model file {}: {e}", source.describe()), "check the path (relative to the spec file), or name a built-in model (\"default\", \"paper\")");
            return None;
        }
    };
    let file = match source {
        ModelSource::Builtin(_) => PathBuf::from(format!("<{}>", source.describe())),
        ModelSource::File(p) => p.clone(),
    };
    let src = Source::new(&file, text.clone());
    let mut m = parse(&src, &text, d)?;
    if let ModelSource::Builtin(n) = source {
        m.label = (*n).to_string();
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paper_model_is_valid_and_inside_the_paper_bounds() {
        let mut d = Diags::default();
        let src = Source::new(Path::new("paper.toml"), PAPER.into());
        let m = parse(&src, PAPER, &mut d).expect("parses");
        assert!(d.is_empty(), "{:?}", d.list);
        assert_eq!(m.name, "paper");
        assert_eq!(
            m.apps.keys().collect::<Vec<_>>(),
            vec!["face", "stress", "taxi"]
        );
        // Paper bounds (Sec. IV-C): μλ < 128 KB (face, stress), < 281 KB (taxi); CRIU > 22 MB
        // (face, stress), > 1.8 MB (taxi); μλ < 10 ms; CRIU ≥ 150 ms.
        for (app, micro_max, criu_min) in [
            ("face", 128_000.0, 22e6),
            ("stress", 128_000.0, 22e6),
            ("taxi", 281_000.0, 1.8e6),
        ] {
            let a = &m.apps[app];
            let micro_bytes = a.state.max as f64 * a.state_compression;
            let criu_bytes = a.rss.base as f64 * a.image_compression;
            assert!(micro_bytes < micro_max, "{app} μλ {micro_bytes}");
            assert!(criu_bytes > criu_min, "{app} CRIU {criu_bytes}");
            assert!(
                m.cost(mlsim_core::methods::named("microlambda"))
                    .expect("μλ")
                    .checkpoint_mean(a.state.max)
                    .as_millis_f64()
                    < 10.0
            );
            assert!(
                m.cost(mlsim_core::methods::named("criu"))
                    .expect("criu")
                    .checkpoint_mean(a.rss.base)
                    .as_millis_f64()
                    >= 150.0
            );
        }
    }

    #[test]
    fn every_builtin_model_is_valid() {
        for (name, file, text) in BUILTINS {
            let mut d = Diags::default();
            let src = Source::new(Path::new(file), text.into());
            assert!(parse(&src, text, &mut d).is_some(), "{name}");
            assert!(d.is_empty(), "{name}: {:?}", d.list);
        }
    }

    #[test]
    fn model_names_and_paths_resolve() {
        let base = Path::new("experiments");
        assert_eq!(
            ModelSource::resolve("paper", base),
            Some(ModelSource::Builtin("paper"))
        );
        assert_eq!(
            ModelSource::resolve("default", base),
            Some(ModelSource::Builtin("default"))
        );
        assert_eq!(ModelSource::resolve("fitted", base), None);
        assert_eq!(
            ModelSource::resolve("../models/x.toml", base),
            Some(ModelSource::File(base.join("../models/x.toml")))
        );
        assert_eq!(ModelSource::Builtin("paper").text().unwrap(), PAPER);
    }

    #[test]
    fn checkpoint_and_restore_times_take_cpu_shares_in_zero_to_one() {
        let with = |ck: &str, rs: &str| {
            format!(
                "[provenance]\nname = \"x\"\n[methods.microlambda]\ncheckpoint = {{ base_ms = 1 }}\nrestore = {{ base_ms = 1 }}\n[methods.criu]\ncheckpoint = {{ base_ms = 100, per_mib_ms = 2{ck} }}\nrestore = {{ base_ms = 50{rs} }}\n[apps.a]\nitem_time = {{ dist = \"constant\", mean_ms = 2 }}\nstate = {{ base_bytes = 1 }}\nrss = {{ base_bytes = 1 }}\n"
            )
        };
        let parse_text = |t: String| {
            let mut d = Diags::default();
            let src = Source::new(Path::new("m.toml"), t.clone());
            let m = parse(&src, &t, &mut d);
            (m, d.list.iter().map(|x| x.to_string()).collect::<Vec<_>>())
        };
        let criu = |m: &ModelSet| m.cost(mlsim_core::methods::named("criu")).expect("criu");
        // Without the keys: no scaling (every model written before them means what it meant).
        let (m, errs) = parse_text(with("", ""));
        assert!(errs.is_empty(), "{errs:?}");
        let c = criu(&m.expect("parses"));
        assert_eq!(
            (c.checkpoint_cpu_share, c.checkpoint_per_mib_cpu_share),
            (0.0, 0.0)
        );
        assert_eq!(
            (c.restore_cpu_share, c.restore_per_mib_cpu_share),
            (0.0, 0.0)
        );
        let (m, errs) = parse_text(with(
            ", cpu_share = 0.97, per_mib_cpu_share = 0.17",
            ", cpu_share = 0.5",
        ));
        assert!(errs.is_empty(), "{errs:?}");
        let c = criu(&m.expect("parses"));
        assert_eq!(
            (c.checkpoint_cpu_share, c.checkpoint_per_mib_cpu_share),
            (0.97, 0.17)
        );
        assert_eq!(
            (c.restore_cpu_share, c.restore_per_mib_cpu_share),
            (0.5, 0.0)
        );
        // A share above 1 names the file, the field and the range.
        let (_, errs) = parse_text(with(", cpu_share = 1.5", ""));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains("m.toml")
                && errs[0].contains("methods.criu.checkpoint.cpu_share")
                && errs[0].contains("between 0 and 1"),
            "{errs:?}"
        );
    }

    #[test]
    fn setup_is_an_optional_duration_distribution() {
        let base = "[provenance]\nname = \"x\"\n[methods.microlambda]\ncheckpoint = { base_ms = 1 }\nrestore = { base_ms = 1 }\n[methods.criu]\ncheckpoint = { base_ms = 1 }\nrestore = { base_ms = 1 }\n[apps.a]\nitem_time = { dist = \"constant\", mean_ms = 2 }\nstate = { base_bytes = 1 }\nrss = { base_bytes = 1 }\n";
        let parse_text = |t: &str| {
            let mut d = Diags::default();
            let src = Source::new(Path::new("m.toml"), t.into());
            let m = parse(&src, t, &mut d);
            (m, d.list.iter().map(|x| x.to_string()).collect::<Vec<_>>())
        };
        let (m, errs) = parse_text(base);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(m.unwrap().apps["a"].setup, None);
        let (m, errs) = parse_text(&format!(
            "{base}setup = {{ dist = \"lognormal\", mean_ms = 1500, cv = 0.1 }}\n"
        ));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            m.unwrap().apps["a"].setup,
            Some(TimeDist::LogNormal {
                mean: SimDuration::from_millis(1500),
                cv: 0.1
            })
        );
        let (_, errs) = parse_text(&format!(
            "{base}setup = {{ dist = \"lognormal\", cv = 0.1 }}\n"
        ));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains("apps.a.setup") && errs[0].contains("mean_ms"),
            "{errs:?}"
        );
        // The set-up's resident memory: optional bytes.
        assert_eq!(parse_text(base).0.unwrap().apps["a"].setup_rss, None);
        let (m, errs) = parse_text(&format!("{base}setup_rss_bytes = 2048\n"));
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(m.unwrap().apps["a"].setup_rss, Some(2048));
        let (_, errs) = parse_text(&format!("{base}setup_rss_bytes = \"20 MB\"\n"));
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("apps.a.setup_rss_bytes"), "{errs:?}");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = "[provenance]\nname = \"x\"\n[methods.microlambda]\ncheckpoint = { base_ms = -1 }\nrestore = { base_ms = 1 }\n[methods.criu]\ncheckpoint = { base_ms = 1 }\nrestore = { base_ms = 1, slope = 2 }\n[apps.a]\nitem_time = { dist = \"gauss\", mean_ms = 1 }\nstate = { base_bytes = 1 }\nrss = { base_bytes = 1 }\n";
        let mut d = Diags::default();
        let src = Source::new(Path::new("m.toml"), text.into());
        let _ = parse(&src, text, &mut d);
        let all: Vec<String> = d.list.iter().map(|x| x.to_string()).collect();
        assert_eq!(all.len(), 3, "{all:#?}");
        assert!(
            all[0].starts_with("m.toml:4:")
                && all[0].contains("methods.microlambda.checkpoint.base_ms"),
            "{}",
            all[0]
        );
        assert!(
            all.iter()
                .any(|e| e.starts_with("m.toml:8:") && e.contains("unknown key `slope`"))
        );
        assert!(
            all.iter()
                .any(|e| e.starts_with("m.toml:10:") && e.contains("unknown value \"gauss\""))
        );
    }
}
