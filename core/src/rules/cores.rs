//! A BBU's cores between C-RAN and offloaded work: how many C-RAN takes at a load, how many
//! are offered to offloaded invocations, and which running invocations leave when C-RAN needs
//! more (eviction).
//!
//! C-RAN's claim is the larger of the cores it uses now and the most it has announced it will
//! use ([`cran_claim`]): announced cores are no longer offered, and running invocations that
//! hold them are evicted ahead of the change.

/// Cores C-RAN needs out of `cores` at load fraction `f`: `⌈f · cores⌉` (radio processing
/// can't use a fraction of a core it does not get, so it rounds up), within `0..=cores`; a
/// tolerance of 10⁻⁹ keeps `f · cores` a hair above an integer (float error) from taking one
/// more core.
pub fn cran_cores(f: f64, cores: u32) -> u32 {
    let x = (f * cores as f64 - 1e-9).clamp(0.0, cores as f64);
    // ⌈x⌉ for 0 ≤ x ≤ cores, inline (`f64::ceil` is a libm call on baseline x86-64, and
    // this runs for every worker of every placement).
    let t = x as u32;
    if (t as f64) < x { t + 1 } else { t }
}

/// C-RAN's claim on a BBU \[cores\]: `max(cores it uses now, the most it has announced)`.
pub fn cran_claim(cran_now: u32, cran_announced: u32) -> u32 {
    cran_now.max(cran_announced)
}

/// Cores an offloaded invocation may start on now: `cores − max(C-RAN now, announced) −
/// running`, at least 0 (`running`: offloaded invocations holding a core).
pub fn offered_cores(cores: u32, cran_now: u32, cran_announced: u32, running: u32) -> u32 {
    cores
        .saturating_sub(cran_claim(cran_now, cran_announced))
        .saturating_sub(running)
}

/// The running invocations that must leave so that C-RAN gets its claim `cran_claim`
/// ([`cran_claim`]) of a BBU's `cores`: `excess = staying + cran_claim − cores` of them
/// (none if that is ≤ 0), youngest first: the latest `start` \[ns\], ties broken by the larger
/// `order` (the later arrival). `staying` lists `(start, order, id)` of the running
/// invocations not already evicted (those are leaving anyway); the victims' ids are returned
/// youngest first.
pub fn eviction_victims<T: Copy>(cores: u32, cran_claim: u32, staying: &[(u64, u64, T)]) -> Vec<T> {
    let excess = (staying.len() as u32 + cran_claim).saturating_sub(cores) as usize;
    if excess == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..staying.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse((staying[k].0, staying[k].1)));
    order.truncate(excess);
    order.into_iter().map(|k| staying[k].2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cran_takes_whole_cores_rounded_up() {
        // 8 cores: L = 0.25 → 2 exactly; 0.3 → 2.4 → 3; 0 → 0; 1 → 8; beyond 1 → 8; below 0 → 0.
        assert_eq!(cran_cores(0.25, 8), 2);
        assert_eq!(cran_cores(0.3, 8), 3);
        assert_eq!(cran_cores(0.0, 8), 0);
        assert_eq!(cran_cores(1.0, 8), 8);
        assert_eq!(cran_cores(1.5, 8), 8);
        assert_eq!(cran_cores(-0.5, 8), 0);
        // 0.7 · 10 = 7.000000000000001 in f64: 7 cores, not 8.
        assert_eq!(cran_cores(0.7, 10), 7);
    }

    #[test]
    fn offered_cores_leave_out_cran_now_announced_and_running() {
        // 8 cores, C-RAN 2 now, 5 announced, 1 running: 8 − max(2, 5) − 1 = 2.
        assert_eq!(offered_cores(8, 2, 5, 1), 2);
        // Nothing announced: 8 − 2 − 1 = 5.
        assert_eq!(offered_cores(8, 2, 0, 1), 5);
        // More running than cores left (C-RAN rose under them): 8 − 6 − 3 < 0 → 0.
        assert_eq!(offered_cores(8, 6, 0, 3), 0);
    }

    #[test]
    fn victims_are_the_youngest_with_the_later_arrival_first_on_ties() {
        // 4 cores, claim 2, four staying started at 10, 30, 20, 30 (orders 0..3, ids 'a'..'d'):
        // 4 + 2 − 4 = 2 leave: the two started at 30, order 3 ('d') before order 1 ('b').
        let staying = [(10, 0, 'a'), (30, 1, 'b'), (20, 2, 'c'), (30, 3, 'd')];
        assert_eq!(eviction_victims(4, 2, &staying), vec!['d', 'b']);
        // Claim 0: 4 + 0 − 4 = 0 leave.
        assert!(eviction_victims(4, 0, &staying).is_empty());
        // Claim 8 (all): all four, youngest first.
        assert_eq!(eviction_victims(4, 8, &staying), vec!['d', 'b', 'c', 'a']);
    }
}
