//! TLC trip files in Parquet (cargo feature `parquet`): files written here with the `parquet`
//! crate's own writer in the TLC's schema and timestamp types, read back and compared with the
//! CSV reader on the same rows.

use std::path::Path;
use std::sync::Arc;

use mlsim_datasets::data::TLC_SAMPLE;
use mlsim_datasets::read_trips_file;
use mlsim_datasets::testing::data_file;
use mlsim_datasets::trips::{Trips, parse_datetime, read_tlc, read_tlc_csv};
use parquet::basic::Compression;
use parquet::data_type::{
    ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type, Int96, Int96Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// How the times are stored.
#[derive(Clone, Copy)]
enum Time {
    /// INT64 `TIMESTAMP(MICROS,false)`: TLC files since 2022 (pyarrow `timestamp[us]`).
    Micros,
    /// INT64 `TIMESTAMP(NANOS,false)`: pandas' default `timestamp\[ns\]`.
    Nanos,
    /// Legacy INT96 (Spark, old pyarrow).
    Int96,
    /// Strings.
    Text,
}

/// How the zone ids are stored.
#[derive(Clone, Copy)]
enum Zone {
    I64,
    I32,
    F64,
}

/// One row: pick-up, drop-off (`YYYY-MM-DD HH:MM:SS`), zones (`None` = null).
type Row<'a> = (&'a str, &'a str, Option<i64>, Option<i64>);

/// Write `groups` (one row group each) as a TLC yellow-taxi Parquet file: the TLC's 19 columns
/// (the ones ride hailing does not read are filled with constants), optionally without
/// `DOLocationID`.
fn write_tlc(
    path: &Path,
    groups: &[&[Row]],
    time: Time,
    zone: Zone,
    codec: Compression,
    with_do: bool,
) {
    let t = match time {
        Time::Micros => "INT64 {} (TIMESTAMP(MICROS,false))",
        Time::Nanos => "INT64 {} (TIMESTAMP(NANOS,false))",
        Time::Int96 => "INT96 {}",
        Time::Text => "BYTE_ARRAY {} (UTF8)",
    };
    let z = match zone {
        Zone::I64 => "INT64 {}",
        Zone::I32 => "INT32 {}",
        Zone::F64 => "DOUBLE {}",
    };
    let mut cols = vec![("VendorID", "INT64 {}")];
    cols.extend([
        ("tpep_pickup_datetime", t),
        ("tpep_dropoff_datetime", t),
        ("passenger_count", "DOUBLE {}"),
        ("trip_distance", "DOUBLE {}"),
    ]);
    cols.extend([
        ("RatecodeID", "DOUBLE {}"),
        ("store_and_fwd_flag", "BYTE_ARRAY {} (UTF8)"),
        ("PULocationID", z),
    ]);
    if with_do {
        cols.push(("DOLocationID", z));
    }
    cols.push(("payment_type", "INT64 {}"));
    for c in [
        "fare_amount",
        "extra",
        "mta_tax",
        "tip_amount",
        "tolls_amount",
        "improvement_surcharge",
        "total_amount",
        "congestion_surcharge",
        "airport_fee",
    ] {
        cols.push((c, "DOUBLE {}"));
    }
    let fields: String = cols
        .iter()
        .map(|(n, ty)| format!("  OPTIONAL {};\n", ty.replace("{}", n)))
        .collect();
    let schema = Arc::new(parse_message_type(&format!("message schema {{\n{fields}}}")).unwrap());
    // Small pages, so that the reader meets several pages per column chunk.
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(codec)
            .set_data_page_row_count_limit(700)
            .set_write_batch_size(100)
            .build(),
    );
    let mut w =
        SerializedFileWriter::new(std::fs::File::create(path).unwrap(), schema, props).unwrap();
    for rows in groups {
        let mut rg = w.next_row_group().unwrap();
        let mut k = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            let name = cols[k].0;
            k += 1;
            let times = |i: usize| -> Vec<&str> {
                rows.iter()
                    .map(|r| if i == 0 { r.0 } else { r.1 })
                    .collect()
            };
            let secs = |i: usize| -> Vec<i64> {
                times(i)
                    .iter()
                    .map(|s| parse_datetime(s).unwrap())
                    .collect()
            };
            let n = rows.len();
            match name {
                "tpep_pickup_datetime" | "tpep_dropoff_datetime" => {
                    let i = usize::from(name == "tpep_dropoff_datetime");
                    let defs = vec![1i16; n];
                    match time {
                        Time::Micros => col.typed::<Int64Type>().write_batch(
                            &secs(i).iter().map(|s| s * 1_000_000).collect::<Vec<_>>(),
                            Some(&defs),
                            None,
                        ),
                        Time::Nanos => col.typed::<Int64Type>().write_batch(
                            &secs(i)
                                .iter()
                                .map(|s| s * 1_000_000_000)
                                .collect::<Vec<_>>(),
                            Some(&defs),
                            None,
                        ),
                        Time::Int96 => {
                            // Julian day and nanoseconds of the day (2,440,588 is 1970-01-01).
                            let v: Vec<Int96> = secs(i)
                                .iter()
                                .map(|s| {
                                    let nanos = (s.rem_euclid(86_400) * 1_000_000_000) as u64;
                                    Int96::from(vec![
                                        nanos as u32,
                                        (nanos >> 32) as u32,
                                        (s.div_euclid(86_400) + 2_440_588) as u32,
                                    ])
                                })
                                .collect();
                            col.typed::<Int96Type>().write_batch(&v, Some(&defs), None)
                        }
                        Time::Text => col.typed::<ByteArrayType>().write_batch(
                            &times(i)
                                .into_iter()
                                .map(ByteArray::from)
                                .collect::<Vec<_>>(),
                            Some(&defs),
                            None,
                        ),
                    }
                    .unwrap();
                }
                "PULocationID" | "DOLocationID" => {
                    let cells: Vec<Option<i64>> = rows
                        .iter()
                        .map(|r| if name == "PULocationID" { r.2 } else { r.3 })
                        .collect();
                    let defs: Vec<i16> = cells.iter().map(|c| i16::from(c.is_some())).collect();
                    let vals: Vec<i64> = cells.iter().flatten().copied().collect();
                    match zone {
                        Zone::I64 => col
                            .typed::<Int64Type>()
                            .write_batch(&vals, Some(&defs), None),
                        Zone::I32 => col.typed::<Int32Type>().write_batch(
                            &vals.iter().map(|&v| v as i32).collect::<Vec<_>>(),
                            Some(&defs),
                            None,
                        ),
                        Zone::F64 => col.typed::<DoubleType>().write_batch(
                            &vals.iter().map(|&v| v as f64).collect::<Vec<_>>(),
                            Some(&defs),
                            None,
                        ),
                    }
                    .unwrap();
                }
                "store_and_fwd_flag" => {
                    col.typed::<ByteArrayType>()
                        .write_batch(&vec![ByteArray::from("N"); n], Some(&vec![1; n]), None)
                        .unwrap();
                }
                "VendorID" | "payment_type" => {
                    col.typed::<Int64Type>()
                        .write_batch(&vec![1; n], Some(&vec![1; n]), None)
                        .unwrap();
                }
                _ => {
                    col.typed::<DoubleType>()
                        .write_batch(&vec![2.5; n], Some(&vec![1; n]), None)
                        .unwrap();
                }
            }
            col.close().unwrap();
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
}

/// The same rows as a TLC CSV (TLC header; the unread columns filled in).
fn as_csv(groups: &[&[Row]]) -> String {
    let mut s = String::from(
        "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount\n",
    );
    for r in groups.iter().flat_map(|g| g.iter()) {
        s += &format!(
            "1,{},{},1,2.5,1,N,{},{},1,2.5\n",
            r.0,
            r.1,
            r.2.unwrap(),
            r.3.unwrap()
        );
    }
    s
}

const G1: &[Row] = &[
    (
        "2023-01-15 08:23:11",
        "2023-01-15 08:41:02",
        Some(161),
        Some(236),
    ),
    (
        "2023-01-15 23:50:00",
        "2023-01-16 00:10:00",
        Some(237),
        Some(170),
    ),
    // Drop-off before pick-up: skipped by both readers.
    (
        "2023-01-15 10:00:00",
        "2023-01-15 09:00:00",
        Some(1),
        Some(2),
    ),
];
const G2: &[Row] = &[
    (
        "2023-01-31 00:00:01",
        "2023-01-31 00:30:00",
        Some(265),
        Some(4),
    ),
    (
        "2022-12-31 23:59:59",
        "2023-01-01 00:00:09",
        Some(132),
        Some(48),
    ),
];

#[test]
fn parquet_equals_csv_in_every_tlc_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let csv = read_tlc(as_csv(&[G1, G2]).as_bytes(), Path::new("same.csv")).unwrap();
    assert_eq!((csv.trips.len(), csv.skipped), (4, 1));
    let cases = [
        (Time::Micros, Zone::I64, Compression::SNAPPY),
        (
            Time::Micros,
            Zone::I32,
            Compression::ZSTD(Default::default()),
        ),
        (Time::Nanos, Zone::I64, Compression::UNCOMPRESSED),
        (Time::Int96, Zone::F64, Compression::SNAPPY),
        (Time::Text, Zone::I32, Compression::ZSTD(Default::default())),
    ];
    for (k, (time, zone, codec)) in cases.into_iter().enumerate() {
        let p = dir
            .path()
            .join(format!("yellow_tripdata_2023-01_{k}.parquet"));
        write_tlc(&p, &[G1, G2], time, zone, codec, true);
        let got = read_trips_file(&p).unwrap_or_else(|e| panic!("case {k}: {e}"));
        assert_eq!(got, csv, "case {k}");
    }
}

#[test]
fn null_cells_are_skipped_and_bad_cells_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nulls.parquet");
    let rows: &[Row] = &[
        (
            "2023-01-15 08:00:00",
            "2023-01-15 08:10:00",
            None,
            Some(236),
        ),
        (
            "2023-01-15 09:00:00",
            "2023-01-15 09:10:00",
            Some(161),
            Some(236),
        ),
    ];
    write_tlc(
        &p,
        &[rows],
        Time::Micros,
        Zone::I64,
        Compression::SNAPPY,
        true,
    );
    let t: Trips = read_trips_file(&p).unwrap();
    assert_eq!((t.trips.len(), t.skipped), (1, 1));
    let p = dir.path().join("bad.parquet");
    let rows: &[Row] = &[
        (
            "2023-01-15 09:00:00",
            "2023-01-15 09:10:00",
            Some(161),
            Some(236),
        ),
        (
            "2023-01-15 09:00:00",
            "2023-01-15 09:10:00",
            Some(70_000),
            Some(236),
        ),
    ];
    write_tlc(
        &p,
        &[G1, rows],
        Time::Micros,
        Zone::I64,
        Compression::SNAPPY,
        true,
    );
    let e = read_trips_file(&p).unwrap_err().to_string();
    assert!(
        e.contains("bad.parquet")
            && e.contains("row 5")
            && e.contains("PULocationID")
            && e.contains("70000"),
        "{e}"
    );
}

#[test]
fn missing_column_or_not_parquet_names_the_column_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("no_do.parquet");
    write_tlc(
        &p,
        &[G1],
        Time::Micros,
        Zone::I64,
        Compression::SNAPPY,
        false,
    );
    let e = read_trips_file(&p).unwrap_err().to_string();
    assert!(
        e.contains("no_do.parquet") && e.contains("DOLocationID"),
        "{e}"
    );
    let p = dir.path().join("really_csv.parquet");
    std::fs::write(&p, as_csv(&[G1])).unwrap();
    let e = read_trips_file(&p).unwrap_err().to_string();
    assert!(
        e.contains("really_csv.parquet") && e.contains("not a readable Parquet file"),
        "{e}"
    );
    // Truncated: the footer is gone.
    let good = dir.path().join("good.parquet");
    write_tlc(
        &good,
        &[G1],
        Time::Micros,
        Zone::I64,
        Compression::SNAPPY,
        true,
    );
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() - 20]).unwrap();
    let e = read_trips_file(&cut).unwrap_err().to_string();
    assert!(e.contains("cut.parquet"), "{e}");
    // Endless input fails at once: the footer is read first.
    let e = mlsim_datasets::trips_parquet::read_tlc_parquet(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("/dev/zero") && e.contains("not a readable Parquet file"),
        "{e}"
    );
}

/// The real TLC sample (10,000 trips of January 2019, installed by the set-up script),
/// converted to Parquet the way the TLC publishes it, reads back as the same trips.
#[test]
fn real_tlc_sample_round_trips_through_parquet() {
    let Some(sample) = data_file(TLC_SAMPLE) else {
        return;
    };
    let csv = read_tlc_csv(&sample).unwrap();
    let mut rdr = csv::Reader::from_path(&sample).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (pt, dt, pz, dz) = (
        col("pickup_datetime"),
        col("dropoff_datetime"),
        col("pickup_location_id"),
        col("dropoff_location_id"),
    );
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let rows: Vec<Row> = recs
        .iter()
        .map(|r| (&r[pt], &r[dt], r[pz].parse().ok(), r[dz].parse().ok()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("yellow_tripdata_2019-01.parquet");
    let (a, b) = rows.split_at(6_000);
    write_tlc(
        &p,
        &[a, b],
        Time::Micros,
        Zone::I64,
        Compression::SNAPPY,
        true,
    );
    assert_eq!(read_trips_file(&p).unwrap(), csv);
}
