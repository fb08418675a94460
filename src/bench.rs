//! `mlsim bench`: performance figures, measured with release builds, printed (never asserted).

use anyhow::Result;
use mlsim_sim::queue::{EventQueue, key};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// One hold-model measurement.
pub struct HoldResult {
    /// What was measured.
    pub what: &'static str,
    /// Pending events.
    pub pending: usize,
    /// Events per second.
    pub rate: f64,
}

fn exp_ns(rng: &mut rand_chacha::ChaCha8Rng) -> u64 {
    let x: f64 = Exp1.sample(rng);
    (x * 1e9) as u64
}

/// The hold model on the bare radix queue: pop, push at now + Exp(1 s).
fn radix(pending: usize, events: u64, seed: u64) -> f64 {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut q = EventQueue::new();
    let mut seq = 0u64;
    for _ in 0..pending {
        q.push(
            key(exp_ns(&mut rng), 0, 0, seq),
            rng.random_range(0..1000u32),
        );
        seq += 1;
    }
    let t = Instant::now();
    for _ in 0..events {
        let (k, node) = q.pop().expect("pending");
        let now = (k >> 64) as u64;
        q.push(key(now + exp_ns(&mut rng), 0, 0, seq), node ^ 1);
        seq += 1;
    }
    events as f64 / t.elapsed().as_secs_f64()
}

/// The same on `std`'s binary heap, for comparison.
fn binary_heap(pending: usize, events: u64, seed: u64) -> f64 {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut q = BinaryHeap::new();
    let mut seq = 0u64;
    for _ in 0..pending {
        q.push(Reverse((
            key(exp_ns(&mut rng), 0, 0, seq),
            rng.random_range(0..1000u32),
        )));
        seq += 1;
    }
    let t = Instant::now();
    for _ in 0..events {
        let Reverse((k, node)) = q.pop().expect("pending");
        let now = (k >> 64) as u64;
        q.push(Reverse((key(now + exp_ns(&mut rng), 0, 0, seq), node ^ 1)));
        seq += 1;
    }
    events as f64 / t.elapsed().as_secs_f64()
}

/// The full engine (`Simulation` + a model with its own RNG stream): the kernel as models use it.
fn engine(pending: usize, events: u64, seed: u64) -> f64 {
    let mut sim = mlsim_sim::hold::build(pending as u32, 1000, seed);
    let t = Instant::now();
    mlsim_sim::hold::run(&mut sim, events);
    events as f64 / t.elapsed().as_secs_f64()
}

/// Runs the kernel benchmark at each queue size; `events` per measurement.
pub fn kernel(sizes: &[usize], events: u64) -> Vec<HoldResult> {
    let mut out = Vec::new();
    for &n in sizes {
        // Warm up the allocator and caches once per size.
        radix(n, events / 10, 7);
        for (what, f) in [
            (
                "engine (Simulation + hold model)",
                engine as fn(usize, u64, u64) -> f64,
            ),
            ("radix queue alone", radix),
            ("std BinaryHeap alone", binary_heap),
        ] {
            let rate = f(n, events, 1);
            out.push(HoldResult {
                what,
                pending: n,
                rate,
            });
        }
    }
    out
}

/// Resident memory per pending event of the radix queue holding `n` events of the protocol
/// model's size ([`mlsim_sim::model::EVENT_BYTES`]): what the queue's buckets cost with their
/// slack, measured as the growth of the resident set while it fills (`None` without
/// `/proc/self/status`).
fn pending_event_bytes(n: usize) -> Option<f64> {
    /// A payload of the protocol model's event size.
    type Payload = [u8; mlsim_sim::model::EVENT_BYTES - 16];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let before = proc_status_bytes("VmRSS")?;
    let mut q: EventQueue<Payload> = EventQueue::new();
    for seq in 0..n as u64 {
        q.push(
            key(exp_ns(&mut rng), 0, 0, seq),
            [0; mlsim_sim::model::EVENT_BYTES - 16],
        );
    }
    let after = proc_status_bytes("VmRSS")?;
    let per = after.saturating_sub(before) as f64 / n as f64;
    drop(std::hint::black_box(q));
    Some(per)
}

/// Prints the kernel benchmark.
pub fn print_kernel(events: u64) -> Result<()> {
    match pending_event_bytes(1_000_000) {
        Some(b) => println!(
            "pending events: {} B per event of the protocol model (16 B key + {} B event); the \
             radix queue holding 1 M of them: {b:.1} B per event resident",
            mlsim_sim::model::EVENT_BYTES,
            mlsim_sim::model::EVENT_BYTES - 16
        ),
        None => println!("pending events: memory not reported by this kernel (/proc/self/status)"),
    }
    println!("hold model: K tokens, Exp(1 s) holds, one thread; {events} events per measurement");
    println!("{:>10}  {:<34} {:>14}", "pending", "what", "events/s");
    for r in kernel(&[10_000, 1_000_000], events) {
        println!("{:>10}  {:<34} {:>14.0}", r.pending, r.what, r.rate);
    }
    if cfg!(debug_assertions) {
        println!("note: this is a debug build; figures are only meaningful with --release");
    }
    Ok(())
}

/// What one measurement of a spec counted.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct SpecCounts {
    /// Runs written.
    pub runs: usize,
    /// Simulation events of all runs.
    pub events: u64,
    /// Invocations of all runs (rows of `invocations.csv`).
    pub invocations: u64,
    /// Invocations of the largest run.
    pub largest_run_invocations: u64,
}

impl SpecCounts {
    /// Counts a finished run with `events` events and `invocations` invocations.
    pub fn add(&mut self, events: u64, invocations: u64) {
        self.runs += 1;
        self.events += events;
        self.invocations += invocations;
        self.largest_run_invocations = self.largest_run_invocations.max(invocations);
    }
}

/// Bytes of peak memory above the baseline per invocation held at once, when `in_flight` runs
/// of `largest` invocations each hold their records at the peak (a run holds its records until
/// it ends). `None` without invocations.
pub fn bytes_per_invocation(peak: u64, baseline: u64, largest: u64, in_flight: u64) -> Option<f64> {
    let held = largest * in_flight.max(1);
    (held > 0).then(|| peak.saturating_sub(baseline) as f64 / held as f64)
}

/// A `/proc/self/status` field in bytes (`VmRSS`, `VmHWM`), if the kernel reports it.
fn proc_status_bytes(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?;
    let kb: u64 = line[field.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// 3.45 M, 264 k, 950.
fn si(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0} ")
    }
}

/// One measurement of spec `path` with `jobs` threads, in this process (its peak memory is
/// this process's): runs the whole spec into a temporary folder, prints one line.
pub fn spec_once(path: &std::path::Path, jobs: usize) -> Result<()> {
    use mlsim_experiment::{pipeline, runner::RunEvent, spec};
    use mlsim_sim::backend::SimBackend;
    use std::sync::Mutex;
    let s = spec::load(path)?;
    let tmp = std::env::temp_dir().join(format!("mlsim-bench-{}-{jobs}", std::process::id()));
    let baseline = proc_status_bytes("VmRSS");
    let counts = Mutex::new(SpecCounts::default());
    // The high-water mark when the last run is written: the runs' peak, before the merge,
    // summaries and figures (which read every record back) add theirs.
    let runs_peak = Mutex::new(None);
    let t = Instant::now();
    let p = pipeline::prepare(&s, &tmp, &SimBackend)?;
    let swept = pipeline::sweep(&s, &p, &SimBackend, Some(jobs), &|e| {
        if let RunEvent::Finished {
            record,
            invocations,
            done,
            todo,
            ..
        } = e
        {
            let mut c = counts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            c.add(record.events, *invocations);
            if done == todo {
                *runs_peak
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    proc_status_bytes("VmHWM");
            }
        }
    });
    let wall = t.elapsed().as_secs_f64();
    let peak = proc_status_bytes("VmHWM");
    std::fs::remove_dir_all(&tmp).ok();
    let (o, f) = swept?;
    for (f, drawn) in f.figures {
        drawn.map_err(|e| anyhow::anyhow!("{f}: {e}"))?;
    }
    let c = counts
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let sim_s = o.elapsed_s.max(f64::MIN_POSITIVE);
    let mut line = format!(
        "{}, {jobs} thread{}: {} runs, {wall:.2} s wall (simulation {:.2} s); {}events ({}events/s), {}invocations ({}invocations/s)",
        path.display(),
        if jobs == 1 { "" } else { "s" },
        c.runs,
        o.elapsed_s,
        si(c.events as f64),
        si(c.events as f64 / sim_s),
        si(c.invocations as f64),
        si(c.invocations as f64 / sim_s),
    );
    let runs_peak = runs_peak
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match (peak, runs_peak, baseline) {
        (Some(peak), Some(runs_peak), Some(base)) => {
            line.push_str(&format!(
                "; peak memory {:.0} MB (during the runs {:.0} MB, baseline {:.0} MB)",
                peak as f64 / 1e6,
                runs_peak as f64 / 1e6,
                base as f64 / 1e6
            ));
            let in_flight = jobs.min(c.runs) as u64;
            if let Some(b) =
                bytes_per_invocation(runs_peak, base, c.largest_run_invocations, in_flight)
            {
                line.push_str(&format!(
                    ", {b:.0} B per invocation held ({in_flight} run{} of up to {} invocations in flight)",
                    if in_flight == 1 { "" } else { "s" },
                    c.largest_run_invocations
                ));
            }
        }
        _ => line.push_str("; peak memory not reported by this kernel (/proc/self/status)"),
    }
    println!("{line}");
    Ok(())
}

/// A sink that counts rows and keeps none.
#[derive(Default)]
struct Counting {
    invocations: u64,
    rows: u64,
}

impl mlsim_core::RecordSink for Counting {
    fn request(&mut self, _: mlsim_core::record::RequestRecord) {
        self.rows += 1;
    }
    fn invocation(&mut self, _: mlsim_core::record::InvocationRecord) {
        self.rows += 1;
        self.invocations += 1;
    }
    fn checkpoint(&mut self, _: mlsim_core::record::CheckpointRecord) {
        self.rows += 1;
    }
    fn link(&mut self, _: mlsim_core::record::LinkRecord) {
        self.rows += 1;
    }
    fn step(&mut self, _: mlsim_core::record::StepRecord) {
        self.rows += 1;
    }
    fn bbu(&mut self, _: mlsim_core::record::BbuRecord) {
        self.rows += 1;
    }
    fn function_event(&mut self, _: mlsim_core::record::FunctionEventRecord) {
        self.rows += 1;
    }
    fn function(&mut self, _: mlsim_core::record::FunctionRecord) {
        self.rows += 1;
    }
    fn memory(&mut self, _: mlsim_core::record::MemoryRecord) {
        self.rows += 1;
    }
    fn call(&mut self, _: mlsim_core::record::CallRecord) {
        self.rows += 1;
        self.invocations += 1;
    }
    fn instance(&mut self, _: mlsim_core::record::InstanceRecord) {
        self.rows += 1;
    }
    fn pool(&mut self, _: mlsim_core::record::PoolRecord) {
        self.rows += 1;
    }
}

/// `mlsim bench model SPEC`: every run of the spec in the simulator, in this process, one
/// after the other on one thread, its records counted and dropped; prints events/s,
/// invocations/s and the peak memory's growth over the baseline per invocation of the largest
/// run (the model's own state: nothing is written or held).
pub fn model(path: &std::path::Path) -> Result<()> {
    use mlsim_core::Backend;
    let s = mlsim_experiment::spec::load(path)?;
    let baseline = proc_status_bytes("VmRSS");
    let (mut events, mut invocations, mut largest) = (0u64, 0u64, 0u64);
    let t = Instant::now();
    for plan in s.runs() {
        let sc = s.scenario(plan);
        let mut sink = Counting::default();
        let r = mlsim_sim::backend::SimBackend
            .run(s.kind, &sc, plan, &mut sink)
            .map_err(|e| anyhow::anyhow!("run {}: {e}", plan.run))?;
        events += r.events;
        invocations += sink.invocations;
        largest = largest.max(sink.invocations);
    }
    let secs = t.elapsed().as_secs_f64().max(f64::MIN_POSITIVE);
    let mut line = format!(
        "{}, model only, 1 thread: {} runs in {secs:.2} s; {}events ({}events/s), {}invocations ({}invocations/s)",
        path.display(),
        s.runs().len(),
        si(events as f64),
        si(events as f64 / secs),
        si(invocations as f64),
        si(invocations as f64 / secs),
    );
    match (proc_status_bytes("VmHWM"), baseline) {
        (Some(peak), Some(base)) => {
            line.push_str(&format!(
                "; peak memory {:.0} MB over a {:.0} MB baseline",
                peak.saturating_sub(base) as f64 / 1e6,
                base as f64 / 1e6
            ));
            if let Some(b) = bytes_per_invocation(peak, base, largest, 1) {
                line.push_str(&format!(
                    ", {b:.1} B per invocation of the largest run ({largest})"
                ));
            }
        }
        _ => line.push_str("; peak memory not reported by this kernel (/proc/self/status)"),
    }
    println!("{line}");
    Ok(())
}

/// `mlsim bench spec SPEC`: one measurement with 1 thread and one with all cores, each in a
/// child process of its own so that each peak memory is its own.
pub fn spec(path: &std::path::Path) -> Result<()> {
    let exe = std::env::current_exe()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut jobs = vec![1];
    if cores > 1 {
        jobs.push(cores);
    }
    for j in jobs {
        let out = std::process::Command::new(&exe)
            .args(["bench", "spec"])
            .arg(path)
            .args(["--jobs", &j.to_string()])
            .stdout(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::inherit())
            .status()?;
        if !out.success() {
            anyhow::bail!("the measurement with {j} thread(s) failed ({out})");
        }
    }
    if cfg!(debug_assertions) {
        println!("note: this is a debug build; figures are only meaningful with --release");
    }
    Ok(())
}

#[cfg(test)]
mod spec_tests {
    use super::*;

    #[test]
    fn counts_add_up_and_keep_the_largest_run() {
        let mut c = SpecCounts::default();
        c.add(100, 7);
        c.add(50, 9);
        c.add(10, 0);
        assert_eq!(
            c,
            SpecCounts {
                runs: 3,
                events: 160,
                invocations: 16,
                largest_run_invocations: 9
            }
        );
    }

    #[test]
    fn bytes_per_invocation_divides_the_growth_by_what_is_held() {
        // 100 MB peak over a 20 MB baseline = 80 MB; 2 runs of 400 000 invocations in flight
        // hold 800 000: 80e6 / 8e5 = 100 B each.
        assert_eq!(
            bytes_per_invocation(100_000_000, 20_000_000, 400_000, 2),
            Some(100.0)
        );
        // A peak below the baseline (pages returned) is no growth, not a negative size.
        assert_eq!(bytes_per_invocation(10, 20, 5, 1), Some(0.0));
        assert_eq!(bytes_per_invocation(10, 5, 0, 1), None);
    }

    #[test]
    fn proc_status_reports_this_process() {
        if std::path::Path::new("/proc/self/status").exists() {
            let rss = proc_status_bytes("VmRSS").expect("VmRSS");
            let hwm = proc_status_bytes("VmHWM").expect("VmHWM");
            assert!(rss > 0 && hwm >= rss, "VmRSS {rss}, VmHWM {hwm}");
        }
        assert_eq!(proc_status_bytes("NoSuchField"), None);
    }
}
