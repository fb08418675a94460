//! One emulated worker BBU for the function studies (the suspend study, seed 000, and the
//! serverless study, seed 004): the run's folder and ledger, the topology, the C-RAN
//! emulation's CPU quotas replaying the BBU's load ([`crate::run::cran`]), the BBU's memory
//! cgroup (its memory as the limit, plus the study's slack, sampled while the clock runs), and
//! the functions' container image. Both drivers set it up and tear it down the same way:
//! [`Edge::open`], [`Edge::up`], [`Edge::start_clock`], [`Edge::down`].

use crate::cgroup::CpuCgroup;
use crate::ledger::Ledger;
use crate::run::{EmuOptions, RunError, bbu_host, cran, topology_spec};
use crate::suspend::MemoryCgroup;
use crate::suspend::function::Shared;
use crate::topo::Topology;
use mlsim_core::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The functions' container image (`mlsim-workload` only, assembled in `dir/rootfs`),
/// imported as `repo-<run id>:<hash>` and recorded in `ledger`. The run id makes it the run's
/// own: runs at once (tests in parallel) never share an image that one of them removes at its
/// clean-up while another still starts containers from it.
pub(crate) fn import_image(
    dir: &Path,
    ledger: &Ledger,
    workload_bin: &Path,
    repo: &str,
) -> Result<String, RunError> {
    let rootfs = crate::ckpt::rootfs::assemble(
        &crate::ckpt::rootfs::RootfsSpec {
            binaries: vec![workload_bin.to_path_buf()],
            data: Vec::new(),
        },
        &dir.join("rootfs"),
    )
    .map_err(|e| RunError::Process(format!("the functions' image: {e}")))?;
    let repo = format!("{repo}-{}", ledger.run_id());
    let tag = crate::ckpt::docker::import(&rootfs, &repo, ledger)
        .map_err(|e| RunError::Process(format!("docker import: {e}")))?;
    let _ = std::fs::remove_dir_all(dir.join("rootfs"));
    Ok(tag)
}

/// The run's folder, ledger and what [`Edge::up`] built (torn down by [`Edge::down`]).
pub(crate) struct Edge {
    /// The run's work folder (canonical).
    pub(crate) dir: PathBuf,
    /// The run's ledger.
    pub(crate) ledger: Arc<Ledger>,
    topo: Option<Topology>,
    load: Option<cran::RunLoad>,
    /// The worker's memory cgroup.
    pub(crate) memory: Option<MemoryCgroup>,
}

/// The worker BBU as [`Edge::up`] made it.
pub(crate) struct Worker {
    /// Its index.
    pub(crate) bbu: u32,
    /// Real cores per spec core.
    pub(crate) scale: f64,
    /// Its memory \[bytes\].
    pub(crate) capacity: u64,
    /// Its memory cgroup's limit \[bytes\].
    pub(crate) limit: u64,
    offload: CpuCgroup,
    /// The offload cgroups' path under each controller.
    rel: PathBuf,
}

impl Edge {
    /// Creates the run's work folder and ledger.
    pub(crate) fn open(opts: &EmuOptions) -> Result<Edge, RunError> {
        let dir = &opts.work_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| RunError::Process(format!("mkdir {}: {e}", dir.display())))?;
        let dir = std::fs::canonicalize(dir)
            .map_err(|e| RunError::Process(format!("canonicalize {}: {e}", dir.display())))?;
        let ledger = Arc::new(Ledger::create(&dir)?);
        Ok(Edge {
            dir,
            ledger,
            topo: None,
            load: None,
            memory: None,
        })
    }

    /// Builds the topology, starts the C-RAN emulation and creates the worker's memory cgroup
    /// with the limit `limit(capacity)` (the BBU's memory plus the study's slack).
    pub(crate) fn up(
        &mut self,
        sc: &Scenario,
        opts: &EmuOptions,
        limit: impl FnOnce(u64) -> u64,
    ) -> Result<Worker, RunError> {
        let b = sc.topology.workers[0];
        let scale =
            cran::scale_of(sc, opts.cpu_scale, cran::machine_cores()).map_err(RunError::Process)?;
        self.topo = Some(Topology::up(&topology_spec(sc), &self.ledger)?);
        let topo = self.topo.as_ref().expect("just set");
        self.load = Some(cran::RunLoad::start(sc, topo, &self.ledger, scale)?);
        let offload: CpuCgroup = self
            .load
            .as_ref()
            .expect("just set")
            .offload(b)
            .cloned()
            .ok_or_else(|| RunError::Process(format!("bbu{b} has no offload cgroup")))?;
        // The memory cgroup at the offload cgroup's path, so a container's `--cgroup-parent`
        // puts it under both.
        let rel = PathBuf::from(crate::names::cgroup_dir(self.ledger.run_id()))
            .join(bbu_host(b))
            .join("offload");
        let capacity = sc.topology.bbus[b as usize]
            .memory_mib
            .saturating_mul(1 << 20);
        let limit = limit(capacity);
        self.memory = Some(MemoryCgroup::create(&self.ledger, &rel, limit)?);
        Ok(Worker {
            bbu: b,
            scale,
            capacity,
            limit,
            offload,
            rel,
        })
    }

    /// The functions' container image (`mlsim-workload` only), imported as
    /// `repo-<run id>:<hash>` ([`import_image`]).
    pub(crate) fn image(&self, workload_bin: &Path, repo: &str) -> Result<String, RunError> {
        import_image(&self.dir, &self.ledger, workload_bin, repo)
    }

    /// What every function of the run shares: processes and containers go into the worker's
    /// offload CPU, CPU-accounting and memory cgroups.
    pub(crate) fn shared(
        &self,
        w: &Worker,
        opts: &EmuOptions,
        image: Option<String>,
        docker_root: Option<PathBuf>,
        memory_bytes: u64,
        seed: u64,
    ) -> Shared {
        Shared {
            ledger: self.ledger.clone(),
            workload_bin: opts.workload_bin.clone(),
            image,
            cgroup_procs: vec![
                w.offload.cpu_path().join("cgroup.procs"),
                PathBuf::from(crate::cgroup::CPUACCT_ROOT)
                    .join(&w.rel)
                    .join("cgroup.procs"),
                self.memory
                    .as_ref()
                    .map_or_else(PathBuf::new, MemoryCgroup::procs),
            ],
            cgroup_parent: Some(format!("/{}", w.rel.display())),
            docker_root,
            memory_bytes,
            seed,
            cpu_scale: w.scale,
            timeout: Duration::from_secs(120),
        }
    }

    /// The memory cgroup's folder (for messages).
    pub(crate) fn memory_dir(&self) -> PathBuf {
        self.memory
            .as_ref()
            .map_or_else(PathBuf::new, |m| m.dir.clone())
    }

    /// Time zero: the C-RAN load replays from `epoch` (`cran.jsonl`) and the memory cgroup is
    /// sampled (`memory-samples.csv`).
    pub(crate) fn start_clock(&mut self, epoch: Instant) {
        if let Some(l) = self.load.as_mut() {
            l.drive(epoch, self.dir.join("cran.jsonl"));
        }
        if let Some(m) = self.memory.as_mut() {
            m.sample(epoch, self.dir.join("memory-samples.csv"));
        }
    }

    /// Stops sampling the memory: (mean, peak) \[bytes\].
    pub(crate) fn memory_finish(&mut self) -> (f64, u64) {
        self.memory.as_mut().map_or((0.0, 0), MemoryCgroup::finish)
    }

    /// Tears everything down (memory sampling, C-RAN load, topology) and cleans the ledger.
    pub(crate) fn down(mut self) -> Result<(), RunError> {
        if let Some(mut m) = self.memory.take() {
            m.finish();
        }
        if let Some(l) = self.load.take() {
            l.stop();
        }
        if let Some(t) = self.topo.take() {
            let _ = t.down();
        }
        crate::ledger::clean_ledger(self.ledger.path())?;
        Ok(())
    }
}
