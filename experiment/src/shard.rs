//! Sweeps split over machines: shards of a spec's run plan (`mlsim run --shard K/N`) and the
//! merge of their folders into one result folder (`mlsim merge`), byte-identical to a
//! one-machine run.
//!
//! **The split rule.** Shard `K` of `N` (0 ≤ K < N, Slurm's `--array=0-(N-1)` task ids) does
//! the runs whose index `run` (point-major: `point × replications + replication`) has
//! `run % N == K`. Round robin, not contiguous ranges: the points of a sweep usually grow in
//! cost along the run list (more items, other methods), so contiguous ranges would give the
//! last shard the most expensive points; dealing the runs out one by one gives every shard
//! the same mix of points (when the replications are a multiple of N, every shard gets the
//! same number of runs of every point). Seeds come from the run plan, so they do not depend on
//! the split.
//!
//! **Layout.** The experiment folder `DIR` (what a one-machine `mlsim run --out DIR` writes)
//! holds the shards' folders `DIR/shards/K-of-N/`, each a normal, resumable result folder of
//! the same spec holding only its runs (and `shard.json`: K, N, the rule and its runs). The
//! merge copies the finished run files of the shards into `DIR/runs/` (checking that each
//! shard folder was made by the same spec and model file), merges them in run order and
//! writes the summary, policy table, figures and manifest as `mlsim run` does.

use crate::error::{Error, Result, io};
use crate::folder::{ResultDir, fingerprint, write_atomic};
use crate::manifest;
use crate::pipeline::{self, Finished};
use crate::runner::SweepOutcome;
use crate::spec::{RunPlan, Spec};
use mlsim_core::backend::Backend;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One part of a split run plan: shard `index` of `count` (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// K, 0 ≤ K < N.
    pub index: u32,
    /// N, 1 or more.
    pub count: u32,
}

impl Shard {
    /// Parses `K/N` (0 ≤ K < N).
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not K/N (e.g. 0/4: the first of four shards)"))?;
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|e| format!("{s:?}: N ({n:?}) is not a count: {e}"))?;
        let k: u32 = k
            .trim()
            .parse()
            .map_err(|e| format!("{s:?}: K ({k:?}) is not a shard number: {e}"))?;
        if n == 0 {
            return Err(format!("{s:?}: N must be 1 or more"));
        }
        if k >= n {
            return Err(format!(
                "{s:?}: K must be 0 to {} (shards are numbered from 0, like Slurm's --array=0-{})",
                n - 1,
                n - 1
            ));
        }
        Ok(Shard { index: k, count: n })
    }

    /// The shard of `count` that does run `run`.
    pub fn of_run(run: u32, count: u32) -> Shard {
        Shard {
            index: run % count,
            count,
        }
    }

    /// Whether this shard does run `run`.
    pub fn owns(&self, run: u32) -> bool {
        run % self.count == self.index
    }

    /// This shard's runs of `spec`, in run order.
    pub fn plans(&self, spec: &Spec) -> Vec<RunPlan> {
        spec.runs()
            .iter()
            .filter(|p| self.owns(p.run))
            .copied()
            .collect()
    }

    /// Its folder inside the experiment folder `root`: `root/shards/K-of-N`.
    pub fn folder(&self, root: &Path) -> PathBuf {
        root.join("shards")
            .join(self.to_string().replace('/', "-of-"))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `shard.json` of a shard folder.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ShardInfo {
    /// The shard.
    pub shard: Shard,
    /// The split rule, in words.
    pub rule: String,
    /// Its runs.
    pub runs: Vec<u32>,
}

/// The rule, as `shard.json` and the messages state it.
pub const RULE: &str = "run % N == K (runs dealt out round robin in point-major order)";

/// Writes `shard.json` into a shard folder.
pub fn write_info(root: &Path, shard: Shard, plans: &[RunPlan]) -> Result<()> {
    let info = ShardInfo {
        shard,
        rule: RULE.into(),
        runs: plans.iter().map(|p| p.run).collect(),
    };
    let text = serde_json::to_string_pretty(&info).map_err(|source| Error::Json {
        what: "shard.json",
        source,
    })?;
    write_atomic(&root.join("shard.json"), text.as_bytes())
}

/// Reads `shard.json` of a folder (`None` if it has none: a whole-run folder).
pub fn read_info(root: &Path) -> Result<Option<ShardInfo>> {
    let p = root.join("shard.json");
    if !p.exists() {
        return Ok(None);
    }
    let text = fs::read_to_string(&p).map_err(io("read", &p))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Folder(format!("{} is not a shard description: {e}", p.display())))
}

/// Checks, without writing anything, that `root` is a result folder made by `spec` with the
/// model file `model_text` (the copies `spec.toml` and `model.toml` it keeps, and the
/// fingerprint of both in its identity).
pub fn check_same_spec(root: &Path, spec: &Spec, model_text: &str) -> Result<()> {
    let read = |name: &str| fs::read_to_string(root.join(name)).ok();
    let ident = read(".mlsim-spec").ok_or_else(|| {
        Error::Folder(format!(
            "{} is not an mlsim result folder (no .mlsim-spec)",
            root.display()
        ))
    })?;
    let fp = fingerprint(&[&spec.text, model_text]);
    if !ident.contains(&fp)
        || read("spec.toml").as_deref() != Some(spec.text.as_str())
        || read("model.toml").as_deref() != Some(model_text)
    {
        return Err(Error::Folder(format!(
            "{} holds results of a different spec or model file than {} (compare its spec.toml and model.toml); nothing was merged",
            root.display(),
            spec.file.display()
        )));
    }
    Ok(())
}

/// Makes sure the experiment folder `root` exists as a result folder of `spec` before shards
/// write inside it, without racing shards that start at the same time: it is prepared under a
/// temporary name beside `root` and renamed into place (a rename onto a folder that another
/// shard made first fails; that folder is then checked instead). An existing folder is only
/// checked, never written.
pub fn init_root(root: &Path, spec: &Spec, model_text: &str) -> Result<()> {
    if root.exists() {
        return check_same_spec(root, spec, model_text);
    }
    let parent = root
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io("create", parent))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = parent.join(format!(
        ".{}.init-{}-{nanos}",
        root.file_name().and_then(|s| s.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    let made = ResultDir::prepare(&tmp, spec, model_text);
    drop(made?);
    if fs::rename(&tmp, root).is_err() {
        fs::remove_dir_all(&tmp).ok();
        if !root.exists() {
            return Err(Error::Folder(format!(
                "cannot create the experiment folder {}",
                root.display()
            )));
        }
        return check_same_spec(root, spec, model_text);
    }
    Ok(())
}

/// A result folder to read runs from, checked to be of `spec` (nothing is written to it).
fn open_source(root: &Path, spec: &Spec, model_text: &str) -> Result<ResultDir> {
    check_same_spec(root, spec, model_text)?;
    Ok(ResultDir::for_reading(root, spec))
}

/// The shard folders inside the experiment folder `root` (`root/shards/*`), sorted.
pub fn shard_folders(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("shards");
    let mut v: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(rd) => rd
            .flatten()
            .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    Ok(v)
}

/// A run no shard folder has.
#[derive(Clone, Debug)]
pub struct Missing {
    /// The run.
    pub plan: RunPlan,
    /// The shards that should have done it (one per split found), with their folders, and
    /// what is wrong with them.
    pub should: Vec<(Shard, PathBuf, String)>,
}

/// What [`merge`] did.
pub struct Merged {
    /// Runs copied from the shards' folders this time.
    pub imported: usize,
    /// Runs the folder had already (an earlier merge).
    pub already: usize,
    /// Runs no shard has: the folder is not complete while any is missing.
    pub missing: Vec<Missing>,
    /// The folders read, with their shard (`None`: a whole-run folder of the spec).
    pub sources: Vec<(PathBuf, Option<Shard>)>,
    /// The outcome written into the manifest (`stopped` says how many runs are missing).
    pub outcome: SweepOutcome,
    /// The summaries and figures.
    pub finished: Finished,
}

/// The manifest status of a merged folder with missing runs.
pub fn incomplete_status(missing: usize, total: usize) -> String {
    format!("incomplete: {missing} of {total} runs missing")
}

/// Collects the finished runs of the folders `sources` (shard folders, or any result folder
/// of the same spec) into the experiment folder `root`, then merges, summarises and draws
/// like `mlsim run` (so the CSVs and figures are byte-identical to a one-machine run). Runs
/// `root` has already are kept; for the others a run that finished `ok` in some source is
/// preferred over a failed one. Missing runs are reported, and the manifest then says
/// `incomplete: …`.
pub fn merge(
    spec: &Spec,
    root: &Path,
    sources: &[PathBuf],
    backend: &dyn Backend,
) -> Result<Merged> {
    let start = Instant::now();
    let model_text = pipeline::model_text(spec)?;
    if sources.is_empty() {
        return Err(Error::Folder(format!(
            "no shard folder to merge: {} has none; run the shards first (mlsim run SPEC --shard K/N --out {}) or name their folders",
            root.join("shards").display(),
            root.display()
        )));
    }
    let mut srcs = Vec::new();
    for s in sources {
        let dir = open_source(s, spec, &model_text)?;
        let info = read_info(s)?;
        srcs.push((dir, info));
    }
    let p = pipeline::prepare(spec, root, backend)?;
    let dest = p.dir;
    let mut imported = 0;
    let mut already = 0;
    let mut missing = Vec::new();
    for plan in spec.runs() {
        let run = plan.run;
        if dest.is_done(run) {
            already += 1;
            continue;
        }
        let ok = srcs.iter().find(|(d, _)| d.is_done(run));
        let any = ok.or_else(|| srcs.iter().find(|(d, _)| d.read_run(run).is_ok()));
        match any {
            Some((d, _)) => {
                dest.import_run(d, run)?;
                dest.read_run(run)?;
                imported += 1;
            }
            None => {
                let mut counts: Vec<u32> = srcs
                    .iter()
                    .filter_map(|(_, i)| i.as_ref().map(|i| i.shard.count))
                    .collect();
                counts.sort();
                counts.dedup();
                let should = counts
                    .into_iter()
                    .map(|n| {
                        let sh = Shard::of_run(run, n);
                        let found = srcs
                            .iter()
                            .find(|(_, i)| i.as_ref().is_some_and(|i| i.shard == sh));
                        match found {
                            Some((d, _)) => {
                                let why = if d.run_file(run).exists() {
                                    "its run file is unreadable".to_string()
                                } else {
                                    "has not finished it".to_string()
                                };
                                (sh, d.root.clone(), why)
                            }
                            None => (
                                sh,
                                sh.folder(root),
                                "no folder of this shard was found".into(),
                            ),
                        }
                    })
                    .collect();
                missing.push(Missing {
                    plan: *plan,
                    should,
                });
            }
        }
    }
    let runs: Vec<u32> = spec.runs().iter().map(|p| p.run).collect();
    dest.merge(&runs)?;
    let mut failed = Vec::new();
    for &run in &runs {
        if let Ok(r) = dest.read_run(run)
            && r.status != "ok"
        {
            failed.push((run, r.status));
        }
    }
    let total = runs.len();
    let outcome = SweepOutcome {
        total,
        skipped: already,
        written: imported,
        failed,
        interrupted: false,
        stopped: (!missing.is_empty()).then(|| incomplete_status(missing.len(), total)),
        elapsed_s: start.elapsed().as_secs_f64(),
    };
    let finished = pipeline::finish(spec, &dest, backend, &outcome)?;
    if !missing.is_empty() {
        manifest::write(
            &dest.root,
            spec,
            backend.name(),
            &incomplete_status(missing.len(), total),
            Some(&outcome),
            outcome.stopped.as_deref(),
            &finished.warnings,
        )?;
    }
    Ok(Merged {
        imported,
        already,
        missing,
        sources: srcs
            .iter()
            .map(|(d, i)| (d.root.clone(), i.as_ref().map(|i| i.shard)))
            .collect(),
        outcome,
        finished,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_rule() {
        assert_eq!(Shard::parse("0/3"), Ok(Shard { index: 0, count: 3 }));
        assert_eq!(Shard::parse(" 2 / 3 "), Ok(Shard { index: 2, count: 3 }));
        for bad in ["3/3", "1/0", "x/2", "1", "-1/2", "1/2/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let s = Shard::parse("1/3").unwrap();
        assert!(s.owns(1) && s.owns(4) && !s.owns(0) && !s.owns(5));
        assert_eq!(Shard::of_run(7, 3), Shard { index: 1, count: 3 });
        assert_eq!(s.folder(Path::new("r")), Path::new("r/shards/1-of-3"));
        assert_eq!(s.to_string(), "1/3");
    }

    #[test]
    fn every_run_in_exactly_one_shard() {
        for n in 1..7u32 {
            for run in 0..50u32 {
                let owners = (0..n)
                    .filter(|&k| Shard { index: k, count: n }.owns(run))
                    .count();
                assert_eq!(owners, 1);
            }
        }
    }
}
