//! Experiment specs: a TOML file → a validated [`Spec`] (all of its sweep points as scenarios).
//!
//! The TOML is parsed once into a raw value tree; each sweep point applies its values to a copy
//! and is validated into a [`mlsim_core::scenario::Scenario`]. Every problem in every point is
//! collected (and deduplicated) before anything is reported, each with file, line, field and
//! fix. A spec with any problem runs nothing.

pub mod diag;
pub mod estimate;
pub mod limits;
pub mod load;
pub mod model_file;
pub mod overrides;
pub mod reader;
pub mod scenario;
pub mod serverless;
pub mod suspend;

use diag::{Diag, Diags, FieldPath, Source};
use mlsim_core::scenario::Scenario;
use mlsim_core::{SimDuration, SimTime};
use model_file::ModelSet;
use reader::{Tab, type_name};
use std::path::{Path, PathBuf};

pub use mlsim_core::backend::{RunKind, RunPlan};

/// One sweep point.
#[derive(Clone, Debug)]
pub struct Point {
    /// Point index, in sweep order.
    pub index: u32,
    /// The swept values, `key=value` in axis order.
    pub params: Vec<(String, String)>,
    /// The scenario (its seed is set per replication).
    pub scenario: Scenario,
}

/// A validated experiment spec.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The spec file.
    pub file: PathBuf,
    /// Its text, copied into the result folder.
    pub text: String,
    /// `experiment.name` (default: the file stem).
    pub name: String,
    /// What runs.
    pub kind: RunKind,
    /// `experiment.seed`.
    pub seed: u64,
    /// `experiment.replications`.
    pub replications: u32,
    /// Figures to draw after the runs.
    pub figures: Vec<String>,
    /// The model file in use.
    pub model: ModelSet,
    /// Where the model comes from (a built-in model or a file).
    pub model_source: model_file::ModelSource,
    /// The sweep points.
    pub points: Vec<Point>,
    /// Every run, point-major: built once from the points and replications.
    runs: Vec<RunPlan>,
    /// What the runs are estimated to cost (events, output, peak memory).
    pub estimate: estimate::Estimate,
}

/// How a spec is checked besides its text.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--model`: replaces `experiment.model` (see [`load_with_model`]).
    pub model: Option<String>,
    /// `--speed-scale`: multiplies every BBU's speed ([`overrides::with_speed_scale`]).
    pub speed_scale: Option<f64>,
    /// `--force`: run even when the estimated peak memory exceeds the available memory (the
    /// fixed caps of [`limits`] still hold).
    pub force: bool,
    /// Runs at a time, for the peak-memory estimate (default: the machine's cores).
    pub jobs: usize,
    /// The memory the runs may use \[bytes\] (default: [`estimate::available_memory`]; `None`:
    /// not checked).
    pub memory: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            model: None,
            speed_scale: None,
            force: false,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory: estimate::available_memory(),
        }
    }
}

impl Spec {
    /// All runs, point-major (the run plan, built once when the spec is read).
    pub fn runs(&self) -> &[RunPlan] {
        &self.runs
    }

    /// The scenario of a run.
    pub fn scenario(&self, plan: &RunPlan) -> Scenario {
        let mut sc = self.points[plan.point as usize].scenario.clone();
        sc.seed = plan.seed;
        sc
    }
}

/// The run plan of `points` × `replications`, point-major; run `r`'s seed depends on the
/// experiment seed and its replication only.
fn plan(points: &[Point], replications: u32, seed: u64) -> Vec<RunPlan> {
    let mut v = Vec::with_capacity(points.len() * replications as usize);
    for p in points {
        for r in 0..replications {
            v.push(RunPlan {
                run: p.index * replications + r,
                point: p.index,
                replication: r,
                seed: mlsim_core::rng::derive_seed(seed, &format!("replication/{r}")),
            });
        }
    }
    v
}

/// A spec could not be used: every problem found.
#[derive(Debug)]
pub struct SpecErrors(pub Vec<Diag>);

impl std::fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in the spec:",
            if n == 1 { "" } else { "s" }
        )?;
        for d in &self.0 {
            writeln!(f, "  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

/// Names the figures the plots crate can draw.
pub fn known_figures() -> Vec<&'static str> {
    mlsim_plots::Figure::ALL.iter().map(|f| f.name()).collect()
}

/// The text of a spec, model or topology file, at most [`limits::MAX_SPEC_BYTES`] (a larger or
/// endless file is an [`std::io::ErrorKind::InvalidData`] error naming the cap).
pub fn read_text(path: &Path) -> std::io::Result<String> {
    mlsim_datasets::limits::read_to_string_capped(path, limits::MAX_SPEC_BYTES)
}

/// The text of spec file `path` (at most [`limits::MAX_SPEC_BYTES`], read through a capped
/// reader), or the error that names it.
fn read_spec(path: &Path) -> Result<String, SpecErrors> {
    let fail = |message: String, fix: &str| {
        SpecErrors(vec![Diag {
            file: path.to_path_buf(),
            pos: None,
            field: "(file)".into(),
            message,
            fix: fix.into(),
        }])
    };
    let bytes = mlsim_datasets::limits::read_capped(
        path,
        "spec",
        limits::MAX_SPEC_BYTES,
        "a spec is a short TOML file: is this the right file?",
    )
    .map_err(|e| match e {
        mlsim_datasets::ReadError::Io { source, .. } => fail(
            format!("cannot read the spec: {source}"),
            "check the path (relative to the working directory)",
        ),
        other => fail(
            format!("cannot read the spec: {other}"),
            "give the spec file (TOML)",
        ),
    })?;
    spec_text(bytes).map_err(|(message, fix)| fail(message, fix))
}

/// A spec file's bytes as text: UTF-8 (a UTF-8 byte-order mark is dropped), or why not and
/// what to do, naming the encoding an editor probably saved it in.
pub fn spec_text(mut bytes: Vec<u8>) -> Result<String, (String, &'static str)> {
    const RECODE: &str = "save the spec as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8 old.toml > spec.toml`, or \"Save with encoding: UTF-8\" in the editor)";
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    let utf16 = match bytes.as_slice() {
        [0xFF, 0xFE, ..] => Some("UTF-16 little-endian (it starts with the byte-order mark FF FE)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 big-endian (it starts with the byte-order mark FE FF)"),
        // ASCII text in UTF-16 without a mark: every other byte is zero.
        [a, 0, b, 0, ..] if a.is_ascii() && b.is_ascii() => Some("UTF-16 little-endian"),
        [0, a, 0, b, ..] if a.is_ascii() && b.is_ascii() => Some("UTF-16 big-endian"),
        _ => None,
    };
    if let Some(enc) = utf16 {
        return Err((
            format!("the spec is not UTF-8 text: it looks like {enc}"),
            RECODE,
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        (
            format!("the spec is not UTF-8 text: invalid byte 0x{:02X} at byte {at} (line {line}); TOML files are UTF-8", e.as_bytes()[at]),
            "save the spec as UTF-8 (Latin-1 or Windows-1252 text: `iconv -f WINDOWS-1252 -t UTF-8 old.toml > spec.toml`)",
        )
    })
}

/// Reads and validates a spec file (with the default [`Options`]: the machine's available
/// memory bounds the estimated peak memory).
pub fn load(path: &Path) -> Result<Spec, SpecErrors> {
    load_with(path, &Options::default())
}

/// Reads and validates a spec file with `opts` (`--model`, `--force`).
pub fn load_with(path: &Path, opts: &Options) -> Result<Spec, SpecErrors> {
    let text = read_spec(path)?;
    let text = match &opts.model {
        None => text,
        Some(m) => overrides::with_model(text, m)?,
    };
    let text = match opts.speed_scale {
        None => text,
        Some(f) => overrides::with_speed_scale(path, text, f)?,
    };
    parse_with(path, text, opts)
}

/// Reads and validates a spec file, with `experiment.model` replaced by `model` (a built-in
/// model's name, or a model file's path relative to the working directory): `mlsim run
/// --model`. The spec text the result folder keeps says the model used.
pub fn load_with_model(path: &Path, model: Option<&str>) -> Result<Spec, SpecErrors> {
    load_with(
        path,
        &Options {
            model: model.map(str::to_string),
            ..Options::default()
        },
    )
}

/// Validates spec text (`path` names it in diagnostics and anchors relative paths), with the
/// default [`Options`].
pub fn parse(path: &Path, text: String) -> Result<Spec, SpecErrors> {
    parse_with(path, text, &Options::default())
}

/// Validates spec text with `opts` (`opts.model` is not applied here: see [`load_with`]).
pub fn parse_with(path: &Path, text: String, opts: &Options) -> Result<Spec, SpecErrors> {
    if text.len() as u64 > limits::MAX_SPEC_BYTES {
        return Err(SpecErrors(vec![Diag {
            file: path.to_path_buf(),
            pos: None,
            field: "(file)".into(),
            message: format!(
                "the spec has {} bytes, more than the limit of {} bytes",
                text.len(),
                limits::MAX_SPEC_BYTES
            ),
            fix: "a spec is a short TOML file: is this the right file?".into(),
        }]));
    }
    let src = Source::new(path, text.clone());
    let mut d = Diags::default();
    let table: toml::Table = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => return Err(SpecErrors(vec![diag::syntax(&src, &e)])),
    };
    if table.is_empty() {
        return Err(SpecErrors(vec![Diag {
            file: path.to_path_buf(),
            pos: None,
            field: "(file)".into(),
            message: "the spec is empty: no table, no key (only blanks or comments)".into(),
            fix: "start from an example, e.g. `cp experiments/fig6.toml my.toml`, and see the README's Spec reference".into(),
        }]));
    }
    // Strings, keys and block counts first: everything after is linear in a bounded input.
    limits::check_values(&src, &table, &mut d);
    if !d.is_empty() {
        return Err(SpecErrors(d.into_sorted()));
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let empty = toml::Table::new();
    let mut top = Tab::new(&src, FieldPath::default(), &table);
    let mut e = top
        .table("experiment", &mut d)
        .unwrap_or_else(|| Tab::new(&src, FieldPath::default().key("experiment"), &empty));
    let name = e
        .str("name", &mut d)
        .map(str::to_string)
        .unwrap_or_else(|| {
            path.file_stem()
                .map_or("experiment".into(), |s| s.to_string_lossy().into_owned())
        });
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        d.push(
            &src,
            &e.at("name"),
            format!("\"{name}\" cannot name a result folder"),
            "use letters, digits, '-' and '_'",
        );
    }
    let kind_name = e.choice(
        "kind",
        &mut d,
        &["protocol", "checkpoint_probe", "suspend", "serverless"],
        "protocol",
    );
    let seed = e.u64_in("seed", &mut d, 0, i64::MAX as u64, 1);
    let replications = e.u64_lim("replications", &limits::REPLICATIONS, &mut d, 1) as u32;
    let samples = e.u64_lim("samples", &limits::SAMPLES, &mut d, 50) as u32;
    let kind = match kind_name {
        "checkpoint_probe" => RunKind::CheckpointProbe { samples },
        "suspend" => RunKind::Suspend,
        "serverless" => RunKind::Serverless,
        _ => RunKind::Protocol,
    };
    let figures = read_figures(&mut e, &src, &mut d);
    let horizon = if e.has("horizon_s") {
        SimTime::ZERO
            + SimDuration::from_secs_f64(e.f64_lim("horizon_s", &limits::HORIZON_S, &mut d, 1.0))
    } else {
        SimTime::MAX
    };
    let model_field = e.at("model");
    let model_source = match e.str("model", &mut d) {
        None => Some(model_file::ModelSource::Builtin("default")),
        Some(m) => {
            let r = model_file::ModelSource::resolve(m, &base_dir);
            if r.is_none() {
                d.push(
                    &src,
                    &model_field,
                    format!("unknown built-in model {m:?}"),
                    "use \"default\" or \"paper\", or give a path to a model file (e.g. \"../models/my.toml\")",
                );
            }
            r
        }
    };
    e.finish(&mut d);
    let model = model_source
        .as_ref()
        .and_then(|m| model_file::load(m, &mut d, &src, &model_field));

    // The sweep: blocks of axes; each leaf an array of values.
    let mut blocks: Vec<Vec<(FieldPath, FieldPath, Vec<toml::Value>)>> = Vec::new();
    match table.get("sweep") {
        None => {}
        Some(toml::Value::Array(arr)) => {
            for (i, b) in arr.iter().enumerate() {
                let at = FieldPath::default().key("sweep").index(i);
                match b.as_table() {
                    Some(t) => {
                        let mut axes = Vec::new();
                        collect_axes(&src, t, &FieldPath::default(), &at, &mut axes, &mut d);
                        if axes.is_empty() && t.is_empty() {
                            d.push(&src, &at, "empty sweep block", "add axes such as `workload = { items = [10, 20] }`, or remove the block");
                        }
                        blocks.push(axes);
                    }
                    None => d.push(
                        &src,
                        &at,
                        format!("expected a table, found {}", type_name(b)),
                        "write [[sweep]] blocks",
                    ),
                }
            }
        }
        Some(v) => d.push(
            &src,
            &FieldPath::default().key("sweep"),
            format!("expected [[sweep]] blocks, found {}", type_name(v)),
            "write each block as [[sweep]] followed by its axes",
        ),
    }
    let _ = top.raw("sweep");
    for k in scenario::SECTIONS {
        let _ = top.raw(k);
    }
    top.finish(&mut d);

    let (Some(model), Some(model_source)) = (model, model_source) else {
        return Err(SpecErrors(d.into_sorted()));
    };
    // Points and runs from the axes' lengths, before a single point is built.
    let n_points = if blocks.is_empty() {
        1
    } else {
        blocks
            .iter()
            .map(|b| {
                b.iter()
                    .fold(1u64, |n, (_, _, v)| n.saturating_mul(v.len() as u64))
            })
            .fold(0u64, u64::saturating_add)
    };
    let n_runs = n_points.saturating_mul(replications as u64);
    if n_points > limits::MAX_POINTS {
        d.push(
            &src,
            &FieldPath::default().key("sweep"),
            format!(
                "the sweep has {n_points} points, more than the limit of {}",
                limits::MAX_POINTS
            ),
            "sweep fewer values (each [[sweep]] block gives the product of its axes' lengths), or split the study into several specs",
        );
    } else if n_runs > limits::MAX_RUNS {
        d.push(
            &src,
            &FieldPath::default().key("experiment").key("replications"),
            format!(
                "{n_points} points × {replications} replications = {n_runs} runs, more than the limit of {}",
                limits::MAX_RUNS
            ),
            format!(
                "lower [experiment] replications to {} or less, or sweep fewer values in [[sweep]]",
                (limits::MAX_RUNS / n_points.max(1)).max(1)
            ),
        );
    }
    if !d.is_empty() {
        return Err(SpecErrors(d.into_sorted()));
    }
    let mut traces = scenario::TraceCache::new();
    let mut points = Vec::new();
    let combos: Vec<Vec<(FieldPath, FieldPath, toml::Value)>> = if blocks.is_empty() {
        vec![Vec::new()]
    } else {
        blocks.iter().flat_map(|b| cartesian(b)).collect()
    };
    let mut point_bbus = 0u64;
    let mut costs = Vec::new();
    for combo in combos {
        let mut t = table.clone();
        let mut ok = true;
        for (p, from, v) in &combo {
            if let Err(m) = set_path(&mut t, p, v.clone()) {
                d.push(&src, from, m, "sweep only keys whose parents are tables");
                ok = false;
            }
        }
        if !ok {
            continue;
        }
        d.overrides = combo
            .iter()
            .map(|(p, from, v)| (p.clone(), from.clone(), v.to_string()))
            .collect();
        let mut cx = scenario::Ctx {
            src: &src,
            model: &model,
            base_dir: &base_dir,
            traces: &mut traces,
            kind,
        };
        let sc = scenario::build(&t, seed, horizon, &mut cx, &mut d);
        d.overrides.clear();
        if let Some(sc) = sc {
            if matches!(kind, RunKind::CheckpointProbe { .. })
                && sc.checkpoint.method.cost().is_none()
            {
                d.push(
                    &src,
                    &FieldPath::default().key("checkpoint").key("method"),
                    "a checkpoint probe needs a checkpointing method",
                    "use \"microlambda\" or \"criu\"",
                );
                continue;
            }
            point_bbus += sc.topology.bbus.len() as u64;
            if point_bbus > limits::MAX_POINT_BBUS {
                d.push(
                    &src,
                    &FieldPath::default().key("topology").key("bbus"),
                    format!(
                        "the sweep points hold more than {} BBUs together (point {} has {})",
                        limits::MAX_POINT_BBUS,
                        points.len(),
                        sc.topology.bbus.len()
                    ),
                    "use fewer BBUs or fewer sweep points",
                );
                break;
            }
            costs.push(estimate::point(kind, &sc));
            let params = combo
                .iter()
                .map(|(p, _, v)| (p.to_string(), v.to_string().trim_matches('"').to_string()))
                .collect();
            points.push(Point {
                index: points.len() as u32,
                params,
                scenario: sc,
            });
        }
    }
    if !d.is_empty() {
        return Err(SpecErrors(d.into_sorted()));
    }
    let estimate = estimate::total(&costs, replications, opts.jobs);
    if let Some(avail) = opts.memory
        && !opts.force
        && estimate.peak_memory > avail
    {
        return Err(SpecErrors(vec![memory_diag(
            &src, &estimate, avail, &costs, kind,
        )]));
    }
    let runs = plan(&points, replications, seed);
    Ok(Spec {
        file: path.to_path_buf(),
        text,
        name,
        kind,
        seed,
        replications,
        figures,
        model,
        model_source,
        points,
        runs,
        estimate,
    })
}

/// The problem of a spec whose estimated peak memory exceeds `avail`: names the estimate and
/// the key that drives it.
fn memory_diag(
    src: &Source,
    e: &estimate::Estimate,
    avail: f64,
    costs: &[estimate::PointCost],
    kind: RunKind,
) -> Diag {
    let largest_run = e.largest_run_memory * 2.0 > e.peak_memory;
    let (key, what): (FieldPath, &str) = if largest_run {
        match kind {
            RunKind::Protocol => (
                FieldPath::default().key("workload").key("requests"),
                "lower `requests` (or items, BBUs, horizon_s) of the largest point, or run fewer at a time with `--jobs 1`",
            ),
            RunKind::Suspend => (
                FieldPath::default().key("functions").key("events"),
                "lower [functions] `count` or `events`",
            ),
            RunKind::Serverless => (
                FieldPath::default().key("serverless").key("functions"),
                "lower the functions' `count`, or the BBUs",
            ),
            RunKind::CheckpointProbe { .. } => (
                FieldPath::default().key("experiment").key("samples"),
                "lower [experiment] `samples`",
            ),
        }
    } else if costs.len() > 1 {
        (
            FieldPath::default().key("sweep"),
            "sweep fewer values in [[sweep]], lower [experiment] replications, or make each run smaller ([workload] requests or items, [functions] count or events)",
        )
    } else {
        (
            FieldPath::default().key("experiment").key("replications"),
            "lower [experiment] replications, or make each run smaller ([workload] requests or items, [functions] count or events)",
        )
    };
    Diag {
        file: src.file.clone(),
        pos: src.locate(&key),
        field: key.to_string(),
        message: format!(
            "the runs are estimated to need {} of memory at their peak ({}), more than the {} available",
            estimate::bytes(e.peak_memory),
            e.summary(),
            estimate::bytes(avail)
        ),
        fix: format!(
            "{what}; or give `--force` to run anyway (the estimate is rough: see the README's \"Limits and estimates\")"
        ),
    }
}

/// `experiment.figures`, each checked against the figures mlsim draws.
fn read_figures(e: &mut Tab<'_>, src: &Source, d: &mut Diags) -> Vec<String> {
    let mut figures: Vec<String> = Vec::new();
    let known = known_figures();
    if let Some(f) = e.raw("figures").and_then(|v| v.as_str()) {
        d.push(
            src,
            &e.at("figures"),
            format!("expected a list of figure names, found the string \"{f}\""),
            format!("write `figures = [\"{f}\"]` (a list, even for one figure)"),
        );
        return figures;
    }
    if let Some(a) = e.array("figures", d) {
        if a.len() > known.len() {
            d.push(
                src,
                &e.at("figures"),
                format!(
                    "{} figures listed, but mlsim draws only {} different ones",
                    a.len(),
                    known.len()
                ),
                format!("list each figure at most once, of: {}", known.join(", ")),
            );
            return figures;
        }
        for (i, v) in a.iter().enumerate() {
            match v.as_str() {
                Some(f) if figures.iter().any(|g| g == f) => d.push(
                    src,
                    &e.at("figures").index(i),
                    format!("\"{f}\" is listed twice"),
                    "list each figure once",
                ),
                Some(f) if known.contains(&f) => figures.push(f.to_string()),
                _ => d.push(
                    src,
                    &e.at("figures").index(i),
                    format!("{v} is not a figure mlsim draws"),
                    format!("use some of: {}", known.join(", ")),
                ),
            }
        }
    }
    figures
}

/// The validated figure list (`experiment.figures`) of spec text, without validating the rest
/// (a result folder's `spec.toml` names model and trace files relative to where the spec was).
pub fn figures_of(path: &Path, text: &str) -> Result<Vec<String>, SpecErrors> {
    let src = Source::new(path, text.to_string());
    let mut d = Diags::default();
    let table: toml::Table =
        toml::from_str(text).map_err(|e| SpecErrors(vec![diag::syntax(&src, &e)]))?;
    let mut top = Tab::new(&src, FieldPath::default(), &table);
    let figures = match top.table("experiment", &mut d) {
        Some(mut e) => read_figures(&mut e, &src, &mut d),
        None => Vec::new(),
    };
    if d.is_empty() {
        Ok(figures)
    } else {
        Err(SpecErrors(d.into_sorted()))
    }
}

fn collect_axes(
    src: &Source,
    t: &toml::Table,
    path: &FieldPath,
    at: &FieldPath,
    out: &mut Vec<(FieldPath, FieldPath, Vec<toml::Value>)>,
    d: &mut Diags,
) {
    for (k, v) in t {
        let p = path.key(k);
        let a = at.key(k);
        if p.0.len() == 1 && k == "experiment" {
            d.push(
                src,
                &a,
                "experiment settings cannot be swept",
                "move the sweep to scenario keys (workload, checkpoint, topology, ...)",
            );
            continue;
        }
        if p.0.len() == 1 && !scenario::SECTIONS.contains(&k.as_str()) {
            let hint = diag::suggest(k, scenario::SECTIONS)
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            d.push(
                src,
                &a,
                format!("unknown section `{k}` in a sweep"),
                format!("{hint}sweep keys of: {}", scenario::SECTIONS.join(", ")),
            );
            continue;
        }
        match v {
            toml::Value::Table(sub) => collect_axes(src, sub, &p, &a, out, d),
            toml::Value::Array(vals) if vals.is_empty() => d.push(
                src,
                &a,
                "empty sweep axis: it would give no point at all",
                format!("give `{k}` at least one value, or remove it"),
            ),
            toml::Value::Array(vals) => out.push((p, a, vals.clone())),
            other => d.push(
                src,
                &a,
                format!(
                    "a sweep axis must be an array of values, found {}",
                    type_name(other)
                ),
                format!("write `{k} = [{other}]`"),
            ),
        }
    }
}

fn cartesian(
    axes: &[(FieldPath, FieldPath, Vec<toml::Value>)],
) -> Vec<Vec<(FieldPath, FieldPath, toml::Value)>> {
    let mut out: Vec<Vec<(FieldPath, FieldPath, toml::Value)>> = vec![Vec::new()];
    for (p, at, vals) in axes {
        let mut next = Vec::with_capacity(out.len() * vals.len());
        for combo in &out {
            for (i, v) in vals.iter().enumerate() {
                let mut c = combo.clone();
                c.push((p.clone(), at.index(i), v.clone()));
                next.push(c);
            }
        }
        out = next;
    }
    out
}

fn set_path(t: &mut toml::Table, p: &FieldPath, v: toml::Value) -> Result<(), String> {
    let mut cur = t;
    let n = p.0.len();
    for (i, seg) in p.0.iter().enumerate() {
        let diag::Seg::Key(k) = seg else {
            return Err(format!("cannot sweep into an array at {p}"));
        };
        if i + 1 == n {
            cur.insert(k.clone(), v);
            return Ok(());
        }
        let entry = cur
            .entry(k.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(x) => x,
            other => {
                return Err(format!(
                    "`{p}` cannot be swept: its parent is {}, not a table",
                    type_name(other)
                ));
            }
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::spec_text;

    #[test]
    fn spec_text_takes_utf8_with_or_without_a_mark_and_names_other_encodings() {
        assert_eq!(spec_text(b"a = 1\n".to_vec()).unwrap(), "a = 1\n");
        // Windows editors' "UTF-8 with BOM": the mark is dropped, the text kept.
        assert_eq!(
            spec_text(b"\xEF\xBB\xBFa = 1\n".to_vec()).unwrap(),
            "a = 1\n"
        );
        let utf16: Vec<u8> = "a = 1\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let (m, fix) = spec_text(utf16.clone()).unwrap_err();
        assert!(
            m.contains("UTF-16 little-endian") && fix.contains("iconv"),
            "{m}"
        );
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a = 1\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert!(
            spec_text(be)
                .unwrap_err()
                .0
                .contains("UTF-16 big-endian (it starts")
        );
        // Latin-1 "é" (0xE9) on line 2, at byte 6 + 5 = 11.
        let (m, _) = spec_text(b"a = 1\nb = \"\xE9\"\n".to_vec()).unwrap_err();
        assert!(m.contains("invalid byte 0xE9 at byte 11 (line 2)"), "{m}");
    }
}
