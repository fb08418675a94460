//! The whole pipeline on the mock backend, without root: spec → backend → records → result
//! folder → summaries → figures, resume, failed and interrupted runs.

use mlsim_core::backend::{Backend, RunError, RunKind, RunPlan, RunSummary};
use mlsim_core::record::{Mode, RequestRecord, RunRecord};
use mlsim_core::scenario::Scenario;
use mlsim_core::sink::RecordSink;
use mlsim_experiment::runner::{RunEvent, SweepOutcome, run_all};
use mlsim_experiment::summary::read_csv;
use mlsim_experiment::testing::MockBackend;
use mlsim_experiment::{Spec, pipeline, spec};
use std::path::Path;
use std::sync::Mutex;

/// 2 item counts × (long-running + μλ at 2 limits) × 3 replications = 18 runs of 2 requests.
const SPEC: &str = r#"
[experiment]
name = "mock"
model = "paper"
seed = 11
replications = 3
figures = ["fig6", "fig7"]

[topology]
bbus = 3
workers = [1, 2]

[workload]
app = "taxi"
requests = 2

[[sweep]]
workload = { items = [3, 6] }
checkpoint = { method = ["long_running"] }

[[sweep]]
workload = { items = [3, 6] }
checkpoint = { method = ["microlambda"], r_limit_s = [1.5, 4.0] }
"#;

fn load(dir: &Path) -> Spec {
    let path = dir.join("mock.toml");
    std::fs::write(&path, SPEC).unwrap();
    spec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `s` through `backend` into `root`; returns the outcome and the runs in the order they
/// finished.
fn sweep(
    s: &Spec,
    root: &Path,
    backend: &dyn Backend,
    jobs: Option<usize>,
) -> (SweepOutcome, Vec<u32>) {
    let order = Mutex::new(Vec::new());
    let p = pipeline::prepare(s, root, backend).unwrap();
    let progress = |e: &RunEvent<'_>| {
        if let RunEvent::Finished { record, .. } = e {
            order.lock().unwrap().push(record.run);
        }
    };
    let o = run_all(s, &p.dir, backend, p.resumed, jobs, &progress).unwrap();
    let f = pipeline::finish(s, &p.dir, backend, &o).unwrap();
    for (name, drawn) in f.figures {
        let drawn = drawn.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(drawn.iter().all(|p| p.is_file()), "{name}");
    }
    (o, order.into_inner().unwrap())
}

#[test]
fn mock_drives_spec_to_figures_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    assert_eq!(s.runs().len(), 18);
    let par = tmp.path().join("par");
    let (o, _) = sweep(&s, &par, &MockBackend::new(Mode::Sim), None);
    assert!(o.success(), "{o:?}");
    assert_eq!((o.total, o.skipped), (18, 0));
    let runs: Vec<RunRecord> = read_csv(&par.join("runs.csv")).unwrap();
    assert_eq!(runs.len(), 18);
    assert!(runs.iter().enumerate().all(|(i, r)| r.run == i as u32));
    let requests: Vec<RequestRecord> = read_csv(&par.join("requests.csv")).unwrap();
    assert_eq!(requests.len(), 36, "2 requests per run");
    // One summary row per point; the manifest names the backend.
    let summary = std::fs::read_to_string(par.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 1 + 6);
    let manifest = std::fs::read_to_string(par.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"backend\": \"mock\""), "{manifest}");
    assert!(manifest.contains("\"status\": \"complete\""), "{manifest}");
    for f in ["fig6.svg", "fig6.png", "fig7.svg"] {
        assert!(par.join(f).is_file(), "{f}");
    }
    // One thread gives the same bytes as all cores.
    let one = tmp.path().join("one");
    sweep(&s, &one, &MockBackend::new(Mode::Sim), Some(1));
    for f in [
        "runs.csv",
        "requests.csv",
        "checkpoints.csv",
        "bbus.csv",
        "summary.csv",
    ] {
        assert_eq!(
            std::fs::read(par.join(f)).unwrap(),
            std::fs::read(one.join(f)).unwrap(),
            "{f}"
        );
    }
    // A finished folder resumes to nothing to do.
    let (o, order) = sweep(&s, &par, &MockBackend::new(Mode::Sim), None);
    assert_eq!((o.skipped, order.len()), (18, 0));
    // `mlsim plot`: summaries and the spec's figures again, from the CSVs alone.
    std::fs::remove_file(par.join("fig6.svg")).unwrap();
    let r = mlsim_experiment::figures::redraw(&par, &[], mlsim_plots::FigureSize::Screen).unwrap();
    assert!(r.drawn.contains(&par.join("fig6.svg")), "{:?}", r.drawn);
    assert!(r.skipped.is_empty());
}

#[test]
fn a_sequential_backend_runs_in_order_and_failed_runs_are_redone_on_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let root = tmp.path().join("emu");
    let mut failing = MockBackend::new(Mode::Emu);
    assert!(failing.sequential);
    failing.fail_runs = vec![4, 9];
    let (o, order) = sweep(&s, &root, &failing, None);
    assert_eq!(
        order,
        (0..18).collect::<Vec<u32>>(),
        "one at a time, in run order"
    );
    assert_eq!(
        o.failed,
        vec![
            (4, "failed: mock failure".to_string()),
            (9, "failed: mock failure".to_string())
        ]
    );
    assert_eq!(o.status(), "some runs failed");
    let runs: Vec<RunRecord> = read_csv(&root.join("runs.csv")).unwrap();
    assert_eq!(runs[4].status, "failed: mock failure");
    let requests: Vec<RequestRecord> = read_csv(&root.join("requests.csv")).unwrap();
    assert!(requests.iter().all(|q| q.mode == Mode::Emu && q.run != 4));
    // The resume does only the failed runs.
    let (o, order) = sweep(&s, &root, &MockBackend::new(Mode::Emu), None);
    assert_eq!(order, vec![4, 9]);
    assert!(o.success());
    assert_eq!(o.skipped, 16);
}

/// The mock, interrupted (as by Ctrl-C) when run `at` starts.
struct StopAt {
    inner: MockBackend,
    at: u32,
}

impl Backend for StopAt {
    fn name(&self) -> &str {
        "stop-at"
    }
    fn sequential(&self) -> bool {
        true
    }
    fn run(
        &self,
        kind: RunKind,
        sc: &Scenario,
        plan: &RunPlan,
        sink: &mut dyn RecordSink,
    ) -> Result<RunSummary, RunError> {
        if plan.run == self.at {
            return Err(RunError::Interrupted);
        }
        self.inner.run(kind, sc, plan, sink)
    }
}

#[test]
fn an_interrupted_sweep_keeps_finished_runs_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let root = tmp.path().join("int");
    let stop = StopAt {
        inner: MockBackend::new(Mode::Emu),
        at: 5,
    };
    let (o, order) = sweep(&s, &root, &stop, None);
    assert_eq!(order, vec![0, 1, 2, 3, 4]);
    assert_eq!(
        (o.status(), o.stopped.as_deref()),
        ("interrupted", Some("interrupted"))
    );
    assert!(!o.success());
    let runs: Vec<RunRecord> = read_csv(&root.join("runs.csv")).unwrap();
    assert_eq!(runs.len(), 5, "the interrupted run is not written");
    let manifest = std::fs::read_to_string(root.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"status\": \"interrupted\""));
    let (o, order) = sweep(&s, &root, &MockBackend::new(Mode::Emu), None);
    assert_eq!(order, (5..18).collect::<Vec<u32>>());
    assert!(o.success());
}

#[test]
fn a_probe_spec_goes_through_the_backend_too() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("probe.toml");
    std::fs::write(
        &path,
        "[experiment]\nname = \"probe\"\nkind = \"checkpoint_probe\"\nsamples = 4\nmodel = \"paper\"\n\n[workload]\napp = \"stress\"\nitems = 10\n\n[checkpoint]\nr_limit_s = 5.0\n\n[[sweep]]\ncheckpoint = { method = [\"microlambda\", \"criu\"] }\n",
    )
    .unwrap();
    let s = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.kind, RunKind::CheckpointProbe { samples: 4 });
    let root = tmp.path().join("out");
    let (o, _) = sweep(&s, &root, &MockBackend::new(Mode::Sim), None);
    assert!(o.success());
    let runs: Vec<RunRecord> = read_csv(&root.join("runs.csv")).unwrap();
    assert!(runs.iter().all(|r| r.events == 4));
    let ckpts = std::fs::read_to_string(root.join("checkpoints.csv")).unwrap();
    assert_eq!(ckpts.lines().count(), 1 + 2 * 4);
}

#[test]
fn compare_puts_a_mock_sim_folder_against_a_mock_emu_folder() {
    use mlsim_experiment::compare::GridComparison;
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let (sim, emu) = (tmp.path().join("sim"), tmp.path().join("emu"));
    sweep(&s, &sim, &MockBackend::new(Mode::Sim), None);
    sweep(&s, &emu, &MockBackend::new(Mode::Emu), None);
    let c = GridComparison::read(&sim, &emu).unwrap();
    assert_eq!(c.name(), "mock");
    assert_eq!(c.points.len(), 6);
    // The mock makes the same numbers in both modes: no error anywhere.
    for p in &c.points {
        assert_eq!(p.status(), "ok");
        assert_eq!(p.exec_err_pct, Some(0.0), "point {}", p.point);
        assert_eq!(p.sim.exec_mean_s, p.emu.exec_mean_s);
        // Three replications: an interval.
        assert!(p.sim.exec_ci95_s.is_some_and(|h| h > 0.0));
    }
    let out = tmp.path().join("cmp");
    let w = c.write(&out).unwrap();
    assert!(w.files.iter().all(|f| f.is_file()), "{:?}", w.files);
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("sim_exec_ci95_s"));
    // Swapped folders are refused, naming the mode.
    let e = GridComparison::read(&emu, &sim).err().unwrap().to_string();
    assert!(e.contains("holds emu records"), "{e}");
    assert!(c.speeds.is_empty(), "{:?}", c.speeds);
}

/// A simulator's folder of the emulation's spec with other BBU speeds (the emulation host's)
/// is compared, and the differences are named; any other difference is refused.
#[test]
fn compare_accepts_specs_that_differ_in_bbu_speeds_only_and_names_them() {
    use mlsim_experiment::compare::GridComparison;
    let tmp = tempfile::tempdir().unwrap();
    let emu = tmp.path().join("emu");
    sweep(&load(tmp.path()), &emu, &MockBackend::new(Mode::Emu), None);
    let variant = |tag: &str, extra: &str| {
        let dir = tmp.path().join(tag);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mock.toml");
        std::fs::write(
            &path,
            SPEC.replace("[workload]", &format!("{extra}\n[workload]")),
        )
        .unwrap();
        let s = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let out = dir.join("sim");
        sweep(&s, &out, &MockBackend::new(Mode::Sim), None);
        out
    };
    // The emulation's spec leaves [bbu] to its defaults (speed 1).
    let slow = variant("slow", "[bbu]\nspeed = 0.6\n");
    let c = GridComparison::read(&slow, &emu).unwrap();
    assert_eq!(c.speeds, ["bbu.speed (only in the first)"]);
    assert_eq!(c.points.len(), 6);
    // Memory is not the host's speed: refused.
    let big = variant("big", "[bbu]\nmemory_gib = 3\n");
    let e = GridComparison::read(&big, &emu).err().unwrap().to_string();
    assert!(
        e.contains("come from different specs") && e.contains("memory_gib"),
        "{e}"
    );
}

#[test]
fn summary_ci_is_over_replications_not_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let root = tmp.path().join("ci");
    sweep(&s, &root, &MockBackend::new(Mode::Sim), None);
    let runs: Vec<RunRecord> = read_csv(&root.join("runs.csv")).unwrap();
    let requests: Vec<RequestRecord> = read_csv(&root.join("requests.csv")).unwrap();
    let rows = mlsim_experiment::summary::summarize(&runs, &requests, &[]);
    // Point 0 by hand: per replication (= run 0, 1, 2) the mean of its 2 requests, then the
    // mean and t(0.975, 2)·s/√3 of those three means.
    let means: Vec<f64> = (0..3)
        .map(|run| {
            let x: Vec<f64> = requests
                .iter()
                .filter(|q| q.run == run)
                .map(|q| q.exec_time_s)
                .collect();
            x.iter().sum::<f64>() / x.len() as f64
        })
        .collect();
    let m = means.iter().sum::<f64>() / 3.0;
    let sd = (means.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 2.0).sqrt();
    assert!((rows[0].exec_mean_s - m).abs() < 1e-12);
    let h = rows[0].exec_ci95_s.unwrap();
    assert!((h - 4.302652730 * sd / 3f64.sqrt()).abs() < 1e-12, "{h}");
}

// ---- Result folders that cannot be silently corrupted (issue 18) ----

/// Every merged CSV of a mock folder (all present for the mock spec).
const MERGED: &[&str] = &[
    "runs.csv",
    "requests.csv",
    "invocations.csv",
    "checkpoints.csv",
    "links.csv",
    "steps.csv",
    "bbus.csv",
    "summary.csv",
];

fn manifest(root: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn a_locked_folder_is_refused_naming_the_holders_pid() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let backend = MockBackend::new(Mode::Sim);
    let pid = std::process::id().to_string();
    // A folder being created: it exists, holds only the lock, and its holder has not yet
    // written .mlsim-spec. A second writer is refused by the lock, never as "not an mlsim
    // result folder".
    let root = tmp.path().join("new");
    std::fs::create_dir(&root).unwrap();
    let held = mlsim_experiment::folder::lock(&root).unwrap();
    let e = pipeline::prepare(&s, &root, &backend)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("is in use by") && e.contains(&format!("pid {pid}")),
        "{e}"
    );
    assert!(!e.contains("not an mlsim result folder"), "{e}");
    assert!(
        !root.join("manifest.json").exists(),
        "the refused writer wrote nothing"
    );
    drop(held);
    // Once free, the folder (only the lock file in it, and what a crash while creating it
    // leaves) counts as new.
    std::fs::write(root.join(".mlsim-spec.tmp4711"), "{\"spec_fing").unwrap();
    let p = pipeline::prepare(&s, &root, &backend).unwrap();
    assert!(!root.join(".mlsim-spec.tmp4711").exists());
    assert!(!p.resumed);
    // While a sweep holds it (prepare → runs → finish), another prepare is refused too.
    let e = pipeline::prepare(&s, &root, &backend)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains(&format!("pid {pid}")), "{e}");
    let (o, _) = pipeline::sweep(&s, &p, &backend, None, &|_| {}).unwrap();
    assert!(o.success());
    drop(p);
    // A folder of someone else's files is refused, and nothing is written into it.
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("photo.jpg"), "x").unwrap();
    let e = pipeline::prepare(&s, &foreign, &backend)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("is not an mlsim result folder"), "{e}");
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
    // And `mlsim plot`'s redraw takes it as well.
    let held = mlsim_experiment::folder::lock(&root).unwrap();
    let e = mlsim_experiment::figures::redraw(&root, &[], mlsim_plots::FigureSize::Screen)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains(&format!("pid {pid}")), "{e}");
    drop(held);
    mlsim_experiment::figures::redraw(&root, &[], mlsim_plots::FigureSize::Screen).unwrap();
}

/// Sweeps `s` into `root` with the mock, collecting the damaged-file events.
fn sweep_collecting_damage(s: &Spec, root: &Path) -> (SweepOutcome, Vec<(u32, String, String)>) {
    let backend = MockBackend::new(Mode::Sim);
    let damaged = Mutex::new(Vec::new());
    let p = pipeline::prepare(s, root, &backend).unwrap();
    let progress = |e: &RunEvent<'_>| {
        if let RunEvent::Damaged { run, file, why } = e {
            damaged
                .lock()
                .unwrap()
                .push((*run, file.clone(), why.clone()));
        }
    };
    let (o, _) = pipeline::sweep(s, &p, &backend, None, &progress).unwrap();
    (o, damaged.into_inner().unwrap())
}

#[test]
fn a_damaged_run_folder_is_run_again_and_never_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let clean = tmp.path().join("clean");
    sweep(&s, &clean, &MockBackend::new(Mode::Sim), None);
    let root = tmp.path().join("damaged");
    sweep(&s, &root, &MockBackend::new(Mode::Sim), None);
    // The tester's reproducer: truncate a run's table and append garbage.
    let f1 = root.join("runs/000001/requests.csv");
    let bytes = std::fs::read(&f1).unwrap();
    let mut cut = bytes[..bytes.len() / 2].to_vec();
    cut.extend_from_slice(b"GARBAGE,1,2,3\n");
    std::fs::write(&f1, &cut).unwrap();
    // merge never takes its bytes: the run is left out as not done.
    {
        let p = pipeline::prepare(&s, &root, &MockBackend::new(Mode::Sim)).unwrap();
        p.dir
            .merge(&s.runs().iter().map(|r| r.run).collect::<Vec<_>>())
            .unwrap();
        for f in ["runs.csv", "invocations.csv", "requests.csv"] {
            let t = std::fs::read_to_string(root.join(f)).unwrap();
            assert!(!t.contains("GARBAGE"), "{f} took bytes of a damaged run");
        }
        let runs: Vec<RunRecord> = read_csv(&root.join("runs.csv")).unwrap();
        assert_eq!(runs.len(), 17);
        assert!(runs.iter().all(|r| r.run != 1));
    }
    let (o, damaged) = sweep_collecting_damage(&s, &root);
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!((damaged[0].0, damaged[0].1.as_str()), (1, "runs/000001"));
    assert!(
        damaged[0].2.starts_with("requests.csv has length"),
        "{}",
        damaged[0].2
    );
    assert!(o.success());
    assert_eq!(o.skipped, 17);
    for f in MERGED {
        assert!(
            std::fs::read(root.join(f)).unwrap() == std::fs::read(clean.join(f)).unwrap(),
            "{f} differs from a clean run's"
        );
    }
    // A changed byte fails the checksum; a run folder without its check.txt is not complete.
    let f2 = root.join("runs/000002/invocations.csv");
    let mut bytes = std::fs::read(&f2).unwrap();
    let i = bytes.iter().position(|b| *b == b'\n').unwrap();
    bytes[i + 1] ^= 1;
    std::fs::write(&f2, &bytes).unwrap();
    std::fs::remove_file(root.join("runs/000003/check.txt")).unwrap();
    let (o, damaged) = sweep_collecting_damage(&s, &root);
    let whys: Vec<(u32, &str)> = damaged.iter().map(|(r, _, w)| (*r, w.as_str())).collect();
    assert_eq!(whys.len(), 2, "{whys:?}");
    assert!(
        whys[0].0 == 2 && whys[0].1.starts_with("invocations.csv: checksum crc32="),
        "{whys:?}"
    );
    assert!(
        whys[1].0 == 3 && whys[1].1.contains("no check.txt"),
        "{whys:?}"
    );
    assert!(o.success());
    for f in MERGED {
        assert!(
            std::fs::read(root.join(f)).unwrap() == std::fs::read(clean.join(f)).unwrap(),
            "{f} differs from a clean run's"
        );
    }
}

/// Run folder `dir` as the one sectioned file older versions wrote (`[run]`, `[requests]`,
/// …, then `[end] length=N crc32=X`).
fn as_older_run_file(dir: &std::path::Path) -> String {
    mlsim_experiment::testing::with_end_line(
        &mlsim_experiment::testing::older_run_sections(dir).unwrap(),
    )
}

#[test]
fn an_older_versions_run_files_are_resumed_and_merged_and_redone_when_damaged() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let root = tmp.path().join("old");
    sweep(&s, &root, &MockBackend::new(Mode::Sim), None);
    let clean: Vec<Vec<u8>> = MERGED
        .iter()
        .map(|f| std::fs::read(root.join(f)).unwrap())
        .collect();
    // Runs 4 and 5 as an older version kept them: one file each.
    for run in [4, 5] {
        let d = root.join(format!("runs/{run:06}"));
        std::fs::write(
            root.join(format!("runs/{run:06}.csv")),
            as_older_run_file(&d),
        )
        .unwrap();
        std::fs::remove_dir_all(&d).unwrap();
    }
    for f in MERGED {
        std::fs::remove_file(root.join(f)).unwrap();
    }
    // Resumed: both count as done and are merged with the folders, byte for byte.
    let (o, damaged) = sweep_collecting_damage(&s, &root);
    assert!(damaged.is_empty(), "{damaged:?}");
    assert_eq!(o.skipped, 18);
    for (f, b) in MERGED.iter().zip(&clean) {
        assert!(std::fs::read(root.join(f)).unwrap() == *b, "{f} differs");
    }
    // Run 5's file without its [end] line (cut short) is done again, into a run folder.
    let f = root.join("runs/000005.csv");
    let text = std::fs::read_to_string(&f).unwrap();
    let end = text.rfind("[end] ").unwrap();
    std::fs::write(&f, &text[..end]).unwrap();
    let (o, damaged) = sweep_collecting_damage(&s, &root);
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(
        (damaged[0].0, damaged[0].1.as_str()),
        (5, "runs/000005.csv")
    );
    assert!(damaged[0].2.contains("[end]"), "{}", damaged[0].2);
    assert_eq!(o.skipped, 17);
    assert!(!f.exists(), "the older file is replaced");
    assert!(root.join("runs/000005/check.txt").exists());
    assert!(root.join("runs/000004.csv").exists());
    for (f, b) in MERGED.iter().zip(clean) {
        assert!(std::fs::read(root.join(f)).unwrap() == b, "{f} differs");
    }
}

#[test]
fn temporary_files_are_removed_by_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    let root = tmp.path().join("tmps");
    sweep(&s, &root, &MockBackend::new(Mode::Sim), None);
    // What a kill during the final merge, or a full disk, leaves: any pid, root and runs/.
    let left = [
        root.join(".invocations.csv.tmp4242"),
        root.join(".manifest.json.tmp1"),
        root.join("runs/.000003.csv.tmp77"),
        root.join("runs/.000004.csv.tmp9999999"),
    ];
    for f in &left {
        std::fs::write(f, "partial").unwrap();
    }
    // A run folder being written when the process died.
    let run_tmp = root.join("runs/.000006.tmp31337");
    std::fs::create_dir_all(&run_tmp).unwrap();
    std::fs::write(run_tmp.join("requests.raw"), "partial").unwrap();
    let keep = root.join("notes.tmp.txt");
    std::fs::write(&keep, "mine").unwrap();
    let p = pipeline::prepare(&s, &root, &MockBackend::new(Mode::Sim)).unwrap();
    for f in &left {
        assert!(!f.exists(), "{} left behind", f.display());
    }
    assert!(!run_tmp.exists(), "a temporary run folder left behind");
    // And at the end of a sweep, also one that failed.
    std::fs::write(&left[0], "partial").unwrap();
    std::fs::write(&left[2], "partial").unwrap();
    pipeline::sweep(&s, &p, &MockBackend::new(Mode::Sim), None, &|_| {}).unwrap();
    assert!(!left[0].exists() && !left[2].exists());
    assert!(keep.exists(), "a file that is not a temporary file is kept");
}

/// The mock, whose run `at` hits an error the sweep cannot go on after.
struct FatalAt {
    inner: MockBackend,
    at: u32,
}

impl Backend for FatalAt {
    fn name(&self) -> &str {
        "fatal-at"
    }
    fn run(
        &self,
        kind: RunKind,
        sc: &Scenario,
        plan: &RunPlan,
        sink: &mut dyn RecordSink,
    ) -> Result<RunSummary, RunError> {
        if plan.run == self.at {
            return Err(RunError::Fatal("the testbed is gone".into()));
        }
        self.inner.run(kind, sc, plan, sink)
    }
}

#[test]
fn a_sweep_stopped_by_an_error_says_why_in_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let s = load(tmp.path());
    // A fatal backend error: the outcome, status failed.
    let root = tmp.path().join("fatal");
    let backend = FatalAt {
        inner: MockBackend::new(Mode::Sim),
        at: 3,
    };
    let p = pipeline::prepare(&s, &root, &backend).unwrap();
    let (o, _) = pipeline::sweep(&s, &p, &backend, Some(1), &|_| {}).unwrap();
    assert_eq!(o.status(), "failed");
    assert!(!o.interrupted);
    let m = manifest(&root);
    assert_eq!(m["status"], "failed");
    assert_eq!(m["stopped_because"], "the testbed is gone");
    drop(p);
    // A write error (runs/ replaced by a file, so no run file can be made, also as root):
    // the error comes back, and the manifest says failed and why, not running.
    let root = tmp.path().join("nowrite");
    let backend = MockBackend::new(Mode::Sim);
    let p = pipeline::prepare(&s, &root, &backend).unwrap();
    assert_eq!(manifest(&root)["status"], "running");
    std::fs::remove_dir(root.join("runs")).unwrap();
    std::fs::write(root.join("runs"), "not a folder").unwrap();
    let e = pipeline::sweep(&s, &p, &backend, None, &|_| {})
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("runs/.0000"), "{e}");
    let m = manifest(&root);
    assert_eq!(m["status"], "failed");
    assert_eq!(m["stopped_because"].as_str().unwrap(), e);
}

#[test]
fn a_figure_without_data_is_a_warning_and_the_folder_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("probe.toml");
    // A probe has no requests: fig6 has nothing to draw.
    std::fs::write(
        &path,
        "[experiment]\nname = \"probe\"\nkind = \"checkpoint_probe\"\nsamples = 2\nmodel = \"paper\"\nfigures = [\"fig6\"]\n\n[workload]\napp = \"stress\"\nitems = 10\n\n[checkpoint]\nr_limit_s = 5.0\n\n[[sweep]]\ncheckpoint = { method = [\"microlambda\"] }\n",
    )
    .unwrap();
    let s = spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let root = tmp.path().join("out");
    for resumed in [false, true] {
        let backend = MockBackend::new(Mode::Sim);
        let p = pipeline::prepare(&s, &root, &backend).unwrap();
        assert_eq!(p.resumed, resumed);
        let (o, f) = pipeline::sweep(&s, &p, &backend, None, &|_| {}).unwrap();
        assert!(o.success());
        assert_eq!(f.warnings.len(), 1, "{:?}", f.warnings);
        assert!(
            f.warnings[0].starts_with("figure fig6 not drawn: no data to draw: "),
            "{:?}",
            f.warnings
        );
        let m = manifest(&root);
        assert_eq!(m["status"], "complete");
        assert_eq!(m["warnings"][0].as_str().unwrap(), f.warnings[0]);
        assert!(m["stopped_because"].is_null());
    }
}
