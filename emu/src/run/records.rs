//! The agents' logs → the simulator's record types ([`mlsim_core::Records`], mode `emu`).
//!
//! - `requests.csv`: one row per request of every class (app and items of its class, from the
//!   clients' log); execution time from the client's own clock readings (submit just before
//!   step 1 leaves the UE, done when step 7 has been read); counts from the manager; `bytes` is
//!   the sum of the application bytes (TCP payload: RESP commands and pushes, HTTP requests) of
//!   every protocol message of the request, measured at the sockets.
//! - `steps.csv`: messages and application bytes per step 1–7.
//! - `links.csv`: per direction of each link, the bytes the kernel counted on the interfaces of
//!   the link's leaf host (frames: payload plus TCP/IP/Ethernet headers, ACKs and handshakes),
//!   and on the control BBU's loopback for its local traffic (manager ↔ Redis); `messages` is
//!   the number of protocol messages that crossed it, `busy_ns` the serialisation time of the
//!   counted bytes at the link's configured rate.
//! - `invocations.csv`, `checkpoints.csv`: the workers' measurements.
//! - evictions: an invocation is `evicted` when its worker's C-RAN replay picked it as a
//!   victim while it held a core; a request's and a BBU's `evictions` count those invocations
//!   (the simulator counts one notice per evicted invocation too).
//! - `bbus.csv`: offloaded core time per BBU (the wall time of its invocations, one core each,
//!   as the simulator counts it); `cran_core_s` and `cran_wait_core_s` from the C-RAN cgroups
//!   ([`super::cran`]: measured on worker BBUs, the load process's integral on the others).

use crate::agent::protocol::{ClientLog, ManagerLog};
use mlsim_core::Records;
use mlsim_core::record::*;
use mlsim_core::scenario::Scenario;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads JSON lines of `T`; a torn last line (the writer was killed) is skipped.
pub fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Bytes counted on one direction of a link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkBytes {
    /// `radio`, `wired` or `local`.
    pub kind: &'static str,
    /// Sender.
    pub from: String,
    /// Receiver.
    pub to: String,
    /// Bytes \[bytes\].
    pub bytes: u64,
    /// Configured rate [bit/s].
    pub rate_bps: f64,
}

/// Builds the records of run `run`.
pub fn assemble(
    sc: &Scenario,
    run: u32,
    clients: &[ClientLog],
    manager: &[ManagerLog],
    links: &[LinkBytes],
    cran: &[super::cran::CranMeasured],
    horizon_ns: u64,
) -> Records {
    let mut out = Records::default();
    // Each request's class (the clients number them as they submit, see `plan`).
    let class_of: BTreeMap<u32, usize> =
        clients.iter().map(|c| (c.req, c.class as usize)).collect();
    let class = |req: u32| class_of.get(&req).and_then(|c| sc.workloads.get(*c));
    let app_of = |req: u32| class(req).map_or_else(String::new, |w| w.app.name.clone());
    let method = sc.checkpoint.method.name().to_string();
    let r_limit_s = sc.checkpoint.r_limit.map(|d| d.as_secs_f64());
    let mut steps = [(0u64, 0u64); 8];
    let mut req_bytes: BTreeMap<u32, u64> = BTreeMap::new();
    fn add_to(
        req_bytes: &mut BTreeMap<u32, u64>,
        req: u32,
        step: u8,
        bytes: u64,
        steps: &mut [(u64, u64); 8],
    ) {
        steps[step as usize].0 += 1;
        steps[step as usize].1 += bytes;
        *req_bytes.entry(req).or_default() += bytes;
    }
    let mut summaries = BTreeMap::new();
    // Per BBU: offloaded wall time [ns], invocations, evictions.
    let mut per_bbu: BTreeMap<u32, (u64, u32, u32)> = BTreeMap::new();
    // Evicted invocations per request.
    let mut req_evictions: BTreeMap<u32, u32> = BTreeMap::new();
    for l in manager {
        match l {
            ManagerLog::Step { req, step, bytes } => {
                add_to(&mut req_bytes, *req, *step, *bytes, &mut steps)
            }
            ManagerLog::Request(s) => {
                summaries.insert(s.req, s.clone());
            }
            ManagerLog::Event {
                event: e,
                cold_start,
            } => {
                add_to(&mut req_bytes, e.req, 5, e.step5_bytes, &mut steps);
                let b = per_bbu.entry(e.bbu).or_default();
                b.0 += e.end_ns.saturating_sub(e.start_ns);
                b.1 += 1;
                if e.evicted {
                    b.2 += 1;
                    *req_evictions.entry(e.req).or_default() += 1;
                }
                out.invocations.push(InvocationRecord {
                    run,
                    mode: Mode::Emu,
                    request: e.req,
                    task: e.task,
                    invocation: e.inv,
                    bbu: e.bbu,
                    invoked_ns: e.invoked_ns,
                    start_ns: e.start_ns,
                    end_ns: e.end_ns,
                    restore_ns: e.restore_ns,
                    work_ns: e.work_ns,
                    items_done: e.items_done,
                    outcome: e.outcome,
                    cold_start: *cold_start,
                    evicted: e.evicted,
                });
                if let Some(c) = &e.checkpoint {
                    out.checkpoints.push(CheckpointRecord {
                        run,
                        mode: Mode::Emu,
                        app: app_of(e.req),
                        method: method.clone(),
                        request: e.req,
                        task: e.task,
                        invocation: e.inv,
                        bbu: e.bbu,
                        start_ns: c.start_ns,
                        safepoint_wait_ns: c.safepoint_wait_ns,
                        time_ns: c.time_ns,
                        items_done: c.items_done,
                        raw_bytes: c.raw_bytes,
                        size_bytes: c.size_bytes,
                        deadline_met: c.deadline_met,
                    });
                }
            }
        }
    }
    let mut clients: Vec<&ClientLog> = clients.iter().collect();
    clients.sort_by_key(|c| c.req);
    for c in clients {
        add_to(&mut req_bytes, c.req, 1, c.step1_bytes, &mut steps);
        if c.step7_bytes > 0 {
            add_to(&mut req_bytes, c.req, 7, c.step7_bytes, &mut steps);
        }
        let s = summaries.get(&c.req).cloned().unwrap_or_default();
        let status = if c.status == "ok" && s.status != "ok" && !s.status.is_empty() {
            s.status.clone()
        } else {
            c.status.clone()
        };
        out.requests.push(RequestRecord {
            run,
            mode: Mode::Emu,
            request: c.req,
            app: app_of(c.req),
            method: method.clone(),
            r_limit_s,
            items: class(c.req).map_or(0, |w| w.items),
            submit_ns: c.submit_ns,
            done_ns: c.done_ns,
            exec_time_s: if c.done_ns > 0 {
                c.done_ns.saturating_sub(c.submit_ns) as f64 / 1e9
            } else {
                0.0
            },
            invocations: s.invocations,
            checkpoints: s.checkpoints,
            missed_checkpoints: s.missed_checkpoints,
            lost_work_s: s.lost_work_ns as f64 / 1e9,
            cold_starts: s.cold_starts,
            migrations: s.migrations,
            evictions: req_evictions.get(&c.req).copied().unwrap_or(0),
            bytes: req_bytes.get(&c.req).copied().unwrap_or(0),
            status,
        });
    }
    // Messages per link direction, from the steps (which link a step crosses).
    let control = format!("bbu{}", sc.topology.control_bbu);
    for l in links {
        let messages = match (l.kind, l.from == control) {
            ("radio", false) => steps[1].0,
            ("radio", true) => steps[7].0,
            ("wired", true) => steps[3].0 + steps[4].0,
            ("wired", false) => steps[5].0,
            _ => steps[2].0 + steps[6].0,
        };
        out.links.push(LinkRecord {
            run,
            mode: Mode::Emu,
            kind: l.kind.into(),
            from: l.from.clone(),
            to: l.to.clone(),
            messages,
            bytes: l.bytes,
            busy_ns: if l.rate_bps > 0.0 {
                (l.bytes as f64 * 8.0 / l.rate_bps * 1e9) as u64
            } else {
                0
            },
        });
    }
    for (step, (messages, bytes)) in steps.iter().enumerate().skip(1) {
        out.steps.push(StepRecord {
            run,
            mode: Mode::Emu,
            step: step as u8,
            messages: *messages,
            bytes: *bytes,
        });
    }
    let horizon_s = horizon_ns as f64 / 1e9;
    for (i, b) in sc.topology.bbus.iter().enumerate() {
        let (busy, n, evictions) = per_bbu.get(&(i as u32)).copied().unwrap_or_default();
        let offload_core_s = busy as f64 / 1e9;
        out.bbus.push(BbuRecord {
            run,
            mode: Mode::Emu,
            bbu: i as u32,
            cores: b.cores,
            offload_core_s,
            cran_core_s: cran.get(i).map_or(0.0, |c| c.cran_core_s),
            cran_wait_core_s: cran.get(i).map_or(0.0, |c| c.cran_wait_core_s),
            cran_waits: cran.get(i).map_or(0, |c| c.cran_waits),
            horizon_s,
            offload_utilisation: if horizon_s > 0.0 {
                offload_core_s / (f64::from(b.cores) * horizon_s)
            } else {
                0.0
            },
            invocations: n,
            evictions,
        });
    }
    out
}
