//! How every table writes r_limit: seconds, and `inf` for long-running (no limit), so that a
//! group-by on `r_limit_s` (pandas and polars drop empty keys by default) keeps long-running.
//!
//! Use with `#[serde(with = "crate::record::r_limit")]` on an `Option<f64>` field (`None`:
//! long-running). Reading accepts `inf` and, from folders written before 2026-12-07, an empty
//! cell, both as `None`.

use serde::{Deserialize, Deserializer, Serializer};

/// The cell of long-running (no limit).
pub const NONE: &str = "inf";

/// The text of a limit in a table: `inf` for `None`, else the number as the CSV writer writes
/// an `f64` (`5.0`, `0.5`).
pub fn text(r: Option<f64>) -> String {
    match r {
        None => NONE.to_string(),
        Some(x) => format!("{x:?}"),
    }
}

/// Writes `None` as `inf`.
pub fn serialize<S: Serializer>(r: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        None => s.serialize_f64(f64::INFINITY),
        Some(x) => s.serialize_f64(*x),
    }
}

/// Reads `inf` or an empty cell as `None`, any other number as `Some`.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let cell: Option<String> = Option::deserialize(d)?;
    match cell.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => {
            let x: f64 = t.parse().map_err(|_| {
                serde::de::Error::custom(format!(
                    "r_limit_s \"{t}\" is not a number of seconds or inf"
                ))
            })?;
            Ok(if x.is_infinite() && x > 0.0 {
                None
            } else {
                Some(x)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Row {
        #[serde(with = "super")]
        r_limit_s: Option<f64>,
    }

    fn write(r: Option<f64>) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(Row { r_limit_s: r }).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    fn read(text: &str) -> Result<Option<f64>, csv::Error> {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        r.deserialize::<Row>()
            .next()
            .unwrap()
            .map(|row| row.r_limit_s)
    }

    #[test]
    fn long_running_is_inf_and_reads_back() {
        assert_eq!(write(None), "r_limit_s\ninf\n");
        assert_eq!(write(Some(5.0)), "r_limit_s\n5.0\n");
        assert_eq!(read("r_limit_s\ninf\n").unwrap(), None);
        // Folders written before inf: an empty cell.
        assert_eq!(read("r_limit_s\n\"\"\n").unwrap(), None);
        assert_eq!(read("r_limit_s\n2.5\n").unwrap(), Some(2.5));
        assert!(read("r_limit_s\nsoon\n").is_err());
        assert_eq!(super::text(None), "inf");
        assert_eq!(super::text(Some(10.0)), "10.0");
    }
}
