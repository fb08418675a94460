//! The column dictionary of a result folder, `columns.csv`: for every column of every table
//! the folder holds, its file, name, type, unit and meaning, so a researcher (or a dataframe
//! library) needs no source code to read the tables.
//!
//! The meanings come from one checked-in table, `experiment/src/columns.csv` (made from the
//! record structs' documentation; a test checks that every column of the studies' folders is
//! in it). Columns whose names depend on the spec are matched by pattern:
//! `placement_<param>` (a placement policy's parameter), `items_<app>` (a workload class's
//! items) and `<swept key>` (a name with a dot: a swept spec key).
//!
//! | column of `columns.csv` | meaning |
//! |---|---|
//! | `file` | the table (`requests.csv`, …) |
//! | `column` | the column's name in it |
//! | `type` | `integer`, `float`, `boolean`, `string`, or `as the spec` for swept keys |
//! | `unit` | `s`, `ns`, `bytes`, `MiB`, `GiB·s`, … (empty: a count, a ratio or a name) |
//! | `meaning` | what it holds |
//!
//! An empty cell in any table means "no value" (a statistic of nothing, a parameter the row's
//! policy does not have); `inf` in `r_limit_s` means no limit (long-running).

use crate::error::{Result, csv_err};
use crate::folder::{into_bytes, write_atomic};
use std::path::Path;

/// The checked-in dictionary (`file,study,column,type,unit,meaning`).
pub const DICTIONARY: &str = include_str!("columns.csv");

/// One entry of the dictionary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Entry {
    /// The table.
    pub file: String,
    /// The study whose table it is (`protocol`, `suspend`, `serverless`); empty: any.
    pub study: String,
    /// The column (or its pattern).
    pub column: String,
    /// `integer`, `float`, `boolean`, `string` or `as the spec`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Unit; empty for counts, ratios and names.
    pub unit: String,
    /// What it holds.
    pub meaning: String,
}

/// Every entry of [`DICTIONARY`].
pub fn entries() -> Vec<Entry> {
    let mut r = csv::Reader::from_reader(DICTIONARY.as_bytes());
    r.deserialize()
        .map(|e| e.expect("experiment/src/columns.csv is valid (tested)"))
        .collect()
}

/// The entry describing `column` of `file` in a folder of study `study`: its own entry, else
/// the study-independent one, else a pattern's (`placement_<param>`, `items_<app>`,
/// `<swept key>`).
pub fn describe<'a>(
    entries: &'a [Entry],
    file: &str,
    study: &str,
    column: &str,
) -> Option<&'a Entry> {
    let find = |col: &str| {
        entries
            .iter()
            .filter(|e| e.file == file && e.column == col)
            .find(|e| e.study == study)
            .or_else(|| {
                entries
                    .iter()
                    .find(|e| e.file == file && e.column == col && e.study.is_empty())
            })
    };
    find(column).or_else(|| {
        if column.contains('.') {
            find("<swept key>")
        } else if column.starts_with("placement_") {
            find("placement_<param>")
        } else if column.starts_with("items_") {
            find("items_<app>")
        } else {
            None
        }
    })
}

/// The dictionary of the folder `root` of study `study`: one row per column of each of its
/// tables, in file and column order; a column the dictionary lacks is listed with an empty
/// type and the meaning `not documented`.
pub fn of_folder(root: &Path, study: &str) -> Result<Vec<[String; 5]>> {
    let all = entries();
    let mut rows = Vec::new();
    for file in crate::parquet_out::tables(root) {
        let path = root.join(&file);
        let mut r = csv::Reader::from_path(&path).map_err(csv_err(&path))?;
        let header = r.headers().map_err(csv_err(&path))?.clone();
        for col in header.iter() {
            let row = match describe(&all, &file, study, col) {
                Some(e) => [
                    file.clone(),
                    col.to_string(),
                    e.kind.clone(),
                    e.unit.clone(),
                    e.meaning.clone(),
                ],
                None => [
                    file.clone(),
                    col.to_string(),
                    String::new(),
                    String::new(),
                    "not documented".into(),
                ],
            };
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Writes `root/columns.csv` (atomically) for a folder of study `study`.
pub fn write(root: &Path, study: &str) -> Result<()> {
    let path = root.join("columns.csv");
    let rows = of_folder(root, study)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["file", "column", "type", "unit", "meaning"])
        .map_err(csv_err(&path))?;
    for r in &rows {
        w.write_record(r).map_err(csv_err(&path))?;
    }
    write_atomic(&path, &into_bytes(w).map_err(csv_err(&path))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_reads_and_patterns_match() {
        let all = entries();
        assert!(all.len() > 200);
        for e in &all {
            assert!(!e.meaning.is_empty(), "{e:?}");
            assert!(
                ["integer", "float", "boolean", "string", "as the spec"].contains(&e.kind.as_str()),
                "{e:?}"
            );
        }
        let d = |f, s, c| describe(&all, f, s, c).map(|e| e.column.clone());
        assert_eq!(d("runs.csv", "protocol", "seed").as_deref(), Some("seed"));
        assert_eq!(
            d("runs.csv", "protocol", "workload.items").as_deref(),
            Some("<swept key>")
        );
        assert_eq!(
            d("requests.csv", "", "placement_alpha").as_deref(),
            Some("placement_<param>")
        );
        assert_eq!(
            d("summary.csv", "protocol", "items_face").as_deref(),
            Some("items_<app>")
        );
        // The study picks its summary's meaning.
        let runs = |s| describe(&all, "summary.csv", s, "runs").map(|e| e.study.clone());
        assert_eq!(runs("suspend").as_deref(), Some("suspend"));
        assert_eq!(runs("serverless").as_deref(), Some("serverless"));
        assert_eq!(d("requests.csv", "", "no_such_column"), None);
    }
}
