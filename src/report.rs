//! What `mlsim run` and `mlsim emu run` print while and after a sweep runs.

use mlsim_experiment::runner::{RunEvent, SweepOutcome};
use std::path::Path;
use std::process::ExitCode;

/// What every sweep prints, however it shows progress: a damaged run file found on resume.
fn damaged(e: &RunEvent<'_>) {
    if let RunEvent::Damaged { run, file, why } = e {
        eprintln!("run {run}: {file} is damaged ({why}); running it again");
    }
}

/// The simulator's progress: a line at every tenth of the runs.
pub fn progress_every_tenth(e: &RunEvent<'_>) {
    match e {
        RunEvent::Resuming { skipped, total } => {
            eprintln!("resuming: {skipped} of {total} runs already done")
        }
        RunEvent::Damaged { .. } => damaged(e),
        RunEvent::Started { .. } => {}
        RunEvent::Finished {
            done,
            todo,
            elapsed_s,
            ..
        } => {
            let step = (todo / 10).max(1);
            if done % step == 0 || done == todo {
                eprintln!(
                    "  {done}/{todo} runs ({elapsed_s:.1} s{})",
                    eta(*done, *todo, *elapsed_s)
                );
            }
        }
    }
}

/// `, about 35 s left`: the time the remaining runs take at the pace of the finished ones
/// (nothing once all are done, or when less than a second is left).
fn eta(done: usize, todo: usize, elapsed_s: f64) -> String {
    if done == 0 || done >= todo {
        return String::new();
    }
    let left = elapsed_s / done as f64 * (todo - done) as f64;
    if left < 1.0 {
        return String::new();
    }
    format!(", about {} left", human_s(left))
}

/// 35 s, 4.2 min, 3.1 h.
fn human_s(s: f64) -> String {
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// The emulation's progress: a line per run with its requests' execution times (or, in a
/// suspend study, its events served, wake latency and suspends).
pub fn progress_per_run(e: &RunEvent<'_>) {
    damaged(e);
    let RunEvent::Finished {
        record,
        records,
        wall_s,
        ..
    } = e
    else {
        return;
    };
    if records.requests.is_empty() && records.events.is_empty() && records.functions.is_empty() {
        // No records (a failed run, or a study without requests): its status says it all.
        eprintln!(
            "  run {} ({}): {}; {wall_s:.1} s wall",
            record.run, record.params, record.status,
        );
        return;
    }
    if !records.events.is_empty() || !records.functions.is_empty() {
        // A suspend study: its events and what its suspends took.
        let served = records.events.iter().filter(|e| e.response_s.is_some());
        let mut wakes: Vec<f64> = served.clone().filter_map(|e| e.wake_latency_s).collect();
        wakes.sort_by(f64::total_cmp);
        let median = wakes.get(wakes.len() / 2).copied().unwrap_or(f64::NAN);
        let suspends: u32 = records.functions.iter().map(|f| f.suspends).sum();
        let took: f64 = records.functions.iter().map(|f| f.suspend_s).sum();
        eprintln!(
            "  run {} ({}): {}; {}/{} events served, wake latency median {median:.3} s; {suspends} suspends{}; {wall_s:.1} s wall",
            record.run,
            record.params,
            record.status,
            served.count(),
            records.events.len(),
            if suspends > 0 {
                format!(" of {:.3} s on average", took / f64::from(suspends))
            } else {
                String::new()
            },
        );
        return;
    }
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

/// Prints the warnings of the sweep's end (once each).
pub fn warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// The command that finishes the missing runs of folder `root` of spec `spec` (`cmd`: `mlsim
/// run` or `mlsim emu run`).
pub fn resume_command(cmd: &str, spec: &Path, root: &Path) -> String {
    format!("{cmd} {} --out {}", spec.display(), root.display())
}

/// The error that stopped a sweep (the manifest says `failed`), with what is kept and how to
/// go on.
pub fn after_error(e: mlsim_experiment::Error, resume: &str) -> anyhow::Error {
    anyhow::anyhow!("{e}\nthe runs finished so far are kept; `{resume}` finishes the missing runs")
}

/// Prints the failed runs and the final line (wall time with `decimals` decimals); how to
/// resume (`resume`, the command) when the sweep stopped early. The exit code: 0 when every
/// run is done and ok, 130 when a stop was requested (Ctrl-C, SIGTERM), else 1.
pub fn end(o: &SweepOutcome, root: &Path, decimals: usize, resume: &str) -> ExitCode {
    for (run, why) in &o.failed {
        eprintln!("run {run} {why}");
    }
    if let Some(why) = o.stopped.as_deref().filter(|_| !o.interrupted) {
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
    if let Some(why) = o.stopped.as_deref() {
        // A backend error's text was printed above (`stopped: ...`).
        let why = if o.interrupted { why } else { "stopped" };
        eprintln!(
            "{why}: {} of {} runs done, kept; `{resume}` finishes the missing runs",
            o.skipped + o.written,
            o.total
        );
    } else if !o.failed.is_empty() {
        eprintln!("`{resume}` runs the failed runs again");
    }
    if o.success() {
        ExitCode::SUCCESS
    } else if o.interrupted {
        ExitCode::from(crate::stop::INTERRUPTED)
    } else {
        ExitCode::from(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_extrapolates_the_pace_of_finished_runs() {
        // 12 of 135 runs in 3.0 s: 0.25 s a run, 123 left → 30.75 s → "31 s".
        assert_eq!(eta(12, 135, 3.0), ", about 31 s left");
        // 10 of 100 in 60 s: 540 s left = 9.0 min.
        assert_eq!(eta(10, 100, 60.0), ", about 9.0 min left");
        // 1 of 4 in 7200 s: 21 600 s = 6.0 h.
        assert_eq!(eta(1, 4, 7200.0), ", about 6.0 h left");
        // Nothing to say: none done yet, all done, or under a second left.
        assert_eq!(eta(0, 10, 5.0), "");
        assert_eq!(eta(10, 10, 5.0), "");
        assert_eq!(eta(135, 1350, 0.05), "");
    }
}
