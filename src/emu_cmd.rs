//! `mlsim emu ...`: the emulation mode's subcommands (each needs root). Add a subcommand as a
//! variant of [`EmuCmd`] and a line in [`dispatch`].

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use mlsim_emu::ledger::{Ledger, clean_all, clean_ledger};
use mlsim_emu::topo::Topology;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The `mlsim emu` subcommands.
#[derive(Subcommand)]
pub enum EmuCmd {
    /// Replay every run of a spec for real (topology, Redis, agents, the real workloads) and
    /// write the same result folder as `mlsim run`, records with mode `emu`.
    Run {
        /// The experiment spec (TOML), e.g. experiments/fig6-emu.toml.
        spec: PathBuf,
        /// Result folder [default: results/<experiment name>-emu].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Give up on a run after this long [s].
        #[arg(long, default_value_t = 600.0)]
        timeout_s: f64,
        /// Real cores per spec core for the worker BBUs' C-RAN load (cgroup quotas): a BBU of c
        /// cores is capped at S·c real cores, C-RAN takes S·⌈L·c⌉, offloaded work the rest.
        /// The worker BBUs must fit the machine (Σ S·c ≤ cores) [default: the largest S ≤ 1
        /// that fits].
        #[arg(long)]
        cpu_scale: Option<f64>,
        /// This machine's speed against the model's reference core, which the timeout trackers
        /// budget with (their BBU's speed times it): `auto` measures it before the first run
        /// (taxi's CPU time against the model's, about 1 s), a number sets it (1: the model's
        /// times as they are). A protocol sweep records it in OUT/emu/host.json, which
        /// `mlsim compare` reads.
        #[arg(long, default_value = "auto", value_parser = parse_host_speed)]
        host_speed: mlsim_emu::host::HostSpeed,
        /// Print only errors and the final line.
        #[arg(long, short)]
        quiet: bool,
        /// Run even when the estimated peak memory exceeds the available memory
        /// (`mlsim validate` prints the estimates; the fixed limits still hold).
        #[arg(long)]
        force: bool,
    },
    /// Measure real μλ, CRIU and Docker checkpoints and restores of the workloads (Figs. 4/5):
    /// OUT/checkpoints.csv and a median/min/max table.
    Checkpoints(crate::emu_checkpoints::CheckpointsArgs),
    /// Measure serverless instance starts (a container's cold start with the function's memory
    /// built, a warm invocation's round trip) and fit a model file's `[serverless]` table.
    Starts(crate::emu_starts::StartsArgs),
    /// Build or remove a topology by hand (hosts = network namespaces, shaped links).
    Topo {
        #[command(subcommand)]
        what: TopoCmd,
    },
    /// Remove every namespace, link, cgroup, container and process of the run in DIR (a run
    /// folder, or an `emu run` result folder: every ledger in it); without DIR, of every
    /// registered run, then every leftover `mlsim-` object (also of live runs).
    Clean {
        /// A run folder (holding emu-ledger.jsonl) or a ledger file.
        dir: Option<PathBuf>,
    },
    /// (internal) the userspace delay relay of one link: `--a IF --b IF --delay-ns N ...`.
    #[command(hide = true)]
    Relay {
        /// Relay arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// `mlsim emu topo ...`.
#[derive(Subcommand)]
pub enum TopoCmd {
    /// Build the topology of FILE and leave it running: a topology file (hosts, switches, links;
    /// see the README), or an experiment spec (the topology of its first sweep point).
    Up {
        /// Topology file or experiment spec (TOML).
        file: PathBuf,
        /// Run folder for the ledger and relay logs [default: results/topo/<file stem>].
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Run a command in a host (or switch) of the topology built into DIR (`nsenter --net=...`).
    Exec {
        /// The run folder given to `topo up`.
        dir: PathBuf,
        /// Host name, e.g. ue0 (or a switch's name: its namespace holds the bridge).
        host: String,
        /// The command and its arguments (after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        cmd: Vec<String>,
    },
    /// Tear down the topology built into DIR (same as `mlsim emu clean DIR`).
    Down {
        /// The run folder given to (or printed by) `topo up`.
        dir: PathBuf,
    },
}

fn parse_host_speed(s: &str) -> Result<mlsim_emu::host::HostSpeed, String> {
    s.parse()
}

/// Runs an `mlsim emu` subcommand.
pub fn dispatch(cmd: EmuCmd) -> Result<ExitCode> {
    match cmd {
        EmuCmd::Run {
            spec,
            out,
            timeout_s,
            cpu_scale,
            host_speed,
            quiet,
            force,
        } => crate::emu_run::run(
            &spec,
            out,
            timeout_s,
            crate::emu_run::Machine {
                cpu_scale,
                host_speed,
            },
            quiet,
            force,
        ),
        EmuCmd::Checkpoints(a) => crate::emu_checkpoints::run(a),
        EmuCmd::Starts(a) => crate::emu_starts::run(a),
        EmuCmd::Topo {
            what: TopoCmd::Up { file, dir },
        } => topo_up(&file, dir),
        EmuCmd::Topo {
            what: TopoCmd::Down { dir },
        } => clean(Some(&dir)),
        EmuCmd::Topo {
            what: TopoCmd::Exec { dir, host, cmd },
        } => topo_exec(&dir, &host, &cmd),
        EmuCmd::Clean { dir } => clean(dir.as_deref()),
        EmuCmd::Relay { args } => Ok(match mlsim_emu::topo::relay::main(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mlsim emu relay: {e}");
                ExitCode::from(2)
            }
        }),
    }
}

fn need_root(what: &str) -> Result<()> {
    if !mlsim_emu::sys::is_root() {
        bail!(
            "`mlsim emu {what}` needs root; run it with sudo after `sudo bash scripts/setup-emu.sh`"
        );
    }
    Ok(())
}

/// A topology file, or else the topology of an experiment spec's first sweep point.
fn load_topology(file: &Path) -> Result<mlsim_emu::topo::TopologySpec> {
    let text = mlsim_experiment::spec::read_text(file)
        .with_context(|| format!("reading {}", file.display()))?;
    let as_topo = mlsim_emu::topo::file::parse(&text);
    if let Ok(t) = as_topo {
        return Ok(t);
    }
    // A file with a top-level `hosts` list is meant as a topology file: say what is wrong with it.
    let is_topo = toml::from_str::<toml::Table>(&text).is_ok_and(|t| t.contains_key("hosts"));
    if let (true, Err(e)) = (is_topo, &as_topo) {
        bail!("{}: {e}", file.display());
    }
    match mlsim_experiment::spec::load(file) {
        Ok(s) => {
            let Some(p) = s.points.first() else {
                bail!("{}: the spec has no sweep point", file.display());
            };
            Ok(mlsim_emu::run::topology_spec(&p.scenario))
        }
        Err(spec_err) => bail!(
            "{}: neither a topology file ({}) nor an experiment spec ({})",
            file.display(),
            as_topo.err().unwrap_or_default(),
            spec_err
        ),
    }
}

fn topo_up(file: &Path, dir: Option<PathBuf>) -> Result<ExitCode> {
    need_root("topo up")?;
    let spec = load_topology(file)?;
    let stem = file
        .file_stem()
        .map_or("topo".into(), |s| s.to_string_lossy().into_owned());
    let dir = dir.unwrap_or_else(|| PathBuf::from("results/topo").join(stem));
    let ledger = Ledger::create(&dir)
        .with_context(|| format!("creating the ledger in {}", dir.display()))?;
    let topo = match Topology::up(&spec, &ledger) {
        Ok(t) => t,
        Err(e) => {
            let cleaned = clean_ledger(ledger.path());
            let note = match cleaned {
                Ok(r) if r.ok() => "what was built is removed again".to_string(),
                _ => format!("run `mlsim emu clean {}`", dir.display()),
            };
            return Err(anyhow::Error::new(e).context(format!(
                "building the topology of {} ({note})",
                file.display()
            )));
        }
    };
    let hosts: Vec<serde_json::Value> = topo
        .hosts()
        .iter()
        .map(|h| serde_json::json!({"name": h.name(), "netns": h.netns_name(), "addr": h.addr().to_string()}))
        .collect();
    let switches: Vec<serde_json::Value> = topo
        .switches()
        .iter()
        .map(|s| serde_json::json!({"name": s.name(), "netns": s.netns_name(), "bridge": s.bridge(), "subnet": format!("{}/24", s.subnet())}))
        .collect();
    let desc = serde_json::json!({"run_id": ledger.run_id(), "hosts": hosts, "switches": switches});
    let desc_path = dir.join(TOPOLOGY_JSON);
    std::fs::write(&desc_path, format!("{desc:#}\n"))
        .with_context(|| format!("writing {}", desc_path.display()))?;
    println!(
        "topology of {} is up (run {}, delay path {:?}); ledger {}",
        file.display(),
        ledger.run_id(),
        topo.delay_path(),
        ledger.path().display()
    );
    println!("{:<12} {:<12} netns", "host", "address");
    for h in topo.hosts() {
        println!("{:<12} {:<12} {}", h.name(), h.addr(), h.netns_name());
    }
    if !topo.switches().is_empty() {
        println!("{:<12} {:<15} {:<15} netns", "switch", "subnet", "bridge");
        for s in topo.switches() {
            let subnet = format!("{}/24", s.subnet());
            println!(
                "{:<12} {subnet:<15} {:<15} {}",
                s.name(),
                s.bridge(),
                s.netns_name()
            );
        }
    }
    if let Some(h) = topo.hosts().first() {
        println!(
            "try:  mlsim emu topo exec {d} {} -- ping -c 3 <address>\nstop: mlsim emu topo down {d}",
            h.name(),
            d = dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Hosts of a topology built by `topo up`, in its run folder.
const TOPOLOGY_JSON: &str = "topology.json";

fn topo_exec(dir: &Path, host: &str, cmd: &[String]) -> Result<ExitCode> {
    need_root("topo exec")?;
    let path = dir.join(TOPOLOGY_JSON);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (was the topology built with `mlsim emu topo up --dir {}`?)",
            path.display(),
            dir.display()
        )
    })?;
    let desc: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let hosts = desc["hosts"].as_array().cloned().unwrap_or_default();
    let switches = desc["switches"].as_array().cloned().unwrap_or_default();
    let Some(netns) = hosts
        .iter()
        .chain(&switches)
        .find(|h| h["name"] == host)
        .and_then(|h| h["netns"].as_str())
    else {
        let names = |v: &[serde_json::Value]| -> Vec<String> {
            v.iter()
                .filter_map(|h| h["name"].as_str().map(String::from))
                .collect()
        };
        bail!(
            "no host or switch {host:?} in {}; hosts: {}; switches: {}",
            path.display(),
            names(&hosts).join(", "),
            names(&switches).join(", ")
        );
    };
    let Some((program, args)) = cmd.split_first() else {
        bail!("no command given");
    };
    let status = std::process::Command::new("nsenter")
        .arg(format!("--net=/var/run/netns/{netns}"))
        .arg("--")
        .arg(program)
        .args(args)
        .status()
        .context("running nsenter")?;
    Ok(ExitCode::from(
        status.code().map_or(1, |c| c.clamp(0, 255) as u8),
    ))
}

/// Every ledger in `dir` or below it, up to three levels deep (a result folder of `emu run`:
/// `emu/run-N/` and its workers' `worker-bbuB/`), deepest first.
fn ledgers_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(d: &Path, depth: u32, out: &mut Vec<(u32, PathBuf)>) {
        let f = d.join(mlsim_emu::ledger::LEDGER_FILE);
        if f.is_file() {
            out.push((depth, f));
        }
        if depth < 3
            && let Ok(rd) = std::fs::read_dir(d)
        {
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    walk(&e.path(), depth + 1, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, 0, &mut out);
    out.sort_by_key(|(depth, p)| (std::cmp::Reverse(*depth), p.clone()));
    out.into_iter().map(|(_, p)| p).collect()
}

fn clean(dir: Option<&Path>) -> Result<ExitCode> {
    need_root("clean")?;
    let report = match dir {
        Some(d) => {
            let ledgers = ledgers_under(d);
            if ledgers.is_empty() {
                clean_ledger(d).with_context(|| format!("cleaning the run in {}", d.display()))?
            } else {
                let mut all = mlsim_emu::ledger::CleanReport::default();
                for l in &ledgers {
                    all.merge(
                        clean_ledger(l)
                            .with_context(|| format!("cleaning the run of {}", l.display()))?,
                    );
                }
                all
            }
        }
        None => clean_all().context("cleaning every run")?,
    };
    for r in &report.removed {
        println!("removed {r}");
    }
    for f in &report.failed {
        eprintln!("FAILED  {f}");
    }
    println!(
        "clean: {} removed, {} already gone, {} failed ({} ledger(s))",
        report.removed.len(),
        report.already_gone,
        report.failed.len(),
        report.ledgers.len()
    );
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
