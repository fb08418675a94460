//! The spec's C-RAN load during a run: each worker BBU's [`CranLoad`] (capacity, burner and
//! offload cgroups) driven over time by the BBU's load process, replayed against the wall
//! clock by one driver thread.
//!
//! ## Mapping spec cores to real cores
//!
//! A spec BBU has `c` cores; this machine may have far fewer (CI: 2 cores, while
//! `fig6-emu.toml` has two worker BBUs of 8). One spec core is emulated by `S` real cores (the
//! *cpu scale*, [`EmuOptions::cpu_scale`](super::EmuOptions); `None` = the largest `S ≤ 1`
//! that fits):
//!
//! - the BBU's cgroup is capped at `S·c` real cores;
//! - at load `L` C-RAN takes `⌈L·c⌉` spec cores, as in the simulator
//!   ([`mlsim_core::rules::cran_cores`]): the burner's quota is `S·⌈L·c⌉` real cores;
//! - offloaded work (the worker agent and every workload it starts or restores) shares the
//!   rest, `S·(c − ⌈L·c⌉)` real cores, and, when the BBU's speed is `S` (the spec means the
//!   same in both modes), each invocation's workload runs in a group of its own spec core,
//!   capped at `S` real cores ([`CranLoad::split`]): an invocation alone on an idle BBU runs at
//!   one spec core's speed, as in the simulator, not at the whole BBU's (a speed-1 spec scaled
//!   down to `S < 1` keeps the one pool);
//! - C-RAN waits for cores held by offloaded work, as in the simulator: the burner gets only
//!   `S·min(⌈L·c⌉, c − running)`, where `running` is the worker's count of invocations holding a
//!   core ([`crate::agent::worker::HOLDING`], re-read every 10 ms); its shortfall against
//!   `⌈L·c⌉` is `cran_wait_core_s`. (The worker admits invocations only to cores C-RAN neither
//!   uses nor has announced, and evicts on notices: [`crate::agent::worker::admission`].)
//!
//! Only the BBUs that run offloaded work (the scenario's workers) are emulated this way: they
//! must fit the machine, `Σ S·c ≤ machine cores`, or the quotas would promise cores the
//! machine does not have and the burners would starve everything else; [`plan`] refuses that.
//! The other BBUs (the control BBU runs Redis and the manager, which the simulator does not
//! charge to its cores) burn nothing: their `cran_core_s` is the load process's integral,
//! computed, not measured.
//!
//! `bbus.csv` of an emulated BBU: `cran_core_s` is the burner cgroup's `cpuacct.usage` over the
//! run divided by `S` (spec core-seconds); `cran_wait_core_s` is the shortfall of that against
//! the quota's promise (C-RAN wanted its cores and the machine did not give them), divided by
//! `S`; near zero when the mapping holds.

use super::RunError;
use crate::cgroup::{CpuCgroup, CranLoad};
use crate::ledger::Ledger;
use crate::topo::Topology;
use mlsim_core::SimTime;
use mlsim_core::load::LoadSource;
use mlsim_core::rules::cran_cores;
use mlsim_core::scenario::Scenario;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Spec cores of the BBUs that run offloaded work (the ones that are emulated).
pub fn worker_cores(sc: &Scenario) -> Vec<u32> {
    sc.topology
        .workers
        .iter()
        .filter_map(|&b| sc.topology.bbus.get(b as usize))
        .map(|b| b.cores)
        .collect()
}

/// Real cores per spec core for worker BBUs of `cores` spec cores on a machine with
/// `machine_cores` cores: `requested`, or the largest value ≤ 1 at which they fit. Errors if
/// the requested scale does not fit or is not a positive number.
pub fn plan(cores: &[u32], requested: Option<f64>, machine_cores: f64) -> Result<f64, String> {
    let spec_cores: f64 = cores.iter().map(|&c| f64::from(c)).sum();
    if spec_cores <= 0.0 {
        return Ok(requested.unwrap_or(1.0));
    }
    let fit = machine_cores / spec_cores;
    match requested {
        None => Ok(fit.min(1.0)),
        Some(s) if !(s.is_finite() && s > 0.0) => {
            Err(format!("cpu scale must be a positive number, not {s}"))
        }
        Some(s) if s * spec_cores > machine_cores + 1e-9 => Err(format!(
            "the worker BBUs have {spec_cores} spec cores; at {s} real cores per spec core they \
             need {:.2} real cores but this machine has {machine_cores}: use a cpu scale of at \
             most {fit:.4}",
            s * spec_cores
        )),
        Some(s) => Ok(s),
    }
}

/// Real cores per spec core for the run of `sc`: `requested` (`--cpu-scale`); else, when every
/// worker BBU has the same speed `s < 1`, that speed (a spec core of speed `s` *is* `s` real
/// cores, so the spec means the same in both modes, and the machine keeps
/// `machine − s·Σc` cores for the control plane: Redis, the manager, the agents, dockerd) if
/// the worker BBUs fit at it; else the largest value ≤ 1 at which they fit ([`plan`]).
pub fn scale_of(sc: &Scenario, requested: Option<f64>, machine_cores: f64) -> Result<f64, String> {
    let cores = worker_cores(sc);
    match (requested, spec_speed(sc)) {
        // A speed that does not fit falls back to the largest scale that does, which the speed
        // check then refuses with both values that would fit.
        (None, Some(s)) => {
            plan(&cores, Some(s), machine_cores).or_else(|_| plan(&cores, None, machine_cores))
        }
        _ => plan(&cores, requested, machine_cores),
    }
}

/// The speed shared by every worker BBU, if it is below 1.
fn spec_speed(sc: &Scenario) -> Option<f64> {
    let mut speeds = sc
        .topology
        .workers
        .iter()
        .filter_map(|&b| sc.topology.bbus.get(b as usize))
        .map(|b| b.speed);
    let first = speeds.next()?;
    (first > 0.0 && first < 1.0 && speeds.all(|s| s == first)).then_some(first)
}

/// Cores of this machine that the run may use (affinity- and cgroup-aware).
pub fn machine_cores() -> f64 {
    std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64)
}

/// One BBU's load as the driver tracks it.
struct Bbu {
    cores: u32,
    emulated: Option<Arc<CranLoad>>,
    /// The worker's file with the number of invocations holding a core
    /// ([`crate::agent::worker::HOLDING`]), and that number as last read.
    holding: Option<std::path::PathBuf>,
    held: u32,
    /// Spec cores the burner has now: C-RAN's, less those offloaded work still holds.
    burning: u32,
    /// C-RAN cores [spec cores] since `since` [s after the epoch].
    cran: u32,
    since: f64,
    /// ∫ C-RAN cores dt so far [spec core-seconds].
    integral: f64,
    /// Whether C-RAN is waiting now (it wants more cores than offloaded work leaves it), and
    /// how many such episodes began (the simulator's `cran_waits`).
    waiting: bool,
    waits: u32,
}

/// The C-RAN load of a run, started before the agents.
pub struct RunLoad {
    scale: f64,
    /// Each BBU's cgroups, if emulated (the driver thread holds clones).
    loads: Vec<Option<Arc<CranLoad>>>,
    bbus: Vec<Bbu>,
    sources: Vec<LoadSource>,
    driver: Option<(Arc<AtomicBool>, std::thread::JoinHandle<Vec<Bbu>>)>,
    epoch: Option<Instant>,
    usage0: Vec<(Duration, Duration)>,
}

/// What a run's C-RAN load measured, per BBU (index = BBU).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct CranMeasured {
    /// Core-time C-RAN used [spec core-seconds] (burner cpuacct / scale; computed for BBUs
    /// that are not emulated).
    pub cran_core_s: f64,
    /// Shortfall of the burner against its quota [spec core-seconds].
    pub cran_wait_core_s: f64,
    /// Episodes in which C-RAN waited for cores offloaded work held (as the driver saw them,
    /// every 10 ms and at each load change).
    pub cran_waits: u32,
    /// Real CPU time of the offload cgroup (workers, workloads) [real core-seconds].
    pub offload_real_core_s: f64,
    /// Real CPU time of the burner cgroup [real core-seconds].
    pub cran_real_core_s: f64,
    /// Whether this BBU was emulated (cgroups, burner).
    pub emulated: bool,
}

impl RunLoad {
    /// Creates the worker BBUs' cgroups and burners at each BBU's load at time zero.
    pub fn start(
        sc: &Scenario,
        topo: &Topology,
        ledger: &Ledger,
        scale: f64,
    ) -> Result<RunLoad, RunError> {
        let mut bbus = Vec::new();
        let mut sources = Vec::new();
        for (b, spec) in sc.topology.bbus.iter().enumerate() {
            // The same source (seed, stream) the BBU's worker replays for its notices.
            let (src, f0) = crate::agent::worker::timeline::source(&spec.load, sc.seed, b as u32);
            let cran = cran_cores(f0, spec.cores);
            let emulated = if sc.topology.workers.contains(&(b as u32)) {
                let name = super::bbu_host(b as u32);
                let host = topo
                    .host(&name)
                    .ok_or_else(|| RunError::Process(format!("topology has no host {name}")))?;
                let mut load = CranLoad::start(host, scale * f64::from(spec.cores), ledger)
                    .map_err(|e| RunError::Process(format!("C-RAN load on {name}: {e}")))?;
                // Each invocation at one spec core's speed, as the simulator runs it, when the
                // spec core *is* `scale` real cores (speed = scale). A speed-1 spec scaled down
                // (scale < 1) keeps one pool for offloaded work, as documented for that mode.
                // (At scale 1 a spec core is a real core and the one pool stays as before.)
                if scale < 1.0 && (spec.speed - scale).abs() <= 1e-9 {
                    load.split(ledger, spec.cores, scale)
                        .map_err(|e| RunError::Process(format!("spec cores of {name}: {e}")))?;
                }
                load.set_load(fraction(cran, spec.cores))
                    .map_err(|e| RunError::Process(format!("C-RAN load on {name}: {e}")))?;
                Some(Arc::new(load))
            } else {
                None
            };
            bbus.push(Bbu {
                cores: spec.cores,
                emulated,
                holding: None,
                held: 0,
                burning: cran,
                cran,
                since: 0.0,
                integral: 0.0,
                waiting: false,
                waits: 0,
            });
            sources.push(src);
        }
        Ok(RunLoad {
            scale,
            loads: bbus.iter().map(|b| b.emulated.clone()).collect(),
            bbus,
            sources,
            driver: None,
            epoch: None,
            usage0: Vec::new(),
        })
    }

    /// From [`RunLoad::drive`] on, C-RAN on BBU `b` gets only the cores that the invocations
    /// counted in the worker's file `path` leave free: C-RAN waits for cores held by offloaded
    /// work, as in the simulator (the shortfall is `cran_wait_core_s`).
    pub fn watch_holding(&mut self, b: u32, path: std::path::PathBuf) {
        if let Some(x) = self.bbus.get_mut(b as usize) {
            x.holding = Some(path);
        }
    }

    /// Real cores per spec core.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The offload cgroup of BBU `b`, if it is emulated.
    pub fn offload(&self, b: u32) -> Option<&CpuCgroup> {
        self.loads
            .get(b as usize)
            .and_then(|x| x.as_deref())
            .map(CranLoad::offload)
    }

    /// A one-line description per emulated BBU (for logs).
    pub fn describe(&self) -> Vec<String> {
        self.bbus
            .iter()
            .enumerate()
            .filter_map(|(b, x)| {
                x.emulated.as_ref().map(|l| {
                    format!(
                        "bbu{b}: {} spec cores = {:.3} real cores; C-RAN {} spec cores ({:.3} real), offload {:.3} real",
                        x.cores,
                        l.cores(),
                        x.cran,
                        self.scale * f64::from(x.cran),
                        self.scale * f64::from(x.cores - x.cran.min(x.cores))
                    )
                })
            })
            .collect()
    }

    /// Time zero of the load processes is `epoch` (the agents' clock); starts the driver thread
    /// that applies each later change when it is due. `log` gets one JSON line per change.
    pub fn drive(&mut self, epoch: Instant, log: std::path::PathBuf) {
        self.epoch = Some(epoch);
        self.usage0 = self.usages();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mut bbus = std::mem::take(&mut self.bbus);
        let mut sources = std::mem::take(&mut self.sources);
        let handle = std::thread::spawn(move || {
            let mut out = std::fs::File::create(&log).ok();
            let mut next: Vec<Option<(SimTime, f64)>> =
                sources.iter_mut().map(LoadSource::next_change).collect();
            loop {
                let first = next
                    .iter()
                    .enumerate()
                    .filter_map(|(b, n)| n.map(|n| (b, n)))
                    .min_by_key(|(b, (t, _))| (*t, *b));
                let due = first.map(|(_, (t, _))| epoch + Duration::from_nanos(t.0));
                // Sleep in short slices: a stop is seen promptly, and C-RAN gets the cores that
                // offloaded work gives back within 10 ms.
                while due.is_none_or(|d| Instant::now() < d) {
                    if flag.load(Ordering::SeqCst) {
                        return bbus;
                    }
                    for x in bbus.iter_mut() {
                        if let Some(n) = x
                            .holding
                            .as_ref()
                            .and_then(|p| std::fs::read_to_string(p).ok())
                            .and_then(|t| t.trim().parse::<u32>().ok())
                        {
                            x.held = n;
                        }
                        burn(x);
                    }
                    let left = due.map_or(Duration::from_millis(10), |d| {
                        d.saturating_duration_since(Instant::now())
                    });
                    std::thread::sleep(left.min(Duration::from_millis(10)));
                }
                if flag.load(Ordering::SeqCst) {
                    return bbus;
                }
                let Some((b, (t, f))) = first else {
                    continue;
                };
                let x = &mut bbus[b];
                let at = t.0 as f64 / 1e9;
                x.integral += f64::from(x.cran) * (at - x.since);
                x.cran = cran_cores(f, x.cores);
                x.since = at;
                burn(x);
                if let Some(o) = out.as_mut() {
                    use std::io::Write;
                    let _ = writeln!(
                        o,
                        "{{\"t_s\":{at},\"applied_s\":{:.6},\"bbu\":{b},\"load\":{f},\"cran_cores\":{},\"burner_cores\":{}}}",
                        epoch.elapsed().as_secs_f64(),
                        x.cran,
                        x.burning
                    );
                }
                next[b] = sources[b].next_change();
            }
        });
        self.driver = Some((stop, handle));
    }

    fn usages(&self) -> Vec<(Duration, Duration)> {
        self.loads
            .iter()
            .map(|x| match x {
                Some(l) => (
                    l.cran().usage().unwrap_or_default(),
                    l.offload().usage().unwrap_or_default(),
                ),
                None => Default::default(),
            })
            .collect()
    }

    /// Stops the driver and measures each BBU's C-RAN and offload CPU time since the epoch.
    /// The cgroups and burners stay until [`RunLoad::stop`].
    pub fn measure(&mut self) -> Vec<CranMeasured> {
        let end = self.epoch.map_or(0.0, |e| e.elapsed().as_secs_f64());
        if let Some((flag, h)) = self.driver.take() {
            flag.store(true, Ordering::SeqCst);
            if let Ok(b) = h.join() {
                self.bbus = b;
            }
        }
        let now = self.usages();
        self.bbus
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let promised = f64::from(x.cran) * (end - x.since) + x.integral;
                match &x.emulated {
                    Some(_) => {
                        let (c0, o0) = self.usage0.get(i).copied().unwrap_or_default();
                        let (c1, o1) = now.get(i).copied().unwrap_or_default();
                        let cran_real = c1.saturating_sub(c0).as_secs_f64();
                        let cran = cran_real / self.scale;
                        CranMeasured {
                            cran_core_s: cran,
                            cran_wait_core_s: (promised - cran).max(0.0),
                            cran_waits: x.waits,
                            offload_real_core_s: o1.saturating_sub(o0).as_secs_f64(),
                            cran_real_core_s: cran_real,
                            emulated: true,
                        }
                    }
                    None => CranMeasured {
                        cran_core_s: promised,
                        ..Default::default()
                    },
                }
            })
            .collect()
    }

    /// Stops the driver (if running), the burners, and removes the cgroups.
    pub fn stop(mut self) {
        if let Some((flag, h)) = self.driver.take() {
            flag.store(true, Ordering::SeqCst);
            if let Ok(b) = h.join() {
                self.bbus = b;
            }
        }
        self.bbus.clear();
        for l in self.loads.drain(..).flatten() {
            if let Ok(l) = Arc::try_unwrap(l) {
                let _ = l.stop();
            }
        }
    }
}

/// Gives BBU `x`'s burner C-RAN's cores less those offloaded work holds (if it changed), and
/// counts the start of each episode in which C-RAN gets fewer cores than it wants.
fn burn(x: &mut Bbu) {
    let cores = x.cran.min(x.cores.saturating_sub(x.held));
    let waiting = cores < x.cran;
    if waiting && !x.waiting {
        x.waits += 1;
    }
    x.waiting = waiting;
    if cores != x.burning {
        x.burning = cores;
        if let Some(l) = &x.emulated {
            let _ = l.set_load(fraction(cores, x.cores));
        }
    }
}

/// The burner's fraction of a BBU's capacity for `cran` of `cores` spec cores.
fn fraction(cran: u32, cores: u32) -> f64 {
    if cores == 0 {
        0.0
    } else {
        (f64::from(cran) / f64::from(cores)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_fits_the_worker_bbus_to_the_machine() {
        let w = [8, 8];
        assert_eq!(plan(&w, None, 2.0), Ok(2.0 / 16.0));
        assert_eq!(plan(&w, None, 64.0), Ok(1.0));
        assert_eq!(plan(&w, Some(0.1), 2.0), Ok(0.1));
        let e = plan(&w, Some(0.2), 2.0).expect_err("3.2 cores on 2");
        assert!(e.contains("at most 0.1250"), "{e}");
        assert!(plan(&w, Some(0.0), 2.0).is_err());
        assert!(plan(&w, Some(f64::NAN), 2.0).is_err());
        assert_eq!(plan(&[1, 1], None, 2.0), Ok(1.0));
        assert_eq!(plan(&[], Some(3.0), 2.0), Ok(3.0));
    }

    #[test]
    fn the_burner_takes_the_simulators_whole_cores() {
        // L = 0.25 of 8 cores: 2 cores; L = 0.3: ⌈2.4⌉ = 3.
        assert_eq!(fraction(cran_cores(0.25, 8), 8), 0.25);
        assert_eq!(fraction(cran_cores(0.3, 8), 8), 3.0 / 8.0);
        assert_eq!(fraction(0, 0), 0.0);
    }

    #[test]
    fn each_episode_of_c_ran_waiting_is_counted_once() {
        let mut x = Bbu {
            cores: 2,
            emulated: None,
            holding: None,
            held: 0,
            burning: 0,
            cran: 0,
            since: 0.0,
            integral: 0.0,
            waiting: false,
            waits: 0,
        };
        let mut step = |cran: u32, held: u32| {
            x.cran = cran;
            x.held = held;
            burn(&mut x);
            (x.burning, x.waits)
        };
        assert_eq!(step(1, 1), (1, 0), "1 + 1 of 2 cores: no wait");
        assert_eq!(step(2, 1), (1, 1), "C-RAN wants 2, gets 1: a wait begins");
        assert_eq!(step(2, 1), (1, 1), "still the same wait");
        assert_eq!(step(2, 0), (2, 1), "the invocation left: the wait ends");
        assert_eq!(step(2, 2), (0, 2), "a second episode");
    }
}
