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
        q.push(key(exp_ns(&mut rng), 0, seq), rng.random_range(0..1000u32));
        seq += 1;
    }
    let t = Instant::now();
    for _ in 0..events {
        let (k, node) = q.pop().expect("pending");
        let now = (k >> 64) as u64;
        q.push(key(now + exp_ns(&mut rng), 0, seq), node ^ 1);
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
            key(exp_ns(&mut rng), 0, seq),
            rng.random_range(0..1000u32),
        )));
        seq += 1;
    }
    let t = Instant::now();
    for _ in 0..events {
        let Reverse((k, node)) = q.pop().expect("pending");
        let now = (k >> 64) as u64;
        q.push(Reverse((key(now + exp_ns(&mut rng), 0, seq), node ^ 1)));
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

/// Prints the kernel benchmark.
pub fn print_kernel(events: u64) -> Result<()> {
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
