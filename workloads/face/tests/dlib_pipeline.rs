//! The real dlib pipeline on the vendored photos (feature `dlib`).
//!
//! Needs the models from `scripts/setup-face.sh`. Without them every test here prints a loud
//! SKIPPED line and passes, unless `MLSIM_REQUIRE_DATA=1`, in which case it fails.
#![cfg(feature = "dlib")]

use mlsim_face::pipelines::dlib::DlibPipeline;
use mlsim_face::{
    Advance, CameraSpec, FaceError, FacePipeline, FaceState, FaceWorkload, ModelPaths, PhotoSet,
    SAME_PERSON_THRESHOLD, SafePoint,
};
use mlsim_workloads::checkpoint::{CheckpointRequest, Resumable, RunOutcome, Runner, load_state};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The dlib pipeline, or `None` (after a loud message) when the models are not installed.
fn pipeline(test: &str) -> Option<DlibPipeline> {
    match DlibPipeline::open(&ModelPaths::from_env()) {
        Ok(p) => Some(p),
        Err(e @ FaceError::ModelMissing { .. }) => {
            // The workspace's one skip rule: a loud banner, a failure under MLSIM_REQUIRE_DATA=1.
            mlsim_datasets::testing::skip(&format!("{test}: the dlib models"), &e.to_string());
            None
        }
        Err(e) => panic!("{test}: {e}"),
    }
}

#[test]
fn same_person_photos_match_and_different_people_do_not() {
    let Some(p) = pipeline("same_person_photos_match_and_different_people_do_not") else {
        return;
    };
    let set = PhotoSet::vendored().expect("photos");
    let mut enc = Vec::new();
    for (name, identity, _) in mlsim_face::photos::VENDORED {
        let photo = set.photo(name).expect("vendored");
        let faces = p.encode_frame(&photo.image).expect("encode");
        assert_eq!(
            faces.len(),
            1,
            "{name}: expected one face, found {}",
            faces.len()
        );
        enc.push((name, identity, faces.into_iter().next().expect("one face")));
    }
    for (i, (na, ia, ea)) in enc.iter().enumerate() {
        for (nb, ib, eb) in &enc[i + 1..] {
            let d = ea.distance(eb);
            eprintln!("distance {na:>12} vs {nb:<12} {d:.3}");
            if ia == ib {
                assert!(
                    d < SAME_PERSON_THRESHOLD,
                    "{na} vs {nb}: same person but distance {d:.3}"
                );
            } else {
                assert!(
                    d >= SAME_PERSON_THRESHOLD,
                    "{na} vs {nb}: different people but distance {d:.3}"
                );
            }
        }
    }
}

#[test]
fn jittered_camera_frames_match_exactly_when_the_person_stays() {
    let Some(p) = pipeline("jittered_camera_frames_match_exactly_when_the_person_stays") else {
        return;
    };
    let spec = CameraSpec {
        seed: 5,
        scene_len: 2,
        ..CameraSpec::default()
    };
    let mut w =
        FaceWorkload::new(p, PhotoSet::vendored().expect("photos"), spec, 16).expect("workload");
    let out = w.run_until(16, &mut |_| false).expect("run");
    let (mut same, mut diff) = (0, 0);
    for pair in out.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert_eq!(b.faces, 1, "frame {}: {} faces", b.frame, b.faces);
        let truth = a.identity == b.identity;
        eprintln!(
            "frame {:>2} {:>7} -> {:<7} ({:<12}) distance {:.3} same={}",
            b.frame,
            a.identity,
            b.identity,
            b.photo,
            b.best_distance.unwrap_or(f64::NAN),
            b.same_person
        );
        assert_eq!(
            b.same_person, truth,
            "frame {}: {} after {}",
            b.frame, b.identity, a.identity
        );
        if truth { same += 1 } else { diff += 1 }
    }
    assert!(
        same > 3 && diff > 3,
        "the sequence should have both kinds of pairs ({same}, {diff})"
    );
}

#[test]
fn resumed_at_random_safe_points_gives_identical_outputs() {
    let Some(p) = pipeline("resumed_at_random_safe_points_gives_identical_outputs") else {
        return;
    };
    const N: u64 = 8;
    let spec = CameraSpec {
        seed: 9,
        ..CameraSpec::default()
    };
    let photos = PhotoSet::vendored().expect("photos");
    let mut w = FaceWorkload::new(p, photos.clone(), spec.clone(), N).expect("workload");
    let full = w.run_until(N, &mut |_| false).expect("full");
    let mut pipeline = Some(into_pipeline(w));

    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for trial in 0..3 {
        // stop at the n-th safe point, n drawn at random over the whole run (4 per frame)
        let n: u32 = rng.random_range(0..(4 * N as u32));
        let mut seen = 0u32;
        let mut w = FaceWorkload::new(
            pipeline.take().expect("pipeline"),
            photos.clone(),
            spec.clone(),
            N,
        )
        .expect("workload");
        let mut out = w
            .run_until(N, &mut |_: SafePoint| {
                seen += 1;
                seen > n
            })
            .expect("head");
        let bytes = serde_json::to_vec(w.state()).expect("serialize state");
        let state: FaceState = serde_json::from_slice(&bytes).expect("state");
        let mut r =
            FaceWorkload::resume(into_pipeline(w), photos.clone(), state, N).expect("resume");
        out.extend(r.run_until(N, &mut |_| false).expect("tail"));
        assert_eq!(out, full, "trial {trial}: stopped at safe point {n}");
        pipeline = Some(into_pipeline(r));
    }
    // the models give bit-identical encodings run after run
    let mut again =
        FaceWorkload::new(pipeline.take().expect("pipeline"), photos, spec, N).expect("w");
    assert_eq!(
        again.advance(&mut |_| false).expect("step"),
        Advance::Frame(full[0].clone())
    );
}

#[test]
fn checkpoint_file_through_the_shared_runner_resumes_exactly() {
    let Some(p) = pipeline("checkpoint_file_through_the_shared_runner_resumes_exactly") else {
        return;
    };
    const N: u64 = 6;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("face.ckpt");
    let spec = CameraSpec {
        seed: 21,
        ..CameraSpec::default()
    };
    let photos = PhotoSet::vendored().expect("photos");

    let mut w = FaceWorkload::new(p, photos.clone(), spec.clone(), N).expect("workload");
    let mut full = Vec::new();
    let done = Runner::new(CheckpointRequest::new(), &path)
        .run(&mut w, |o| {
            full.push(o);
            Ok(())
        })
        .expect("run");
    assert_eq!(done, RunOutcome::Finished { items: N });

    let mut w =
        FaceWorkload::new(w.into_pipeline(), photos.clone(), spec.clone(), N).expect("workload");
    let mut out = Vec::new();
    let runner = Runner::new(CheckpointRequest::new(), &path).checkpoint_after_items(Some(4));
    let RunOutcome::Checkpointed(report) = runner
        .run(&mut w, |o| {
            out.push(o);
            Ok(())
        })
        .expect("run")
    else {
        panic!("expected a checkpoint")
    };
    eprintln!(
        "checkpoint: {} B on disk ({} B raw) in {} us",
        report.compressed_bytes,
        report.raw_bytes,
        report.checkpoint_ns / 1000
    );
    assert!(
        report.compressed_bytes < 128 * 1024,
        "the paper's bound for face: < 128 KB"
    );

    let mut r = FaceWorkload::new(w.into_pipeline(), photos, spec, N).expect("workload");
    r.restore(load_state::<FaceWorkload<DlibPipeline>>(&path).expect("load"))
        .expect("restore");
    let rest = Runner::new(CheckpointRequest::new(), &path)
        .run(&mut r, |o| {
            out.push(o);
            Ok(())
        })
        .expect("rest");
    assert_eq!(rest, RunOutcome::Finished { items: N - 4 });
    assert_eq!(out, full);
}

fn into_pipeline(w: FaceWorkload<DlibPipeline>) -> DlibPipeline {
    w.into_pipeline()
}

#[test]
fn corrupt_model_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = ModelPaths::in_dir(dir.path());
    std::fs::write(&paths.landmarks, b"not a dlib model").expect("write");
    std::fs::write(&paths.encoder, b"not a dlib model either").expect("write");
    let err = DlibPipeline::open(&paths).expect_err("garbage models");
    assert!(matches!(err, FaceError::ModelLoad { .. }), "{err}");
    assert!(err.to_string().contains("setup-face.sh"), "{err}");
}
