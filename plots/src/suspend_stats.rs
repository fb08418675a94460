//! The suspend study's numbers (seed 000): what the `suspend-fit`, `suspend-wake` and
//! `suspend-cost` figures draw, per group of runs.
//!
//! Only runs with status `ok` in `runs.csv` count. A run's group is its suspend method
//! (`runs.csv`'s `method`; `long_running` = never suspended) and the memory of its worker BBUs
//! (`memory.csv`'s `memory_mib`, their mean if they differ); a run without a `memory.csv` row
//! has no memory and is left out. A run's value sums its worker BBUs (or its functions); a
//! group shows the mean of those values over replications with the one confidence interval
//! ([`RepCi`]), runs of one replication (e.g. of other swept keys) averaged first.

use std::collections::BTreeMap;

use mlsim_core::record::{FunctionEventRecord, FunctionRecord, MemoryRecord, RunRecord};
use mlsim_core::stats::RepCi;

/// The sort key of a group: method rank (registry order), method, memory \[KiB, rounded\].
type Key = (usize, String, i64);

/// What a run contributes to: its group and replication.
struct RunInfo {
    key: Key,
    memory_mib: f64,
    replication: u32,
}

/// The runs with status `ok` that have memory rows, by run index.
struct Runs(BTreeMap<u32, RunInfo>);

impl Runs {
    fn new(runs: &[RunRecord], memory: &[MemoryRecord]) -> Self {
        let mut mem: BTreeMap<u32, (f64, usize)> = BTreeMap::new();
        for m in memory.iter().filter(|m| m.memory_mib.is_finite()) {
            let e = mem.entry(m.run).or_default();
            e.0 += m.memory_mib;
            e.1 += 1;
        }
        let infos = runs
            .iter()
            .filter(|r| r.status == "ok")
            .filter_map(|r| {
                let &(sum, n) = mem.get(&r.run)?;
                let memory_mib = sum / n as f64;
                let key = (
                    crate::method::rank(&r.method),
                    r.method.clone(),
                    (memory_mib * 1024.0).round() as i64,
                );
                Some((
                    r.run,
                    RunInfo {
                        key,
                        memory_mib,
                        replication: r.replication,
                    },
                ))
            })
            .collect();
        Self(infos)
    }

    /// Every group, each with its memory \[MiB\], in figure order.
    fn groups(&self) -> BTreeMap<Key, f64> {
        self.0
            .values()
            .map(|i| (i.key.clone(), i.memory_mib))
            .collect()
    }

    /// Per group: the mean over replications of `per_run` (runs missing from it, or with a
    /// non-finite value, have none).
    fn over_replications(&self, per_run: &BTreeMap<u32, f64>) -> BTreeMap<Key, RepCi> {
        let mut samples: BTreeMap<&Key, Vec<(u32, f64)>> = BTreeMap::new();
        for (run, info) in &self.0 {
            if let Some(&v) = per_run.get(run) {
                samples
                    .entry(&info.key)
                    .or_default()
                    .push((info.replication, v));
            }
        }
        samples
            .into_iter()
            .filter_map(|(k, s)| RepCi::of_replication_means(s).map(|ci| (k.clone(), ci)))
            .collect()
    }

    /// Per run: the sums of `f` over `rows` of that run.
    fn sums<T, const N: usize>(
        &self,
        rows: &[T],
        run: impl Fn(&T) -> u32,
        f: impl Fn(&T) -> [f64; N],
    ) -> BTreeMap<u32, [f64; N]> {
        let mut out: BTreeMap<u32, [f64; N]> = BTreeMap::new();
        for row in rows {
            let r = run(row);
            if self.0.contains_key(&r) {
                let acc = out.entry(r).or_insert([0.0; N]);
                for (a, v) in acc.iter_mut().zip(f(row)) {
                    *a += v;
                }
            }
        }
        out
    }
}

/// Per run, the `i`-th of each run's sums.
fn column<const N: usize>(sums: &BTreeMap<u32, [f64; N]>, i: usize) -> BTreeMap<u32, f64> {
    sums.iter().map(|(&r, s)| (r, s[i])).collect()
}

/// Per run, the ratio of the `num`-th to the `den`-th sum (NaN, i.e. no value, when the
/// denominator is 0).
fn ratio<const N: usize>(
    sums: &BTreeMap<u32, [f64; N]>,
    num: usize,
    den: usize,
) -> BTreeMap<u32, f64> {
    sums.iter()
        .map(|(&r, s)| {
            (
                r,
                if s[den] > 0.0 {
                    s[num] / s[den]
                } else {
                    f64::NAN
                },
            )
        })
        .collect()
}

/// A point of the `suspend-fit` figure: a method at one device memory.
#[derive(Clone, Debug, PartialEq)]
pub struct FitPoint {
    /// Suspend method (the records' name).
    pub method: String,
    /// Memory of a worker BBU \[MiB\].
    pub memory_mib: f64,
    /// Functions deployed per run (summed over the worker BBUs).
    pub deployed: Option<RepCi>,
    /// Share of a run's events whose burst ended (`response_s` set), 0 to 1.
    pub served: Option<RepCi>,
}

/// The `suspend-fit` points, methods in registry order, memory ascending.
pub fn fit_points(
    runs: &[RunRecord],
    memory: &[MemoryRecord],
    events: &[FunctionEventRecord],
) -> Vec<FitPoint> {
    let runs = Runs::new(runs, memory);
    let deployed = runs.sums(memory, |m| m.run, |m| [f64::from(m.deployed)]);
    let deployed = runs.over_replications(&column(&deployed, 0));
    let served = runs.sums(
        events,
        |e| e.run,
        |e| [f64::from(u8::from(e.response_s.is_some())), 1.0],
    );
    let served = runs.over_replications(&ratio(&served, 0, 1));
    runs.groups()
        .into_iter()
        .map(|(key, memory_mib)| FitPoint {
            deployed: deployed.get(&key).copied(),
            served: served.get(&key).copied(),
            method: key.1,
            memory_mib,
        })
        .collect()
}

/// A line of the `suspend-wake` figure: the events of a method at one device memory, all
/// replications pooled.
#[derive(Clone, Debug, PartialEq)]
pub struct WakeCurve {
    /// Suspend method.
    pub method: String,
    /// Memory of a worker BBU \[MiB\].
    pub memory_mib: f64,
    /// Wake latencies \[s\] of the served events (burst ended), ascending.
    pub latencies: Vec<f64>,
    /// Events that arrived, served or not (the CDF's denominator).
    pub events: usize,
}

/// The `suspend-wake` curves, methods in registry order, memory ascending; groups without
/// events are left out.
pub fn wake_curves(
    runs: &[RunRecord],
    memory: &[MemoryRecord],
    events: &[FunctionEventRecord],
) -> Vec<WakeCurve> {
    let runs = Runs::new(runs, memory);
    let mut groups: BTreeMap<&Key, (f64, Vec<f64>, usize)> = BTreeMap::new();
    for e in events {
        let Some(info) = runs.0.get(&e.run) else {
            continue;
        };
        let g = groups
            .entry(&info.key)
            .or_insert_with(|| (info.memory_mib, Vec::new(), 0));
        g.2 += 1;
        match (e.wake_latency_s, e.response_s) {
            (Some(w), Some(_)) if w.is_finite() => g.1.push(w.max(0.0)),
            _ => {}
        }
    }
    groups
        .into_iter()
        .map(|(key, (memory_mib, mut latencies, events))| {
            latencies.sort_by(f64::total_cmp);
            WakeCurve {
                method: key.1.clone(),
                memory_mib,
                latencies,
                events,
            }
        })
        .collect()
}

/// A group of the `suspend-cost` figure: what a method costs at one device memory, per run
/// (means over replications).
#[derive(Clone, Debug, PartialEq)]
pub struct CostRow {
    /// Suspend method.
    pub method: String,
    /// Memory of a worker BBU \[MiB\].
    pub memory_mib: f64,
    /// Memory-time of functions computing, waiting for a core or waking \[MiB·s\].
    pub running_mib_s: Option<RepCi>,
    /// Memory-time of blocked functions not suspended \[MiB·s\].
    pub blocked_mib_s: Option<RepCi>,
    /// Memory-time of paused functions and functions being suspended \[MiB·s\].
    pub paused_mib_s: Option<RepCi>,
    /// The three memory-times together \[MiB·s\].
    pub memory_mib_s: Option<RepCi>,
    /// Disk-time of checkpoints \[MiB·s\].
    pub disk_mib_s: Option<RepCi>,
    /// Bytes written by checkpoints \[bytes\].
    pub bytes_written: Option<RepCi>,
    /// Time of one suspend (pause or dump) \[s\]: a run's suspend time over its suspends (no
    /// value for a run without suspends).
    pub suspend_s: Option<RepCi>,
    /// Time of one wake (unpause or restore) \[s\], as `suspend_s`.
    pub wake_s: Option<RepCi>,
    /// Time functions waited for memory (to deploy or be restored), summed over a run's
    /// functions \[s\].
    pub memory_wait_s: Option<RepCi>,
}

/// The `suspend-cost` rows, methods in registry order, memory ascending.
pub fn cost_rows(
    runs: &[RunRecord],
    memory: &[MemoryRecord],
    functions: &[FunctionRecord],
) -> Vec<CostRow> {
    let runs = Runs::new(runs, memory);
    let mem = runs.sums(
        memory,
        |m| m.run,
        |m| {
            [
                m.running_mib_s,
                m.blocked_mib_s,
                m.paused_mib_s,
                m.running_mib_s + m.blocked_mib_s + m.paused_mib_s,
                m.disk_mib_s,
                m.bytes_written as f64,
            ]
        },
    );
    let mem: Vec<BTreeMap<Key, RepCi>> = (0..6)
        .map(|i| runs.over_replications(&column(&mem, i)))
        .collect();
    let fun = runs.sums(
        functions,
        |f| f.run,
        |f| {
            [
                f.suspend_s,
                f64::from(f.suspends),
                f.wake_s,
                f64::from(f.wakes),
                f.memory_wait_s,
            ]
        },
    );
    let suspend = runs.over_replications(&ratio(&fun, 0, 1));
    let wake = runs.over_replications(&ratio(&fun, 2, 3));
    let wait = runs.over_replications(&column(&fun, 4));
    runs.groups()
        .into_iter()
        .map(|(key, memory_mib)| {
            let m = |i: usize| mem[i].get(&key).copied();
            CostRow {
                running_mib_s: m(0),
                blocked_mib_s: m(1),
                paused_mib_s: m(2),
                memory_mib_s: m(3),
                disk_mib_s: m(4),
                bytes_written: m(5),
                suspend_s: suspend.get(&key).copied(),
                wake_s: wake.get(&key).copied(),
                memory_wait_s: wait.get(&key).copied(),
                method: key.1,
                memory_mib,
            }
        })
        .collect()
}

/// The distinct memories \[MiB\] of `values`, ascending (equal to within 1 KiB count once).
pub(crate) fn memories(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|m| m.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.dedup_by(|a, b| (*a - *b).abs() < 1.0 / 1024.0);
    v
}

/// The distinct methods of `names` in figure order (registry order, unknown names last).
pub(crate) fn methods<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<(usize, &str)> = names
        .into_iter()
        .map(|n| (crate::method::rank(n), n))
        .collect();
    v.sort();
    v.dedup();
    v.into_iter().map(|(_, n)| n.to_string()).collect()
}

/// `256 MiB`, `1 GiB`, `1.5 GiB`: a device memory as a caption or axis label.
pub(crate) fn memory_label(mib: f64) -> String {
    if mib >= 1024.0 {
        format!("{} GiB", crate::units::number(mib / 1024.0))
    } else {
        format!("{} MiB", crate::units::number(mib))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mlsim_core::record::Mode;

    pub(crate) fn run(run: u32, replication: u32, method: &str) -> RunRecord {
        RunRecord {
            run,
            replication,
            method: method.into(),
            status: "ok".into(),
            ..Default::default()
        }
    }

    pub(crate) fn mem(run: u32, bbu: u32, mib: f64, deployed: u32) -> MemoryRecord {
        MemoryRecord {
            run,
            mode: Mode::Sim,
            bbu,
            memory_mib: mib,
            deployed,
            ..Default::default()
        }
    }

    /// An event of `run`, served with wake latency `wake` or never served (`None`).
    pub(crate) fn event(run: u32, wake: Option<f64>) -> FunctionEventRecord {
        FunctionEventRecord {
            run,
            wake_latency_s: wake,
            response_s: wake.map(|w| w + 0.1),
            ..Default::default()
        }
    }

    #[test]
    fn deployed_and_served_over_replications() {
        // pause at 256 MiB: replication 0 deploys 3 + 2 (two worker BBUs), replication 1
        // deploys 3 + 4: per run 5 and 7, mean 6, CI t(0.975, 1)·√2/√2 = 12.706.
        // Served: run 0 serves 1 of 2 events, run 1 serves 3 of 4: mean (0.5 + 0.75)/2.
        let runs = vec![
            run(0, 0, "pause"),
            run(1, 1, "pause"),
            run(2, 0, "long_running"),
            RunRecord {
                status: "failed: boom".into(),
                ..run(3, 1, "long_running")
            },
        ];
        let memory = vec![
            mem(0, 1, 256.0, 3),
            mem(0, 2, 256.0, 2),
            mem(1, 1, 256.0, 3),
            mem(1, 2, 256.0, 4),
            mem(2, 1, 512.0, 1),
            mem(3, 1, 512.0, 9),
        ];
        let events = vec![
            event(0, Some(0.2)),
            event(0, None),
            event(1, Some(0.1)),
            event(1, Some(0.0)),
            event(1, Some(0.3)),
            event(1, None),
        ];
        let p = fit_points(&runs, &memory, &events);
        // Registry order: long_running before pause; the failed run is left out.
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].method.as_str(), p[0].memory_mib),
            ("long_running", 512.0)
        );
        let d = p[0].deployed.unwrap();
        assert_eq!((d.n, d.mean, d.ci95), (1, 1.0, None));
        assert_eq!(p[0].served, None, "run 2 has no events");
        assert_eq!((p[1].method.as_str(), p[1].memory_mib), ("pause", 256.0));
        let d = p[1].deployed.unwrap();
        assert_eq!((d.n, d.mean), (2, 6.0));
        assert!((d.ci95.unwrap() - 12.706).abs() < 1e-3, "{d:?}");
        let s = p[1].served.unwrap();
        assert!((s.mean - 0.625).abs() < 1e-12, "{s:?}");
    }

    #[test]
    fn wake_curve_counts_unserved_events() {
        let runs = vec![run(0, 0, "criu"), run(1, 1, "criu")];
        let memory = vec![mem(0, 1, 1024.0, 2), mem(1, 1, 1024.0, 2)];
        let mut started = event(1, Some(0.7));
        started.response_s = None; // started, cut short: not served
        let events = vec![
            event(0, Some(0.5)),
            event(0, None),
            event(1, Some(0.25)),
            started,
        ];
        let c = wake_curves(&runs, &memory, &events);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].latencies, vec![0.25, 0.5]);
        assert_eq!(c[0].events, 4);
        // The CDF ends at 2/4 < 1.
        assert_eq!(c[0].latencies.len() as f64 / c[0].events as f64, 0.5);
    }

    #[test]
    fn costs_per_run_and_per_suspend() {
        let runs = vec![run(0, 0, "docker"), run(1, 1, "docker")];
        let memory = vec![
            MemoryRecord {
                running_mib_s: 10.0,
                blocked_mib_s: 20.0,
                paused_mib_s: 2.0,
                bytes_written: 1000,
                ..mem(0, 1, 512.0, 1)
            },
            MemoryRecord {
                running_mib_s: 30.0,
                bytes_written: 3000,
                ..mem(1, 1, 512.0, 1)
            },
        ];
        let f = |run, suspends, suspend_s, wakes| FunctionRecord {
            run,
            suspends,
            suspend_s,
            wakes,
            wake_s: 1.0,
            memory_wait_s: 0.5,
            ..Default::default()
        };
        // Run 0: 3 s over 2 + 1 suspends = 1 s each; run 1: 2 s over 4 = 0.5 s.
        let functions = vec![f(0, 2, 2.0, 1), f(0, 1, 1.0, 1), f(1, 4, 2.0, 0)];
        let c = cost_rows(&runs, &memory, &functions);
        assert_eq!(c.len(), 1);
        let r = &c[0];
        assert_eq!(r.running_mib_s.unwrap().mean, 20.0);
        assert_eq!(r.blocked_mib_s.unwrap().mean, 10.0);
        assert_eq!(r.paused_mib_s.unwrap().mean, 1.0);
        assert_eq!(r.memory_mib_s.unwrap().mean, 31.0);
        assert_eq!(r.bytes_written.unwrap().mean, 2000.0);
        assert_eq!(r.suspend_s.unwrap().mean, 0.75);
        // Run 1 has no wakes: only run 0's 2 s over 2 wakes counts.
        let w = r.wake_s.unwrap();
        assert_eq!((w.n, w.mean), (1, 1.0));
        assert_eq!(r.memory_wait_s.unwrap().mean, 0.75);
    }

    #[test]
    fn labels_and_orders() {
        assert_eq!(memory_label(256.0), "256 MiB");
        assert_eq!(memory_label(1024.0), "1 GiB");
        assert_eq!(memory_label(1536.0), "1.5 GiB");
        assert_eq!(memories([512.0, 256.0, 512.0]), vec![256.0, 512.0]);
        assert_eq!(
            methods(["pause", "criu", "long_running", "pause"]),
            ["long_running", "criu", "pause"]
        );
    }
}
