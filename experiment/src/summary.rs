//! The per-point summary (`summary.csv`, and the table `mlsim run` prints), computed from the
//! merged record CSVs only, so `mlsim plot` can redo it.

use crate::error::{Result, csv_err};
use crate::folder::{into_bytes, write_atomic};
use mlsim_core::record::{CheckpointRecord, RequestRecord, RunRecord};
use mlsim_core::stats::{RepCi, median};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// One sweep point, aggregated over its replications.
///
/// In `summary.csv` the point's identity (`app` … `r_limit_s`, `items`) is not written from
/// these fields but copied from `runs.csv`: every column of it that describes the point
/// ([`point_columns`]: placement and its parameters, items per workload class, each swept
/// parameter), so the table groups by whatever the sweep varied. A statistic without a value
/// (no request finished, no checkpoint) is an empty cell, never `NaN`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Sweep point.
    #[serde(skip)]
    pub point: u32,
    /// Application (`+`-joined for a mix of workload classes).
    #[serde(skip)]
    pub app: String,
    /// Checkpoint method.
    #[serde(skip)]
    pub method: String,
    /// Placement policy.
    #[serde(skip)]
    pub placement: String,
    /// r_limit \[s\]; `None` for long-running (`inf` in the CSVs).
    #[serde(skip)]
    pub r_limit_s: Option<f64>,
    /// Items per request; `None` for a mix of workload classes.
    #[serde(skip)]
    pub items: Option<u32>,
    /// Runs (replications) of the point with status ok.
    pub runs: u32,
    /// Requests the client was notified of with an output.
    pub requests_ok: u32,
    /// Requests that failed or did not finish.
    pub requests_failed: u32,
    /// Mean execution time of ok requests \[s\]: the mean over replications of each
    /// replication's mean (NaN, an empty cell, without an ok request).
    #[serde(serialize_with = "nan_empty")]
    pub exec_mean_s: f64,
    /// Half-width of the 95 % confidence interval of that mean over the replications \[s\]:
    /// t(0.975, n − 1)·s/√n ([`mlsim_core::stats`]); empty with fewer than two replications.
    pub exec_ci95_s: Option<f64>,
    /// Mean network load per request \[bytes\].
    #[serde(serialize_with = "nan_empty")]
    pub bytes_mean: f64,
    /// Mean invocations per request.
    #[serde(serialize_with = "nan_empty")]
    pub invocations_mean: f64,
    /// Mean checkpoints per request.
    #[serde(serialize_with = "nan_empty")]
    pub checkpoints_mean: f64,
    /// Mean missed checkpoints per request.
    #[serde(serialize_with = "nan_empty")]
    pub missed_mean: f64,
    /// Mean lost work per request \[s\].
    #[serde(serialize_with = "nan_empty")]
    pub lost_work_mean_s: f64,
    /// Median checkpoint time \[ms\] (empty without checkpoints).
    pub ckpt_time_median_ms: Option<f64>,
    /// Median compressed checkpoint size \[bytes\].
    pub ckpt_size_median_bytes: Option<f64>,
}

/// Writes a NaN (a statistic of nothing) as an empty cell.
fn nan_empty<S: serde::Serializer>(x: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    if x.is_nan() {
        s.serialize_none()
    } else {
        s.serialize_f64(*x)
    }
}

/// Column names, and per point its cells in those columns.
pub type PointCells = (Vec<String>, BTreeMap<u32, Vec<String>>);

/// Columns of `runs.csv` that are not the point's identity: per run, or the packed `params`
/// (each swept parameter has its own column).
const PER_RUN: &[&str] = &[
    "run",
    "point",
    "replication",
    "seed",
    "params",
    "status",
    "events",
];

/// The columns of `runs.csv` (its header `header`) that describe a point: all but
/// `PER_RUN` (run, point, replication, seed, params, status, events), in their order.
pub fn point_columns(header: &csv::StringRecord) -> Vec<usize> {
    (0..header.len())
        .filter(|&i| !PER_RUN.contains(&&header[i]))
        .collect()
}

/// The point columns of `runs.csv` text `runs` (see [`point_columns`]): their names, and per
/// point the cells of its first run.
pub fn point_cells(runs: &[u8], path: &Path) -> Result<PointCells> {
    let mut r = csv::Reader::from_reader(runs);
    let header = r.headers().map_err(csv_err(path))?.clone();
    let cols = point_columns(&header);
    let point = header.iter().position(|h| h == "point").ok_or_else(|| {
        crate::error::Error::Folder(format!("{} has no point column", path.display()))
    })?;
    let mut cells = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.map_err(csv_err(path))?;
        let p: u32 = rec[point].parse().map_err(|_| {
            crate::error::Error::Folder(format!(
                "{}: point \"{}\" is not a number",
                path.display(),
                &rec[point]
            ))
        })?;
        cells
            .entry(p)
            .or_insert_with(|| cols.iter().map(|&i| rec[i].to_string()).collect());
    }
    Ok((cols.iter().map(|&i| header[i].to_string()).collect(), cells))
}

/// The swept-parameter columns of `runs.csv` text `runs` (those between `params` and
/// `status`): their names, and per point the cells of its first run.
pub fn swept_cells(runs: &[u8], path: &Path) -> Result<PointCells> {
    let (names, cells) = point_cells(runs, path)?;
    let mut r = csv::Reader::from_reader(runs);
    let header = r.headers().map_err(csv_err(path))?.clone();
    let at = |name: &str| header.iter().position(|h| h == name);
    let (Some(from), Some(to)) = (at("params"), at("status")) else {
        return Ok((Vec::new(), BTreeMap::new()));
    };
    let swept: Vec<&str> = (from + 1..to).map(|i| &header[i]).collect();
    let keep: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| swept.contains(&n.as_str()))
        .map(|(i, _)| i)
        .collect();
    let cells = cells
        .into_iter()
        .map(|(p, v)| (p, keep.iter().map(|&i| v[i].clone()).collect()))
        .collect();
    Ok((keep.iter().map(|&i| names[i].clone()).collect(), cells))
}

/// Writes `rows` as [`write_rows`] does, with the swept-parameter columns of `root/runs.csv`
/// ([`swept_cells`]) inserted after column `after` (rows' first column is their point): the
/// suspend and serverless studies' `summary.csv`.
pub fn write_rows_with_swept<T: serde::Serialize>(
    root: &Path,
    rows: &[T],
    after: &str,
) -> Result<()> {
    let path = root.join("summary.csv");
    let runs_path = root.join("runs.csv");
    let runs_text = std::fs::read(&runs_path).map_err(crate::error::io("read", &runs_path))?;
    let (names, cells) = swept_cells(&runs_text, &runs_path)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(csv_err(&path))?;
    }
    let plain = into_bytes(w).map_err(csv_err(&path))?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(plain.as_slice());
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut at = None;
    let empty = vec![String::new(); names.len()];
    for rec in r.records() {
        let rec = rec.map_err(csv_err(&path))?;
        let (i, extra) = match at {
            None => {
                let i = rec
                    .iter()
                    .position(|c| c == after)
                    .map_or(rec.len(), |i| i + 1);
                at = Some(i);
                (i, &names)
            }
            Some(i) => (
                i,
                rec.get(0)
                    .and_then(|p| p.parse::<u32>().ok())
                    .and_then(|p| cells.get(&p))
                    .unwrap_or(&empty),
            ),
        };
        out.write_record(
            rec.iter()
                .take(i)
                .chain(extra.iter().map(String::as_str))
                .chain(rec.iter().skip(i)),
        )
        .map_err(csv_err(&path))?;
    }
    write_atomic(&path, &into_bytes(out).map_err(csv_err(&path))?)
}

/// `summary.csv` as bytes: `point`, the point columns of `runs.csv` (`names`, with `cells`
/// per point), then the statistics of `rows`.
pub fn csv_bytes(
    rows: &[SummaryRow],
    names: &[String],
    cells: &BTreeMap<u32, Vec<String>>,
) -> std::result::Result<Vec<u8>, csv::Error> {
    // The statistics' cells, header first, as serde writes them.
    let mut stats = csv::Writer::from_writer(Vec::new());
    for r in rows {
        stats.serialize(r)?;
    }
    let stats = into_bytes(stats)?;
    let mut lines = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(stats.as_slice());
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut recs = lines.records();
    let stat_header = recs.next().transpose()?.unwrap_or_default();
    let mut header = vec!["point".to_string()];
    header.extend(names.iter().cloned());
    header.extend(stat_header.iter().map(str::to_string));
    out.write_record(&header)?;
    let empty = vec![String::new(); names.len()];
    for (r, rec) in rows.iter().zip(recs) {
        let rec = rec?;
        let mut line = vec![r.point.to_string()];
        line.extend(cells.get(&r.point).unwrap_or(&empty).iter().cloned());
        line.extend(rec.iter().map(str::to_string));
        out.write_record(&line)?;
    }
    into_bytes(out)
}

/// Aggregates records per sweep point (points in order).
///
/// `requests` is read once, in order: a slice or a stream of records.
pub fn summarize<R: std::borrow::Borrow<RequestRecord>>(
    runs: &[RunRecord],
    requests: impl IntoIterator<Item = R>,
    checkpoints: &[CheckpointRecord],
) -> Vec<SummaryRow> {
    /// What is collected per point before the means and medians are taken.
    #[derive(Default)]
    struct Acc {
        row: SummaryRow,
        /// (replication, execution time) of the ok requests.
        exec: Vec<(u32, f64)>,
        times_ms: Vec<f64>,
        sizes: Vec<f64>,
        /// Sums over the requests (bytes, invocations, checkpoints, missed, lost work), in
        /// record order as `mean` sums them (from −0.0, as `Iterator::sum` of f64 does).
        per_request: [f64; 5],
        /// Requests summed.
        n: usize,
    }
    let point_of: BTreeMap<u32, &RunRecord> = runs.iter().map(|r| (r.run, r)).collect();
    let mut acc: BTreeMap<u32, Acc> = BTreeMap::new();
    for r in runs {
        let a = acc.entry(r.point).or_insert_with(|| Acc {
            row: SummaryRow {
                point: r.point,
                app: r.app.clone(),
                method: r.method.clone(),
                placement: r.placement.clone(),
                r_limit_s: r.r_limit_s,
                items: r.items,
                ..Default::default()
            },
            per_request: [-0.0; 5],
            ..Default::default()
        });
        if r.status == "ok" {
            a.row.runs += 1;
        }
    }
    for q in requests {
        let q = q.borrow();
        let Some(a) = point_of.get(&q.run).and_then(|run| acc.get_mut(&run.point)) else {
            continue;
        };
        if q.status == "ok" {
            a.row.requests_ok += 1;
            let replication = point_of.get(&q.run).map_or(0, |run| run.replication);
            a.exec.push((replication, q.exec_time_s));
        } else {
            a.row.requests_failed += 1;
        }
        let v = [
            q.bytes as f64,
            q.invocations as f64,
            q.checkpoints as f64,
            q.missed_checkpoints as f64,
            q.lost_work_s,
        ];
        for (sum, x) in a.per_request.iter_mut().zip(v) {
            *sum += x;
        }
        a.n += 1;
    }
    for c in checkpoints {
        if let Some(a) = point_of.get(&c.run).and_then(|run| acc.get_mut(&run.point)) {
            a.times_ms.push(c.time_ns as f64 / 1e6);
            a.sizes.push(c.size_bytes as f64);
        }
    }
    acc.into_values()
        .map(|a| {
            let mut row = a.row;
            let exec = RepCi::of_replication_means(a.exec);
            row.exec_mean_s = exec.map_or(f64::NAN, |c| c.mean);
            row.exec_ci95_s = exec.and_then(|c| c.ci95);
            // The means of `mlsim_core::stats::mean` (NaN without requests), without holding
            // the values.
            let mean = |sum: f64| if a.n == 0 { f64::NAN } else { sum / a.n as f64 };
            let [bytes, invocations, checkpoints, missed, lost] = a.per_request;
            row.bytes_mean = mean(bytes);
            row.invocations_mean = mean(invocations);
            row.checkpoints_mean = mean(checkpoints);
            row.missed_mean = mean(missed);
            row.lost_work_mean_s = mean(lost);
            row.ckpt_time_median_ms = median(a.times_ms);
            row.ckpt_size_median_bytes = median(a.sizes);
            row
        })
        .collect()
}

/// Reads a record CSV of a result folder.
pub fn read_csv<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let mut r = csv::Reader::from_path(path).map_err(csv_err(path))?;
    let mut v = Vec::new();
    for rec in r.deserialize() {
        v.push(rec.map_err(csv_err(path))?);
    }
    Ok(v)
}

/// Writes `rows` as CSV (header from the first row; an empty file without rows) to `path`,
/// atomically: every study's `summary.csv`.
pub fn write_rows<T: serde::Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(csv_err(path))?;
    }
    write_atomic(path, &into_bytes(w).map_err(csv_err(path))?)
}

/// Computes the summary from the merged CSVs in `root` and writes `root/summary.csv`.
pub fn write(root: &Path) -> Result<Vec<SummaryRow>> {
    let runs = read_csv(&root.join("runs.csv"))?;
    let checkpoints = read_csv(&root.join("checkpoints.csv"))?;
    // Requests streamed: a study of millions of them is summarised without holding them.
    let path = root.join("requests.csv");
    let mut requests = csv::Reader::from_path(&path).map_err(csv_err(&path))?;
    let mut error = None;
    let stream = requests
        .deserialize::<RequestRecord>()
        .map_while(|r| match r {
            Ok(q) => Some(q),
            Err(e) => {
                error = Some(e);
                None
            }
        });
    let rows = summarize(&runs, stream, &checkpoints);
    if let Some(e) = error {
        return Err(csv_err(&path)(e));
    }
    let runs_path = root.join("runs.csv");
    let runs_text = std::fs::read(&runs_path).map_err(crate::error::io("read", &runs_path))?;
    let (names, cells) = point_cells(&runs_text, &runs_path)?;
    let path = root.join("summary.csv");
    let bytes = csv_bytes(&rows, &names, &cells).map_err(csv_err(&path))?;
    write_atomic(&path, &bytes)?;
    Ok(rows)
}

/// The summary as an aligned text table (what `mlsim run` prints).
pub fn table(rows: &[SummaryRow]) -> String {
    let mut out = String::new();
    let header = [
        "point",
        "app",
        "method",
        "r_limit_s",
        "items",
        "ok",
        "exec_mean_s",
        "±ci95",
        "bytes_mean",
        "invocations",
        "ckpt_ms",
        "ckpt_bytes",
    ];
    let body: Vec<[String; 12]> = rows
        .iter()
        .map(|r| {
            [
                r.point.to_string(),
                r.app.clone(),
                r.method.clone(),
                r.r_limit_s.map_or("-".into(), |x| format!("{x}")),
                r.items.map_or("-".into(), |i| i.to_string()),
                format!("{}/{}", r.requests_ok, r.requests_ok + r.requests_failed),
                format!("{:.3}", r.exec_mean_s),
                r.exec_ci95_s.map_or("-".into(), |x| format!("{x:.3}")),
                format!("{:.0}", r.bytes_mean),
                format!("{:.2}", r.invocations_mean),
                r.ckpt_time_median_ms
                    .map_or("-".into(), |x| format!("{x:.1}")),
                r.ckpt_size_median_bytes
                    .map_or("-".into(), |x| format!("{x:.0}")),
            ]
        })
        .collect();
    out.push_str(&aligned(&header, &body));
    out
}

/// How much of `summary.csv` `mlsim run` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TableSize {
    /// A short table (the default): the mean execution time by app and items (rows) and
    /// method and r_limit (columns) when the points are such a grid, else the first rows.
    #[default]
    Short,
    /// Every row and column of `summary.csv`'s table.
    Full,
    /// No table.
    None,
}

/// Rows of the short table at most.
pub const SHORT_ROWS: usize = 30;

/// The table `mlsim run` prints, of the size asked for.
pub fn table_of(rows: &[SummaryRow], size: TableSize) -> String {
    match size {
        TableSize::Full => table(rows),
        TableSize::None => String::new(),
        TableSize::Short => short_table(rows),
    }
}

/// The short table: when every point is one (app, items) × (method, r_limit) cell and there are
/// 2 to 12 (method, r_limit) columns, the mean execution time \[s\] in a grid (a cell whose point
/// had failed requests is marked `*`); otherwise the full table's first rows. At most
/// [`SHORT_ROWS`] rows either way, with a line saying what was left out and where it is.
pub fn short_table(rows: &[SummaryRow]) -> String {
    type Col = (String, Option<u64>);
    let col_of = |r: &SummaryRow| -> Col { (r.method.clone(), r.r_limit_s.map(f64::to_bits)) };
    let mut cols: Vec<Col> = Vec::new();
    let mut keys: Vec<(String, Option<u32>)> = Vec::new();
    let mut cells: std::collections::HashMap<((String, Option<u32>), Col), &SummaryRow> =
        std::collections::HashMap::new();
    let mut grid = true;
    for r in rows {
        let (c, k) = (col_of(r), (r.app.clone(), r.items));
        if !cols.contains(&c) {
            cols.push(c.clone());
        }
        if !keys.contains(&k) {
            keys.push(k.clone());
        }
        grid &= cells.insert((k, c), r).is_none();
    }
    let more = |total: usize, what: &str| {
        if total > SHORT_ROWS {
            format!(
                "… {} more {what}: `--table full` prints every row; summary.csv has them all\n",
                total - SHORT_ROWS
            )
        } else {
            String::new()
        }
    };
    if !grid || cols.len() < 2 || cols.len() > 12 {
        let shown = rows.len().min(SHORT_ROWS);
        return table(&rows[..shown]) + &more(rows.len(), "rows");
    }
    let names: Vec<String> = cols
        .iter()
        .map(|(m, r)| match r {
            Some(b) => format!("{m}@{}", f64::from_bits(*b)),
            None => m.clone(),
        })
        .collect();
    let mut header = vec!["app", "items"];
    header.extend(names.iter().map(String::as_str));
    let shown = keys.len().min(SHORT_ROWS);
    let body: Vec<Vec<String>> = keys[..shown]
        .iter()
        .map(|k| {
            let mut row = vec![k.0.clone(), k.1.map_or("-".into(), |i| i.to_string())];
            row.extend(
                cols.iter()
                    .map(|c| match cells.get(&(k.clone(), c.clone())) {
                        Some(r) if r.requests_failed > 0 => format!("{:.3}*", r.exec_mean_s),
                        Some(r) => format!("{:.3}", r.exec_mean_s),
                        None => "-".into(),
                    }),
            );
            row
        })
        .collect();
    let mut out = String::from(
        "mean execution time per request [s], by app and items × method@r_limit_s (* = some requests failed; `--table full` for every column and the 95 % CIs)\n",
    );
    out.push_str(&aligned(&header, &body));
    out + &more(keys.len(), "app × items rows")
}

/// Right-aligned text columns two spaces apart, header first, trailing blanks trimmed (the
/// tables `mlsim run` prints).
pub fn aligned<R: AsRef<[String]>>(header: &[&str], body: &[R]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in body {
        for (w, c) in widths.iter_mut().zip(row.as_ref()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
            + "\n"
    };
    let mut out = line(header.to_vec());
    for row in body {
        out.push_str(&line(row.as_ref().iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        point: u32,
        app: &str,
        items: u32,
        method: &str,
        r: Option<f64>,
        exec: f64,
    ) -> SummaryRow {
        SummaryRow {
            point,
            app: app.into(),
            items: Some(items),
            method: method.into(),
            r_limit_s: r,
            exec_mean_s: exec,
            requests_ok: 1,
            ..SummaryRow::default()
        }
    }

    /// Two apps × one size × (long-running, μλ@2): a 2 × 2 grid of means, the failed cell
    /// starred, no note (2 rows ≤ 30).
    #[test]
    fn a_grid_of_points_is_pivoted() {
        let mut rows = vec![
            row(0, "face", 10, "long_running", None, 10.5),
            row(1, "face", 10, "microlambda", Some(2.0), 12.25),
            row(2, "taxi", 50, "long_running", None, 8.0),
            row(3, "taxi", 50, "microlambda", Some(2.0), 9.125),
        ];
        rows[3].requests_failed = 1;
        let t = short_table(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4, "{t}");
        assert!(lines[1].ends_with("long_running  microlambda@2"), "{t}");
        assert!(
            lines[2].ends_with("face     10        10.500         12.250"),
            "{t}"
        );
        assert!(lines[3].ends_with("9.125*"), "{t}");
        assert_eq!(table_of(&rows, TableSize::None), "");
        assert_eq!(table_of(&rows, TableSize::Full), table(&rows));
    }

    /// Two points in one cell (another swept parameter): not a grid, so the full table's first
    /// 30 of 40 rows and a note of the 10 left out.
    #[test]
    fn points_that_are_not_a_grid_get_the_first_rows() {
        let rows: Vec<SummaryRow> = (0..40)
            .map(|i| {
                row(
                    i,
                    "face",
                    10,
                    if i % 2 == 0 { "criu" } else { "microlambda" },
                    Some(2.0),
                    1.0,
                )
            })
            .collect();
        let t = short_table(&rows);
        assert_eq!(t.lines().count(), 1 + 30 + 1, "{t}");
        assert!(t.starts_with("point"), "{t}");
        assert!(
            t.ends_with(
                "… 10 more rows: `--table full` prints every row; summary.csv has them all\n"
            ),
            "{t}"
        );
    }
}
