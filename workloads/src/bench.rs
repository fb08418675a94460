//! Benchmark of one workload in the current process: per-item compute time, resident memory,
//! μλ state size and μλ checkpoint time (serialize + compress + atomic durable write), the
//! quantities of the paper's Figs. 4 and 5. Run each workload in its own process (the binary's
//! `bench` does) so that the resident-memory figures are per workload.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::checkpoint::{Codec, Resumable, Step, save_state};

/// Summary statistics of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Maximum.
    pub max: f64,
}

impl Stats {
    /// Statistics of `xs` (all zero when empty).
    pub fn of(xs: &[f64]) -> Self {
        if xs.is_empty() {
            return Self {
                mean: 0.0,
                p50: 0.0,
                p95: 0.0,
                max: 0.0,
            };
        }
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        let rank = |q: f64| s[((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1];
        Self {
            mean: s.iter().sum::<f64>() / s.len() as f64,
            p50: rank(0.5),
            p95: rank(0.95),
            max: s[s.len() - 1],
        }
    }
}

/// One workload's benchmark figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchResult {
    /// Workload name.
    pub app: String,
    /// Input description.
    pub source: String,
    /// Building the input and working set (graph, model training, signals) \[s\].
    pub setup_s: f64,
    /// Items processed.
    pub items: u64,
    /// Per-item compute time \[ms\].
    pub item_ms: Stats,
    /// Resident memory at the end, `VmRSS` \[KiB\].
    pub rss_kib: u64,
    /// Peak resident memory, `VmHWM` \[KiB\].
    pub hwm_kib: u64,
    /// μλ checkpoints taken (after random items).
    pub checkpoints: usize,
    /// μλ state file size \[bytes\].
    pub state_bytes: Stats,
    /// Serialized state before compression \[bytes\].
    pub raw_state_bytes: Stats,
    /// μλ checkpoint time \[ms\].
    pub checkpoint_ms: Stats,
}

/// `VmRSS` and `VmHWM` of this process from `/proc/self/status` \[KiB\] (0 where unavailable).
pub fn memory_kib() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Run `w` to the end (or `max_items`), timing each step, and take a μλ checkpoint after
/// `checkpoints` randomly chosen items (seeded), written into `dir`.
pub fn bench<W: Resumable>(
    mut w: W,
    source: &str,
    setup_s: f64,
    max_items: u64,
    checkpoints: usize,
    dir: &std::path::Path,
) -> Result<BenchResult, Box<dyn std::error::Error>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let total = max_items.max(1);
    let mut at: Vec<u64> = (0..checkpoints)
        .map(|_| rng.random_range(0..total))
        .collect();
    at.sort_unstable();
    let path = dir.join(format!("{}.bench.ckpt", W::APP));
    let (mut item_ms, mut sizes, mut raws, mut cps) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut items = 0u64;
    while items < max_items {
        let t = Instant::now();
        let step = w.step()?;
        let dt = t.elapsed().as_secs_f64() * 1e3;
        match step {
            Step::Done => break,
            Step::Item(out) => {
                std::hint::black_box(out);
                item_ms.push(dt);
                items += 1;
            }
        }
        while at.first().is_some_and(|&a| a < items) {
            at.remove(0);
            let s = save_state(W::APP, w.state(), &path, Codec::Lz4)?;
            cps.push(s.total_ns as f64 / 1e6);
            sizes.push(s.file_bytes as f64);
            raws.push(s.raw_bytes as f64);
        }
    }
    let _ = std::fs::remove_file(&path);
    let (rss, hwm) = memory_kib();
    Ok(BenchResult {
        app: W::APP.to_owned(),
        source: source.to_owned(),
        setup_s,
        items,
        item_ms: Stats::of(&item_ms),
        rss_kib: rss,
        hwm_kib: hwm,
        checkpoints: cps.len(),
        state_bytes: Stats::of(&sizes),
        raw_state_bytes: Stats::of(&raws),
        checkpoint_ms: Stats::of(&cps),
    })
}
