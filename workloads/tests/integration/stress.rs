//! Stress classification: the stress tests.

use std::sync::{Arc, OnceLock};

use mlsim_workloads::stress::svm::{TrainReport, train_synthetic};
use mlsim_workloads::stress::synth::{PhysioParams, generate};
use mlsim_workloads::stress::{
    Classifier, StressConfig, StressInput, StressWorkload, WindowExtractor,
};
use proptest::prelude::*;
use rand::SeedableRng;

use crate::common::{data_file, run_all, run_with_checkpoints};

fn trained() -> &'static (Arc<Classifier>, TrainReport) {
    static C: OnceLock<(Arc<Classifier>, TrainReport)> = OnceLock::new();
    C.get_or_init(|| {
        let (c, r) = train_synthetic(60, 50, 1000.0, 42).unwrap();
        (Arc::new(c), r)
    })
}

fn params(hr: f64, rsp: f64) -> PhysioParams {
    PhysioParams {
        hr_bpm: hr,
        sdnn_ms: 5.0,
        lf_hf: 1.0,
        rsp_rate_bpm: rsp,
        rsp_cv: 0.02,
    }
}

/// Heart rate from a synthetic ECG of known rate is within 1 bpm, and respiration rate from a
/// synthetic respiration signal of known rate within 1 breath/min, over the physiological range.
#[test]
fn heart_and_breathing_rate_within_one_per_minute() {
    let ex = WindowExtractor::new(1000.0).unwrap();
    for (i, (hr, br)) in [
        (48.0, 8.0),
        (60.0, 12.0),
        (72.0, 15.0),
        (95.0, 20.0),
        (120.0, 26.0),
    ]
    .into_iter()
    .enumerate()
    {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + i as u64);
        let rec = generate(&[(120.0, params(hr, br))], 1000.0, &mut rng);
        let f = ex.window_features(&rec.ecg, &rec.rsp).expect("features");
        assert!(
            (f.hr_bpm - hr).abs() <= 1.0,
            "HR {} for a {hr}-bpm ECG",
            f.hr_bpm
        );
        assert!(
            (f.rsp_rate_bpm - br).abs() <= 1.0,
            "breathing {} for {br}/min",
            f.rsp_rate_bpm
        );
        // Every true beat is found (within 20 ms), and nothing else.
        let (r, _) = ex.events(&rec.ecg, &rec.rsp);
        let inner: Vec<u64> = rec
            .r_peaks
            .iter()
            .copied()
            .filter(|&t| t > 1000 && t < 119_000)
            .collect();
        let found = inner
            .iter()
            .filter(|&&t| r.iter().any(|&p| (p as i64 - t as i64).abs() <= 20))
            .count();
        assert_eq!(
            found,
            inner.len(),
            "{hr} bpm: found {found} of {} beats",
            inner.len()
        );
    }
}

#[test]
fn svm_held_out_accuracy_is_at_least_0_9() {
    let (_, report) = trained();
    eprintln!("stress SVM on synthetic windows: {report:?}");
    assert!(report.held_out_accuracy >= 0.9, "{report:?}");
}

fn small_stream() -> StressWorkload {
    static INPUT: OnceLock<StressInput> = OnceLock::new();
    let input = INPUT
        .get_or_init(|| StressInput::synthetic(2, 180.0, 9).unwrap())
        .clone();
    StressWorkload::new(input, trained().0.clone(), &StressConfig::default()).unwrap()
}

#[test]
fn stream_classifies_synthetic_blocks() {
    let out = run_all(small_stream());
    assert_eq!(out.len(), 9); // (360 - 120) / 30 + 1
    for o in &out {
        let f = o.features.expect("features in every window");
        assert!((40.0..140.0).contains(&f.hr_bpm), "{o:?}");
    }
    // The first window is pure calm, the last pure stress.
    assert_eq!(out[0].stressed, Some(false), "{:?}", out[0]);
    assert_eq!(out[8].stressed, Some(true), "{:?}", out[8]);
}

/// Worker count does not change the result (pieces are aligned to the stream).
#[test]
fn workers_do_not_change_output() {
    let one = {
        let input = StressInput::synthetic(1, 180.0, 5).unwrap();
        run_all(
            StressWorkload::new(input, trained().0.clone(), &StressConfig { workers: 1 }).unwrap(),
        )
    };
    let four = {
        let input = StressInput::synthetic(1, 180.0, 5).unwrap();
        run_all(
            StressWorkload::new(input, trained().0.clone(), &StressConfig { workers: 4 }).unwrap(),
        )
    };
    assert_eq!(one, four);
}

#[test]
fn real_systole_recording_gives_plausible_features() {
    let Some(ecg) = data_file("stress/systole/Task1_ECG.npy") else {
        return;
    };
    let dir = ecg.parent().unwrap().to_owned();
    let mut input = StressInput::systole(&dir).unwrap();
    input.truncate_windows(6);
    let out =
        run_all(StressWorkload::new(input, trained().0.clone(), &StressConfig::default()).unwrap());
    assert_eq!(out.len(), 6);
    for o in &out {
        let f = o.features.expect("features");
        // workload-data.md measured HR 73–78 bpm and breathing 15–20/min on this recording.
        assert!(
            (60.0..95.0).contains(&f.hr_bpm) && (10.0..25.0).contains(&f.rsp_rate_bpm),
            "{f:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]
    /// Interrupted at random safe points and resumed from the state file, stress classification
    /// produces exactly the output of an uninterrupted run.
    #[test]
    fn resume_equivalence(segments in prop::collection::vec(0u64..5, 1..4)) {
        static FULL: OnceLock<Vec<mlsim_workloads::stress::StressOutput>> = OnceLock::new();
        let full = FULL.get_or_init(|| run_all(small_stream()));
        let (resumed, cps) = run_with_checkpoints(small_stream, &segments);
        prop_assert!(cps >= 1);
        prop_assert_eq!(&resumed, full);
    }
}
