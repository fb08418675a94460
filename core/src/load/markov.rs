//! Bursty load: a continuous-time Markov chain over load levels (Markov-modulated load).
//!
//! In state i the load is `levels[i]`; the chain stays an exponential time with mean
//! `mean_hold[i]`, then draws the next state from row i of the transition matrix. The source
//! keeps the chain's parameters (sized by the number of states, fixed at construction) and the
//! current state: generating changes allocates nothing, however long the run.

use crate::{SimDuration, SimTime, Stream};
use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// A running Markov-modulated load (see [`crate::scenario::LoadProcess::Markov`]).
pub(super) struct Markov {
    /// Load per state (fraction of cores).
    levels: Vec<f64>,
    /// Mean holding time per state \[ns\].
    mean_hold_ns: Vec<f64>,
    /// Row-major n × n cumulative transition weights: `cum[i·n + j]` = Σ_{k ≤ j} next[i][k],
    /// with negative, non-finite and missing entries counted as 0.
    cum: Vec<f64>,
    /// `escapes[i]`: from state i the chain can reach a state of another level, moving only
    /// through states of i's level. If not, the load never changes again.
    escapes: Vec<bool>,
    /// Current state.
    state: usize,
    /// Time the chain entered the current level's run of states.
    t: SimTime,
    rng: Stream,
}

impl Markov {
    /// The source and the load at time zero. The spec layer guarantees equal lengths, rows
    /// summing to 1 and `initial` in range; here a short row counts its missing entries as 0,
    /// the number of states is the shortest of the three lengths, and an out-of-range `initial`
    /// means state 0, so bad input gives a defined (if unintended) load and never a panic.
    pub(super) fn new(
        levels: &[f64],
        mean_hold: &[SimDuration],
        next: &[Vec<f64>],
        initial: usize,
        rng: Stream,
    ) -> (Markov, f64) {
        let n = levels.len().min(mean_hold.len()).min(next.len());
        let levels = levels[..n].to_vec();
        let mut cum = Vec::with_capacity(n * n);
        for row in &next[..n] {
            let mut acc = 0.0;
            for j in 0..n {
                let w = row.get(j).copied().unwrap_or(0.0);
                if w > 0.0 && w.is_finite() {
                    acc += w;
                }
                cum.push(acc);
            }
        }
        let escapes = (0..n).map(|i| escapes(i, &levels, &cum)).collect();
        let state = if initial < n { initial } else { 0 };
        let first = levels.get(state).copied().unwrap_or(0.0);
        let m = Markov {
            mean_hold_ns: mean_hold[..n].iter().map(|d| d.as_nanos() as f64).collect(),
            levels,
            cum,
            escapes,
            state,
            t: SimTime::ZERO,
            rng,
        };
        (m, first)
    }

    /// The next change of level, as (time, load); `None` if the level never changes again.
    /// Moves to a state of the same level (including self-loops) extend the current holding
    /// period instead of emitting an event.
    pub(super) fn next_change(&mut self) -> Option<(SimTime, f64)> {
        let level = *self.levels.get(self.state)?;
        // Terminates with probability 1: every state visited here has `escapes` set, so each
        // step leaves the level with positive probability within n moves.
        loop {
            if !self.escapes[self.state] {
                return None;
            }
            let e: f64 = Exp1.sample(&mut self.rng);
            // At least 1 ns, so that time always advances (a zero mean is a spec error).
            let hold = SimDuration::from_nanos_f64(e * self.mean_hold_ns[self.state])
                .max(SimDuration::from_nanos(1));
            let Some(t) = self.t.as_nanos().checked_add(hold.as_nanos()) else {
                // Beyond the end of time: the load stays put.
                self.escapes[self.state] = false;
                return None;
            };
            self.t = SimTime(t);
            self.state = self.draw_next();
            if self.levels[self.state] != level {
                return Some((self.t, self.levels[self.state]));
            }
        }
    }

    /// A state drawn from the current state's row (whose total weight is positive, since the
    /// state escapes).
    fn draw_next(&mut self) -> usize {
        let n = self.levels.len();
        let row = &self.cum[self.state * n..(self.state + 1) * n];
        let u = self.rng.random::<f64>() * row[n - 1];
        row.iter().position(|&c| c > u).unwrap_or_else(|| {
            // u rounded up to the total: the last state with positive weight.
            let mut j = n - 1;
            while j > 0 && row[j - 1] == row[j] {
                j -= 1;
            }
            j
        })
    }
}

/// Whether a state of another level than `levels[i]` is reachable from `i` through states of
/// its level (depth-first search over positive-weight moves).
fn escapes(i: usize, levels: &[f64], cum: &[f64]) -> bool {
    let n = levels.len();
    let mut seen = vec![false; n];
    let mut todo = vec![i];
    seen[i] = true;
    while let Some(s) = todo.pop() {
        for j in 0..n {
            let w = cum[s * n + j] - if j == 0 { 0.0 } else { cum[s * n + j - 1] };
            if w > 0.0 && !seen[j] {
                if levels[j] != levels[i] {
                    return true;
                }
                seen[j] = true;
                todo.push(j);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::{LoadSource, alloc_probe};
    use super::*;
    use crate::RngStreams;
    use crate::scenario::LoadProcess;

    fn rng(seed: u64) -> Stream {
        RngStreams::new(seed).stream("bbu/0/load")
    }

    fn secs(s: u64) -> SimDuration {
        SimDuration::from_secs(s)
    }

    /// Low 0.25 for 600 s on average, high 0.75 for 60 s, alternating.
    fn alternating() -> LoadProcess {
        LoadProcess::Markov {
            levels: vec![0.25, 0.75],
            mean_hold: vec![secs(600), secs(60)],
            next: vec![vec![0.0, 1.0], vec![1.0, 0.0]],
            initial: 0,
        }
    }

    #[test]
    fn an_alternating_chain_spends_time_in_proportion_to_its_holding_means() {
        // Cycles of X ~ Exp(mean a = 600 s) low then Y ~ Exp(mean b = 60 s) high. Over n whole
        // cycles the low fraction R = ΣX / Σ(X+Y) → π_low = a/(a+b) = 10/11 (renewal-reward).
        // Delta method: Var(R) ≈ Var((1−r)X − rY) / (n (a+b)²) with r = 10/11:
        // ((1/11)²·600² + (10/11)²·60²) / (10⁴ · 660²) = 5950.4 / 4.356e9 = 1.366e-6,
        // sd 1.17e-3; bound 5 sd ≈ 0.006.
        // Holding means over n = 10⁴ draws: sd(X̄) = 600/100 = 6 s, sd(Ȳ) = 0.6 s; bounds 5 sd:
        // 30 s and 3 s.
        let n = 10_000;
        let (mut s, first) = LoadSource::new(&alternating(), rng(11));
        assert_eq!(first, 0.25);
        let (mut t, mut level) = (SimTime::ZERO, first);
        let (mut low, mut high) = (0.0, 0.0);
        for _ in 0..2 * n {
            let (at, next) = s.next_change().expect("an alternating chain never stops");
            assert_ne!(next, level, "every change changes the level");
            let held = (at - t).as_secs_f64();
            if level == 0.25 {
                low += held;
            } else {
                high += held;
            }
            (t, level) = (at, next);
        }
        let frac = low / (low + high);
        assert!((frac - 10.0 / 11.0).abs() < 0.006, "low fraction {frac}");
        let (mx, my) = (low / n as f64, high / n as f64);
        assert!((mx - 600.0).abs() < 30.0, "mean low hold {mx} s");
        assert!((my - 60.0).abs() < 3.0, "mean high hold {my} s");
    }

    #[test]
    fn same_stream_same_loads_other_stream_other_loads() {
        let run = |seed| {
            let (mut s, f) = LoadSource::new(&alternating(), rng(seed));
            (
                f,
                std::iter::from_fn(|| s.next_change())
                    .take(1_000)
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    #[test]
    fn moves_within_a_level_emit_nothing_and_a_trapped_chain_stops() {
        // States 0 and 1 share level 0.2; 0 → 1 → 2 → 0. So the load alternates 0.2, 0.9 and
        // every change is to the other level (the 0 → 1 move is silent).
        let p = LoadProcess::Markov {
            levels: vec![0.2, 0.2, 0.9],
            mean_hold: vec![secs(1), secs(1), secs(1)],
            next: vec![
                vec![0.0, 1.0, 0.0],
                vec![0.0, 0.0, 1.0],
                vec![1.0, 0.0, 0.0],
            ],
            initial: 0,
        };
        let (mut s, f) = LoadSource::new(&p, rng(1));
        let mut level = f;
        for _ in 0..100 {
            let (_, next) = s.next_change().expect("never stops");
            assert_ne!(next, level);
            level = next;
        }
        // State 0 is absorbing (row [1, 0]); starting in state 1 the load drops to 0.3 once,
        // then never changes.
        let p = LoadProcess::Markov {
            levels: vec![0.3, 0.8],
            mean_hold: vec![secs(1), secs(1)],
            next: vec![vec![1.0, 0.0], vec![1.0, 0.0]],
            initial: 1,
        };
        let (mut s, f) = LoadSource::new(&p, rng(1));
        assert_eq!(f, 0.8);
        assert_eq!(s.next_change().map(|(_, l)| l), Some(0.3));
        assert_eq!(s.next_change(), None);
        // All levels equal: nothing ever changes.
        let p = LoadProcess::Markov {
            levels: vec![0.5, 0.5],
            mean_hold: vec![secs(1), secs(1)],
            next: vec![vec![0.0, 1.0], vec![1.0, 0.0]],
            initial: 0,
        };
        let (mut s, f) = LoadSource::new(&p, rng(1));
        assert_eq!((f, s.next_change()), (0.5, None));
    }

    #[test]
    fn generating_changes_allocates_nothing() {
        // The parameters are copied once at construction; each change draws two numbers and
        // updates two scalars.
        let (mut s, _) = LoadSource::new(&alternating(), rng(2));
        let before = alloc_probe::allocations();
        for _ in 0..86_400 {
            assert!(s.next_change().is_some());
        }
        assert_eq!(alloc_probe::allocations() - before, 0);
    }
}
