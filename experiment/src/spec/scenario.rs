//! One sweep point's TOML table → a validated [`Scenario`]. The README's spec reference
//! documents every key read here, with its unit and default.

use super::diag::{Diags, FieldPath, Source};
use super::model_file::ModelSet;
use super::reader::{Tab, type_name};
use mlsim_core::method::MethodId;
use mlsim_core::methods;
use mlsim_core::scenario::*;
use mlsim_core::{SimDuration, SimTime};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

mod topology;
use topology::{bbus, links, topology_keys};

/// Load traces read so far (each file once per validation).
pub type TraceCache = HashMap<PathBuf, Result<Vec<(SimTime, f64)>, String>>;

/// Everything a point needs besides its table.
pub struct Ctx<'a> {
    /// The spec source.
    pub src: &'a Source,
    /// The model file.
    pub model: &'a ModelSet,
    /// Relative paths in the spec are relative to this folder.
    pub base_dir: &'a Path,
    /// Traces read so far.
    pub traces: &'a mut TraceCache,
    /// What the runs do (the suspend study reads `[functions]` and `[suspend]` instead of
    /// `[workload]`, `[checkpoint]` and `[eviction]`).
    pub kind: mlsim_core::backend::RunKind,
}

/// Top-level keys of a spec that describe a scenario (besides `experiment` and `sweep`).
pub const SECTIONS: &[&str] = &[
    "topology",
    "bbu",
    "bbu_override",
    "links",
    "protocol",
    "workload",
    "checkpoint",
    "eviction",
    "placement",
    "functions",
    "suspend",
    "serverless",
];

fn empty() -> &'static toml::Table {
    static EMPTY: std::sync::OnceLock<toml::Table> = std::sync::OnceLock::new();
    EMPTY.get_or_init(toml::Table::new)
}

fn section<'a>(top: &mut Tab<'a>, key: &'static str, d: &mut Diags) -> Tab<'a> {
    let src = top.src;
    top.table(key, d)
        .unwrap_or_else(|| Tab::new(src, FieldPath::default().key(key), empty()))
}

/// Builds the scenario of one point; `None` if anything is wrong (all of it is in `d`).
///
/// The sections are read in this order (the order of the diagnostics): the workload classes
/// first (their apps decide the memory check at the end), then topology, BBUs and overrides,
/// links, protocol, checkpoint, placement, eviction.
pub fn build(
    table: &toml::Table,
    seed: u64,
    horizon: SimTime,
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) -> Option<Scenario> {
    let before = d.count();
    let mut top = Tab::new(cx.src, FieldPath::default(), table);
    let _ = top.raw("experiment");
    let _ = top.raw("sweep");
    let suspend_kind = cx.kind == mlsim_core::backend::RunKind::Suspend;
    let serverless_kind = cx.kind == mlsim_core::backend::RunKind::Serverless;
    if !serverless_kind && top.has("serverless") {
        d.push(
            cx.src,
            &FieldPath::default().key("serverless"),
            "[serverless] is read only by a serverless study",
            "set `kind = \"serverless\"` in [experiment], or remove this table",
        );
    }
    let mut serverless_parts = None;
    let (classes, suspend_parts) = if serverless_kind {
        for key in ["workload", "checkpoint", "eviction", "functions", "suspend"] {
            if top.has(key) {
                d.push(
                    cx.src,
                    &FieldPath::default().key(key),
                    format!("[{key}] is not used by a serverless study (experiment.kind = \"serverless\")"),
                    "describe the functions in [[serverless.functions]] and the policy in [serverless], and remove this table",
                );
            }
        }
        let t = top.table("serverless", d);
        serverless_parts = super::serverless::read(t, cx, d);
        (Vec::new(), None)
    } else if suspend_kind {
        for key in ["workload", "checkpoint", "eviction"] {
            if top.has(key) {
                d.push(
                    cx.src,
                    &FieldPath::default().key(key),
                    format!("[{key}] is not used by a suspend study (experiment.kind = \"suspend\")"),
                    "describe the functions in [functions] and the method in [suspend], and remove this table",
                );
            }
        }
        let functions = top.table("functions", d);
        let suspend = top.table("suspend", d);
        let parts = super::suspend::read(functions, suspend, cx, d);
        (Vec::new(), parts)
    } else {
        for key in ["functions", "suspend"] {
            if top.has(key) {
                d.push(
                    cx.src,
                    &FieldPath::default().key(key),
                    format!("[{key}] is read only by a suspend study"),
                    "set `kind = \"suspend\"` in [experiment], or remove this table",
                );
            }
        }
        (workload_classes(&mut top, cx, d), None)
    };
    let (n, control_bbu, workers, ues) = topology_keys(&mut top, cx, d);
    let bbus = bbus(&mut top, n, cx, d);
    let (radio, wired, local, transport) = links(&mut top, d);
    let protocol = protocol(&mut top, d);
    let (checkpoint, r_limit_none) = if suspend_kind || serverless_kind {
        let method = suspend_parts
            .as_ref()
            .map_or_else(Method::long_running, |p| p.method);
        (
            CheckpointConfig {
                method,
                r_limit: None,
                tracker_margin: SimDuration::ZERO,
                tracker_sigmas: 0.0,
                max_idle_invocations: 1,
            },
            false,
        )
    } else {
        checkpoint(&mut top, cx, d)
    };
    let placement = placement(&mut top, d);
    let eviction = if suspend_kind || serverless_kind {
        Eviction::NONE
    } else {
        eviction(&mut top, r_limit_none, cx, d)
    };
    for k in SECTIONS {
        let _ = top.raw(k);
    }
    top.finish(d);
    memory_fits(&classes, &workers, &bbus, cx, d);
    if let Some(p) = &suspend_parts {
        super::suspend::memory_fits(&p.suspend, &workers, &bbus, cx, d);
    }
    if let Some((s, _)) = &serverless_parts {
        super::serverless::memory_fits(s, &workers, &bbus, cx, d);
    }
    if d.count() > before {
        return None;
    }
    let (workloads, suspend, serverless) = match (suspend_parts, serverless_parts) {
        (Some(p), _) => (vec![p.workload], Some(p.suspend), None),
        (None, Some((s, w))) => (vec![w], None, Some(s)),
        (None, None) => (classes.into_iter().collect::<Option<Vec<_>>>()?, None, None),
    };
    Some(Scenario {
        seed,
        topology: Topology {
            bbus,
            control_bbu,
            workers,
            ues,
            radio,
            wired,
            local,
            transport,
        },
        workloads,
        checkpoint,
        eviction,
        placement: placement?,
        protocol,
        horizon,
        suspend,
        serverless,
    })
}

/// `[workload]` (one class) or `[[workload]]` (a mix of classes).
fn workload_classes(top: &mut Tab<'_>, cx: &mut Ctx<'_>, d: &mut Diags) -> Vec<Option<Workload>> {
    match top.raw("workload") {
        Some(toml::Value::Array(arr)) => {
            if arr.is_empty() {
                d.push(
                    cx.src,
                    &FieldPath::default().key("workload"),
                    "no workload class",
                    "write one [workload] table, or several [[workload]] tables",
                );
            }
            arr.iter()
                .enumerate()
                .map(|(i, v)| {
                    let path = FieldPath::default().key("workload").index(i);
                    match v.as_table() {
                        Some(t) => workload(Tab::new(cx.src, path, t), cx, d),
                        None => {
                            d.push(
                                cx.src,
                                &path,
                                format!("expected a table, found {}", type_name(v)),
                                "write [[workload]] tables with `app`, `items`, ...",
                            );
                            None
                        }
                    }
                })
                .collect()
        }
        _ => vec![workload(section(top, "workload", d), cx, d)],
    }
}

/// `[protocol]`: message sizes and the cold start.
fn protocol(top: &mut Tab<'_>, d: &mut Diags) -> Protocol {
    let mut p = section(top, "protocol", d);
    let b = &super::limits::PROTOCOL_BYTES;
    let protocol = Protocol {
        header_bytes: p.u64_lim("header_bytes", b, d, 300),
        request_bytes: p.u64_lim("request_bytes", b, d, 200),
        notify_bytes: p.u64_lim("notify_bytes", b, d, 100),
        install_bytes: p.u64_lim("install_bytes", b, d, 2000),
        invoke_bytes: p.u64_lim("invoke_bytes", b, d, 200),
        cold_start: SimDuration::from_millis_f64(p.f64_lim(
            "cold_start_ms",
            &super::limits::COLD_START_MS,
            d,
            1000.0,
        )),
    };
    p.finish(d);
    protocol
}

/// `[checkpoint]`: the method (with the model's cost table), r_limit and the tracker; also
/// whether `r_limit_s = "none"` (then evictions must make invocations vacate).
fn checkpoint(top: &mut Tab<'_>, cx: &mut Ctx<'_>, d: &mut Diags) -> (CheckpointConfig, bool) {
    let mut c = section(top, "checkpoint", d);
    if !c.has("method") {
        c.missing(
            "method",
            d,
            "add `method = \"microlambda\"` (or \"criu\", \"docker\", \"long_running\")",
        );
    }
    let names: Vec<&'static str> = MethodId::all().map(MethodId::name).collect();
    let method_name = c.choice_opt("method", d, &names);
    let method = match method_name.and_then(methods::find) {
        Some(id) if !id.def().frees_memory() && id.def().checkpoints() => {
            d.push(
                cx.src,
                &c.at("method"),
                format!("{id} keeps the task where it is and cannot vacate a BBU"),
                "use it in a suspend study ([experiment] kind = \"suspend\", [suspend] method), or choose \"microlambda\", \"criu\" or \"docker\" here",
            );
            Method::long_running()
        }
        Some(id) => {
            method_with_cost(id, &c.at("method"), cx, d).unwrap_or_else(Method::long_running)
        }
        None => Method::long_running(),
    };
    let checkpoints = method_name
        .and_then(methods::find)
        .map(|m| m.def().checkpoints());
    let r_limit = match (checkpoints, c.has("r_limit_s")) {
        (None, _) => None, // no valid method: its r_limit cannot be judged
        (Some(false), true) => {
            d.push(
                cx.src,
                &c.at("r_limit_s"),
                format!("{} has no runtime limit", method_name.unwrap_or("")),
                "remove `r_limit_s`, or choose a method that checkpoints (\"microlambda\", \"criu\", ...)",
            );
            None
        }
        (Some(false), false) => None,
        (_, false) => {
            c.missing(
                "r_limit_s",
                d,
                "add `r_limit_s = 5.0` (the runtime limit of one invocation [s])",
            );
            None
        }
        (_, true) if c.raw("r_limit_s").and_then(|v| v.as_str()) == Some("none") => {
            // Only evictions make it vacate (checked against [eviction] below).
            None
        }
        (_, true) if c.raw("r_limit_s").is_some_and(|v| v.is_str()) => {
            let v = c.raw("r_limit_s").and_then(|v| v.as_str()).unwrap_or("");
            d.push(
                cx.src,
                &c.at("r_limit_s"),
                format!("\"{v}\" is not a runtime limit: give seconds, or \"none\""),
                "write e.g. `r_limit_s = 5.0` [s], or `r_limit_s = \"none\"` (no fixed limit: only evictions make work vacate)",
            );
            None
        }
        (_, true) => Some(SimDuration::from_secs_f64(c.f64_lim(
            "r_limit_s",
            &super::limits::R_LIMIT_S,
            d,
            1.0,
        ))),
    };
    let r_limit_none = c.raw("r_limit_s").and_then(|v| v.as_str()) == Some("none");
    let tracker_margin = SimDuration::from_millis_f64(c.f64_lim(
        "tracker_margin_ms",
        &super::limits::TRACKER_MARGIN_MS,
        d,
        20.0,
    ));
    let tracker_sigmas = c.f64_lim("tracker_sigmas", &super::limits::TRACKER_SIGMAS, d, 3.0);
    let max_idle_invocations =
        c.u64_lim("max_idle_invocations", &super::limits::MAX_IDLE, d, 3) as u32;
    c.finish(d);
    (
        CheckpointConfig {
            method,
            r_limit,
            tracker_margin,
            tracker_sigmas,
            max_idle_invocations,
        },
        r_limit_none,
    )
}

/// Method `id` with its cost model from the model file; `None` (reported at `at`) when the
/// model has no cost table for a method that needs one.
pub fn method_with_cost(
    id: MethodId,
    at: &FieldPath,
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) -> Option<Method> {
    let Some(key) = id.def().cost_table() else {
        return Some(Method { id, cost: None });
    };
    match cx.model.cost(id) {
        Some(cost) => Some(Method {
            id,
            cost: Some(cost),
        }),
        None => {
            d.push(
                cx.src,
                at,
                format!(
                    "the model file {} has no [methods.{key}] table",
                    cx.model.file
                ),
                format!("add [methods.{key}] with `checkpoint` and `restore` to the model file (the built-in \"default\" model has one), or choose another method"),
            );
            None
        }
    }
}

/// `[placement]`: the policy and its parameters; `None` for an unknown policy (reported).
fn placement(top: &mut Tab<'_>, d: &mut Diags) -> Option<mlsim_core::policies::PlacementConfig> {
    let mut pl = section(top, "placement", d);
    let kind = pl.choice("kind", d, mlsim_core::policies::NAMES, "round_robin");
    // The policy's parameters, each checked against its range (absent: its default); a
    // parameter of another policy is left unread, so `finish` reports it as unknown.
    let placement = mlsim_core::policies::entry(kind).map(|e| {
        let values: Vec<f64> = e
            .params
            .iter()
            .map(|p| pl.f64_in(p.name, d, p.doc, p.min, false, p.max, p.default))
            .collect();
        (e.make)(&values)
    });
    pl.finish(d);
    placement
}

/// `[eviction]`: notices and grace; checked against `r_limit_s = "none"`.
fn eviction(top: &mut Tab<'_>, r_limit_none: bool, cx: &mut Ctx<'_>, d: &mut Diags) -> Eviction {
    let mut ev = section(top, "eviction", d);
    let notice = match ev.choice("notice", d, &["ahead", "on_change", "none"], "ahead") {
        "on_change" => Notice::OnChange,
        "none" => Notice::None,
        _ => Notice::Ahead,
    };
    let grace = SimDuration::from_secs_f64(ev.f64_lim("grace_s", &super::limits::GRACE_S, d, 2.0));
    ev.finish(d);
    let eviction = Eviction { notice, grace };
    if r_limit_none && notice == Notice::None {
        d.push(
            cx.src,
            &FieldPath::default().key("checkpoint").key("r_limit_s"),
            "r_limit_s = \"none\" needs evictions to make invocations vacate, but [eviction] notice is \"none\"",
            "give a number of seconds, or set [eviction] notice = \"ahead\" (or \"on_change\")",
        );
    }
    eviction
}

/// Every worker BBU holds one process of every app (its resident memory).
fn memory_fits(
    classes: &[Option<Workload>],
    workers: &[u32],
    bbus: &[Bbu],
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) {
    for a in classes.iter().flatten().map(|w| &w.app) {
        for &wk in workers {
            let mem = bbus[wk as usize].memory_mib.saturating_mul(1 << 20);
            if a.rss.max > mem {
                d.push(
                    cx.src,
                    &FieldPath::default().key("bbu").key("memory_gib"),
                    format!(
                        "worker BBU {wk} has {} MiB but one {} process needs {} MiB",
                        mem >> 20,
                        a.name,
                        a.rss.max >> 20
                    ),
                    "raise memory_gib (or override it for that BBU)",
                );
            }
        }
    }
}

/// One workload class from its table; `None` if anything is wrong (all of it is in `d`).
/// The app model named by `t`'s `app` key (missing or unknown: reported, `None`).
pub fn app_named(t: &mut Tab<'_>, cx: &mut Ctx<'_>, d: &mut Diags) -> Option<AppModel> {
    let app_name = t.str("app", d);
    if app_name.is_none() && !t.has("app") {
        t.missing(
            "app",
            d,
            &format!(
                "add `app = \"face\"` (apps in the model: {})",
                cx.model.apps.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    app_name.and_then(|n| {
        let a = cx.model.apps.get(n).cloned();
        if a.is_none() {
            let names: Vec<&str> = cx.model.apps.keys().map(String::as_str).collect();
            let hint = super::diag::suggest(n, &names)
                .map(|c| format!("did you mean \"{c}\"? "))
                .unwrap_or_default();
            d.push(
                cx.src,
                &t.at("app"),
                format!("the model \"{}\" has no app \"{n}\"", cx.model.label),
                format!("{hint}use one of: {}", names.join(", ")),
            );
        }
        a
    })
}

fn workload(mut w: Tab<'_>, cx: &mut Ctx<'_>, d: &mut Diags) -> Option<Workload> {
    let mut app = app_named(&mut w, cx, d);
    if !w.has("items") {
        w.missing(
            "items",
            d,
            "add `items = 10` (images, ride requests or windows per request)",
        );
    }
    let items = w.u64_lim("items", &super::limits::ITEMS, d, 1) as u32;
    let requests = w.u64_lim("requests", &super::limits::REQUESTS, d, 1) as u32;
    if w.has("shards") {
        let s = w.u64_lim("shards", &super::limits::SHARDS, d, 1) as u32;
        if let Some(a) = app.as_mut() {
            a.shards = s;
        }
    }
    let arrival = match w.table("arrival", d) {
        None => Arrival::Sequential,
        Some(mut a) => {
            let kind = a.choice("kind", d, &["sequential", "poisson"], "sequential");
            let r = if kind == "poisson" {
                if !a.has("rate_per_s") {
                    a.missing("rate_per_s", d, "add `rate_per_s = 0.5` [requests/s]");
                }
                Arrival::Poisson {
                    rate_per_s: a.f64_lim("rate_per_s", &super::limits::RATE_PER_S, d, 1.0),
                }
            } else {
                Arrival::Sequential
            };
            a.finish(d);
            r
        }
    };
    if let Arrival::Poisson { rate_per_s } = arrival {
        let last = requests as f64 / rate_per_s;
        if last > super::limits::HORIZON_S.max {
            d.push(
                cx.src,
                &w.at("arrival").key("rate_per_s"),
                format!(
                    "{requests} requests at {rate_per_s} per second arrive over {last:.3e} s, more than the limit of {:e} s",
                    super::limits::HORIZON_S.max
                ),
                "raise `rate_per_s` or lower `requests`",
            );
        }
    }
    w.finish(d);
    Some(Workload {
        app: app?,
        items,
        requests,
        arrival,
    })
}
