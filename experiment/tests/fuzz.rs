//! Fuzzing by mutation (proptest): the readers of everything a user hands mlsim — specs, model
//! files, C-RAN load traces, event traces — take mutated copies of real inputs (the project's
//! experiments, models and the corpus of mistakes) and must never panic, hang or accept
//! nonsense: each input is either accepted with its invariants (load trace rows from time 0 in
//! increasing time with loads in 0..1; events sorted, finite and ≥ 0; a spec with at least one
//! run) or refused with messages that name a file and say what to fix.
//!
//! Bounded for CI: `MLSIM_FUZZ_CASES` cases per reader (default 256, a few seconds). A longer
//! campaign: `MLSIM_FUZZ_CASES=100000 cargo test --release -p mlsim-experiment --test fuzz`.
//! A failure prints the minimal mutated input (proptest shrinks it) and proptest records its
//! seed under `experiment/proptest-regressions/`, so the case is replayed first next time.
//! The workloads' state-file reader has its own fuzz test (workloads/tests/integration).

use mlsim_experiment::spec;
use mlsim_experiment::spec::diag::{Diags, Source};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cases() -> u32 {
    std::env::var("MLSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// The `.toml` files of a folder of the repository, as (path, text).
fn tomls(dir: &str) -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)))
        .collect();
    v.sort();
    v
}

/// Tokens a mutation inserts: TOML punctuation, numbers at the edges of every range, words of
/// the spec vocabulary.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    "\"",
    "'",
    ",",
    "\n",
    "#",
    ".",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "5e-324",
    "nan",
    "inf",
    "-inf",
    "18446744073709551615",
    "9223372036854775808",
    "0.0",
    "true",
    "\"none\"",
    "[]",
    "[[sweep]]",
    "[experiment]",
    "[workload]",
    "[checkpoint]",
    "[bbu]",
    "[[bbu_override]]",
    "[functions]",
    "[suspend]",
    "kind",
    "items",
    "requests",
    "replications",
    "r_limit_s",
    "method",
    "horizon_s",
    "rate_per_s",
    "load",
    "ids",
    "file",
    "count",
    "\u{0}",
    "\u{feff}",
    "é",
    "\r\n",
];

/// One edit of a text at a relative position (0..1 of its length).
#[derive(Clone, Debug)]
enum Edit {
    Delete { at: f64, len: usize },
    Insert { at: f64, token: usize },
    Byte { at: f64, byte: u8 },
    DuplicateLine { at: f64 },
    Truncate { at: f64 },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..1.0f64, 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (0.0..1.0f64, 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert { at, token }),
        (0.0..1.0f64, any::<u8>()).prop_map(|(at, byte)| Edit::Byte { at, byte }),
        (0.0..1.0f64).prop_map(|at| Edit::DuplicateLine { at }),
        (0.0..1.0f64).prop_map(|at| Edit::Truncate { at }),
    ]
}

/// `text` with `edits` applied (as bytes; the result may not be UTF-8).
fn mutate(text: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = text.to_vec();
    for e in edits {
        let pos = |at: f64, b: &Vec<u8>| ((at * b.len() as f64) as usize).min(b.len());
        match *e {
            Edit::Delete { at, len } => {
                let i = pos(at, &b);
                b.drain(i..(i + len).min(b.len()));
            }
            Edit::Insert { at, token } => {
                let i = pos(at, &b);
                b.splice(i..i, TOKENS[token].bytes());
            }
            Edit::Byte { at, byte } => {
                let i = pos(at, &b);
                if i < b.len() {
                    b[i] = byte;
                }
            }
            Edit::DuplicateLine { at } => {
                let i = pos(at, &b);
                let start = b[..i]
                    .iter()
                    .rposition(|c| *c == b'\n')
                    .map_or(0, |j| j + 1);
                let end = b[i..]
                    .iter()
                    .position(|c| *c == b'\n')
                    .map_or(b.len(), |j| i + j + 1);
                let line = b[start..end].to_vec();
                b.splice(end..end, line);
            }
            Edit::Truncate { at } => {
                let i = pos(at, &b);
                b.truncate(i);
            }
        }
    }
    b
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Specs: the experiments and the corpus of mistakes, mutated.
    #[test]
    fn mutated_specs_are_accepted_or_refused_with_messages(
        pick in any::<prop::sample::Index>(),
        es in edits(),
    ) {
        let mut seeds = tomls("experiments");
        seeds.extend(tomls("tests/cli/mistakes"));
        let (path, text) = &seeds[pick.index(seeds.len())];
        let bytes = mutate(text.as_bytes(), &es);
        match String::from_utf8(bytes) {
            // Not text: the file reader refuses it (spec::load reads through spec_text).
            Err(e) => prop_assert!(spec::spec_text(e.into_bytes()).is_err()),
            Ok(t) => match spec::parse(path, t) {
                Ok(s) => prop_assert!(!s.runs().is_empty() && !s.points.is_empty()),
                Err(errs) => {
                    prop_assert!(!errs.0.is_empty());
                    for d in &errs.0 {
                        prop_assert!(!d.message.trim().is_empty() && !d.fix.trim().is_empty(), "{d}");
                        prop_assert!(!d.file.as_os_str().is_empty(), "{d}");
                    }
                    // Printing never fails.
                    prop_assert!(errs.to_string().contains("in the spec"));
                }
            },
        }
    }

    /// Model files: the built-in models, mutated.
    #[test]
    fn mutated_model_files_are_accepted_or_refused_with_messages(
        pick in any::<prop::sample::Index>(),
        es in edits(),
    ) {
        let seeds = tomls("models");
        let (path, text) = &seeds[pick.index(seeds.len())];
        let Ok(t) = String::from_utf8(mutate(text.as_bytes(), &es)) else {
            return Ok(());
        };
        let src = Source::new(path, t.clone());
        let mut d = Diags::default();
        let m = spec::model_file::parse(&src, &t, &mut d);
        if m.is_none() {
            prop_assert!(!d.list.is_empty(), "refused without a message");
        }
        for x in &d.list {
            prop_assert!(!x.message.trim().is_empty() && !x.fix.trim().is_empty(), "{x}");
        }
    }

    /// C-RAN load traces (CSV time_s,load), mutated.
    #[test]
    fn mutated_load_traces_keep_their_invariants_or_are_refused(es in edits()) {
        let seed = b"time_s,load\n0,0.25\n10.5,0.5\n20,1\n30,0\n3600,0.75\n";
        let file = Path::new("fuzz-load.csv");
        match mlsim_datasets::load_trace::parse(file, &mutate(seed, &es)) {
            Ok(pts) => {
                prop_assert!(!pts.is_empty());
                prop_assert_eq!(pts[0].0, 0.0);
                for w in pts.windows(2) {
                    prop_assert!(w[1].0 > w[0].0, "{pts:?}");
                }
                for (t, l) in &pts {
                    prop_assert!(t.is_finite() && (0.0..=1.0).contains(l), "{pts:?}");
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz-load.csv"), "{e}"),
        }
    }

    /// Event traces of the suspend study (CSV function,time_s), mutated.
    #[test]
    fn mutated_event_traces_keep_their_invariants_or_are_refused(es in edits()) {
        let seed = b"function,time_s\n0,1.5\n1,0.25\n0,3\n2,10\n1,7.75\n";
        let file = Path::new("fuzz-events.csv");
        match mlsim_datasets::event_trace::parse(file, &mutate(seed, &es)) {
            Ok(per_fn) => {
                for times in &per_fn {
                    for t in times {
                        prop_assert!(t.is_finite() && *t >= 0.0, "{per_fn:?}");
                    }
                    for w in times.windows(2) {
                        prop_assert!(w[1] >= w[0], "{per_fn:?}");
                    }
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz-events.csv"), "{e}"),
        }
    }
}

/// The mutations do reach every reader's error paths and its accepting path (a fuzz test whose
/// mutations are always refused at the first byte would test nothing).
#[test]
fn the_mutations_reach_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let (path, text) = &tomls("experiments")[0];
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..200 {
        let es = edits().new_tree(&mut runner).unwrap().current();
        match String::from_utf8(mutate(text.as_bytes(), &es)) {
            Ok(t) if spec::parse(path, t.clone()).is_ok() => ok += 1,
            _ => refused += 1,
        }
    }
    assert!(
        ok >= 5 && refused >= 50,
        "accepted {ok}, refused {refused} of 200"
    );
}
