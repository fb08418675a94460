//! `mlsim calibrate`'s measurements on the emulation substrate (as root): per app and method,
//! real checkpoint samples ([`crate::ckpt::sample::measure`], the code of `mlsim emu
//! checkpoints`); per app, the set-up time of the real program
//! ([`crate::ckpt::sample::setup_times`]) and the per-item compute time and output bytes (face:
//! whole runs of its program, [`face`]; taxi and stress: timed in process by the caller, through
//! the workload library, which this crate does not depend on).
//!
//! [`Campaign::run`] reports every step as an [`Event`] (progress to print, and the samples and
//! item measurements so far, to save), so that a killed calibration keeps what it measured and
//! a later one resumes: it is given the samples already taken and measures only the (app,
//! method) pairs that do not have enough. [`files`] reads a calibration's files back for a
//! re-fit. The fit is `mlsim_experiment::calibrate`'s.

pub mod face;
pub mod files;

use std::path::Path;
use std::time::Duration;

use mlsim_core::app::App;
use mlsim_core::calibration::{ItemTimes, Measurements, Sample};

use crate::ckpt::sample::{Plan, measure, setup_times};
use crate::ckpt::{Binaries, Method, WorkloadRun};
use crate::ledger::Ledger;

pub use face::{FaceItemsError, face_item_times};
pub use files::{ItemsCsvError, Refit, RefitError, items_csv, read_items, refit_inputs};

/// Items per app for the per-item timing: taxi requests (~0.24 ms each), stress windows
/// (~2 ms), face frames per run (~130 ms; [`FACE_RUNS`] runs).
pub const ITEM_RUNS: [(App, u64); 3] = [(App::Taxi, 20_000), (App::Stress, 200), (App::Face, 20)];

/// Runs of face's program for its per-item times.
pub const FACE_RUNS: usize = 3;

/// One calibration's measurement.
#[derive(Clone, Copy, Debug)]
pub struct Campaign<'a> {
    /// Apps, methods, samples per (app, method), execution durations and seed.
    pub plan: &'a Plan,
    /// Set-up measurements per app (process start → first safe point).
    pub setup_runs: usize,
    /// The workload programs.
    pub bins: &'a Binaries,
    /// The run's ledger: everything created is recorded there first.
    pub ledger: &'a Ledger,
    /// The run folder: sample work files (`work/`), set-up runs (`setup-<app>/`), face's item
    /// runs (`items/`).
    pub dir: &'a Path,
}

/// A step of [`Campaign::run`], in the order taken.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// (`app`, `method`) already had `have` samples, enough: kept, not measured.
    Kept {
        /// The app.
        app: App,
        /// The method.
        method: Method,
        /// Samples it has.
        have: usize,
    },
    /// A sample was taken; `all` is every sample so far (kept ones first), to be saved.
    Sample {
        /// The new sample.
        sample: &'a Sample,
        /// Every sample so far.
        all: &'a [Sample],
    },
    /// A sample whose first attempt failed was taken again (after all samples of its app and
    /// method).
    Retried(&'a str),
    /// `app`'s set-up times \[ms\].
    Setup {
        /// The app.
        app: App,
        /// Its set-up times \[ms\], in run order.
        ms: &'a [f64],
    },
    /// `app`'s items were timed; `all` holds every app's item and set-up times so far, to be
    /// saved (its samples are not filled in yet).
    Items {
        /// The app.
        app: App,
        /// What its item runs measured.
        times: &'a ItemTimes,
        /// Every app's item and set-up times so far.
        all: &'a Measurements,
    },
}

/// Why a calibration's measurement stopped.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    /// The checkpoint machinery failed (its error, as text).
    #[error("{0}")]
    Ckpt(String),
    /// An app's set-up could not be measured.
    #[error("{app} set-up: {message}")]
    Setup {
        /// The app.
        app: App,
        /// Why.
        message: String,
    },
    /// Face's item runs failed.
    #[error(transparent)]
    Face(#[from] FaceItemsError),
}

impl Campaign<'_> {
    /// Measures, given the samples already `taken`: per app in plan order, the samples of each
    /// method that has fewer than the plan's number (a partial one is measured again from its
    /// first sample), then the set-up times and the item times (`in_process(app, items, seed)`
    /// for taxi and stress; face by runs of its program). Calls `on` at each step; its first
    /// error while samples are taken ends the measurement after the current (app, method), any
    /// other at once. Every measurement, or the first error.
    pub fn run<E: From<CampaignError>>(
        &self,
        mut taken: Vec<Sample>,
        mut in_process: impl FnMut(App, u64, u64) -> Result<ItemTimes, E>,
        mut on: impl FnMut(Event<'_>) -> Result<(), E>,
    ) -> Result<Measurements, E> {
        let plan = self.plan;
        let mut m = Measurements::default();
        for &app in &plan.apps {
            for &method in &plan.methods {
                let have = taken
                    .iter()
                    .filter(|s| s.app == app && s.method == method)
                    .count();
                if have >= plan.samples {
                    on(Event::Kept { app, method, have })?;
                    continue;
                }
                taken.retain(|s| !(s.app == app && s.method == method));
                let one = Plan {
                    apps: vec![app],
                    methods: vec![method],
                    ..plan.clone()
                };
                let mut save_err = None;
                let r = measure(&one, self.bins, self.ledger, &self.dir.join("work"), |s| {
                    taken.push(s.clone());
                    if let Err(e) = on(Event::Sample {
                        sample: s,
                        all: &taken,
                    }) {
                        save_err.get_or_insert(e);
                    }
                });
                if let Some(e) = save_err {
                    return Err(e);
                }
                let measured = r.map_err(|e| CampaignError::Ckpt(e.to_string()))?;
                for r in &measured.retried {
                    on(Event::Retried(r))?;
                }
            }
            let items = ITEM_RUNS.iter().find(|x| x.0 == app).map_or(100, |x| x.1);
            let run = WorkloadRun::new(app, self.bins, items, plan.seed)
                .map_err(|e| CampaignError::Ckpt(e.to_string()))?;
            let setups = setup_times(
                &run,
                self.setup_runs,
                &self.dir.join(format!("setup-{app}")),
                self.ledger,
            )
            .map_err(|e| CampaignError::Setup {
                app,
                message: e.to_string(),
            })?;
            let setup_ms: Vec<f64> = setups.iter().map(|d| d.as_secs_f64() * 1e3).collect();
            let mean_setup =
                Duration::from_secs_f64(setup_ms.iter().sum::<f64>() / setup_ms.len() as f64 / 1e3);
            on(Event::Setup { app, ms: &setup_ms })?;
            let it = match app {
                App::Face => face_item_times(&run, FACE_RUNS, mean_setup, &self.dir.join("items"))
                    .map_err(CampaignError::from)?,
                _ => in_process(app, run.items, plan.seed)?,
            };
            m.setup_ms.insert(app, setup_ms);
            m.item_ms.insert(app, it.item_ms.clone());
            m.output_bytes.insert(app, it.output_bytes.clone());
            on(Event::Items {
                app,
                times: &it,
                all: &m,
            })?;
        }
        m.samples = taken;
        Ok(m)
    }
}
