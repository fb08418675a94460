//! `mlsim-face bench`: the numbers the workloads issue asks for.

use std::time::Instant;

use clap::Args;
use mlsim_face::{Advance, CameraSpec, FacePipeline, FaceWorkload, SafePoint};
use mlsim_workloads::checkpoint::format::Codec;
use mlsim_workloads::checkpoint::save_state;
use serde::Serialize;

use super::{Common, WithPipeline, with_pipeline};

#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    /// Frames to time (after one warm-up frame).
    #[arg(long, default_value_t = 20)]
    frames: u64,
    /// Checkpoints to time.
    #[arg(long, default_value_t = 50)]
    checkpoints: u32,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    common: Common,
}

/// Milliseconds: mean, median, min, max.
#[derive(Debug, Serialize)]
struct Stats {
    mean: f64,
    median: f64,
    min: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let n = v.len().max(1) as f64;
    Stats {
        mean: v.iter().sum::<f64>() / n,
        median: v.get(v.len() / 2).copied().unwrap_or(f64::NAN),
        min: v.first().copied().unwrap_or(f64::NAN),
        max: v.last().copied().unwrap_or(f64::NAN),
    }
}

#[derive(Debug, Serialize)]
struct Report {
    pipeline: &'static str,
    release_build: bool,
    model_load_ms: f64,
    frames: u64,
    frame_ms: Stats,
    build_frame_ms: Stats,
    detect_ms: Stats,
    landmarks_ms: Stats,
    encode_ms: Stats,
    rss_kib: u64,
    peak_rss_kib: u64,
    faces_in_state: usize,
    state_raw_bytes: u64,
    state_file_bytes: u64,
    checkpoint_ms: Stats,
    serialize_ms: Stats,
}

struct Job {
    args: BenchArgs,
}

pub(crate) fn bench(args: BenchArgs) -> anyhow::Result<i32> {
    let common = args.common.clone();
    with_pipeline(&common, Job { args })
}

fn ms(a: Instant, b: Instant) -> f64 {
    b.duration_since(a).as_secs_f64() * 1e3
}

impl WithPipeline for Job {
    fn call<P: FacePipeline>(self, pipeline: P, load_ms: f64) -> anyhow::Result<i32> {
        let Job { args } = self;
        let name = pipeline.name();
        let spec = args.common.camera(CameraSpec::default());
        let total = args.frames + 1;
        let mut w = FaceWorkload::new(pipeline, args.common.photo_set()?, spec, total)?;
        let (mut frame, mut build, mut det, mut lm, mut enc) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for k in 0..total {
            let start = Instant::now();
            let mut marks = [start; 4];
            let mut at = |p: SafePoint| {
                let i = match p {
                    SafePoint::BeforeFrame => 0,
                    SafePoint::FrameBuilt => 1,
                    SafePoint::AfterDetect => 2,
                    SafePoint::AfterLandmarks => 3,
                };
                marks[i] = Instant::now();
                false
            };
            let step = w.advance(&mut at)?;
            let end = Instant::now();
            anyhow::ensure!(matches!(step, Advance::Frame(_)), "bench frame stopped");
            if k == 0 {
                continue; // warm-up
            }
            build.push(ms(marks[0], marks[1]));
            det.push(ms(marks[1], marks[2]));
            lm.push(ms(marks[2], marks[3]));
            enc.push(ms(marks[3], end));
            frame.push(ms(start, end));
        }
        let mem = mlsim_face::procstat::memory().unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("mlsim-face-bench-{}.ckpt", std::process::id()));
        let (mut ck, mut ser) = (Vec::new(), Vec::new());
        let mut sizes = (0, 0);
        for _ in 0..args.checkpoints.max(1) {
            let s = save_state(mlsim_face::resumable::APP, w.state(), &path, Codec::Lz4)?;
            ck.push(s.total_ns as f64 / 1e6);
            ser.push(s.serialize_ns as f64 / 1e6);
            sizes = (s.raw_bytes, s.file_bytes);
        }
        let _ = std::fs::remove_file(&path);
        let report = Report {
            pipeline: name,
            release_build: !cfg!(debug_assertions),
            model_load_ms: load_ms,
            frames: args.frames,
            frame_ms: stats(frame),
            build_frame_ms: stats(build),
            detect_ms: stats(det),
            landmarks_ms: stats(lm),
            encode_ms: stats(enc),
            rss_kib: mem.rss_kib,
            peak_rss_kib: mem.peak_rss_kib,
            faces_in_state: w.state().last.len(),
            state_raw_bytes: sizes.0,
            state_file_bytes: sizes.1,
            checkpoint_ms: stats(ck),
            serialize_ms: stats(ser),
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print_table(&report);
        }
        Ok(0)
    }
}

fn print_table(r: &Report) {
    let row = |name: &str, s: &Stats| {
        println!(
            "  {name:<22} mean {:>8.3}  median {:>8.3}  min {:>8.3}  max {:>8.3}",
            s.mean, s.median, s.min, s.max
        )
    };
    println!(
        "face workload, {} pipeline, {} build, {} frames of 640x480",
        r.pipeline,
        if r.release_build { "release" } else { "debug" },
        r.frames
    );
    println!("model load [ms]: {:.1}", r.model_load_ms);
    println!("per frame [ms]:");
    row("total", &r.frame_ms);
    row("build camera frame", &r.build_frame_ms);
    row("detect (HOG)", &r.detect_ms);
    row("landmarks (5-pt)", &r.landmarks_ms);
    row("encode (ResNet)", &r.encode_ms);
    println!(
        "resident memory: VmRSS {} KiB, VmHWM {} KiB",
        r.rss_kib, r.peak_rss_kib
    );
    println!(
        "μλ state: {} face(s), {} B serialized, {} B state file (lz4 + header)",
        r.faces_in_state, r.state_raw_bytes, r.state_file_bytes
    );
    println!("μλ checkpoint [ms] (serialize + compress + atomic durable write):");
    row("checkpoint", &r.checkpoint_ms);
    row("of which serialize", &r.serialize_ms);
}
