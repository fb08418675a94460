//! A typed reader over one TOML table that records every problem instead of stopping at the
//! first, and reports keys it was never asked for as unknown (the `deny_unknown_fields` of
//! this layer).

use super::diag::{Diags, FieldPath, Source, suggest};
use toml::{Table, Value};

/// Reads one table; call [`Tab::finish`] after the last field to report unknown keys.
pub struct Tab<'a> {
    /// The source, for locations.
    pub src: &'a Source,
    /// Path of this table.
    pub path: FieldPath,
    t: &'a Table,
    known: Vec<&'static str>,
}

/// A value's TOML type name, for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

impl<'a> Tab<'a> {
    /// A reader of `t` at `path`.
    pub fn new(src: &'a Source, path: FieldPath, t: &'a Table) -> Self {
        Tab {
            src,
            path,
            t,
            known: Vec::new(),
        }
    }

    /// The raw value of `key`, marking it known.
    pub fn raw(&mut self, key: &'static str) -> Option<&'a Value> {
        self.known.push(key);
        self.t.get(key)
    }

    /// Marks `keys` known without reading them (for a reader that may stop early).
    pub fn known(&mut self, keys: &[&'static str]) {
        self.known.extend_from_slice(keys);
    }

    /// Whether `key` is present (marks it known).
    pub fn has(&mut self, key: &'static str) -> bool {
        self.raw(key).is_some()
    }

    /// The path of `key`.
    pub fn at(&self, key: &str) -> FieldPath {
        self.path.key(key)
    }

    /// A number (integer or float), or `None` (absent or wrong type, which is reported).
    pub fn f64(&mut self, key: &'static str, d: &mut Diags, unit: &str) -> Option<f64> {
        match self.raw(key)? {
            Value::Float(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            v => {
                d.push(
                    self.src,
                    &self.at(key),
                    format!("expected a number [{unit}], found {}", type_name(v)),
                    format!("write e.g. `{key} = 1.5`"),
                );
                None
            }
        }
    }

    /// A number in `[lo, hi]` (`lo_open`: strictly above `lo`), or `default` when absent.
    #[allow(clippy::too_many_arguments)]
    pub fn f64_in(
        &mut self,
        key: &'static str,
        d: &mut Diags,
        unit: &str,
        lo: f64,
        lo_open: bool,
        hi: f64,
        default: f64,
    ) -> f64 {
        let Some(x) = self.f64(key, d, unit) else {
            return default;
        };
        let ok = x.is_finite() && (if lo_open { x > lo } else { x >= lo }) && x <= hi;
        if !ok {
            let range = match (lo_open, hi.is_finite()) {
                (true, false) => format!("greater than {lo}"),
                (false, false) => format!("at least {lo}"),
                (true, true) => format!("greater than {lo} and at most {hi}"),
                (false, true) => format!("between {lo} and {hi}"),
            };
            d.push(
                self.src,
                &self.at(key),
                format!("{x} is out of range: must be {range} [{unit}]"),
                format!("set `{key}` to a value {range}"),
            );
            return default;
        }
        x
    }

    /// A number inside the documented range `lim` (see [`super::limits::ALL`]), or `default`
    /// when absent; out of range is reported with the range, the unit and why.
    pub fn f64_lim(
        &mut self,
        key: &'static str,
        lim: &super::limits::Limit,
        d: &mut Diags,
        default: f64,
    ) -> f64 {
        let Some(x) = self.f64(key, d, lim.unit) else {
            return default;
        };
        if !lim.contains(x) {
            // Tiny and huge numbers as 5e-324, not 324 digits.
            let shown = if x != 0.0 && x.is_finite() && !(1e-4..1e16).contains(&x.abs()) {
                format!("{x:e}")
            } else {
                format!("{x}")
            };
            self.out_of_range(key, &shown, lim, d);
            return default;
        }
        x
    }

    /// A whole number inside the documented range `lim`, or `default` when absent.
    pub fn u64_lim(
        &mut self,
        key: &'static str,
        lim: &super::limits::Limit,
        d: &mut Diags,
        default: u64,
    ) -> u64 {
        match self.raw(key) {
            None => default,
            Some(Value::Integer(i)) if lim.contains(*i as f64) => *i as u64,
            Some(Value::Integer(i)) => {
                self.out_of_range(key, &i.to_string(), lim, d);
                default
            }
            Some(Value::Float(f)) if f.fract() == 0.0 && !lim.contains(*f) => {
                self.out_of_range(key, &format!("{f:e}"), lim, d);
                default
            }
            Some(v) => {
                d.push(
                    self.src,
                    &self.at(key),
                    format!("expected a whole number, found {}", type_name(v)),
                    format!(
                        "write a whole number {} without a fraction or exponent, e.g. `{key} = {}`",
                        lim.range_text(),
                        lim.min.max(1.0) as u64
                    ),
                );
                default
            }
        }
    }

    fn out_of_range(&self, key: &str, x: &str, lim: &super::limits::Limit, d: &mut Diags) {
        let unit = if lim.unit.is_empty() {
            String::new()
        } else {
            format!(" [{}]", lim.unit)
        };
        d.push(
            self.src,
            &self.at(key),
            format!("{x} is out of range: must be {}{unit}", lim.range_text()),
            format!(
                "set `{key}` to a value {} ({}: {})",
                lim.range_text(),
                lim.field,
                lim.why
            ),
        );
    }

    /// A non-negative integer in `[lo, hi]`, or `default` when absent.
    pub fn u64_in(
        &mut self,
        key: &'static str,
        d: &mut Diags,
        lo: u64,
        hi: u64,
        default: u64,
    ) -> u64 {
        match self.raw(key) {
            None => default,
            Some(Value::Integer(i)) if *i >= lo as i64 && (*i as u64) <= hi => *i as u64,
            Some(Value::Integer(i)) => {
                d.push(
                    self.src,
                    &self.at(key),
                    format!("{i} is out of range: must be between {lo} and {hi}"),
                    format!("set `{key}` to a whole number from {lo} to {hi}"),
                );
                default
            }
            Some(v) => {
                d.push(
                    self.src,
                    &self.at(key),
                    format!("expected a whole number, found {}", type_name(v)),
                    format!("write e.g. `{key} = {lo}`"),
                );
                default
            }
        }
    }

    /// A string, or `None`.
    pub fn str(&mut self, key: &'static str, d: &mut Diags) -> Option<&'a str> {
        match self.raw(key)? {
            Value::String(s) => Some(s.as_str()),
            v => {
                d.push(
                    self.src,
                    &self.at(key),
                    format!("expected a string, found {}", type_name(v)),
                    format!("write e.g. `{key} = \"...\"`"),
                );
                None
            }
        }
    }

    /// A string from `choices`, or `default` when absent (reported when not a choice).
    pub fn choice(
        &mut self,
        key: &'static str,
        d: &mut Diags,
        choices: &[&'static str],
        default: &'static str,
    ) -> &'static str {
        let Some(s) = self.str(key, d) else {
            return default;
        };
        match choices.iter().find(|c| **c == s) {
            Some(c) => c,
            None => {
                let hint = suggest(s, choices)
                    .map(|c| format!("did you mean \"{c}\"? "))
                    .unwrap_or_default();
                d.push(
                    self.src,
                    &self.at(key),
                    format!("unknown value \"{s}\""),
                    format!("{hint}use one of: {}", choices.join(", ")),
                );
                default
            }
        }
    }

    /// A string from `choices`; `None` when absent or invalid (invalid is reported), so callers
    /// can skip checks that depend on it.
    pub fn choice_opt(
        &mut self,
        key: &'static str,
        d: &mut Diags,
        choices: &[&'static str],
    ) -> Option<&'static str> {
        let valid = self
            .raw(key)
            .and_then(|v| v.as_str())
            .is_some_and(|s| choices.contains(&s));
        let c = self.choice(key, d, choices, "");
        valid.then_some(c)
    }

    /// A sub-table, or `None` (wrong type is reported).
    pub fn table(&mut self, key: &'static str, d: &mut Diags) -> Option<Tab<'a>> {
        match self.raw(key)? {
            Value::Table(t) => Some(Tab::new(self.src, self.at(key), t)),
            v => {
                d.push(
                    self.src,
                    &self.at(key),
                    format!("expected a table, found {}", type_name(v)),
                    format!(
                        "write `[{}]` with its keys, or an inline table `{key} = {{ ... }}`",
                        self.at(key)
                    ),
                );
                None
            }
        }
    }

    /// An array, or `None` (wrong type is reported).
    pub fn array(&mut self, key: &'static str, d: &mut Diags) -> Option<&'a Vec<Value>> {
        match self.raw(key)? {
            Value::Array(a) => Some(a),
            v => {
                d.push(
                    self.src,
                    &self.at(key),
                    format!("expected an array, found {}", type_name(v)),
                    format!("write e.g. `{key} = [1, 2]`"),
                );
                None
            }
        }
    }

    /// Reports a missing required key.
    pub fn missing(&self, key: &str, d: &mut Diags, fix: &str) {
        d.push(
            self.src,
            &self.at(key),
            format!("required key `{key}` is missing in [{}]", self.path),
            fix.to_string(),
        );
    }

    /// Reports every key that no reader asked for.
    pub fn finish(self, d: &mut Diags) {
        for k in self.t.keys() {
            if !self.known.contains(&k.as_str()) {
                let mut known = self.known.clone();
                known.sort();
                known.dedup();
                let hint = suggest(k, &known)
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                d.push(
                    self.src,
                    &self.at(k),
                    format!("unknown key `{k}`"),
                    format!("{hint}known keys here: {}", known.join(", ")),
                );
            }
        }
    }
}
