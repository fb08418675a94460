//! Face's per-item measurements: face is a separate dlib program, so it runs as a process
//! `runs` times with its items (frames): per-item time = (wall − mean set-up) / frames per run,
//! so only the mean is observed (the cv is the spread of the per-run means, a lower bound of the
//! per-frame cv). Output bytes per item: its output text per frame.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mlsim_core::app::App;
use mlsim_core::calibration::ItemTimes;

use crate::ckpt::WorkloadRun;
use crate::ckpt::workload::{RunArgs, item_lines};

/// Why face's item runs failed.
#[derive(Debug, thiserror::Error)]
pub enum FaceItemsError {
    /// The run folder cannot be made.
    #[error("cannot create {}", dir.display())]
    Create {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The program's command line is empty.
    #[error("empty argv")]
    EmptyArgv,
    /// The program cannot be started.
    #[error("cannot run {program}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// The program failed.
    #[error("face run failed ({status}): {stderr}")]
    Failed {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Its stderr.
        stderr: String,
    },
    /// A run wrote no frame.
    #[error("face run {0} wrote no frames")]
    NoFrames(usize),
}

/// Runs face's program `run` `runs` times in `dir` and subtracts `setup` (its mean set-up) from
/// each run's wall time.
pub fn face_item_times(
    run: &WorkloadRun,
    runs: usize,
    setup: Duration,
    dir: &Path,
) -> Result<ItemTimes, FaceItemsError> {
    std::fs::create_dir_all(dir).map_err(|source| FaceItemsError::Create {
        dir: dir.to_path_buf(),
        source,
    })?;
    let (mut item_ms, mut output_bytes) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let out = dir.join(format!("face-items-{i}.out"));
        let argv = run.argv(&RunArgs {
            output: Some(&out),
            ..Default::default()
        });
        let (prog, args) = argv.split_first().ok_or(FaceItemsError::EmptyArgv)?;
        let t = Instant::now();
        let o = std::process::Command::new(prog)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .output()
            .map_err(|source| FaceItemsError::Spawn {
                program: prog.to_string_lossy().into_owned(),
                source,
            })?;
        let wall = t.elapsed();
        if !o.status.success() {
            return Err(FaceItemsError::Failed {
                status: o.status,
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            });
        }
        let text = if run.output_on_stdout() {
            String::from_utf8_lossy(&o.stdout).into_owned()
        } else {
            std::fs::read_to_string(&out).unwrap_or_default()
        };
        let n = item_lines(App::Face, &text).len();
        let _ = std::fs::remove_file(&out);
        if n == 0 {
            return Err(FaceItemsError::NoFrames(i));
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
