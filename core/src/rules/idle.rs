//! Giving up on a task: after `max_idle_invocations` invocations in a row that saved no
//! progress, the request fails (r_limit too short for one safe point plus a checkpoint).

/// Invocations in a row without progress after one that made `progress` (or not) and was
/// `evicted` (or reached r_limit / its deadline): progress resets the count to 0; an evicted
/// invocation that saved nothing was unlucky, not hopeless, and leaves the count as it was;
/// otherwise the count grows by one.
pub fn next_idle(idle: u32, progress: bool, evicted: bool) -> u32 {
    match (progress, evicted) {
        (true, _) => 0,
        (false, true) => idle,
        (false, false) => idle + 1,
    }
}

/// Whether a task with `idle` invocations in a row without progress is given up
/// (`idle ≥ max_idle_invocations`).
pub fn gives_up(idle: u32, max_idle_invocations: u32) -> bool {
    idle >= max_idle_invocations
}

/// The request status of a request given up by [`gives_up`].
pub fn no_progress_status(max_idle_invocations: u32) -> String {
    format!(
        "failed: no progress in {max_idle_invocations} invocations in a row (r_limit too short for one safe point plus a checkpoint)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_resets_eviction_keeps_and_r_limit_counts() {
        // From 2: progress → 0 (evicted or not); no progress at r_limit → 3; no progress but
        // evicted → stays 2.
        assert_eq!(next_idle(2, true, false), 0);
        assert_eq!(next_idle(2, true, true), 0);
        assert_eq!(next_idle(2, false, false), 3);
        assert_eq!(next_idle(2, false, true), 2);
        // max 3: three idle r_limit invocations from 0 reach 3 and give up; two do not.
        let three = (0..3).fold(0, |i, _| next_idle(i, false, false));
        assert!(gives_up(three, 3));
        assert!(!gives_up(2, 3));
        assert!(no_progress_status(3).starts_with("failed: no progress in 3 invocations"));
    }
}
