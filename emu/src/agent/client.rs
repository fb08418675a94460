//! The clients (UEs): submit every workload class's requests (step 1) and wait for their
//! results (step 7).
//!
//! One process plays all UEs: it holds two Redis connections per UE (commands and the result
//! subscription), each made from inside the UE's network namespace, so every request and result
//! crosses its UE's radio link. It follows the simulator's submission rules
//! ([`crate::run::plan`]): each class's first request at the start (classes in spec order),
//! sequential classes one request at a time, Poisson classes at their planned times; requests
//! are numbered in submission order over all classes and request `r` leaves from UE
//! `r mod ues`.
//!
//! Execution time is measured here with the paper's definition: from just before the step-1
//! `SET` leaves the UE until the step-7 message has been read from the socket.
//!
//! The request's input payload has the app model's input size (`input_bytes_per_item · items +
//! first_item_extra_bytes`): the bytes a real UE would upload. Its content is pseudo-random (so
//! it does not compress away on any link); the workload itself builds its input
//! deterministically from the request's seed, because the real programs read their inputs from
//! the bundled data sets, not from the request.

use super::protocol::{ClientConfig, ClientLog, DoneMsg, REQUESTS, RequestMsg};
use super::resp::Resp;
use super::{AgentError, log_line, since};
use crate::run::plan::{self, Arrivals};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Deterministic incompressible bytes (splitmix64 stream) \[bytes\].
pub fn payload(len: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len as usize);
    let mut z = seed;
    while (out.len() as u64) < len {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let x = mlsim_core::rng::splitmix64(z);
        for b in x.to_le_bytes() {
            if (out.len() as u64) < len {
                out.push(b);
            }
        }
    }
    out
}

/// FNV-1a of bytes as 16 hex digits.
pub fn fnv_hex(bytes: &[u8]) -> String {
    let mut h = mlsim_core::fnv::Fnv1a::new();
    h.bytes(bytes);
    format!("{:016x}", h.finish())
}

/// Splits a step-7 message into its header and the output.
pub fn split_done(msg: &[u8]) -> Result<(DoneMsg, &[u8]), AgentError> {
    let nl = msg.iter().position(|b| *b == b'\n').unwrap_or(msg.len());
    let head: DoneMsg =
        serde_json::from_slice(&msg[..nl]).map_err(AgentError::json("step-7 header"))?;
    Ok((head, msg.get(nl + 1..).unwrap_or(&[])))
}

/// What the submitting and receiving threads share.
struct Shared {
    cfg: ClientConfig,
    /// Per UE: the command connection.
    cmds: Vec<Mutex<Resp>>,
    /// Next request number, and requests submitted per class.
    counter: Mutex<(u32, Vec<u32>)>,
    /// Submitted, not answered: request → (class, submit time \[ns\], step-1 bytes).
    pending: Mutex<BTreeMap<u32, (u32, u64, u64)>>,
}

/// What a thread tells the main one.
enum Note {
    /// A request was answered.
    Answered,
    /// A thread failed.
    Failed(AgentError),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// Submits the next request of class `class` (step 1): numbers it, then sends it from its
    /// UE. `None` when the class has submitted all its requests.
    fn submit(&self, class: u32) -> Result<Option<u32>, AgentError> {
        let Some(req) = self.number(class) else {
            return Ok(None);
        };
        self.send(class, req)?;
        Ok(Some(req))
    }

    /// The number of the next request of class `class` (the next over all classes), or `None`
    /// when the class has submitted all its requests.
    fn number(&self, class: u32) -> Option<u32> {
        let c = &self.cfg.classes[class as usize];
        let mut k = lock(&self.counter);
        if k.1[class as usize] >= c.requests {
            return None;
        }
        k.1[class as usize] += 1;
        k.0 += 1;
        Some(k.0 - 1)
    }

    /// Step 1 of request `req` of class `class`, from its UE.
    fn send(&self, class: u32, req: u32) -> Result<(), AgentError> {
        let c = &self.cfg.classes[class as usize];
        let ue = plan::ue_of(req, self.cmds.len() as u32);
        let input = payload(c.input_bytes, self.cfg.seed ^ u64::from(req));
        let mut cmd = lock(&self.cmds[ue as usize]);
        let submit_ns = since(self.cfg.common.epoch_unix_ns);
        lock(&self.pending).insert(req, (class, submit_ns, 0));
        let mut bytes = cmd.set(&super::protocol::input_key(req), &input)?;
        let msg = RequestMsg {
            req,
            ue,
            class,
            app: c.app.clone(),
            items: c.items,
            seed: self.cfg.seed,
            submit_ns,
            step1_bytes: 0,
        };
        let body = serde_json::to_vec(&msg).map_err(AgentError::json("request"))?;
        // The PUBLISH itself is part of step 1: count it with its own length.
        let publish_len =
            super::resp::encode(&[b"PUBLISH", REQUESTS.as_bytes(), &body]).len() as u64;
        let with_self = RequestMsg {
            step1_bytes: bytes + publish_len,
            ..msg
        };
        let body = serde_json::to_vec(&with_self).map_err(AgentError::json("request"))?;
        bytes += cmd.publish(REQUESTS, &body)?;
        if let Some(p) = lock(&self.pending).get_mut(&req) {
            p.2 = bytes;
        }
        Ok(())
    }

    /// Step 7 for a message read from a UE's subscription: logs the result, keeps the output,
    /// and submits the next request of a sequential class.
    fn answered(&self, msg: &[u8], step7_bytes: u64) -> Result<(), AgentError> {
        let c = &self.cfg.common;
        let done_ns = since(c.epoch_unix_ns);
        let (head, output) = split_done(msg)?;
        let Some((class, submit_ns, step1_bytes)) = lock(&self.pending).remove(&head.req) else {
            return Err(AgentError::Other(format!(
                "result for unknown request {}",
                head.req
            )));
        };
        log_line(
            &c.log,
            &ClientLog {
                req: head.req,
                class,
                submit_ns,
                done_ns,
                status: head.status,
                output_bytes: output.len() as u64,
                output_fnv: fnv_hex(output),
                step1_bytes,
                step7_bytes,
            },
        )?;
        // Keep the output for end-to-end checks.
        let out = c.log.with_file_name(format!("output-{}.jsonl", head.req));
        std::fs::write(&out, output).map_err(AgentError::io(format!("write {}", out.display())))?;
        if self.cfg.classes[class as usize].arrivals == Arrivals::Sequential {
            self.submit(class)?;
        }
        Ok(())
    }

    /// Logs every request still pending as failed (no result in time).
    fn time_out(&self) -> Result<(), AgentError> {
        for (req, (class, submit_ns, step1_bytes)) in std::mem::take(&mut *lock(&self.pending)) {
            log_line(
                &self.cfg.common.log,
                &ClientLog {
                    req,
                    class,
                    submit_ns,
                    done_ns: 0,
                    status: "failed: timeout".into(),
                    output_bytes: 0,
                    output_fnv: String::new(),
                    step1_bytes,
                    step7_bytes: 0,
                },
            )?;
        }
        Ok(())
    }
}

/// Connects to Redis from inside network namespace `ns`.
fn connect_in(ns: &std::path::Path, addr: std::net::SocketAddr) -> Result<Resp, AgentError> {
    crate::sys::in_netns(ns, move || {
        Resp::connect(addr, Duration::from_secs(20)).map_err(std::io::Error::other)
    })
    .map_err(AgentError::io(format!(
        "connect to Redis from {}",
        ns.display()
    )))
}

/// Runs the clients until every request of every class is answered (or timed out).
pub fn run(cfg: &ClientConfig) -> Result<(), AgentError> {
    let c = &cfg.common;
    let ues = cfg.ue_netns.len().max(1) as u32;
    let total = plan::total_requests(&cfg.classes);
    if cfg.ue_netns.is_empty() && total > 0 {
        return Err(AgentError::Other("no UE to submit from".into()));
    }
    // Subscribe first, so no result can be published before we listen: UE u hears the results
    // of requests u, u + ues, … (the simulator's r mod ues).
    let mut subs = Vec::new();
    let mut cmds = Vec::new();
    for (u, ns) in cfg.ue_netns.iter().enumerate() {
        let mut sub = connect_in(ns, c.redis)?;
        let mine: Vec<String> = (0..total)
            .filter(|r| plan::ue_of(*r, ues) == u as u32)
            .map(super::protocol::done_channel)
            .collect();
        if !mine.is_empty() {
            sub.subscribe(&mine.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        subs.push((mine.len(), sub));
        cmds.push(Mutex::new(connect_in(ns, c.redis)?));
    }
    let shared = Arc::new(Shared {
        cfg: cfg.clone(),
        cmds,
        counter: Mutex::new((0, vec![0; cfg.classes.len()])),
        pending: Mutex::new(BTreeMap::new()),
    });
    let (tx, rx) = mpsc::channel::<Note>();
    // One receiver per UE.
    for (n, mut sub) in subs {
        let (shared, tx) = (Arc::clone(&shared), tx.clone());
        std::thread::spawn(move || {
            for _ in 0..n {
                let r = sub
                    .next_message()
                    .map_err(AgentError::from)
                    .and_then(|(_, msg, bytes)| shared.answered(&msg, bytes));
                let failed = r.is_err();
                let _ = tx.send(match r {
                    Ok(()) => Note::Answered,
                    Err(e) => Note::Failed(e),
                });
                if failed {
                    return;
                }
            }
        });
    }
    // Time zero: each class's first request, numbered in spec order and sent at once (from
    // their UEs in parallel); then the Poisson classes' timers.
    let t0 = Instant::now();
    let first: Vec<(u32, u32)> = (0..cfg.classes.len() as u32)
        .filter_map(|c| shared.number(c).map(|r| (c, r)))
        .collect();
    std::thread::scope(|s| {
        let sent: Vec<_> = first
            .iter()
            .map(|&(c, r)| {
                let sh = &shared;
                s.spawn(move || sh.send(c, r))
            })
            .collect();
        sent.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(AgentError::Other("a submitting thread panicked".into())))
        })
    })?;
    for (class, cp) in cfg.classes.iter().enumerate() {
        let Arrivals::Poisson { at_ns } = &cp.arrivals else {
            continue;
        };
        let (shared, tx, at_ns) = (Arc::clone(&shared), tx.clone(), at_ns.clone());
        std::thread::spawn(move || {
            for at in at_ns.into_iter().skip(1) {
                let wait = Duration::from_nanos(at).saturating_sub(t0.elapsed());
                std::thread::sleep(wait);
                if let Err(e) = shared.submit(class as u32) {
                    let _ = tx.send(Note::Failed(e));
                    return;
                }
            }
        });
    }
    drop(tx);
    let timeout = Duration::from_secs_f64(cfg.timeout_s.max(1.0));
    let mut answered = 0;
    while answered < total {
        match rx.recv_timeout(timeout) {
            Ok(Note::Answered) => answered += 1,
            Ok(Note::Failed(e)) => return Err(e),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                shared.time_out()?;
                return Err(AgentError::Other(format!(
                    "no result within {} s",
                    cfg.timeout_s
                )));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(AgentError::Other(format!(
                    "{answered} of {total} requests answered, then every thread ended"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_deterministic_and_sized() {
        assert_eq!(payload(13, 7).len(), 13);
        assert_eq!(payload(100, 7), payload(100, 7));
        assert_ne!(payload(100, 7), payload(100, 8));
    }

    #[test]
    fn done_messages_split_at_the_first_newline() {
        let (h, out) = split_done(b"{\"req\":3,\"status\":\"ok\"}\na\nb\n").unwrap();
        assert_eq!(h.req, 3);
        assert_eq!(out, b"a\nb\n");
    }
}
