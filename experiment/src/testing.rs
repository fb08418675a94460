//! [`MockBackend`]: a backend that makes up deterministic records from the scenario and the
//! run seed, so the whole pipeline (spec → backend → records → result folder → summaries →
//! figures → `compare`) runs in tests without the simulator's cost or the emulation's root.
//!
//! The numbers mean nothing; they are only reproducible: request `i` of class `c` takes
//! `items · (0.5 + u)` seconds with `u` uniform in [0, 1) from the seed label `mock/c/i`, and
//! moves `1000 · items` bytes; a checkpointing method takes one checkpoint per request.

use mlsim_core::backend::{Backend, RunError, RunKind, RunPlan, RunSummary};
use mlsim_core::record::{
    BbuRecord, CheckpointRecord, InvocationRecord, LinkRecord, Mode, Outcome, RequestRecord,
    StepRecord,
};
use mlsim_core::rng::derive_seed;
use mlsim_core::scenario::Scenario;
use mlsim_core::sink::RecordSink;

/// Makes up records; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct MockBackend {
    /// The mode its records carry (`Sim` or `Emu`, to stand for either side of a comparison).
    pub mode: Mode,
    /// Whether it asks for one run at a time (as the emulation does).
    pub sequential: bool,
    /// Runs that fail (status `failed: mock failure`).
    pub fail_runs: Vec<u32>,
}

impl MockBackend {
    /// A mock whose records carry `mode`; runs in parallel, none fails.
    pub fn new(mode: Mode) -> Self {
        MockBackend {
            mode,
            sequential: mode == Mode::Emu,
            fail_runs: Vec::new(),
        }
    }
}

/// A uniform number in [0, 1) from `seed` and `label`.
fn unit(seed: u64, label: &str) -> f64 {
    (derive_seed(seed, label) >> 11) as f64 / (1u64 << 53) as f64
}

impl Backend for MockBackend {
    fn name(&self) -> &str {
        "mock"
    }

    fn sequential(&self) -> bool {
        self.sequential
    }

    fn run(
        &self,
        kind: RunKind,
        sc: &Scenario,
        plan: &RunPlan,
        sink: &mut dyn RecordSink,
    ) -> Result<RunSummary, RunError> {
        if self.fail_runs.contains(&plan.run) {
            return Err(RunError::run("mock failure"));
        }
        let method = sc.checkpoint.method.name().to_string();
        let checkpoints = sc.checkpoint.method.cost().is_some();
        let r_limit_s = sc.checkpoint.r_limit.map(|d| d.as_secs_f64());
        let bbu = sc.topology.workers.first().copied().unwrap_or(0);
        let ckpt = |request: u32, label: &str, app: &str| CheckpointRecord {
            run: plan.run,
            mode: self.mode,
            app: app.to_string(),
            method: method.clone(),
            request,
            bbu,
            time_ns: (1e6 * (1.0 + 10.0 * unit(sc.seed, label))) as u64,
            raw_bytes: 2_000_000,
            size_bytes: (1e6 * (1.0 + unit(sc.seed, &format!("{label}/size")))) as u64,
            deadline_met: true,
            ..CheckpointRecord::default()
        };
        if let RunKind::CheckpointProbe { samples } = kind {
            let app = &sc.workloads[0].app.name;
            if checkpoints {
                for i in 0..samples {
                    sink.checkpoint(ckpt(i, &format!("mock/probe/{i}"), app));
                }
            }
            return Ok(RunSummary {
                events: u64::from(samples),
            });
        }
        let mut request = 0;
        let mut end_ns = 0;
        for (c, w) in sc.workloads.iter().enumerate() {
            for i in 0..w.requests {
                let label = format!("mock/{c}/{i}");
                let exec_s = f64::from(w.items) * (0.5 + unit(sc.seed, &label));
                let submit_ns = u64::from(request) * 1_000_000_000;
                let done_ns = submit_ns + (exec_s * 1e9) as u64;
                end_ns = end_ns.max(done_ns);
                sink.invocation(InvocationRecord {
                    run: plan.run,
                    mode: self.mode,
                    request,
                    bbu,
                    invoked_ns: submit_ns,
                    start_ns: submit_ns,
                    end_ns: done_ns,
                    work_ns: done_ns - submit_ns,
                    items_done: w.items,
                    outcome: Outcome::Completed,
                    ..InvocationRecord::default()
                });
                if checkpoints {
                    sink.checkpoint(ckpt(request, &format!("{label}/ckpt"), &w.app.name));
                }
                sink.request(RequestRecord {
                    run: plan.run,
                    mode: self.mode,
                    request,
                    app: w.app.name.clone(),
                    method: method.clone(),
                    r_limit_s,
                    items: w.items,
                    submit_ns,
                    done_ns,
                    exec_time_s: exec_s,
                    invocations: 1,
                    checkpoints: u32::from(checkpoints),
                    bytes: 1000 * u64::from(w.items),
                    status: "ok".into(),
                    ..RequestRecord::default()
                });
                request += 1;
            }
        }
        sink.link(LinkRecord {
            run: plan.run,
            mode: self.mode,
            kind: "radio".into(),
            from: "ue0".into(),
            to: format!("bbu{}", sc.topology.control_bbu),
            messages: u64::from(request),
            bytes: 1000 * u64::from(request),
            busy_ns: 0,
        });
        sink.step(StepRecord {
            run: plan.run,
            mode: self.mode,
            step: 1,
            messages: u64::from(request),
            bytes: 1000 * u64::from(request),
        });
        for (b, bbu) in sc.topology.bbus.iter().enumerate() {
            sink.bbu(BbuRecord {
                run: plan.run,
                mode: self.mode,
                bbu: b as u32,
                cores: bbu.cores,
                horizon_s: end_ns as f64 / 1e9,
                ..BbuRecord::default()
            });
        }
        Ok(RunSummary {
            events: u64::from(request),
        })
    }
}

/// Run folder `dir` (`runs/NNNNNN/`) as the sections of the one file older versions wrote per
/// run (`[run]`, `[requests]`, …, in its `check.txt` order), without the `[end]` line: for
/// tests of folders written before run folders existed.
pub fn older_run_sections(dir: &std::path::Path) -> std::io::Result<String> {
    let mut body = String::new();
    for line in std::fs::read_to_string(dir.join(crate::folder::CHECK_FILE))?.lines() {
        let file = line.split(' ').next().unwrap_or_default();
        let stem = file.strip_suffix(".csv").unwrap_or(file);
        let section = if stem == "runs" { "run" } else { stem };
        body.push_str(&format!("[{section}]\n"));
        body.push_str(&std::fs::read_to_string(dir.join(file))?);
    }
    Ok(body)
}

/// `body` and the `[end] length=N crc32=X` line older run files end with.
pub fn with_end_line(body: &str) -> String {
    format!(
        "{body}[end] length={} crc32={:08x}\n",
        body.len(),
        crc32fast::hash(body.as_bytes())
    )
}
