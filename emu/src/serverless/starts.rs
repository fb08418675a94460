//! What a serverless instance's start takes, measured for real (`mlsim emu starts`): for each
//! memory size, `samples` cold starts (a container of the functions' image created and started,
//! its `hold` process building the memory: what the emulated study's cold start does) and, on
//! each started instance, `warm` warm starts (an invocation of no compute handed to the live
//! container and answered: what routing to a warm instance costs). The container is removed
//! after each sample. The CLI fits the cold starts against the memory (a line: base + per MiB)
//! and writes a model file's `[serverless]` table.

use crate::ledger::Ledger;
use crate::run::RunError;
use crate::suspend::function::{Function, Runtime, Shared};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// One measured start.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StartSample {
    /// `cold` or `warm`.
    pub kind: String,
    /// The function's memory \[MiB\].
    pub memory_mib: f64,
    /// Sample number within its size and kind.
    pub sample: u32,
    /// What it took \[s\].
    pub seconds: f64,
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct StartPlan {
    /// Memory sizes \[MiB\].
    pub sizes_mib: Vec<u64>,
    /// Cold starts per size.
    pub samples: u32,
    /// Warm starts per cold start.
    pub warm: u32,
    /// The `mlsim-workload` program (put in the image).
    pub workload_bin: PathBuf,
    /// Work folder (the run's ledger, the instances' folders).
    pub work_dir: PathBuf,
}

/// Measures `plan` (root, Docker), calling `on` after each sample.
pub fn measure(
    plan: &StartPlan,
    on: &mut dyn FnMut(&StartSample),
) -> Result<Vec<StartSample>, RunError> {
    std::fs::create_dir_all(&plan.work_dir)
        .map_err(|e| RunError::Process(format!("mkdir {}: {e}", plan.work_dir.display())))?;
    let dir = std::fs::canonicalize(&plan.work_dir)
        .map_err(|e| RunError::Process(format!("canonicalize: {e}")))?;
    let ledger = Arc::new(Ledger::create(&dir)?);
    let out = measure_in(plan, &dir, &ledger, on);
    crate::ledger::clean_ledger(ledger.path())?;
    out
}

fn measure_in(
    plan: &StartPlan,
    dir: &Path,
    ledger: &Arc<Ledger>,
    on: &mut dyn FnMut(&StartSample),
) -> Result<Vec<StartSample>, RunError> {
    let image = crate::edge::import_image(dir, ledger, &plan.workload_bin, "mlsim-faas")?;
    let sh = Shared {
        ledger: ledger.clone(),
        workload_bin: plan.workload_bin.clone(),
        image: Some(image),
        cgroup_procs: Vec::new(),
        cgroup_parent: None,
        docker_root: None,
        memory_bytes: 0,
        seed: 1,
        cpu_scale: 1.0,
        timeout: Duration::from_secs(120),
    };
    let mut out = Vec::new();
    let mut k = 0u32;
    for &mib in &plan.sizes_mib {
        for i in 0..plan.samples {
            if crate::run::stop::requested() {
                return Err(RunError::Interrupted);
            }
            let mut f = Function::new(k, dir.join(format!("start{k}")), Runtime::Pause)
                .map_err(RunError::Process)?
                .with_memory(mib << 20);
            k += 1;
            let cold = f.deploy(&sh, ledger);
            let mut record = |kind: &str, sample: u32, took: Duration| {
                let s = StartSample {
                    kind: kind.into(),
                    memory_mib: mib as f64,
                    sample,
                    seconds: took.as_secs_f64(),
                };
                on(&s);
                out.push(s);
            };
            let done = match cold {
                Ok(d) => d,
                Err(e) => {
                    f.stop();
                    return Err(RunError::Process(e));
                }
            };
            record("cold", i, done.took);
            for w in 0..plan.warm {
                match f.burst(&sh, Duration::ZERO) {
                    Ok(d) => record("warm", i * plan.warm + w, d.took),
                    Err(e) => {
                        f.stop();
                        return Err(RunError::Process(e));
                    }
                }
            }
            let folder = f.dir.clone();
            f.stop();
            let _ = std::fs::remove_dir_all(folder);
        }
    }
    Ok(out)
}
