//! # The serverless study (seed 004), for real
//!
//! [`run_serverless`] replays one run of a serverless study: the same state machine as the
//! simulator ([`mlsim_core::serverless::Machine`]: dispatch warm or cold, placement, memory
//! pressure, the keep-alive / prewarm policy, the records), driven on the wall clock, with
//! every effect done for real:
//!
//! - a **cold start** creates and starts a container (`docker create` + `docker start`, the
//!   function's image with `mlsim-workload` in it) whose `hold` process allocates and fills
//!   the function's memory (λ(f)'s install) and says it is ready: the instance's
//!   `ready_ns − created_ns` in `instances.csv` is that measured time;
//! - an **invocation** hands the instance's process an event: it burns the invocation's
//!   compute (wall × the run's CPU scale of real CPU, in the BBU's offload CPU cgroup, so C-RAN's
//!   quota takes its share) and answers with its memory's checksum, which must not change
//!   (every warm invocation runs on the memory the cold start built);
//! - a **reclaim** removes the container (on a thread: the machine goes on at once);
//! - warm instances are running containers, idle between events.
//!
//! The worker BBU is the C-RAN emulation's ([`crate::run::cran`]), plus a memory cgroup with the
//! BBU's memory as its limit, sampled as in the suspend study (`memory-samples.csv` in the run's
//! work folder). Time zero is when the clock starts; the policy's time-zero instances (serverful)
//! start cold then, as in the simulator.
//!
//! Limits (checked before anything starts, [`check`]): one worker BBU; concurrency 1 (a `hold`
//! process serves one event at a time); no image pull (`image_mib = 0`: the image is built
//! locally once per run); at most [`MAX_FUNCTIONS`] functions.

pub mod starts;

use crate::edge::Edge;
use crate::run::{EmuOptions, RunError, stop};
use crate::suspend::function::{Function, Runtime};
use crate::suspend::{MEMORY_SLACK, MEMORY_SLACK_PER_FUNCTION, Timed};
use mlsim_core::Records;
use mlsim_core::SimTime;
use mlsim_core::load::LoadSource;
use mlsim_core::record::Mode;
use mlsim_core::scenario::Scenario;
use mlsim_core::serverless::{Effect, Input, Machine, Timer};
use std::collections::BinaryHeap;

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Most functions the emulation replays (each live instance is a container).
pub const MAX_FUNCTIONS: usize = 64;

const C_LOAD: u8 = 0;
const C_TIMER: u8 = 2;
const C_ARRIVAL: u8 = 3;

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum What {
    Arrival(u32),
    Timer(Timer),
    Load(u32),
}

/// Why a serverless study cannot be replayed as it is (checked before anything starts).
pub fn check(sc: &Scenario) -> Result<(), String> {
    let Some(s) = sc.serverless.as_ref() else {
        return Err("not a serverless study".into());
    };
    if sc.topology.workers.len() != 1 {
        return Err(format!(
            "the emulation replays a serverless study on one worker BBU ({} given): set `[topology] workers` to one BBU, or run it in the simulator",
            sc.topology.workers.len()
        ));
    }
    if s.functions.len() > MAX_FUNCTIONS {
        return Err(format!(
            "the emulation replays at most {MAX_FUNCTIONS} functions ({} given): lower the functions' `count`",
            s.functions.len()
        ));
    }
    if let Some(f) = s.functions.iter().find(|f| f.concurrency != 1) {
        return Err(format!(
            "function {}: the emulation serves one invocation per instance at a time (concurrency {}): set `concurrency = 1`",
            f.name, f.concurrency
        ));
    }
    if let Some(f) = s.functions.iter().find(|f| f.image_bytes > 0) {
        return Err(format!(
            "function {}: image pulls are not emulated (the image is built locally): set `image_mib = 0`",
            f.name
        ));
    }
    Ok(())
}

/// What an operation thread reports.
enum Report {
    /// Instance slot `inst` is started (or failed to).
    Ready(u32, Result<Function, String>),
    /// Invocation `inv` on instance slot `inst` ended.
    Done(u32, u32, Result<Function, String>),
    /// A reclaimed instance's container is gone.
    Removed,
}

/// Replays run `run` of the serverless study `sc` for real (see the module documentation) and
/// returns its records (mode `emu`).
pub fn run_serverless(sc: &Scenario, run: u32, opts: &EmuOptions) -> Result<Records, RunError> {
    check(sc).map_err(RunError::Process)?;
    let mut edge = Edge::open(opts)?;
    let mut instances: Vec<Option<Function>> = Vec::new();
    let result = drive(sc, run, opts, &mut edge, &mut instances);
    for f in instances.into_iter().flatten() {
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
    instances: &mut Vec<Option<Function>>,
) -> Result<Records, RunError> {
    let s = sc.serverless.as_ref().expect("checked");
    // At most as many instances as fit, each with its program's slack.
    let smallest = s.functions.iter().map(|f| f.memory_bytes.max(1)).min();
    let w = edge.up(sc, opts, |capacity| {
        let most = smallest.map_or(0, |m| capacity / m);
        capacity + MEMORY_SLACK + MEMORY_SLACK_PER_FUNCTION * most
    })?;
    let (b, scale, capacity, limit) = (w.bbu, w.scale, w.capacity, w.limit);
    let image = edge.image(&opts.workload_bin, "mlsim-faas")?;
    let shared = Arc::new(edge.shared(
        &w,
        opts,
        Some(image),
        None,
        0,
        sc.seed ^ (u64::from(run) << 32),
    ));
    let dir = edge.dir.clone();
    let dir = dir.as_path();

    let mut sources: Vec<LoadSource> = Vec::new();
    let mut initial = Vec::new();
    for (i, x) in sc.topology.bbus.iter().enumerate() {
        let (src, f0) = crate::agent::worker::timeline::source(&x.load, sc.seed, i as u32);
        sources.push(src);
        initial.push(f0);
    }
    let mut machine =
        Machine::new(sc, run, Mode::Emu, &initial).map_err(|e| RunError::Process(e.to_string()))?;
    let mut records = Records::default();
    let mut heap: BinaryHeap<Timed<What>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Timed<What>>, at: SimTime, class: u8, what: What| {
        seq += 1;
        heap.push(Timed {
            at,
            class,
            seq,
            what,
        });
    };
    let mut next_load: Vec<Option<f64>> = vec![None; sources.len()];
    for (i, src) in sources.iter_mut().enumerate() {
        if let Some((at, l)) = src.next_change() {
            next_load[i] = Some(l);
            push(&mut heap, at, C_LOAD, What::Load(i as u32));
        }
    }
    let (tx, rx) = mpsc::channel::<Report>();
    let mut in_flight = 0u32;
    let mut next_dir = 0u64;
    std::fs::write(
        dir.join("serverless.txt"),
        format!(
            "policy {}; {} functions; bbu{b}: {} MiB, memory cgroup limit {} MiB ({}); cpu scale {scale}\n",
            s.policy.name(),
            s.functions.len(),
            capacity >> 20,
            limit >> 20,
            edge.memory_dir().display(),
        ),
    )
    .map_err(|e| RunError::Process(format!("write serverless.txt: {e}")))?;

    // The clock starts.
    let epoch = Instant::now();
    edge.start_clock(epoch);
    let now_of = |epoch: Instant| SimTime(epoch.elapsed().as_nanos() as u64);
    let mut last = SimTime::ZERO;
    let deadline = Instant::now() + opts.timeout;
    let mut effects = machine.take_effects();
    let fail = |rx: &mpsc::Receiver<Report>, in_flight: u32, e: RunError| {
        drain(rx, in_flight);
        Err(e)
    };
    loop {
        for e in effects.drain(..) {
            match e {
                Effect::Arrival { f, at } => push(&mut heap, at, C_ARRIVAL, What::Arrival(f)),
                Effect::Timer { at, timer } => push(&mut heap, at, C_TIMER, What::Timer(timer)),
                Effect::ColdStart { inst, f, .. } => {
                    let k = next_dir;
                    next_dir += 1;
                    let func =
                        Function::new(k as u32, dir.join(format!("inst{k}")), Runtime::Pause)
                            .map_err(RunError::Process)?
                            .with_memory(s.functions[f as usize].memory_bytes);
                    let (tx, sh) = (tx.clone(), shared.clone());
                    in_flight += 1;
                    std::thread::spawn(move || {
                        let mut func = func;
                        let r = func.deploy(&sh, &sh.ledger).map(|_| func);
                        let _ = tx.send(Report::Ready(inst, r));
                    });
                }
                Effect::Exec {
                    inv, inst, wall, ..
                } => {
                    let Some(mut func) = slot(instances, inst).take() else {
                        return fail(
                            &rx,
                            in_flight,
                            RunError::Process(format!(
                                "instance {inst}: an invocation for an instance that is not idle (a bug: please report it)"
                            )),
                        );
                    };
                    let (tx, sh) = (tx.clone(), shared.clone());
                    in_flight += 1;
                    std::thread::spawn(move || {
                        let r = func.burst(&sh, Duration::from_nanos(wall.0)).map(|_| func);
                        let _ = tx.send(Report::Done(inv, inst, r));
                    });
                }
                Effect::Reclaim { inst, .. } => {
                    if let Some(func) = slot(instances, inst).take() {
                        let tx = tx.clone();
                        in_flight += 1;
                        std::thread::spawn(move || {
                            func.stop();
                            let _ = tx.send(Report::Removed);
                        });
                    }
                }
            }
        }
        if stop::requested() {
            drain(&rx, in_flight);
            return Err(RunError::Interrupted);
        }
        let now = now_of(epoch).max(last);
        if heap.peek().is_some_and(|t| t.at <= now) {
            let t = heap.pop().expect("peeked");
            let at = t.at.max(last);
            last = at;
            let input = match t.what {
                What::Arrival(f) => Input::Arrival(f),
                What::Timer(timer) => Input::Timer(timer),
                What::Load(i) => {
                    let load = next_load[i as usize].take().unwrap_or(0.0);
                    if let Some((at2, l2)) = sources[i as usize].next_change() {
                        next_load[i as usize] = Some(l2);
                        push(&mut heap, at2, C_LOAD, What::Load(i));
                    }
                    Input::Load { bbu: i, load }
                }
            };
            machine.handle(at, input, &mut records);
            machine.drain_effects(&mut effects);
            continue;
        }
        if machine.done() {
            break;
        }
        if Instant::now() > deadline {
            return fail(
                &rx,
                in_flight,
                RunError::Timeout(opts.timeout.as_secs_f64()),
            );
        }
        if now >= sc.horizon {
            break;
        }
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
                let input = match r {
                    Report::Removed => continue,
                    Report::Ready(inst, Ok(func)) => {
                        *slot(instances, inst) = Some(func);
                        Input::Ready(inst)
                    }
                    Report::Done(inv, inst, Ok(func)) => {
                        *slot(instances, inst) = Some(func);
                        Input::Done(inv)
                    }
                    Report::Ready(_, Err(e)) | Report::Done(_, _, Err(e)) => {
                        return fail(&rx, in_flight, RunError::Process(e));
                    }
                };
                machine.handle(at, input, &mut records);
                machine.drain_effects(&mut effects);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(RunError::Process("the operation threads vanished".into()));
            }
        }
    }
    // Containers being removed finish before the run's clean-up.
    drain(&rx, in_flight);
    let end = last;
    machine.finish(end, &mut records);
    let (mean, peak) = edge.memory_finish();
    std::fs::write(
        dir.join("memory-measured.txt"),
        format!(
            "mean {:.1} MiB, peak {:.1} MiB\n",
            mean / f64::from(1 << 20),
            peak as f64 / f64::from(1 << 20)
        ),
    )
    .map_err(|e| RunError::Process(format!("write memory-measured.txt: {e}")))?;
    Ok(records)
}

/// Instance slot `i`'s function (grown as slots appear).
fn slot(instances: &mut Vec<Option<Function>>, i: u32) -> &mut Option<Function> {
    if instances.len() <= i as usize {
        instances.resize_with(i as usize + 1, || None);
    }
    &mut instances[i as usize]
}

/// Waits for the operations under way, dropping what they report (their containers are in the
/// ledger and go with the run's clean-up).
fn drain(rx: &mpsc::Receiver<Report>, mut in_flight: u32) {
    while in_flight > 0 {
        match rx.recv_timeout(Duration::from_secs(130)) {
            Ok(Report::Ready(_, Ok(f)) | Report::Done(_, _, Ok(f))) => {
                in_flight -= 1;
                f.stop();
            }
            Ok(_) => in_flight -= 1,
            Err(_) => return,
        }
    }
}
