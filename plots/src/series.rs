//! Figs. 6 and 7 data: request records grouped into series of means over items.

use std::collections::BTreeMap;

use mlsim_core::record::{Mode, RequestRecord, RunRecord};
use mlsim_core::stats::RepCi;

use crate::apps;
use crate::method::Method;

/// The per-request quantity a line figure shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// `exec_time_s` \[s\] (Fig. 6).
    ExecTime,
    /// `bytes`, the network load \[bytes\] (Fig. 7).
    Bytes,
}

impl Metric {
    fn of(self, r: &RequestRecord) -> f64 {
        match self {
            Metric::ExecTime => r.exec_time_s,
            Metric::Bytes => r.bytes as f64,
        }
    }
}

/// What a series is of, across panels: legend entries, colours and markers derive from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesKey {
    /// Checkpoint method.
    pub method: Method,
    /// Runtime limit \[s\]; `None` for long-running.
    pub r_limit_s: Option<f64>,
    /// Where the records come from.
    pub mode: Mode,
}

impl SeriesKey {
    /// Total order: method, then r_limit ascending (none first), then sim before emu.
    fn sort_key(&self) -> (Method, Option<i64>, u8) {
        (self.method, r_key(self.r_limit_s), mode_rank(self.mode))
    }
}

/// r_limit in whole microseconds, so equal limits group together despite float noise.
fn r_key(r: Option<f64>) -> Option<i64> {
    r.map(|r| (r * 1e6).round() as i64)
}

fn mode_rank(m: Mode) -> u8 {
    match m {
        Mode::Sim => 0,
        Mode::Emu => 1,
    }
}

/// One point of a series: the requests of one item count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeriesPoint {
    /// Items per request (the x value).
    pub items: u32,
    /// Mean over replications of the per-replication mean of the metric, with its 95 % CI
    /// ([`mlsim_core::stats`]).
    pub stats: RepCi,
}

/// One line of one panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The panel's app.
    pub app: String,
    /// What the line is of.
    pub key: SeriesKey,
    /// Points by ascending items.
    pub points: Vec<SeriesPoint>,
}

/// Groups the successful (`status == "ok"`) requests of known methods by (app, method,
/// r_limit, mode, items) and averages `metric`. Series come in figure order: apps as
/// [`apps::compare`], then [`SeriesKey`] order. Rows with unknown methods or non-finite
/// values are left out. A point's mean and CI are over replications (from `runs`; a run not in
/// `runs` is a replication of its own).
pub fn aggregate(records: &[RequestRecord], runs: &[RunRecord], metric: Metric) -> Vec<Series> {
    type Key = (String, (Method, Option<i64>, u8));
    /// Per items: (replication, value) samples.
    type ByItems = BTreeMap<u32, Vec<((u8, u32), f64)>>;
    // Replication of a request: (0, replication) from runs.csv, else (1, run).
    let rep_of: BTreeMap<u32, u32> = runs.iter().map(|r| (r.run, r.replication)).collect();
    let rep = |run: u32| rep_of.get(&run).map_or((1u8, run), |&r| (0u8, r));
    let mut groups: BTreeMap<Key, (SeriesKey, ByItems)> = BTreeMap::new();
    for r in records.iter().filter(|r| r.status == "ok") {
        let Some(method) = Method::parse(&r.method) else {
            continue;
        };
        let key = SeriesKey {
            method,
            r_limit_s: r.r_limit_s,
            mode: r.mode,
        };
        groups
            .entry((r.app.clone(), key.sort_key()))
            .or_insert_with(|| (key, BTreeMap::new()))
            .1
            .entry(r.items)
            .or_default()
            .push((rep(r.run), metric.of(r)));
    }
    let mut series: Vec<Series> = groups
        .into_iter()
        .filter_map(|((app, _), (key, by_items))| {
            let points: Vec<SeriesPoint> = by_items
                .into_iter()
                .filter_map(|(items, values)| {
                    RepCi::of_replication_means(values).map(|stats| SeriesPoint { items, stats })
                })
                .collect();
            (!points.is_empty()).then_some(Series { app, key, points })
        })
        .collect();
    // Stable: keeps the key order within each app.
    series.sort_by(|a, b| apps::compare(&a.app, &b.app));
    series
}

/// The distinct series keys over all panels, in legend order.
pub fn keys(series: &[Series]) -> Vec<SeriesKey> {
    let mut keys: Vec<SeriesKey> = series.iter().map(|s| s.key).collect();
    keys.sort_by_key(SeriesKey::sort_key);
    keys.dedup_by_key(|k| k.sort_key());
    keys
}

/// The distinct runtime limits \[s\] over all series, ascending (their index picks the marker).
pub fn limits(series: &[Series]) -> Vec<i64> {
    let mut v: Vec<i64> = series
        .iter()
        .filter_map(|s| r_key(s.key.r_limit_s))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Index of `key`'s runtime limit in [`limits`], if it has one.
pub fn limit_index(limits: &[i64], key: &SeriesKey) -> Option<usize> {
    r_key(key.r_limit_s).and_then(|r| limits.binary_search(&r).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::methods::named;

    fn req(
        app: &str,
        method: &str,
        r: Option<f64>,
        items: u32,
        t: f64,
        status: &str,
    ) -> RequestRecord {
        RequestRecord {
            run: 0,
            mode: Mode::Sim,
            request: 0,
            app: app.into(),
            method: method.into(),
            r_limit_s: r,
            items,
            submit_ns: 0,
            done_ns: 0,
            exec_time_s: t,
            invocations: 1,
            checkpoints: 0,
            missed_checkpoints: 0,
            lost_work_s: 0.0,
            cold_starts: 0,
            migrations: 0,
            evictions: 0,
            bytes: 1000,
            status: status.into(),
        }
    }

    #[test]
    fn groups_means_and_order() {
        let recs = vec![
            req("taxi", "criu", Some(2.0), 4, 3.0, "ok"),
            req("face", "microlambda", Some(5.0), 2, 1.0, "ok"),
            req("face", "microlambda", Some(5.0), 2, 3.0, "ok"),
            req(
                "face",
                "microlambda",
                Some(5.0),
                2,
                99.0,
                "failed: no progress",
            ),
            req("face", "microlambda", Some(2.0), 2, 1.0, "ok"),
            req("face", "long_running", None, 1, 1.0, "ok"),
            req("face", "mystery", None, 1, 1.0, "ok"),
        ];
        let mut recs = recs;
        // Each request its own run, each run a replication of its own.
        for (i, r) in recs.iter_mut().enumerate() {
            r.run = i as u32;
        }
        let s = aggregate(&recs, &[], Metric::ExecTime);
        let names: Vec<(String, Method, Option<f64>)> = s
            .iter()
            .map(|s| (s.app.clone(), s.key.method, s.key.r_limit_s))
            .collect();
        assert_eq!(
            names,
            vec![
                ("face".into(), named("long_running"), None),
                ("face".into(), named("microlambda"), Some(2.0)),
                ("face".into(), named("microlambda"), Some(5.0)),
                ("taxi".into(), named("criu"), Some(2.0)),
            ]
        );
        // The failed request is left out: mean of 1 and 3.
        assert_eq!(s[2].points[0].stats.mean, 2.0);
        assert_eq!(s[2].points[0].stats.n, 2);
        assert_eq!(limits(&s), vec![2_000_000, 5_000_000]);
    }
}
