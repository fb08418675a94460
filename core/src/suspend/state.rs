//! A suspend run's state: where each function is ([`St`]), which memory account it counts in
//! ([`Held`]), and each BBU's cores, memory and time integrals ([`Bbu`]).

use crate::SimTime;
use crate::record::FunctionState;
use crate::rules;
use std::collections::VecDeque;

/// Where a function is; `Blocked`, `Paused`, `Suspended` and `Undeployed` are the states an
/// event can find it idle in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum St {
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
    /// Admitted, its process starting (only where deploys take time: the emulation after
    /// time zero).
    Deploying,
}

impl St {
    pub(crate) fn as_record(self) -> FunctionState {
        match self {
            St::Undeployed => FunctionState::Undeployed,
            St::Blocked => FunctionState::Blocked,
            St::Suspending => FunctionState::Suspending,
            St::Paused => FunctionState::Paused,
            St::Suspended => FunctionState::Suspended,
            St::Ready | St::Computing | St::AwaitingMemory | St::Waking | St::Deploying => {
                FunctionState::Busy
            }
        }
    }
    /// Which memory integral of its BBU the function's memory counts in.
    pub(crate) fn kind(self) -> Held {
        match self {
            St::Ready | St::Computing | St::Waking | St::Deploying => Held::Running,
            St::Blocked => Held::Blocked,
            St::Suspending | St::Paused => Held::Paused,
            St::Suspended | St::AwaitingMemory => Held::Disk,
            St::Undeployed => Held::Nothing,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Held {
    Nothing,
    Running,
    Blocked,
    Paused,
    Disk,
}

pub(crate) struct Bbu {
    pub(crate) cores: u32,
    pub(crate) speed: f64,
    pub(crate) capacity: u64,
    pub(crate) used: u64,
    pub(crate) cran: u32,
    pub(crate) computing: u32,
    /// Memory that suspends under way will free \[bytes\].
    pub(crate) freeing: u64,
    pub(crate) queue: VecDeque<u32>,
    pub(crate) last: SimTime,
    /// Bytes held per kind, and compressed bytes on disk.
    pub(crate) running: u64,
    pub(crate) blocked: u64,
    pub(crate) paused: u64,
    pub(crate) disk: u64,
    pub(crate) resident: u32,
    /// Integrals \[byte·ns\], and resident-functions·ns.
    pub(crate) running_int: u128,
    pub(crate) blocked_int: u128,
    pub(crate) paused_int: u128,
    pub(crate) disk_int: u128,
    pub(crate) resident_int: u128,
    pub(crate) peak_used: u64,
    pub(crate) peak_resident: u32,
    pub(crate) peak_computing: u32,
    pub(crate) deployed: u32,
    pub(crate) suspends: u32,
    pub(crate) bytes_written: u64,
}

impl Bbu {
    /// BBU `b` at time zero, with C-RAN load `load`: nothing held, nothing measured.
    pub(crate) fn new(b: &crate::scenario::Bbu, load: f64) -> Self {
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
    pub(crate) fn advance(&mut self, now: SimTime) {
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
pub(crate) fn slot(bb: &mut Bbu, k: Held) -> Option<&mut u64> {
    match k {
        Held::Running => Some(&mut bb.running),
        Held::Blocked => Some(&mut bb.blocked),
        Held::Paused => Some(&mut bb.paused),
        Held::Disk => Some(&mut bb.disk),
        Held::Nothing => None,
    }
}
