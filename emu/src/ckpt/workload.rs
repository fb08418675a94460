//! The real workload programs: where their binaries are and how to invoke them.
//!
//! `mlsim-workload run taxi|stress` (package `mlsim-workloads`) writes per-item JSON lines to
//! `--output F`; `mlsim-face run` (package `mlsim-face`, feature `dlib`) prints them to stdout as
//! `{"event":"frame",…}` lines. Both checkpoint μλ-style on `SIGUSR1` or a deadline and resume with
//! `--resume F` (see their crate docs).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use super::CkptError;
use super::proc::Launch;

pub use mlsim_core::app::App;

/// The per-item output lines of a run of `app`'s program (drops face's last status line).
pub fn item_lines(app: App, text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| app != App::Face || l.contains("\"event\":\"frame\""))
        .map(str::to_owned)
        .collect()
}

/// Where the two workload programs are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binaries {
    /// `mlsim-workload` (taxi, stress).
    pub workload: PathBuf,
    /// `mlsim-face` built with `--features dlib`, if found.
    pub face: Option<PathBuf>,
}

impl Binaries {
    /// The binary that runs `app`.
    pub fn for_app(&self, app: App) -> Result<&Path, CkptError> {
        match app {
            App::Taxi | App::Stress => Ok(&self.workload),
            App::Face => self.face.as_deref().ok_or_else(|| CkptError::Missing {
                what: "mlsim-face".into(),
                hint: "cargo build --release -p mlsim-face --features dlib (after scripts/setup-face.sh), or set MLSIM_FACE_BIN".into(),
            }),
        }
    }

    /// Finds both programs (see [`workload_binary`]).
    pub fn find() -> Result<Binaries, CkptError> {
        Ok(Binaries {
            workload: workload_binary()?,
            face: find_binary("MLSIM_FACE_BIN", "mlsim-face"),
        })
    }
}

/// Release directories to look in, best first: next to this executable (the `mlsim` CLI lives in
/// `target/release/`; test binaries in `target/*/deps/`), `$CARGO_TARGET_DIR/release`, and this
/// checkout's `target/release`.
fn candidate_dirs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        if dir.ends_with("release") {
            v.push(dir.to_path_buf());
        }
        if let Some(profile_dir) = dir.parent()
            && let Some(target) = profile_dir.parent()
            && dir.ends_with("deps")
        {
            v.push(target.join("release"));
        }
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        v.push(PathBuf::from(t).join("release"));
    }
    v.push(workspace_dir().join("target/release"));
    v
}

/// The workspace root this crate was built from.
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn find_binary(env: &str, name: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    candidate_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The release `mlsim-workload` binary: `$MLSIM_WORKLOAD_BIN`, else the first release directory
/// that has it (next to this executable, `$CARGO_TARGET_DIR/release`, `target/release`).
pub fn workload_binary() -> Result<PathBuf, CkptError> {
    find_binary("MLSIM_WORKLOAD_BIN", "mlsim-workload").ok_or_else(|| CkptError::Missing {
        what: "mlsim-workload".into(),
        hint: "cargo build --release -p mlsim-workloads --bin mlsim-workload, or set MLSIM_WORKLOAD_BIN"
            .into(),
    })
}

/// Builds the release workload binaries with cargo (same `CARGO_TARGET_DIR` as the caller, once
/// per process) and returns them; `face` also builds `mlsim-face --features dlib`. For tests on a
/// fresh clone, where only `cargo test -p mlsim-emu` ran.
pub fn build_release(face: bool) -> Result<Binaries, CkptError> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut jobs: Vec<Vec<&str>> = vec![vec!["-p", "mlsim-workloads", "--bin", "mlsim-workload"]];
    if face {
        jobs.push(vec![
            "-p",
            "mlsim-face",
            "--features",
            "dlib",
            "--bin",
            "mlsim-face",
        ]);
    }
    for args in jobs {
        let mut cmd = std::process::Command::new(&cargo);
        cmd.args(["build", "--release", "--quiet"])
            .args(&args)
            .current_dir(workspace_dir())
            .env("CARGO_TARGET_DIR", &target);
        super::proc::run_checked(&mut cmd)?;
    }
    let bin = |n: &str| target.join("release").join(n);
    Ok(Binaries {
        workload: bin("mlsim-workload"),
        face: face.then(|| bin("mlsim-face")),
    })
}

/// The data folder of the real workloads (`$MLSIM_DATA`, else `~/.local/share/mlsim`): the
/// workload programs' own rule, [`mlsim_datasets::data::data_dir`].
pub use mlsim_datasets::data::data_dir;

/// One workload invocation: which app, how big, which seed.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadRun {
    /// The app.
    pub app: App,
    /// Its binary.
    pub binary: PathBuf,
    /// Items to process in total (requests, windows, frames).
    pub items: u64,
    /// Seed of the synthetic input.
    pub seed: u64,
    /// Face only: folder with the dlib models (`--models`); default: the installed ones.
    pub models: Option<PathBuf>,
}

/// Per-invocation options of [`WorkloadRun::argv`].
#[derive(Clone, Debug, Default)]
pub struct RunArgs<'a> {
    /// Taxi/stress: `--output F` (face prints its items to stdout: redirect it).
    pub output: Option<&'a Path>,
    /// Where a μλ checkpoint writes the state.
    pub state_out: Option<&'a Path>,
    /// Resume from this state file.
    pub resume: Option<&'a Path>,
    /// μλ deadline: checkpoint at the first safe point after this long (taxi/stress: since process
    /// start; face: since its models are loaded).
    pub deadline: Option<Duration>,
}

impl WorkloadRun {
    /// A run of `app` with `items` items, the binary taken from `bins`.
    pub fn new(app: App, bins: &Binaries, items: u64, seed: u64) -> Result<WorkloadRun, CkptError> {
        Ok(WorkloadRun {
            app,
            binary: bins.for_app(app)?.to_path_buf(),
            items,
            seed,
            models: None,
        })
    }

    /// Whether the per-item output goes to stdout (face) rather than `--output`.
    pub fn output_on_stdout(&self) -> bool {
        self.app == App::Face
    }

    /// How to start it in `netns`: per-item output to `a.output` (through stdout for face),
    /// other stdout/stderr to `<log>.stdout` / `<log>.stderr`.
    pub fn launch(&self, a: &RunArgs<'_>, netns: Option<PathBuf>, log: &Path) -> Launch {
        let with_ext = |ext: &str| {
            let mut p = log.as_os_str().to_owned();
            p.push(ext);
            PathBuf::from(p)
        };
        let stdout = match (a.output, self.output_on_stdout()) {
            (Some(o), true) => o.to_path_buf(),
            _ => with_ext(".stdout"),
        };
        Launch {
            argv: self.argv(a),
            env: Vec::new(),
            netns,
            stdout,
            stderr: with_ext(".stderr"),
        }
    }

    /// The `{"event":"checkpoint",…}` report of a run that checkpointed (face nests it under
    /// `report`), read from the run's stdout and stderr; `None` if it did not checkpoint.
    pub fn checkpoint_report(&self, launch: &Launch) -> Option<serde_json::Value> {
        for f in [&launch.stderr, &launch.stdout] {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            for line in text.lines().rev() {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                if v.get("event").and_then(|e| e.as_str()) == Some("checkpoint") {
                    return Some(v.get("report").cloned().unwrap_or(v));
                }
            }
        }
        None
    }

    /// The program and its arguments.
    pub fn argv(&self, a: &RunArgs<'_>) -> Vec<OsString> {
        let mut v: Vec<OsString> = vec![self.binary.clone().into()];
        let mut push = |s: &str| v.push(s.into());
        let n = self.items.to_string();
        let seed = self.seed.to_string();
        match self.app {
            App::Taxi => {
                for s in [
                    "run",
                    "taxi",
                    "--items",
                    &n,
                    "--requests",
                    &n,
                    "--seed",
                    &seed,
                ] {
                    push(s);
                }
            }
            App::Stress => {
                // Windows every 30 s over 5-min blocks: enough blocks for `items` windows.
                let blocks = (self.items * 30).div_ceil(300) + 2;
                let b = blocks.to_string();
                for s in [
                    "run", "stress", "--items", &n, "--blocks", &b, "--seed", &seed,
                ] {
                    push(s);
                }
            }
            App::Face => {
                for s in ["run", "--frames", &n, "--seed", &seed] {
                    push(s);
                }
            }
        }
        if let (Some(m), App::Face) = (&self.models, self.app) {
            v.push("--models".into());
            v.push(m.into());
        }
        if let (Some(o), false) = (a.output, self.output_on_stdout()) {
            v.push("--output".into());
            v.push(o.into());
        }
        if let Some(s) = a.state_out {
            v.push("--state-out".into());
            v.push(s.into());
        }
        if let Some(r) = a.resume {
            v.push("--resume".into());
            v.push(r.into());
        }
        if let Some(d) = a.deadline {
            match self.app {
                App::Face => {
                    v.push("--checkpoint-in-ms".into());
                    v.push(d.as_millis().to_string().into());
                }
                App::Taxi | App::Stress => {
                    v.push("--checkpoint-after".into());
                    v.push(format!("{:.6}", d.as_secs_f64()).into());
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(app: App) -> WorkloadRun {
        WorkloadRun {
            app,
            binary: "/bin/w".into(),
            items: 40,
            seed: 3,
            models: None,
        }
    }

    fn strs(v: Vec<OsString>) -> Vec<String> {
        v.into_iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn argv_per_app() {
        let a = RunArgs {
            output: Some(Path::new("/o")),
            deadline: Some(Duration::from_millis(1500)),
            ..RunArgs::default()
        };
        assert_eq!(
            strs(run(App::Taxi).argv(&a)).join(" "),
            "/bin/w run taxi --items 40 --requests 40 --seed 3 --output /o --checkpoint-after 1.500000"
        );
        // 40 windows * 30 s = 1200 s = 4 blocks of 300 s, + 2 spare.
        assert!(
            strs(run(App::Stress).argv(&a))
                .join(" ")
                .contains("--blocks 6")
        );
        assert_eq!(
            strs(run(App::Face).argv(&RunArgs {
                resume: Some(Path::new("/s")),
                ..a
            }))
            .join(" "),
            "/bin/w run --frames 40 --seed 3 --resume /s --checkpoint-in-ms 1500"
        );
    }

    #[test]
    fn item_lines_drop_face_status_lines() {
        let t = "{\"event\":\"frame\",\"frame\":{}}\n{\"event\":\"finished\"}\n";
        assert_eq!(item_lines(App::Face, t).len(), 1);
        assert_eq!(item_lines(App::Taxi, "a\n\nb\n").len(), 2);
    }
}
