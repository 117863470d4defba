//! Classifies a form body 64 bytes at a time into bitmasks: bit `i` of a block's mask
//! stands for byte `i` of the block.
//!
//! The parser needs the position of every `&`, `=`, `%` and `+`; a WhatsApp message body has
//! one every few bytes, too dense for `memchr`-style searches, whose set-up per call then
//! dominates. Comparing whole blocks at once and walking the set bits does one pass of
//! plain loads and compares over the body whatever the density.
//!
//! On x86 and x86_64 (SSE2 is the x86_64 baseline) the comparisons are SSE2 instructions
//! through `safe_arch`'s safe wrappers (this crate forbids `unsafe`); elsewhere, or with
//! `--cfg twilio_webhook_portable`, eight bytes at a time in `u64` arithmetic. Both give
//! the same masks (tested below, and the differential tests run on both).

/// The bytes of one block that the parser stops at, and those at or above `0x80`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Masks {
    /// `&`, `=`, `%` and `+`.
    pub(super) events: u64,
    /// `&`, `=` and `%`: where decoding stops (it turns `+` into a space on the way).
    pub(super) stops: u64,
    /// Bytes `>= 0x80` (only these can make a body not UTF-8).
    pub(super) high: u64,
}

/// Bytes per block.
pub(super) const BLOCK: usize = 64;

/// The masks of the block of `body` starting at `start`; bytes past the body's end count
/// as none of the classes.
#[inline]
pub(super) fn block_at(body: &[u8], start: usize) -> Masks {
    match body
        .get(start..)
        .and_then(|rest| rest.first_chunk::<BLOCK>())
    {
        Some(block) => block_masks(block),
        None => {
            // The last, partial block: zero bytes are in no class.
            let mut padded = [0u8; BLOCK];
            let rest = body.get(start..).unwrap_or_default();
            if let Some(dst) = padded.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            block_masks(&padded)
        }
    }
}

#[cfg(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2",
    not(twilio_webhook_portable)
))]
#[inline]
#[allow(clippy::cast_possible_truncation)] // `move_mask` sets the low 16 bits only.
fn block_masks(block: &[u8; BLOCK]) -> Masks {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };

    // `as i8` reinterprets the ASCII byte; all four are below 0x80.
    let [amp, eq, pct, plus] = [b'&', b'=', b'%', b'+'].map(|b| set_splat_i8_m128i(b as i8));
    let mut masks = Masks::default();
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        let Some(chunk) = chunk.first_chunk::<16>() else {
            continue;
        };
        let v = load_unaligned_m128i(chunk);
        let stop = bitor_m128i(
            bitor_m128i(cmp_eq_mask_i8_m128i(v, amp), cmp_eq_mask_i8_m128i(v, eq)),
            cmp_eq_mask_i8_m128i(v, pct),
        );
        let hit = bitor_m128i(stop, cmp_eq_mask_i8_m128i(v, plus));
        // One bit per byte, in the low 16 bits.
        let shift = 16 * i;
        masks.events |= u64::from(move_mask_i8_m128i(hit) as u16) << shift;
        masks.stops |= u64::from(move_mask_i8_m128i(stop) as u16) << shift;
        masks.high |= u64::from(move_mask_i8_m128i(v) as u16) << shift;
    }
    masks
}

#[cfg(not(all(
    any(target_arch = "x86", target_arch = "x86_64"),
    target_feature = "sse2",
    not(twilio_webhook_portable)
)))]
#[inline]
fn block_masks(block: &[u8; BLOCK]) -> Masks {
    portable::block_masks(block)
}

/// Eight bytes at a time in `u64` arithmetic ("SIMD within a register").
#[cfg_attr(
    all(
        any(target_arch = "x86", target_arch = "x86_64"),
        target_feature = "sse2",
        not(twilio_webhook_portable)
    ),
    allow(dead_code)
)]
pub(super) mod portable {
    use super::{Masks, BLOCK};
    use crate::canonical::swar;

    /// One bit per byte from a mask with `0x80` in each marked byte: bit 7 of byte `i`
    /// lands at bit `i` (the multiplication gathers them into the top byte, carry-free).
    #[inline(always)]
    fn gather(m: u64) -> u64 {
        ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }

    #[inline]
    pub(in crate::canonical) fn block_masks(block: &[u8; BLOCK]) -> Masks {
        let mut masks = Masks::default();
        for (i, word) in block.chunks_exact(8).enumerate() {
            let Some(word) = word.first_chunk::<8>() else {
                continue;
            };
            let w = u64::from_le_bytes(*word);
            let stop = swar::eq(w, b'&') | swar::eq(w, b'=') | swar::eq(w, b'%');
            let shift = 8 * i;
            masks.events |= gather(stop | swar::eq(w, b'+')) << shift;
            masks.stops |= gather(stop) << shift;
            masks.high |= gather(w & swar::HI) << shift;
        }
        masks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The masks byte by byte: the specification both implementations must meet.
    fn reference(block: &[u8; BLOCK]) -> Masks {
        let mut m = Masks::default();
        for (i, &b) in block.iter().enumerate() {
            if matches!(b, b'&' | b'=' | b'%' | b'+') {
                m.events |= 1 << i;
            }
            if matches!(b, b'&' | b'=' | b'%') {
                m.stops |= 1 << i;
            }
            if b >= 0x80 {
                m.high |= 1 << i;
            }
        }
        m
    }

    #[test]
    fn both_implementations_meet_the_reference() {
        // Every byte value at every position, next to neighbours of every class.
        for b in 0..=255u8 {
            let mut block = [0u8; BLOCK];
            for (i, x) in block.iter_mut().enumerate() {
                *x = match i % 4 {
                    0 => b,
                    1 => b'&',
                    2 => 0xC3,
                    _ => b.wrapping_add(u8::try_from(i).unwrap()),
                };
            }
            assert_eq!(block_masks(&block), reference(&block), "{b}");
            assert_eq!(portable::block_masks(&block), reference(&block), "{b}");
        }
    }

    #[test]
    fn a_partial_block_is_padded_with_no_class() {
        let body = b"a=1&b%2B+\xc3\xa9";
        let m = block_at(body, 0);
        assert_eq!(m.events, 0b1_0010_1010);
        assert_eq!(m.stops, 0b0_0010_1010);
        assert_eq!(m.high, 0b110_0000_0000);
        assert_eq!(block_at(body, BLOCK), Masks::default());
        let long = [b'&'; 100];
        assert_eq!(block_at(&long, 0).events, u64::MAX);
        assert_eq!(block_at(&long, BLOCK).events, (1 << 36) - 1);
    }
}
