//! A suspend run's state: where each function is ([`St`]), which memory account it counts in
//! ([`Held`]), and each BBU's cores, memory and time integrals ([`Bbu`]).

use mlsim_core::SimTime;
use mlsim_core::record::FunctionState;
use mlsim_core::rules;
use std::collections::VecDeque;

/// Where a function is; `Blocked`, `Paused`, `Suspended` and `Undeployed` are the states an
/// event can find it idle in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum St {
    Undeployed,
    /// Resident, waiting for a core.
    Ready,
    Computing,
    Blocked,
    Suspending,
    Paused,
    /// On disk, memory freed.
    Suspended,
    /// On disk, waiting in the memory FIFO to be restored.
    AwaitingMemory,
    /// Unpausing or restoring.
    Waking,
}

impl St {
    pub(super) fn as_record(self) -> FunctionState {
        match self {
            St::Undeployed => FunctionState::Undeployed,
            St::Blocked => FunctionState::Blocked,
            St::Suspending => FunctionState::Suspending,
            St::Paused => FunctionState::Paused,
            St::Suspended => FunctionState::Suspended,
            St::Ready | St::Computing | St::AwaitingMemory | St::Waking => FunctionState::Busy,
        }
    }
    /// Which memory integral of its BBU the function's memory counts in.
    pub(super) fn kind(self) -> Held {
        match self {
            St::Ready | St::Computing | St::Waking => Held::Running,
            St::Blocked => Held::Blocked,
            St::Suspending | St::Paused => Held::Paused,
            St::Suspended | St::AwaitingMemory => Held::Disk,
            St::Undeployed => Held::Nothing,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Held {
    Nothing,
    Running,
    Blocked,
    Paused,
    Disk,
}

pub(super) struct Bbu {
    pub(super) cores: u32,
    pub(super) speed: f64,
    pub(super) capacity: u64,
    pub(super) used: u64,
    pub(super) cran: u32,
    pub(super) computing: u32,
    /// Memory that suspends under way will free \[bytes\].
    pub(super) freeing: u64,
    pub(super) queue: VecDeque<u32>,
    pub(super) last: SimTime,
    /// Bytes held per kind, and compressed bytes on disk.
    pub(super) running: u64,
    pub(super) blocked: u64,
    pub(super) paused: u64,
    pub(super) disk: u64,
    pub(super) resident: u32,
    /// Integrals \[byte·ns\], and resident-functions·ns.
    pub(super) running_int: u128,
    pub(super) blocked_int: u128,
    pub(super) paused_int: u128,
    pub(super) disk_int: u128,
    pub(super) resident_int: u128,
    pub(super) peak_used: u64,
    pub(super) peak_resident: u32,
    pub(super) peak_computing: u32,
    pub(super) deployed: u32,
    pub(super) suspends: u32,
    pub(super) bytes_written: u64,
}

impl Bbu {
    /// BBU `b` at time zero, with C-RAN load `load`: nothing held, nothing measured.
    pub(super) fn new(b: &mlsim_core::scenario::Bbu, load: f64) -> Self {
        Bbu {
            cores: b.cores,
            speed: b.speed,
            capacity: b.memory_mib.saturating_mul(1024 * 1024),
            used: 0,
            cran: rules::cran_cores(load, b.cores),
            computing: 0,
            freeing: 0,
            queue: VecDeque::new(),
            last: SimTime::ZERO,
            running: 0,
            blocked: 0,
            paused: 0,
            disk: 0,
            resident: 0,
            running_int: 0,
            blocked_int: 0,
            paused_int: 0,
            disk_int: 0,
            resident_int: 0,
            peak_used: 0,
            peak_resident: 0,
            peak_computing: 0,
            deployed: 0,
            suspends: 0,
            bytes_written: 0,
        }
    }

    /// Accumulates the integrals up to `now`.
    pub(super) fn advance(&mut self, now: SimTime) {
        let dt = u128::from(now.0.saturating_sub(self.last.0));
        self.running_int += u128::from(self.running) * dt;
        self.blocked_int += u128::from(self.blocked) * dt;
        self.paused_int += u128::from(self.paused) * dt;
        self.disk_int += u128::from(self.disk) * dt;
        self.resident_int += u128::from(self.resident) * dt;
        self.last = now;
    }
}

/// The account of BBU `bb` that memory (or disk) of kind `k` counts in.
pub(super) fn slot(bb: &mut Bbu, k: Held) -> Option<&mut u64> {
    match k {
        Held::Running => Some(&mut bb.running),
        Held::Blocked => Some(&mut bb.blocked),
        Held::Paused => Some(&mut bb.paused),
        Held::Disk => Some(&mut bb.disk),
        Held::Nothing => None,
    }
}
