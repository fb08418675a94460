//! Spec diagnostics: every problem found in a spec or model file, with file, line, column,
//! field, what is wrong and how to fix it. Validation collects them all before reporting.

use std::fmt;
use std::path::{Path, PathBuf};

/// One step of a path into a TOML document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path into a TOML document (`topology.radio.latency_ms`, `sweep[2].workload.items`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// This path extended by a key.
    pub fn key(&self, k: &str) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    /// This path extended by an index.
    pub fn index(&self, i: usize) -> FieldPath {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "(top level)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One problem in a spec or model file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diag {
    /// The file.
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub pos: Option<(usize, usize)>,
    /// The field.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some((l, c)) => write!(f, "{}:{l}:{c}: ", self.file.display())?,
            None => write!(f, "{}: ", self.file.display())?,
        }
        write!(f, "{}: {}", self.field, self.message)?;
        if !self.fix.is_empty() {
            write!(f, "\n    fix: {}", self.fix)?;
        }
        Ok(())
    }
}

/// A parsed TOML source that can say where a path is.
pub struct Source {
    /// The file name shown in diagnostics.
    pub file: PathBuf,
    text: String,
    doc: Option<toml_edit::Document<String>>,
}

impl Source {
    /// Wraps a file's text (parsing errors surface when the caller parses with `toml`).
    pub fn new(file: &Path, text: String) -> Self {
        let doc = toml_edit::Document::parse(text.clone()).ok();
        Source {
            file: file.to_path_buf(),
            text,
            doc,
        }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.len(), |n| before.len() - n - 1)
            + 1;
        (line, col)
    }

    /// Where `path` is (or its deepest existing ancestor), as 1-based (line, column): the
    /// position of the last key found, or of the array element for an index.
    pub fn locate(&self, path: &FieldPath) -> Option<(usize, usize)> {
        let doc = self.doc.as_ref()?;
        let mut best = None;
        let mut cur = Node::Table(doc.as_table());
        for seg in &path.0 {
            let Some((next, key_at)) = step(&cur, seg) else {
                break;
            };
            if let Some(at) = key_at.or_else(|| next.span().map(|s| s.start)) {
                best = Some(at);
            }
            cur = next;
        }
        best.map(|o| self.line_col(o))
    }
}

enum Node<'a> {
    Table(&'a toml_edit::Table),
    Item(&'a toml_edit::Item),
    Value(&'a toml_edit::Value),
}

impl Node<'_> {
    fn span(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Node::Table(t) => t.span(),
            Node::Item(i) => i.span(),
            Node::Value(v) => v.span(),
        }
    }
}

/// One step down: the child and, for a key, where the key is written.
fn step<'a>(n: &Node<'a>, seg: &Seg) -> Option<(Node<'a>, Option<usize>)> {
    let key_start = |k: &toml_edit::Key| k.span().map(|s| s.start);
    match (n, seg) {
        (Node::Table(t), Seg::Key(k)) => t
            .get_key_value(k)
            .map(|(key, i)| (Node::Item(i), key_start(key))),
        (Node::Item(toml_edit::Item::Table(t)), Seg::Key(k)) => t
            .get_key_value(k)
            .map(|(key, i)| (Node::Item(i), key_start(key))),
        (Node::Item(toml_edit::Item::ArrayOfTables(a)), Seg::Index(i)) => a
            .get(*i)
            .map(|t| (Node::Table(t), t.span().map(|s| s.start))),
        (Node::Item(toml_edit::Item::Value(v)), _) => step(&Node::Value(v), seg),
        (Node::Value(toml_edit::Value::InlineTable(t)), Seg::Key(k)) => t
            .get_key_value(k)
            .map(|(key, i)| (Node::Item(i), key_start(key))),
        (Node::Value(toml_edit::Value::Array(a)), Seg::Index(i)) => {
            a.get(*i).map(|v| (Node::Value(v), None))
        }
        _ => None,
    }
}

/// The diagnostics of one validation pass.
#[derive(Default)]
pub struct Diags {
    /// Collected so far.
    pub list: Vec<Diag>,
    /// Paths set by the sweep point being validated, mapped to where the sweep sets them.
    pub overrides: Vec<(FieldPath, FieldPath, String)>,
    /// Problems found after the first [`super::limits::MAX_PROBLEMS`] (not located, not kept:
    /// a spec with thousands of bad entries is reported in linear time).
    pub more: usize,
}

impl Diags {
    /// Records a problem at `path` of `src`. A path the current sweep point overrides is
    /// reported at the sweep value that set it.
    pub fn push(
        &mut self,
        src: &Source,
        path: &FieldPath,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        if self.list.len() >= super::limits::MAX_PROBLEMS {
            self.more += 1;
            return;
        }
        let mut message = message.into();
        let mut at = path.clone();
        if let Some((_, from, value)) = self
            .overrides
            .iter()
            .find(|(p, _, _)| path.0.starts_with(&p.0))
        {
            message = format!("{message} (value {value} from {from})");
            at = from.clone();
        }
        let d = Diag {
            file: src.file.clone(),
            pos: src.locate(&at),
            field: path.to_string(),
            message,
            fix: fix.into(),
        };
        if !self.list.contains(&d) {
            self.list.push(d);
        }
    }

    /// How many problems were found (shown or not).
    pub fn count(&self) -> usize {
        self.list.len() + self.more
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.more == 0
    }

    /// The problems found, sorted by position, with a last entry that counts those not shown.
    pub fn into_sorted(self) -> Vec<Diag> {
        let mut v = self.list;
        v.sort_by(|a, b| (a.pos, &a.field).cmp(&(b.pos, &b.field)));
        v.dedup();
        if self.more > 0 {
            v.push(Diag {
                file: v.first().map(|d| d.file.clone()).unwrap_or_default(),
                pos: None,
                field: "(more)".into(),
                message: format!(
                    "{} more problem report(s) not shown: only the first {} are",
                    self.more,
                    super::limits::MAX_PROBLEMS
                ),
                fix: "fix the problems above and validate again".into(),
            });
        }
        v
    }
}

/// The closest of `candidates` to `word`: within edit distance 2, or the only candidate that
/// `word` (3 characters or more) is a prefix of, for "did you mean".
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // The edit distance is at least the difference in length: a word far longer than every
    // candidate is never compared (validation stays linear in the length of a value).
    let n = word.chars().count();
    let near = candidates
        .iter()
        .filter(|c| n.abs_diff(c.chars().count()) <= 2)
        .map(|c| (levenshtein(word, c), *c))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, c)| c);
    near.or_else(|| {
        let prefixed: Vec<&'a str> = candidates
            .iter()
            .copied()
            .filter(|c| word.len() >= 3 && c.starts_with(word))
            .collect();
        (prefixed.len() == 1).then(|| prefixed[0])
    })
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A TOML syntax error of `src` as a diagnostic, with a fix for the mistakes people make most
/// (a key given twice, an unclosed string or table header, JSON or YAML instead of TOML).
pub fn syntax(src: &Source, e: &toml::de::Error) -> Diag {
    let message = e.message().trim().to_string();
    let fix = if message.contains("duplicate key") {
        "a key or table is given twice (a `[name]` table and a `[[name]]` list of tables count as the same key): keep one"
    } else if message.contains("invalid basic string") || message.contains("invalid literal string")
    {
        "close the string on the same line (`\"...\"`), or use `'''...'''` for text over several lines"
    } else if message.contains("unclosed table") || message.contains("unclosed array of tables") {
        "close the header with `]` (`[name]`, or `[[name]]` for one of a list of tables)"
    } else if message.contains("expected key") || message.contains("key with no value") {
        "write `key = value` lines under `[table]` headers (TOML, not JSON or YAML: no braces around the file, `=` not `:`)"
    } else {
        "fix the TOML syntax at that position (https://toml.io)"
    };
    Diag {
        file: src.file.clone(),
        pos: e.span().map(|s| src.line_col(s.start)),
        field: "(syntax)".into(),
        message,
        fix: fix.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_keys_inline_tables_and_arrays_of_tables() {
        let text = "[a]\nx = 1\ny = { z = 2 }\n\n[[s]]\nq = [1, 2]\n[[s]]\nq = 3\n";
        let src = Source::new(Path::new("f.toml"), text.into());
        let p = |segs: &[Seg]| FieldPath(segs.to_vec());
        let k = |s: &str| Seg::Key(s.into());
        assert_eq!(src.locate(&p(&[k("a"), k("x")])), Some((2, 1)));
        assert_eq!(src.locate(&p(&[k("a"), k("y"), k("z")])), Some((3, 7)));
        assert_eq!(
            src.locate(&p(&[k("s"), Seg::Index(1), k("q")])),
            Some((8, 1))
        );
        assert_eq!(
            src.locate(&p(&[k("s"), Seg::Index(0), k("q"), Seg::Index(1)])),
            Some((6, 9))
        );
        // A missing key is reported at its deepest existing ancestor.
        assert_eq!(src.locate(&p(&[k("a"), k("nope")])), Some((1, 2)));
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            suggest("r_limt_s", &["r_limit_s", "method"]),
            Some("r_limit_s")
        );
        assert_eq!(suggest("banana", &["r_limit_s", "method"]), None);
        assert_eq!(suggest(&"a".repeat(100_000), &["round_robin"]), None);
        assert_eq!(
            suggest("micro", &["long_running", "microlambda", "criu"]),
            Some("microlambda")
        );
    }
}
