//! A BBU as the model sees it: cores that C-RAN processing takes first (and those it has
//! announced it will take), memory, the FIFO of invocations waiting for a core, the invocations
//! holding a core, and the time integrals behind `bbus.csv`.

use mlsim_core::SimTime;
use mlsim_core::record::{BbuRecord, Mode};
use mlsim_core::rules;
use mlsim_core::scenario::Bbu;
use std::collections::VecDeque;

/// Per-BBU state.
#[derive(Clone, Debug)]
pub struct BbuState {
    /// Cores.
    pub cores: u32,
    /// Speed relative to the reference core.
    pub speed: f64,
    /// Memory \[bytes\].
    pub memory: u64,
    /// Cores C-RAN needs now.
    pub cran: u32,
    /// C-RAN load now (fraction of cores).
    pub load: f64,
    /// Announced changes not yet in effect: (time, cores C-RAN will need), in time order.
    announced: VecDeque<(SimTime, u32)>,
    /// The largest of `announced` (0 if empty), kept up to date: read on every placement.
    announced_max: u32,
    /// Invocations holding a core (indices into the model's invocation table).
    pub active: Vec<usize>,
    /// Offloaded invocations holding a core.
    pub running: u32,
    /// Memory held by running invocations \[bytes\].
    pub memory_used: u64,
    /// Invocations waiting for a core (indices into the model's invocation table).
    pub queue: VecDeque<usize>,
    /// λ(f) of each app is installed.
    pub installed: Vec<bool>,
    /// An install of each app is under way.
    pub installing: Vec<bool>,
    /// Invocations that ran here.
    pub invocations: u32,
    /// Eviction notices given here.
    pub evictions: u32,
    /// Episodes of C-RAN waiting for a core held by offloaded work.
    pub cran_waits: u32,
    waiting: bool,
    last: SimTime,
    offload_ns: u128,
    cran_ns: u128,
    wait_ns: u128,
}

impl BbuState {
    /// The state at time zero, with C-RAN load `load` (fraction of cores), for `apps` apps.
    pub fn new(b: &Bbu, load: f64, apps: usize) -> Self {
        let cran = rules::cran_cores(load, b.cores);
        BbuState {
            cores: b.cores,
            speed: b.speed,
            memory: b.memory_mib.saturating_mul(1024 * 1024),
            cran,
            load,
            announced: VecDeque::new(),
            announced_max: 0,
            active: Vec::new(),
            running: 0,
            memory_used: 0,
            queue: VecDeque::new(),
            installed: vec![false; apps],
            installing: vec![false; apps],
            invocations: 0,
            evictions: 0,
            cran_waits: 0,
            waiting: false,
            last: SimTime::ZERO,
            offload_ns: 0,
            cran_ns: 0,
            wait_ns: 0,
        }
    }

    /// The most cores C-RAN has announced it will need (0 if nothing is announced).
    #[inline]
    pub fn announced_max(&self) -> u32 {
        self.announced_max
    }

    /// C-RAN announces it will need `cores` from `at` on.
    pub fn announce(&mut self, at: SimTime, cores: u32) {
        self.announced.push_back((at, cores));
        self.announced_max = self.announced_max.max(cores);
    }

    /// The earliest announced change takes effect (it leaves the announcements).
    pub fn announced_done(&mut self) {
        if let Some((_, c)) = self.announced.pop_front() {
            if c == self.announced_max {
                self.announced_max = self.announced.iter().map(|a| a.1).max().unwrap_or(0);
            }
        }
    }

    /// Cores offloaded work may still start on now: cores C-RAN uses or has announced it will
    /// use are not offered ([`rules::offered_cores`]).
    #[inline]
    pub fn free_cores(&self) -> u32 {
        rules::offered_cores(self.cores, self.cran, self.announced_max(), self.running)
    }

    /// The running invocations that leave so that C-RAN gets the cores it uses or has announced
    /// ([`rules::eviction_victims`]), youngest first: `staying` lists `(start \[ns\], order, id)`
    /// of the running invocations not already evicted.
    pub fn eviction_victims<T: Copy>(&self, staying: &[(u64, u64, T)]) -> Vec<T> {
        let claim = rules::cran_claim(self.cran, self.announced_max());
        rules::eviction_victims(self.cores, claim, staying)
    }

    /// Accumulates the integrals up to `now`; call before every change of `running` or `cran`.
    pub fn advance(&mut self, now: SimTime) {
        let dt = now.saturating_since(self.last).as_nanos() as u128;
        self.offload_ns += dt * self.running as u128;
        // C-RAN uses the cores it wants that offloaded work does not hold; the rest it waits for.
        self.cran_ns += dt * self.cran.min(self.cores.saturating_sub(self.running)) as u128;
        let over = (self.running + self.cran).saturating_sub(self.cores);
        self.wait_ns += dt * over as u128;
        if over == 0 {
            self.waiting = false;
        } else if dt > 0 && !self.waiting {
            self.waiting = true;
            self.cran_waits += 1;
        }
        self.last = self.last.max(now);
    }

    /// The record of this BBU for a run that ended at `end`.
    pub fn record(&mut self, run: u32, bbu: u32, end: SimTime) -> BbuRecord {
        self.advance(end);
        let horizon_s = end.as_secs_f64();
        let offload_core_s = self.offload_ns as f64 / 1e9;
        BbuRecord {
            run,
            mode: Mode::Sim,
            bbu,
            cores: self.cores,
            offload_core_s,
            cran_core_s: self.cran_ns as f64 / 1e9,
            horizon_s,
            offload_utilisation: if horizon_s > 0.0 {
                offload_core_s / (self.cores as f64 * horizon_s)
            } else {
                0.0
            },
            cran_wait_core_s: self.wait_ns as f64 / 1e9,
            cran_waits: self.cran_waits,
            invocations: self.invocations,
            evictions: self.evictions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrals_count_core_time_and_cran_waits() {
        let mut b = BbuState::new(
            &Bbu {
                cores: 4,
                speed: 1.0,
                memory_mib: 1,
                load: mlsim_core::scenario::LoadProcess::Constant(0.5),
                extra_latency: mlsim_core::SimDuration::ZERO,
                wired_bandwidth_bps: None,
            },
            0.5,
            1,
        );
        assert_eq!(b.cran, 2);
        assert_eq!(b.free_cores(), 2);
        b.advance(SimTime(1_000_000_000));
        b.running = 2; // 2 offload + 2 C-RAN = 4 cores: no wait
        b.advance(SimTime(3_000_000_000));
        b.cran = 3; // C-RAN wants a third core while offload holds two: 1 core waits
        b.advance(SimTime(4_000_000_000));
        let r = b.record(0, 0, SimTime(4_000_000_000));
        assert_eq!(r.offload_core_s, 6.0); // 2 cores from t = 1 s to t = 4 s
        // C-RAN uses 2 cores for 3 s, then still 2 for 1 s (it wants 3; the third is held).
        assert_eq!(r.cran_core_s, 2.0 * 3.0 + 2.0);
        assert_eq!(r.cran_wait_core_s, 1.0);
        assert_eq!(r.cran_waits, 1);
        assert_eq!(r.offload_utilisation, 6.0 / 16.0);
    }
}
