//! `bbu.load`: the C-RAN load process of a BBU, in one of four kinds.
//!
//! ```toml
//! load = { kind = "constant", fraction = 0.25 }
//! load = { kind = "trace", file = "traces/bbu1.csv" }            # CSV time_s,load
//! load = { kind = "diurnal", mean = 0.5, amplitude = 0.3, period_h = 24, peak_h = 14,
//!          noise_sd = 0.05, step_s = 1 }
//! load = { kind = "markov", levels = [0.2, 0.9], mean_hold_s = [600, 60],
//!          next = [[0, 1], [1, 0]], initial = 0 }
//! ```

use super::diag::Diags;
use super::limits::{LOAD_HOURS, LOAD_SECS, LOAD_SHARE, MEAN_HOLD_S, STEP_S};
use super::reader::Tab;
use super::scenario::Ctx;
use mlsim_core::scenario::LoadProcess;
use mlsim_core::{SimDuration, SimTime};

/// Parses one load table; problems go to `d` (the result is then a placeholder constant).
pub fn parse(mut l: Tab<'_>, cx: &mut Ctx<'_>, d: &mut Diags) -> LoadProcess {
    const KINDS: [&str; 4] = ["constant", "trace", "diurnal", "markov"];
    if l.raw("kind")
        .and_then(|v| v.as_str())
        .is_some_and(|k| !KINDS.contains(&k))
    {
        // An unknown kind is reported once; its other keys are not judged against "constant".
        l.choice("kind", d, &KINDS, "constant");
        return LoadProcess::Constant(0.0);
    }
    let kind = l.choice("kind", d, &KINDS, "constant");
    let lp = match kind {
        "trace" => trace(&mut l, cx, d),
        "diurnal" => diurnal(&mut l, d),
        "markov" => markov(&mut l, d),
        _ => LoadProcess::Constant(l.f64_lim("fraction", &LOAD_SHARE, d, 0.0)),
    };
    l.finish(d);
    lp
}

fn trace(l: &mut Tab<'_>, cx: &mut Ctx<'_>, d: &mut Diags) -> LoadProcess {
    let Some(f) = l.str("file", d) else {
        l.missing(
            "file",
            d,
            "add `file = \"traces/bbu.csv\"` (CSV with header time_s,load)",
        );
        return LoadProcess::Constant(0.0);
    };
    let path = cx.base_dir.join(f);
    let got = cx.traces.entry(path.clone()).or_insert_with(|| {
        mlsim_datasets::read_load_trace(&path)
            .map(|pts| {
                pts.into_iter()
                    .map(|(t, f)| (SimTime::ZERO + SimDuration::from_secs_f64(t), f))
                    .collect()
            })
            .map_err(|e| e.to_string())
    });
    match got {
        Ok(pts) => LoadProcess::Trace(pts.clone()),
        Err(e) => {
            d.push(
                cx.src,
                &l.at("file"),
                format!("bad load trace: {e}"),
                "fix the trace file (header time_s,load; rows in increasing time from 0; load 0..1) or the path (relative to the spec)",
            );
            LoadProcess::Constant(0.0)
        }
    }
}

/// A duration given in hours (`<key>_h`) or seconds (`<key>_s`), exactly one of them.
fn hours_or_secs(
    l: &mut Tab<'_>,
    h: &'static str,
    s: &'static str,
    default_h: f64,
    d: &mut Diags,
) -> SimDuration {
    let (has_h, has_s) = (l.has(h), l.has(s));
    if has_h && has_s {
        d.push(
            l.src,
            &l.at(s),
            format!("both `{h}` and `{s}` are given"),
            format!("keep one of `{h}` [h] and `{s}` [s]"),
        );
    }
    if has_s {
        SimDuration::from_secs_f64(l.f64_lim(s, &LOAD_SECS, d, 0.0))
    } else {
        SimDuration::from_secs_f64(l.f64_lim(h, &LOAD_HOURS, d, default_h) * 3600.0)
    }
}

fn diurnal(l: &mut Tab<'_>, d: &mut Diags) -> LoadProcess {
    let mean = l.f64_lim("mean", &LOAD_SHARE, d, 0.5);
    let amplitude = l.f64_lim("amplitude", &LOAD_SHARE, d, 0.0);
    let noise_sd = l.f64_lim("noise_sd", &LOAD_SHARE, d, 0.0);
    let period = hours_or_secs(l, "period_h", "period_s", 24.0, d);
    if period == SimDuration::ZERO {
        d.push(
            l.src,
            &l.at("period_h"),
            "the period must be longer than zero",
            "set `period_h = 24` (or `period_s`)",
        );
    }
    let peak = hours_or_secs(l, "peak_h", "peak_s", 0.0, d);
    let step = SimDuration::from_secs_f64(l.f64_lim("step_s", &STEP_S, d, 1.0));
    let peak_jitter = hours_or_secs(l, "peak_jitter_h", "peak_jitter_s", 0.0, d);
    LoadProcess::Diurnal {
        mean,
        amplitude,
        period,
        peak,
        noise_sd,
        step,
        peak_jitter,
    }
}

fn markov(l: &mut Tab<'_>, d: &mut Diags) -> LoadProcess {
    // A problem found early returns before the later keys are read: they are still this
    // kind's keys, never "unknown".
    l.known(&["levels", "mean_hold_s", "next", "initial"]);
    let num = |v: &toml::Value| v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
    let placeholder = LoadProcess::Constant(0.0);
    let mut ok = true;
    let levels: Vec<f64> = match l.array("levels", d) {
        Some(a) if !a.is_empty() => a
            .iter()
            .enumerate()
            .map(|(i, v)| match num(v).filter(|x| (0.0..=1.0).contains(x)) {
                Some(x) => x,
                None => {
                    d.push(
                        l.src,
                        &l.at("levels").index(i),
                        format!("{v} is not a load between 0 and 1"),
                        "give each level as a share of cores, 0 to 1",
                    );
                    ok = false;
                    0.0
                }
            })
            .collect(),
        _ => {
            l.missing(
                "levels",
                d,
                "add `levels = [0.2, 0.9]` (load of each state, share of cores)",
            );
            return placeholder;
        }
    };
    let n = levels.len();
    let hold: Vec<SimDuration> = match l.array("mean_hold_s", d) {
        Some(a) if a.len() == n => a
            .iter()
            .enumerate()
            .map(|(i, v)| match num(v).filter(|x| MEAN_HOLD_S.contains(*x)) {
                Some(x) => SimDuration::from_secs_f64(x),
                None => {
                    d.push(
                        l.src,
                        &l.at("mean_hold_s").index(i),
                        format!("{v} is not a holding time {} [s]", MEAN_HOLD_S.range_text()),
                        format!(
                            "give each mean holding time in seconds, {}",
                            MEAN_HOLD_S.range_text()
                        ),
                    );
                    ok = false;
                    SimDuration::ZERO
                }
            })
            .collect(),
        Some(a) => {
            d.push(
                l.src,
                &l.at("mean_hold_s"),
                format!("{} holding times for {n} levels", a.len()),
                "give one mean holding time per level",
            );
            return placeholder;
        }
        None => {
            l.missing(
                "mean_hold_s",
                d,
                "add `mean_hold_s = [600, 60]` (one per level) [s]",
            );
            return placeholder;
        }
    };
    let next: Vec<Vec<f64>> = match l.array("next", d) {
        Some(rows) if rows.len() == n => {
            let mut m = Vec::with_capacity(n);
            for (i, row) in rows.iter().enumerate() {
                let at = l.at("next").index(i);
                let vals: Option<Vec<f64>> =
                    row.as_array().and_then(|r| r.iter().map(num).collect());
                match vals {
                    Some(v)
                        if v.len() == n
                            && v.iter().all(|x| *x >= 0.0)
                            && (v.iter().sum::<f64>() - 1.0).abs() <= 1e-9 =>
                    {
                        m.push(v)
                    }
                    _ => {
                        d.push(
                            l.src,
                            &at,
                            format!(
                                "row {i} must be {n} probabilities ≥ 0 summing to 1, found {row}"
                            ),
                            format!(
                                "write row {i} of the transition matrix, e.g. {}",
                                example_row(n, i)
                            ),
                        );
                        ok = false;
                        m.push(vec![0.0; n]);
                    }
                }
            }
            m
        }
        Some(rows) => {
            d.push(
                l.src,
                &l.at("next"),
                format!("{} rows for {n} levels", rows.len()),
                "give one row of transition probabilities per level",
            );
            return placeholder;
        }
        None => {
            l.missing(
                "next",
                d,
                "add the transition matrix, e.g. `next = [[0, 1], [1, 0]]`",
            );
            return placeholder;
        }
    };
    let initial = l.u64_in("initial", d, 0, n.saturating_sub(1) as u64, 0) as usize;
    if !ok {
        return placeholder;
    }
    LoadProcess::Markov {
        levels,
        mean_hold: hold,
        next,
        initial,
    }
}

fn example_row(n: usize, i: usize) -> String {
    let cells: Vec<&str> = (0..n)
        .map(|j| if j == (i + 1) % n { "1" } else { "0" })
        .collect();
    format!("[{}]", cells.join(", "))
}
