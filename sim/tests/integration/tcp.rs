//! Hand-derived oracle of the TCP transport (`links.transport = "tcp"`): the CRIU scenario of
//! `oracle.rs` with slow start. All times in ns.

use crate::common::*;
use mlsim_core::SimDuration;
use mlsim_core::scenario::Transport;

/// Wired link: 1 ms one way, 80 Mbit/s, so the bandwidth-delay product is 20 000 B. The initial
/// window (10 × 1448 = 14 480 B) is below it: a message larger than the window spends one
/// 2-ms round trip on its first 14 480 B (1.448 ms at full rate), then flows at full rate,
/// 0.552 ms later than a fluid flow. Messages of at most 14 480 B are as fluid. In the CRIU
/// oracle the critical path carries six large messages (three image uploads, step 5, and
/// three invocations with the image, step 4): 7 005 888 750 + 6 × 552 000 = 7 009 200 750.
/// The bytes do not change.
#[test]
fn criu_with_tcp_slow_start() {
    let mut sc = oracle(criu(), Some(SimDuration::from_millis(1500)));
    sc.topology.transport = Transport::Tcp {
        initial_window: 10,
        mss: 1448,
    };
    let r = run(&sc);
    let q = &r.requests[0];
    assert_eq!(q.status, "ok");
    assert_eq!(q.done_ns, 7_009_200_750);
    assert_eq!(q.bytes, 15_745_570);
    // The long-running oracle's messages all fit in the initial window: unchanged.
    let mut lr = oracle(mlsim_core::scenario::Method::long_running(), None);
    lr.topology.transport = sc.topology.transport;
    assert_eq!(run(&lr).requests[0].done_ns, 4_526_364_300);
}
