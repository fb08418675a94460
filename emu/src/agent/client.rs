//! The client (UE): submits requests (step 1) and waits for their results (step 7).
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
use std::sync::mpsc;
use std::time::Duration;

/// Deterministic incompressible bytes (splitmix64 stream) [bytes].
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

/// Runs the client until all its requests are answered (or timed out).
pub fn run(cfg: &ClientConfig) -> Result<(), AgentError> {
    let c = &cfg.common;
    // Subscribe first, so no result can be published before we listen.
    let mut sub = Resp::connect(c.redis, Duration::from_secs(20))?;
    let channels: Vec<String> = cfg
        .requests
        .iter()
        .map(|r| super::protocol::done_channel(*r))
        .collect();
    sub.subscribe(&channels.iter().map(String::as_str).collect::<Vec<_>>())?;
    sub.set_read_timeout(Some(Duration::from_secs_f64(cfg.timeout_s.max(1.0))))?;

    let (tx, rx) = mpsc::channel::<(u32, u64, u64)>();
    let sender = {
        let cfg = cfg.clone();
        let (ack_tx, ack_rx) = mpsc::channel::<()>();
        let handle = std::thread::spawn(move || -> Result<(), AgentError> {
            let c = &cfg.common;
            let mut cmd = Resp::connect(c.redis, Duration::from_secs(20))?;
            let mut rng = mlsim_core::RngStreams::new(cfg.seed).stream(&format!("ue/{}", cfg.ue));
            let t0 = std::time::Instant::now();
            let mut next_at = 0.0f64;
            for &req in &cfg.requests {
                match cfg.poisson_rate_per_s {
                    None => {}
                    Some(rate) => {
                        use rand_distr::Distribution;
                        let exp = rand_distr::Exp::new(rate)
                            .map_err(|e| AgentError::Other(format!("poisson rate: {e}")))?;
                        next_at += exp.sample(&mut rng);
                        let wait = next_at - t0.elapsed().as_secs_f64();
                        if wait > 0.0 {
                            std::thread::sleep(Duration::from_secs_f64(wait));
                        }
                    }
                }
                let input = payload(cfg.input_bytes, cfg.seed ^ u64::from(req));
                let submit_ns = since(c.epoch_unix_ns);
                let mut bytes = cmd.set(&super::protocol::input_key(req), &input)?;
                let msg = RequestMsg {
                    req,
                    ue: cfg.ue,
                    app: cfg.app.clone(),
                    items: cfg.items,
                    seed: cfg.seed,
                    submit_ns,
                    step1_bytes: 0,
                };
                let mut body = serde_json::to_vec(&msg).map_err(AgentError::json("request"))?;
                // The PUBLISH itself is part of step 1: count it with its own length.
                let publish_len =
                    super::resp::encode(&[b"PUBLISH", REQUESTS.as_bytes(), &body]).len() as u64;
                let with_self = RequestMsg {
                    step1_bytes: bytes + publish_len,
                    ..msg
                };
                body = serde_json::to_vec(&with_self).map_err(AgentError::json("request"))?;
                bytes += cmd.publish(REQUESTS, &body)?;
                let _ = tx.send((req, submit_ns, bytes));
                if cfg.poisson_rate_per_s.is_none() {
                    // Sequential: the next request leaves when this one is answered.
                    if ack_rx.recv().is_err() {
                        break;
                    }
                }
            }
            Ok(())
        });
        (handle, ack_tx)
    };

    let mut pending: std::collections::BTreeMap<u32, (u64, u64)> = Default::default();
    let mut answered = 0usize;
    while answered < cfg.requests.len() {
        // Make sure every submitted request is known before reading results.
        while let Ok((req, submit, b)) = rx.try_recv() {
            pending.insert(req, (submit, b));
        }
        let (ch, msg, n) = match sub.next_message() {
            Ok(m) => m,
            Err(super::resp::RespError::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // Timed out: every request still pending fails.
                while let Ok((req, submit, b)) = rx.try_recv() {
                    pending.insert(req, (submit, b));
                }
                for (req, (submit, b)) in std::mem::take(&mut pending) {
                    log_line(
                        &c.log,
                        &ClientLog {
                            req,
                            submit_ns: submit,
                            done_ns: 0,
                            status: "failed: timeout".into(),
                            output_bytes: 0,
                            output_fnv: String::new(),
                            step1_bytes: b,
                            step7_bytes: 0,
                        },
                    )?;
                }
                return Err(AgentError::Other(format!(
                    "no result within {} s",
                    cfg.timeout_s
                )));
            }
            Err(e) => return Err(e.into()),
        };
        let done_ns = since(c.epoch_unix_ns);
        while let Ok((req, submit, b)) = rx.try_recv() {
            pending.insert(req, (submit, b));
        }
        let (head, output) = split_done(&msg)?;
        let Some((submit, b)) = pending.remove(&head.req) else {
            return Err(AgentError::Other(format!(
                "result for unknown request {} on {ch}",
                head.req
            )));
        };
        log_line(
            &c.log,
            &ClientLog {
                req: head.req,
                submit_ns: submit,
                done_ns,
                status: head.status,
                output_bytes: output.len() as u64,
                output_fnv: fnv_hex(output),
                step1_bytes: b,
                step7_bytes: n,
            },
        )?;
        // Keep the output for end-to-end checks.
        let out = c.log.with_file_name(format!("output-{}.jsonl", head.req));
        std::fs::write(&out, output).map_err(AgentError::io(format!("write {}", out.display())))?;
        answered += 1;
        let _ = sender.1.send(());
    }
    drop(sender.1);
    match sender.0.join() {
        Ok(r) => r,
        Err(_) => Err(AgentError::Other("the submitting thread panicked".into())),
    }
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
