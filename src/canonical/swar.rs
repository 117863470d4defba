// lint exceptions pending the parser rewrite (issue #15)
#![allow(clippy::indexing_slicing)]
//! Eight bytes at a time with plain `u64` arithmetic ("SIMD within a register").
//!
//! The form parser looks for `&`, `=`, `%` and `+` in every byte of the body. A WhatsApp
//! message body has one of them every ~6 bytes, so a byte-at-a-time loop cost ~18
//! instructions per body byte (callgrind, 850-byte `whatsapp_inbound`); testing a whole word
//! at once, without `unsafe` or a SIMD dependency, brings the scan to a few instructions per
//! byte. `memchr` was slower here: its per-call setup dominates at that density.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Loads the eight bytes at `at` (little-endian: byte `at` is the lowest).
#[inline(always)]
pub(super) fn load(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Stores `w` into the eight bytes at `at`.
#[inline(always)]
pub(super) fn store(bytes: &mut [u8], at: usize, w: u64) {
    bytes[at..at + 8].copy_from_slice(&w.to_le_bytes());
}

/// `0x80` in each byte of `w` equal to `b`, `0` elsewhere. Exact: unlike the shorter
/// `(x - LO) & !x & HI`, no false positive above a match, so `trailing_zeros` and
/// masks of the other bytes can be trusted.
#[inline(always)]
pub(super) fn eq(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * u64::from(b));
    !(((x & !HI).wrapping_add(!HI)) | x) & HI
}

/// The index of the first marked byte of a non-zero [`eq`]-style mask.
#[inline(always)]
pub(super) fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// `w` with every `+` turned into a space (`0x2B ^ 0x0B == 0x20`), branch-free.
#[inline(always)]
pub(super) fn plus_to_space(w: u64) -> u64 {
    w ^ ((eq(w, b'+') >> 7) * 0x0B)
}

/// The index of the first `byte` in `hay` at or after `from`, or `hay.len()`.
// Only the pipeline's `AccountSid` scan looks for a single byte; the form parser tests
// several per word, so without the pipeline this would be dead code.
#[cfg(feature = "pipeline")]
#[inline]
pub(crate) fn find(hay: &[u8], mut from: usize, byte: u8) -> usize {
    while from + 8 <= hay.len() {
        let m = eq(load(hay, from), byte);
        if m != 0 {
            return from + first(m);
        }
        from += 8;
    }
    hay.get(from..)
        .and_then(|tail| tail.iter().position(|&b| b == byte))
        .map_or(hay.len(), |i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq_is_exact() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b, 0, b.wrapping_add(1), 0xff, 0x80, b'%', 1, b]);
            let m = eq(w, b);
            for (i, byte) in w.to_le_bytes().iter().enumerate() {
                assert_eq!(m >> (8 * i) & 0xff == 0x80, *byte == b, "{b} at {i}");
            }
            assert_eq!(m & !HI, 0);
        }
        assert_eq!(first(eq(load(b"ab&cd&ef", 0), b'&')), 2);
    }

    #[test]
    #[cfg(feature = "pipeline")]
    fn find_returns_the_first_at_or_after() {
        let hay = b"a&bcdefghij&k&";
        assert_eq!(find(hay, 0, b'&'), 1);
        assert_eq!(find(hay, 2, b'&'), 11);
        assert_eq!(find(hay, 12, b'&'), 13);
        assert_eq!(find(hay, 14, b'&'), 14);
        assert_eq!(find(hay, 0, b'z'), hay.len());
        assert_eq!(find(b"", 0, b'&'), 0);
    }

    #[test]
    fn plus_becomes_space() {
        let w = load(b"a+b++%+\xab", 0);
        assert_eq!(plus_to_space(w).to_le_bytes(), *b"a b  % \xab");
    }
}
