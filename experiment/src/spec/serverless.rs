//! The serverless study's section (`experiment.kind = "serverless"`, seed 004): `[serverless]`
//! (the keep-alive / prewarm policy and the cold-start cost) and `[[serverless.functions]]`
//! (the functions and their arrivals: Poisson, a periodic IoT sensor, an invocation trace, or
//! the Azure Functions 2019 trace). The README's spec reference documents every key read here.

use super::diag::{Diags, FieldPath};
use super::limits;
use super::reader::{Tab, type_name};
use super::scenario::Ctx;
use mlsim_core::scenario::{Arrival as WorkloadArrival, Bbu, TimeDist, Workload};
use mlsim_core::serverless::{Arrival, Function, Histogram, HotC, Kpa, Policy, Serverless, Spread};
use mlsim_core::{SimDuration, SimTime};

const MIB: f64 = 1024.0 * 1024.0;

fn secs(x: f64) -> SimDuration {
    SimDuration::from_secs_f64(x)
}

/// Reads `[serverless]`: the study and the one workload class that names the functions' app
/// (`app`, by default the model's "stress"); `None` if anything is wrong (all of it is in
/// `d`).
pub fn read(t: Option<Tab<'_>>, cx: &mut Ctx<'_>, d: &mut Diags) -> Option<(Serverless, Workload)> {
    let Some(mut s) = t else {
        d.push(
            cx.src,
            &FieldPath::default().key("serverless"),
            "a serverless study needs a [serverless] table",
            "add [serverless] with `policy = \"fixed\"` and one or more [[serverless.functions]]",
        );
        return None;
    };
    let before = d.count();
    let app = if s.has("app") {
        super::scenario::app_named(&mut s, cx, d)
    } else {
        cx.model
            .apps
            .get("stress")
            .or_else(|| cx.model.apps.values().next())
            .cloned()
    };
    let name = s.choice("policy", d, Policy::NAMES, "fixed");
    let keep_alive = secs(s.f64_lim("keep_alive_s", &limits::SL_KEEP_ALIVE_S, d, 600.0));
    let instances = s.u64_lim("instances", &limits::SL_INSTANCES, d, 1) as u32;
    let kd = Kpa::default();
    let kpa = Kpa {
        stable_window: secs(s.f64_lim("kpa_stable_s", &limits::SL_WINDOW_S, d, 60.0)),
        panic_window: secs(s.f64_lim("kpa_panic_s", &limits::SL_WINDOW_S, d, 6.0)),
        panic_threshold: s.f64_lim(
            "kpa_panic_threshold",
            &limits::SL_FACTOR,
            d,
            kd.panic_threshold,
        ),
        target: s.f64_lim("kpa_target", &limits::SL_FACTOR, d, kd.target),
        grace: secs(s.f64_lim("kpa_grace_s", &limits::SL_WINDOW_S, d, 30.0)),
        tick: secs(s.f64_lim("kpa_tick_s", &limits::SL_WINDOW_S, d, 2.0)),
    };
    let hd = Histogram::default();
    let hist = Histogram {
        bin: secs(s.f64_lim("hist_bin_s", &limits::SL_WINDOW_S, d, 60.0)),
        range: secs(s.f64_lim("hist_range_s", &limits::SL_WINDOW_S, d, 4.0 * 3600.0)),
        head_pct: s.f64_lim("hist_head_pct", &limits::SL_PCT, d, hd.head_pct),
        tail_pct: s.f64_lim("hist_tail_pct", &limits::SL_PCT, d, hd.tail_pct),
        margin: s.f64_lim("hist_margin", &limits::SL_SHARE, d, hd.margin),
        min_samples: s.u64_lim("hist_min_samples", &limits::SL_MIN_SAMPLES, d, 10) as u32,
    };
    if hist.head_pct > hist.tail_pct {
        d.push(
            cx.src,
            &s.at("hist_head_pct"),
            format!(
                "the prewarm percentile {} is above the keep-alive percentile {}",
                hist.head_pct, hist.tail_pct
            ),
            "make `hist_head_pct` (e.g. 5) at most `hist_tail_pct` (e.g. 99)",
        );
    }
    let hotc = HotC {
        interval: secs(s.f64_lim("hotc_interval_s", &limits::SL_WINDOW_S, d, 60.0)),
        alpha: s.f64_lim("hotc_alpha", &limits::SL_SHARE, d, 0.5),
    };
    let policy = match name {
        "serverful" => Policy::Serverful { instances },
        "kpa" => Policy::Kpa(kpa),
        "histogram" => Policy::Histogram(hist),
        "hotc" => Policy::HotC(hotc),
        "oracle" => Policy::Oracle,
        _ => Policy::Fixed { keep_alive },
    };
    // The cold start from the spec when it gives any of its keys (the others then default to
    // 500 ms, 0 per MiB, cv 0), else the model file's `[serverless]` (measured by
    // `mlsim emu starts`), else 500 ms constant (the literature's container start); the warm
    // start from the spec, else the model, else 0.
    let m = cx.model.serverless;
    let from_spec = ["cold_start_ms", "cold_start_per_mib_ms", "cold_start_cv"]
        .iter()
        .any(|k| s.has(k));
    let model = m.filter(|_| !from_spec);
    let cold_ms = s.f64_lim(
        "cold_start_ms",
        &limits::SL_COLD_MS,
        d,
        model.map_or(500.0, |m| m.cold_base.as_millis_f64()),
    );
    let per_mib_ms = s.f64_lim(
        "cold_start_per_mib_ms",
        &limits::SL_PER_MIB,
        d,
        model.map_or(0.0, |m| m.cold_per_mib_ns / 1e6),
    );
    let cold_cv = s.f64_lim(
        "cold_start_cv",
        &limits::SL_CV,
        d,
        model.map_or(0.0, |m| m.cold_cv),
    );
    let warm_ms = s.f64_lim(
        "warm_start_ms",
        &limits::SL_COLD_MS,
        d,
        m.map_or(0.0, |m| m.warm.as_millis_f64()),
    );
    let cold_start = dist(SimDuration::from_millis_f64(cold_ms), cold_cv);
    let functions = match s.raw("functions") {
        Some(toml::Value::Array(arr)) if !arr.is_empty() => {
            let mut out = Vec::new();
            for (i, v) in arr.iter().enumerate() {
                let path = s.at("functions").index(i);
                match v.as_table() {
                    Some(t) => out.extend(function(Tab::new(cx.src, path, t), cx, d)),
                    None => d.push(
                        cx.src,
                        &path,
                        format!("expected a table, found {}", type_name(v)),
                        "write [[serverless.functions]] tables with `name`, `arrival`, …",
                    ),
                }
            }
            out
        }
        Some(toml::Value::Table(t)) => function(Tab::new(cx.src, s.at("functions"), t), cx, d),
        _ => {
            d.push(
                cx.src,
                &s.at("functions"),
                "no function: a serverless study needs at least one",
                "add a [[serverless.functions]] table with `name`, `memory_mib`, `duration_ms`, `arrival` and its keys",
            );
            Vec::new()
        }
    };
    s.finish(d);
    if d.count() > before {
        return None;
    }
    let workload = Workload {
        app: app?,
        items: 1,
        requests: functions.len().min(u32::MAX as usize) as u32,
        arrival: WorkloadArrival::Sequential,
    };
    Some((
        Serverless {
            functions,
            policy,
            cold_start,
            cold_start_per_mib_ns: per_mib_ms * 1e6,
            warm_start: SimDuration::from_millis_f64(warm_ms),
        },
        workload,
    ))
}

fn dist(mean: SimDuration, cv: f64) -> TimeDist {
    if cv == 0.0 {
        TimeDist::Constant(mean)
    } else {
        TimeDist::LogNormal { mean, cv }
    }
}

/// A log-normal of ln(seconds) ~ N(μ, σ²) as a mean and a cv: mean = exp(μ + σ²/2),
/// cv = √(exp(σ²) − 1).
fn lognormal(mu: f64, sigma: f64) -> TimeDist {
    let mean = (mu + sigma * sigma / 2.0).exp();
    dist(secs(mean), ((sigma * sigma).exp() - 1.0).sqrt())
}

/// One `[[serverless.functions]]` table: `count` replicas (or, from a trace, one function per
/// function of the trace).
fn function(mut t: Tab<'_>, cx: &mut Ctx<'_>, d: &mut Diags) -> Vec<Function> {
    let name = t.str("name", d).unwrap_or("f").to_string();
    let count = t.u64_lim("count", &limits::FN_COUNT, d, 1);
    let memory_mib = t.f64_lim("memory_mib", &limits::FN_MEMORY_MIB, d, 128.0);
    let concurrency = t.u64_lim("concurrency", &limits::FN_CONCURRENCY, d, 1) as u32;
    let image_mib = t.f64_lim("image_mib", &limits::FN_IMAGE_MIB, d, 0.0);
    let has_ms = t.has("duration_ms");
    let has_mu = t.has("duration_mu") || t.has("duration_sigma");
    if has_ms && has_mu {
        d.push(
            cx.src,
            &t.at("duration_mu"),
            "`duration_mu`/`duration_sigma` and `duration_ms` both give the duration",
            "keep either `duration_ms` (with `duration_cv`) or `duration_mu` and `duration_sigma`",
        );
    }
    let duration = if has_mu {
        let mu = t.f64_lim("duration_mu", &limits::FN_SIGMA, d, 0.0);
        let sigma = t.f64_lim("duration_sigma", &limits::FN_SIGMA, d, 0.0).abs();
        lognormal(mu, sigma)
    } else {
        let ms = t.f64_lim("duration_ms", &limits::FN_DURATION_MS, d, 100.0);
        let cv = t.f64_lim("duration_cv", &limits::SL_CV, d, 0.0);
        dist(SimDuration::from_millis_f64(ms), cv)
    };
    let kind = t.choice(
        "arrival",
        d,
        &["poisson", "periodic", "trace", "azure"],
        "poisson",
    );
    let base = Function {
        name: name.clone(),
        memory_bytes: (memory_mib * MIB).round() as u64,
        concurrency,
        duration,
        image_bytes: (image_mib * MIB).round() as u64,
        arrival: Arrival::Times(Vec::new()),
    };
    let out = match kind {
        "trace" => trace_functions(&mut t, &base, cx, d),
        "azure" => azure_functions(&mut t, &base, cx, d),
        _ => {
            let invocations = if t.has("invocations") {
                t.u64_lim("invocations", &limits::FN_INVOCATIONS, d, 1)
            } else {
                t.missing(
                    "invocations",
                    d,
                    "add `invocations = 600` (invocations per function)",
                );
                1
            };
            let first = if kind == "periodic" {
                periodic(&mut t, invocations, cx, d)
            } else {
                if !t.has("rate_per_s") {
                    t.missing(
                        "rate_per_s",
                        d,
                        "add `rate_per_s = 0.1` (invocations per second)",
                    );
                }
                Arrival::Poisson {
                    rate_per_s: t.f64_lim("rate_per_s", &limits::FN_RATE, d, 1.0),
                    count: invocations,
                }
            };
            (0..count)
                .map(|r| {
                    let mut arrival = first.clone();
                    if let Arrival::Periodic { phase, .. } = &mut arrival {
                        // Replica r starts r phases later.
                        *phase = SimDuration(phase.as_nanos().saturating_mul(r));
                    }
                    Function {
                        name: if count == 1 {
                            name.clone()
                        } else {
                            format!("{name}-{r}")
                        },
                        arrival,
                        ..base.clone()
                    }
                })
                .collect()
        }
    };
    t.finish(d);
    out
}

/// A periodic sensor (replica 0; replica r is shifted by r × `phase_s`).
fn periodic(t: &mut Tab<'_>, count: u64, cx: &mut Ctx<'_>, d: &mut Diags) -> Arrival {
    if !t.has("period_s") {
        t.missing(
            "period_s",
            d,
            "add `period_s = 10` (one reading every 10 s)",
        );
    }
    let period = t.f64_lim("period_s", &limits::FN_PERIOD_S, d, 1.0);
    let phase = t.f64_lim("phase_s", &limits::FN_PERIOD_S, d, 0.0);
    let jitter = t.f64_lim("jitter_s", &limits::FN_PERIOD_S, d, 0.0);
    let burst_p = t.f64_lim("burst_p", &limits::SL_SHARE, d, 0.0);
    let burst_size = t.u64_lim("burst_size", &limits::FN_BURST_SIZE, d, 0) as u32;
    let burst_gap_ms = t.f64_lim("burst_gap_ms", &limits::FN_BURST_GAP_MS, d, 100.0);
    if period > 0.0 && 2.0 * jitter >= period {
        d.push(
            cx.src,
            &t.at("jitter_s"),
            format!("a jitter of {jitter} s lets readings {period} s apart swap places"),
            "make `jitter_s` less than half of `period_s`",
        );
    }
    if burst_p > 0.0 && f64::from(burst_size) * burst_gap_ms / 1000.0 + jitter >= period - jitter {
        d.push(
            cx.src,
            &t.at("burst_size"),
            format!(
                "a burst of {burst_size} readings {burst_gap_ms} ms apart outlasts the {period} s period"
            ),
            "lower `burst_size` or `burst_gap_ms`, or raise `period_s`",
        );
    }
    if period <= 0.0 {
        d.push(
            cx.src,
            &t.at("period_s"),
            "a period of 0 s",
            "give `period_s` > 0",
        );
    }
    Arrival::Periodic {
        period: secs(period.max(1e-9)),
        phase: secs(phase),
        jitter: secs(jitter),
        burst_p,
        burst_size,
        burst_gap: SimDuration::from_millis_f64(burst_gap_ms),
        count,
    }
}

fn file_key(t: &mut Tab<'_>, key: &'static str, d: &mut Diags, fix: &str) -> Option<String> {
    match t.str(key, d) {
        Some(f) => Some(f.to_string()),
        None => {
            t.missing(key, d, fix);
            None
        }
    }
}

/// `arrival = "trace"`: one function per function named in `trace_file` (CSV
/// `time_s,function`, sorted by time).
fn trace_functions(
    t: &mut Tab<'_>,
    base: &Function,
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) -> Vec<Function> {
    let Some(file) = file_key(
        t,
        "trace_file",
        d,
        "add `trace_file = \"calls.csv\"` (CSV with header time_s,function, sorted by time; relative to the spec)",
    ) else {
        return Vec::new();
    };
    match mlsim_datasets::read_invocation_trace(&cx.base_dir.join(&file)) {
        Ok(tr) => tr
            .names
            .into_iter()
            .zip(tr.per_function)
            .map(|(n, ts)| Function {
                name: n,
                arrival: Arrival::Times(ts.into_iter().map(|x| SimTime::ZERO + secs(x)).collect()),
                ..base.clone()
            })
            .collect(),
        Err(e) => {
            d.push(
                cx.src,
                &t.at("trace_file"),
                format!("bad invocation trace: {e}"),
                "fix the trace file (header time_s,function; a row per invocation, sorted by time) or the path (relative to the spec)",
            );
            Vec::new()
        }
    }
}

/// `arrival = "azure"`: the `top` busiest functions of an Azure Functions 2019 day
/// (`invocations_file`, with `durations_file` and `memory_file` if given), over its first
/// `minutes` minutes.
fn azure_functions(
    t: &mut Tab<'_>,
    base: &Function,
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) -> Vec<Function> {
    let inv = file_key(
        t,
        "invocations_file",
        d,
        "add `invocations_file = \"invocations_per_function_md.anon.d01.csv\"` (relative to the spec)",
    );
    let dur = t.str("durations_file", d).map(str::to_string);
    let mem = t.str("memory_file", d).map(str::to_string);
    let top = t.u64_lim("top", &limits::FN_TOP, d, 100) as usize;
    let minutes = t
        .has("minutes")
        .then(|| t.u64_lim("minutes", &limits::FN_MINUTES, d, 1440) as usize);
    let spread = match t.choice("spread", d, &["uniform", "even"], "uniform") {
        "even" => Spread::Even,
        _ => Spread::Uniform,
    };
    let Some(inv) = inv else {
        return Vec::new();
    };
    let paths = (
        cx.base_dir.join(&inv),
        dur.as_ref().map(|p| cx.base_dir.join(p)),
        mem.as_ref().map(|p| cx.base_dir.join(p)),
    );
    let trace = match mlsim_datasets::read_azure_trace(
        &paths.0,
        paths.1.as_deref(),
        paths.2.as_deref(),
    ) {
        Ok(tr) => tr,
        Err(e) => {
            d.push(
                cx.src,
                &t.at("invocations_file"),
                format!("bad Azure Functions trace: {e}"),
                "fix the file, or the paths (relative to the spec) of `invocations_file`, `durations_file`, `memory_file`",
            );
            return Vec::new();
        }
    };
    let keep = minutes.unwrap_or(trace.minutes as usize);
    // The busiest functions over the kept minutes (ties: file order).
    let mut order: Vec<(u64, usize)> = trace
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                f.per_minute.iter().take(keep).map(|&c| u64::from(c)).sum(),
                i,
            )
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    order.truncate(top);
    order.sort_by_key(|&(_, i)| i);
    order
        .into_iter()
        .map(|(_, i)| {
            let f = &trace.functions[i];
            let duration = f
                .duration
                .as_ref()
                .and_then(|x| x.lognormal_fit())
                .map_or(base.duration, |(mu, sigma)| lognormal(mu, sigma));
            let memory_bytes = f
                .memory_mb
                .as_ref()
                .filter(|m| m.average_mb > 0.0)
                .map_or(base.memory_bytes, |m| (m.average_mb * MIB).round() as u64);
            Function {
                name: format!("{}/{}", short(&f.app), short(&f.function)),
                memory_bytes,
                duration,
                arrival: Arrival::PerMinute {
                    counts: f.per_minute.iter().take(keep).copied().collect(),
                    spread,
                },
                ..base.clone()
            }
        })
        .collect()
}

/// The first 8 characters of a hash (names stay readable in records and figures).
fn short(h: &str) -> &str {
    h.get(..8).unwrap_or(h)
}

/// Every function's instance must fit on at least one worker.
pub fn memory_fits(s: &Serverless, workers: &[u32], bbus: &[Bbu], cx: &mut Ctx<'_>, d: &mut Diags) {
    let most = workers
        .iter()
        .map(|&w| bbus[w as usize].memory_mib.saturating_mul(1 << 20))
        .max()
        .unwrap_or(0);
    if let Some(f) = s.functions.iter().find(|f| f.memory_bytes > most) {
        d.push(
            cx.src,
            &FieldPath::default().key("serverless").key("functions"),
            format!(
                "an instance of {} needs {:.1} MiB but the largest worker BBU has {} MiB",
                f.name,
                f.memory_bytes as f64 / MIB,
                most >> 20
            ),
            "lower its memory_mib, or raise [bbu] memory_gib",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::{Options, parse_with};
    use mlsim_core::scenario::TimeDist;
    use std::path::Path;

    const BASE: &str = "[experiment]\nkind = \"serverless\"\n[serverless]\n";
    const FUNCTION: &str =
        "[[serverless.functions]]\nmemory_mib = 100\nrate_per_s = 1.0\ninvocations = 1\n";

    fn serverless(keys: &str, model: &str) -> mlsim_core::serverless::Serverless {
        let text = BASE.replace(
            "[experiment]\n",
            &format!("[experiment]\nmodel = \"{model}\"\n"),
        ) + keys
            + FUNCTION;
        let s = parse_with(Path::new("t.toml"), text, &Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
        s.points[0].scenario.serverless.clone().expect("serverless")
    }

    #[test]
    fn start_costs_come_from_the_spec_else_the_model_else_half_a_second() {
        // The default model's [serverless]: 168.0446 ms + 0.4789 ms/MiB, cv 0.0817, warm
        // 1.7057 ms. A function of 100 MiB: 168.0446 + 47.89 = 215.9346 ms.
        let s = serverless("", "default");
        let TimeDist::LogNormal { mean, cv } = s.cold_start_of(0) else {
            panic!("{:?}", s.cold_start)
        };
        assert!((mean.as_millis_f64() - 215.9346).abs() < 1e-3, "{mean:?}");
        assert!((cv - 0.0817).abs() < 1e-12);
        assert!((s.warm_start.as_millis_f64() - 1.7057).abs() < 1e-6);
        // Any cold-start key in the spec: the spec's cold start (per MiB 0, cv 0 unless given);
        // the warm start is still the model's.
        let s = serverless("cold_start_ms = 300\n", "default");
        assert_eq!(
            s.cold_start_of(0),
            TimeDist::Constant(mlsim_core::SimDuration::from_millis_f64(300.0))
        );
        assert!((s.warm_start.as_millis_f64() - 1.7057).abs() < 1e-6);
        // A model without [serverless] ("paper"): 500 ms constant, no warm-start cost.
        let s = serverless("", "paper");
        assert_eq!(
            s.cold_start_of(0),
            TimeDist::Constant(mlsim_core::SimDuration::from_millis_f64(500.0))
        );
        assert_eq!(s.warm_start, mlsim_core::SimDuration::ZERO);
    }
}
