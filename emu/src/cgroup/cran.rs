//! The competing C-RAN load of one BBU host.
//!
//! A BBU host `h` with `c` cores gets three cgroups (cpu + cpuacct, see [`super`]):
//!
//! ```text
//! mlsim-<run>/<h>          quota c cores        the BBU's capacity
//! mlsim-<run>/<h>/cran     quota L·c cores      the C-RAN burner: ceil(c) busy-loop processes
//! mlsim-<run>/<h>/offload  quota (1-L)·c cores  offloaded work (workers, restored checkpoints)
//! mlsim-<run>/<h>/offload/core<i>                one spec core each ([`CranLoad::split`]):
//!                          quota min(S, (1-L)·c)  one invocation's workload, at most S cores
//! ```
//!
//! The `core<i>` groups make an invocation run at the speed of one spec core, as in the
//! simulator, and not faster when it is alone on an idle BBU (without them an invocation took
//! the whole offload share: 1.0–1.8 s instead of the simulator's 3.1–3.4 s on
//! `validate-load.toml`'s probe). cgroup v1 refuses a child's quota above its parent's
//! (`EINVAL`), so each is capped at the smaller of `S` and the offload quota, and
//! [`CranLoad::set_load`] lowers the children before the parent and raises them after it.
//!
//! The burner processes spin forever (`sh -c 'while :; do :; done'`, in the host's network
//! namespace, recorded in the ledger), so they always use their whole quota: the BBU's C-RAN
//! work takes exactly `L·c` cores and offloaded work at most the rest, which is what the
//! simulator models. [`CranLoad::set_load`] rewrites both quotas at run time (the spec's load
//! process drives it; that wiring lives with the run driver).
//!
//! The BBU's cgroup has a high CFS weight ([`BBU_SHARES`]) so that, up to its quota, it wins
//! the CPU against the rest of the machine: the quotas then hold as long as the machine has
//! the cores (the sum of the BBUs' capacities should not exceed them).
//!
//! Granularity: quotas are whole milliseconds per 50 ms period, i.e. 2 % of a core. A C-RAN
//! share below half of that is applied by stopping the burners (SIGSTOP) rather than by the
//! minimum quota, so load 0 really is 0; an offload share at L = 1 is the kernel's minimum
//! quota (2 % of a core), since a quota cannot be 0.

use std::path::Path;
use std::process::Stdio;
use std::sync::Mutex;

use super::{CgroupError, CpuCgroup, MIN_QUOTA_US, PERIOD_US, core_group};
use crate::ledger::Ledger;
use crate::topo::Host;

/// CFS weight of a BBU's cgroup (64 × the default): up to its quota, an emulated BBU wins the
/// CPU against everything else on the machine (the emulator's own control processes, builds),
/// so its C-RAN and offload shares hold even when the machine is busy.
pub const BBU_SHARES: u64 = 64 * 1024;

/// CFS weight of the run's cgroup `mlsim-<run>`, the parent of all BBUs (the kernel's maximum).
pub const RUN_SHARES: u64 = 262_144;

/// A running C-RAN load on one BBU host.
#[derive(Debug)]
pub struct CranLoad {
    /// The BBU's group, relative to `mlsim-<run>` (the host's name).
    name: std::path::PathBuf,
    cores: f64,
    bbu: CpuCgroup,
    cran: CpuCgroup,
    offload: CpuCgroup,
    /// One group per spec core under `offload`, and the real cores of one spec core.
    per_core: Vec<CpuCgroup>,
    core_cores: f64,
    burners: Vec<u32>,
    children: Vec<std::process::Child>,
    state: Mutex<(f64, bool)>, // (load, burners stopped)
}

impl CranLoad {
    /// Creates the BBU's cgroups (capacity `cores` \[cores\]) and starts `ceil(cores)` burners in
    /// `host`'s namespace, at load 0 (burners stopped) until [`CranLoad::set_load`].
    pub fn start(host: &Host, cores: f64, ledger: &Ledger) -> Result<CranLoad, CgroupError> {
        if !(cores.is_finite() && cores > 0.0 && cores <= 1024.0) {
            return Err(CgroupError::Invalid(format!(
                "a BBU needs a capacity in (0, 1024] cores, not {cores}"
            )));
        }
        let rel = Path::new(host.name());
        let bbu = CpuCgroup::create(ledger, rel)?;
        bbu.set_cores(Some(cores))?;
        bbu.set_shares(BBU_SHARES)?;
        // The weight counts level by level: the run's group (parent of every BBU) needs it too.
        if let Some(run_dir) = bbu.cpu_path().parent() {
            super::write(&run_dir.join("cpu.shares"), &RUN_SHARES.to_string())?;
        }
        let cran = CpuCgroup::create(ledger, &rel.join("cran"))?;
        let offload = CpuCgroup::create(ledger, &rel.join("offload"))?;
        let mut load = CranLoad {
            name: rel.to_path_buf(),
            cores,
            bbu,
            cran,
            offload,
            per_core: Vec::new(),
            core_cores: cores,
            burners: Vec::new(),
            children: Vec::new(),
            state: Mutex::new((0.0, false)),
        };
        load.cran.set_cores(Some(0.0))?;
        load.offload.set_cores(Some(cores))?;
        for _ in 0..cores.ceil() as usize {
            let mut cmd = host.command("sh");
            cmd.args(["-c", "while :; do :; done"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            load.cran.join_on_spawn(&mut cmd)?;
            let child = cmd.spawn().map_err(|source| CgroupError::Spawn {
                what: "the C-RAN burner".into(),
                source,
            })?;
            ledger.record_process(child.id())?;
            load.burners.push(child.id());
            load.children.push(child);
        }
        // Apply load 0 again now that the burners exist (stops them).
        load.set_load(0.0)?;
        Ok(load)
    }

    /// Splits the offload group into `n` groups `offload/core<i>` of `each` real cores (one spec
    /// core: the cpu scale `S`), each capped at the smaller of `each` and the offload quota from
    /// now on. An invocation's workload joins one of them ([`CranLoad::core`]).
    pub fn split(&mut self, ledger: &Ledger, n: u32, each: f64) -> Result<(), CgroupError> {
        if !(each.is_finite() && each > 0.0) {
            return Err(CgroupError::Invalid(format!(
                "a spec core needs a positive number of real cores, not {each}"
            )));
        }
        let rel = self.name.join("offload");
        let off = (1.0 - self.load()) * self.cores;
        for i in 0..n {
            let cg = CpuCgroup::create(ledger, &rel.join(core_group(i)))?;
            cg.set_cores(Some(each.min(off)))?;
            self.per_core.push(cg);
        }
        self.core_cores = each;
        Ok(())
    }

    /// The group of spec core `i` ([`CranLoad::split`]), if there is one.
    pub fn core(&self, i: u32) -> Option<&CpuCgroup> {
        self.per_core.get(i as usize)
    }

    fn set_offload(&self, off: f64, first: bool) -> Result<(), CgroupError> {
        // cgroup v1: a child's quota may not exceed its parent's. Shrinking: children first.
        let each = self.core_cores.min(off);
        if first {
            for c in &self.per_core {
                c.set_cores(Some(each))?;
            }
            self.offload.set_cores(Some(off))
        } else {
            self.offload.set_cores(Some(off))?;
            for c in &self.per_core {
                c.set_cores(Some(each))?;
            }
            Ok(())
        }
    }

    /// Sets the C-RAN load to `fraction` of the BBU's capacity, in [0, 1].
    pub fn set_load(&self, fraction: f64) -> Result<(), CgroupError> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(CgroupError::Invalid(format!(
                "C-RAN load {fraction} is not in [0, 1]"
            )));
        }
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let cran_cores = fraction * self.cores;
        let stop = cran_cores * (PERIOD_US as f64) < MIN_QUOTA_US as f64 / 2.0;
        // Lower the one that shrinks first, so the sum never exceeds the parent's cap.
        let off = (1.0 - fraction) * self.cores;
        if fraction >= st.0 {
            self.set_offload(off, true)?;
            self.cran.set_cores(Some(cran_cores))?;
        } else {
            self.cran.set_cores(Some(cran_cores))?;
            self.set_offload(off, false)?;
        }
        if stop != st.1 {
            let sig = if stop { libc::SIGSTOP } else { libc::SIGCONT };
            for &pid in &self.burners {
                let _ = crate::sys::signal(pid, sig);
            }
        }
        *st = (fraction, stop);
        Ok(())
    }

    /// The current load, in [0, 1].
    pub fn load(&self) -> f64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    /// The BBU's capacity \[cores\].
    pub fn cores(&self) -> f64 {
        self.cores
    }

    /// The cgroup for offloaded work: put workers there with [`CpuCgroup::add_pid`] or
    /// [`CpuCgroup::join_on_spawn`].
    pub fn offload(&self) -> &CpuCgroup {
        &self.offload
    }

    /// The burners' cgroup.
    pub fn cran(&self) -> &CpuCgroup {
        &self.cran
    }

    /// The whole BBU's cgroup (capacity).
    pub fn bbu(&self) -> &CpuCgroup {
        &self.bbu
    }

    /// Pids of the burner processes.
    pub fn burners(&self) -> &[u32] {
        &self.burners
    }

    /// Kills the burners and removes the BBU's cgroups (killing whatever still runs in them).
    pub fn stop(mut self) -> Result<(), CgroupError> {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let mut failed = Vec::new();
        for p in [self.bbu.cpu.clone(), self.bbu.acct.clone()] {
            if let Err(e) = crate::ledger::remove(&crate::ledger::Resource::Cgroup { path: p }) {
                failed.push(e);
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(CgroupError::Invalid(failed.join("; ")))
        }
    }
}
