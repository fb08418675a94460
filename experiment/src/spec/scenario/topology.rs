//! The topology of a scenario: `[topology]`, `[bbu]`, `[[bbu_override]]` and `[links]`.

use super::{Ctx, section};
use crate::spec::diag::{Diags, FieldPath};
use crate::spec::reader::{Tab, type_name};
use mlsim_core::SimDuration;
use mlsim_core::scenario::*;

/// `[topology]`: the number of BBUs, the control BBU, the workers and the UEs.
pub(super) fn topology_keys(
    top: &mut Tab<'_>,
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) -> (u32, u32, Vec<u32>, u32) {
    let mut t = section(top, "topology", d);
    let n = t.u64_lim("bbus", &crate::spec::limits::BBUS, d, 2) as u32;
    let control_bbu = t.u64_in("control_bbu", d, 0, u32::MAX as u64, 0) as u32;
    if control_bbu >= n {
        d.push(
            cx.src,
            &t.at("control_bbu"),
            format!("control_bbu {control_bbu} does not exist (bbus = {n})"),
            format!("use a BBU index from 0 to {}", n.saturating_sub(1)),
        );
    }
    let workers: Vec<u32> = match t.array("workers", d) {
        None => (0..n).filter(|b| *b != control_bbu || n == 1).collect(),
        Some(a) => {
            let mut ws = Vec::new();
            let mut seen = vec![false; n as usize];
            for (i, v) in a.iter().enumerate() {
                match v.as_integer() {
                    Some(x) if x >= 0 && (x as u64) < n as u64 && !seen[x as usize] => {
                        seen[x as usize] = true;
                        ws.push(x as u32)
                    }
                    _ => d.push(
                        cx.src,
                        &t.at("workers").index(i),
                        format!("{v} is not a distinct BBU index below {n}"),
                        format!(
                            "list distinct BBU indices from 0 to {}",
                            n.saturating_sub(1)
                        ),
                    ),
                }
            }
            if a.is_empty() {
                d.push(
                    cx.src,
                    &t.at("workers"),
                    "no worker BBU",
                    "list at least one BBU index",
                );
            }
            ws
        }
    };
    let ues = t.u64_lim("ues", &crate::spec::limits::UES, d, 1) as u32;
    t.finish(d);
    (n, control_bbu, workers, ues)
}

/// `[bbu]` for every BBU, then each `[[bbu_override]]` on the BBUs it names.
pub(super) fn bbus(top: &mut Tab<'_>, n: u32, cx: &mut Ctx<'_>, d: &mut Diags) -> Vec<Bbu> {
    let mut b = section(top, "bbu", d);
    let default_bbu = bbu_fields(&mut b, None, cx, d);
    b.finish(d);
    let rows = |b: &Bbu| match &b.load {
        LoadProcess::Trace(v) => v.len() as u64,
        _ => 0,
    };
    // Each BBU holds its own copy of its load trace.
    if rows(&default_bbu).saturating_mul(n as u64) > crate::spec::limits::MAX_TRACE_SAMPLES {
        d.push(
            cx.src,
            &FieldPath::default().key("bbu").key("load"),
            format!(
                "{n} BBUs × {} trace rows = {} load samples held in memory, more than the limit of {}",
                rows(&default_bbu),
                rows(&default_bbu).saturating_mul(n as u64),
                crate::spec::limits::MAX_TRACE_SAMPLES
            ),
            "use a shorter trace (fewer rows), or give the trace to fewer BBUs with [[bbu_override]]",
        );
        return vec![
            Bbu {
                load: LoadProcess::Constant(0.0),
                ..default_bbu
            };
            n as usize
        ];
    }
    let mut bbus = vec![default_bbu.clone(); n as usize];
    if top.raw("bbu_override").is_some_and(|v| v.is_table()) {
        d.push(
            cx.src,
            &top.at("bbu_override"),
            "expected a list of override tables, found one table",
            "write `[[bbu_override]]` (double brackets) above each override's keys",
        );
    } else if let Some(arr) = top.array("bbu_override", d) {
        for (i, v) in arr.iter().enumerate() {
            let path = FieldPath::default().key("bbu_override").index(i);
            let Some(tab) = v.as_table() else {
                d.push(
                    cx.src,
                    &path,
                    format!("expected a table, found {}", type_name(v)),
                    "write [[bbu_override]] tables with `ids = [...]`",
                );
                continue;
            };
            let mut o = Tab::new(cx.src, path, tab);
            if o.has("ids_range") && o.has("ids") {
                d.push(
                    cx.src,
                    &o.at("ids_range"),
                    "both `ids` and `ids_range` are given",
                    "keep one of them",
                );
            }
            let ids = override_ids(&mut o, n, cx, d);
            if o.array("ids", d).is_some_and(|a| a.len() != ids.len()) {
                d.push(
                    cx.src,
                    &o.at("ids"),
                    format!("every id must be a BBU index below {n}"),
                    "remove ids that do not exist",
                );
            }
            if ids.is_empty() {
                // No valid BBU to apply it to (already reported): still check its keys and
                // values, so that valid keys are not called unknown and bad ones are found now.
                bbu_fields(&mut o, Some(&default_bbu), cx, d);
            }
            let mut held: u64 = bbus.iter().map(rows).sum();
            for id in ids {
                let over = bbu_fields(&mut o, Some(&bbus[id as usize]), cx, d);
                held = held - rows(&bbus[id as usize]) + rows(&over);
                bbus[id as usize] = over;
                if held > crate::spec::limits::MAX_TRACE_SAMPLES {
                    break;
                }
            }
            o.finish(d);
            if held > crate::spec::limits::MAX_TRACE_SAMPLES {
                d.push(
                    cx.src,
                    &FieldPath::default().key("bbu_override").index(i),
                    format!(
                        "the BBUs' load traces hold {held} rows together, more than the limit of {}",
                        crate::spec::limits::MAX_TRACE_SAMPLES
                    ),
                    "use shorter traces, or give them to fewer BBUs",
                );
                return bbus;
            }
        }
    }
    bbus
}

/// The BBUs an override applies to: `ids`, or `ids_range = [first, last]`.
pub(super) fn override_ids(o: &mut Tab<'_>, n: u32, cx: &mut Ctx<'_>, d: &mut Diags) -> Vec<u32> {
    if o.has("ids_range") && !o.has("ids") {
        match o.array("ids_range", d).map(|a| a.as_slice()) {
            Some([a, b]) => match (a.as_integer(), b.as_integer()) {
                (Some(a), Some(b)) if 0 <= a && a <= b && (b as u64) < n as u64 => {
                    (a as u32..=b as u32).collect()
                }
                _ => {
                    d.push(
                        cx.src,
                        &o.at("ids_range"),
                        format!("not a range of BBU indices below {n}"),
                        "write `ids_range = [first, last]` (inclusive, first <= last)",
                    );
                    Vec::new()
                }
            },
            Some(_) => {
                d.push(
                    cx.src,
                    &o.at("ids_range"),
                    "expected two indices",
                    "write `ids_range = [first, last]` (inclusive)",
                );
                Vec::new()
            }
            None => Vec::new(),
        }
    } else {
        match o.array("ids", d) {
            Some(a) => a
                .iter()
                .filter_map(|x| x.as_integer())
                .filter(|x| *x >= 0 && (*x as u64) < n as u64)
                .map(|x| x as u32)
                .collect(),
            None => {
                o.missing(
                "ids",
                d,
                "add `ids = [1, 2]` or `ids_range = [0, 9]` (the BBUs this override applies to)",
            );
                Vec::new()
            }
        }
    }
}

/// `[links]`: radio, wired and local links and the transport.
pub(super) fn links(
    top: &mut Tab<'_>,
    d: &mut Diags,
) -> (LinkParams, LinkParams, LinkParams, Transport) {
    let mut l = section(top, "links", d);
    let radio = link(&mut l, "radio", 10.0, 100.0, d);
    let wired = link(&mut l, "wired", 0.5, 1000.0, d);
    let local = link(&mut l, "local", 0.05, 10_000.0, d);
    let transport = l.choice("transport", d, &["fluid", "tcp"], "fluid");
    let initial_window = l.u64_lim(
        "tcp_initial_window",
        &crate::spec::limits::TCP_WINDOW,
        d,
        10,
    ) as u32;
    let mss = l.u64_lim("tcp_mss_bytes", &crate::spec::limits::TCP_MSS, d, 1448) as u32;
    let transport = match transport {
        "tcp" => Transport::Tcp {
            initial_window,
            mss,
        },
        _ => Transport::Fluid,
    };
    l.finish(d);
    (radio, wired, local, transport)
}

pub(super) fn bbu_fields(
    t: &mut Tab<'_>,
    base: Option<&Bbu>,
    cx: &mut Ctx<'_>,
    d: &mut Diags,
) -> Bbu {
    let base = base.cloned().unwrap_or(Bbu {
        cores: 8,
        speed: 1.0,
        memory_mib: 64 * 1024,
        load: LoadProcess::Constant(0.0),
        extra_latency: SimDuration::ZERO,
        wired_bandwidth_bps: None,
    });
    let cores = t.u64_lim("cores", &crate::spec::limits::CORES, d, base.cores as u64) as u32;
    let speed = t.f64_lim("speed", &crate::spec::limits::SPEED, d, base.speed);
    let memory_mib = if t.has("memory_gib") {
        (t.f64_lim("memory_gib", &crate::spec::limits::MEMORY_GIB, d, 64.0) * 1024.0).round() as u64
    } else {
        base.memory_mib
    };
    let load = match t.table("load", d) {
        None => base.load,
        Some(l) => crate::spec::load::parse(l, cx, d),
    };
    let extra_latency = if t.has("extra_latency_ms") {
        SimDuration::from_millis_f64(t.f64_lim(
            "extra_latency_ms",
            &crate::spec::limits::EXTRA_LATENCY_MS,
            d,
            0.0,
        ))
    } else {
        base.extra_latency
    };
    let wired_bandwidth_bps = if t.has("wired_bandwidth_mbps") {
        Some(
            t.f64_lim(
                "wired_bandwidth_mbps",
                &crate::spec::limits::WIRED_BW,
                d,
                1000.0,
            ) * 1e6,
        )
    } else {
        base.wired_bandwidth_bps
    };
    Bbu {
        cores,
        speed,
        memory_mib,
        load,
        extra_latency,
        wired_bandwidth_bps,
    }
}

pub(super) fn link(
    l: &mut Tab<'_>,
    key: &'static str,
    lat_ms: f64,
    mbps: f64,
    d: &mut Diags,
) -> LinkParams {
    let (lat, bw) = match l.table(key, d) {
        None => (lat_ms, mbps),
        Some(mut t) => {
            let lat = t.f64_lim("latency_ms", &crate::spec::limits::LATENCY_MS, d, lat_ms);
            let bw = t.f64_lim("bandwidth_mbps", &crate::spec::limits::BANDWIDTH, d, mbps);
            t.finish(d);
            (lat, bw)
        }
    };
    LinkParams {
        latency: SimDuration::from_millis_f64(lat),
        bandwidth_bps: bw * 1e6,
    }
}
