//! Command line of `mlsim-face`.

mod bench;
mod run;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mlsim_face::pipelines::mock::MockPipeline;
use mlsim_face::{CameraSpec, FacePipeline, ModelPaths, NativePipeline, PhotoSet};

#[derive(Parser, Debug)]
#[command(
    name = "mlsim-face",
    version,
    about = "The paper's face-recognition workload (dlib), with μλ checkpoints"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Process camera frames; checkpoint on SIGUSR1 (or --checkpoint-after) and exit.
    Run(run::RunArgs),
    /// Measure per-frame compute time, resident memory, state size and checkpoint time.
    Bench(bench::BenchArgs),
}

/// Which face pipeline to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PipelineKind {
    /// The real dlib pipeline (needs `--features dlib` and scripts/setup-face.sh).
    Dlib,
    /// A pure-Rust stand-in that recognises nobody (control flow only).
    Mock,
}

/// Options shared by the subcommands.
#[derive(Args, Debug, Clone)]
struct Common {
    /// Face pipeline.
    #[arg(long, value_enum, default_value = "dlib")]
    pipeline: PipelineKind,
    /// Folder with the dlib models [default: $MLSIM_DATA/face/models, MLSIM_DATA defaulting to
    /// ~/.local/share/mlsim].
    #[arg(long)]
    models: Option<PathBuf>,
    /// Seed of the camera's frame sequence [default: 1].
    #[arg(long)]
    seed: Option<u64>,
    /// Frames per scene (one person per scene) [default: 3].
    #[arg(long)]
    scene_len: Option<u32>,
    /// Film these photos instead of the vendored ones: IDENTITY=PATH, repeatable.
    #[arg(long = "photo", value_name = "IDENTITY=PATH")]
    photos: Vec<String>,
}

impl Common {
    fn camera(&self, base: CameraSpec) -> CameraSpec {
        CameraSpec {
            seed: self.seed.unwrap_or(base.seed),
            scene_len: self.scene_len.unwrap_or(base.scene_len),
            ..base
        }
    }

    fn photo_set(&self) -> anyhow::Result<PhotoSet> {
        if self.photos.is_empty() {
            return Ok(PhotoSet::vendored()?);
        }
        let mut v = Vec::new();
        for p in &self.photos {
            let (id, path) = p
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--photo {p}: expected IDENTITY=PATH"))?;
            v.push(mlsim_face::Photo::open(std::path::Path::new(path), id)?);
        }
        Ok(PhotoSet::new(v)?)
    }

    fn model_paths(&self) -> ModelPaths {
        match &self.models {
            Some(d) => ModelPaths::in_dir(d),
            None => ModelPaths::from_env(),
        }
    }
}

/// Something to do with a pipeline of any type.
trait WithPipeline {
    /// `load_ms`: how long opening the pipeline (loading its models) took \[ms\].
    fn call<P: FacePipeline>(self, pipeline: P, load_ms: f64) -> anyhow::Result<i32>;
}

fn with_pipeline<W: WithPipeline>(common: &Common, job: W) -> anyhow::Result<i32> {
    let t = std::time::Instant::now();
    let load_ms = || t.elapsed().as_secs_f64() * 1e3;
    match common.pipeline {
        PipelineKind::Mock => job.call(MockPipeline, load_ms()),
        PipelineKind::Dlib => {
            let p = NativePipeline::open(&common.model_paths())?;
            job.call(p, load_ms())
        }
    }
}

/// Runs the command line; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Bench(a) => bench::bench(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mlsim-face: error: {e:#}");
            2
        }
    }
}
