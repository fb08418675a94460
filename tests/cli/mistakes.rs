//! The corpus of realistic mistakes (`tests/cli/mistakes/*.toml`): specs as people get them
//! wrong, each with the exit code, the number of problems and every line of the message that
//! `mlsim validate` must print (file:line:column, field, what is wrong, the fix). `mlsim run`
//! must refuse each the same way and write no result folder.
//!
//! A corpus file is a spec whose comment lines carry the expectations:
//!
//! ```text
//! # mistake: what the user did               (first line)
//! # args: --model fitted                      (optional: extra arguments)
//! # encode: utf-16le-bom | latin-1            (optional: the test saves the file so)
//! ...the spec...
//! # exit: 2
//! # problems: 1
//! # expect: spec.toml:4:1: experiment.figures: ...   (each a fragment of stderr)
//! # expect: fix: write ...
//! ```
//!
//! The expectations sit at the end so that they do not move the lines they name. Files the
//! specs refer to (traces, model files) are in `mistakes/files/`.

use crate::{mlsim, repo, text};
use std::fs;
use std::path::Path;

/// One corpus entry.
struct Mistake {
    name: String,
    body: String,
    args: Vec<String>,
    encode: Option<String>,
    exit: i32,
    problems: usize,
    expect: Vec<String>,
}

fn header<'a>(body: &'a str, key: &str) -> impl Iterator<Item = &'a str> {
    let tag = format!("# {key}: ");
    body.lines()
        .filter_map(move |l| l.strip_prefix(tag.as_str()).map(str::trim))
}

fn corpus() -> Vec<Mistake> {
    let dir = repo().join("tests/cli/mistakes");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("tests/cli/mistakes")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let body = fs::read_to_string(dir.join(&name)).expect("corpus files are UTF-8");
            let one = |key: &str| {
                header(&body, key)
                    .next()
                    .unwrap_or_else(|| panic!("{name}: no `# {key}:` line"))
                    .to_string()
            };
            assert!(
                body.starts_with("# mistake: "),
                "{name}: the first line must say the mistake"
            );
            let args = header(&body, "args")
                .flat_map(|a| a.split_whitespace().map(String::from))
                .collect();
            let encode = header(&body, "encode").next().map(String::from);
            let exit = one("exit").parse().expect("# exit: a number");
            let problems = one("problems").parse().expect("# problems: a number");
            let expect = header(&body, "expect").map(String::from).collect();
            Mistake {
                args,
                encode,
                exit,
                problems,
                expect,
                name,
                body,
            }
        })
        .collect()
}

/// Writes the corpus file as the user would have saved it.
fn save(m: &Mistake, path: &Path) {
    let bytes: Vec<u8> = match m.encode.as_deref() {
        None => m.body.clone().into_bytes(),
        Some("utf-16le-bom") => [0xFF, 0xFE]
            .into_iter()
            .chain(m.body.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        Some("latin-1") => m
            .body
            .chars()
            .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
            .collect(),
        Some(other) => panic!("{}: unknown encoding {other}", m.name),
    };
    fs::write(path, bytes).unwrap();
}

#[test]
fn the_corpus_has_at_least_fifty_mistakes_each_with_a_message() {
    let all = corpus();
    assert!(all.len() >= 50, "only {} mistakes", all.len());
    for m in &all {
        assert!(
            m.problems >= 1 && m.expect.len() >= 2 * m.problems,
            "{}: every problem needs its message and its fix",
            m.name
        );
    }
}

#[test]
fn every_mistake_is_refused_with_its_message_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    let files = repo().join("tests/cli/mistakes/files");
    fs::create_dir(work.path().join("files")).unwrap();
    for e in fs::read_dir(&files).unwrap().flatten() {
        fs::copy(e.path(), work.path().join("files").join(e.file_name())).unwrap();
    }
    let mut failures = Vec::new();
    for m in corpus() {
        save(&m, &work.path().join(&m.name));
        let args = |cmd: &str| -> Vec<String> {
            let mut v = vec![cmd.to_string(), m.name.clone()];
            v.extend(m.args.iter().cloned());
            v
        };
        fn refs(v: &[String]) -> Vec<&str> {
            v.iter().map(String::as_str).collect()
        }
        let v = mlsim(&refs(&args("validate")), work.path());
        let err = text(&v.stderr);
        if v.status.code() != Some(m.exit) {
            failures.push(format!(
                "{}: validate exit {:?}, expected {}\n{err}",
                m.name,
                v.status.code(),
                m.exit
            ));
            continue;
        }
        let count = format!(
            "{} problem{} in the spec",
            m.problems,
            if m.problems == 1 { "" } else { "s" }
        );
        if !err.contains(&count) {
            failures.push(format!("{}: expected \"{count}\"\n{err}", m.name));
        }
        for e in &m.expect {
            if !err.contains(e.as_str()) {
                failures.push(format!("{}: stderr lacks \"{e}\"\n{err}", m.name));
            }
        }
        // `run` refuses it the same way and leaves nothing behind.
        let mut run = args("run");
        run.extend(["--out".into(), "out".into(), "-q".into()]);
        let r = mlsim(&refs(&run), work.path());
        if r.status.code() != Some(m.exit) || text(&r.stderr) != err {
            failures.push(format!(
                "{}: run exit {:?} (validate {}), stderr\n{}",
                m.name,
                r.status.code(),
                m.exit,
                text(&r.stderr)
            ));
        }
        if work.path().join("out").exists() {
            failures.push(format!("{}: run wrote a result folder", m.name));
            fs::remove_dir_all(work.path().join("out")).unwrap();
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the corpus' checks failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
