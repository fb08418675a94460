//! Named random streams derived from one run seed.
//!
//! Every random draw in mlsim comes from a stream obtained with [`RngStreams::stream`] and a
//! label such as `"request/3/items"`. The stream's seed is a stable hash of (run seed, label),
//! so adding a component, or drawing more from one stream, never changes what another stream
//! yields. The hash is FNV-1a followed by the SplitMix64 finaliser: both are fixed here, so
//! results do not depend on the Rust version (unlike `std`'s `DefaultHasher`).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random number generator behind every stream (ChaCha8: fast, portable, reproducible).
pub type Stream = ChaCha8Rng;

/// The source of all named streams of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    /// Streams for a run with this seed.
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The run seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stream named `label`. Calling it twice with the same label gives two generators that
    /// yield the same sequence.
    pub fn stream(&self, label: &str) -> Stream {
        ChaCha8Rng::seed_from_u64(derive_seed(self.seed, label))
    }
}

/// A stable 64-bit seed for (`seed`, `label`).
pub fn derive_seed(seed: u64, label: &str) -> u64 {
    splitmix64(
        crate::fnv::Fnv1a::new()
            .u64(seed)
            .bytes(label.as_bytes())
            .finish(),
    )
}

/// The SplitMix64 finaliser: a bijective mix so that close inputs give distant seeds.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_label_same_draws_other_label_other_draws() {
        let s = RngStreams::new(7);
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("a"), |r, _: u64| Some(r.random()))
            .collect();
        let a2: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("a"), |r, _: u64| Some(r.random()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream("b"), |r, _: u64| Some(r.random()))
            .collect();
        assert_eq!(a, a2);
        assert_ne!(a, b);
    }

    #[test]
    fn derived_seeds_are_pinned() {
        // Pinned so that a change of the derivation (which would silently change every result
        // of every experiment) fails loudly.
        // Values computed independently (a few lines of Python implementing FNV-1a over the
        // little-endian seed bytes and the label, then SplitMix64).
        assert_eq!(derive_seed(0, ""), 0x5ba3_14b8_cfda_3b6b);
        assert_eq!(derive_seed(2021, "request/0/items"), 0x2318_08c3_760e_4d2c);
        assert_ne!(derive_seed(1, "x"), derive_seed(2, "x"));
    }
}
