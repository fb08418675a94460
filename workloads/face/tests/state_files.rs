//! State files of the face workload through the shared contract, with the mock pipeline (no dlib
//! or models needed): resume equivalence at random cut points, and clear errors for damaged
//! files.

use mlsim_face::pipelines::mock::MockPipeline;
use mlsim_face::{CameraSpec, FaceWorkload, FrameOutcome, PhotoSet};
use mlsim_workloads::checkpoint::{
    CheckpointError, CheckpointRequest, Resumable, RunOutcome, Runner, load_state,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const N: u64 = 12;

fn workload(photos: &PhotoSet) -> FaceWorkload<MockPipeline> {
    let spec = CameraSpec {
        seed: 33,
        scene_len: 2,
        ..CameraSpec::default()
    };
    FaceWorkload::new(MockPipeline, photos.clone(), spec, N).expect("workload")
}

fn run_all(w: &mut FaceWorkload<MockPipeline>, path: &std::path::Path) -> Vec<FrameOutcome> {
    let mut out = Vec::new();
    Runner::new(CheckpointRequest::new(), path)
        .run(w, |o| {
            out.push(o);
            Ok(())
        })
        .expect("run");
    out
}

#[test]
fn interrupted_at_random_safe_points_and_resumed_equals_uninterrupted() {
    let photos = PhotoSet::vendored().expect("photos");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("face.ckpt");
    let full = run_all(&mut workload(&photos), &path);
    assert_eq!(full.len() as u64, N);

    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..16 {
        // one or more interruptions at random frames
        let mut out = Vec::new();
        let mut w = workload(&photos);
        loop {
            let cut = rng.random_range(0..=3u64);
            let runner =
                Runner::new(CheckpointRequest::new(), &path).checkpoint_after_items(Some(cut));
            match runner
                .run(&mut w, |o| {
                    out.push(o);
                    Ok(())
                })
                .expect("run")
            {
                RunOutcome::Finished { .. } => break,
                RunOutcome::Checkpointed(rep) => {
                    assert!(rep.compressed_bytes < 128 * 1024);
                    // a brand-new process: same inputs, state from the file
                    w = workload(&photos);
                    w.restore(load_state::<FaceWorkload<MockPipeline>>(&path).expect("load"))
                        .expect("restore");
                }
            }
        }
        assert_eq!(out, full);
    }
}

#[test]
fn truncated_or_corrupt_state_file_is_a_clear_error() {
    let photos = PhotoSet::vendored().expect("photos");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("face.ckpt");
    let mut w = workload(&photos);
    let runner = Runner::new(CheckpointRequest::new(), &path).checkpoint_after_items(Some(5));
    assert!(matches!(
        runner.run(&mut w, |_| Ok(())).expect("run"),
        RunOutcome::Checkpointed(_)
    ));
    let bytes = std::fs::read(&path).expect("read");

    std::fs::write(&path, &bytes[..bytes.len() - 7]).expect("truncate");
    let err = load_state::<FaceWorkload<MockPipeline>>(&path).expect_err("truncated");
    assert!(matches!(err, CheckpointError::Truncated { .. }), "{err}");
    assert!(
        err.to_string().contains("truncated") && err.to_string().contains("face.ckpt"),
        "{err}"
    );

    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x10;
    std::fs::write(&path, &flipped).expect("flip");
    let err = load_state::<FaceWorkload<MockPipeline>>(&path).expect_err("corrupt");
    assert!(matches!(err, CheckpointError::Corrupt { .. }), "{err}");
}
