//! `mlsim-face run`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use mlsim_face::{CameraSpec, FacePipeline, FaceState, FaceWorkload};
use mlsim_workloads::checkpoint::{CheckpointRequest, Resumable, RunOutcome, Runner, load_state};

use super::{Common, WithPipeline, with_pipeline};

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// Total frames of the run (a resumed run continues up to this frame count).
    #[arg(long)]
    frames: u64,
    /// Continue from this state file (written by an earlier --state-out).
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Where a checkpoint writes the state.
    #[arg(long, default_value = "face.ckpt")]
    state_out: PathBuf,
    /// Checkpoint and exit after this many frames of this run (besides SIGUSR1).
    #[arg(long)]
    checkpoint_after: Option<u64>,
    /// Checkpoint and exit at the first safe point this long after the start \[ms\] (the paper's
    /// timeout tracker).
    #[arg(long)]
    checkpoint_in_ms: Option<u64>,
    /// Pause between frames, like a camera's frame interval \[ms\].
    #[arg(long, default_value_t = 0)]
    interval_ms: u64,
    #[command(flatten)]
    common: Common,
}

struct Job {
    args: RunArgs,
    resume: Option<FaceState>,
    camera: CameraSpec,
    request: CheckpointRequest,
}

pub(crate) fn run(args: RunArgs) -> anyhow::Result<i32> {
    // Before anything slow (the models take ~0.5 s to load): a SIGUSR1 that comes during the
    // set-up must checkpoint at the first safe point, not kill the process (SIGUSR1's default
    // action), as the emulation's timeout tracker may signal that early.
    let request = CheckpointRequest::new();
    request
        .register_signal()
        .context("cannot install the SIGUSR1 handler")?;
    let resume = match &args.resume {
        // Read and verify the state before loading models: a bad file fails fast.
        Some(p) => Some(
            load_state::<FaceWorkload<mlsim_face::pipelines::mock::MockPipeline>>(p)
                .context("cannot resume")?,
        ),
        None => None,
    };
    let camera = match &resume {
        Some(s) => {
            let asked = args.common.camera(s.camera.clone());
            anyhow::ensure!(
                asked == s.camera,
                "--seed/--scene-len differ from the camera recorded in the state file ({:?})",
                s.camera
            );
            s.camera.clone()
        }
        None => args.common.camera(CameraSpec::default()),
    };
    let common = args.common.clone();
    with_pipeline(
        &common,
        Job {
            args,
            resume,
            camera,
            request,
        },
    )
}

impl WithPipeline for Job {
    fn call<P: FacePipeline>(self, pipeline: P, _load_ms: f64) -> anyhow::Result<i32> {
        let Job {
            args,
            resume,
            camera,
            request,
        } = self;
        let name = pipeline.name();
        let mut w = FaceWorkload::new(pipeline, args.common.photo_set()?, camera, args.frames)?;
        if let Some(s) = resume {
            w.restore(s).context("cannot resume")?;
        }
        if let Some(ms) = args.checkpoint_in_ms {
            request.arm_after(Duration::from_millis(ms));
        }
        let mem = mlsim_face::procstat::memory().unwrap_or_default();
        eprintln!(
            "mlsim-face: pid {} running {name} pipeline from frame {} of {}, RSS {} KiB (kill -USR1 {} to checkpoint)",
            std::process::id(),
            w.state().next_frame,
            args.frames,
            mem.rss_kib,
            std::process::id()
        );
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let pause = Duration::from_millis(args.interval_ms);
        let runner =
            Runner::new(request, &args.state_out).checkpoint_after_items(args.checkpoint_after);
        let outcome = runner.run(&mut w, |o| {
            let line = serde_json::json!({ "event": "frame", "frame": o });
            writeln!(out, "{line}")?;
            out.flush()?;
            if !pause.is_zero() {
                std::thread::sleep(pause);
            }
            Ok(())
        })?;
        let line = match outcome {
            RunOutcome::Finished { items } => {
                serde_json::json!({ "event": "finished", "frames_this_run": items })
            }
            RunOutcome::Checkpointed(report) => {
                serde_json::json!({ "event": "checkpoint", "report": report })
            }
        };
        writeln!(out, "{line}")?;
        Ok(0)
    }
}
