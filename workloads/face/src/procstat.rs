//! Resident memory of this process, from `/proc/self/status` (Linux).

/// Memory figures of the current process \[KiB\].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Memory {
    /// Resident set size now (`VmRSS`) \[KiB\].
    pub rss_kib: u64,
    /// Peak resident set size (`VmHWM`) \[KiB\].
    pub peak_rss_kib: u64,
}

/// Reads `VmRSS` and `VmHWM`; `None` where `/proc` is unavailable.
pub fn memory() -> Option<Memory> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status(&status)
}

/// Parses the `VmRSS:` and `VmHWM:` lines of a `/proc/<pid>/status` text.
pub fn parse_status(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
    };
    Some(Memory {
        rss_kib: field("VmRSS:")?,
        peak_rss_kib: field("VmHWM:")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_proc_status_lines() {
        let s = "Name:\tx\nVmHWM:\t  123456 kB\nVmRSS:\t   98765 kB\nThreads:\t2\n";
        let m = super::parse_status(s).expect("parsed");
        assert_eq!((m.rss_kib, m.peak_rss_kib), (98765, 123456));
        assert!(super::parse_status("Name: x\n").is_none());
    }
}
