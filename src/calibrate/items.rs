//! Per-item measurements of the real programs: compute time per item and output bytes per item.
//!
//! - taxi and stress run in this process through `mlsim-workloads` (the library the
//!   `mlsim-workload` program is built from), with the inputs `mlsim emu` gives the program
//!   (`WorkloadRun::argv`): each `step()` is one item and is timed alone, so the per-item
//!   distribution (mean and cv) is observed directly. Set-up (building inputs, training) is not
//!   timed here; it is measured on the real program (`setup_times`).
//! - face (a separate dlib program) runs as a process `runs` times with `items` frames: per-item
//!   time = (wall − mean set-up) / frames per run, so only the mean is observed (the cv is the
//!   spread of the per-run means, a lower bound of the per-frame cv).
//!
//! Output bytes per item: the JSON line plus newline each item writes to its output file, which
//! is what the emulation's worker returns to the client in step 7.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use mlsim_core::calibration::ItemTimes;
use mlsim_emu::ckpt::{App, WorkloadRun};
use mlsim_workloads::apps::{StressOptions, TaxiOptions};
use mlsim_workloads::checkpoint::{Resumable, Step};
use serde::Serialize;

fn step_all<W>(mut w: W, max: u64) -> Result<ItemTimes>
where
    W: Resumable,
    W::Output: Serialize,
{
    let (mut item_ms, mut output_bytes) = (Vec::new(), Vec::new());
    while (item_ms.len() as u64) < max {
        let t = Instant::now();
        let step = w
            .step()
            .map_err(|e| anyhow!("{} item {}: {e}", W::APP, item_ms.len()))?;
        let dt = t.elapsed();
        match step {
            Step::Done => break,
            Step::Item(o) => {
                item_ms.push(dt.as_secs_f64() * 1e3);
                output_bytes.push((serde_json::to_vec(&o)?.len() + 1) as f64);
            }
        }
    }
    Ok(ItemTimes {
        how: format!("{} items timed one by one in process", item_ms.len()),
        item_ms,
        output_bytes,
    })
}

/// Measures `app` with `items` items (seed `seed`, the inputs of `mlsim emu`); face uses `run`
/// (its program) `runs` times and subtracts `setup` (mean set-up) from each run's wall time.
pub fn measure(
    app: App,
    items: u64,
    seed: u64,
    face: Option<(&WorkloadRun, usize, Duration, &std::path::Path)>,
) -> Result<ItemTimes> {
    match app {
        App::Taxi => {
            let n = usize::try_from(items)?;
            let w = TaxiOptions {
                requests: n,
                items: Some(n),
                seed,
                ..TaxiOptions::default()
            }
            .build()
            .context("building the taxi workload")?;
            step_all(w, items)
        }
        App::Stress => {
            let blocks = (items * 30).div_ceil(300) + 2;
            let w = StressOptions {
                blocks: usize::try_from(blocks)?,
                items: Some(u32::try_from(items)?),
                seed,
                ..StressOptions::default()
            }
            .build()
            .context("building the stress workload")?;
            step_all(w, items)
        }
        App::Face => {
            let Some((run, runs, setup, dir)) = face else {
                bail!("face item times need the mlsim-face program");
            };
            face_runs(run, runs, setup, dir)
        }
    }
}

fn face_runs(
    run: &WorkloadRun,
    runs: usize,
    setup: Duration,
    dir: &std::path::Path,
) -> Result<ItemTimes> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (mut item_ms, mut output_bytes) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let out = dir.join(format!("face-items-{i}.out"));
        let argv = run.argv(&mlsim_emu::ckpt::workload::RunArgs {
            output: Some(&out),
            ..Default::default()
        });
        let (prog, args) = argv.split_first().ok_or_else(|| anyhow!("empty argv"))?;
        let t = Instant::now();
        let o = std::process::Command::new(prog)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .output()
            .with_context(|| format!("cannot run {}", prog.to_string_lossy()))?;
        let wall = t.elapsed();
        if !o.status.success() {
            bail!(
                "face run failed ({}): {}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let text = if run.output_on_stdout() {
            String::from_utf8_lossy(&o.stdout).into_owned()
        } else {
            std::fs::read_to_string(&out).unwrap_or_default()
        };
        let n = mlsim_emu::ckpt::workload::item_lines(App::Face, &text).len();
        let _ = std::fs::remove_file(&out);
        if n == 0 {
            bail!("face run {i} wrote no frames");
        }
        item_ms.push(wall.saturating_sub(setup).as_secs_f64() * 1e3 / n as f64);
        output_bytes.push(text.len() as f64 / n as f64);
    }
    Ok(ItemTimes {
        how: format!(
            "{runs} runs of {} frames: (wall - mean set-up) / frames",
            run.items
        ),
        item_ms,
        output_bytes,
    })
}
