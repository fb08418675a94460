//! The Azure Functions trace of 2019 (Shahrad et al., "Serverless in the Wild", USENIX ATC'20;
//! `AzurePublicDataset`, `AzureFunctionsDataset2019`): one CSV file per day of each of three
//! kinds, read by [`read_azure_trace`].
//!
//! - Invocations, `invocations_per_function_md.anon.dNN.csv`: header
//!   `HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440`, one row per function, with its
//!   trigger and its invocations in each minute (the minute columns after `Trigger` are named
//!   `1` to `N`, in order; any `N ≥ 1` is read). A function is keyed by (owner, app, function).
//! - Durations, `function_durations_percentiles.anon.dNN.csv`: per function, its execution time
//!   \[ms\] over the day: `Average`, `Count`, `Minimum`, `Maximum` and the percentiles
//!   `percentile_Average_0`, `_1`, `_25`, `_50`, `_75`, `_99`, `_100`.
//! - App memory, `app_memory_percentiles.anon.dNN.csv`: per app (owner, app), its allocated
//!   memory \[MB\]: `SampleCount`, `AverageAllocatedMb` and the percentiles
//!   `AverageAllocatedMb_pct1`, `_pct5`, `_pct25`, `_pct50`, `_pct75`, `_pct95`, `_pct99`, `_pct100`.
//!
//! Columns are found by name; the durations and memory files may have more columns than these.
//! Their rows are joined to the invocations' functions by key; rows whose key is not in the
//! invocations file are ignored (the public files have such rows), but every row must be well
//! formed and no key may appear twice in a file.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use crate::ReadError;
use crate::error::csv_error;
use crate::limits::{LineCap, MAX_LINE_BYTES, read_capped};

const INVOCATIONS: &str = "Azure Functions invocations";
const DURATIONS: &str = "Azure Functions durations";
const MEMORY: &str = "Azure Functions app memory";

/// Largest invocations file read \[bytes\] (a day of the public trace has about 150 MB).
pub const MAX_INVOCATIONS_BYTES: u64 = 512 << 20;
/// Largest durations or memory file read \[bytes\] (a day of the public trace has a few MB).
pub const MAX_PERCENTILES_BYTES: u64 = 128 << 20;
/// Longest line of any of the three files \[bytes\]: [`MAX_LINE_BYTES`] (1 MiB). A row of a day's
/// invocations (1440 minutes) has 3 to 10 KB; a 14-day file would have about 150 KB.
pub const MAX_AZURE_LINE_BYTES: usize = MAX_LINE_BYTES;

/// The percentiles of the durations file, in the order of [`AzureDuration::percentiles_ms`].
pub const DURATION_PERCENTILES: [f64; 7] = [0.0, 1.0, 25.0, 50.0, 75.0, 99.0, 100.0];
const DURATION_COLUMNS: [&str; 7] = [
    "percentile_Average_0",
    "percentile_Average_1",
    "percentile_Average_25",
    "percentile_Average_50",
    "percentile_Average_75",
    "percentile_Average_99",
    "percentile_Average_100",
];
/// The percentiles of the memory file, in the order of [`AzureMemory::percentiles_mb`].
pub const MEMORY_PERCENTILES: [f64; 8] = [1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0, 100.0];
const MEMORY_COLUMNS: [&str; 8] = [
    "AverageAllocatedMb_pct1",
    "AverageAllocatedMb_pct5",
    "AverageAllocatedMb_pct25",
    "AverageAllocatedMb_pct50",
    "AverageAllocatedMb_pct75",
    "AverageAllocatedMb_pct95",
    "AverageAllocatedMb_pct99",
    "AverageAllocatedMb_pct100",
];

/// z of the 75th percentile of the standard normal distribution (Φ(z) = 0.75).
const Z75: f64 = 0.674_489_750_196_081_7;

/// A function's key: (owner, app, function), as the hashes of the files.
pub type FunctionKey = (String, String, String);
/// An app's key: (owner, app).
pub type AppKey = (String, String);

/// One function of the trace: its invocations per minute and, when given, its durations and its
/// app's memory.
#[derive(Clone, Debug, PartialEq)]
pub struct AzureFunction {
    /// `HashOwner`.
    pub owner: String,
    /// `HashApp`.
    pub app: String,
    /// `HashFunction`.
    pub function: String,
    /// `Trigger` (`http`, `timer`, `queue`, `event`, `storage`, `orchestration`, `others` in the
    /// public trace).
    pub trigger: String,
    /// Invocations in minute 1..N (index 0 is minute 1).
    pub per_minute: Vec<u32>,
    /// Execution times, from the durations file's row with this function's key (`None`: no such
    /// row, or no durations file).
    pub duration: Option<AzureDuration>,
    /// Memory of the function's app, from the memory file's row with its (owner, app) (`None`:
    /// no such row, or no memory file).
    pub memory_mb: Option<AzureMemory>,
}

/// A function's execution times over the day \[ms\] (a row of the durations file).
#[derive(Clone, Debug, PartialEq)]
pub struct AzureDuration {
    /// `Average` \[ms\]. Any finite number: the public trace has a few negative averages, a
    /// glitch of its collection (AzurePublicDataset issue #13, whose maintainers advise the
    /// percentiles instead).
    pub average_ms: f64,
    /// `Count`: executions over the day.
    pub count: u64,
    /// `Minimum` \[ms\]. Any finite number (negative in a few rows of the public trace, as
    /// [`average_ms`](Self::average_ms)).
    pub minimum_ms: f64,
    /// `Maximum` \[ms\]. Any finite number (as [`average_ms`](Self::average_ms)).
    pub maximum_ms: f64,
    /// (percentile, ms) for 0, 1, 25, 50, 75, 99, 100: each ≥ 0, not decreasing.
    pub percentiles_ms: [(f64, f64); 7],
}

/// An app's allocated memory over the day \[MB\] (a row of the memory file).
#[derive(Clone, Debug, PartialEq)]
pub struct AzureMemory {
    /// `SampleCount`: memory samples over the day.
    pub sample_count: u64,
    /// `AverageAllocatedMb` \[MB\], ≥ 0.
    pub average_mb: f64,
    /// (percentile, MB) for 1, 5, 25, 50, 75, 95, 99, 100: each ≥ 0, not decreasing.
    pub percentiles_mb: [(f64, f64); 8],
}

/// A day (or any number of minutes) of the Azure Functions trace.
#[derive(Clone, Debug, PartialEq)]
pub struct AzureTrace {
    /// Minute columns of the invocations file (1440 for a day).
    pub minutes: u32,
    /// The functions, in file order.
    pub functions: Vec<AzureFunction>,
}

impl AzureDuration {
    /// (mu, sigma) of a log-normal distribution of the duration in SECONDS (ln of the duration
    /// is normal with mean mu and standard deviation sigma), fitted to the 25th and 75th
    /// percentiles. `None` when the median is not > 0 (or the percentiles decrease, which the
    /// reader refuses).
    pub fn lognormal_fit(&self) -> Option<(f64, f64)> {
        // If ln X ~ N(mu, sigma²), the q-quantile of X is exp(mu + sigma·z_q), with
        // z_0.75 = Z75 = -z_0.25. So ln p75 = mu + sigma·Z75 and ln p25 = mu - sigma·Z75:
        //   mu = (ln p25 + ln p75) / 2,   sigma = (ln p75 - ln p25) / (2·Z75).
        // Durations are divided by 1000 first (ms → s): that shifts mu by -ln 1000 and leaves
        // sigma as it is.
        // p25 == p75 > 0 (then p50 is the same): all the mass at p50, (ln p50, 0).
        // p25 == 0 < p50 (sub-millisecond executions are written as 0 ms): p25 has no
        // logarithm, so fit the median and p75 instead: mu = ln p50, sigma = (ln p75 -
        // ln p50) / Z75 (0 when p75 == p50).
        let s = |i: usize| self.percentiles_ms[i].1 / 1000.0;
        let (p25, p50, p75) = (s(2), s(3), s(4));
        if p50.is_nan() || p50 <= 0.0 || p75 < p50 || p50 < p25 {
            return None;
        }
        if p25 > 0.0 {
            if p75 > p25 {
                let (l25, l75) = (p25.ln(), p75.ln());
                Some(((l25 + l75) / 2.0, (l75 - l25) / (2.0 * Z75)))
            } else {
                Some((p50.ln(), 0.0))
            }
        } else {
            Some((p50.ln(), (p75.ln() - p50.ln()) / Z75))
        }
    }
}

impl AzureTrace {
    /// Sets each function's [`duration`](AzureFunction::duration) to the row of `durations`
    /// with its key (`None` if there is none).
    pub fn join_durations(&mut self, durations: &HashMap<FunctionKey, AzureDuration>) {
        for f in &mut self.functions {
            let key = (f.owner.clone(), f.app.clone(), f.function.clone());
            f.duration = durations.get(&key).cloned();
        }
    }

    /// Sets each function's [`memory_mb`](AzureFunction::memory_mb) to the row of `memory` with
    /// its app's key (`None` if there is none).
    pub fn join_memory(&mut self, memory: &HashMap<AppKey, AzureMemory>) {
        for f in &mut self.functions {
            let key = (f.owner.clone(), f.app.clone());
            f.memory_mb = memory.get(&key).cloned();
        }
    }
}

/// Reads a day of the Azure Functions trace: the invocations file and, when given, the
/// durations and memory files of the same day, joined to the functions by key.
pub fn read_azure_trace(
    invocations: &Path,
    durations: Option<&Path>,
    memory: Option<&Path>,
) -> Result<AzureTrace, ReadError> {
    let mut trace = {
        let bytes = read_capped(
            invocations,
            INVOCATIONS,
            MAX_INVOCATIONS_BYTES,
            "a day of the public trace has about 150 MB (invocations_per_function_md.anon.dNN.csv): is this the right file?",
        )?;
        parse_invocations(invocations, &bytes)?
    };
    if let Some(path) = durations {
        let bytes = read_capped(
            path,
            DURATIONS,
            MAX_PERCENTILES_BYTES,
            "a day of the public trace has a few MB (function_durations_percentiles.anon.dNN.csv): is this the right file?",
        )?;
        trace.join_durations(&parse_durations(path, &bytes)?);
    }
    if let Some(path) = memory {
        let bytes = read_capped(
            path,
            MEMORY,
            MAX_PERCENTILES_BYTES,
            "a day of the public trace has a few MB (app_memory_percentiles.anon.dNN.csv): is this the right file?",
        )?;
        trace.join_memory(&parse_memory(path, &bytes)?);
    }
    Ok(trace)
}

fn reader(bytes: &[u8]) -> csv::Reader<LineCap<&[u8]>> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(LineCap::new(bytes, MAX_AZURE_LINE_BYTES))
}

/// The header of `rdr`, or a line-1 error.
fn header(
    file: &Path,
    format: &'static str,
    rdr: &mut csv::Reader<LineCap<&[u8]>>,
    hint: &str,
) -> Result<csv::StringRecord, ReadError> {
    rdr.headers()
        .cloned()
        .map_err(|e| csv_error(file, format, e, 1, hint))
}

/// Index of the column `name` (case ignored), or a line-1 error naming it.
fn column(
    file: &Path,
    format: &'static str,
    headers: &csv::StringRecord,
    name: &str,
    expected: &str,
) -> Result<usize, ReadError> {
    headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            ReadError::line(
                file,
                format,
                1,
                format!("the header has no column `{name}`; {expected}: is this the right file?"),
            )
        })
}

/// Reads the next record into `rec`; `Ok(None)` at the end, else its line.
fn next_row(
    file: &Path,
    format: &'static str,
    rdr: &mut csv::Reader<LineCap<&[u8]>>,
    rec: &mut csv::StringRecord,
    line: u64,
    hint: &str,
) -> Result<Option<u64>, ReadError> {
    match rdr.read_record(rec) {
        Ok(false) => Ok(None),
        Ok(true) => Ok(Some(rec.position().map_or(line + 1, |p| p.line()))),
        Err(e) => Err(csv_error(file, format, e, line + 1, hint)),
    }
}

/// A whole number ≥ 0 of at most `max`, written in digits (or as a decimal with a zero
/// fraction, `3.0`, as pandas writes whole numbers); else what is wrong with it.
fn whole(text: &str, max: u64) -> Result<u64, &'static str> {
    if let Ok(v) = text.parse::<u64>() {
        return if v <= max { Ok(v) } else { Err("is too large") };
    }
    if text.is_empty() {
        return Err("is empty");
    }
    match text.parse::<f64>() {
        Ok(x) if !x.is_finite() => Err("is not a number"),
        Ok(x) if x < 0.0 || text.starts_with('-') => Err("is negative"),
        Ok(x) if x.fract() != 0.0 => Err("is not a whole number"),
        Ok(x) if x > max as f64 => Err("is too large"),
        Ok(x) => Ok(x as u64),
        Err(_) => Err("is not a number"),
    }
}

/// A finite number, `≥ 0` if `non_negative`; else what is wrong with it.
fn number(text: &str, non_negative: bool) -> Result<f64, &'static str> {
    if text.is_empty() {
        return Err("is empty");
    }
    match text.parse::<f64>() {
        Ok(x) if !x.is_finite() => Err("is not a finite number"),
        Ok(x) if non_negative && x < 0.0 => Err("is negative"),
        Ok(x) => Ok(x),
        Err(_) => Err("is not a number"),
    }
}

/// "column `C`: `text` is negative" (or "column `C` is empty").
fn cell(what: &str, text: &str, problem: &str) -> String {
    if text.is_empty() {
        format!("{what} is empty")
    } else {
        format!("{what}: `{text}` {problem}")
    }
}

/// The key fields of a row at `cols`, each non-empty.
fn key_fields<const N: usize>(
    file: &Path,
    format: &'static str,
    rec: &csv::StringRecord,
    line: u64,
    names: [&str; N],
    cols: [usize; N],
) -> Result<[String; N], ReadError> {
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for ((name, c), o) in names.iter().zip(cols).zip(&mut out) {
        let v = rec.get(c).unwrap_or("");
        if v.is_empty() {
            return Err(ReadError::line(
                file,
                format,
                line,
                format!(
                    "{name} is empty; every row names its {} (hashes in the public trace): fill it in or remove the row",
                    names.join(", ")
                ),
            ));
        }
        *o = v.to_owned();
    }
    Ok(out)
}

/// Percentiles `values` (of `columns`) that decrease: the first such pair as an error message.
fn decreasing(values: &[f64], columns: &[&str]) -> Option<String> {
    (1..values.len()).find(|&i| values[i] < values[i - 1]).map(|i| {
        format!(
            "{} ({}) is less than {} ({}); percentiles must not decrease from column to column: correct the row or remove it",
            columns[i],
            values[i],
            columns[i - 1],
            values[i - 1]
        )
    })
}

/// Parses an invocations file (`file` is used in errors only). Durations and memory are `None`.
pub fn parse_invocations(file: &Path, bytes: &[u8]) -> Result<AzureTrace, ReadError> {
    const EXPECTED: &str = "an invocations file (invocations_per_function_md.anon.dNN.csv) has the header `HashOwner,HashApp,HashFunction,Trigger,1,2,...,1440`";
    const HINT: &str = "each row is HashOwner,HashApp,HashFunction,Trigger and one invocation count per minute column";
    let err = |line: u64, message: String| ReadError::line(file, INVOCATIONS, line, message);
    let mut rdr = reader(bytes);
    let headers = header(file, INVOCATIONS, &mut rdr, HINT)?;
    let col = |name: &str| column(file, INVOCATIONS, &headers, name, EXPECTED);
    let keys = [col("HashOwner")?, col("HashApp")?, col("HashFunction")?];
    let trigger = col("Trigger")?;
    let first = trigger + 1;
    if first == headers.len() {
        return Err(err(
            1,
            "no minute columns after `Trigger`; the header goes on `Trigger,1,2,...,N`, one column per minute".into(),
        ));
    }
    for (i, h) in headers.iter().enumerate().skip(first) {
        let minute = i - trigger;
        if h != minute.to_string() {
            return Err(err(
                1,
                format!(
                    "column {} is `{h}` where minute column `{minute}` belongs; the columns after `Trigger` are the minutes 1, 2, ..., N in order: add the missing minute column or correct its name",
                    i + 1
                ),
            ));
        }
    }
    let minutes = u32::try_from(headers.len() - first).map_err(|_| {
        err(
            1,
            "too many minute columns; a day has 1440: is this the right file?".into(),
        )
    })?;
    let names = ["HashOwner", "HashApp", "HashFunction"];
    let mut seen: HashMap<FunctionKey, u64> = HashMap::new();
    let mut functions = Vec::new();
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    while let Some(l) = next_row(file, INVOCATIONS, &mut rdr, &mut rec, line, HINT)? {
        line = l;
        let [owner, app, function] = key_fields(file, INVOCATIONS, &rec, line, names, keys)?;
        let mut per_minute = Vec::with_capacity(minutes as usize);
        for (i, text) in rec.iter().enumerate().skip(first) {
            let n = whole(text, u32::MAX.into()).map_err(|problem| {
                let what = format!("minute column `{}`", i - trigger);
                err(
                    line,
                    format!(
                        "{}; write the number of invocations in that minute, a whole number ≥ 0 (0 if none)",
                        cell(&what, text, problem)
                    ),
                )
            })?;
            per_minute.push(n as u32);
        }
        match seen.entry((owner.clone(), app.clone(), function.clone())) {
            Entry::Occupied(e) => {
                return Err(err(
                    line,
                    format!(
                        "the function (HashOwner {owner}, HashApp {app}, HashFunction {function}) already has a row, on line {}; a function has one row: remove or merge the duplicate",
                        e.get()
                    ),
                ));
            }
            Entry::Vacant(e) => {
                e.insert(line);
            }
        }
        functions.push(AzureFunction {
            owner,
            app,
            function,
            trigger: rec.get(trigger).unwrap_or("").to_owned(),
            per_minute,
            duration: None,
            memory_mb: None,
        });
    }
    if functions.is_empty() {
        return Err(err(
            1,
            "the file has no function rows; add one row per function: HashOwner,HashApp,HashFunction,Trigger,COUNT,...".into(),
        ));
    }
    Ok(AzureTrace { minutes, functions })
}

/// Parses a durations file (`file` is used in errors only): each function's durations by key.
pub fn parse_durations(
    file: &Path,
    bytes: &[u8],
) -> Result<HashMap<FunctionKey, AzureDuration>, ReadError> {
    const EXPECTED: &str = "a durations file (function_durations_percentiles.anon.dNN.csv) has the columns HashOwner, HashApp, HashFunction, Average, Count, Minimum, Maximum and percentile_Average_0, _1, _25, _50, _75, _99, _100";
    const HINT: &str = "each row is a function's key and its durations [ms]";
    let err = |line: u64, message: String| ReadError::line(file, DURATIONS, line, message);
    let mut rdr = reader(bytes);
    let headers = header(file, DURATIONS, &mut rdr, HINT)?;
    let col = |name: &str| column(file, DURATIONS, &headers, name, EXPECTED);
    let names = ["HashOwner", "HashApp", "HashFunction"];
    let keys = [col(names[0])?, col(names[1])?, col(names[2])?];
    let (average, count) = (col("Average")?, col("Count")?);
    let (minimum, maximum) = (col("Minimum")?, col("Maximum")?);
    let mut pcols = [0; 7];
    for (c, name) in pcols.iter_mut().zip(DURATION_COLUMNS) {
        *c = col(name)?;
    }
    let mut out: HashMap<FunctionKey, (u64, AzureDuration)> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    while let Some(l) = next_row(file, DURATIONS, &mut rdr, &mut rec, line, HINT)? {
        line = l;
        let [owner, app, function] = key_fields(file, DURATIONS, &rec, line, names, keys)?;
        let field = |c: usize| rec.get(c).unwrap_or("");
        let ms = |c: usize, non_negative: bool| {
            number(field(c), non_negative).map_err(|problem| {
                let what = format!("column `{}`", &headers[c]);
                let rule = if non_negative {
                    "a number of milliseconds ≥ 0"
                } else {
                    "a number of milliseconds"
                };
                err(
                    line,
                    format!("{}; write {rule}", cell(&what, field(c), problem)),
                )
            })
        };
        let count = whole(field(count), u64::MAX).map_err(|problem| {
            err(
                line,
                format!(
                    "{}; write the number of executions, a whole number ≥ 0",
                    cell("column `Count`", field(count), problem)
                ),
            )
        })?;
        let mut values = [0.0; 7];
        for (v, &c) in values.iter_mut().zip(&pcols) {
            *v = ms(c, true)?;
        }
        if let Some(m) = decreasing(&values, &DURATION_COLUMNS) {
            return Err(err(line, m));
        }
        let duration = AzureDuration {
            average_ms: ms(average, false)?,
            count,
            minimum_ms: ms(minimum, false)?,
            maximum_ms: ms(maximum, false)?,
            percentiles_ms: std::array::from_fn(|i| (DURATION_PERCENTILES[i], values[i])),
        };
        match out.entry((owner, app, function)) {
            Entry::Occupied(e) => {
                let (o, a, f) = e.key();
                return Err(err(
                    line,
                    format!(
                        "the function (HashOwner {o}, HashApp {a}, HashFunction {f}) already has a row, on line {}; a function has one row: remove the duplicate",
                        e.get().0
                    ),
                ));
            }
            Entry::Vacant(e) => {
                e.insert((line, duration));
            }
        }
    }
    if out.is_empty() {
        return Err(err(
            1,
            "the file has no rows; add one row per function, or leave the durations file out"
                .into(),
        ));
    }
    Ok(out.into_iter().map(|(k, (_, d))| (k, d)).collect())
}

/// Parses an app memory file (`file` is used in errors only): each app's memory by key.
pub fn parse_memory(file: &Path, bytes: &[u8]) -> Result<HashMap<AppKey, AzureMemory>, ReadError> {
    const EXPECTED: &str = "an app memory file (app_memory_percentiles.anon.dNN.csv) has the columns HashOwner, HashApp, SampleCount, AverageAllocatedMb and AverageAllocatedMb_pct1, _pct5, _pct25, _pct50, _pct75, _pct95, _pct99, _pct100";
    const HINT: &str = "each row is an app's key and its allocated memory [MB]";
    let err = |line: u64, message: String| ReadError::line(file, MEMORY, line, message);
    let mut rdr = reader(bytes);
    let headers = header(file, MEMORY, &mut rdr, HINT)?;
    let col = |name: &str| column(file, MEMORY, &headers, name, EXPECTED);
    let names = ["HashOwner", "HashApp"];
    let keys = [col(names[0])?, col(names[1])?];
    let (samples, average) = (col("SampleCount")?, col("AverageAllocatedMb")?);
    let mut pcols = [0; 8];
    for (c, name) in pcols.iter_mut().zip(MEMORY_COLUMNS) {
        *c = col(name)?;
    }
    let mut out: HashMap<AppKey, (u64, AzureMemory)> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    while let Some(l) = next_row(file, MEMORY, &mut rdr, &mut rec, line, HINT)? {
        line = l;
        let [owner, app] = key_fields(file, MEMORY, &rec, line, names, keys)?;
        let field = |c: usize| rec.get(c).unwrap_or("");
        let mb = |c: usize| {
            number(field(c), true).map_err(|problem| {
                let what = format!("column `{}`", &headers[c]);
                err(
                    line,
                    format!(
                        "{}; write a number of megabytes ≥ 0",
                        cell(&what, field(c), problem)
                    ),
                )
            })
        };
        let sample_count = whole(field(samples), u64::MAX).map_err(|problem| {
            err(
                line,
                format!(
                    "{}; write the number of samples, a whole number ≥ 0",
                    cell("column `SampleCount`", field(samples), problem)
                ),
            )
        })?;
        let mut values = [0.0; 8];
        for (v, &c) in values.iter_mut().zip(&pcols) {
            *v = mb(c)?;
        }
        if let Some(m) = decreasing(&values, &MEMORY_COLUMNS) {
            return Err(err(line, m));
        }
        let memory = AzureMemory {
            sample_count,
            average_mb: mb(average)?,
            percentiles_mb: std::array::from_fn(|i| (MEMORY_PERCENTILES[i], values[i])),
        };
        match out.entry((owner, app)) {
            Entry::Occupied(e) => {
                let (o, a) = e.key();
                return Err(err(
                    line,
                    format!(
                        "the app (HashOwner {o}, HashApp {a}) already has a row, on line {}; an app has one row: remove the duplicate",
                        e.get().0
                    ),
                ));
            }
            Entry::Vacant(e) => {
                e.insert((line, memory));
            }
        }
    }
    if out.is_empty() {
        return Err(err(
            1,
            "the file has no rows; add one row per app, or leave the memory file out".into(),
        ));
    }
    Ok(out.into_iter().map(|(k, (_, m))| (k, m)).collect())
}

#[cfg(test)]
mod tests;
