//! One experiment from start to end, whatever the backend: [`prepare`] (the backend's
//! up-front checks, the result folder, the manifest), [`crate::runner::run_all`], then
//! [`finish`] (summaries, figures, the final manifest).

use crate::error::{Error, Result};
use crate::figures::draw;
use crate::folder::ResultDir;
use crate::runner::SweepOutcome;
use crate::spec::Spec;
use crate::summary::SummaryRow;
use crate::suspend_summary::{self, SuspendRow};
use crate::{manifest, policy_table, summary};
use mlsim_core::backend::{Backend, PlannedRun};
use mlsim_plots::PolicyRow;
use std::path::{Path, PathBuf};

/// The text of the spec's model file (copied into the result folder).
pub fn model_text(s: &Spec) -> Result<String> {
    s.model_source.text().map_err(|source| Error::ModelFile {
        file: s.model_source.describe(),
        source,
    })
}

/// A result folder ready for the runs.
pub struct Prepared {
    /// The folder.
    pub dir: ResultDir,
    /// Whether it existed (its finished runs are kept).
    pub resumed: bool,
    /// What the backend's checks want the user to know.
    pub notes: Vec<String>,
}

/// Lets `backend` check every run of `s`, then opens (resuming) or creates the result folder
/// `root` and marks it `running`. Nothing is written if a check fails.
pub fn prepare(s: &Spec, root: &Path, backend: &dyn Backend) -> Result<Prepared> {
    // The points' scenarios, not one clone per run: checks do not depend on the seed.
    let planned: Vec<PlannedRun<'_>> = s
        .runs()
        .iter()
        .map(|plan| PlannedRun {
            plan,
            scenario: &s.points[plan.point as usize].scenario,
        })
        .collect();
    let notes = backend
        .check(s.kind, &planned)
        .map_err(|source| Error::Check {
            spec: s.file.clone(),
            source,
        })?;
    let (dir, resumed) = ResultDir::prepare(root, s, &model_text(s)?)?;
    manifest::write(&dir.root, s, backend.name(), "running", None)?;
    Ok(Prepared {
        dir,
        resumed,
        notes,
    })
}

/// What [`finish`] made.
pub struct Finished {
    /// `summary.csv`'s rows (empty in a suspend study).
    pub summary: Vec<SummaryRow>,
    /// A suspend study's `summary.csv` rows, `None` in other studies.
    pub suspend: Option<Vec<SuspendRow>>,
    /// `policies.csv`'s rows, if written.
    pub policies: Option<Vec<PolicyRow>>,
    /// Each of the spec's figures with the files drawn, or why it could not be.
    pub figures: Vec<(String, Result<Vec<PathBuf>>)>,
}

/// After the runs: writes `summary.csv`, `policies.csv` (when wanted), the spec's figures and
/// the final manifest (status from `outcome`).
pub fn finish(
    s: &Spec,
    dir: &ResultDir,
    backend: &dyn Backend,
    outcome: &SweepOutcome,
) -> Result<Finished> {
    let suspend = suspend_summary::write_if_suspend(&dir.root)?;
    let summary = match suspend {
        Some(_) => Vec::new(),
        None => summary::write(&dir.root)?,
    };
    let policies = policy_table::write(&dir.root, &s.figures)?;
    let figures = s
        .figures
        .iter()
        .map(|f| (f.clone(), draw(&dir.root, f)))
        .collect();
    manifest::write(
        &dir.root,
        s,
        backend.name(),
        outcome.status(),
        Some(outcome),
    )?;
    Ok(Finished {
        summary,
        suspend,
        policies,
        figures,
    })
}
