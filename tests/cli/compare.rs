//! `mlsim compare`: per-point errors and their summary on hand-built result folders (the
//! oracle is worked out by hand below), refusing folders of different specs, determinism, and
//! `--checkpoints` on hand-written samples.

use crate::{mlsim, text};
use std::fs;
use std::path::Path;

const SPEC: &str = "[experiment]\nname = \"tiny\"\nreplications = 1\n\n[workload]\nrequests = 2\n";

const RUNS_HEADER: &str =
    "run,point,replication,seed,app,method,placement,r_limit_s,items,params,status,events\n";
const REQ_HEADER: &str = "run,mode,request,app,method,r_limit_s,items,submit_ns,done_ns,exec_time_s,invocations,checkpoints,missed_checkpoints,lost_work_s,cold_starts,migrations,evictions,bytes,status\n";

/// The four points: (app, method, r_limit_s, items).
const POINTS: [(&str, &str, &str, u32); 4] = [
    ("taxi", "long_running", "", 10),
    ("taxi", "microlambda", "2.0", 10),
    ("taxi", "criu", "2.0", 10),
    ("stress", "criu", "5.0", 1),
];

/// Per point, two requests: (exec_time_s, bytes, status) each.
type Reqs = [[(f64, u64, &'static str); 2]; 4];

/// The simulator's side. Means: exec 2.2, 1.5, 3.0, 1.0 s; bytes 900, 1200, 1000, 500.
const SIM: Reqs = [
    [(2.0, 800, "ok"), (2.4, 1000, "ok")],
    [(1.0, 1200, "ok"), (2.0, 1200, "ok")],
    [(3.0, 1000, "ok"), (3.0, 1000, "ok")],
    [(1.0, 500, "ok"), (1.0, 500, "ok")],
];

/// The emulation's side. Means: exec 2.0, 2.0, 3.0 s; bytes 1000, 1000, 1000; point 3 failed.
const EMU: Reqs = [
    [(1.9, 1000, "ok"), (2.1, 1000, "ok")],
    [(2.0, 900, "ok"), (2.0, 1100, "ok")],
    [(2.5, 1000, "ok"), (3.5, 1000, "ok")],
    [(1.0, 500, "ok"), (9.0, 400, "failed")],
];

/// Writes a result folder of `mode` with `reqs` under `dir`.
fn folder(dir: &Path, mode: &str, reqs: &Reqs, spec: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("spec.toml"), spec).unwrap();
    let mut runs = RUNS_HEADER.to_string();
    let mut requests = REQ_HEADER.to_string();
    for (p, ((app, method, r, items), rs)) in POINTS.iter().zip(reqs).enumerate() {
        let rl = if r.is_empty() {
            String::new()
        } else {
            format!(";checkpoint.r_limit_s={r}")
        };
        let params =
            format!("checkpoint.method={method}{rl};workload.app={app};workload.items={items}");
        runs.push_str(&format!(
            "{p},{p},0,7,{app},{method},round_robin,{r},{items},{params},ok,0\n"
        ));
        for (q, (exec, bytes, status)) in rs.iter().enumerate() {
            requests.push_str(&format!(
                "{p},{mode},{q},{app},{method},{r},{items},0,0,{exec},1,0,0,0.0,0,0,0,{bytes},{status}\n"
            ));
        }
    }
    fs::write(dir.join("runs.csv"), runs).unwrap();
    fs::write(dir.join("requests.csv"), requests).unwrap();
}

fn pair(root: &Path) {
    folder(&root.join("sim"), "sim", &SIM, SPEC);
    folder(&root.join("emu"), "emu", &EMU, SPEC);
}

/// Columns of compare.csv by header name.
fn rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn per_point_errors_and_summary_match_the_hand_oracle() {
    let dir = tempfile::tempdir().unwrap();
    pair(dir.path());
    let o = mlsim(&["compare", "sim", "emu", "--out", "cmp"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let csv = fs::read_to_string(dir.path().join("cmp/compare.csv")).unwrap();
    let r = rows(&csv);
    assert_eq!(r.len(), 4);
    // Point 0: exec (2.2 - 2.0)/2.0 = +10 %, bytes (900 - 1000)/1000 = -10 %.
    assert_eq!(r[0]["sim_exec_s"], "2.200000");
    assert_eq!(r[0]["emu_exec_s"], "2.000000");
    assert_eq!(r[0]["exec_err_pct"], "10.000");
    assert_eq!(r[0]["bytes_err_pct"], "-10.000");
    assert_eq!(r[0]["bytes_abs_err_pct"], "10.000");
    // Point 1: exec (1.5 - 2)/2 = -25 %, bytes (1200 - 1000)/1000 = +20 %.
    assert_eq!(r[1]["exec_err_pct"], "-25.000");
    assert_eq!(r[1]["exec_abs_err_pct"], "25.000");
    assert_eq!(r[1]["bytes_err_pct"], "20.000");
    // Point 2: exact.
    assert_eq!(r[2]["exec_err_pct"], "0.000");
    assert_eq!(r[2]["bytes_err_pct"], "0.000");
    // Point 3: a failed emulation request: no error.
    assert_eq!(r[3]["status"], "emu_failed");
    assert_eq!(r[3]["emu_requests"], "1/2");
    assert_eq!(r[3]["exec_err_pct"], "");
    // Summary: |exec| errors 10, 25, 0 -> median 10, max 25 at point 1; |bytes| 10, 20, 0 ->
    // median 10, max 20 at point 1; one point failed on the emulation only.
    let s = fs::read_to_string(dir.path().join("cmp/compare-summary.csv")).unwrap();
    let s = rows(&s);
    assert_eq!(s[0]["metric"], "exec_time");
    assert_eq!(s[0]["points"], "3");
    assert_eq!(s[0]["median_abs_err_pct"], "10.000");
    assert_eq!(s[0]["max_abs_err_pct"], "25.000");
    assert_eq!(s[0]["max_point"], "1");
    assert_eq!(s[0]["emu_failed"], "1");
    assert_eq!(s[0]["sim_failed"], "0");
    assert_eq!(s[1]["metric"], "bytes");
    assert_eq!(s[1]["median_abs_err_pct"], "10.000");
    assert_eq!(s[1]["max_abs_err_pct"], "20.000");
    let out = text(&o.stdout);
    assert!(
        out.contains("|error| median 10.0 %, max 25.0 % (point 1) over 3 point(s)"),
        "{out}"
    );
    assert!(
        out.contains("0 point(s) on the simulator only, 1 on the emulation only"),
        "{out}"
    );
    assert!(out.contains("emu_failed"), "{out}");
    let svg = fs::read_to_string(dir.path().join("cmp/compare.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("median |error| 10.0 %"),
        "{svg}"
    );
    assert!(dir.path().join("cmp/compare.png").is_file());
}

#[test]
fn same_inputs_give_byte_identical_output() {
    let dir = tempfile::tempdir().unwrap();
    pair(dir.path());
    for out in ["a", "b"] {
        let o = mlsim(&["compare", "sim", "emu", "--out", out], dir.path());
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    for f in [
        "compare.csv",
        "compare-summary.csv",
        "compare.svg",
        "compare.png",
    ] {
        let a = fs::read(dir.path().join("a").join(f)).unwrap();
        let b = fs::read(dir.path().join("b").join(f)).unwrap();
        assert!(!a.is_empty() && a == b, "{f} differs");
    }
}

#[test]
fn folders_of_different_specs_are_refused_naming_the_difference() {
    let dir = tempfile::tempdir().unwrap();
    folder(&dir.path().join("sim"), "sim", &SIM, SPEC);
    let other = SPEC.replace("replications = 1", "replications = 2");
    folder(&dir.path().join("emu"), "emu", &EMU, &other);
    let o = mlsim(&["compare", "sim", "emu", "--out", "cmp"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("different specs") && e.contains("experiment.replications (1 vs 2)"),
        "{e}"
    );
    assert!(
        e.contains("sim/spec.toml") && e.contains("emu/spec.toml"),
        "{e}"
    );
    assert!(
        !dir.path().join("cmp").exists(),
        "nothing is written on bad input"
    );

    // A model change alone is allowed: the simulator's model is what is judged.
    let model = SPEC.replace("[experiment]\n", "[experiment]\nmodel = \"paper\"\n");
    folder(&dir.path().join("emu"), "emu", &EMU, &model);
    let o = mlsim(&["compare", "sim", "emu", "--out", "cmp"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn a_differing_point_or_swapped_modes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    pair(dir.path());
    let runs = dir.path().join("emu/runs.csv");
    let t = fs::read_to_string(&runs).unwrap();
    fs::write(
        &runs,
        t.replace(
            "stress,criu,round_robin,5.0,1,",
            "stress,criu,round_robin,5.0,3,",
        ),
    )
    .unwrap();
    let o = mlsim(&["compare", "sim", "emu"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(
        e.contains("point 3 differs") && e.contains("items 1") && e.contains("items 3"),
        "{e}"
    );

    pair(dir.path());
    let o = mlsim(&["compare", "emu", "sim"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    let e = text(&o.stderr);
    assert!(e.contains("SIM_DIR emu holds emu records"), "{e}");

    let o = mlsim(&["compare", "sim", "nowhere"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("EMU_DIR nowhere is not a finished mlsim result folder"));
}

#[test]
fn checkpoints_put_sim_and_real_side_by_side_with_the_paper_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    fs::create_dir_all(&sim).unwrap();
    let mut c = String::from(
        "run,mode,app,method,request,task,invocation,bbu,start_ns,safepoint_wait_ns,time_ns,items_done,raw_bytes,size_bytes,deadline_met\n",
    );
    // Sim: μλ taxi 2, 4, 6 ms (median 4); CRIU taxi 200 ms.
    for (i, ms) in [2u64, 4, 6].iter().enumerate() {
        c.push_str(&format!(
            "0,sim,taxi,microlambda,{i},0,0,1,0,0,{},0,100000,50000,true\n",
            ms * 1_000_000
        ));
    }
    c.push_str("1,sim,taxi,criu,0,0,0,1,0,0,200000000,0,3000000,2000000,true\n");
    fs::write(sim.join("checkpoints.csv"), c).unwrap();
    // Real: μλ taxi 8 and 12 ms (one of two under the paper's 10 ms); CRIU 140 ms (under 150).
    let real = "app,method,sample,exec_before_s,setup_s,checkpoint_s,size_bytes,raw_bytes,restore_s,host,kernel,criu_version,docker_version,items_done\n\
        taxi,mulambda,0,1.0,0.1,0.008,60000,61000,0.002,vm,6.18,4.1.1,,10\n\
        taxi,mulambda,1,2.0,0.1,0.012,300000,301000,0.002,vm,6.18,4.1.1,,20\n\
        taxi,criu,0,1.0,0.1,0.140,1900000,5000000,0.2,vm,6.18,4.1.1,,\n";
    fs::write(dir.path().join("real.csv"), real).unwrap();
    let o = mlsim(
        &["compare", "--checkpoints", "sim", "real.csv", "--out", "ck"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let csv = fs::read_to_string(dir.path().join("ck/checkpoints-compare.csv")).unwrap();
    let r = rows(&csv);
    let find = |m: &str, side: &str| {
        r.iter()
            .find(|x| x["method"] == m && x["side"] == side)
            .unwrap_or_else(|| panic!("{m} {side} in {csv}"))
            .clone()
    };
    let mu_sim = find("microlambda", "sim");
    assert_eq!(
        (mu_sim["n"].as_str(), mu_sim["time_median_ms"].as_str()),
        ("3", "4.000")
    );
    assert_eq!(mu_sim["time_in_paper_pct"], "100");
    let mu_real = find("microlambda", "real");
    assert_eq!(mu_real["time_median_ms"], "10.000");
    assert_eq!(mu_real["time_in_paper_pct"], "50");
    assert_eq!(mu_real["paper_size"], "< 281 KB");
    assert_eq!(mu_real["size_in_paper_pct"], "50");
    let criu_real = find("criu", "real");
    assert_eq!(criu_real["paper_time"], "≥ 150 ms");
    assert_eq!(criu_real["time_in_paper_pct"], "0");
    for f in ["fig4-compare", "fig5-compare"] {
        let svg = fs::read_to_string(dir.path().join(format!("ck/{f}.svg"))).unwrap();
        assert!(
            svg.contains("paper &lt; 10 ms") || svg.contains("paper &lt; 281 KB"),
            "{f}"
        );
        assert!(dir.path().join(format!("ck/{f}.png")).is_file());
    }

    // Same inputs, same bytes.
    let o = mlsim(
        &[
            "compare",
            "--checkpoints",
            "sim",
            "real.csv",
            "--out",
            "ck2",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for f in [
        "checkpoints-compare.csv",
        "fig4-compare.svg",
        "fig5-compare.png",
    ] {
        let a = fs::read(dir.path().join("ck").join(f)).unwrap();
        let b = fs::read(dir.path().join("ck2").join(f)).unwrap();
        assert!(a == b, "{f} differs");
    }

    // A samples CSV given as the simulator's folder is refused.
    let o = mlsim(&["compare", "--checkpoints", "real.csv", "sim"], dir.path());
    assert_eq!(o.status.code(), Some(2));
}
