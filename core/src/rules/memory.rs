//! A BBU's memory as an admitted resource (seed 000's memory-limited edge nodes): a function
//! that is resident (running, blocked, or paused) holds its resident memory; one that is
//! suspended to disk holds none. A function is admitted only if its memory fits in what the
//! others leave, and those waiting are admitted in arrival order (first in, first out).

/// Whether `need` bytes fit on a BBU of `capacity` bytes of which `used` are held.
pub fn memory_fits(capacity: u64, used: u64, need: u64) -> bool {
    used.checked_add(need).is_some_and(|u| u <= capacity)
}

/// A function waiting for memory: what it needs, where it would rather go and whether it may
/// go anywhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryWait {
    /// Resident memory it needs \[bytes\].
    pub need: u64,
    /// The BBU it must or would rather be admitted on (where its checkpoint is); `None`: any.
    pub home: Option<u32>,
    /// Whether it may be admitted on a BBU other than `home` (its method resumes elsewhere).
    pub may_move: bool,
}

/// A BBU's memory: its id, capacity and what is held \[bytes\].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryPool {
    /// BBU id.
    pub bbu: u32,
    /// Capacity \[bytes\].
    pub capacity: u64,
    /// Held \[bytes\].
    pub used: u64,
}

/// Admits waiting functions (oldest first) on `pools` (in placement order), strictly first in,
/// first out: each is admitted on its `home` if it fits there, else (if it may move, or has no
/// home) on the first pool where it fits; the first one that fits nowhere stops the admission,
/// and those behind it wait too, even if they would fit (no overtaking, so a large function is
/// never starved by a stream of small ones). Returns the BBU of each admitted function, in
/// order (a prefix of `waiting`), and updates `pools`' `used`.
pub fn admit_fifo(
    pools: &mut [MemoryPool],
    waiting: impl IntoIterator<Item = MemoryWait>,
) -> Vec<u32> {
    let mut out = Vec::new();
    for w in waiting {
        let fits = |p: &MemoryPool| memory_fits(p.capacity, p.used, w.need);
        let at_home = w
            .home
            .and_then(|h| pools.iter().position(|p| p.bbu == h && fits(p)));
        let pick = match at_home {
            Some(i) => Some(i),
            None if w.may_move || w.home.is_none() => pools.iter().position(fits),
            None => None,
        };
        let Some(i) = pick else { break };
        pools[i].used += w.need;
        out.push(pools[i].bbu);
    }
    out
}

/// Suspending under memory pressure: which blocked functions of a BBU to checkpoint so that a
/// function needing `need` bytes fits, given `free` bytes free and `freeing` bytes that
/// suspends already under way will free. Candidates are `(blocked since [ns], id)` of the
/// resident functions that are blocked; the longest blocked go first (ties: the lower id), each
/// freeing `each` bytes, until free + freeing + the victims' memory ≥ need. Empty when the
/// function fits already or will once the suspends under way end; all candidates when even
/// they are not enough (the rest must come from elsewhere).
pub fn pressure_victims<T: Copy + Ord>(
    need: u64,
    free: u64,
    freeing: u64,
    each: u64,
    candidates: &[(u64, T)],
) -> Vec<T> {
    let mut have = free.saturating_add(freeing);
    if have >= need || each == 0 {
        return Vec::new();
    }
    let mut order: Vec<(u64, T)> = candidates.to_vec();
    order.sort_unstable();
    let mut out = Vec::new();
    for (_, id) in order {
        if have >= need {
            break;
        }
        have = have.saturating_add(each);
        out.push(id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1000 B with 600 held: 400 more fit exactly, 401 do not; an overflowing sum never fits.
    #[test]
    fn fits_up_to_the_capacity() {
        assert!(memory_fits(1000, 600, 400));
        assert!(!memory_fits(1000, 600, 401));
        assert!(memory_fits(1000, 0, 0));
        assert!(!memory_fits(u64::MAX, u64::MAX, 1));
    }

    fn pool(bbu: u32, capacity: u64, used: u64) -> MemoryPool {
        MemoryPool {
            bbu,
            capacity,
            used,
        }
    }
    fn any(need: u64) -> MemoryWait {
        MemoryWait {
            need,
            home: None,
            may_move: true,
        }
    }

    /// One BBU of 1000 B, 300 held, waiting [300, 300, 100]: 300 → 600, 300 → 900, then
    /// 100 → 1000: all three. Waiting [800, 100]: 300 + 800 = 1100 does not fit, so the head
    /// blocks and the 100 behind it waits too (none admitted, nothing held).
    #[test]
    fn admission_is_first_in_first_out() {
        let mut p = [pool(0, 1000, 300)];
        assert_eq!(
            admit_fifo(&mut p, [any(300), any(300), any(100)]),
            [0, 0, 0]
        );
        assert_eq!(p[0].used, 1000);
        let mut p = [pool(0, 1000, 300)];
        assert_eq!(admit_fifo(&mut p, [any(800), any(100)]), Vec::<u32>::new());
        assert_eq!(p[0].used, 300);
    }

    /// Need 250 B with 50 free and 100 being freed: 100 more are needed. Candidates of 60 B
    /// each, blocked since 30, 10, 10 (ids 7, 9, 8): the longest blocked first, ties by id, so
    /// 8 (→ 210) then 9 (→ 270 ≥ 250): [8, 9]. Enough free already: none. Not enough even with
    /// all: all of them.
    #[test]
    fn pressure_takes_the_longest_blocked_first() {
        let c = [(30, 7), (10, 9), (10, 8)];
        assert_eq!(pressure_victims(250, 50, 100, 60, &c), [8, 9]);
        assert_eq!(pressure_victims(150, 50, 100, 60, &c), Vec::<i32>::new());
        assert_eq!(pressure_victims(10_000, 0, 0, 60, &c), [8, 9, 7]);
        assert_eq!(pressure_victims(100, 0, 0, 0, &c), Vec::<i32>::new());
    }

    /// Two BBUs: 0 has 1000 B with 900 held, 1 has 1000 B with 0 held. A 200-B function at
    /// home on 0 that may move goes to 1 (0 has only 100 left); one that may not move stays
    /// waiting, and blocks the next (which would fit on 1). A homeless one takes the first
    /// pool that fits: 0 for 100 B.
    #[test]
    fn home_first_then_the_first_that_fits() {
        let mv = MemoryWait {
            need: 200,
            home: Some(0),
            may_move: true,
        };
        let stay = MemoryWait {
            need: 200,
            home: Some(0),
            may_move: false,
        };
        let mut p = [pool(0, 1000, 900), pool(1, 1000, 0)];
        assert_eq!(admit_fifo(&mut p, [mv]), [1]);
        assert_eq!((p[0].used, p[1].used), (900, 200));
        let mut p = [pool(0, 1000, 900), pool(1, 1000, 0)];
        assert_eq!(admit_fifo(&mut p, [stay, any(10)]), Vec::<u32>::new());
        let mut p = [pool(0, 1000, 900), pool(1, 1000, 0)];
        assert_eq!(admit_fifo(&mut p, [any(100), any(100)]), [0, 1]);
    }
}
