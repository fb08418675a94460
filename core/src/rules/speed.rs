//! Work and wall time on a BBU of relative speed `s`: a BBU of speed `s` does `s` ns of work
//! (nanoseconds of compute on the reference core) per ns of wall time.

/// Wall time \[ns\] to do `work` [ns of work] at `speed` (relative to the reference core):
/// `round(work / speed)`; exact at speed 1.
pub fn wall(work: u64, speed: f64) -> u64 {
    if speed == 1.0 {
        work
    } else {
        (work as f64 / speed).round() as u64
    }
}

/// Work [ns of work] done in `wall_ns` \[ns\] at `speed`: `⌊wall_ns · speed⌋`; exact at speed 1.
pub fn work_in(wall_ns: u64, speed: f64) -> u64 {
    if speed == 1.0 {
        wall_ns
    } else {
        (wall_ns as f64 * speed).floor() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_converts_work_and_wall_time() {
        // 1000 ns of work at speed 2 takes 500 ns; 500 ns at speed 2 does 1000 ns of work.
        assert_eq!(wall(1000, 1.0), 1000);
        assert_eq!(wall(1000, 2.0), 500);
        assert_eq!(work_in(500, 2.0), 1000);
        // Speed 0.3: 1000 / 0.3 = 3333.33… → 3333 (rounded); 3333 · 0.3 = 999.9 → 999 (floor).
        assert_eq!(wall(1000, 0.3), 3333);
        assert_eq!(work_in(3333, 0.3), 999);
    }
}
