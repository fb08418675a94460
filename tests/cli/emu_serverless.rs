//! The serverless study (seed 004) through `mlsim emu run`, as root (skipped loudly otherwise;
//! a failure under `MLSIM_REQUIRE_EMU=1`): `experiments/prewarm-emu.toml` made small (two
//! sensors, 4 readings each, no jitter or bursts, no Poisson function; keep-alive 10 s and 0).
//! Both modes serve every invocation with the same warm/cold pattern (a 10 s keep-alive makes
//! only each sensor's first reading cold; a keep-alive of 0 makes every one cold), and
//! `mlsim compare` puts the two folders side by side per metric.

use crate::emu_common::{mlsim, rows, setup, tempdir};

fn spec() -> String {
    let full = std::fs::read_to_string(crate::repo().join("experiments/prewarm-emu.toml"))
        .expect("experiments/prewarm-emu.toml");
    let cut = full
        .find("[[serverless.functions]]\nname = \"poisson\"")
        .expect("poisson");
    let sweep = full.find("[[sweep]]").expect("sweep");
    let small = format!(
        "{}[[sweep]]\nserverless = {{ policy = [\"fixed\"], keep_alive_s = [10, 0] }}\n",
        &full[..cut.min(sweep)]
    )
    .replace("replications = 3", "replications = 1")
    .replace("count = 4", "count = 2")
    .replace("invocations = 12", "invocations = 4")
    .replace("jitter_s = 0.5", "jitter_s = 0")
    .replace("burst_p = 0.1", "burst_p = 0")
    .replace(
        "figures = [\"serverless-tradeoff\", \"serverless-cold\"]",
        "figures = []",
    );
    assert!(
        small.contains("count = 2")
            && small.contains("keep_alive_s = [10, 0]")
            && small.contains("replications = 1")
    );
    small
}

#[test]
fn the_emulated_serverless_study_keeps_warm_what_the_simulator_keeps_warm() {
    let Some((_g, workload)) = setup("the serverless study through mlsim emu run") else {
        return;
    };
    let d = tempdir("serverless");
    let spec_path = d.0.join("prewarm.toml");
    std::fs::write(&spec_path, spec()).expect("spec");
    let (emu, sim, cmp) = (d.0.join("emu"), d.0.join("sim"), d.0.join("cmp"));
    let run = |args: &[&str]| {
        let out = mlsim(&workload).args(args).output().expect("mlsim runs");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        eprintln!("{err}");
        assert!(out.status.success(), "mlsim {args:?}: {err}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let p = |x: &std::path::Path| x.to_string_lossy().into_owned();
    run(&["emu", "run", &p(&spec_path), "--out", &p(&emu)]);
    run(&["run", &p(&spec_path), "--out", &p(&sim), "-q"]);
    let table = run(&["compare", &p(&sim), &p(&emu), "--out", &p(&cmp)]);
    eprintln!("{table}");
    for dir in [&emu, &sim] {
        let calls = rows(&dir.join("calls.csv"));
        assert_eq!(
            calls.len(),
            16,
            "{}: 2 points × 2 sensors × 4",
            dir.display()
        );
        // Point 0 (runs 0): keep-alive 10 s, readings 4 s apart: only the first of each
        // sensor is cold; point 1 (run 1): keep-alive 0: all cold.
        let cold = |run: &str| {
            calls
                .iter()
                .filter(|c| c["run"] == run && c["cold"] == "true")
                .count()
        };
        assert_eq!((cold("0"), cold("1")), (2, 8), "{}", dir.display());
    }
    let summary = rows(&cmp.join("compare-serverless-summary.csv"));
    let metrics: Vec<&str> = summary.iter().map(|r| r["metric"].as_str()).collect();
    assert!(metrics.contains(&"cold_ratio") && metrics.contains(&"cold_start_s"));
    let cold = summary
        .iter()
        .find(|r| r["metric"] == "cold_ratio")
        .expect("cold_ratio");
    assert_eq!(
        cold["max_abs_err_pct"], "0.000",
        "same cold pattern: {cold:?}"
    );
}
