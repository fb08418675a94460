//! One experiment from start to end, whatever the backend: [`prepare`] (the backend's
//! up-front checks, the result folder and its lock, the manifest), [`crate::runner::run_all`],
//! then [`finish`] (summaries, figures, the final manifest); [`sweep`] does the last two and,
//! whatever happens, leaves a manifest that says how the sweep ended and no temporary file.

use crate::error::{Error, Result};
use crate::figures::draw;
use crate::folder::{ResultDir, remove_temps};
use crate::parquet_out::{self, Format};
use crate::runner::{RunEvent, SweepOutcome, run_all};
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
    manifest::write(&dir.root, s, backend.name(), "running", None, None, &[])?;
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
    /// A serverless study's `summary.csv` rows, `None` in other studies.
    pub serverless: Option<Vec<crate::serverless_summary::ServerlessRow>>,
    /// `policies.csv`'s rows, if written.
    pub policies: Option<Vec<PolicyRow>>,
    /// Each of the spec's figures with the files drawn, or why it could not be.
    pub figures: Vec<(String, Result<Vec<PathBuf>>)>,
    /// What the user should know though the sweep ended as its status says (`figure fig6 not
    /// drawn: ...`); also in the manifest's `warnings`.
    pub warnings: Vec<String>,
}

/// After the runs: writes `summary.csv`, `policies.csv` (when wanted), the spec's figures and
/// the final manifest (status from `outcome`). A figure that cannot be drawn (no data, e.g. a
/// horizon too short for any request to finish) is a warning, not an error: the runs are fine.
pub fn finish(
    s: &Spec,
    dir: &ResultDir,
    backend: &dyn Backend,
    outcome: &SweepOutcome,
) -> Result<Finished> {
    let suspend = suspend_summary::write_if_suspend(&dir.root)?;
    let serverless = match suspend {
        Some(_) => None,
        None => crate::serverless_summary::write_if_serverless(&dir.root)?,
    };
    let summary = match (&suspend, &serverless) {
        (None, None) => summary::write(&dir.root)?,
        _ => Vec::new(),
    };
    let policies = policy_table::write(&dir.root, &s.figures)?;
    let figures: Vec<(String, Result<Vec<PathBuf>>)> = s
        .figures
        .iter()
        .map(|f| (f.clone(), draw(&dir.root, f, dir.figure_size)))
        .collect();
    let study = match (&suspend, &serverless) {
        (Some(_), _) => "suspend",
        (_, Some(_)) => "serverless",
        _ => "protocol",
    };
    crate::columns::write(&dir.root, study)?;
    // Parquet last, from the finished CSVs (summaries included); `parquet` then drops them.
    match dir.format {
        Format::Csv => parquet_out::remove_parquet_tables(&dir.root)?,
        Format::Both => {
            parquet_out::write_all(&dir.root, study)?;
        }
        Format::Parquet => {
            parquet_out::write_all(&dir.root, study)?;
            parquet_out::remove_csv_tables(&dir.root)?;
        }
    }
    let warnings: Vec<String> = figures
        .iter()
        .filter_map(|(f, r)| {
            r.as_ref()
                .err()
                .map(|e| format!("figure {f} not drawn: {}", why_not_drawn(f, e)))
        })
        .collect();
    manifest::write(
        &dir.root,
        s,
        backend.name(),
        outcome.status(),
        Some(outcome),
        outcome.stopped.as_deref(),
        &warnings,
    )?;
    Ok(Finished {
        summary,
        suspend,
        serverless,
        policies,
        figures,
        warnings,
    })
}

impl Finished {
    /// The summary as the aligned text table `mlsim run` prints: the study's own (suspend,
    /// serverless), else the protocol summary at `size`.
    pub fn table(&self, size: summary::TableSize) -> String {
        match (&self.suspend, &self.serverless) {
            (Some(rows), _) => suspend_summary::table(rows),
            (None, Some(rows)) => crate::serverless_summary::table(rows),
            (None, None) => summary::table_of(&self.summary, size),
        }
    }
}

/// Why figure `f` was not drawn, without repeating its name or the folder.
fn why_not_drawn(f: &str, e: &Error) -> String {
    match e {
        Error::Figure { source, .. } => {
            let t = source.to_string();
            t.strip_prefix(&format!("{f}: "))
                .map_or(t.clone(), String::from)
        }
        _ => e.to_string(),
    }
}

/// The text of an error that stopped a sweep, for the manifest's `stopped_because`: its
/// message, prefixed `disk full: ` when the disk is.
pub fn describe_error(e: &Error) -> String {
    match e {
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull => {
            format!("disk full: {e}")
        }
        _ => e.to_string(),
    }
}

/// The runs ([`run_all`]) and the end ([`finish`]) of a prepared sweep. Whatever happens, the
/// folder is left with no temporary file and a manifest that says how the sweep ended: if
/// either step fails, the manifest is rewritten (best effort: the disk may be full) with status
/// `failed` and the error as `stopped_because` before the error is returned. The runs finished
/// so far stay written; running the same spec into the same folder finishes the others.
pub fn sweep(
    s: &Spec,
    p: &Prepared,
    backend: &dyn Backend,
    jobs: Option<usize>,
    progress: &(dyn Fn(&RunEvent<'_>) + Sync),
) -> Result<(SweepOutcome, Finished)> {
    let result = run_all(s, &p.dir, backend, p.resumed, jobs, progress)
        .and_then(|o| finish(s, &p.dir, backend, &o).map(|f| (o, f)));
    if let Err(e) = &result {
        manifest::write(
            &p.dir.root,
            s,
            backend.name(),
            "failed",
            None,
            Some(&describe_error(e)),
            &[],
        )
        .ok();
    }
    remove_temps(&p.dir.root);
    result
}
