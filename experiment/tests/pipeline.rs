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
    let r = mlsim_experiment::figures::redraw(&par, &[]).unwrap();
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
