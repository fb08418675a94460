//! The candidate workers a placement policy chooses from, kept by the backend as their state
//! changes, with an index that answers "which workers have the most spare cores" without
//! looking at every worker.
//!
//! A worker's *spare* capacity is `free cores − queued` (free cores as
//! [`crate::rules::offered_cores`] counts them), the quantity least-loaded maximises and an
//! upper bound of what forecast-aware expects to stay free. The index keeps one bucket per
//! spare value; a bucket is a bitset over the workers' *ranks* (their order by speed, fastest
//! first, then BBU index), so walking the buckets from the largest spare down and each bucket's
//! set bits in order visits the workers in decreasing `(spare, speed, −BBU)` with no sorting.
//! A change of a worker's state moves one bit (O(1)); finding the best bucket skips empty ones
//! 64 at a time.
//!
//! The simulator updates the index at every change of a worker's running or queued
//! invocations, C-RAN cores or announcement and installed apps; the emulation builds it from
//! the views it assembles per placement ([`Workers::from_views`]).

use super::WorkerView;
use crate::id::BbuId;
use crate::rules;

/// What changes of a worker during a run (everything of [`WorkerView`] but the fixed
/// attributes and warmth).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WorkerState {
    /// Offloaded invocations holding a core.
    pub running: u32,
    /// Invocations waiting for a core.
    pub queued: u32,
    /// Cores C-RAN uses now.
    pub cran_cores: u32,
    /// The most cores C-RAN has announced it will take (0 if nothing is announced).
    pub announced_cran_cores: u32,
    /// C-RAN load now (fraction of cores).
    pub load: f64,
}

impl WorkerState {
    /// The state part of a view.
    pub fn of(w: &WorkerView) -> Self {
        WorkerState {
            running: w.running,
            queued: w.queued,
            cran_cores: w.cran_cores,
            announced_cran_cores: w.announced_cran_cores,
            load: w.load,
        }
    }
}

/// What does not change of a worker during a run.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Fixed {
    bbu: BbuId,
    speed: f64,
    cores: u32,
    latency_ns: u64,
    bandwidth_bps: f64,
}

const NONE: u32 = u32::MAX;

/// The candidate workers, in BBU order, with their state and the spare-capacity index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workers {
    fixed: Vec<Fixed>,
    state: Vec<WorkerState>,
    /// Per app: bitset over positions, set where λ(f) of the app is installed.
    warm: Vec<Vec<u64>>,
    /// Position of each BBU index (`NONE` for BBUs that are not candidates).
    pos: Vec<u32>,
    /// Rank of each position: order by speed (fastest first), then BBU index.
    rank: Vec<u32>,
    /// Position of each rank.
    by_rank: Vec<u32>,
    /// Positions ordered by latency from the store, then BBU index.
    by_latency: Vec<u32>,
    /// Current spare capacity of each position.
    spare: Vec<i64>,
    /// The largest spare a worker can have (its most cores): bucket `k` holds spare `top − k`.
    top: i64,
    /// Bucket `k`: bitset over ranks of the workers whose spare is `top − k`.
    buckets: Vec<Vec<u64>>,
    /// Bit `k` set if bucket `k` is not empty.
    nonempty: Vec<u64>,
    /// Words of a bitset over workers.
    words: usize,
    /// Bitset over positions: workers with room (spare ≥ 1: an invocation starts at once).
    room: Vec<u64>,
    /// The workers grouped by what the path and the worker cost a task whatever their state
    /// (latency, bandwidth, speed), in order of first appearance.
    classes: Vec<Class>,
    /// Whether positions are in increasing BBU order (as backends list them).
    sorted: bool,
}

/// Workers alike in latency, bandwidth and speed: a transfer and a run cost the same on each.
#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    /// One-way latency from the store \[ns\].
    pub latency_ns: u64,
    /// Bandwidth of the path [bit/s].
    pub bandwidth_bps: f64,
    /// Speed relative to the reference core.
    pub speed: f64,
    /// The most cores of its workers.
    pub max_cores: u32,
    /// Bitset over positions of its workers.
    bits: Vec<u64>,
}

/// Spare capacity of a worker of `cores` cores in state `s`: free cores − queued.
fn spare_of(cores: u32, s: &WorkerState) -> i64 {
    i64::from(rules::offered_cores(
        cores,
        s.cran_cores,
        s.announced_cran_cores,
        s.running,
    )) - i64::from(s.queued)
}

impl Workers {
    /// No worker (a placeholder: a view must have at least one).
    pub const EMPTY: Workers = Workers {
        fixed: Vec::new(),
        state: Vec::new(),
        warm: Vec::new(),
        pos: Vec::new(),
        rank: Vec::new(),
        by_rank: Vec::new(),
        by_latency: Vec::new(),
        spare: Vec::new(),
        top: 0,
        buckets: Vec::new(),
        nonempty: Vec::new(),
        words: 0,
        room: Vec::new(),
        classes: Vec::new(),
        sorted: true,
    };

    /// The workers of `views` (their fixed attributes and state; warmth is not taken, see
    /// [`Workers::set_warm`]), for `apps` apps, in the views' order (BBU order).
    pub fn new(views: &[WorkerView], apps: usize) -> Self {
        let n = views.len();
        let words = n.div_ceil(64);
        let fixed: Vec<Fixed> = views
            .iter()
            .map(|w| Fixed {
                bbu: w.bbu,
                speed: w.speed,
                cores: w.cores,
                latency_ns: w.latency_ns,
                bandwidth_bps: w.bandwidth_bps,
            })
            .collect();
        let mut by_rank: Vec<u32> = (0..n as u32).collect();
        by_rank.sort_by(|&a, &b| {
            let (a, b) = (&fixed[a as usize], &fixed[b as usize]);
            b.speed.total_cmp(&a.speed).then(a.bbu.cmp(&b.bbu))
        });
        let mut rank = vec![0; n];
        for (r, &p) in by_rank.iter().enumerate() {
            rank[p as usize] = r as u32;
        }
        let mut by_latency: Vec<u32> = (0..n as u32).collect();
        by_latency.sort_by_key(|&p| (fixed[p as usize].latency_ns, fixed[p as usize].bbu));
        let mut pos = Vec::new();
        for (p, w) in views.iter().enumerate() {
            let b = w.bbu.index();
            if pos.len() <= b {
                pos.resize(b + 1, NONE);
            }
            pos[b] = p as u32;
        }
        let top = fixed.iter().map(|f| i64::from(f.cores)).max().unwrap_or(0);
        let mut classes: Vec<Class> = Vec::new();
        for (p, f) in fixed.iter().enumerate() {
            let c = match classes.iter().position(|c| {
                c.latency_ns == f.latency_ns
                    && c.bandwidth_bps.to_bits() == f.bandwidth_bps.to_bits()
                    && c.speed.to_bits() == f.speed.to_bits()
            }) {
                Some(c) => c,
                None => {
                    classes.push(Class {
                        latency_ns: f.latency_ns,
                        bandwidth_bps: f.bandwidth_bps,
                        speed: f.speed,
                        max_cores: 0,
                        bits: vec![0; words],
                    });
                    classes.len() - 1
                }
            };
            classes[c].bits[p / 64] |= 1 << (p % 64);
            classes[c].max_cores = classes[c].max_cores.max(f.cores);
        }
        let sorted = fixed.windows(2).all(|w| w[0].bbu < w[1].bbu);
        let mut w = Workers {
            fixed,
            state: vec![WorkerState::default(); n],
            warm: vec![vec![0; words]; apps],
            pos,
            rank,
            by_rank,
            by_latency,
            spare: vec![0; n],
            top,
            buckets: Vec::new(),
            nonempty: Vec::new(),
            words,
            room: vec![0; words],
            classes,
            sorted,
        };
        for (p, v) in views.iter().enumerate() {
            let s = WorkerState::of(v);
            w.state[p] = s;
            w.spare[p] = spare_of(w.fixed[p].cores, &s);
            w.insert(p);
        }
        w
    }

    /// The workers of `views`, for one app (index 0), warm where the view says so: how a
    /// backend that assembles its views per placement (the emulation) and tests make them.
    ///
    /// # Panics
    /// If a view's free cores are not what its cores, C-RAN cores, announcement and running
    /// invocations give ([`crate::rules::offered_cores`]): the index derives them from those.
    pub fn from_views(views: &[WorkerView]) -> Self {
        for v in views {
            let free =
                rules::offered_cores(v.cores, v.cran_cores, v.announced_cran_cores, v.running);
            assert_eq!(
                v.free_cores, free,
                "worker BBU {}: free cores {} but its cores, C-RAN and running give {free}",
                v.bbu, v.free_cores
            );
        }
        let mut w = Workers::new(views, 1);
        for v in views.iter().filter(|v| v.warm) {
            w.set_warm(v.bbu, 0, true);
        }
        w
    }

    /// Number of workers.
    pub fn len(&self) -> usize {
        self.fixed.len()
    }

    /// Whether there is no worker.
    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty()
    }

    /// The position of BBU `bbu` among the workers, if it is one.
    #[inline]
    pub fn position(&self, bbu: BbuId) -> Option<usize> {
        match self.pos.get(bbu.index()) {
            Some(&p) if p != NONE => Some(p as usize),
            _ => None,
        }
    }

    /// The current state of the worker at position `p`.
    pub fn state(&self, p: usize) -> &WorkerState {
        &self.state[p]
    }

    /// Whether λ(f) of app `app` is installed on the worker at position `p`.
    #[inline]
    pub fn warm(&self, p: usize, app: usize) -> bool {
        self.warm
            .get(app)
            .is_some_and(|bits| bits[p / 64] >> (p % 64) & 1 == 1)
    }

    /// Sets the state of worker `bbu` (ignored if it is not a worker).
    #[inline]
    pub fn update(&mut self, bbu: BbuId, s: WorkerState) {
        let Some(p) = self.position(bbu) else { return };
        self.state[p] = s;
        let spare = spare_of(self.fixed[p].cores, &s);
        if spare != self.spare[p] {
            self.remove(p);
            self.spare[p] = spare;
            self.insert(p);
        }
    }

    /// Marks app `app` installed (or not) on worker `bbu` (ignored if it is not a worker).
    pub fn set_warm(&mut self, bbu: BbuId, app: usize, warm: bool) {
        let Some(p) = self.position(bbu) else { return };
        if self.warm.len() <= app {
            self.warm.resize(app + 1, vec![0; self.words]);
        }
        let bit = 1u64 << (p % 64);
        if warm {
            self.warm[app][p / 64] |= bit;
        } else {
            self.warm[app][p / 64] &= !bit;
        }
    }

    /// The view of the worker at position `p` for a task of app `app`.
    #[inline]
    pub fn view(&self, p: usize, app: usize) -> WorkerView {
        let f = &self.fixed[p];
        let s = &self.state[p];
        WorkerView {
            bbu: f.bbu,
            free_cores: rules::offered_cores(
                f.cores,
                s.cran_cores,
                s.announced_cran_cores,
                s.running,
            ),
            running: s.running,
            queued: s.queued,
            warm: self.warm(p, app),
            speed: f.speed,
            cores: f.cores,
            cran_cores: s.cran_cores,
            announced_cran_cores: s.announced_cran_cores,
            load: s.load,
            latency_ns: f.latency_ns,
            bandwidth_bps: f.bandwidth_bps,
        }
    }

    /// Spare capacity (free cores − queued) of the worker at position `p`.
    #[inline]
    pub fn spare(&self, p: usize) -> i64 {
        self.spare[p]
    }

    /// The largest spare capacity of any worker (`None` if there is no worker).
    pub fn top_spare(&self) -> Option<i64> {
        self.next_bucket(0).map(|k| self.top - k as i64)
    }

    /// Positions in decreasing spare, then decreasing speed, then increasing BBU index.
    pub fn by_spare(&self) -> BySpare<'_> {
        BySpare {
            w: self,
            bucket: self.next_bucket(0),
            word: 0,
            bits: 0,
            started: false,
        }
    }

    /// Positions of the workers whose spare is `spare`, by decreasing speed, then BBU index.
    pub fn with_spare(&self, spare: i64) -> impl Iterator<Item = usize> + '_ {
        let k = self.top - spare;
        let bucket = (k >= 0).then(|| self.buckets.get(k as usize)).flatten();
        bucket
            .into_iter()
            .flat_map(|b| ones(b))
            .map(|r| self.by_rank[r] as usize)
    }

    /// The classes of workers alike in latency, bandwidth and speed.
    pub fn classes(&self) -> &[Class] {
        &self.classes
    }

    /// The position the task's transfer-aware choice within class `c` would take among its
    /// workers with room, all equally costly: a warm one (λ(f) of `app` installed) before a
    /// cold one, then `previous` (the task's last worker), then the lowest BBU index. `None` if
    /// no worker of the class has room.
    pub fn best_with_room(&self, c: usize, app: usize, previous: Option<BbuId>) -> Option<usize> {
        let class = &self.classes[c];
        let warm = self.warm.get(app);
        let pick = |warm_only: bool| -> Option<usize> {
            let word = |i: usize| {
                let m = class.bits[i] & self.room[i];
                if warm_only {
                    m & warm.map_or(0, |w| w[i])
                } else {
                    m
                }
            };
            if let Some(p) = previous.and_then(|b| self.position(b)) {
                if word(p / 64) >> (p % 64) & 1 == 1 {
                    return Some(p);
                }
            }
            if self.sorted {
                (0..self.words).find_map(|i| {
                    let m = word(i);
                    (m != 0).then(|| i * 64 + m.trailing_zeros() as usize)
                })
            } else {
                (0..self.words)
                    .flat_map(|i| {
                        let m = word(i);
                        (0..64)
                            .filter(move |b| m >> b & 1 == 1)
                            .map(move |b| i * 64 + b)
                    })
                    .min_by_key(|&p| self.fixed[p].bbu)
            }
        };
        pick(true).or_else(|| pick(false))
    }

    /// Positions of the workers of class `c` without room (spare ≤ 0), ascending.
    pub fn without_room(&self, c: usize) -> impl Iterator<Item = usize> + '_ {
        let bits = &self.classes[c].bits;
        (0..self.words).flat_map(move |i| {
            let mut m = bits[i] & !self.room[i];
            std::iter::from_fn(move || {
                (m != 0).then(|| {
                    let b = m.trailing_zeros() as usize;
                    m &= m - 1;
                    i * 64 + b
                })
            })
        })
    }

    /// Positions by increasing latency from the store, then BBU index.
    pub fn by_latency(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_latency.iter().map(|&p| p as usize)
    }

    fn bucket_of(&self, p: usize) -> usize {
        (self.top - self.spare[p]) as usize
    }

    fn insert(&mut self, p: usize) {
        let k = self.bucket_of(p);
        if self.buckets.len() <= k {
            self.buckets.resize(k + 1, vec![0; self.words]);
            self.nonempty.resize((k + 1).div_ceil(64), 0);
        }
        let r = self.rank[p] as usize;
        self.buckets[k][r / 64] |= 1 << (r % 64);
        self.nonempty[k / 64] |= 1 << (k % 64);
        if self.spare[p] >= 1 {
            self.room[p / 64] |= 1 << (p % 64);
        }
    }

    fn remove(&mut self, p: usize) {
        let k = self.bucket_of(p);
        let r = self.rank[p] as usize;
        let b = &mut self.buckets[k];
        b[r / 64] &= !(1 << (r % 64));
        if b[r / 64] == 0 && b.iter().all(|&x| x == 0) {
            self.nonempty[k / 64] &= !(1 << (k % 64));
        }
        self.room[p / 64] &= !(1 << (p % 64));
    }

    /// The first non-empty bucket at or after `k`.
    fn next_bucket(&self, k: usize) -> Option<usize> {
        let mut i = k / 64;
        let mut word = *self.nonempty.get(i)? & (!0u64 << (k % 64));
        loop {
            if word != 0 {
                return Some(i * 64 + word.trailing_zeros() as usize);
            }
            i += 1;
            word = *self.nonempty.get(i)?;
        }
    }

    /// Panics if the index disagrees with the workers' states (for tests and debug builds).
    pub fn check(&self) {
        for p in 0..self.len() {
            let s = spare_of(self.fixed[p].cores, &self.state[p]);
            assert_eq!(s, self.spare[p], "spare of worker {p}");
            let (k, r) = (self.bucket_of(p), self.rank[p] as usize);
            assert!(
                self.buckets[k][r / 64] >> (r % 64) & 1 == 1,
                "worker {p} in its bucket"
            );
        }
        let members: usize = self
            .buckets
            .iter()
            .map(|b| b.iter().map(|x| x.count_ones() as usize).sum::<usize>())
            .sum();
        assert_eq!(members, self.len(), "each worker in one bucket");
        for (k, b) in self.buckets.iter().enumerate() {
            let flagged = self.nonempty[k / 64] >> (k % 64) & 1 == 1;
            assert_eq!(flagged, b.iter().any(|&x| x != 0), "bucket {k} flag");
        }
        for p in 0..self.len() {
            let room = self.room[p / 64] >> (p % 64) & 1 == 1;
            assert_eq!(room, self.spare[p] >= 1, "worker {p} room");
        }
    }
}

/// The set bits of a bitset, ascending.
fn ones(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(i, &w)| {
        let mut w = w;
        std::iter::from_fn(move || {
            (w != 0).then(|| {
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                i * 64 + b
            })
        })
    })
}

/// Iterator of [`Workers::by_spare`]: `(spare, position)`.
pub struct BySpare<'a> {
    w: &'a Workers,
    bucket: Option<usize>,
    word: usize,
    bits: u64,
    started: bool,
}

impl Iterator for BySpare<'_> {
    type Item = (i64, usize);
    fn next(&mut self) -> Option<(i64, usize)> {
        loop {
            let k = self.bucket?;
            if !self.started {
                self.started = true;
                self.word = 0;
                self.bits = self.w.buckets[k][0];
            }
            if self.bits != 0 {
                let r = self.word * 64 + self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                return Some((self.w.top - k as i64, self.w.by_rank[r] as usize));
            }
            self.word += 1;
            if self.word < self.w.words {
                self.bits = self.w.buckets[k][self.word];
            } else {
                self.bucket = self.w.next_bucket(k + 1);
                self.started = false;
            }
        }
    }
}

#[cfg(test)]
mod tests;
