//! Deterministic pseudo-random numbers for the generators, and random ids for sessions.

use std::sync::atomic::{AtomicU64, Ordering};

/// Mixes one value with the SplitMix64 finaliser, a fast and well-mixed 64-bit hash.
pub(crate) fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

/// Hashes several values into one.
pub(crate) fn hash(values: &[u64]) -> u64 {
    values
        .iter()
        .fold(0x243F_6A88_85A3_08D3, |state, value| mix(state ^ value))
}

/// A SplitMix64 sequence.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(mix(seed))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Returns a value in `0..bound` (`bound` > 0).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// Returns one element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Returns `true` with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Returns 16 unpredictable bytes from openssl, or hashed counter bytes if openssl fails.
fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    if openssl::rand::rand_bytes(&mut bytes).is_err() {
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0);
        bytes[..8].copy_from_slice(&mix(count ^ nanos).to_le_bytes());
        bytes[8..].copy_from_slice(&mix(count.wrapping_mul(31) ^ nanos).to_le_bytes());
    }
    bytes
}

/// Returns a random version-4 UUID in its lower-case hyphenated form.
pub(crate) fn uuid_v4() -> String {
    let mut bytes = random_bytes();
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Returns a challenge node id shaped like the service's (`10.136.17.82`): a private IPv4 address.
pub(crate) fn node_id() -> String {
    let bytes = random_bytes();
    format!("10.136.{}.{}", bytes[0], 1 + bytes[1] % 254)
}
