//! NYC TLC trip records: the Parquet reader (cargo feature `parquet`).
//!
//! Reads the monthly files as users download them from the TLC (`yellow_tripdata_YYYY-MM.parquet`,
//! `green_tripdata_…`), into the same [`Trips`] as the CSV reader: the same column names
//! ([`PICKUP_TIME`], …, found case-insensitively), the same folding onto one day and the same
//! skipping rules ([`fold_trip`]); rows where a time or a zone is null are skipped too.
//!
//! Column types accepted, covering what pyarrow, pandas and Spark have written over the TLC's
//! years: times as INT64 `TIMESTAMP(MILLIS|MICROS|NANOS)` (TLC files since 2022 are
//! `timestamp[us]`; older ones `timestamp\[ns\]`), legacy INT96 timestamps, or strings
//! `YYYY-MM-DD HH:MM:SS`; zone ids as INT32, INT64, FLOAT/DOUBLE holding whole numbers, or
//! strings. Only the four needed columns are decoded.
//!
//! **Crate choice.** The issue prefers polars; this reader uses the `parquet` crate (arrow-rs)
//! without its default features and without arrow (its low-level column readers), with the
//! `snap` and `zstd` codecs (pyarrow writes Snappy by default; ZSTD is the other codec in use).
//! Measured clean debug builds of just the dependency in a scratch crate on this 2-core machine
//! (shared, load ≈ 2–3): `parquet` 60.1 with these features, 29 s (40 lines of `cargo tree`);
//! `polars` 0.55 with `default-features = false, features = ["parquet", "dtype-datetime"]`,
//! 297 s (339 lines). Ten times the build for a four-column reader that needs no DataFrame
//! engine; the arrow-free `parquet` reader also decodes only the four columns used.

use std::path::Path;

use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType, Int96};
use parquet::file::reader::{FileReader, RowGroupReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use crate::ReadError;
use crate::trips::{
    DROPOFF_TIME, DROPOFF_ZONE, PICKUP_TIME, PICKUP_ZONE, Trips, fold_trip, parse_datetime,
};

const FORMAT: &str = "TLC trip Parquet";

/// One decoded cell of a needed column, before interpretation.
#[derive(Debug, Clone)]
enum Raw {
    Int(i64),
    Int96(Int96),
    Float(f64),
    Bytes(ByteArray),
}

/// Read a TLC trip Parquet file.
///
/// The `parquet` crate reads the footer first and checks its length against the file's, so a
/// wrong or endless file fails before any data is read.
pub fn read_tlc_parquet(path: &Path) -> Result<Trips, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| ReadError::io(path, FORMAT, e))?;
    read_parquet(file, path)
}

fn read_parquet(file: std::fs::File, path: &Path) -> Result<Trips, ReadError> {
    let whole = |m: String| ReadError::file(path, FORMAT, m);
    let reader = SerializedFileReader::new(file).map_err(|e| {
        whole(format!(
            "not a readable Parquet file: {e} (is it complete? download it again)"
        ))
    })?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let find = |names: &[&str]| -> Result<usize, ReadError> {
        (0..schema.num_columns())
            .find(|&i| {
                names
                    .iter()
                    .any(|n| schema.column(i).name().eq_ignore_ascii_case(n))
            })
            .ok_or_else(|| {
                whole(format!(
                    "no column named {} (is this a TLC trip file?)",
                    names.join(" or ")
                ))
            })
    };
    let cols = [
        find(PICKUP_TIME)?,
        find(DROPOFF_TIME)?,
        find(PICKUP_ZONE)?,
        find(DROPOFF_ZONE)?,
    ];
    let descrs: Vec<_> = cols.iter().map(|&c| schema.column(c)).collect();
    for d in &descrs {
        if d.max_rep_level() > 0 {
            return Err(whole(format!(
                "column {} is repeated (a list), not one value per trip",
                d.name()
            )));
        }
    }
    let (mut trips, mut skipped, mut first_row) = (Vec::new(), 0u64, 1u64);
    for g in 0..reader.num_row_groups() {
        let group = |m: String| ReadError::record(path, FORMAT, format!("row group {g}"), m);
        let rg = reader.get_row_group(g).map_err(|e| group(e.to_string()))?;
        let rows = usize::try_from(rg.metadata().num_rows())
            .map_err(|_| group("negative row count".into()))?;
        let mut data = Vec::with_capacity(4);
        for (&c, d) in cols.iter().zip(&descrs) {
            let v = read_column(rg.as_ref(), c, d, rows)
                .map_err(|e| group(format!("column {}: {e}", d.name())))?;
            if v.len() != rows {
                return Err(group(format!(
                    "column {}: {} values for {rows} rows",
                    d.name(),
                    v.len()
                )));
            }
            data.push(v);
        }
        let [pt, dt, pzs, dzs]: [Vec<Option<Raw>>; 4] = data
            .try_into()
            .map_err(|_| group("internal: not four columns".into()))?;
        let cells = pt.iter().zip(&dt).zip(pzs.iter().zip(&dzs));
        for (r, ((p, d), (pz, dz))) in cells.enumerate() {
            let row = first_row + r as u64;
            let (Some(p), Some(d), Some(pz), Some(dz)) = (p, d, pz, dz) else {
                skipped += 1;
                continue;
            };
            let at = |k: usize, e: String| {
                ReadError::record(
                    path,
                    FORMAT,
                    format!("row {row}, column {}", descrs[k].name()),
                    e,
                )
            };
            let (p, d) = (
                epoch_s(p, &descrs[0]).map_err(|e| at(0, e))?,
                epoch_s(d, &descrs[1]).map_err(|e| at(1, e))?,
            );
            let (pz, dz) = (
                zone(pz).map_err(|e| at(2, e))?,
                zone(dz).map_err(|e| at(3, e))?,
            );
            match fold_trip(p, d, pz, dz) {
                Some(t) => trips.push(t),
                None => skipped += 1,
            }
        }
        first_row += rows as u64;
    }
    if trips.is_empty() {
        return Err(whole(format!(
            "no usable trips ({skipped} rows skipped: a null cell, drop-off before pick-up or longer than a day)"
        )));
    }
    Ok(Trips { trips, skipped })
}

/// All `rows` values of column `c` of a row group, `None` for nulls.
fn read_column(
    rg: &dyn RowGroupReader,
    c: usize,
    d: &ColumnDescriptor,
    rows: usize,
) -> Result<Vec<Option<Raw>>, String> {
    let reader = rg.get_column_reader(c).map_err(|e| e.to_string())?;
    let max_def = d.max_def_level();
    match reader {
        ColumnReader::Int32ColumnReader(r) => {
            read_typed(r, rows, max_def, |v| Raw::Int(i64::from(v)))
        }
        ColumnReader::Int64ColumnReader(r) => read_typed(r, rows, max_def, Raw::Int),
        ColumnReader::Int96ColumnReader(r) => read_typed(r, rows, max_def, Raw::Int96),
        ColumnReader::FloatColumnReader(r) => {
            read_typed(r, rows, max_def, |v| Raw::Float(f64::from(v)))
        }
        ColumnReader::DoubleColumnReader(r) => read_typed(r, rows, max_def, Raw::Float),
        ColumnReader::ByteArrayColumnReader(r) => read_typed(r, rows, max_def, Raw::Bytes),
        _ => Err(format!("unsupported physical type {}", d.physical_type())),
    }
}

fn read_typed<T: DataType>(
    mut r: ColumnReaderImpl<T>,
    rows: usize,
    max_def: i16,
    wrap: impl Fn(T::T) -> Raw,
) -> Result<Vec<Option<Raw>>, String> {
    let (mut values, mut defs, mut done) = (Vec::new(), Vec::new(), 0);
    while done < rows {
        let (records, _, _) = r
            .read_records(
                rows - done,
                (max_def > 0).then_some(&mut defs),
                None,
                &mut values,
            )
            .map_err(|e| e.to_string())?;
        if records == 0 {
            break;
        }
        done += records;
    }
    if max_def == 0 {
        return Ok(values.into_iter().map(|v| Some(wrap(v))).collect());
    }
    let mut vals = values.into_iter();
    Ok(defs
        .iter()
        .map(|&l| {
            if l == max_def {
                vals.next().map(&wrap)
            } else {
                None
            }
        })
        .collect())
}

/// A time cell as seconds since the epoch, by the column's type annotation.
fn epoch_s(v: &Raw, d: &ColumnDescriptor) -> Result<i64, String> {
    let per_s: i64 = match (d.physical_type(), d.logical_type_ref(), d.converted_type()) {
        (PhysicalType::INT64, Some(LogicalType::Timestamp(t)), _) => match t.unit {
            TimeUnit::MILLIS => 1_000,
            TimeUnit::MICROS => 1_000_000,
            TimeUnit::NANOS => 1_000_000_000,
        },
        (PhysicalType::INT64, _, ConvertedType::TIMESTAMP_MILLIS) => 1_000,
        (PhysicalType::INT64, _, ConvertedType::TIMESTAMP_MICROS) => 1_000_000,
        (PhysicalType::INT96 | PhysicalType::BYTE_ARRAY, _, _) => 1,
        (p, l, _) => return Err(format!("type {p} {l:?} is not a timestamp")),
    };
    match v {
        Raw::Int(x) => Ok(x.div_euclid(per_s)),
        Raw::Int96(x) => Ok(x.to_seconds()),
        Raw::Bytes(b) => {
            let s = String::from_utf8_lossy(b.data());
            parse_datetime(&s)
                .ok_or_else(|| format!("`{s}` is not a date-time YYYY-MM-DD HH:MM:SS"))
        }
        Raw::Float(x) => Err(format!("{x} is not a timestamp")),
    }
}

/// A zone cell as a TLC zone id.
fn zone(v: &Raw) -> Result<u16, String> {
    let bad = |s: String| format!("`{s}` is not a taxi-zone id");
    match v {
        Raw::Int(x) => u16::try_from(*x).map_err(|_| bad(x.to_string())),
        Raw::Float(x) if x.fract() == 0.0 && (0.0..=65_535.0).contains(x) => Ok(*x as u16),
        Raw::Float(x) => Err(bad(x.to_string())),
        Raw::Bytes(b) => {
            let s = String::from_utf8_lossy(b.data());
            s.trim().parse().map_err(|_| bad(s.into_owned()))
        }
        Raw::Int96(_) => Err(bad("an INT96".into())),
    }
}
