//! The serverless study (seed 004) end to end: a small `prewarm` run, byte-identical whatever
//! the thread count, with the seed's shape (warm pools trade memory for cold starts; the oracle
//! hides them with almost no idle memory); arrivals from an Azure Functions 2019 file and from
//! an invocation trace, through the spec; `mlsim plot` redraws from the CSVs.

use crate::{mlsim, repo, text};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

/// experiments/prewarm.toml made small: 2 replications, 10 sensors, 2 alert handlers, one
/// analytics function, 20 minutes, no C-RAN load point, figures kept.
pub fn small_spec() -> String {
    let full = fs::read_to_string(repo().join("experiments/prewarm.toml")).unwrap();
    let sweep = full.find("[[sweep]]").unwrap();
    let s = format!(
        "{}[[sweep]]\nserverless = {{ policy = [\"serverful\", \"kpa\", \"histogram\", \"hotc\", \"oracle\"] }}\n\n[[sweep]]\nserverless = {{ policy = [\"fixed\"], keep_alive_s = [0, 600] }}\n",
        &full[..sweep]
    );
    s.replace("replications = 3", "replications = 2")
        .replace("horizon_s = 7200", "horizon_s = 1200")
        .replace("count = 40", "count = 10")
        .replace("count = 8", "count = 2")
        .replace("count = 2\nmemory_mib = 512", "count = 1\nmemory_mib = 512")
}

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.deserialize().map(|x| x.unwrap()).collect()
}

fn num(r: &BTreeMap<String, String>, k: &str) -> f64 {
    r[k].parse().unwrap_or_else(|_| panic!("{k}: {r:?}"))
}

#[test]
fn a_small_serverless_study_is_deterministic_and_has_the_seed_shape() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("prewarm.toml"), small_spec()).unwrap();
    let a = mlsim(
        &["run", "prewarm.toml", "--out", "a", "--jobs", "1"],
        dir.path(),
    );
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    let b = mlsim(
        &["run", "prewarm.toml", "--out", "b", "--jobs", "2"],
        dir.path(),
    );
    assert_eq!(b.status.code(), Some(0), "{}", text(&b.stderr));
    // Every column of every table is in the folder's dictionary (issue 16).
    let dict = fs::read_to_string(dir.path().join("a/columns.csv")).unwrap();
    assert!(!dict.contains("not documented"), "{dict}");
    for f in [
        "calls.csv",
        "instances.csv",
        "pools.csv",
        "summary.csv",
        "runs.csv",
    ] {
        assert!(dict.contains(&format!("\n{f},")), "{f}: {dict}");
    }
    // The protocol's columns do not apply to a serverless run: empty, not its defaults.
    for r in rows(&dir.path().join("a/runs.csv")) {
        for c in ["app", "method", "placement", "items"] {
            assert_eq!(r[c], "", "{c}: {r:?}");
        }
        assert_eq!(r["r_limit_s"], "inf");
    }
    for f in [
        "columns.csv",
        "calls.parquet",
        "summary.parquet",
        "runs.csv",
        "calls.csv",
        "instances.csv",
        "pools.csv",
        "summary.csv",
        "serverless-tradeoff.svg",
        "serverless-cold.svg",
    ] {
        let (x, y) = (
            fs::read(dir.path().join("a").join(f)).unwrap(),
            fs::read(dir.path().join("b").join(f)).unwrap(),
        );
        assert!(!x.is_empty(), "{f} is empty");
        assert_eq!(x, y, "{f} differs between --jobs 1 and 2");
    }
    // The table printed is the serverless summary.
    assert!(
        text(&a.stdout).contains("idle_GiB_s"),
        "{}",
        text(&a.stdout)
    );
    let summary = rows(&dir.path().join("a/summary.csv"));
    let at = |policy: &str, keep: Option<&str>| {
        summary
            .iter()
            .find(|r| {
                r["policy"] == policy
                    && keep.is_none_or(|k| r["params"].contains(&format!("keep_alive_s={k}")))
            })
            .unwrap_or_else(|| panic!("no row {policy}: {summary:?}"))
            .clone()
    };
    // Every policy sees the same arrivals (common random numbers): the invocations served by
    // the 20-minute horizon differ only by the few still in flight then.
    let calls = num(&at("oracle", None), "invocations");
    assert!(calls > 1000.0, "{calls}");
    for r in &summary {
        assert!((num(r, "invocations") - calls).abs() <= 3.0, "{r:?}");
    }
    // Scale to zero at once: no idle memory at all, and most invocations cold.
    let zero = at("fixed", Some("0"));
    assert_eq!(num(&zero, "idle_gib_s"), 0.0);
    assert!(num(&zero, "cold_ratio") > 0.5, "{zero:?}");
    // A 10-minute keep-alive: few cold, much idle memory; serverful: the most idle memory.
    let long = at("fixed", Some("600"));
    assert!(
        num(&long, "cold_ratio") < 0.1 * num(&zero, "cold_ratio"),
        "{long:?}"
    );
    let serverful = at("serverful", None);
    assert!(num(&serverful, "idle_gib_s") > num(&long, "idle_gib_s"));
    // The oracle: fewer cold starts than scale-to-zero with a small part of the keep-alive's
    // idle memory.
    let oracle = at("oracle", None);
    assert!(
        num(&oracle, "cold_ratio") < 0.5 * num(&zero, "cold_ratio"),
        "{oracle:?}"
    );
    assert!(
        num(&oracle, "idle_gib_s") < 0.1 * num(&long, "idle_gib_s"),
        "{oracle:?}"
    );
    // `mlsim plot` redraws the summary and figures from the CSVs alone.
    let sum_before = fs::read(dir.path().join("a/summary.csv")).unwrap();
    fs::remove_file(dir.path().join("a/summary.csv")).unwrap();
    fs::remove_file(dir.path().join("a/serverless-cold.svg")).unwrap();
    let p = mlsim(&["plot", "a"], dir.path());
    assert_eq!(p.status.code(), Some(0), "{}", text(&p.stderr));
    assert_eq!(
        fs::read(dir.path().join("a/summary.csv")).unwrap(),
        sum_before
    );
    assert!(dir.path().join("a/serverless-cold.svg").is_file());
}

const BASE: &str = r#"[experiment]
name = "s"
kind = "serverless"
[topology]
bbus = 2
control_bbu = 0
[bbu]
cores = 2
memory_gib = 1.0
[serverless]
policy = "fixed"
keep_alive_s = 30
cold_start_ms = 500
"#;

#[test]
fn arrivals_from_an_azure_day_and_from_an_invocation_trace() {
    let dir = tempfile::tempdir().unwrap();
    // Three functions over 3 minutes; the busiest two are kept (top = 2): f1 (2+0+2 = 4) and
    // f2 (0+1+1 = 2; f0 has 1). Spread evenly: f1 at 15, 45, 135, 165 s; f2 at 90, 150 s.
    fs::write(
        dir.path().join("inv.csv"),
        "HashOwner,HashApp,HashFunction,Trigger,1,2,3\n\
         o,a0,f0aaaaaaaaaa,http,1,0,0\n\
         o,a1,f1bbbbbbbbbb,timer,2,0,2\n\
         o,a2,f2cccccccccc,queue,0,1,1\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("azure.toml"),
        format!(
            "{BASE}[[serverless.functions]]\narrival = \"azure\"\ninvocations_file = \"inv.csv\"\ntop = 2\nspread = \"even\"\nduration_ms = 100\n"
        ),
    )
    .unwrap();
    let o = mlsim(&["run", "azure.toml", "--out", "az", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let calls = rows(&dir.path().join("az/calls.csv"));
    let mut got: Vec<(String, u64)> = calls
        .iter()
        .map(|c| {
            (
                c["function"].clone(),
                c["arrival_ns"].parse::<u64>().unwrap() / 1_000_000_000,
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, u64)> = [
        ("0", 15),
        ("0", 45),
        ("0", 135),
        ("0", 165),
        ("1", 90),
        ("1", 150),
    ]
    .iter()
    .map(|(f, t)| (f.to_string(), *t))
    .collect();
    assert_eq!(got, want);
    // Keep-alive 30 s, cold start 0.5 s, 0.1 s of compute: f1's 15 s call is cold (idle from
    // 15.6 s), its 45 s call warm (29.4 s later), 135 s cold, 165 s warm; f2's two are cold
    // (its instance, idle from 90.6 s, is reclaimed at 120.6 s).
    let cold = calls.iter().filter(|c| c["cold"] == "true").count();
    assert_eq!(cold, 4, "{calls:?}");

    // An invocation trace: names in order of first appearance.
    fs::write(
        dir.path().join("calls-in.csv"),
        "time_s,function\n1.0,resize\n2.0,thumb\n3.0,resize\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("trace.toml"),
        format!(
            "{BASE}[[serverless.functions]]\narrival = \"trace\"\ntrace_file = \"calls-in.csv\"\nduration_ms = 100\n"
        ),
    )
    .unwrap();
    let o = mlsim(&["run", "trace.toml", "--out", "tr", "-q"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let calls = rows(&dir.path().join("tr/calls.csv"));
    let got: Vec<(String, String, String)> = calls
        .iter()
        .map(|c| {
            (
                c["function"].clone(),
                c["arrival_ns"].clone(),
                c["cold"].clone(),
            )
        })
        .collect();
    // resize at 1 s cold (ready 1.5, done 1.6), thumb at 2 s cold, resize at 3 s warm.
    assert_eq!(
        got,
        [
            ("0".into(), "1000000000".into(), "true".into()),
            ("1".into(), "2000000000".into(), "true".into()),
            ("0".into(), "3000000000".into(), "false".into()),
        ]
    );
}
