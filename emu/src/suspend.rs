//! # The suspend study (seed 000), for real
//!
//! [`run_suspend`] replays one run of a suspend study: the same state machine as the simulator
//! ([`mlsim_core::suspend::Machine`]: admission on memory, cores, idle timers, pressure, the
//! records), driven on the wall clock, with every effect done for real ([`function`]):
//!
//! - each function is a `mlsim-workload hold` process that holds its resident memory
//!   (`memory_bytes`, touched and checksummed) and burns each event's burst of CPU; natively
//!   for `long_running`, CRIU and μλ, in a container for `pause` and `docker`;
//! - a suspend is `docker pause`, `docker checkpoint create`, `criu dump` or μλ's state save;
//!   a wake is `docker unpause`, `docker start --checkpoint`, `criu restore` or a new process
//!   resuming from the state; their wall times are the records' `suspend_s` and `wake_s`, the
//!   image folder's size is `bytes_written`; each burst checks that the memory's checksum
//!   survived;
//! - the worker BBU is the C-RAN emulation's ([`crate::run::cran`]: CPU quotas for C-RAN and
//!   for offloaded work, replaying the BBU's load process), plus a memory cgroup with the
//!   BBU's memory as its limit (plus [`MEMORY_SLACK`] for what the admission rule does not
//!   count: the program, its libraries, page cache); every function's process or container
//!   runs in both;
//! - the BBU's memory cgroup is sampled every 50 ms: `memory.csv`'s `measured_mean_mib` and
//!   `measured_peak_mib` (the kernel's high-water mark), and the run's work folder keeps the
//!   samples (`memory-samples.csv`: seconds after time zero, bytes).
//!
//! Time zero is when every function admitted at time zero holds its memory (the simulator's
//! deployment is instant; the emulation's takes real time, so it happens before the clock
//! starts). A function admitted later (after memory frees) is started then, and counts as busy
//! while it starts.
//!
//! Limits: one worker BBU (functions never move between BBUs: with one BBU there is nowhere to
//! move); `speed` = 1 (the machine's cores are the reference; checked by the backend).

pub mod function;

use crate::edge::Edge;
use crate::ledger::Ledger;
use crate::run::{EmuOptions, RunError, stop};
use function::{Done, Function, Runtime, Shared};
use mlsim_core::Records;
use mlsim_core::load::LoadSource;
use mlsim_core::record::Mode;
use mlsim_core::scenario::Scenario;
use mlsim_core::suspend::{Effect, Input, Machine};
use mlsim_core::{SimDuration, SimTime};
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use std::time::{Duration, Instant};

/// Root of the v1 `memory` hierarchy.
pub const MEMORY_ROOT: &str = "/sys/fs/cgroup/memory";
/// Memory the BBU's cgroup allows beyond the BBU's memory \[bytes\]: per function, its
/// program and libraries (about 3 MiB resident), plus 32 MiB of page cache.
pub const MEMORY_SLACK_PER_FUNCTION: u64 = 4 << 20;
/// See [`MEMORY_SLACK_PER_FUNCTION`].
pub const MEMORY_SLACK: u64 = 32 << 20;
/// How often the BBU's memory cgroup is read.
pub const MEMORY_SAMPLE: Duration = Duration::from_millis(50);

const C_LOAD: u8 = 0;
const C_TIMER: u8 = 2;
const C_ARRIVAL: u8 = 3;

/// Why a suspend study cannot be replayed as it is (checked before anything starts).
pub fn check(sc: &Scenario) -> Result<(), String> {
    if sc.suspend.is_none() {
        return Err("not a suspend study".into());
    }
    if sc.topology.workers.len() != 1 {
        return Err(format!(
            "the emulation replays a suspend study on one worker BBU ({} given): set `[topology] workers` to one BBU, or run it in the simulator",
            sc.topology.workers.len()
        ));
    }
    let method = sc.checkpoint.method.name();
    if Runtime::of(method).is_none() {
        return Err(format!(
            "the emulation cannot suspend with method {method:?}: use \"none\", \"pause\", \"docker\", \"criu\" or \"microlambda\""
        ));
    }
    Ok(())
}

/// A timed input: due at `at`, ordered as the simulator orders events (time, class, then
/// the order it was set in).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Timed<W = TimedWhat> {
    pub(crate) at: SimTime,
    pub(crate) class: u8,
    pub(crate) seq: u64,
    pub(crate) what: W,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum TimedWhat {
    Arrival(u32),
    Idle(u32),
    Load(u32),
}

impl<W: Eq> Ord for Timed<W> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        // A max-heap: the earliest first.
        (o.at, o.class, o.seq).cmp(&(self.at, self.class, self.seq))
    }
}
impl<W: Eq> PartialOrd for Timed<W> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

/// What an operation thread reports.
struct Report {
    f: u32,
    op: Op,
    result: Result<Done, String>,
    function: Function,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Deploy,
    Burst,
    Suspend,
    Wake,
}

/// The BBU's memory cgroup: created with its limit, sampled by a thread.
pub(crate) struct MemoryCgroup {
    pub(crate) dir: PathBuf,
    stop: Arc<AtomicBool>,
    sampler: Option<std::thread::JoinHandle<(f64, u64)>>,
}

impl MemoryCgroup {
    pub(crate) fn create(
        ledger: &Ledger,
        rel: &Path,
        limit: u64,
    ) -> Result<MemoryCgroup, RunError> {
        let p = crate::cgroup::create_dirs(ledger, Path::new(MEMORY_ROOT), rel).map_err(|e| {
            RunError::Process(format!(
                "create the memory cgroup: {e} (is the v1 memory controller mounted at {MEMORY_ROOT}?)"
            ))
        })?;
        let lim = p.join("memory.limit_in_bytes");
        std::fs::write(&lim, limit.to_string())
            .map_err(|e| RunError::Process(format!("write {}: {e}", lim.display())))?;
        Ok(MemoryCgroup {
            dir: p,
            stop: Arc::new(AtomicBool::new(false)),
            sampler: None,
        })
    }

    pub(crate) fn procs(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    fn usage(dir: &Path) -> Option<u64> {
        std::fs::read_to_string(dir.join("memory.usage_in_bytes"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Starts sampling: resets the high-water mark, then reads the usage every
    /// [`MEMORY_SAMPLE`], writing each sample (`t_s,bytes`, seconds after `epoch`) to `log`.
    pub(crate) fn sample(&mut self, epoch: Instant, log: PathBuf) {
        let _ = std::fs::write(self.dir.join("memory.max_usage_in_bytes"), "0");
        let dir = self.dir.clone();
        let stop = self.stop.clone();
        self.sampler = Some(std::thread::spawn(move || {
            use std::io::Write;
            let mut out = std::fs::File::create(&log)
                .ok()
                .map(std::io::BufWriter::new);
            if let Some(w) = out.as_mut() {
                let _ = writeln!(w, "t_s,bytes");
            }
            let (mut sum, mut n, mut peak) = (0f64, 0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                if let Some(u) = MemoryCgroup::usage(&dir) {
                    sum += u as f64;
                    n += 1;
                    peak = peak.max(u);
                    if let Some(w) = out.as_mut() {
                        let _ = writeln!(w, "{:.3},{u}", epoch.elapsed().as_secs_f64());
                    }
                }
                std::thread::sleep(MEMORY_SAMPLE);
            }
            (if n == 0 { 0.0 } else { sum / n as f64 }, peak)
        }));
    }

    /// Stops sampling: (mean, peak) \[bytes\].
    pub(crate) fn finish(&mut self) -> (f64, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let (mean, sampled) = self
            .sampler
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or((0.0, 0));
        let hwm = std::fs::read_to_string(self.dir.join("memory.max_usage_in_bytes"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        (mean, sampled.max(hwm))
    }
}

/// Replays run `run` of the suspend study `sc` for real (see the module documentation) and
/// returns its records (mode `emu`).
pub fn run_suspend(sc: &Scenario, run: u32, opts: &EmuOptions) -> Result<Records, RunError> {
    check(sc).map_err(RunError::Process)?;
    let mut edge = Edge::open(opts)?;
    let mut functions: Vec<Option<Function>> = Vec::new();
    let result = drive(sc, run, opts, &mut edge, &mut functions);
    for f in functions.into_iter().flatten() {
        f.stop();
    }
    edge.down()?;
    result
}

fn drive(
    sc: &Scenario,
    run: u32,
    opts: &EmuOptions,
    edge: &mut Edge,
    functions: &mut Vec<Option<Function>>,
) -> Result<Records, RunError> {
    let s = sc.suspend.as_ref().expect("checked");
    let runtime = Runtime::of(sc.checkpoint.method.name()).expect("checked");
    let w = edge.up(sc, opts, |capacity| {
        capacity + MEMORY_SLACK + MEMORY_SLACK_PER_FUNCTION * u64::from(s.functions)
    })?;
    let (b, scale, capacity, limit) = (w.bbu, w.scale, w.capacity, w.limit);
    let image = if runtime.in_container() {
        Some(edge.image(&opts.workload_bin, "mlsim-hold")?)
    } else {
        None
    };
    let docker_root = if runtime == Runtime::Docker {
        function::docker_root()
    } else {
        None
    };
    let shared = Arc::new(edge.shared(
        &w,
        opts,
        image,
        docker_root,
        s.memory_bytes,
        sc.seed ^ (u64::from(run) << 32),
    ));
    let dir = edge.dir.clone();
    let dir = dir.as_path();
    for f in 0..s.functions {
        functions.push(Some(
            Function::new(f, dir.join(format!("fn{f}")), runtime).map_err(RunError::Process)?,
        ));
    }

    // The machine, the loads at time zero, the first arrivals.
    let mut sources: Vec<LoadSource> = Vec::new();
    let mut initial = Vec::new();
    for (i, x) in sc.topology.bbus.iter().enumerate() {
        let (src, f0) = crate::agent::worker::timeline::source(&x.load, sc.seed, i as u32);
        sources.push(src);
        initial.push(f0);
    }
    let mut machine = Machine::new(sc, run, Mode::Emu, &initial, false)
        .map_err(|e| RunError::Process(e.to_string()))?;
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Timed>, at: SimTime, class: u8, what: TimedWhat| {
        seq += 1;
        heap.push(Timed {
            at,
            class,
            seq,
            what,
        });
        seq
    };
    // Each BBU's next load change: when it is due, its value is the machine's input.
    let mut next_load: Vec<Option<f64>> = vec![None; sources.len()];
    for (i, src) in sources.iter_mut().enumerate() {
        if let Some((at, l)) = src.next_change() {
            next_load[i] = Some(l);
            push(&mut heap, at, C_LOAD, TimedWhat::Load(i as u32));
        }
    }
    let mut timers: Vec<Option<u64>> = vec![None; s.functions as usize];
    let (tx, rx) = mpsc::channel::<Report>();
    let mut in_flight = 0u32;

    // Deployment at time zero, before the clock starts: every function admitted now starts
    // and takes its memory, in parallel.
    machine.handle(SimTime::ZERO, Input::Deploy);
    let mut effects = Vec::new();
    machine.drain_effects(&mut effects);
    let mut first_deploys = Vec::new();
    let mut rest = Vec::new();
    for e in effects.drain(..) {
        match e {
            Effect::Deploy { f, .. } => first_deploys.push(f),
            other => rest.push(other),
        }
    }
    let t_deploy = Instant::now();
    for &f in &first_deploys {
        let func = functions[f as usize].take().expect("idle");
        start(&tx, &shared, func, Op::Deploy, Duration::ZERO);
        in_flight += 1;
    }
    let mut failure = None;
    while in_flight > 0 {
        let r = rx
            .recv()
            .map_err(|_| RunError::Process("an operation thread vanished".into()))?;
        in_flight -= 1;
        functions[r.f as usize] = Some(r.function);
        if let Err(e) = r.result {
            failure.get_or_insert(e);
        }
        if stop::requested() {
            failure.get_or_insert("interrupted".into());
        }
    }
    if stop::requested() {
        return Err(RunError::Interrupted);
    }
    if let Some(e) = failure {
        return Err(RunError::Process(format!("deploying the functions: {e}")));
    }
    std::fs::write(
        dir.join("suspend.txt"),
        format!(
            "method {} ({runtime:?}); {} functions of {} MiB; bbu{b}: {} MiB, memory cgroup limit {} MiB ({}); {} deployed at time zero in {:.2} s; cpu scale {scale}\n",
            sc.checkpoint.method.name(),
            s.functions,
            s.memory_bytes >> 20,
            capacity >> 20,
            limit >> 20,
            edge.memory_dir().display(),
            first_deploys.len(),
            t_deploy.elapsed().as_secs_f64()
        ),
    )
    .map_err(|e| RunError::Process(format!("write suspend.txt: {e}")))?;

    // The clock starts.
    let epoch = Instant::now();
    edge.start_clock(epoch);
    let now_of = |epoch: Instant| SimTime(epoch.elapsed().as_nanos() as u64);
    let mut last = SimTime::ZERO;
    for &f in &first_deploys {
        machine.handle(SimTime::ZERO, Input::Deployed(f));
    }
    machine.drain_effects(&mut rest);
    let mut pending: Vec<Effect> = machine.take_effects();
    rest.append(&mut pending);
    let deadline = Instant::now() + opts.timeout;
    let mut effects = rest;
    loop {
        // Do what the machine asked for.
        for e in effects.drain(..) {
            match e {
                Effect::Arrival { f, at } => {
                    push(&mut heap, at, C_ARRIVAL, TimedWhat::Arrival(f));
                }
                Effect::Timer { f, at } => {
                    timers[f as usize] = Some(push(&mut heap, at, C_TIMER, TimedWhat::Idle(f)));
                }
                Effect::CancelTimer { f } => timers[f as usize] = None,
                Effect::Deploy { f, .. } => {
                    let func = take(functions, f)?;
                    start(&tx, &shared, func, Op::Deploy, Duration::ZERO);
                    in_flight += 1;
                }
                Effect::Burst { f, wall, .. } => {
                    let func = take(functions, f)?;
                    start(&tx, &shared, func, Op::Burst, Duration::from_nanos(wall.0));
                    in_flight += 1;
                }
                Effect::Suspend { f, .. } => {
                    let func = take(functions, f)?;
                    start(&tx, &shared, func, Op::Suspend, Duration::ZERO);
                    in_flight += 1;
                }
                Effect::Wake { f, .. } => {
                    let func = take(functions, f)?;
                    start(&tx, &shared, func, Op::Wake, Duration::ZERO);
                    in_flight += 1;
                }
            }
        }
        if stop::requested() {
            drain(&rx, in_flight, functions);
            return Err(RunError::Interrupted);
        }
        // Timed inputs that are due, in the simulator's order.
        let now = now_of(epoch).max(last);
        let due = heap.peek().is_some_and(|t| t.at <= now);
        if due {
            let t = heap.pop().expect("peeked");
            let at = t.at.max(last);
            last = at;
            match t.what {
                TimedWhat::Arrival(f) => machine.handle(at, Input::Arrival(f)),
                TimedWhat::Idle(f) => {
                    if timers[f as usize] != Some(t.seq) {
                        continue;
                    }
                    timers[f as usize] = None;
                    machine.handle(at, Input::Idle(f));
                }
                TimedWhat::Load(i) => {
                    let load = next_load[i as usize].take().unwrap_or(0.0);
                    if let Some((at2, l2)) = sources[i as usize].next_change() {
                        next_load[i as usize] = Some(l2);
                        push(&mut heap, at2, C_LOAD, TimedWhat::Load(i));
                    }
                    machine.handle(at, Input::Load { bbu: i, load });
                }
            }
            machine.drain_effects(&mut effects);
            continue;
        }
        if heap.is_empty() && in_flight == 0 {
            break;
        }
        if Instant::now() > deadline {
            drain(&rx, in_flight, functions);
            return Err(RunError::Timeout(opts.timeout.as_secs_f64()));
        }
        if now >= sc.horizon {
            // The run ends at the horizon; the operations under way finish (their functions
            // are then stopped with the others) but are not recorded.
            drain(&rx, in_flight, functions);
            break;
        }
        // Wait for an operation to end, at most until the next timed input.
        let wait = heap
            .peek()
            .map(|t| Duration::from_nanos(t.at.0.saturating_sub(now.0)))
            .unwrap_or(Duration::from_millis(100))
            .min(Duration::from_millis(100));
        match rx.recv_timeout(wait) {
            Ok(r) => {
                in_flight -= 1;
                let at = now_of(epoch).max(last);
                last = at;
                let f = r.f;
                functions[f as usize] = Some(r.function);
                let done = match r.result {
                    Ok(d) => d,
                    Err(e) => {
                        drain(&rx, in_flight, functions);
                        return Err(RunError::Process(e));
                    }
                };
                let took = SimDuration(done.took.as_nanos() as u64);
                let input = match r.op {
                    Op::Deploy => Input::Deployed(f),
                    Op::Burst => Input::BurstDone(f),
                    Op::Suspend => {
                        machine.note_suspend(f, took);
                        if let Some(w) = done.written {
                            machine.note_written(f, w);
                        }
                        Input::SuspendDone(f)
                    }
                    Op::Wake => {
                        machine.note_wake(f, took);
                        Input::WakeDone(f)
                    }
                };
                machine.handle(at, input);
                machine.drain_effects(&mut effects);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(RunError::Process("the operation threads vanished".into()));
            }
        }
    }
    let end = last.max(SimTime::ZERO);
    let (mean, peak) = edge.memory_finish();
    let mut records = Records::default();
    machine.finish(end, &mut records);
    let mib = (1u64 << 20) as f64;
    for m in &mut records.memory {
        if m.bbu == b {
            m.measured_mean_mib = Some(mean / mib);
            m.measured_peak_mib = Some(peak as f64 / mib);
        }
    }
    Ok(records)
}

/// Function `f`, which the machine says is idle (no operation under way).
fn take(functions: &mut [Option<Function>], f: u32) -> Result<Function, RunError> {
    functions
        .get_mut(f as usize)
        .and_then(Option::take)
        .ok_or_else(|| {
            RunError::Process(format!(
                "function {f}: asked for two operations at once (a bug: please report it)"
            ))
        })
}

/// Waits for the operations under way (so that their functions can be stopped).
fn drain(rx: &mpsc::Receiver<Report>, mut in_flight: u32, functions: &mut [Option<Function>]) {
    while in_flight > 0 {
        match rx.recv_timeout(Duration::from_secs(130)) {
            Ok(r) => {
                in_flight -= 1;
                functions[r.f as usize] = Some(r.function);
            }
            Err(_) => return,
        }
    }
}

/// Runs `op` on `func` on a thread of its own; its report comes back on `tx`.
fn start(tx: &mpsc::Sender<Report>, sh: &Arc<Shared>, mut func: Function, op: Op, wall: Duration) {
    let tx = tx.clone();
    let sh = sh.clone();
    std::thread::spawn(move || {
        let result = match op {
            Op::Deploy => func.deploy(&sh, &sh.ledger),
            Op::Burst => func.burst(&sh, wall),
            Op::Suspend => func.suspend(&sh),
            Op::Wake => func.wake(&sh, &sh.ledger),
        };
        let _ = tx.send(Report {
            f: func.f,
            op,
            result,
            function: func,
        });
    });
}
