//! Sweeps over machines: `mlsim run --shard K/N` (one part of the run plan into
//! `DIR/shards/K-of-N`), `mlsim merge` (the shards' folders into one result folder,
//! byte-identical to a one-machine run) and `mlsim slurm` (a Slurm job array of the shards and
//! a dependent merge job). The split rule and the folder layout are in
//! `mlsim_experiment::shard`.

use crate::report;
use anyhow::{Context, Result};
use mlsim_core::Backend;
use mlsim_experiment::shard::{self, Shard};
use mlsim_experiment::{manifest, pipeline, runner, spec};
use mlsim_sim::backend::SimBackend;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Reads a spec: from `path`, or, with `origin`, the text of `path` (a copy, e.g. the one
/// `mlsim slurm` keeps in `DIR/slurm/spec.toml`) as if it were the file `origin`: relative
/// paths in it (model file, traces) resolve against `origin`'s folder and the manifest names
/// `origin`.
pub fn load(path: &Path, opts: &spec::Options, origin: Option<&Path>) -> Result<spec::Spec> {
    match origin {
        None => Ok(spec::load_with(path, opts)?),
        Some(o) => {
            let text = spec::read_text(path)
                .with_context(|| format!("cannot read the spec copy {}", path.display()))?;
            Ok(spec::parse_with(o, text, opts)?)
        }
    }
}

/// What `mlsim run --shard` needs besides the spec.
pub struct ShardRun<'a> {
    /// The spec.
    pub spec: &'a spec::Spec,
    /// The shard.
    pub shard: Shard,
    /// The experiment folder (the shard writes `root/shards/K-of-N`).
    pub root: PathBuf,
    /// Threads.
    pub jobs: Option<usize>,
    /// `--resume`.
    pub resume: bool,
    /// `-q`.
    pub quiet: bool,
}

/// `mlsim run SPEC --shard K/N`: the shard's runs into `DIR/shards/K-of-N`.
pub fn run_shard(a: ShardRun<'_>) -> Result<ExitCode> {
    let s = a.spec;
    let backend = SimBackend;
    let folder = a.shard.folder(&a.root);
    if a.resume && !folder.exists() {
        anyhow::bail!(
            "--resume: {} does not exist; run without --resume to start it",
            folder.display()
        );
    }
    shard::init_root(&a.root, s, &pipeline::model_text(s)?)?;
    let plans = a.shard.plans(s);
    crate::stop::install()?;
    let p = pipeline::prepare(s, &folder, &backend)?;
    shard::write_info(&folder, a.shard, &plans)?;
    if !a.quiet {
        eprintln!(
            "{} shard {} of \"{}\": {} of {} runs (rule: {}), model \"{}\" → {}",
            if p.resumed { "resuming" } else { "running" },
            a.shard,
            s.name,
            plans.len(),
            s.runs().len(),
            shard::RULE,
            s.model.label,
            folder.display()
        );
    }
    let bar = crate::progress::Sweep::new(a.quiet);
    let progress = |e: &runner::RunEvent<'_>| bar.event(e);
    let outcome = runner::run_plans(s, &plans, &p.dir, &backend, p.resumed, a.jobs, &progress);
    bar.finish();
    let outcome = outcome?;
    manifest::write(
        &folder,
        s,
        backend.name(),
        outcome.status(),
        Some(&outcome),
        outcome.stopped.as_deref(),
        &[],
    )?;
    let resume = format!(
        "mlsim run {} --shard {} --out {}",
        s.file.display(),
        a.shard,
        a.root.display()
    );
    Ok(report::end(&outcome, &folder, 2, &resume))
}

/// `mlsim merge`.
pub fn merge(
    s: &spec::Spec,
    root: &Path,
    sources: Vec<PathBuf>,
    quiet: bool,
    table: mlsim_experiment::summary::TableSize,
) -> Result<ExitCode> {
    let sources = if sources.is_empty() {
        shard::shard_folders(root)?
    } else {
        sources
    };
    let mut m = shard::merge(s, root, &sources, &SimBackend)?;
    if !quiet {
        for (d, sh) in &m.sources {
            match sh {
                Some(sh) => eprintln!("shard {sh}: {}", d.display()),
                None => eprintln!("folder: {}", d.display()),
            }
        }
        eprintln!(
            "merged \"{}\": {} runs copied from the shards, {} already in {}",
            s.name,
            m.imported,
            m.already,
            root.display()
        );
    }
    for miss in &m.missing {
        let who: Vec<String> = miss
            .should
            .iter()
            .map(|(sh, d, why)| format!("shard {sh} ({}: {why})", d.display()))
            .collect();
        eprintln!(
            "missing: run {} (point {}, replication {}); should have been done by {}",
            miss.plan.run,
            miss.plan.point,
            miss.plan.replication,
            if who.is_empty() {
                "no shard (no shard folder says how the runs were split)".to_string()
            } else {
                who.join(", ")
            }
        );
    }
    let mut drawn = Vec::new();
    for (_, r) in std::mem::take(&mut m.finished.figures) {
        drawn.extend(r?);
    }
    if !quiet {
        print!("{}", m.finished.table(table));
        if let Some(rows) = &m.finished.policies {
            print!("\n{}", mlsim_experiment::policy_table::table(rows));
        }
        for p in &drawn {
            eprintln!("wrote {}", p.display());
        }
    }
    if !m.missing.is_empty() {
        for (run, why) in &m.outcome.failed {
            eprintln!("run {run} {why}");
        }
        eprintln!(
            "{}: the folder is not complete; finish the shards named above (e.g. run the same `mlsim run --shard K/N` again: it resumes), then merge again; results so far in {}",
            shard::incomplete_status(m.missing.len(), m.outcome.total),
            root.display()
        );
        return Ok(ExitCode::from(1));
    }
    let resume = report::resume_command("mlsim merge", &s.file, root);
    Ok(report::end(&m.outcome, root, 2, &resume))
}

/// `mlsim slurm`'s options.
#[derive(clap::Args)]
pub struct SlurmArgs {
    /// The experiment spec (TOML).
    pub spec: PathBuf,
    /// Experiment folder on a file system every node sees [default: results/<experiment name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Array tasks (shards), 1 or more.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub tasks: u32,
    /// Slurm partition (sbatch --partition) [default: the cluster's default].
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit of each task and of the merge job, HH:MM:SS (sbatch --time).
    #[arg(long)]
    pub time: Option<String>,
    /// CPUs per task (sbatch --cpus-per-task); each task runs with --jobs of this many threads.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub cpus_per_task: u32,
    /// Memory per node of each task (sbatch --mem, e.g. 4G).
    #[arg(long)]
    pub mem: Option<String>,
    /// As for `run`.
    #[arg(long)]
    pub model: Option<String>,
    /// Submit the array and the merge job with sbatch and print their job ids.
    #[arg(long)]
    pub submit: bool,
}

/// A word for a shell script, single-quoted.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn abs(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("cannot make {} absolute", p.display()))
}

/// `mlsim slurm`: writes `DIR/slurm/{spec.toml,array.sbatch,merge.sbatch,submit.sh}` (and
/// `DIR/slurm/logs/`), prepares `DIR`, and with `--submit` submits both jobs.
pub fn slurm(a: SlurmArgs) -> Result<ExitCode> {
    let s = spec::load_with_model(&a.spec, a.model.as_deref())?;
    if let Some(t) = &a.time
        && !valid_time(t)
    {
        anyhow::bail!(
            "--time {t:?}: use HH:MM:SS (or Slurm's MM, MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)"
        );
    }
    let root = abs(&a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&s.name)))?;
    let origin = abs(&a.spec)?;
    let exe = std::env::current_exe().context("cannot find the path of the mlsim executable")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    // The experiment folder first: the backend's checks run now, not on the cluster, and a
    // folder of another spec is refused before anything is submitted.
    pipeline::prepare(&s, &root, &SimBackend)?;
    let dir = root.join("slurm");
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let copy = dir.join("spec.toml");
    mlsim_experiment::folder::write_atomic(&copy, s.text.as_bytes())?;
    let (exe_s, copy_s, origin_s, root_s) = (
        sh(&exe.display().to_string()),
        sh(&copy.display().to_string()),
        sh(&origin.display().to_string()),
        sh(&root.display().to_string()),
    );
    let n = a.tasks;
    let mut common = String::new();
    if let Some(p) = &a.partition {
        common += &format!("#SBATCH --partition={p}\n");
    }
    if let Some(t) = &a.time {
        common += &format!("#SBATCH --time={t}\n");
    }
    common += &format!("#SBATCH --chdir={}\n", cwd.display());
    let header = format!(
        "# Written by `mlsim slurm` ({} {}) for {}.\n\
         # The jobs read the copy {} of the spec (relative paths in it resolve against the\n\
         # original's folder, --origin) and write into {}.\n",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        origin.display(),
        copy.display(),
        root.display()
    );
    let array = format!(
        "#!/bin/bash\n\
         #SBATCH --job-name=mlsim-{name}\n\
         #SBATCH --array=0-{last}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task={cpus}\n{mem}{common}\
         #SBATCH --output={logs}/shard-%a-of-{n}.out\n\
         {header}\
         # Task K does shard K/{n}: the runs with run % {n} == K, into {root}/shards/K-of-{n}.\n\
         # Re-running a task resumes its shard (finished runs are kept).\n\
         set -euo pipefail\n\
         exec {exe_s} run {copy_s} --origin {origin_s} --shard \"${{SLURM_ARRAY_TASK_ID}}/{n}\" \\\n  --out {root_s} --jobs \"${{SLURM_CPUS_PER_TASK:-1}}\" --table none\n",
        name = s.name,
        last = n - 1,
        cpus = a.cpus_per_task,
        mem = a
            .mem
            .as_ref()
            .map(|m| format!("#SBATCH --mem={m}\n"))
            .unwrap_or_default(),
        logs = logs.display(),
        root = root.display(),
    );
    let merge = format!(
        "#!/bin/bash\n\
         #SBATCH --job-name=mlsim-{name}-merge\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n{common}\
         #SBATCH --output={logs}/merge-%j.out\n\
         {header}\
         # Submitted with --dependency=afterok:<array job>: runs once every shard succeeded.\n\
         set -euo pipefail\n\
         exec {exe_s} merge {copy_s} --origin {origin_s} --out {root_s} --table none\n",
        name = s.name,
        logs = logs.display(),
    );
    let submit = format!(
        "#!/bin/sh\n\
         # Submits the array of {n} shards and the merge job that waits for all of them.\n\
         set -eu\n\
         array=$(sbatch --parsable {array_s})\n\
         array=${{array%%;*}}\n\
         merge=$(sbatch --parsable --kill-on-invalid-dep=yes --dependency=afterok:\"$array\" {merge_s})\n\
         merge=${{merge%%;*}}\n\
         echo \"array job $array ({n} tasks), merge job $merge\"\n",
        array_s = sh(&dir.join("array.sbatch").display().to_string()),
        merge_s = sh(&dir.join("merge.sbatch").display().to_string()),
    );
    let write = |name: &str, text: &str| -> Result<PathBuf> {
        let p = dir.join(name);
        mlsim_experiment::folder::write_atomic(&p, text.as_bytes())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} executable", p.display()))?;
        }
        Ok(p)
    };
    let array_p = write("array.sbatch", &array)?;
    let merge_p = write("merge.sbatch", &merge)?;
    let submit_p = write("submit.sh", &submit)?;
    println!(
        "\"{}\": {} runs in {n} array tasks ({} CPU(s) each; {})",
        s.name,
        s.runs().len(),
        a.cpus_per_task,
        shard::RULE
    );
    println!("wrote {} (the spec the jobs read)", copy.display());
    println!(
        "wrote {} (the job array: shard K/{n} → {}/shards/K-of-{n})",
        array_p.display(),
        root.display()
    );
    println!(
        "wrote {} (the merge → {})",
        merge_p.display(),
        root.display()
    );
    println!("wrote {} (submits both)", submit_p.display());
    if !a.submit {
        println!(
            "submit with: sh {}   (or: sbatch --parsable {}, then sbatch --dependency=afterok:<array job id> {})",
            submit_p.display(),
            array_p.display(),
            merge_p.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let array_id = sbatch(&[array_p.as_os_str()])?;
    let dep = format!("--dependency=afterok:{array_id}");
    let merge_id = sbatch(&[
        "--kill-on-invalid-dep=yes".as_ref(),
        dep.as_ref(),
        merge_p.as_os_str(),
    ])?;
    println!(
        "submitted: array job {array_id} ({n} tasks), merge job {merge_id} (after the array succeeds)"
    );
    println!(
        "monitor with: squeue -j {array_id},{merge_id}; logs in {}",
        logs.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `sbatch --parsable ARGS` and returns the job id.
fn sbatch(args: &[&std::ffi::OsStr]) -> Result<String> {
    let out = std::process::Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .context("cannot run sbatch (is Slurm's client installed and on the PATH?)")?;
    if !out.status.success() {
        anyhow::bail!(
            "sbatch {:?} failed ({}): {}",
            args,
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        anyhow::bail!("sbatch printed no job id: {:?}", text.trim());
    }
    Ok(id)
}

/// Slurm's time formats: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
fn valid_time(t: &str) -> bool {
    let (days, rest) = match t.split_once('-') {
        Some((d, r)) => (Some(d), r),
        None => (None, t),
    };
    let num = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let parts: Vec<&str> = rest.split(':').collect();
    days.is_none_or(num) && parts.iter().all(|p| num(p)) && (1..=3).contains(&parts.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting_and_times() {
        assert_eq!(super::sh("a b"), "'a b'");
        assert_eq!(super::sh("it's"), r"'it'\''s'");
        for ok in ["01:00:00", "30", "1-00", "2-12:00:00"] {
            assert!(super::valid_time(ok), "{ok}");
        }
        for bad in ["", "1h", "1:2:3:4", "a-1", "-1"] {
            assert!(!super::valid_time(bad), "{bad}");
        }
    }
}
