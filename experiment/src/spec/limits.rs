//! Limits of a spec: the documented range of every number a spec gives (one table, [`ALL`],
//! that the reader checks and the README's "Limits and estimates" table is written from), the
//! fixed caps that keep validation linear and bounded (file size, string length, figures, sweep
//! points, runs), and the sizes that bound what one point may hold in memory.
//!
//! The ranges are chosen so that no sane study leaves them and every spec in `experiments/` and
//! in the tests stays inside; their ends are where a value stops meaning anything physical for a
//! C-RAN study (a rate of one request in 11 days, a link of 1 kbit/s) or where the run could no
//! longer be held in memory (10⁷ requests of one class).

use super::diag::{Diags, FieldPath, Seg, Source};

/// The documented range of one numeric spec key.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Where the key is (for the README and messages), e.g. `workload.requests`.
    pub field: &'static str,
    /// Its unit (`""` for a count).
    pub unit: &'static str,
    /// Smallest value.
    pub min: f64,
    /// Whether `min` itself is excluded (the value must be greater).
    pub min_open: bool,
    /// Largest value.
    pub max: f64,
    /// Whether the value is a whole number.
    pub integer: bool,
    /// Why the ends are where they are (for the README and the fix).
    pub why: &'static str,
}

impl Limit {
    /// Whether `x` is inside the range.
    pub fn contains(&self, x: f64) -> bool {
        x.is_finite()
            && (if self.min_open {
                x > self.min
            } else {
                x >= self.min
            })
            && x <= self.max
    }

    /// The range in words, e.g. `between 0.000001 and 1000000`.
    pub fn range_text(&self) -> String {
        if self.min_open {
            format!(
                "greater than {} and at most {}",
                num(self.min),
                num(self.max)
            )
        } else {
            format!("between {} and {}", num(self.min), num(self.max))
        }
    }

    /// The range as the README writes it: `[1e-6, 1e6]`, `(0, 1e8]`.
    pub fn interval(&self) -> String {
        format!(
            "{}{}, {}]",
            if self.min_open { "(" } else { "[" },
            short(self.min),
            short(self.max)
        )
    }
}

/// A number for messages: integers without a fraction, others as Rust prints them.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A number for the README table: large and small round numbers as `1e6`, `3.6e8`, `1e-6`;
/// others as written.
fn short(x: f64) -> String {
    let e = format!("{x:e}");
    let a = x.abs();
    if x != 0.0 && !(1e-3..1e4).contains(&a) && e.len() <= 5 {
        e
    } else {
        num(x)
    }
}

macro_rules! limits {
    ($($name:ident = $field:literal, $unit:literal, $open:literal $min:literal, $max:literal, $int:literal, $why:literal;)*) => {
        $(
            #[doc = concat!("`", $field, "`: ", $why)]
            pub const $name: Limit = Limit {
                field: $field,
                unit: $unit,
                min: $min as f64,
                min_open: $open,
                max: $max as f64,
                integer: $int,
                why: $why,
            };
        )*
        /// Every range, in the order of the README's table.
        pub const ALL: &[Limit] = &[$($name),*];
    };
}

// name = field, unit, min_open min, max, integer, why
limits! {
    REPLICATIONS = "experiment.replications", "", false 1, 100_000, true, "runs per point; all runs together are capped too (see below)";
    SAMPLES = "experiment.samples", "", false 1, 100_000, true, "checkpoints per probe run";
    HORIZON_S = "experiment.horizon_s", "s", true 0, 1e8, false, "about 3 years of simulated time";
    BBUS = "topology.bbus", "", false 1, 100_000, true, "per-BBU state, load sources and the placement index grow with it";
    UES = "topology.ues", "", false 1, 1_000_000, true, "clients";
    CORES = "bbu.cores", "", false 1, 4096, true, "cores of one BBU";
    SPEED = "bbu.speed", "", false 0.001, 1000, false, "relative to the reference core";
    MEMORY_GIB = "bbu.memory_gib", "GiB", false 0.001, 1e6, false, "1 MiB to 1 PiB";
    EXTRA_LATENCY_MS = "bbu.extra_latency_ms", "ms", false 0, 1e6, false, "up to 1000 s";
    WIRED_BW = "bbu.wired_bandwidth_mbps", "Mbit/s", false 0.001, 1e7, false, "1 kbit/s to 10 Tbit/s";
    LATENCY_MS = "links.{radio,wired,local}.latency_ms", "ms", false 0, 1e6, false, "up to 1000 s";
    BANDWIDTH = "links.{radio,wired,local}.bandwidth_mbps", "Mbit/s", false 0.001, 1e7, false, "1 kbit/s to 10 Tbit/s";
    TCP_WINDOW = "links.tcp_initial_window", "segments", false 1, 10_000, true, "Linux uses 10";
    TCP_MSS = "links.tcp_mss_bytes", "bytes", false 100, 65_535, true, "an IP packet";
    PROTOCOL_BYTES = "protocol.{header,request,notify,install,invoke}_bytes", "bytes", false 0, 1e9, true, "1 GB per message";
    COLD_START_MS = "protocol.cold_start_ms", "ms", false 0, 1e7, false, "under 3 h";
    ITEMS = "workload.items", "", false 1, 1_000_000, true, "items per request";
    REQUESTS = "workload.requests", "", false 1, 10_000_000, true, "requests of one class per run (each is held in memory)";
    SHARDS = "workload.shards", "", false 1, 1024, true, "parallel workers of one request";
    RATE_PER_S = "workload.arrival.rate_per_s", "1/s", false 1e-6, 1e6, false, "one request in 11 days to a million a second";
    R_LIMIT_S = "checkpoint.r_limit_s", "s", false 0.001, 1e6, false, "1 ms to 11 days";
    TRACKER_MARGIN_MS = "checkpoint.tracker_margin_ms", "ms", false 0, 1e6, false, "up to 1000 s";
    TRACKER_SIGMAS = "checkpoint.tracker_sigmas", "standard deviations", false 0, 100, false, "k of mean × (1 + k·cv)";
    MAX_IDLE = "checkpoint.max_idle_invocations", "", false 1, 1000, true, "invocations without progress";
    GRACE_S = "eviction.grace_s", "s", false 0, 1e6, false, "up to 11 days";
    LOAD_SHARE = "bbu.load.{fraction,mean,amplitude,noise_sd,levels}", "share of cores", false 0, 1, false, "a share of the cores";
    LOAD_HOURS = "bbu.load.{period,peak,peak_jitter}_h", "h", false 0, 100_000, false, "about 11 years";
    LOAD_SECS = "bbu.load.{period,peak,peak_jitter}_s", "s", false 0, 3.6e8, false, "the same in seconds";
    STEP_S = "bbu.load.step_s", "s", false 0.001, 1e6, false, "one sample per ms at most";
    MEAN_HOLD_S = "bbu.load.mean_hold_s", "s", false 0.001, 1e8, false, "one change per ms at most";
    COUNT = "functions.count", "", false 1, 100_000, true, "functions deployed";
    FN_MEMORY_MIB = "functions.memory_mib", "MiB", true 0, 1e7, false, "up to 10 TiB";
    EVENTS_PER_S = "functions.events_per_s", "1/s", false 1e-6, 1e6, false, "one event in 11 days to a million a second";
    EVENTS = "functions.events", "", false 1, 1_000_000, true, "events per function";
    PHASE_S = "functions.phase_s", "s", false 0, 1e6, false, "up to 11 days";
    BURST_MS = "functions.burst_ms", "ms", false 0, 1e6, false, "up to 1000 s";
    BURST_CV = "functions.burst_cv", "std/mean", false 0, 100, false, "coefficient of variation";
    IDLE_S = "suspend.idle_s", "s", false 0, 1e6, false, "up to 11 days";
    SL_INSTANCES = "serverless.instances", "", false 0, 10_000, true, "always-on instances per function (serverful)";
    SL_KEEP_ALIVE_S = "serverless.keep_alive_s", "s", false 0, 1e7, false, "up to 115 days";
    SL_COLD_MS = "serverless.{cold,warm}_start_ms", "ms", false 0, 1e7, false, "under 3 h";
    SL_CV = "serverless.cold_start_cv, functions.duration_cv", "std/mean", false 0, 100, false, "coefficient of variation";
    SL_PER_MIB = "serverless.cold_start_per_mib_ms", "ms/MiB", false 0, 1e4, false, "building a function's memory";
    SL_WINDOW_S = "serverless.kpa_{stable,panic,grace,tick}_s, hist_{bin,range}_s, hotc_interval_s", "s", true 0, 1e7, false, "a window of the policy";
    SL_FACTOR = "serverless.kpa_{target,panic_threshold}", "", true 0, 1e6, false, "a positive factor";
    SL_SHARE = "serverless.{hist_margin,hotc_alpha}, functions.burst_p", "", false 0, 1, false, "a share";
    SL_PCT = "serverless.hist_{head,tail}_pct", "%", false 0, 100, false, "a percentile";
    SL_MIN_SAMPLES = "serverless.hist_min_samples", "", false 0, 1_000_000, true, "idle times before the histogram is trusted";
    FN_COUNT = "serverless.functions.count", "", false 1, 1_000_000, true, "replicas of a function";
    FN_CONCURRENCY = "serverless.functions.concurrency", "", false 1, 10_000, true, "invocations one instance serves at once";
    FN_DURATION_MS = "serverless.functions.duration_ms", "ms", true 0, 1e9, false, "up to 11 days";
    FN_SIGMA = "serverless.functions.duration_{mu,sigma}", "ln s", false -50, 50, false, "log-normal parameters of the duration in seconds";
    FN_IMAGE_MIB = "serverless.functions.image_mib", "MiB", false 0, 1e6, false, "up to 1 TiB";
    FN_RATE = "serverless.functions.rate_per_s", "1/s", false 1e-6, 1e6, false, "one invocation in 11 days to a million a second";
    FN_INVOCATIONS = "serverless.functions.invocations", "", false 1, 1e9, true, "invocations per function (they stream: not held in memory)";
    FN_PERIOD_S = "serverless.functions.{period,phase,jitter}_s", "s", false 0, 1e7, false, "up to 115 days";
    FN_BURST_SIZE = "serverless.functions.burst_size", "", false 0, 10_000, true, "readings of a burst";
    FN_BURST_GAP_MS = "serverless.functions.burst_gap_ms", "ms", false 0, 1e7, false, "under 3 h";
    FN_TOP = "serverless.functions.top", "", false 1, 1_000_000, true, "busiest functions of a trace kept";
    FN_MINUTES = "serverless.functions.minutes", "", false 1, 1_000_000, true, "minutes of a trace kept";
}

/// Largest spec or model file read \[bytes\] (the largest spec of `experiments/` has 5 KB).
pub const MAX_SPEC_BYTES: u64 = 1 << 20;
/// Longest string value of a spec \[bytes\] (names, paths, choices).
pub const MAX_STRING_BYTES: usize = 4096;
/// Most sweep points of one spec (each is validated and held as a scenario).
pub const MAX_POINTS: u64 = 100_000;
/// Most runs (points × replications) of one spec.
pub const MAX_RUNS: u64 = 1_000_000;
/// Most BBUs over all sweep points (each point holds a copy of its BBUs).
pub const MAX_POINT_BBUS: u64 = 10_000_000;
/// Most load-trace rows held over all BBUs of one point (each BBU holds its trace).
pub const MAX_TRACE_SAMPLES: u64 = 20_000_000;
/// Most problems reported (the count of the others is given).
pub const MAX_PROBLEMS: usize = 100;
/// Most `[[workload]]` classes and `[[bbu_override]]` blocks.
pub const MAX_BLOCKS: usize = 1000;

/// Checks what every later step's time depends on, in one linear pass over the parsed spec:
/// string values and keys at most [`MAX_STRING_BYTES`], at most [`MAX_BLOCKS`] `[[workload]]`
/// classes and `[[bbu_override]]` blocks.
pub fn check_values(src: &Source, table: &toml::Table, d: &mut Diags) {
    let mut path = FieldPath::default();
    walk_table(src, table, &mut path, d);
    for key in ["workload", "bbu_override"] {
        if let Some(toml::Value::Array(a)) = table.get(key)
            && a.len() > MAX_BLOCKS
        {
            d.push(
                src,
                &FieldPath::default().key(key),
                format!(
                    "{} [[{key}]] blocks, more than the limit of {MAX_BLOCKS}",
                    a.len()
                ),
                format!("use at most {MAX_BLOCKS} [[{key}]] blocks"),
            );
        }
    }
}

fn walk_table(src: &Source, t: &toml::Table, path: &mut FieldPath, d: &mut Diags) {
    for (k, v) in t {
        if k.len() > MAX_STRING_BYTES {
            d.push(
                src,
                path,
                format!(
                    "a key of {} bytes, more than the limit of {MAX_STRING_BYTES} bytes",
                    k.len()
                ),
                "remove it (keys are short names such as `items`)",
            );
            continue;
        }
        path.0.push(Seg::Key(k.clone()));
        walk_value(src, v, path, d);
        path.0.pop();
    }
}

fn walk_value(src: &Source, v: &toml::Value, path: &mut FieldPath, d: &mut Diags) {
    match v {
        toml::Value::String(s) if s.len() > MAX_STRING_BYTES => d.push(
            src,
            path,
            format!(
                "a string of {} bytes, more than the limit of {MAX_STRING_BYTES} bytes",
                s.len()
            ),
            format!(
                "shorten `{path}` to at most {MAX_STRING_BYTES} bytes (names, paths and choices are short)"
            ),
        ),
        toml::Value::Table(t) => walk_table(src, t, path, d),
        toml::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.0.push(Seg::Index(i));
                walk_value(src, x, path, d);
                path.0.pop();
            }
        }
        _ => {}
    }
}

/// The README's table of ranges and caps (checked against the README by a test).
pub fn readme_table() -> String {
    let mut s = String::from("| key | range | unit | why |\n|---|---|---|---|\n");
    for l in ALL {
        s += &format!(
            "| `{}` | {}{} | {} | {} |\n",
            l.field,
            l.interval(),
            if l.integer { ", whole" } else { "" },
            l.unit,
            l.why
        );
    }
    for e in mlsim_core::policies::REGISTRY {
        for p in e.params {
            s += &format!(
                "| `placement.{}` ({}) | [{}, {}] | | {} |\n",
                p.name,
                e.name,
                short(p.min),
                short(p.max),
                p.doc
            );
        }
    }
    let caps: [(&str, String); 9] = [
        ("spec and model file", format!("≤ {MAX_SPEC_BYTES} bytes")),
        ("any string value", format!("≤ {MAX_STRING_BYTES} bytes")),
        (
            "`experiment.figures`",
            "each figure at most once".to_string(),
        ),
        ("sweep points", format!("≤ {}", short(MAX_POINTS as f64))),
        (
            "runs (points × replications)",
            format!("≤ {}", short(MAX_RUNS as f64)),
        ),
        (
            "BBUs summed over the sweep points",
            format!("≤ {}", short(MAX_POINT_BBUS as f64)),
        ),
        (
            "load-trace rows × BBUs of one point",
            format!("≤ {}", short(MAX_TRACE_SAMPLES as f64)),
        ),
        (
            "`[[workload]]` classes, `[[bbu_override]]` blocks",
            format!("≤ {MAX_BLOCKS} each"),
        ),
        (
            "a request's last arrival (requests / rate_per_s), a function's last event (events / events_per_s)",
            format!("≤ {} s", short(HORIZON_S.max)),
        ),
    ];
    for (what, cap) in caps {
        s += &format!("| {what} | {cap} | | fixed cap |\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_well_formed_and_printed_plainly() {
        for l in ALL {
            assert!(l.min <= l.max, "{}", l.field);
            assert!(l.contains(l.max), "{}", l.field);
        }
        assert_eq!(RATE_PER_S.interval(), "[1e-6, 1e6]");
        assert_eq!(HORIZON_S.interval(), "(0, 1e8]");
        assert_eq!(RATE_PER_S.range_text(), "between 0.000001 and 1000000");
        assert!(!RATE_PER_S.contains(5e-324) && !RATE_PER_S.contains(f64::NAN));
    }

    #[test]
    fn the_readme_table_is_this_table() {
        let readme = include_str!("../../../README.md");
        let table = readme_table();
        assert!(
            readme.contains(&table),
            "README.md's \"Limits and estimates\" table differs from spec::limits::readme_table(); \
             paste this table into it:\n{table}"
        );
    }
}
