//! # The emulation driver: one run of a scenario, for real
//!
//! [`run_scenario`] turns a [`Scenario`] (what a spec's run plan expands to, the same value the
//! simulator gets) into a real run and returns the same [`Records`] the simulator produces,
//! with mode `emu`:
//!
//! 1. **Topology** ([`topology_spec`]): one host (network namespace) per UE (`ue0`, …) and per
//!    BBU (`bbu0`, …), the simulator's own nodes, so `links.csv` names the same endpoints. The
//!    store (Redis) and the manager run in the control BBU's host, as in the simulator; a worker
//!    agent runs in each worker BBU's host. Each UE has its radio link (rate and one-way delay
//!    of `links.radio`) to the control BBU; the BBUs share one switch (a Linux bridge, the BBU
//!    pool's), the control BBU's attachment unshaped and each other BBU's with its wired rate
//!    and delay (`links.wired`). All BBU traffic goes to or from the control BBU, so this is
//!    the simulator's star of wired links (measured: the same execution times and bytes).
//! 2. **Redis**: a real `redis-server` in the control host (no persistence).
//!    **C-RAN load** ([`cran`]): each worker BBU gets its capacity, burner and offload cgroups,
//!    and a driver thread replays the BBUs' load processes against the wall clock (time zero =
//!    the agents' epoch), setting the quotas at each change.
//! 3. **Agents** ([`crate::agent`]): workers, then the manager, then the clients, each a
//!    `mlsim agent ROLE CONFIG` process in its host (started through `nsenter --net`), in its
//!    own process group (Ctrl-C reaches only the driver, see [`stop`]). A worker starts in its
//!    BBU's offload cgroup, so the workloads it starts inherit it (CRIU-restored ones are moved
//!    into it).
//! 4. **Requests**: one clients agent submits every `[[workload]]` class's requests from the
//!    UEs as the simulator does ([`plan`]) and exits when all results are in; the run ends then
//!    (or on timeout, or on a stop request).
//! 5. **Measurements** ([`records`]): interface byte counters before and after, the agents' logs.
//! 6. **Tear-down**: agents, Redis, the workers' ledgers (their workload processes), the C-RAN
//!    burners and cgroups, the topology, then this run's ledger: everything was recorded before it was created, so
//!    `mlsim emu clean` removes it all even if this process is SIGKILLed midway.

pub mod counters;
pub mod cran;
pub mod plan;
pub mod records;
pub mod stop;

use crate::agent::protocol::{
    ClientConfig, ClientLog, Common, ManagerConfig, ManagerLog, WorkerConfig,
};
use crate::ledger::{Ledger, Resource};
use crate::topo::{HostSpec, LinkSpec, SwitchSpec, Topology, TopologySpec};
use mlsim_core::Records;
use mlsim_core::scenario::Scenario;
use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Port of Redis in the store host.
pub const REDIS_PORT: u16 = 6379;
/// Port of each worker's HTTP endpoint.
pub const WORKER_PORT: u16 = 8080;

/// How to run the emulation (what is not in the scenario).
#[derive(Clone, Debug)]
pub struct EmuOptions {
    /// The agent program and the arguments before the role, e.g. `[mlsim, agent]`.
    pub agent_cmd: Vec<OsString>,
    /// The `mlsim-workload` program (release build).
    pub workload_bin: PathBuf,
    /// The `mlsim-face` program, if built.
    pub face_bin: Option<PathBuf>,
    /// Folder for this run's ledger, configs, logs and work files (created).
    pub work_dir: PathBuf,
    /// Give up on a run after this long \[wall\].
    pub timeout: Duration,
    /// Real cores per spec core for the worker BBUs' C-RAN emulation ([`cran`]); `None` = the
    /// largest value ≤ 1 at which the worker BBUs fit this machine.
    pub cpu_scale: Option<f64>,
    /// This machine's speed against the model's reference core, for the timeout trackers
    /// ([`crate::host`]; 1: the model's times as they are).
    pub host_speed: f64,
}

/// Why a run could not be emulated.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The ledger failed.
    #[error("ledger: {0}")]
    Ledger(#[from] crate::ledger::LedgerError),
    /// The topology could not be built.
    #[error("topology: {0}")]
    Topo(#[from] crate::topo::TopoError),
    /// A process could not be started or misbehaved.
    #[error("{0}")]
    Process(String),
    /// A file operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// Ctrl-C / SIGTERM.
    #[error("interrupted")]
    Interrupted,
    /// The run did not finish in time.
    #[error("timed out after {0:.0} s")]
    Timeout(f64),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> RunError {
    let what = what.into();
    move |source| RunError::Io { what, source }
}

/// Host name of a BBU.
pub fn bbu_host(b: u32) -> String {
    format!("bbu{b}")
}
/// Host name of a UE.
pub fn ue_host(u: u32) -> String {
    format!("ue{u}")
}

fn rate(bps: f64) -> Option<u64> {
    (bps.is_finite() && bps > 0.0).then_some(bps as u64)
}

/// The topology of a scenario: hosts `ue*` and `bbu*`; each UE's radio link to the control BBU;
/// the BBUs on one switch `pool` (a shared segment, see [`crate::topo`]): the control BBU's
/// attachment unshaped with no delay, every other BBU's with its wired rate and delay (the wired
/// latency plus the BBU's extra latency). All traffic between BBUs goes to or from the control
/// BBU (Redis, the Manager), so each BBU <-> control path has exactly its wired rate and delay,
/// as with a star of wired links around the control BBU.
pub fn topology_spec(sc: &Scenario) -> TopologySpec {
    let t = &sc.topology;
    let c = t.control_bbu;
    let mut hosts: Vec<HostSpec> = (0..t.ues).map(|u| HostSpec { name: ue_host(u) }).collect();
    hosts.extend((0..t.bbus.len() as u32).map(|b| HostSpec { name: bbu_host(b) }));
    let mut links: Vec<LinkSpec> = (0..t.ues)
        .map(|u| LinkSpec {
            a: ue_host(u),
            b: bbu_host(c),
            rate_bps: rate(t.radio.bandwidth_bps),
            delay: Duration::from_nanos(t.radio.latency.as_nanos()),
            loss: 0.0,
        })
        .collect();
    let pool = "pool".to_string();
    for b in 0..t.bbus.len() as u32 {
        let (rate_bps, delay) = if b == c {
            (None, Duration::ZERO)
        } else {
            let extra = t.bbus[b as usize].extra_latency.as_nanos();
            let bw = t.bbus[b as usize]
                .wired_bandwidth_bps
                .map_or(t.wired.bandwidth_bps, |x| x.min(t.wired.bandwidth_bps));
            (
                rate(bw),
                Duration::from_nanos(t.wired.latency.as_nanos() + extra),
            )
        };
        links.push(LinkSpec {
            a: bbu_host(b),
            b: pool.clone(),
            rate_bps,
            delay,
            loss: 0.0,
        });
    }
    TopologySpec {
        hosts,
        switches: vec![SwitchSpec { name: pool }],
        links,
    }
}

/// A started process we must stop at the end.
struct Started {
    name: String,
    child: Child,
}

impl Started {
    fn stop(mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SIGTERM first (lets Redis and the agents exit), then SIGKILL.
            let _ = crate::sys::signal(self.child.id(), libc::SIGTERM);
            let t = Instant::now();
            while t.elapsed() < Duration::from_secs(2) {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = &self.name;
    }
}

fn spawn(mut cmd: Command, name: &str, dir: &Path, ledger: &Ledger) -> Result<Started, RunError> {
    let out = std::fs::File::create(dir.join(format!("{name}.out"))).map_err(io("agent log"))?;
    let err = std::fs::File::create(dir.join(format!("{name}.err"))).map_err(io("agent log"))?;
    cmd.stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| RunError::Process(format!("cannot start {name}: {e}")))?;
    ledger.record_process(child.id())?;
    Ok(Started {
        name: name.to_string(),
        child,
    })
}

fn wait_file(path: &Path, timeout: Duration, who: &mut Started) -> Result<(), RunError> {
    let t = Instant::now();
    while !path.exists() {
        if let Ok(Some(st)) = who.child.try_wait() {
            return Err(RunError::Process(format!(
                "{} exited ({st}) before it was ready; see its .err file",
                who.name
            )));
        }
        if stop::requested() {
            return Err(RunError::Interrupted);
        }
        if t.elapsed() > timeout {
            return Err(RunError::Timeout(timeout.as_secs_f64()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

fn write_json<T: serde::Serialize>(path: &Path, v: &T) -> Result<(), RunError> {
    let bytes = serde_json::to_vec_pretty(v)
        .map_err(|e| RunError::Process(format!("config {}: {e}", path.display())))?;
    std::fs::write(path, bytes).map_err(io(format!("write {}", path.display())))
}

fn agent_command(opts: &EmuOptions, host: &crate::topo::Host, role: &str, cfg: &Path) -> Command {
    let (prog, pre) = opts
        .agent_cmd
        .split_first()
        .map(|(p, r)| (p.clone(), r.to_vec()))
        .unwrap_or_else(|| ("mlsim".into(), vec!["agent".into()]));
    let mut c = host.command(prog);
    c.args(pre).arg(role).arg(cfg);
    c
}

/// Emulates run `run` of scenario `sc` and returns its records.
pub fn run_scenario(sc: &Scenario, run: u32, opts: &EmuOptions) -> Result<Records, RunError> {
    let dir = &opts.work_dir;
    std::fs::create_dir_all(dir).map_err(io(format!("mkdir {}", dir.display())))?;
    let dir = std::fs::canonicalize(dir).map_err(io("canonicalize the work folder"))?;
    let ledger = Ledger::create(&dir)?;
    let mut started: Vec<Started> = Vec::new();
    let mut worker_dirs: Vec<PathBuf> = Vec::new();
    let mut topo: Option<Topology> = None;
    let mut load: Option<cran::RunLoad> = None;
    let result = drive(
        sc,
        run,
        opts,
        &dir,
        &ledger,
        &mut started,
        &mut worker_dirs,
        &mut topo,
        &mut load,
    );
    // Tear down in reverse order of creation, whatever happened.
    for s in started.into_iter().rev() {
        s.stop();
    }
    for d in &worker_dirs {
        let l = d.join(crate::ledger::LEDGER_FILE);
        if l.exists() {
            let _ = crate::ledger::clean_ledger(&l);
        }
        // The installed λ(f) copies (24 MB taxi/stress, 80 MB face per worker and run) would
        // fill the disk over a grid; the records and logs stay.
        let _ = std::fs::remove_dir_all(d.join("pkg"));
    }
    if let Some(l) = load {
        l.stop();
    }
    if let Some(t) = topo {
        let _ = t.down();
    }
    crate::ledger::clean_ledger(ledger.path())?;
    result
}

#[allow(clippy::too_many_arguments)]
fn drive(
    sc: &Scenario,
    run: u32,
    opts: &EmuOptions,
    dir: &Path,
    ledger: &Ledger,
    started: &mut Vec<Started>,
    worker_dirs: &mut Vec<PathBuf>,
    topo_slot: &mut Option<Topology>,
    load_slot: &mut Option<cran::RunLoad>,
) -> Result<Records, RunError> {
    let t0 = Instant::now();
    let scale =
        cran::scale_of(sc, opts.cpu_scale, cran::machine_cores()).map_err(RunError::Process)?;
    let spec = topology_spec(sc);
    *topo_slot = Some(Topology::up(&spec, ledger)?);
    let topo = topo_slot.as_ref().expect("just set");
    if stop::requested() {
        return Err(RunError::Interrupted);
    }
    // C-RAN load on the worker BBUs, at each BBU's load at time zero.
    *load_slot = Some(cran::RunLoad::start(sc, topo, ledger, scale)?);
    let load = load_slot.as_mut().expect("just set");
    std::fs::write(
        dir.join("cran.txt"),
        format!(
            "cpu scale {scale} real cores per spec core\n{}\n",
            load.describe().join("\n")
        ),
    )
    .map_err(io("write cran.txt"))?;
    let host = |name: &str| {
        topo.host(name)
            .ok_or_else(|| RunError::Process(format!("topology has no host {name}")))
    };
    let c = sc.topology.control_bbu;
    let control = host(&bbu_host(c))?;
    let redis_addr = SocketAddr::from((control.addr(), REDIS_PORT));

    // Redis in the store host.
    let mut redis_cmd = control.command("redis-server");
    redis_cmd.args(crate::ckpt::store::redis_server_args(
        &[control.addr().to_string(), "127.0.0.1".into()],
        REDIS_PORT,
        dir,
    ));
    started.push(spawn(redis_cmd, "redis", dir, ledger)?);
    crate::agent::resp::Resp::connect(redis_addr, Duration::from_secs(20))
        .map_err(|e| RunError::Process(format!("redis-server did not come up: {e}")))?;

    let epoch_instant = Instant::now();
    let epoch = crate::agent::unix_ns();
    for &b in &sc.topology.workers {
        let holding = dir
            .join(format!("worker-bbu{b}"))
            .join(crate::agent::worker::HOLDING);
        load.watch_holding(b, holding);
    }
    load.drive(epoch_instant, dir.join("cran.jsonl"));
    let common = |log: &str| Common {
        run,
        redis: redis_addr,
        epoch_unix_ns: epoch,
        log: dir.join(log),
    };

    // Workers.
    let mut workers = Vec::new();
    for &b in &sc.topology.workers {
        let h = host(&bbu_host(b))?;
        let wdir = dir.join(format!("worker-bbu{b}"));
        let cfg = WorkerConfig {
            common: common(&format!("worker-bbu{b}.jsonl")),
            bbu: b,
            listen: SocketAddr::from((h.addr(), WORKER_PORT)),
            workload_bin: opts.workload_bin.clone(),
            face_bin: opts.face_bin.clone(),
            dir: wdir.clone(),
            netns: h.netns_path(),
            docker: sc.checkpoint.method.get().captures()
                == mlsim_core::method::Captures::ContainerImage,
            cran: sc.topology.bbus.get(b as usize).map(|x| {
                crate::agent::worker::timeline::CranConfig {
                    load: x.load.clone(),
                    seed: sc.seed,
                    cores: x.cores,
                    eviction: sc.eviction,
                    memory_bytes: x.memory_mib.saturating_mul(1 << 20),
                }
            }),
        };
        let path = dir.join(format!("worker-bbu{b}.json"));
        write_json(&path, &cfg)?;
        worker_dirs.push(wdir.clone());
        let mut cmd = agent_command(opts, h, "worker", &path);
        if let Some(cg) = load.offload(b) {
            cg.join_on_spawn(&mut cmd)
                .map_err(|e| RunError::Process(format!("offload cgroup of bbu{b}: {e}")))?;
        }
        let mut s = spawn(cmd, &format!("worker-bbu{b}"), dir, ledger)?;
        wait_file(&wdir.join("ready"), Duration::from_secs(30), &mut s)?;
        started.push(s);
        workers.push((b, cfg.listen));
    }

    // Manager.
    let mcfg = ManagerConfig {
        common: common("manager.jsonl"),
        scenario: sc.clone(),
        workers,
        host_speed: opts.host_speed,
    };
    let mpath = dir.join("manager.json");
    write_json(&mpath, &mcfg)?;
    let mut m = spawn(
        agent_command(opts, control, "manager", &mpath),
        "manager",
        dir,
        ledger,
    )?;
    wait_file(&dir.join("manager.ready"), Duration::from_secs(30), &mut m)?;
    started.push(m);

    // Counters before the requests.
    let before = link_bytes(sc, topo)?;

    // The clients: every class's requests, numbered and spread over the UEs as the
    // simulator does (see [`plan`]).
    let classes = plan::classes(sc);
    let total = plan::total_requests(&classes);
    let mut ue_netns = Vec::new();
    for u in 0..sc.topology.ues {
        ue_netns.push(host(&ue_host(u))?.netns_path());
    }
    let mut clients = Vec::new();
    if total > 0 {
        let cfg = ClientConfig {
            common: common("clients.jsonl"),
            ue_netns,
            classes,
            seed: sc.seed,
            timeout_s: opts.timeout.as_secs_f64(),
        };
        let path = dir.join("clients.json");
        write_json(&path, &cfg)?;
        clients.push(spawn(
            agent_command(opts, host(&ue_host(0))?, "client", &path),
            "clients",
            dir,
            ledger,
        )?);
    }
    let deadline = Instant::now() + opts.timeout;
    let mut failed = None;
    for cl in clients.iter_mut() {
        loop {
            match cl.child.try_wait() {
                Ok(Some(st)) => {
                    if !st.success() {
                        failed = Some(format!("{} exited with {st}", cl.name));
                    }
                    break;
                }
                Ok(None) => {}
                Err(e) => return Err(RunError::Process(format!("wait for {}: {e}", cl.name))),
            }
            if stop::requested() {
                started.extend(clients);
                return Err(RunError::Interrupted);
            }
            if Instant::now() > deadline {
                started.extend(clients);
                return Err(RunError::Timeout(opts.timeout.as_secs_f64()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let horizon_ns = crate::agent::since(epoch);
    let cran_measured = load.measure();
    if let Ok(j) = serde_json::to_vec_pretty(&cran_measured) {
        let _ = std::fs::write(dir.join("cran-measured.json"), j);
    }
    // Let the manager's last log lines land.
    std::thread::sleep(Duration::from_millis(50));
    let after = link_bytes(sc, topo)?;
    let links: Vec<records::LinkBytes> = after
        .into_iter()
        .zip(before)
        .map(|(a, b)| records::LinkBytes {
            bytes: a.bytes.saturating_sub(b.bytes),
            ..a
        })
        .collect();
    let client_logs: Vec<ClientLog> = records::read_lines(&dir.join("clients.jsonl"));
    let manager_logs: Vec<ManagerLog> = records::read_lines(&dir.join("manager.jsonl"));
    if client_logs.len() < total as usize {
        return Err(RunError::Process(failed.unwrap_or_else(|| {
            format!(
                "only {} of {} requests were answered",
                client_logs.len(),
                total
            )
        })));
    }
    let _ = ledger.record(&Resource::Dir {
        path: dir.join("tasks"),
    });
    let _ = t0;
    Ok(records::assemble(
        sc,
        run,
        &client_logs,
        &manager_logs,
        &links,
        &cran_measured,
        horizon_ns,
    ))
}

/// Reads the byte counters of every link direction (leaf hosts' interfaces; the control BBU's
/// loopback for local traffic).
fn link_bytes(sc: &Scenario, topo: &Topology) -> Result<Vec<records::LinkBytes>, RunError> {
    let t = &sc.topology;
    let c = t.control_bbu;
    let control = bbu_host(c);
    let mut out = Vec::new();
    let leaves = (0..t.ues)
        .map(|u| (ue_host(u), "radio", t.radio.bandwidth_bps))
        .chain(
            (0..t.bbus.len() as u32)
                .filter(|b| *b != c)
                .map(|b| (bbu_host(b), "wired", t.wired.bandwidth_bps)),
        );
    for (name, kind, bps) in leaves {
        let h = topo
            .host(&name)
            .ok_or_else(|| RunError::Process(format!("no host {name}")))?;
        let (rx, tx) = h.byte_counters()?;
        out.push(records::LinkBytes {
            kind,
            from: name.clone(),
            to: control.clone(),
            bytes: tx,
            rate_bps: bps,
        });
        out.push(records::LinkBytes {
            kind,
            from: control.clone(),
            to: name.clone(),
            bytes: rx,
            rate_bps: bps,
        });
    }
    if let Some(h) = topo.host(&control) {
        let (_, tx) = counters::if_bytes(h.command("ip"), "lo").unwrap_or((0, 0));
        out.push(records::LinkBytes {
            kind: "local",
            from: control.clone(),
            to: control.clone(),
            bytes: tx,
            rate_bps: t.local.bandwidth_bps,
        });
    }
    Ok(out)
}

/// The address a worker agent listens on (for tests).
pub fn worker_addr(ip: Ipv4Addr) -> SocketAddr {
    SocketAddr::from((ip, WORKER_PORT))
}
