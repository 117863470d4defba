//! Eight bytes at a time with plain `u64` arithmetic ("SIMD within a register"): the
//! portable form classification, and the pipeline's search for one byte.

const LO: u64 = 0x0101_0101_0101_0101;
/// The top bit of every byte.
pub(super) const HI: u64 = 0x8080_8080_8080_8080;

/// `0x80` in each byte of `w` equal to `b`, `0` elsewhere. Exact: unlike the shorter
/// `(x - LO) & !x & HI`, no false positive above a match, so masks of the other bytes can
/// be trusted.
#[inline(always)]
pub(super) fn eq(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * u64::from(b));
    !(((x & !HI).wrapping_add(!HI)) | x) & HI
}

/// `w` with every `+` turned into a space (`0x2B ^ 0x0B == 0x20`), branch-free.
#[inline(always)]
pub(super) fn plus_to_space(w: u64) -> u64 {
    w ^ ((eq(w, b'+') >> 7) * 0x0B)
}

/// The index of the first `byte` in `hay` at or after `from`, or `hay.len()`.
// Only the pipeline's `AccountSid` scan looks for a single byte; the form parser
// classifies whole blocks, so without the pipeline this would be dead code.
#[cfg(feature = "pipeline")]
#[inline]
pub(crate) fn find(hay: &[u8], mut from: usize, byte: u8) -> usize {
    while let Some(word) = hay.get(from..).and_then(|rest| rest.first_chunk::<8>()) {
        let m = eq(u64::from_le_bytes(*word), byte);
        if m != 0 {
            return from + (m.trailing_zeros() / 8) as usize;
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
    }

    #[test]
    fn plus_becomes_space() {
        let w = u64::from_le_bytes(*b"a+b++%+\xab");
        assert_eq!(plus_to_space(w).to_le_bytes(), *b"a b  % \xab");
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
}
