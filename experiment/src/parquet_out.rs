//! The result folder's tables as Parquet (`--format parquet|both`): every top-level CSV but the
//! column dictionary becomes `<name>.parquet` beside it, ZSTD-compressed, with typed, nullable
//! columns that pandas (pyarrow) and polars read as they are.
//!
//! **Types** come from the column dictionary ([`crate::columns`]): `integer` → INT64 (`seed`,
//! a u64, → UINT64), `float` → DOUBLE, `boolean` → BOOLEAN, `string` → UTF-8 strings. A column
//! whose type the spec decides (a swept key) or the dictionary lacks is typed by its cells: all
//! integers → INT64, all numbers → DOUBLE, all `true`/`false` → BOOLEAN, else strings. An
//! empty CSV cell is a null.
//!
//! **Streaming**: a table is read once per pass (a second only when a column must be typed by
//! its cells) and written in row groups of [`ROW_GROUP`] rows, so memory does not grow with the
//! table (a 4.5 M-row `requests.csv` converts in bounded memory). Each file is written under a
//! temporary name and renamed into place.
//!
//! **Crate choice**: the `parquet` crate without arrow (its low-level column writers), as the
//! TLC reader in `mlsim-datasets` does, not polars: polars 0.55 with only `parquet`, `lazy`
//! and `csv` did not finish a clean release build within 6 minutes on this 2-core machine,
//! against about 30 s for `parquet` (see `datasets/src/trips_parquet.rs` for the measured
//! debug builds). The bytes depend only on the CSV (no timestamps), so they are identical
//! whatever `--jobs` was.

use crate::columns;
use crate::error::{Error, Result, csv_err, io};
use parquet::basic::{Compression, IntType, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per row group.
pub const ROW_GROUP: usize = 131_072;

/// Which tables a folder keeps (`mlsim run --format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// CSV only.
    Csv,
    /// Parquet only: the CSV tables are removed once the Parquet files, summaries and figures
    /// are written (the run files under `runs/` stay, and `--format both` on the same folder
    /// brings the CSVs back).
    Parquet,
    /// Both (the default).
    #[default]
    Both,
}

impl Format {
    /// The format named `s` (`csv`, `parquet`, `both`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Format::Csv),
            "parquet" => Some(Format::Parquet),
            "both" => Some(Format::Both),
            _ => None,
        }
    }
}

/// A column's Parquet type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    UInt,
    Float,
    Bool,
    Text,
}

impl Kind {
    /// The kind of a dictionary type; `None`: decided by the cells.
    fn of_dictionary(kind: &str, column: &str) -> Option<Kind> {
        match kind {
            "integer" if column == "seed" => Some(Kind::UInt),
            "integer" => Some(Kind::Int),
            "float" => Some(Kind::Float),
            "boolean" => Some(Kind::Bool),
            "string" => Some(Kind::Text),
            _ => None,
        }
    }

    fn field(self, name: &str) -> parquet::errors::Result<Type> {
        let (physical, logical) = match self {
            Kind::Int => (Physical::INT64, None),
            Kind::UInt => (
                Physical::INT64,
                Some(LogicalType::Integer(IntType {
                    bit_width: 64,
                    is_signed: false,
                })),
            ),
            Kind::Float => (Physical::DOUBLE, None),
            Kind::Bool => (Physical::BOOLEAN, None),
            Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
        };
        Type::primitive_type_builder(name, physical)
            .with_repetition(Repetition::OPTIONAL)
            .with_logical_type(logical)
            .build()
    }
}

/// What the cells of an untyped column allow, narrowed cell by cell.
#[derive(Clone, Copy, Debug)]
struct Guess {
    int: bool,
    float: bool,
    boolean: bool,
}

impl Guess {
    fn new() -> Self {
        Guess {
            int: true,
            float: true,
            boolean: true,
        }
    }
    fn see(&mut self, cell: &str) {
        if cell.is_empty() {
            return;
        }
        self.int &= cell.parse::<i64>().is_ok();
        self.float &= cell.parse::<f64>().is_ok();
        self.boolean &= cell == "true" || cell == "false";
    }
    fn kind(self) -> Kind {
        if self.int {
            Kind::Int
        } else if self.float {
            Kind::Float
        } else if self.boolean {
            Kind::Bool
        } else {
            Kind::Text
        }
    }
}

/// One column's buffered row group.
enum Buffer {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Text(Vec<ByteArray>),
}

/// The tables of the folder `root`: its CSVs but the dictionary `columns.csv`, in name order
/// (what `columns.csv` describes and what is converted to Parquet).
pub fn tables(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(root)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|n| n.ends_with(".csv") && n != "columns.csv" && !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Writes `<name>.parquet` for every table of `root` (a folder of study `study`); returns the
/// files written.
pub fn write_all(root: &Path, study: &str) -> Result<Vec<PathBuf>> {
    let dictionary = columns::entries();
    let mut written = Vec::new();
    for table in tables(root) {
        let csv_path = root.join(&table);
        let out = root.join(table.replace(".csv", ".parquet"));
        convert(&csv_path, &out, &table, study, &dictionary)?;
        written.push(out);
    }
    Ok(written)
}

/// Removes the CSV tables whose Parquet file exists (`--format parquet`); `columns.csv` stays.
pub fn remove_csv_tables(root: &Path) -> Result<()> {
    for table in tables(root) {
        let parquet = root.join(table.replace(".csv", ".parquet"));
        if parquet.is_file() {
            let p = root.join(&table);
            fs::remove_file(&p).map_err(io("remove", &p))?;
        }
    }
    Ok(())
}

/// Removes the Parquet tables of `root` (`--format csv` on a folder that had them).
pub fn remove_parquet_tables(root: &Path) -> Result<()> {
    for table in tables(root) {
        let p = root.join(table.replace(".csv", ".parquet"));
        if p.is_file() {
            fs::remove_file(&p).map_err(io("remove", &p))?;
        }
    }
    Ok(())
}

fn parquet_err(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> Error + '_ {
    move |e| Error::Folder(format!("writing {}: {e}", path.display()))
}

/// Converts the CSV table `csv_path` (file name `table`) into `out`.
fn convert(
    csv_path: &Path,
    out: &Path,
    table: &str,
    study: &str,
    dictionary: &[columns::Entry],
) -> Result<()> {
    let open = || csv::Reader::from_path(csv_path).map_err(csv_err(csv_path));
    let mut r = open()?;
    let header: Vec<String> = r
        .headers()
        .map_err(csv_err(csv_path))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut kinds: Vec<Option<Kind>> = header
        .iter()
        .map(|c| {
            columns::describe(dictionary, table, study, c)
                .and_then(|e| Kind::of_dictionary(&e.kind, c))
        })
        .collect();
    // A first pass only for the columns the cells must type.
    if kinds.iter().any(Option::is_none) {
        let mut guesses = vec![Guess::new(); header.len()];
        let mut rec = csv::StringRecord::new();
        while r.read_record(&mut rec).map_err(csv_err(csv_path))? {
            for (i, g) in guesses.iter_mut().enumerate() {
                if kinds[i].is_none() {
                    g.see(rec.get(i).unwrap_or(""));
                }
            }
        }
        for (k, g) in kinds.iter_mut().zip(guesses) {
            k.get_or_insert(g.kind());
        }
        r = open()?;
    }
    let kinds: Vec<Kind> = kinds.into_iter().map(|k| k.unwrap_or(Kind::Text)).collect();
    let perr = parquet_err(out);
    let fields = header
        .iter()
        .zip(&kinds)
        .map(|(name, k)| k.field(name).map(Arc::new))
        .collect::<parquet::errors::Result<Vec<_>>>()
        .map_err(&perr)?;
    let schema = Arc::new(
        Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(&perr)?,
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_created_by(format!("mlsim {}", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    let dir = out.parent().unwrap_or(Path::new("."));
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("table");
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| -> Result<()> {
        let file = fs::File::create(&tmp).map_err(io("create", &tmp))?;
        let mut w = SerializedFileWriter::new(file, schema, props).map_err(&perr)?;
        let mut buffers: Vec<(Buffer, Vec<i16>)> =
            kinds.iter().map(|&k| (new_buffer(k), Vec::new())).collect();
        let mut rows = 0usize;
        let mut rec = csv::StringRecord::new();
        let mut line = 1u64;
        loop {
            let more = r.read_record(&mut rec).map_err(csv_err(csv_path))?;
            if more {
                line += 1;
                for (i, (buf, def)) in buffers.iter_mut().enumerate() {
                    let cell = rec.get(i).unwrap_or("");
                    push(buf, def, cell).map_err(|why| {
                        Error::Folder(format!(
                            "{}:{line}: column {}: {why}",
                            csv_path.display(),
                            header[i]
                        ))
                    })?;
                }
                rows += 1;
            }
            if rows == ROW_GROUP || (!more && rows > 0) {
                let mut rg = w.next_row_group().map_err(&perr)?;
                for (buf, def) in buffers.iter_mut() {
                    let mut col = rg.next_column().map_err(&perr)?.ok_or_else(|| {
                        Error::Folder(format!("{}: fewer columns than the schema", out.display()))
                    })?;
                    match buf {
                        Buffer::Int(v) => {
                            col.typed::<Int64Type>()
                                .write_batch(v, Some(def), None)
                                .map_err(&perr)?;
                            v.clear();
                        }
                        Buffer::Float(v) => {
                            col.typed::<DoubleType>()
                                .write_batch(v, Some(def), None)
                                .map_err(&perr)?;
                            v.clear();
                        }
                        Buffer::Bool(v) => {
                            col.typed::<BoolType>()
                                .write_batch(v, Some(def), None)
                                .map_err(&perr)?;
                            v.clear();
                        }
                        Buffer::Text(v) => {
                            col.typed::<ByteArrayType>()
                                .write_batch(v, Some(def), None)
                                .map_err(&perr)?;
                            v.clear();
                        }
                    }
                    def.clear();
                    col.close().map_err(&perr)?;
                }
                rg.close().map_err(&perr)?;
                rows = 0;
            }
            if !more {
                break;
            }
        }
        let file = w.into_inner().map_err(&perr)?;
        file.sync_all().map_err(io("sync", &tmp))?;
        fs::rename(&tmp, out).map_err(io("rename", &tmp))?;
        Ok(())
    })();
    if result.is_err() {
        fs::remove_file(&tmp).ok();
    }
    result
}

fn new_buffer(k: Kind) -> Buffer {
    match k {
        Kind::Int | Kind::UInt => Buffer::Int(Vec::new()),
        Kind::Float => Buffer::Float(Vec::new()),
        Kind::Bool => Buffer::Bool(Vec::new()),
        Kind::Text => Buffer::Text(Vec::new()),
    }
}

/// Appends `cell` to a column: a null for an empty cell (definition level 0), else its value.
fn push(buf: &mut Buffer, def: &mut Vec<i16>, cell: &str) -> std::result::Result<(), String> {
    if cell.is_empty() {
        def.push(0);
        return Ok(());
    }
    def.push(1);
    match buf {
        Buffer::Int(v) => v.push(match cell.parse::<i64>() {
            Ok(x) => x,
            // A u64 above i64's range (a seed): its bits, read back as UINT64.
            Err(_) => cell
                .parse::<u64>()
                .map(|x| x as i64)
                .map_err(|_| format!("\"{cell}\" is not an integer"))?,
        }),
        Buffer::Float(v) => v.push(
            cell.parse::<f64>()
                .map_err(|_| format!("\"{cell}\" is not a number"))?,
        ),
        Buffer::Bool(v) => v.push(match cell {
            "true" => true,
            "false" => false,
            _ => return Err(format!("\"{cell}\" is not true or false")),
        }),
        Buffer::Text(v) => v.push(ByteArray::from(cell)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    /// A `runs.csv` with a u64 seed above i64's range, long-running's `inf`, a mix's empty
    /// `items`, and a swept key typed by its cells; read back cell by cell.
    #[test]
    fn a_table_round_trips_with_its_types_and_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let csv = "run,point,replication,seed,app,method,placement,r_limit_s,items,params,workload.items,bbu.load,status,events\n\
                   0,0,0,18446744073709551615,taxi+face,long_running,round_robin,inf,,x=1,7,low,ok,3\n\
                   1,1,0,5,taxi,microlambda,round_robin,2.5,4,x=2,,high,ok,9\n";
        std::fs::write(dir.path().join("runs.csv"), csv).unwrap();
        std::fs::write(dir.path().join("columns.csv"), "file,column\n").unwrap();
        let written = write_all(dir.path(), "protocol").unwrap();
        assert_eq!(written, [dir.path().join("runs.parquet")]);
        let r = SerializedFileReader::new(fs::File::open(&written[0]).unwrap()).unwrap();
        let schema = r.metadata().file_metadata().schema_descr();
        let physical: Vec<(String, Physical)> = schema
            .columns()
            .iter()
            .map(|c| (c.name().to_string(), c.physical_type()))
            .collect();
        let of = |n: &str| physical.iter().find(|(c, _)| c == n).unwrap().1;
        assert_eq!(of("seed"), Physical::INT64);
        assert_eq!(of("r_limit_s"), Physical::DOUBLE);
        assert_eq!(of("items"), Physical::INT64);
        assert_eq!(of("app"), Physical::BYTE_ARRAY);
        // Swept keys: all integers → INT64; text → strings.
        assert_eq!(of("workload.items"), Physical::INT64);
        assert_eq!(of("bbu.load"), Physical::BYTE_ARRAY);
        let rows: Vec<Vec<(String, Field)>> = r
            .get_row_iter(None)
            .unwrap()
            .map(|row| {
                row.unwrap()
                    .get_column_iter()
                    .map(|(n, f)| (n.clone(), f.clone()))
                    .collect()
            })
            .collect();
        let cell = |i: usize, n: &str| rows[i].iter().find(|(c, _)| c == n).unwrap().1.clone();
        assert_eq!(cell(0, "seed"), Field::ULong(u64::MAX));
        assert_eq!(cell(1, "seed"), Field::ULong(5));
        assert_eq!(cell(0, "r_limit_s"), Field::Double(f64::INFINITY));
        assert_eq!(cell(1, "r_limit_s"), Field::Double(2.5));
        assert_eq!(cell(0, "items"), Field::Null);
        assert_eq!(cell(1, "items"), Field::Long(4));
        assert_eq!(cell(1, "workload.items"), Field::Null);
        assert_eq!(cell(0, "app"), Field::Str("taxi+face".into()));
        // Same CSV, same bytes.
        let first = fs::read(&written[0]).unwrap();
        write_all(dir.path(), "protocol").unwrap();
        assert_eq!(fs::read(&written[0]).unwrap(), first);
    }

    /// More rows than a row group: every row is there, in order.
    #[test]
    fn long_tables_span_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let n = ROW_GROUP + 5;
        let mut csv = String::from("run,mode,bbu,cores\n");
        for i in 0..n {
            csv.push_str(&format!("{i},sim,{},8\n", i % 3));
        }
        std::fs::write(dir.path().join("bbus.csv"), csv).unwrap();
        let written = write_all(dir.path(), "protocol").unwrap();
        let r = SerializedFileReader::new(fs::File::open(&written[0]).unwrap()).unwrap();
        assert_eq!(r.metadata().num_row_groups(), 2);
        let runs: Vec<i64> = r
            .get_row_iter(None)
            .unwrap()
            .map(
                |row| match row.unwrap().get_column_iter().next().unwrap().1 {
                    Field::Long(x) => *x,
                    other => panic!("{other:?}"),
                },
            )
            .collect();
        assert_eq!(runs.len(), n);
        assert!(runs.iter().enumerate().all(|(i, &r)| r == i as i64));
    }

    /// A cell that is not of its documented type is an error naming the file, line and column,
    /// and leaves no file behind.
    #[test]
    fn a_bad_cell_names_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bbus.csv"),
            "run,mode,bbu,cores\n0,sim,0,8\n1,sim,1,eight\n",
        )
        .unwrap();
        let e = write_all(dir.path(), "protocol").unwrap_err().to_string();
        assert!(
            e.contains("bbus.csv:3: column cores") && e.contains("\"eight\""),
            "{e}"
        );
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
    }
}
