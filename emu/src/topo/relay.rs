//! The userspace delay path: a frame relay between two interfaces of a link's middle namespace.
//!
//! Used when the kernel has no `netem` (see [`super`]). The relay is a real process (the
//! `mlsim-relay` binary of this crate, or the hidden `mlsim emu relay` subcommand: both call
//! [`main`]), started inside the middle namespace and recorded in the run's ledger.
//!
//! # How it works
//! Two `AF_PACKET`/`SOCK_RAW` sockets, one bound to each interface, with
//! * `PACKET_IGNORE_OUTGOING`, so a socket does not read back the frames the relay itself sends;
//! * `PACKET_VNET_HDR`, so each frame carries a virtio-net header: frames arriving as large
//!   GSO segments or with a pending checksum leave the relay the same way and the kernel finishes
//!   them, as it does for a TAP device (no re-segmentation or checksumming in userspace, and a
//!   64 KiB TCP super-segment costs one read and one write);
//! * a 16 MiB receive buffer (`SO_RCVBUFFORCE`), so bursts are queued in the kernel, not dropped.
//!
//! Per direction, a reader thread stamps each frame with its due time (CLOCK_MONOTONIC at
//! reception + the one-way delay), drops it with the link's loss probability (a splitmix64
//! stream seeded per link, so a run's losses are reproducible), and appends it to a FIFO; a
//! writer thread sleeps until the head's due time with `clock_nanosleep(TIMER_ABSTIME)` (timer
//! slack set to 1 µs) and sends it. Because timer wake-ups come late by a steady ≈ 0.1 ms on a
//! VM, the writer learns that lateness (moving average) and wakes that much earlier, then spins
//! the last few µs to the due time. The delay is constant per direction, so the FIFO is sorted by
//! due time: each frame is held exactly until it is due, no batching, order preserved. The queue
//! is bounded (64 MiB of frames; beyond that frames are dropped, like a full netem queue).
//!
//! Rate is NOT applied here: `tbf` on the sending host's interface shapes it, before the relay.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

/// Relay arguments: `--a IF --b IF --delay-ns N [--loss P] [--seed S]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayArgs {
    /// One interface.
    pub a: String,
    /// The other interface.
    pub b: String,
    /// One-way delay of each direction \[ns\].
    pub delay_ns: u64,
    /// Loss probability per frame and direction, in [0, 1).
    pub loss: f64,
    /// Seed of the loss draws.
    pub seed: u64,
}

impl RelayArgs {
    /// Parses the relay's command line (without the program name).
    pub fn parse(args: &[String]) -> Result<RelayArgs, String> {
        let mut r = RelayArgs {
            a: String::new(),
            b: String::new(),
            delay_ns: 0,
            loss: 0.0,
            seed: 0,
        };
        let mut it = args.iter();
        while let Some(k) = it.next() {
            let v = it.next().ok_or_else(|| format!("{k} needs a value"))?;
            let num = |what: &str| format!("{k} {v:?}: not {what}");
            match k.as_str() {
                "--a" => r.a = v.clone(),
                "--b" => r.b = v.clone(),
                "--delay-ns" => r.delay_ns = v.parse().map_err(|_| num("an integer [ns]"))?,
                "--loss" => r.loss = v.parse().map_err(|_| num("a probability"))?,
                "--seed" => r.seed = v.parse().map_err(|_| num("an integer"))?,
                _ => return Err(format!("unknown argument {k}")),
            }
        }
        if r.a.is_empty() || r.b.is_empty() {
            return Err("usage: --a IF --b IF --delay-ns N [--loss P] [--seed S]".into());
        }
        if !(0.0..1.0).contains(&r.loss) {
            return Err(format!("--loss {}: not in [0, 1)", r.loss));
        }
        Ok(r)
    }
}

/// The relay program and its leading arguments: `$MLSIM_RELAY` (a program taking the relay
/// arguments directly); the running `mlsim` binary (`mlsim emu relay ...`); or an `mlsim-relay`
/// or `mlsim` binary next to the running executable or one folder up (test binaries live in
/// `target/<profile>/deps/`).
pub fn program() -> Result<(PathBuf, Vec<String>), String> {
    if let Some(p) = std::env::var_os("MLSIM_RELAY") {
        return Ok((PathBuf::from(p), Vec::new()));
    }
    let exe = std::env::current_exe().map_err(|e| format!("current executable: {e}"))?;
    let via_mlsim = || vec!["emu".to_string(), "relay".to_string()];
    if exe.file_name().is_some_and(|n| n == "mlsim") {
        return Ok((exe, via_mlsim()));
    }
    for dir in exe.ancestors().skip(1).take(2) {
        let r = dir.join("mlsim-relay");
        if r.is_file() {
            return Ok((r, Vec::new()));
        }
        let m = dir.join("mlsim");
        if m.is_file() {
            return Ok((m, via_mlsim()));
        }
    }
    Err(format!(
        "no relay program found near {}: build it (`cargo build -p mlsim-emu --bins`) or set MLSIM_RELAY",
        exe.display()
    ))
}

const MAX_FRAME: usize = 256 << 10; // vnet header + the largest GSO frame, with room to spare
const MAX_QUEUED_BYTES: usize = 64 << 20;
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;

/// Runs the relay until killed. Prints `ready` on stdout once both sockets are bound.
pub fn main(args: &[String]) -> Result<(), String> {
    let a = RelayArgs::parse(args)?;
    // SAFETY: prctl(PR_SET_TIMERSLACK) only changes this thread's timer slack; threads spawned
    // later inherit it.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1000u64, 0, 0, 0) };
    let sa = Arc::new(open(&a.a).map_err(|e| format!("socket on {}: {e}", a.a))?);
    let sb = Arc::new(open(&a.b).map_err(|e| format!("socket on {}: {e}", a.b))?);
    let mut handles = Vec::new();
    for (i, (from, to)) in [(sa.clone(), sb.clone()), (sb, sa)].into_iter().enumerate() {
        let q = Arc::new(Queue::default());
        let q2 = q.clone();
        let (delay, loss, seed) = (a.delay_ns, a.loss, a.seed ^ (i as u64 + 1));
        handles.push(std::thread::spawn(move || {
            read_loop(&from, &q, delay, loss, seed)
        }));
        handles.push(std::thread::spawn(move || write_loop(&to, &q2)));
    }
    println!("ready");
    use std::io::Write;
    let _ = io::stdout().flush();
    for h in handles {
        match h.join() {
            Ok(Err(e)) => return Err(e.to_string()),
            Ok(Ok(())) => {}
            Err(_) => return Err("relay thread panicked".into()),
        }
    }
    Ok(())
}

/// Frames with their due times, in order, and their total size \[bytes\].
type Frames = (VecDeque<(libc::timespec, Vec<u8>)>, usize);

#[derive(Default)]
struct Queue {
    inner: Mutex<Frames>,
    ready: Condvar,
}

fn now() -> libc::timespec {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a timespec; CLOCK_MONOTONIC always exists.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t
}

fn add_ns(t: libc::timespec, ns: u64) -> libc::timespec {
    let total = t.tv_nsec as u64 + ns % 1_000_000_000;
    libc::timespec {
        tv_sec: t.tv_sec
            + (ns / 1_000_000_000) as libc::time_t
            + (total / 1_000_000_000) as libc::time_t,
        tv_nsec: (total % 1_000_000_000) as libc::c_long,
    }
}

fn read_loop(s: &OwnedFd, q: &Queue, delay_ns: u64, loss: f64, seed: u64) -> io::Result<()> {
    let mut rng = seed;
    let mut buf = vec![0u8; MAX_FRAME];
    loop {
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::recv(s.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let due = add_ns(now(), delay_ns);
        if loss > 0.0 && uniform(&mut rng) < loss {
            continue;
        }
        let n = n as usize;
        let mut g = q.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.1 + n > MAX_QUEUED_BYTES {
            continue; // queue full: tail drop
        }
        g.1 += n;
        g.0.push_back((due, buf[..n].to_vec()));
        drop(g);
        q.ready.notify_one();
    }
}

#[allow(clippy::unnecessary_cast)] // time_t and c_long are i64 on 64-bit targets only
fn ns_of(t: &libc::timespec) -> i64 {
    t.tv_sec as i64 * 1_000_000_000 + t.tv_nsec as i64
}

fn ts_of(ns: i64) -> libc::timespec {
    libc::timespec {
        tv_sec: (ns / 1_000_000_000) as libc::time_t,
        tv_nsec: (ns % 1_000_000_000) as libc::c_long,
    }
}

/// Largest wake-up lateness the writer compensates for \[ns\].
const MAX_WAKE_EARLY_NS: i64 = 500_000;

fn write_loop(s: &OwnedFd, q: &Queue) -> io::Result<()> {
    // Timer wake-ups arrive late by a fairly steady amount (≈ 0.1 ms on a VM); the writer
    // learns it (moving average of 1/8) and sleeps until `due - lateness`, then spins the
    // remaining few µs, so frames leave at their due time rather than one wake-up latency late.
    let mut lateness_ns: i64 = 50_000;
    loop {
        let due = {
            let mut g = q.inner.lock().unwrap_or_else(|p| p.into_inner());
            while g.0.is_empty() {
                g = q.ready.wait(g).unwrap_or_else(|p| p.into_inner());
            }
            ns_of(&g.0[0].0)
        };
        let target = due - lateness_ns;
        if target > ns_of(&now()) {
            let t = ts_of(target);
            // SAFETY: t is a valid timespec; TIMER_ABSTIME on CLOCK_MONOTONIC.
            while unsafe {
                libc::clock_nanosleep(
                    libc::CLOCK_MONOTONIC,
                    libc::TIMER_ABSTIME,
                    &t,
                    std::ptr::null_mut(),
                )
            } == libc::EINTR
            {}
            let late = ns_of(&now()) - target;
            lateness_ns = (lateness_ns + (late - lateness_ns) / 8).clamp(0, MAX_WAKE_EARLY_NS);
        }
        while ns_of(&now()) < due {
            std::hint::spin_loop();
        }
        let frame = {
            let mut g = q.inner.lock().unwrap_or_else(|p| p.into_inner());
            let Some((_, f)) = g.0.pop_front() else {
                continue;
            };
            g.1 -= f.len();
            f
        };
        // SAFETY: frame is valid for frame.len() bytes.
        let r = unsafe { libc::send(s.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            // The peer interface is down or its queue is full: the frame is lost, like on a wire.
            match e.raw_os_error() {
                Some(libc::ENETDOWN | libc::ENOBUFS | libc::ENXIO | libc::EAGAIN | libc::EINTR) => {
                }
                _ => return Err(e),
            }
        }
    }
}

/// A uniform draw in [0, 1) from a splitmix64 stream.
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn check(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn setopt(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, v: libc::c_int) -> io::Result<()> {
    // SAFETY: v lives across the call; the length matches its type.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// An AF_PACKET raw socket bound to `ifname`, with vnet headers and outgoing frames ignored.
fn open(ifname: &str) -> io::Result<OwnedFd> {
    let c = std::ffi::CString::new(ifname).map_err(io::Error::other)?;
    // SAFETY: c is a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if index == 0 {
        return Err(io::Error::last_os_error());
    }
    let proto = (libc::ETH_P_ALL as u16).to_be();
    // SAFETY: plain socket(2) call; the fd is owned below.
    let fd =
        check(unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, libc::c_int::from(proto)) })?;
    // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    setopt(&fd, libc::SOL_PACKET, libc::PACKET_VNET_HDR, 1)?;
    setopt(&fd, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)?;
    setopt(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, 16 << 20)?;
    setopt(&fd, libc::SOL_SOCKET, libc::SO_SNDBUFFORCE, 16 << 20)?;
    // SAFETY: sockaddr_ll is plain old data; zeroed is a valid value.
    let mut sa: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sa.sll_family = libc::AF_PACKET as u16;
    sa.sll_protocol = proto;
    sa.sll_ifindex = index as libc::c_int;
    // SAFETY: sa is a valid sockaddr_ll and the length matches.
    check(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sa as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    })?;
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn arguments_parse_and_are_checked() {
        let a = RelayArgs::parse(&s(&[
            "--a",
            "x",
            "--b",
            "y",
            "--delay-ns",
            "20000000",
            "--loss",
            "0.01",
        ]))
        .expect("valid");
        assert_eq!((a.delay_ns, a.loss, a.seed), (20_000_000, 0.01, 0));
        assert!(RelayArgs::parse(&s(&["--a", "x"])).is_err());
        assert!(RelayArgs::parse(&s(&["--a", "x", "--b", "y", "--loss", "1.5"])).is_err());
        assert!(RelayArgs::parse(&s(&["--a", "x", "--b", "y", "--delay-ns", "-1"])).is_err());
    }

    #[test]
    fn due_times_carry_nanoseconds_into_seconds() {
        let t = libc::timespec {
            tv_sec: 5,
            tv_nsec: 999_999_000,
        };
        let d = add_ns(t, 2_000_001_500);
        assert_eq!((d.tv_sec, d.tv_nsec), (8, 500));
    }

    #[test]
    fn loss_draws_are_uniform_enough() {
        // 100 000 draws: the fraction below 0.1 is 0.1 ± 5 standard deviations (≈ 0.0047).
        let mut st = 42;
        let below = (0..100_000).filter(|_| uniform(&mut st) < 0.1).count();
        assert!((9_526..=10_474).contains(&below), "{below}");
    }
}
