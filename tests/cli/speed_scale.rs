//! `mlsim run --speed-scale F`: every BBU's speed multiplied by F before the run (the folder's
//! spec.toml keeps the scaled spec), the same draws computed at the new speed, `mlsim compare`
//! accepting the speed-only difference, and bad factors refused naming the option.

use crate::{mlsim, text};
use std::path::Path;

/// One worker of one core at speed 0.8, two taxi requests of 500 items, no C-RAN load.
const SPEC: &str = "[experiment]\nname = \"speedy\"\nreplications = 1\nseed = 3\n\n[bbu]\ncores = 1\nspeed = 0.8\n\n[workload]\napp = \"taxi\"\nitems = 500\nrequests = 2\n\n[checkpoint]\nmethod = \"long_running\"\n";

/// Per row of folder `dir`'s `invocations.csv`: (`work_ns`, `end_ns` − `start_ns`).
fn work_and_runtime(dir: &Path) -> Vec<(u64, u64)> {
    let mut r = csv::Reader::from_path(dir.join("invocations.csv")).expect("invocations.csv");
    let h = r.headers().expect("header").clone();
    let col = |name: &str| h.iter().position(|x| x == name).expect(name);
    let (w, s, e) = (col("work_ns"), col("start_ns"), col("end_ns"));
    r.records()
        .map(|row| {
            let row = row.expect("row");
            let n = |i: usize| row[i].parse::<u64>().expect("a number");
            (n(w), n(e) - n(s))
        })
        .collect()
}

#[test]
fn speed_scale_multiplies_every_bbu_speed_and_compare_accepts_it() {
    let d = tempfile::tempdir().unwrap();
    let spec = d.path().join("speedy.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let s = spec.to_str().unwrap();
    let out = mlsim(
        &["run", s, "--out", "as-is", "-q", "--table", "none"],
        d.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = mlsim(
        &[
            "run",
            s,
            "--out",
            "half",
            "-q",
            "--table",
            "none",
            "--speed-scale",
            "0.5",
        ],
        d.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The folder keeps the spec as run: 0.8 × 0.5 = 0.4, and a first line that says so.
    let kept = std::fs::read_to_string(d.path().join("half/spec.toml")).unwrap();
    assert!(
        kept.starts_with("# mlsim run --speed-scale 0.5: every BBU speed of "),
        "{kept}"
    );
    let t: toml::Table = toml::from_str(&kept).unwrap();
    assert_eq!(t["bbu"]["speed"].as_float(), Some(0.4), "{kept}");

    // The same seed draws the same items (common random numbers): the same work, in ns of
    // compute at speed 1 (`work_ns`). A BBU at 0.4 computes it in work / 0.4 = 2 × work / 0.8,
    // so every invocation's runtime (end − start: long-running, no restore) doubles, to the
    // rounding of its two parts (set-up, items) to whole nanoseconds on each side: per part
    // |b − 2a| ≤ 0.5 + 2 · 0.5 = 1.5 ns, for the runtime ≤ 3 ns (measured: 2 ns).
    let a = work_and_runtime(&d.path().join("as-is"));
    let b = work_and_runtime(&d.path().join("half"));
    assert!(!a.is_empty() && a.len() == b.len(), "{a:?} vs {b:?}");
    for ((wa, ra), (wb, rb)) in a.iter().zip(&b) {
        assert_eq!(wa, wb, "the same draws");
        assert!(
            *ra > 0 && rb.abs_diff(2 * ra) <= 3,
            "{ra} ns at 0.8, {rb} ns at 0.4"
        );
    }

    // `mlsim compare` accepts the two folders, naming the speed difference. It compares a
    // simulator's folder with an emulation's: the unscaled folder stands in for the latter,
    // its tables' mode column relabelled (compare reads no other sign of the mode).
    for e in std::fs::read_dir(d.path().join("as-is")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv") {
            let t = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, t.replace(",sim,", ",emu,")).unwrap();
        }
    }
    let out = mlsim(&["compare", "half", "as-is", "--out", "cmp"], d.path());
    let so = text(&out.stdout);
    assert!(out.status.success(), "{}{}", so, text(&out.stderr));
    assert!(so.contains("BBU speeds only: bbu.speed"), "{so}");

    // Refused: a factor that is not a positive number (naming the option, nothing written),
    // and --speed-scale with --shard (clap's usage error).
    let out = mlsim(&["run", s, "--out", "zero", "--speed-scale", "0"], d.path());
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("--speed-scale") && err.contains("positive number"),
        "{err}"
    );
    assert!(!d.path().join("zero").exists());
    let out = mlsim(
        &["run", s, "--speed-scale", "0.5", "--shard", "0/2"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}
