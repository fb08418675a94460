//! The progress of a simulated sweep, as `mlsim run` shows it: on a terminal, a bar over the
//! runs whose position also counts how far the runs in flight have got (simulated time or
//! finished requests, from [`mlsim_core::progress`]), with the runs done, the runs in flight
//! and an ETA; elsewhere (a log file, a pipe, Slurm's output) a line at every tenth of the runs
//! with its ETA; nothing with `-q`.

use crate::report;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlsim_core::progress::{InFlight, in_flight};
use mlsim_experiment::runner::RunEvent;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Positions per run on the bar (a run in flight adds its fraction of it).
const PER_RUN: u64 = 1000;
/// How often the bar reads the board.
const TICK: Duration = Duration::from_millis(200);

/// How a sweep's progress is shown.
pub struct Sweep {
    how: How,
}

enum How {
    Quiet,
    Lines,
    Bar(Arc<BarState>, Mutex<Option<JoinHandle<()>>>),
}

struct BarState {
    bar: ProgressBar,
    todo: AtomicUsize,
    done: AtomicUsize,
    stop: AtomicBool,
}

impl Sweep {
    /// Quiet with `quiet`; a bar when standard error is a terminal; lines otherwise.
    pub fn new(quiet: bool) -> Sweep {
        let how = if quiet {
            How::Quiet
        } else if std::io::stderr().is_terminal() && std::env::var_os("MLSIM_NO_BAR").is_none() {
            How::Bar(
                Arc::new(BarState {
                    bar: ProgressBar::hidden(),
                    todo: AtomicUsize::new(0),
                    done: AtomicUsize::new(0),
                    stop: AtomicBool::new(false),
                }),
                Mutex::new(None),
            )
        } else {
            How::Lines
        };
        Sweep { how }
    }

    /// Shows event `e` of the runner.
    pub fn event(&self, e: &RunEvent<'_>) {
        match &self.how {
            How::Quiet => {}
            How::Lines => report::progress_every_tenth(e),
            How::Bar(st, ticker) => match e {
                RunEvent::Started { todo } => {
                    st.todo.store(*todo, Ordering::Relaxed);
                    st.bar.set_length(*todo as u64 * PER_RUN);
                    st.bar.set_style(style());
                    st.bar.set_draw_target(ProgressDrawTarget::stderr());
                    let st2 = Arc::clone(st);
                    let h = std::thread::spawn(move || {
                        while !st2.stop.load(Ordering::Relaxed) {
                            st2.refresh();
                            std::thread::sleep(TICK);
                        }
                    });
                    *ticker.lock().unwrap_or_else(PoisonError::into_inner) = Some(h);
                }
                RunEvent::Finished { done, .. } => {
                    st.done.fetch_max(*done, Ordering::Relaxed);
                    st.refresh();
                }
                // Lines above the bar.
                RunEvent::Resuming { .. } | RunEvent::Damaged { .. } => {
                    st.bar.suspend(|| report::progress_every_tenth(e))
                }
            },
        }
    }

    /// Takes the bar off the terminal (the summary follows it).
    pub fn finish(&self) {
        if let How::Bar(st, ticker) = &self.how {
            st.stop.store(true, Ordering::Relaxed);
            if let Some(h) = ticker.lock().unwrap_or_else(PoisonError::into_inner).take() {
                let _ = h.join();
            }
            st.bar.finish_and_clear();
        }
    }
}

impl Drop for Sweep {
    fn drop(&mut self) {
        self.finish();
    }
}

impl BarState {
    fn refresh(&self) {
        let done = self.done.load(Ordering::Relaxed);
        let todo = self.todo.load(Ordering::Relaxed);
        let flying = in_flight();
        self.bar
            .set_position(position(done, &flying).min(todo as u64 * PER_RUN));
        self.bar.set_message(message(done, todo, &flying));
    }
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template("{elapsed:>4} [{bar:24}] {percent:>3}% ETA {eta:<4} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// The bar's position: `PER_RUN` per finished run, plus each run in flight's fraction of it.
fn position(done: usize, flying: &[InFlight]) -> u64 {
    done as u64 * PER_RUN
        + flying
            .iter()
            .map(|f| (f.done * PER_RUN as f64) as u64)
            .sum::<u64>()
}

/// `12/135 runs · run 13 41% @9:50:00/24:00:00`: the runs done and, for up to two runs in
/// flight, how far each has got (and its simulated time of its horizon).
fn message(done: usize, todo: usize, flying: &[InFlight]) -> String {
    let mut m = format!("{done}/{todo} runs");
    for f in flying.iter().take(2) {
        m.push_str(&format!(" · run {} {:.0}%", f.run, f.done * 100.0));
        if f.now_ns > 0 {
            if f.horizon_ns == u64::MAX {
                m.push_str(&format!(" @{}", clock(f.now_ns)));
            } else {
                m.push_str(&format!(" @{}/{}", clock(f.now_ns), clock(f.horizon_ns)));
            }
        }
    }
    if flying.len() > 2 {
        m.push_str(&format!(" · {} more in flight", flying.len() - 2));
    }
    m
}

/// Simulated time as h:mm:ss.
fn clock(ns: u64) -> String {
    let s = ns / 1_000_000_000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(run: u32, done: f64, now_ns: u64, horizon_ns: u64) -> InFlight {
        InFlight {
            run,
            done,
            now_ns,
            horizon_ns,
        }
    }

    #[test]
    fn the_bar_counts_runs_in_flight_by_their_fraction() {
        // 3 runs done = 3000; run 3 at 41 % = 410, run 4 at 0.5 % = 5: 3415 of 135 000.
        let flying = [f(3, 0.41, 0, u64::MAX), f(4, 0.005, 0, u64::MAX)];
        assert_eq!(position(3, &flying), 3415);
        assert_eq!(position(0, &[]), 0);
    }

    #[test]
    fn the_message_names_runs_in_flight_and_their_simulated_time() {
        let h = 24 * 3600 * 1_000_000_000u64;
        // 9 h 50 min = 35 400 s of 86 400 s = 40.97 % → "41%".
        let flying = [
            f(13, 0.4097, 35_400 * 1_000_000_000, h),
            f(14, 0.0, 0, h),
            f(15, 0.1, 2_000_000_000, u64::MAX),
        ];
        assert_eq!(
            message(12, 135, &flying),
            "12/135 runs · run 13 41% @9:50:00/24:00:00 · run 14 0% · 1 more in flight"
        );
        assert_eq!(
            message(0, 1, &flying[2..]),
            "0/1 runs · run 15 10% @0:00:02"
        );
    }
}
