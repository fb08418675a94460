//! The suspend study (seed 000) through `mlsim emu run`, as root (skipped loudly otherwise; a
//! failure under `MLSIM_REQUIRE_EMU=1`): `experiments/iot-suspend-emu.toml` made small (one
//! replication, 3 functions of 40 MiB on a 128-MiB BBU, 2 events each, pause and CRIU). Every event is served
//! in both modes (each emulated burst checks its function's memory), the paused functions
//! never leave the memory they were admitted to while CRIU's do, and `mlsim compare` puts the
//! two folders side by side per metric.

use crate::emu_common::{mlsim, rows, setup, tempdir};

fn spec() -> String {
    let full = std::fs::read_to_string(crate::repo().join("experiments/iot-suspend-emu.toml"))
        .expect("experiments/iot-suspend-emu.toml");
    let small = full
        .replace("replications = 2", "replications = 1")
        .replace("count = 6", "count = 3\nmemory_mib = 40")
        .replace("events = 4", "events = 2")
        .replace(
            "bbu = { memory_gib = [0.25, 0.5] }",
            "bbu = { memory_gib = [0.125] }",
        )
        .replace(
            "suspend = { method = [\"none\", \"pause\", \"docker\", \"criu\", \"microlambda\"] }",
            "suspend = { method = [\"pause\", \"criu\"] }",
        )
        .replace(
            "figures = [\"suspend-fit\", \"suspend-wake\", \"suspend-cost\"]",
            "figures = []",
        );
    assert!(
        small.contains("memory_mib = 40")
            && small.contains("[0.125]")
            && small.contains("replications = 1")
    );
    small
}

#[test]
fn the_emulated_suspend_study_serves_every_event_and_compares_with_the_simulator() {
    let Some((_g, workload)) = setup("the suspend study through mlsim emu run") else {
        return;
    };
    let d = tempdir("suspend");
    let spec_path = d.0.join("iot.toml");
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
        let ev = rows(&dir.join("events.csv"));
        assert_eq!(ev.len(), 2 * 3 * 2, "2 points × 3 functions × 2 events");
        assert!(
            ev.iter().all(|e| !e["response_s"].is_empty()),
            "every event served: {ev:?}"
        );
    }
    // All three fit: under pause the cgroup holds all three all along (its peak ≥ 90 % of
    // 120 MiB); CRIU frees the memory between events, so its time-average is lower.
    let mem = rows(&emu.join("memory.csv"));
    let of = |m: &str, col: &str| -> f64 {
        mem.iter()
            .find(|r| r["method"] == m)
            .unwrap_or_else(|| panic!("{m} row"))[col]
            .parse()
            .expect(col)
    };
    assert!(of("pause", "measured_peak_mib") >= 0.9 * 120.0, "{mem:?}");
    assert!(
        of("criu", "measured_mean_mib") < of("pause", "measured_mean_mib"),
        "{mem:?}"
    );
    let c = rows(&cmp.join("compare-suspend.csv"));
    assert_eq!(c.len(), 2 * 9);
    let served: Vec<_> = c.iter().filter(|r| r["metric"] == "served").collect();
    assert!(served.iter().all(|r| r["err_pct"] == "0.000"), "{served:?}");
    assert!(table.contains("suspend_s") && table.contains("|error| median"));
}
