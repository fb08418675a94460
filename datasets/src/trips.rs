//! NYC TLC trip records: the CSV reader.
//!
//! Accepts the column names of the TLC monthly yellow/green files (`tpep_pickup_datetime`,
//! `tpep_dropoff_datetime`, `PULocationID`, `DOLocationID`; `lpep_…` for green) and of the
//! great_expectations samples (`pickup_datetime`, `dropoff_datetime`, `pickup_location_id`,
//! `dropoff_location_id`). Only zone ids and times are used (post-2016 TLC data has no
//! coordinates). Times are **folded onto one day** (seconds since midnight of the pick-up), which
//! turns a month's random 10,000-row sample into one busy day; the trip's duration is kept.
//! Rows with a drop-off before the pick-up (they exist in TLC data) are skipped and counted.

use std::path::Path;

use crate::ReadError;
use crate::limits::{LineCap, MAX_LINE_BYTES};
use crate::street::ends_with;

const FORMAT: &str = "TLC trip CSV";

/// One trip, reduced to what ride hailing needs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TripRecord {
    /// Pick-up time of day \[s since midnight\].
    pub pickup_s: u32,
    /// Drop-off time \[s since the pick-up day's midnight\]; may exceed 86,400.
    pub dropoff_s: u32,
    /// TLC pick-up zone id (1–265).
    pub pu_zone: u16,
    /// TLC drop-off zone id (1–265).
    pub do_zone: u16,
}

/// What [`read_tlc_csv`] (or the Parquet reader) read.
#[derive(Debug, Clone, PartialEq)]
pub struct Trips {
    /// The usable trips, in file order.
    pub trips: Vec<TripRecord>,
    /// Rows skipped because the drop-off precedes the pick-up or the duration exceeds a day (and,
    /// in Parquet files, rows with a null time or zone).
    pub skipped: u64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parse `YYYY-MM-DD HH:MM:SS` (or with `T`, optional fraction and `Z`) into seconds since the
/// epoch.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b' ' || b[10] == b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d, h, mi, se) = (
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    );
    let rest = &s[19..];
    let rest_ok = rest.is_empty()
        || rest == "Z"
        || (rest.starts_with('.')
            && rest[1..]
                .trim_end_matches('Z')
                .bytes()
                .all(|c| c.is_ascii_digit()));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 || !rest_ok
    {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Accepted names of the pick-up time column (yellow, green, great_expectations samples).
pub const PICKUP_TIME: &[&str] = &[
    "tpep_pickup_datetime",
    "lpep_pickup_datetime",
    "pickup_datetime",
];
/// Accepted names of the drop-off time column.
pub const DROPOFF_TIME: &[&str] = &[
    "tpep_dropoff_datetime",
    "lpep_dropoff_datetime",
    "dropoff_datetime",
];
/// Accepted names of the pick-up zone column.
pub const PICKUP_ZONE: &[&str] = &["PULocationID", "pickup_location_id"];
/// Accepted names of the drop-off zone column.
pub const DROPOFF_ZONE: &[&str] = &["DOLocationID", "dropoff_location_id"];

/// Fold one trip given by pick-up and drop-off times \[s since the epoch\] onto its pick-up day;
/// `None` (skip) when the drop-off precedes the pick-up or the trip lasts a day or more.
pub fn fold_trip(
    pickup_epoch_s: i64,
    dropoff_epoch_s: i64,
    pu_zone: u16,
    do_zone: u16,
) -> Option<TripRecord> {
    let dur = dropoff_epoch_s.checked_sub(pickup_epoch_s)?;
    if !(0..86_400).contains(&dur) {
        return None;
    }
    let tod = pickup_epoch_s.rem_euclid(86_400);
    Some(TripRecord {
        pickup_s: tod as u32,
        dropoff_s: (tod + dur) as u32,
        pu_zone,
        do_zone,
    })
}

fn find(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

/// Read TLC trips: CSV (`*.csv`) or Parquet (`*.parquet`, needs the cargo feature `parquet`).
pub fn read_trips_file(path: &Path) -> Result<Trips, ReadError> {
    if ends_with(path, ".parquet") || ends_with(path, ".parq") {
        read_parquet(path)
    } else if ends_with(path, ".csv") {
        read_tlc_csv(path)
    } else {
        Err(ReadError::file(
            path,
            "trip file",
            "unknown trip-file format; expected a TLC .csv or .parquet file (rename it if it is one)",
        ))
    }
}

#[cfg(feature = "parquet")]
fn read_parquet(path: &Path) -> Result<Trips, ReadError> {
    crate::trips_parquet::read_tlc_parquet(path)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(path: &Path) -> Result<Trips, ReadError> {
    Err(ReadError::file(
        path,
        "TLC trip Parquet",
        "Parquet trip files need mlsim built with `--features parquet` (cargo feature `parquet` of mlsim-datasets or mlsim-workloads), or convert the file to CSV",
    ))
}

/// Read a TLC trip CSV.
pub fn read_tlc_csv(path: &Path) -> Result<Trips, ReadError> {
    let file = std::fs::File::open(path).map_err(|e| ReadError::io(path, FORMAT, e))?;
    read_tlc(std::io::BufReader::new(file), path)
}

/// Read TLC trip CSV from any reader; `path` only names it in errors. Lines longer than
/// [`MAX_LINE_BYTES`] are refused (TLC lines are under 300 bytes).
pub fn read_tlc<R: std::io::Read>(input: R, path: &Path) -> Result<Trips, ReadError> {
    let err = |line: u64, reason: String| ReadError::line(path, FORMAT, line, reason);
    let csv_err = |line: u64, e: csv::Error| {
        let line = e.position().map_or(line, |p| p.line());
        err(line, e.to_string())
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(LineCap::new(input, MAX_LINE_BYTES));
    let headers = rdr.headers().map_err(|e| csv_err(1, e))?.clone();
    let col = |names: &[&str]| {
        find(&headers, names).ok_or_else(|| {
            err(
                1,
                format!(
                    "no column named {} (is this a TLC trip file?)",
                    names.join(" or ")
                ),
            )
        })
    };
    let (pu_t, do_t) = (col(PICKUP_TIME)?, col(DROPOFF_TIME)?);
    let (pu_z, do_z) = (col(PICKUP_ZONE)?, col(DROPOFF_ZONE)?);
    let mut trips = Vec::new();
    let mut skipped = 0;
    let mut line = 1;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_err(line + 1, e))?;
        line = rec.position().map_or(line + 1, |p| p.line());
        let field = |c: usize| rec.get(c).unwrap_or("");
        let time = |c: usize| {
            parse_datetime(field(c)).ok_or_else(|| {
                err(
                    line,
                    format!("`{}` is not a date-time YYYY-MM-DD HH:MM:SS", field(c)),
                )
            })
        };
        let zone = |c: usize| {
            let f = field(c).trim();
            // Some TLC exports write ids as floats ("161.0").
            let v = f.parse::<u16>().ok().or_else(|| {
                f.parse::<f64>()
                    .ok()
                    .filter(|x| x.fract() == 0.0 && (0.0..=65535.0).contains(x))
                    .map(|x| x as u16)
            });
            v.ok_or_else(|| err(line, format!("`{f}` is not a taxi-zone id (1-265)")))
        };
        let (p, d) = (time(pu_t)?, time(do_t)?);
        let (pz, dz) = (zone(pu_z)?, zone(do_z)?);
        match fold_trip(p, d, pz, dz) {
            Some(t) => trips.push(t),
            None => skipped += 1,
        }
    }
    if trips.is_empty() {
        return Err(ReadError::file(
            path,
            FORMAT,
            format!(
                "no usable trips ({skipped} rows skipped: drop-off before pick-up or longer than a day)"
            ),
        ));
    }
    Ok(Trips { trips, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_folding() {
        assert_eq!(parse_datetime("1970-01-01 00:00:00"), Some(0));
        assert_eq!(
            parse_datetime("2019-01-15T08:23:11.000Z"),
            Some(1_547_540_591)
        );
        assert_eq!(parse_datetime("2019-13-01 00:00:00"), None);
        assert_eq!(parse_datetime("yesterday"), None);
        let csv = "vendor_id,pickup_datetime,dropoff_datetime,pickup_location_id,dropoff_location_id\n\
                   1,2019-01-15 23:50:00,2019-01-16 00:10:00,161,236\n\
                   1,2019-01-15 10:00:00,2019-01-15 09:00:00,1,2\n";
        let t = read_tlc(csv.as_bytes(), Path::new("t.csv")).unwrap();
        assert_eq!(t.skipped, 1);
        assert_eq!(
            t.trips,
            vec![TripRecord {
                pickup_s: 85_800,
                dropoff_s: 87_000,
                pu_zone: 161,
                do_zone: 236
            }]
        );
    }

    #[test]
    fn malformed_rows_name_the_line() {
        let csv = "tpep_pickup_datetime,tpep_dropoff_datetime,PULocationID,DOLocationID\n\
                   2019-01-15 10:00:00,2019-01-15 10:09:00,161,236\n\
                   2019-01-15 10:00:00,soon,161,236\n";
        let e = read_tlc(csv.as_bytes(), Path::new("bad.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.csv:3:") && e.contains("soon"), "{e}");
        let e = read_tlc("a,b\n1,2\n".as_bytes(), Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.csv:1:") && e.contains("no column"), "{e}");
        let e = read_tlc(
            "pickup_datetime,dropoff_datetime,pickup_location_id,dropoff_location_id\n1,2\n"
                .as_bytes(),
            Path::new("x.csv"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("x.csv:2:"), "{e}");
    }

    #[test]
    fn an_endless_line_is_refused() {
        let e = read_tlc_csv(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/dev/zero") && e.contains("longer than"), "{e}");
    }

    #[test]
    fn unknown_extensions_are_named() {
        let e = read_trips_file(Path::new("trips.xlsx"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("trips.xlsx") && e.contains(".parquet"), "{e}");
    }

    #[cfg(not(feature = "parquet"))]
    #[test]
    fn parquet_without_the_feature_says_how_to_enable_it() {
        let e = read_trips_file(Path::new("yellow_tripdata_2024-01.parquet"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("yellow_tripdata_2024-01.parquet") && e.contains("--features parquet"),
            "{e}"
        );
    }
}
