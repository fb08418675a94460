//! Tick label formatting: plain numbers and byte sizes in decimal units (1 KB = 1000 bytes).

/// `v` with as few digits as a tick label needs: `10`, `2.5`, `0.05`.
///
/// Three significant digits, or the integer part from 100 up; trailing zeros are dropped.
pub fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            v.to_string()
        };
    }
    let a = v.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        (-a.log10().floor()) as usize + 2
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// Decimal byte units, largest first: (name, bytes).
const UNITS: [(&str, f64); 5] = [
    ("TB", 1e12),
    ("GB", 1e9),
    ("MB", 1e6),
    ("KB", 1e3),
    ("B", 1.0),
];

/// A size \[bytes\] in the largest decimal unit it reaches: `512 B`, `1.5 KB`, `22 MB`.
pub fn bytes(v: f64) -> String {
    if v == 0.0 {
        return "0 B".into();
    }
    let (name, scale) = UNITS
        .iter()
        .copied()
        .find(|(_, scale)| v.abs() >= *scale * 0.9995)
        .unwrap_or(("B", 1.0));
    format!("{} {name}", number(v / scale))
}

/// A runtime limit \[s\] as a short label (`2`, `0.5`), rounded to ms.
pub fn seconds(v: f64) -> String {
    let ms = (v * 1000.0).round() / 1000.0;
    format!("{ms}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number(10.0), "10");
        assert_eq!(number(1000.0), "1000");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(0.05), "0.05");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(1.0 / 3.0), "0.333");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(1234.5), "1234");
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1000.0), "1 KB");
        assert_eq!(bytes(128_000.0), "128 KB");
        assert_eq!(bytes(1_500_000.0), "1.5 MB");
        assert_eq!(bytes(22e6), "22 MB");
        assert_eq!(bytes(1e9), "1 GB");
    }

    #[test]
    fn runtime_limits() {
        assert_eq!(seconds(2.0), "2");
        assert_eq!(seconds(0.5), "0.5");
        assert_eq!(seconds(0.30000000000000004), "0.3");
    }
}
