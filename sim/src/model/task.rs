//! The work of one task: a sequence of items, each split into equal segments whose ends are
//! the safe points where μλ can checkpoint. Work is measured in nanoseconds of compute on the
//! reference core; a BBU of speed `s` does `s` ns of work per ns.

/// A task's items and the progress it has saved.
#[derive(Clone, Debug)]
pub struct Work {
    /// Cumulative end of each item [ns of work].
    cum: Vec<u64>,
    /// Segments per item.
    segments: u32,
    /// Work saved by the last checkpoint (or completion) [ns of work].
    pub saved: u64,
}

impl Work {
    /// A task with these item works [ns of work] and `segments` safe points per item (≥ 1).
    pub fn new(items: &[u64], segments: u32) -> Self {
        let mut acc = 0u64;
        let cum = items.iter().map(|w| {
            acc += w;
            acc
        });
        Work {
            cum: cum.collect(),
            segments: segments.max(1),
            saved: 0,
        }
    }

    /// Total work [ns of work].
    pub fn total(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// Items in the task.
    pub fn items(&self) -> u32 {
        self.cum.len() as u32
    }

    /// Work left after the saved progress.
    pub fn remaining(&self) -> u64 {
        self.total() - self.saved
    }

    /// Items fully done at position `p` [ns of work].
    pub fn items_done(&self, p: u64) -> u32 {
        self.cum.partition_point(|&end| end <= p) as u32
    }

    /// The first safe point at or after position `p`: the end of the segment `p` is in.
    /// Segment `k` (1-based) of an item of work `w` starting at `s` ends at `s + ⌊w·k/m⌋`.
    pub fn next_safe_point(&self, p: u64) -> u64 {
        let j = self.cum.partition_point(|&end| end <= p);
        if j >= self.cum.len() {
            return self.total();
        }
        let start = if j == 0 { 0 } else { self.cum[j - 1] };
        let w = (self.cum[j] - start) as u128;
        let m = self.segments as u128;
        let off = (p - start) as u128;
        // Smallest k with ⌊w·k/m⌋ ≥ off; start from ⌈off·m/w⌉ and correct for the floor.
        let mut k = if w == 0 { m } else { (off * m).div_ceil(w) };
        while k < m && (w * k) / m < off {
            k += 1;
        }
        start + ((w * k.min(m)) / m) as u64
    }
}

/// Wall time and work at a BBU's speed: the rules shared with the emulation.
pub use mlsim_core::rules::{wall, work_in};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_points_are_segment_ends() {
        // Items of 300 and 100 ns of work, 3 segments each: safe points at
        // 0, 100, 200, 300 | 333, 366, 400 (⌊100·k/3⌋ = 33, 66, 100 after 300). A position
        // exactly on a boundary is itself a safe point.
        let w = Work::new(&[300, 100], 3);
        assert_eq!(w.total(), 400);
        assert_eq!(w.next_safe_point(0), 0);
        assert_eq!(w.next_safe_point(1), 100);
        assert_eq!(w.next_safe_point(100), 100);
        assert_eq!(w.next_safe_point(101), 200);
        assert_eq!(w.next_safe_point(299), 300);
        assert_eq!(w.next_safe_point(300), 300);
        assert_eq!(w.next_safe_point(301), 333);
        assert_eq!(w.next_safe_point(334), 366);
        assert_eq!(w.next_safe_point(367), 400);
        assert_eq!(w.next_safe_point(400), 400);
        assert_eq!(w.items_done(299), 0);
        assert_eq!(w.items_done(300), 1);
        assert_eq!(w.items_done(400), 2);
    }
}
