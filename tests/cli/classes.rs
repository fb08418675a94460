//! Workload classes and placement columns through the CLI, without root:
//! - the emulation's request plan (`mlsim_emu::run::plan`) numbers a mix of Poisson classes as
//!   the simulator does: request r's class (its app) and submission time in `requests.csv` of
//!   `mlsim run` are the plan's;
//! - `runs.csv` and `requests.csv` carry the placement policy and one column per parameter of
//!   the policies the spec's runs use.

use crate::emu_common::rows;
use crate::{mlsim, text};
use mlsim_emu::run::plan::{Arrivals, ClassPlan, poisson_order, poisson_times};

const MIX: &str = r#"[experiment]
name = "classes-plan"
model = "paper"
kind = "protocol"
seed = 5
replications = 2
figures = []

[topology]
bbus = 3
workers = [1, 2]
ues = 2

[[workload]]
app = "taxi"
items = 50
requests = 6
arrival = { kind = "poisson", rate_per_s = 2.0 }

[[workload]]
app = "stress"
items = 1
requests = 4
arrival = { kind = "poisson", rate_per_s = 0.5 }

[checkpoint]
method = "long_running"
"#;

fn num(r: &crate::emu_common::Row, k: &str) -> u64 {
    r[k].parse().unwrap_or_else(|e| panic!("{k}: {e} in {r:?}"))
}

#[test]
fn the_emulation_numbers_poisson_classes_as_the_simulator_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mix.toml"), MIX).unwrap();
    let o = mlsim(&["run", "mix.toml", "--out", "out", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let runs = rows(&dir.path().join("out/runs.csv"));
    let requests = rows(&dir.path().join("out/requests.csv"));
    assert_eq!(runs.len(), 2);
    for run in &runs {
        let seed: u64 = run["seed"].parse().unwrap();
        // The plan the emulation's clients would follow, from the run's seed alone.
        let class = |c: u32, app: &str, requests: u32, rate: f64| ClassPlan {
            class: c,
            app: app.into(),
            items: 1,
            requests,
            input_bytes: 0,
            arrivals: Arrivals::Poisson {
                at_ns: poisson_times(seed, c as usize, rate, requests),
            },
        };
        let classes = [class(0, "taxi", 6, 2.0), class(1, "stress", 4, 0.5)];
        let plan = poisson_order(&classes).expect("all Poisson");
        let mut sim: Vec<(u64, String, u64)> = requests
            .iter()
            .filter(|q| q["run"] == run["run"])
            .map(|q| (num(q, "request"), q["app"].clone(), num(q, "submit_ns")))
            .collect();
        sim.sort();
        let want: Vec<(u64, String, u64)> = plan
            .iter()
            .enumerate()
            .map(|(r, (c, at))| (r as u64, classes[*c as usize].app.clone(), *at))
            .collect();
        assert_eq!(sim, want, "run {}", run["run"]);
        // Both classes interleave (not one class after the other), so the test has teeth.
        let apps: Vec<&str> = want.iter().map(|w| w.1.as_str()).collect();
        assert!(
            apps.windows(2).filter(|w| w[0] != w[1]).count() >= 2,
            "{apps:?}"
        );
    }
}

#[test]
fn records_carry_the_placement_policy_and_its_parameters_as_columns() {
    let dir = tempfile::tempdir().unwrap();
    let spec = MIX.replace("replications = 2", "replications = 1")
        + "\n[[sweep]]\nplacement = { kind = [\"forecast_aware\"], alpha = [0.2] }\n\n[[sweep]]\nplacement = { kind = [\"least_loaded\"] }\n";
    std::fs::write(dir.path().join("p.toml"), spec).unwrap();
    let o = mlsim(&["run", "p.toml", "--out", "out", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let head = |f: &str| {
        std::fs::read_to_string(dir.path().join("out").join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert!(
        head("runs.csv").contains(
            ",method,placement,placement_alpha,placement_beta,placement_max_horizon_s,r_limit_s,"
        ),
        "{}",
        head("runs.csv")
    );
    assert!(
        head("requests.csv").contains(
            ",method,placement,placement_alpha,placement_beta,placement_max_horizon_s,r_limit_s,"
        ),
        "{}",
        head("requests.csv")
    );
    let runs = rows(&dir.path().join("out/runs.csv"));
    let got: Vec<(&str, &str, &str, &str)> = runs
        .iter()
        .map(|r| {
            (
                r["placement"].as_str(),
                r["placement_alpha"].as_str(),
                r["placement_beta"].as_str(),
                r["placement_max_horizon_s"].as_str(),
            )
        })
        .collect();
    // alpha as swept, beta and the horizon at their defaults (0.1, 300 s); least_loaded has no
    // parameters: empty.
    assert_eq!(
        got,
        [
            ("forecast_aware", "0.2", "0.1", "300.0"),
            ("least_loaded", "", "", "")
        ]
    );
    for q in rows(&dir.path().join("out/requests.csv")) {
        let run = &runs[num(&q, "run") as usize];
        assert_eq!(
            (&q["placement"], &q["placement_alpha"]),
            (&run["placement"], &run["placement_alpha"])
        );
    }
    // Policies without parameters only: the placement column and no parameter column.
    let plain = MIX.replace("replications = 2", "replications = 1");
    std::fs::write(dir.path().join("q.toml"), plain).unwrap();
    let o = mlsim(&["run", "q.toml", "--out", "out2", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let h = std::fs::read_to_string(dir.path().join("out2/requests.csv")).unwrap();
    assert!(
        h.starts_with("run,mode,request,app,method,placement,r_limit_s,"),
        "{h}"
    );
    assert!(!h.contains("placement_"), "{h}");
}
