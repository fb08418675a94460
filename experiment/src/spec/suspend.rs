//! The suspend study's sections (`experiment.kind = "suspend"`, seed 000): `[functions]` (the
//! long-running blocking functions) and `[suspend]` (the method and when it suspends). The
//! README's spec reference documents every key read here.

use super::diag::{Diags, FieldPath};
use super::limits;
use super::reader::Tab;
use super::scenario::Ctx;
use mlsim_core::method::{Captures, MethodId};
use mlsim_core::methods;
use mlsim_core::scenario::{
    Arrival, Bbu, FunctionArrival, Method, Suspend, SuspendWhen, TimeDist, Workload,
};
use mlsim_core::{SimDuration, SimTime};

/// What `[functions]` and `[suspend]` give: the app's workload class (its model), the method
/// with its cost model, and the functions.
pub struct SuspendParts {
    /// One class whose app is the functions' app (`requests` = functions, one item).
    pub workload: Workload,
    /// The suspend method.
    pub method: Method,
    /// The functions and the suspend policy.
    pub suspend: Suspend,
}

/// Reads `[functions]` and `[suspend]`; `None` if anything is wrong (all of it is in `d`).
pub fn read(
    functions: Option<Tab<'_>>,
    suspend: Option<Tab<'_>>,
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) -> Option<SuspendParts> {
    let Some(mut f) = functions else {
        d.push(
            cx.src,
            &FieldPath::default().key("functions"),
            "a suspend study needs a [functions] table",
            "add [functions] with `app`, `count`, `events_per_s`, `events` and `burst_ms`",
        );
        return None;
    };
    let app = super::scenario::app_named(&mut f, cx, d);
    if !f.has("count") {
        f.missing(
            "count",
            d,
            "add `count = 20` (functions deployed at time zero)",
        );
    }
    let count = f.u64_lim("count", &limits::COUNT, d, 1) as u32;
    let memory_mib = f
        .has("memory_mib")
        .then(|| f.f64_lim("memory_mib", &limits::FN_MEMORY_MIB, d, 1.0));
    let kind = f.choice("arrival", d, &["poisson", "periodic", "trace"], "poisson");
    let (arrival, events_per_s, events) = if kind == "trace" {
        for key in ["events_per_s", "events"] {
            if f.has(key) {
                d.push(
                    cx.src,
                    &f.at(key),
                    format!(
                        "`{key}` is not used with `arrival = \"trace\"`: the trace gives the events"
                    ),
                    format!("remove `{key}`"),
                );
            }
        }
        (event_trace(&mut f, count, cx, d), 1.0, 0)
    } else {
        if !f.has("events_per_s") {
            f.missing(
                "events_per_s",
                d,
                "add `events_per_s = 0.1` (events per function per second)",
            );
        }
        let rate = f.f64_lim("events_per_s", &limits::EVENTS_PER_S, d, 1.0);
        if !f.has("events") {
            f.missing("events", d, "add `events = 20` (events per function)");
        }
        let events = f.u64_lim("events", &limits::EVENTS, d, 1) as u32;
        let last = events as f64 / rate;
        if last > limits::HORIZON_S.max {
            d.push(
                cx.src,
                &f.at("events_per_s"),
                format!(
                    "{events} events at {rate} per second last {last:.3e} s, more than the limit of {:e} s",
                    limits::HORIZON_S.max
                ),
                "raise `events_per_s` or lower `events`",
            );
        }
        let arrival = if kind == "periodic" {
            FunctionArrival::Periodic {
                phase: SimDuration::from_secs_f64(f.f64_lim("phase_s", &limits::PHASE_S, d, 0.0)),
            }
        } else {
            FunctionArrival::Poisson
        };
        (arrival, rate, events)
    };
    if !f.has("burst_ms") {
        f.missing(
            "burst_ms",
            d,
            "add `burst_ms = 50` (compute per event on a reference core)",
        );
    }
    let burst_ms = f.f64_lim("burst_ms", &limits::BURST_MS, d, 1.0);
    let burst_cv = f.f64_lim("burst_cv", &limits::BURST_CV, d, 0.0);
    f.finish(d);

    let Some(mut s) = suspend else {
        d.push(
            cx.src,
            &FieldPath::default().key("suspend"),
            "a suspend study needs a [suspend] table",
            "add [suspend] with `method = \"pause\"` (or \"criu\", \"docker\", \"microlambda\", \"none\") and `idle_s`",
        );
        return None;
    };
    let mut names: Vec<&'static str> = MethodId::all().map(MethodId::name).collect();
    names.push("none");
    if !s.has("method") {
        s.missing(
            "method",
            d,
            "add `method = \"pause\"` (or \"criu\", \"docker\", \"microlambda\", \"none\")",
        );
    }
    let name = s.choice_opt("method", d, &names);
    let method = name.and_then(|n| {
        let id = methods::find(if n == "none" { "long_running" } else { n })?;
        super::scenario::method_with_cost(id, &s.at("method"), cx, d)
    });
    let when = match s.choice("when", d, &["idle", "pressure"], "idle") {
        "pressure" => SuspendWhen::Pressure,
        _ => SuspendWhen::Idle,
    };
    if when == SuspendWhen::Pressure {
        if s.has("idle_s") {
            d.push(
                cx.src,
                &s.at("idle_s"),
                "`idle_s` is not used with `when = \"pressure\"`: functions are suspended when another needs their memory",
                "remove `idle_s`, or use `when = \"idle\"`",
            );
        }
        if let Some(m) = &method {
            if !m.get().frees_memory() {
                d.push(
                    cx.src,
                    &s.at("when"),
                    format!("`when = \"pressure\"` suspends to free memory, which {} does not", m.name()),
                    "use a checkpoint method (\"criu\", \"docker\", \"microlambda\"), or `when = \"idle\"`",
                );
            }
        }
    }
    let idle_s = s.f64_lim("idle_s", &limits::IDLE_S, d, 1.0);
    s.finish(d);

    let app = app?;
    let method = method?;
    let def = method.get();
    let memory_bytes = match memory_mib {
        Some(m) => (m * 1024.0 * 1024.0).round() as u64,
        None => app.rss.base,
    };
    // What a checkpoint captures of one function: its resident memory for a whole-process
    // method, its program state for μλ; a pause writes nothing.
    let image_bytes = match def.captures() {
        Captures::ProcessImage | Captures::ContainerImage => memory_bytes,
        Captures::ProgramState => app.state.base,
        Captures::FrozenInPlace | Captures::Nothing => 0,
    };
    let image_compression = def.captured(&app).1;
    let burst = {
        let mean = SimDuration::from_millis_f64(burst_ms);
        if burst_cv == 0.0 {
            TimeDist::Constant(mean)
        } else {
            TimeDist::LogNormal { mean, cv: burst_cv }
        }
    };
    Some(SuspendParts {
        workload: Workload {
            app,
            items: 1,
            requests: count,
            arrival: Arrival::Sequential,
        },
        method,
        suspend: Suspend {
            functions: count,
            memory_bytes,
            image_bytes,
            image_compression,
            burst,
            events_per_s,
            arrival,
            events,
            idle: SimDuration::from_secs_f64(idle_s),
            when,
        },
    })
}

/// `functions.trace_file`: the event trace (its functions must be among the `count`).
fn event_trace(f: &mut Tab<'_>, count: u32, cx: &mut Ctx<'_>, d: &mut Diags) -> FunctionArrival {
    let empty = FunctionArrival::Trace(Vec::new());
    let Some(file) = f.str("trace_file", d) else {
        f.missing(
            "trace_file",
            d,
            "add `trace_file = \"events.csv\"` (CSV with header function,time_s; relative to the spec)",
        );
        return empty;
    };
    let path = cx.base_dir.join(file);
    match mlsim_datasets::read_event_trace(&path) {
        Ok(per_function) => {
            if per_function.len() > count as usize {
                d.push(
                    cx.src,
                    &f.at("trace_file"),
                    format!(
                        "the trace has events of function {} but only {count} functions are deployed",
                        per_function.len() - 1
                    ),
                    format!("raise `count` to {} or more, or fix the trace", per_function.len()),
                );
            }
            FunctionArrival::Trace(
                per_function
                    .into_iter()
                    .map(|ts| {
                        ts.into_iter()
                            .map(|t| SimTime::ZERO + SimDuration::from_secs_f64(t))
                            .collect()
                    })
                    .collect(),
            )
        }
        Err(e) => {
            d.push(
                cx.src,
                &f.at("trace_file"),
                format!("bad event trace: {e}"),
                "fix the trace file (header function,time_s; a row per event) or the path (relative to the spec)",
            );
            empty
        }
    }
}

/// A function must fit on at least one worker, or it could never be deployed.
pub fn memory_fits(s: &Suspend, workers: &[u32], bbus: &[Bbu], cx: &mut Ctx<'_>, d: &mut Diags) {
    let most = workers
        .iter()
        .map(|&w| bbus[w as usize].memory_mib.saturating_mul(1 << 20))
        .max()
        .unwrap_or(0);
    if s.memory_bytes > most {
        d.push(
            cx.src,
            &FieldPath::default().key("functions").key("memory_mib"),
            format!(
                "one function needs {:.1} MiB but the largest worker BBU has {} MiB",
                s.memory_bytes as f64 / (1024.0 * 1024.0),
                most >> 20
            ),
            "lower memory_mib, or raise [bbu] memory_gib",
        );
    }
}
