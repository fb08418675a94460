//! A worker BBU's cores as the simulator's BBU hands them out (`sim/src/model/bbu.rs`), by the
//! rules both share ([`mlsim_core::rules`]): invocations start in arrival order (FIFO) while a
//! core is offered — spec cores minus the cores C-RAN uses or has announced it will use, minus
//! the invocations running ([`rules::offered_cores`]) — and a notice picks victims among the
//! running ones, youngest first (latest start; ties: the later arrival), counting invocations
//! already evicted as leaving ([`rules::eviction_victims`]). An invocation starts only if its
//! resident memory fits too ([`rules::memory_fits`]: the app's `rss` at its saved progress,
//! against the BBU's `memory_gib`), as in the simulator's core queue.
//!
//! Each running invocation has an [`EvictFlag`]: its timeout tracker polls it and, once set,
//! takes `min(its deadline, the eviction deadline)` and (checkpointing methods) signals at once.

use super::timeline::{Action, CranConfig, Timeline};
use mlsim_core::rules;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The eviction deadline of one invocation [ns since the epoch]; `u64::MAX` while not evicted.
#[derive(Clone, Debug)]
pub struct EvictFlag(Arc<AtomicU64>);

impl Default for EvictFlag {
    fn default() -> Self {
        EvictFlag(Arc::new(AtomicU64::new(u64::MAX)))
    }
}

impl EvictFlag {
    /// The eviction deadline, if evicted.
    pub fn deadline(&self) -> Option<u64> {
        match self.0.load(Ordering::SeqCst) {
            u64::MAX => None,
            d => Some(d),
        }
    }

    /// Evicts with deadline `d` (an earlier deadline stays).
    pub fn evict(&self, d: u64) {
        self.0.fetch_min(d, Ordering::SeqCst);
    }
}

/// One invocation holding a core.
#[derive(Clone, Debug)]
struct Slot {
    ticket: u64,
    /// Its spec core: the lowest index no other running invocation holds (the workload runs
    /// in that core's cgroup, [`crate::cgroup::CranLoad::split`]).
    core: u32,
    start_ns: u64,
    flag: EvictFlag,
    /// Resident memory it holds \[bytes\].
    need: u64,
}

/// The pure state: cores, C-RAN's share, the queue, the running invocations.
#[derive(Debug, Default)]
pub struct Cores {
    cores: u32,
    cran: u32,
    /// Announced changes not yet in effect: cores C-RAN will need, in time order.
    announced: VecDeque<u32>,
    running: Vec<Slot>,
    /// Tickets waiting, with the memory each needs.
    queue: VecDeque<(u64, u64)>,
    next_ticket: u64,
    /// Memory of the BBU \[bytes\] (`u64::MAX`: not limited), and what running ones hold.
    memory: u64,
    memory_used: u64,
}

impl Cores {
    /// A BBU of `cores` spec cores of which C-RAN uses `cran`.
    pub fn new(cores: u32, cran: u32) -> Cores {
        Cores {
            cores,
            cran,
            memory: u64::MAX,
            ..Default::default()
        }
    }

    /// Limits the memory running invocations may hold to `bytes` (the BBU's memory).
    pub fn with_memory(mut self, bytes: u64) -> Cores {
        self.memory = bytes;
        self
    }

    /// Memory held by the running invocations \[bytes\].
    pub fn memory_used(&self) -> u64 {
        self.memory_used
    }

    fn announced_max(&self) -> u32 {
        self.announced.iter().copied().max().unwrap_or(0)
    }

    /// Cores an invocation may start on now.
    pub fn free_cores(&self) -> u32 {
        rules::offered_cores(
            self.cores,
            self.cran,
            self.announced_max(),
            self.running.len() as u32,
        )
    }

    /// Invocations holding a core.
    pub fn running(&self) -> u32 {
        self.running.len() as u32
    }

    /// Invocations waiting for a core.
    pub fn queued(&self) -> u32 {
        self.queue.len() as u32
    }

    /// A new invocation that needs no memory joins the queue; returns its ticket.
    pub fn enqueue(&mut self) -> u64 {
        self.enqueue_needing(0)
    }

    /// A new invocation that needs `need` bytes of memory joins the queue; returns its ticket.
    pub fn enqueue_needing(&mut self, need: u64) -> u64 {
        let t = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push_back((t, need));
        t
    }

    /// Starts `ticket` at `now` \[ns\] if it is at the head of the queue, a core is free and
    /// its memory fits.
    pub fn try_start(&mut self, ticket: u64, now: u64) -> Option<EvictFlag> {
        let &(head, need) = self.queue.front()?;
        if head != ticket
            || self.free_cores() == 0
            || !rules::memory_fits(self.memory, self.memory_used, need)
        {
            return None;
        }
        self.queue.pop_front();
        self.memory_used += need;
        let flag = EvictFlag::default();
        let core = (0..)
            .find(|i| self.running.iter().all(|s| s.core != *i))
            .unwrap_or(0);
        self.running.push(Slot {
            ticket,
            core,
            start_ns: now,
            flag: flag.clone(),
            need,
        });
        Some(flag)
    }

    /// The spec core `ticket` runs on, if it runs.
    pub fn core_of(&self, ticket: u64) -> Option<u32> {
        self.running
            .iter()
            .find(|s| s.ticket == ticket)
            .map(|s| s.core)
    }

    /// `ticket` gave its core and memory back (or left the queue).
    pub fn release(&mut self, ticket: u64) {
        let freed: u64 = self
            .running
            .iter()
            .filter(|s| s.ticket == ticket)
            .map(|s| s.need)
            .sum();
        self.memory_used -= freed;
        self.running.retain(|s| s.ticket != ticket);
        self.queue.retain(|&(t, _)| t != ticket);
    }

    /// Notice `ahead`: C-RAN will need `cran` cores.
    pub fn announce(&mut self, cran: u32) {
        self.announced.push_back(cran);
    }

    /// The load changes: C-RAN needs `cran` cores; `announced` says whether this change was
    /// announced (it leaves the announcements).
    pub fn change(&mut self, cran: u32, announced: bool) {
        self.cran = cran;
        if announced {
            self.announced.pop_front();
        }
    }

    /// Evicts as many running invocations as C-RAN's coming (or current) share needs,
    /// youngest first, each with deadline `deadline`; returns the tickets evicted now.
    pub fn evict(&mut self, deadline: u64) -> Vec<u64> {
        let staying: Vec<(u64, u64, usize)> = self
            .running
            .iter()
            .enumerate()
            .filter(|(_, s)| s.flag.deadline().is_none())
            .map(|(k, s)| (s.start_ns, s.ticket, k))
            .collect();
        let claim = rules::cran_claim(self.cran, self.announced_max());
        let victims = rules::eviction_victims(self.cores, claim, &staying);
        for &k in &victims {
            self.running[k].flag.evict(deadline);
        }
        victims.iter().map(|&k| self.running[k].ticket).collect()
    }
}

/// The timeout tracker's signal time and deadline [ns since the epoch] once `evict` (an
/// eviction deadline, if evicted) is known: the deadline is the earlier of the two, and a
/// checkpointing method is signalled at once (`Some(0)`: any time is past it), as the
/// simulator's `evict_one` does. Long-running work gets no signal: it runs on and is killed at
/// the deadline unless it finishes first.
pub fn tracker(
    signal_at: Option<u64>,
    deadline: Option<u64>,
    evict: Option<u64>,
    checkpoints: bool,
) -> (Option<u64>, Option<u64>) {
    match evict {
        None => (signal_at, deadline),
        Some(d) => (
            if checkpoints { Some(0) } else { signal_at },
            Some(deadline.map_or(d, |x| x.min(d))),
        ),
    }
}

/// [`Cores`] shared by the invocation threads and the C-RAN thread of a worker.
#[derive(Debug, Default)]
pub struct Admission {
    cores: Mutex<Cores>,
    changed: Condvar,
    /// Where the number of invocations holding a core is published (rewritten atomically at
    /// each start and release): the C-RAN driver gives C-RAN only the cores they leave free
    /// (C-RAN waits for cores held by offloaded work, as in the simulator).
    holding: Option<std::path::PathBuf>,
}

impl Admission {
    /// Admission on a BBU of `cores` spec cores of which C-RAN uses `cran` at time zero.
    pub fn new(cores: u32, cran: u32) -> Admission {
        Admission {
            cores: Mutex::new(Cores::new(cores, cran)),
            changed: Condvar::new(),
            holding: None,
        }
    }

    /// Publishes the number of invocations holding a core in the file `path` (see
    /// [`crate::run::cran`]); writes 0 now.
    pub fn publish_to(mut self, path: std::path::PathBuf) -> Admission {
        self.holding = Some(path);
        self.publish(0);
        self
    }

    fn publish(&self, running: u32) {
        if let Some(p) = &self.holding {
            let tmp = p.with_extension("tmp");
            if std::fs::write(&tmp, running.to_string()).is_ok() {
                let _ = std::fs::rename(&tmp, p);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cores> {
        self.cores.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Limits the memory running invocations may hold to `bytes` (the BBU's memory).
    pub fn with_memory(self, bytes: u64) -> Admission {
        let c = std::mem::take(&mut *self.lock()).with_memory(bytes);
        *self.lock() = c;
        self
    }

    /// Queues an invocation that needs no memory and blocks until it holds a core (see
    /// [`Admission::admit_needing`]).
    pub fn admit(&self, now: impl Fn() -> u64) -> (u64, EvictFlag) {
        let (t, f, _) = self.admit_needing(0, now);
        (t, f)
    }

    /// Queues an invocation that needs `need` bytes of memory and blocks until it holds a
    /// core and its memory (FIFO); `now` gives the time [ns since the epoch]. Returns its
    /// ticket, eviction flag and spec core.
    pub fn admit_needing(&self, need: u64, now: impl Fn() -> u64) -> (u64, EvictFlag, u32) {
        let mut c = self.lock();
        let ticket = c.enqueue_needing(need);
        loop {
            if let Some(f) = c.try_start(ticket, now()) {
                let core = c.core_of(ticket).unwrap_or(0);
                self.publish(c.running());
                // The next in the queue may start too.
                self.changed.notify_all();
                return (ticket, f, core);
            }
            c = self
                .changed
                .wait_timeout(c, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// `ticket` gave its core back.
    pub fn release(&self, ticket: u64) {
        let mut c = self.lock();
        c.release(ticket);
        self.publish(c.running());
        drop(c);
        self.changed.notify_all();
    }

    /// Applies one C-RAN action at its time; returns the tickets evicted.
    pub fn apply(&self, a: Action) -> Vec<u64> {
        let mut c = self.lock();
        let evicted = match a {
            Action::Notice { at, cran } => {
                c.announce(cran);
                c.evict(at)
            }
            Action::Load { cran, evict_by, .. } => {
                // Only notice `ahead` announces changes.
                let announced = !c.announced.is_empty();
                c.change(cran, announced);
                evict_by.map(|d| c.evict(d)).unwrap_or_default()
            }
        };
        drop(c);
        self.changed.notify_all();
        evicted
    }

    /// Replays BBU `bbu`'s C-RAN timeline against the wall clock (time zero =
    /// `epoch_unix_ns`) until the load stops changing; `log` gets one line per action.
    pub fn drive(
        &self,
        cfg: &CranConfig,
        bbu: u32,
        epoch_unix_ns: u64,
        mut log: impl FnMut(String),
    ) {
        let (mut tl, _) = Timeline::new(cfg, bbu);
        while let Some((when, a)) = tl.next_action() {
            loop {
                let now = super::super::since(epoch_unix_ns);
                if now >= when {
                    break;
                }
                std::thread::sleep(Duration::from_nanos((when - now).min(50_000_000)));
            }
            let evicted = self.apply(a);
            let c = self.lock();
            let line = serde_json::json!({
                "t_s": when as f64 / 1e9,
                "applied_s": super::super::since(epoch_unix_ns) as f64 / 1e9,
                "action": a,
                "evicted": evicted,
                "running": c.running(),
                "queued": c.queued(),
                "free_cores": c.free_cores(),
            });
            log(line.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invocation_starts_only_when_its_memory_fits_too() {
        // 4 free cores, 100 MiB. A needs 60 MiB, B 60 MiB, C 10 MiB: A starts (60 ≤ 100); B
        // waits (120 > 100) although cores are free, and C behind it waits too (FIFO, as the
        // simulator's core queue); A's release frees 60 MiB: B starts (60), then C (70 ≤ 100).
        let mib = 1u64 << 20;
        let mut c = Cores::new(4, 0).with_memory(100 * mib);
        let (a, b, x) = (
            c.enqueue_needing(60 * mib),
            c.enqueue_needing(60 * mib),
            c.enqueue_needing(10 * mib),
        );
        assert!(c.try_start(a, 0).is_some());
        assert!(c.try_start(b, 1).is_none(), "60 + 60 MiB > 100 MiB");
        assert!(c.try_start(x, 1).is_none(), "first in, first out");
        assert_eq!((c.free_cores(), c.memory_used()), (3, 60 * mib));
        c.release(a);
        assert_eq!(c.memory_used(), 0);
        assert!(c.try_start(b, 2).is_some());
        assert!(c.try_start(x, 2).is_some());
        assert_eq!(c.memory_used(), 70 * mib);
        // A queued ticket that leaves frees nothing it did not hold.
        let y = c.enqueue_needing(50 * mib);
        c.release(y);
        assert_eq!((c.memory_used(), c.queued()), (70 * mib, 0));
        // Without a limit (the default), memory never blocks.
        let mut u = Cores::new(1, 0);
        let z = u.enqueue_needing(u64::MAX / 2);
        assert!(u.try_start(z, 0).is_some());
    }

    #[test]
    fn invocations_start_first_in_first_out_while_cores_are_free() {
        // 4 cores, C-RAN 1: 3 free.
        let mut c = Cores::new(4, 1);
        let t: Vec<u64> = (0..5).map(|_| c.enqueue()).collect();
        // Only the head may start.
        assert!(c.try_start(t[1], 0).is_none());
        for (i, &x) in t.iter().enumerate().take(3) {
            assert!(c.try_start(x, i as u64).is_some());
        }
        assert_eq!((c.running(), c.queued(), c.free_cores()), (3, 2, 0));
        assert!(c.try_start(t[3], 5).is_none());
        c.release(t[0]);
        assert_eq!(c.free_cores(), 1);
        assert!(c.try_start(t[3], 6).is_some());
        assert!(c.try_start(t[4], 6).is_none());
        // An announced rise to 3 cores takes effect for admission at once: 4 − 3 − 3 = 0 even
        // after one release (4 − 3 − 2 = −1 → 0).
        c.announce(3);
        c.release(t[1]);
        assert_eq!(c.free_cores(), 0);
        // The rise, then a fall to 0: 4 − 0 − 2 = 2.
        c.change(3, true);
        assert_eq!(c.free_cores(), 0);
        c.change(0, false);
        assert_eq!(c.free_cores(), 2);
        assert!(c.try_start(t[4], 9).is_some());
    }

    #[test]
    fn each_running_invocation_has_a_spec_core_of_its_own() {
        // 3 cores: A, B, C take cores 0, 1, 2; B leaves; D takes the lowest free one, 1; A
        // leaves; E takes 0. No two running invocations share a core.
        let mut c = Cores::new(3, 0);
        let t: Vec<u64> = (0..5).map(|_| c.enqueue()).collect();
        for &x in &t[..3] {
            assert!(c.try_start(x, 0).is_some());
        }
        let cores = |c: &Cores, ts: &[u64]| -> Vec<Option<u32>> {
            ts.iter().map(|&x| c.core_of(x)).collect()
        };
        assert_eq!(cores(&c, &t[..3]), [Some(0), Some(1), Some(2)]);
        c.release(t[1]);
        assert!(c.try_start(t[3], 1).is_some());
        c.release(t[0]);
        assert!(c.try_start(t[4], 2).is_some());
        assert_eq!(
            cores(&c, &t),
            [None, None, Some(2), Some(1), Some(0)],
            "released tickets hold no core"
        );
    }

    #[test]
    fn victims_are_the_youngest_and_the_evicted_count_as_leaving() {
        // 4 cores, no C-RAN, 4 running, started at 10, 30, 20, 30 (the last two tie: the later
        // ticket is younger).
        let mut c = Cores::new(4, 0);
        let mut flags = Vec::new();
        for start in [10, 30, 20, 30] {
            let t = c.enqueue();
            flags.push((t, c.try_start(t, start).expect("free core")));
        }
        // C-RAN announces 2 cores: 4 + 2 − 4 = 2 must go: tickets 3 (30, later) and 1 (30).
        c.announce(2);
        assert_eq!(c.evict(100), vec![3, 1]);
        assert_eq!(flags[3].1.deadline(), Some(100));
        assert_eq!(flags[1].1.deadline(), Some(100));
        assert_eq!(flags[0].1.deadline(), None);
        // The same notice again evicts nobody more (the evicted are leaving).
        assert!(c.evict(50).is_empty());
        assert_eq!(flags[3].1.deadline(), Some(100));
        // A rise to 3 cores: one more, the youngest staying (ticket 2, started at 20).
        c.announce(3);
        assert_eq!(c.evict(200), vec![2]);
        // An earlier eviction deadline wins over a later one.
        flags[2].1.evict(150);
        assert_eq!(flags[2].1.deadline(), Some(150));
        flags[2].1.evict(300);
        assert_eq!(flags[2].1.deadline(), Some(150));
    }

    #[test]
    fn an_eviction_signals_checkpointing_methods_at_once_and_keeps_the_earlier_deadline() {
        // Not evicted: as set up from r_limit.
        assert_eq!(tracker(Some(8), Some(10), None, true), (Some(8), Some(10)));
        // μλ/CRIU with r_limit 10 evicted with deadline 6: signal now, deadline 6.
        assert_eq!(
            tracker(Some(8), Some(10), Some(6), true),
            (Some(0), Some(6))
        );
        // A later eviction deadline does not extend r_limit's.
        assert_eq!(
            tracker(Some(8), Some(10), Some(12), true),
            (Some(0), Some(10))
        );
        // r_limit "none": the eviction deadline alone.
        assert_eq!(tracker(None, None, Some(6), true), (Some(0), Some(6)));
        // Long-running: no signal, killed at the eviction deadline.
        assert_eq!(tracker(None, None, Some(6), false), (None, Some(6)));
    }

    #[test]
    fn admission_blocks_until_a_core_is_free() {
        let a = Arc::new(Admission::new(1, 0));
        let (t0, _) = a.admit(|| 0);
        let b = a.clone();
        let h = std::thread::spawn(move || b.admit(|| 1).0);
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !h.is_finished(),
            "the second invocation must wait for the core"
        );
        a.release(t0);
        assert_eq!(h.join().expect("admitted"), 1);
    }
}
