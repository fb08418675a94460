//! What `mlsim run` and `mlsim emu run` print while and after a sweep runs.

use mlsim_experiment::runner::{RunEvent, SweepOutcome};
use std::path::Path;
use std::process::ExitCode;

/// The simulator's progress: a line at every tenth of the runs.
pub fn progress_every_tenth(e: &RunEvent<'_>) {
    match e {
        RunEvent::Resuming { skipped, total } => {
            eprintln!("resuming: {skipped} of {total} runs already done")
        }
        RunEvent::Finished {
            done,
            todo,
            elapsed_s,
            ..
        } => {
            let step = (todo / 10).max(1);
            if done % step == 0 || done == todo {
                eprintln!("  {done}/{todo} runs ({elapsed_s:.1} s)");
            }
        }
    }
}

/// The emulation's progress: a line per run with its requests' execution times.
pub fn progress_per_run(e: &RunEvent<'_>) {
    let RunEvent::Finished {
        record,
        records,
        wall_s,
        ..
    } = e
    else {
        return;
    };
    let exec: Vec<String> = records
        .requests
        .iter()
        .map(|q| {
            if q.status == "ok" {
                format!("{:.3}", q.exec_time_s)
            } else {
                format!("{:.3} (request {}: {})", q.exec_time_s, q.request, q.status)
            }
        })
        .collect();
    eprintln!(
        "  run {} ({}): {}; execution time [s] {}; {wall_s:.1} s wall",
        record.run,
        record.params,
        record.status,
        exec.join(" "),
    );
}

/// Prints the failed runs and the final line (wall time with `decimals` decimals); the exit
/// code: 0 when every run is done and ok, else 1.
pub fn end(o: &SweepOutcome, root: &Path, decimals: usize) -> ExitCode {
    for (run, why) in &o.failed {
        eprintln!("run {run} {why}");
    }
    if let Some(why) = o.stopped.as_deref().filter(|w| *w != "interrupted") {
        eprintln!("stopped: {why}");
    }
    eprintln!(
        "{}: {} runs ({} resumed) in {:.decimals$} s; results in {}",
        o.status(),
        o.total,
        o.skipped,
        o.elapsed_s,
        root.display()
    );
    if o.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
