//! Up-front estimates of what a spec will cost: runs, simulated events, output bytes and peak
//! memory, from each sweep point's scenario alone (no run is simulated). Validation refuses a
//! spec whose estimated peak memory exceeds the memory available (see [`available_memory`])
//! unless `--force` is given.
//!
//! The model is linear and rough (within a factor of about two of what was measured, see the
//! README's "Limits and estimates"): per run,
//!
//! - requests R (all classes), invocations I = Σ requests × ⌈work / r_limit⌉ per request (work =
//!   set-up + items × mean item time, at the mean speed of the workers; one invocation without
//!   r_limit), checkpoints C = I − R, BBUs B, load changes L (diurnal: duration / step per BBU,
//!   Markov: duration / mean holding time, trace: rows), suspend-study events V = functions ×
//!   events, probe samples S;
//! - events = `EV_*` constants × those counts; output bytes of the run file = `OUT_*` × counts;
//!   memory of one run in flight = `MEM_*` × counts (the model's state; records stream to the
//!   run file as they are produced);
//! - memory of the summaries after the runs: protocol studies stream their requests and hold
//!   a few numbers per request and each checkpoint record (`MEM_POST_*`); the suspend and
//!   serverless studies' summaries read their CSVs whole (`MERGE_FACTOR` × the run file).
//!
//! For the whole spec: output = 2 × the run files (the files in `runs/` and the merged CSVs)
//! plus the manifest; peak memory = the process and the spec's points, plus the larger of
//! (runs in parallel × the largest run) and (the summaries of all runs). The merge streams
//! (it holds one row at a time).
//!
//! The constants were measured on the 2-core reference machine (release build, 2026-12-06,
//! `/usr/bin/time -v` maximum resident set and `du -sb` of the result folder) with
//! experiments/fig6.toml, fig4.toml, policies.toml, iot-suspend.toml and policies-scale.toml;
//! each constant says which spec fixed it.

use mlsim_core::backend::RunKind;
use mlsim_core::scenario::{Arrival, LoadProcess, Scenario};

// --- events per unit (the `events` column of runs.csv against the counts) ---
/// Events per request: fig6.toml (48.6 events per run of 1 request and 8.7 invocations) and
/// policies.toml (24,600 per run of 700 requests, 1,884 invocations, ~9,000 load samples).
const EV_REQUEST: f64 = 10.0;
/// Events per invocation: fig6.toml, policies.toml.
const EV_INVOCATION: f64 = 4.5;
/// Events per load sample (the sample, notices, evictions; samples that keep C-RAN's core
/// count are not events): policies-scale.toml at a tenth of its rate (67.7 million events per
/// run of 60.5 million diurnal samples and 453,600 requests, 2026-12-07).
const EV_LOAD: f64 = 1.0;
/// Events per event of a suspend study: iot-suspend.toml (2,175 per run of 640 events).
const EV_SUSPEND: f64 = 3.5;
/// Events per serverless invocation: arrival, end, and about one keep-alive timer.
const EV_CALL: f64 = 3.0;
/// Events per probe sample: fig4.toml (50 per run of 50 samples).
const EV_SAMPLE: f64 = 1.0;

// --- output bytes of one run file (runs/NNNNNN.csv; the merged CSVs hold the same rows) ---
/// Fixed part (the [run] section, the section headers, steps.csv): fig6.toml (3,004 bytes
/// per run of 1 request, 8.7 invocations, 6 checkpoints, 3 BBUs).
const OUT_RUN: f64 = 1_100.0;
/// Per request (a requests.csv row): fig6.toml, policies.toml (99 and 110 bytes a row).
const OUT_REQUEST: f64 = 110.0;
/// Per invocation (an invocations.csv row): fig6.toml, policies.toml (96, 97 bytes).
const OUT_INVOCATION: f64 = 100.0;
/// Per checkpoint (a checkpoints.csv row): fig6.toml, policies.toml (80, 82 bytes).
const OUT_CHECKPOINT: f64 = 85.0;
/// Per BBU (a bbus.csv row and about two links.csv rows): fig6.toml, policies.toml.
const OUT_BBU: f64 = 160.0;
/// Per suspend-study event (an events.csv row): iot-suspend.toml (81 bytes).
const OUT_SUSPEND: f64 = 85.0;
/// Bytes of `calls.csv` (run file and merged copy) per serverless invocation.
const OUT_CALL: f64 = 2.0 * 110.0;
/// Per suspend-study function (a functions.csv row): iot-suspend.toml (74 bytes).
const OUT_FUNCTION: f64 = 75.0;
/// Per probe sample (a checkpoints.csv row): fig4.toml (5.5 kB per run of 50 samples).
const OUT_SAMPLE: f64 = 88.0;

// --- memory of one run in flight [bytes] ---
/// Fixed part of a run (its model state, buffers).
const MEM_RUN: f64 = 200_000.0;
/// Per request (its state; its records stream to the run file): policies-scale.toml
/// (`mlsim bench model`: 232 MB over the baseline for a run of 4.5 million requests, 7.9
/// million invocations and 1,000 BBUs, 2026-12-07).
const MEM_REQUEST: f64 = 30.0;
/// Per invocation (its state): policies-scale.toml, as above.
const MEM_INVOCATION: f64 = 10.0;
/// Per BBU (its state, load source, forecast): policies-scale.toml.
const MEM_BBU: f64 = 20_000.0;
/// Per suspend-study event (its record): iot-suspend.toml.
const MEM_SUSPEND: f64 = 400.0;
/// Memory per serverless function (its streams, state and policy) \[bytes\]; invocations
/// stream and are not held.
const MEM_FAAS_FUNCTION: f64 = 2500.0;
/// Per held load-trace row (a (time, load) pair and its copies).
const MEM_TRACE_ROW: f64 = 48.0;

// --- the process and the spec ---
/// The process before any run (binary, fonts, allocator): fig4.toml's 15.6 MB peak (6 tiny
/// runs).
const MEM_PROCESS: f64 = 15e6;
/// Per sweep point held by the spec (its scenario, without BBUs).
const MEM_POINT: f64 = 2_000.0;
/// Per BBU of a point held by the spec.
const MEM_POINT_BBU: f64 = 150.0;
/// Per run of the plan and the manifest (seed, point, JSON row).
const MEM_PLAN_RUN: f64 = 300.0;
/// Manifest bytes per run (its JSON row of the run plan).
const OUT_MANIFEST_RUN: f64 = 100.0;
/// A run folder's `check.txt` (a line per table: fig6.toml's are 300 bytes).
const OUT_RUN_CHECK: f64 = 300.0;
/// The Parquet tables (`--format both`, the default) per byte of CSV tables: policies.toml,
/// 12 MB of Parquet for 44 MB of CSV (2026-12-07).
const OUT_PARQUET: f64 = 0.27;
/// Memory the Parquet writer holds per byte of CSV it converts, up to one row group (131,072
/// rows) of the widest table, about [`PARQUET_GROUP_CSV`] bytes of CSV: policies.toml peaks at
/// 84 MB with Parquet against 37 MB without (2026-12-07).
const MEM_PARQUET: f64 = 5.0;
/// The CSV bytes of one Parquet row group, past which the writer's memory stops growing.
const PARQUET_GROUP_CSV: f64 = 13e6;
/// The suspend and serverless summaries parse their merged CSVs whole: this times the run
/// files' bytes (measured 2.5 for iot-suspend.toml, peak less `MEM_PROCESS`).
const MERGE_FACTOR: f64 = 1.5;
/// Memory the protocol summaries hold per request (completion times for the CI, the CDF and
/// the percentiles): `mlsim plot` of policies-scale.toml's folder, 226 MB for 9.1 million
/// requests and 407,000 checkpoints (2026-12-07).
const MEM_POST_REQUEST: f64 = 24.0;
/// Memory the protocol summary holds per checkpoint (its record; checkpoints are read whole).
const MEM_POST_CHECKPOINT: f64 = 150.0;

/// What one sweep point's runs are estimated to cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PointCost {
    /// Simulated events per run.
    pub events: f64,
    /// Bytes of one run file.
    pub run_bytes: f64,
    /// Memory of one run in flight \[bytes\].
    pub run_memory: f64,
    /// Memory the spec holds for the point itself \[bytes\].
    pub held: f64,
    /// Memory the summaries hold for one run of the point, after the runs \[bytes\].
    pub post: f64,
}

/// The estimates of a whole spec.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    /// Sweep points.
    pub points: u64,
    /// Runs (points × replications).
    pub runs: u64,
    /// Simulated events over all runs.
    pub events: f64,
    /// Bytes written to the result folder (run files, merged CSVs, manifest).
    pub output_bytes: f64,
    /// Peak resident memory of `mlsim run` \[bytes\].
    pub peak_memory: f64,
    /// The largest single run's memory \[bytes\].
    pub largest_run_memory: f64,
}

impl Estimate {
    /// One line for `mlsim validate`: `1350 runs, ~2.1e6 events, ~5.3 MB output, ~60 MB peak memory`.
    pub fn summary(&self) -> String {
        format!(
            "{} runs, ~{} events, ~{} output, ~{} peak memory (estimates)",
            self.runs,
            count(self.events),
            bytes(self.output_bytes),
            bytes(self.peak_memory)
        )
    }
}

/// A count as `2.1e6`, small counts as they are.
pub fn count(x: f64) -> String {
    if x < 1e4 {
        format!("{}", x.round() as u64)
    } else {
        format!("{x:.1e}")
    }
}

/// Bytes in decimal units: `5.3 MB`.
pub fn bytes(x: f64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (u, f) in units {
        if x >= f {
            return format!("{:.1} {u}", x / f);
        }
    }
    format!("{} B", x.round() as u64)
}

/// The cost of one point's runs.
pub fn point(kind: RunKind, sc: &Scenario) -> PointCost {
    let bbus = sc.topology.bbus.len() as f64;
    let trace_rows: f64 = sc
        .topology
        .bbus
        .iter()
        .map(|b| match &b.load {
            LoadProcess::Trace(v) => v.len() as f64,
            _ => 0.0,
        })
        .sum();
    let held = MEM_POINT + MEM_POINT_BBU * bbus + MEM_TRACE_ROW * trace_rows;
    let mut post = None;
    let (events, run_bytes, run_memory) = match kind {
        RunKind::CheckpointProbe { samples } => {
            let s = samples as f64;
            (EV_SAMPLE * s, OUT_RUN + OUT_SAMPLE * s, MEM_RUN + 400.0 * s)
        }
        RunKind::Suspend => {
            let v = sc
                .suspend
                .as_ref()
                .map_or(0.0, |s| s.functions as f64 * s.events.max(1) as f64);
            (
                EV_SUSPEND * v,
                OUT_RUN
                    + OUT_SUSPEND * v
                    + OUT_FUNCTION * sc.suspend.as_ref().map_or(0.0, |s| s.functions as f64)
                    + OUT_BBU * bbus,
                MEM_RUN + MEM_SUSPEND * v + MEM_BBU * bbus,
            )
        }
        RunKind::Serverless => {
            let (calls, functions, held) = sc.serverless.as_ref().map_or((0.0, 0.0, 0.0), |s| {
                let calls: f64 = s.functions.iter().map(|f| f.arrival.count() as f64).sum();
                // Trace arrivals are held: 8 bytes per time, 4 per minute count.
                let held: f64 = s
                    .functions
                    .iter()
                    .map(|f| match &f.arrival {
                        mlsim_core::serverless::Arrival::Times(t) => 8.0 * t.len() as f64,
                        mlsim_core::serverless::Arrival::PerMinute { counts, .. } => {
                            4.0 * counts.len() as f64
                        }
                        _ => 0.0,
                    })
                    .sum();
                (calls, s.functions.len() as f64, held)
            });
            (
                EV_CALL * calls,
                OUT_RUN + OUT_CALL * calls + OUT_BBU * bbus,
                MEM_RUN + MEM_FAAS_FUNCTION * functions + held + MEM_BBU * bbus,
            )
        }
        RunKind::Protocol => {
            let workers = &sc.topology.workers;
            let speed = if workers.is_empty() {
                1.0
            } else {
                workers
                    .iter()
                    .map(|w| sc.topology.bbus[*w as usize].speed)
                    .sum::<f64>()
                    / workers.len() as f64
            };
            let r_limit = sc.checkpoint.r_limit.map(|d| d.as_secs_f64());
            // Without r_limit, evictions under a fluctuating load make invocations vacate:
            // policies.toml has 2.7 invocations per request, policies-scale.toml 1.7.
            let evicted = sc.eviction.notice != mlsim_core::scenario::Notice::None
                && sc
                    .topology
                    .bbus
                    .iter()
                    .any(|b| !matches!(b.load, LoadProcess::Constant(_)));
            let (mut requests, mut invocations, mut duration) = (0.0, 0.0, 0.0f64);
            for w in &sc.workloads {
                let r = w.requests as f64;
                let work = (w.app.setup.map_or(0.0, |s| s.mean().as_secs_f64())
                    + w.items as f64 * w.app.item_time.mean().as_secs_f64())
                    / speed.max(1e-9);
                let per = match r_limit {
                    Some(l) if l > 0.0 => (work / l).ceil().max(1.0),
                    _ if evicted => 2.2,
                    _ => 1.0,
                } * w.app.shards.max(1) as f64;
                requests += r;
                invocations += r * per;
                duration = duration.max(match w.arrival {
                    Arrival::Poisson { rate_per_s } => r / rate_per_s + work,
                    Arrival::Sequential => r * (work + 0.1),
                });
            }
            let horizon = sc.horizon.as_secs_f64();
            let duration = duration.min(horizon);
            let loads: f64 = sc
                .topology
                .bbus
                .iter()
                .map(|b| match &b.load {
                    LoadProcess::Constant(_) => 0.0,
                    LoadProcess::Trace(v) => v.len() as f64,
                    LoadProcess::Diurnal { step, .. } => duration / step.as_secs_f64().max(1e-3),
                    LoadProcess::Markov { mean_hold, .. } => {
                        let m = mean_hold.iter().map(|d| d.as_secs_f64()).sum::<f64>()
                            / mean_hold.len().max(1) as f64;
                        duration / m.max(1e-3)
                    }
                })
                .sum();
            let checkpoints = (invocations - requests).max(0.0);
            // The summary holds checkpoint records: with r_limit about one per extra
            // invocation; under evictions alone far fewer (policies-scale.toml: 0.045 per
            // request, policies.toml 0.6): a fifth of a checkpoint per request.
            let held_checkpoints = match r_limit {
                Some(l) if l > 0.0 => checkpoints,
                _ => checkpoints.min(requests / 5.0),
            };
            post = Some(MEM_POST_REQUEST * requests + MEM_POST_CHECKPOINT * held_checkpoints);
            (
                EV_REQUEST * requests + EV_INVOCATION * invocations + EV_LOAD * loads,
                OUT_RUN
                    + OUT_REQUEST * requests
                    + OUT_INVOCATION * invocations
                    + OUT_CHECKPOINT * checkpoints
                    + OUT_BBU * bbus,
                MEM_RUN
                    + MEM_REQUEST * requests
                    + MEM_INVOCATION * invocations
                    + MEM_BBU * bbus
                    + MEM_TRACE_ROW * trace_rows,
            )
        }
    };
    PointCost {
        events,
        run_bytes,
        run_memory,
        held,
        post: post.unwrap_or(MERGE_FACTOR * run_bytes),
    }
}

/// The estimate of a spec of `costs` (one per point), `replications` each, run `jobs` at a time.
pub fn total(costs: &[PointCost], replications: u32, jobs: usize) -> Estimate {
    let reps = replications as f64;
    let runs = costs.len() as u64 * replications as u64;
    let events: f64 = costs.iter().map(|c| c.events * reps).sum();
    let run_files: f64 = costs.iter().map(|c| c.run_bytes * reps).sum();
    let post: f64 = costs.iter().map(|c| c.post * reps).sum();
    let largest = costs.iter().map(|c| c.run_memory).fold(0.0, f64::max);
    let held: f64 = costs.iter().map(|c| c.held).sum::<f64>() + MEM_PLAN_RUN * runs as f64;
    let in_flight = largest * (jobs.max(1) as f64).min(runs.max(1) as f64);
    Estimate {
        points: costs.len() as u64,
        runs,
        events,
        // The run folders, the merged CSVs and their Parquet twins.
        output_bytes: (2.0 + OUT_PARQUET) * run_files
            + (OUT_MANIFEST_RUN + OUT_RUN_CHECK) * runs as f64,
        peak_memory: MEM_PROCESS
            + held
            + in_flight
                .max(post)
                .max(MEM_PARQUET * run_files.min(PARQUET_GROUP_CSV)),
        largest_run_memory: largest,
    }
}

/// The memory validation may plan for \[bytes\]: `MLSIM_MEMORY_LIMIT_BYTES` if set (for tests
/// and for a machine shared with other jobs), else `MemAvailable` of `/proc/meminfo`; `None`
/// where neither is known (the check is then skipped).
pub fn available_memory() -> Option<f64> {
    if let Ok(v) = std::env::var("MLSIM_MEMORY_LIMIT_BYTES") {
        if let Ok(x) = v.trim().parse::<f64>() {
            return Some(x);
        }
    }
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    meminfo_available(&text)
}

/// `MemAvailable` of `/proc/meminfo` text \[bytes\].
fn meminfo_available(text: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mem_available() {
        let t = "MemTotal:       24000000 kB\nMemFree: 1 kB\nMemAvailable:   2000 kB\n";
        assert_eq!(meminfo_available(t), Some(2000.0 * 1024.0));
        assert_eq!(meminfo_available("MemTotal: 1 kB\n"), None);
    }

    #[test]
    fn units_read_plainly() {
        assert_eq!(bytes(5_300_000.0), "5.3 MB");
        assert_eq!(bytes(999.0), "999 B");
        assert_eq!(count(2_100_000.0), "2.1e6");
    }
}
