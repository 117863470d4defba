//! `application/x-www-form-urlencoded` bodies, parsed in place.
//!
//! One pass over the body decodes every name and value into one buffer, back to back,
//! checking every `%XX` on the way: a pair is then a single span of that buffer, name
//! then value. Sorting, deduplication and streaming work on those spans; the signed
//! stream takes one write per pair. The buffers come from a per-thread pool, so a
//! verification allocates nothing once its thread has served a form of that size.
//!
//! Figures (callgrind, `whatsapp_inbound` of `benches/workload.json`, 850 bytes, 62
//! escapes, 25 `+`): the first byte-at-a-time parser, which decoded each piece up to three
//! times, cost ~40,000 instructions per verification beside ~18,000 for SHA-1; see the
//! commit history for the figures after each change.

use core::cell::Cell;
use core::cmp::Ordering;

use super::classify::Specials;
use super::Sink;
use crate::error::FormError;

/// Forms up to this many parameters are insertion-sorted: quadratic, but cheapest while
/// small (Twilio sends a few dozen).
const INSERTION_SORT_MAX: usize = 32;
/// Largest body whose offsets fit a `u32` span; far above any sane webhook limit.
pub(crate) const MAX_BODY: usize = 1 << 30;
/// Pooled buffers larger than this are freed after use rather than kept for the thread.
const KEEP_AT_MOST: usize = 64 * 1024;
/// Slack past the decoded bytes, for the fixed-size copies of [`copy_run`].
const RUN: usize = 16;

/// One parameter: `decoded[start..split]` is its name, `decoded[split..end]` its value.
#[derive(Clone, Copy)]
struct Pair {
    /// The first eight decoded bytes of the name, big-endian, zero-padded: most
    /// comparisons while sorting end on this integer without touching the bytes.
    key: u64,
    start: u32,
    split: u32,
    end: u32,
}

impl Pair {
    #[inline]
    fn name<'s>(&self, decoded: &'s [u8]) -> &'s [u8] {
        &decoded[self.start as usize..self.split as usize]
    }

    #[inline]
    fn value<'s>(&self, decoded: &'s [u8]) -> &'s [u8] {
        &decoded[self.split as usize..self.end as usize]
    }

    /// Name and value, back to back: what the signed stream takes.
    #[inline]
    fn both<'s>(&self, decoded: &'s [u8]) -> &'s [u8] {
        &decoded[self.start as usize..self.end as usize]
    }
}

thread_local! {
    /// The buffers of the thread's last finished form, for the next one.
    static SPARE: Cell<(Vec<Pair>, Vec<u8>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

/// A parsed, validated and sorted form body, borrowing the body.
///
/// Parsing is strict where lenient parsers would guess: a `%` not followed by two hex
/// digits, or a name or value that is not UTF-8 once decoded, is an error, since Twilio
/// never sends either.
///
/// ```
/// use twilio_webhook::canonical::FormParams;
/// use twilio_webhook::FormError;
///
/// let p = FormParams::parse(b"To=whatsapp%3A%2B1&Body=Hi+there").unwrap();
/// let mut out = Vec::new();
/// p.write_to(&mut out);
/// assert_eq!(out, "BodyHi thereTowhatsapp:+1".as_bytes());
///
/// assert!(matches!(FormParams::parse(b"a=%zz"), Err(FormError::MalformedPercentEncoding { offset: 2 })));
/// ```
pub struct FormParams<'a> {
    body: &'a [u8],
    pairs: Vec<Pair>,
    /// Every name and value decoded, back to back, then slack.
    decoded: Vec<u8>,
}

impl<'a> FormParams<'a> {
    /// Parses, validates and sorts `body`.
    pub fn parse(body: &'a [u8]) -> Result<Self, FormError> {
        Self::parse_with_limit(body, usize::MAX)
    }

    /// As [`FormParams::parse`], refusing more than `max_params` parameters.
    pub fn parse_with_limit(body: &'a [u8], max_params: usize) -> Result<Self, FormError> {
        let (pairs, decoded) = SPARE.try_with(Cell::take).unwrap_or_default();
        let mut form = FormParams {
            body,
            pairs,
            decoded,
        };
        form.fill(max_params)?;
        Ok(form)
    }

    fn fill(&mut self, max_params: usize) -> Result<(), FormError> {
        let body = self.body;
        if body.len() > MAX_BODY {
            return Err(FormError::TooManyParams { limit: max_params });
        }
        self.pairs.clear();
        // Decoding never lengthens text. The buffer is not cleared between forms: every
        // byte read later is written first, so resizing is only ever growth.
        if self.decoded.len() < body.len() + RUN {
            self.decoded.resize(body.len() + RUN, 0);
        }
        let high = decode(body, max_params, &mut self.pairs, &mut self.decoded)?;
        // Raw bytes outside ASCII, or escapes that decoded to such bytes: check the text.
        if high >= 0x80 || !body.is_ascii() {
            self.check_utf8()?;
        }
        let decoded = &self.decoded[..];
        let pairs = &mut self.pairs[..];
        // Stable order is irrelevant: equal pairs are byte-identical once decoded.
        if pairs.len() <= INSERTION_SORT_MAX {
            insertion_sort(pairs, |a, b| cmp_pair(decoded, a, b));
        } else {
            pairs.sort_unstable_by(|a, b| cmp_pair(decoded, a, b));
        }
        Ok(())
    }

    /// Every name and value must be UTF-8. They lie back to back, so one check of the
    /// whole text suffices once each piece is known to start on a character boundary
    /// (then each ends on one too).
    fn check_utf8(&self) -> Result<(), FormError> {
        let end = self.pairs.last().map_or(0, |p| p.end as usize);
        let text = &self.decoded[..end];
        let boundary = |i: u32| text.get(i as usize).map_or(true, |&b| (b as i8) >= -0x40);
        let ok = core::str::from_utf8(text).is_ok()
            && self
                .pairs
                .iter()
                .all(|p| boundary(p.start) && boundary(p.split));
        if ok {
            Ok(())
        } else {
            Err(FormError::NotUtf8)
        }
    }

    /// Number of parameters (repeats included).
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the form has no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Writes `name` + `value` for every distinct pair, in canonical order, decoded.
    pub fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) {
        let decoded = &self.decoded[..];
        let mut prev: Option<&Pair> = None;
        for p in &self.pairs {
            // Sorted, so exact duplicates are adjacent; the signer counts them once.
            if prev.is_some_and(|q| cmp_pair(decoded, q, p) == Ordering::Equal) {
                continue;
            }
            sink.write(p.both(decoded));
            prev = Some(p);
        }
    }

    /// The decoded pairs in canonical order (duplicates included). For logging, typed
    /// payloads and tests.
    pub fn iter(&self) -> impl Iterator<Item = (String, String)> + '_ {
        let decoded = &self.decoded[..];
        // Every piece was checked to be UTF-8 while parsing; lossy never replaces anything.
        let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
        self.pairs
            .iter()
            .map(move |p| (text(p.name(decoded)), text(p.value(decoded))))
    }
}

impl Drop for FormParams<'_> {
    fn drop(&mut self) {
        if self.decoded.capacity() <= KEEP_AT_MOST && self.pairs.capacity() <= KEEP_AT_MOST {
            let spare = (
                core::mem::take(&mut self.pairs),
                core::mem::take(&mut self.decoded),
            );
            // Fails only while the thread shuts down; the buffers are then simply freed.
            let _ = SPARE.try_with(|cell| cell.set(spare));
        }
    }
}

impl core::fmt::Debug for FormParams<'_> {
    // Values may be personal data: show the count only.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FormParams")
            .field("len", &self.len())
            .finish()
    }
}

/// Inlined so that the common case, names differing in their first eight bytes, is one
/// integer comparison in the sort loop; the byte comparison stays out of line.
#[inline(always)]
fn cmp_pair(decoded: &[u8], a: &Pair, b: &Pair) -> Ordering {
    if a.key != b.key {
        return a.key.cmp(&b.key);
    }
    cmp_pair_bytes(decoded, a, b)
}

#[inline(never)]
fn cmp_pair_bytes(decoded: &[u8], a: &Pair, b: &Pair) -> Ordering {
    a.name(decoded)
        .cmp(b.name(decoded))
        .then_with(|| a.value(decoded).cmp(b.value(decoded)))
}

/// Sorts `pairs` by `cmp`, shifting each one left into place. On a typical Twilio form
/// (21 parameters in `whatsapp_inbound`) this costs ~3,000 fewer instructions per
/// verification than `sort_unstable_by` (callgrind): no small-sort network setup, and
/// the comparison inlines.
fn insertion_sort(pairs: &mut [Pair], mut cmp: impl FnMut(&Pair, &Pair) -> Ordering) {
    for i in 1..pairs.len() {
        let p = pairs[i];
        let mut j = i;
        while j > 0 && cmp(&pairs[j - 1], &p) == Ordering::Greater {
            pairs[j] = pairs[j - 1];
            j -= 1;
        }
        pairs[j] = p;
    }
}

/// The first eight bytes at `decoded[start..]`, big-endian, with those past the name's
/// `len` zeroed. `decoded` always has eight bytes there: the slack covers the last name.
#[inline]
fn sort_key(decoded: &[u8], start: usize, len: usize) -> u64 {
    let word: [u8; 8] = decoded
        .get(start..start + 8)
        .and_then(|w| w.try_into().ok())
        .unwrap_or_default();
    let key = u64::from_be_bytes(word);
    match len {
        0 => 0,
        1..=7 => key & !(u64::MAX >> (8 * len)),
        _ => key,
    }
}

/// Decodes `body` into `out` (which holds `body.len() + RUN` bytes), pushing one [`Pair`]
/// per parameter; returns the OR of every byte an escape produced.
///
/// It stops only at `&`, `=`, `%` and `+` ([`Specials`]); the runs between are copied
/// whole.
fn decode(
    body: &[u8],
    max_params: usize,
    pairs: &mut Vec<Pair>,
    out: &mut [u8],
) -> Result<u8, FormError> {
    let mut specials = Specials::new(body);
    let mut high = 0u8;
    // Decoded bytes written so far, and the next raw byte not yet copied.
    let (mut o, mut from) = (0usize, 0usize);
    // The current segment: where it starts raw and decoded, and where its name ends.
    let (mut segment, mut start, mut split) = (0usize, 0usize, None::<usize>);
    loop {
        let at = specials.next();
        o = copy_run(body, from, at, out, o);
        match body.get(at) {
            Some(b'%') => {
                let byte = match (body.get(at + 1), body.get(at + 2)) {
                    (Some(&h), Some(&l)) => hex_byte(h, l),
                    _ => None,
                };
                let byte = byte.ok_or(FormError::MalformedPercentEncoding { offset: at })?;
                out[o] = byte;
                o += 1;
                high |= byte;
                // Two hex digits follow, neither of them special: `next` skips them.
                from = at + 3;
            }
            Some(b'+') => {
                out[o] = b' ';
                o += 1;
                from = at + 1;
            }
            Some(b'=') if split.is_none() => {
                split = Some(o);
                from = at + 1;
            }
            // A literal '=' in a value: copied with the next run.
            Some(b'=') => from = at,
            // '&' or the end of the body.
            _ => {
                // An empty segment ("a=1&&b=2") is no pair; a segment without '=' is a
                // name with an empty value (as form_urlencoded and Django do).
                if at > segment {
                    if pairs.len() == max_params {
                        return Err(FormError::TooManyParams { limit: max_params });
                    }
                    let split = split.unwrap_or(o);
                    pairs.push(Pair {
                        key: sort_key(out, start, split - start),
                        start: start as u32,
                        split: split as u32,
                        end: o as u32,
                    });
                }
                if at >= body.len() {
                    return Ok(high);
                }
                (from, segment, start, split) = (at + 1, at + 1, o, None);
            }
        }
    }
}

/// Copies `body[from..to]` to `out[o..]`; returns the new end in `out`.
///
/// Runs between escapes average a few bytes, so a short one is copied as a fixed 16-byte
/// block (one load, one store) instead of calling `memcpy`: the bytes past the run are
/// overwritten later or never read. `out` has room, as [`decode`] ensures (`o <= from`,
/// and `RUN` bytes of slack).
#[inline(always)]
fn copy_run(body: &[u8], from: usize, to: usize, out: &mut [u8], o: usize) -> usize {
    let n = to - from;
    match (body.get(from..from + RUN), out.get_mut(o..o + RUN)) {
        (Some(src), Some(dst)) if n <= RUN => dst.copy_from_slice(src),
        _ => out[o..o + n].copy_from_slice(&body[from..to]),
    }
    o + n
}

/// Each byte's value as a hex digit, or `0xFF` if it is not one.
const HEX: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The byte `%hl` encodes, if both are hex digits. Two table loads and one test instead of
/// two range matches (~600 fewer instructions per whatsapp_inbound verification, 62 escapes).
#[inline]
fn hex_byte(h: u8, l: u8) -> Option<u8> {
    let (h, l) = (HEX[usize::from(h)], HEX[usize::from(l)]);
    ((h | l) < 0x10).then_some(h << 4 | l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(body: &[u8]) -> Result<String, FormError> {
        let p = FormParams::parse(body)?;
        let mut out = Vec::new();
        p.write_to(&mut out);
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn decodes_sorts_and_dedups() {
        assert_eq!(canon(b"b=2&a=1&a=0&a=1").unwrap(), "a0a1b2");
        assert_eq!(
            canon(b"x=%F0%9F%8C%B5+y&x%3D=1").unwrap(),
            "x\u{1f335} yx=1"
        );
        assert_eq!(canon(b"&&a&b=&").unwrap(), "ab");
        assert_eq!(canon(b"").unwrap(), "");
        // '%2B' is a literal plus, '+' a space: they must not be confused.
        assert_eq!(canon(b"To=%2B1+2").unwrap(), "To+1 2");
    }

    #[test]
    fn encoded_names_sort_by_decoded_bytes() {
        // "%41" is "A", which sorts before "B" although '%' > 'B' raw.
        assert_eq!(canon(b"B=2&%41=1").unwrap(), "A1B2");
        // Long common prefixes go past the 8-byte key.
        assert_eq!(
            canon(b"abcdefghj=2&abcdefgh%69=1").unwrap(),
            "abcdefghi1abcdefghj2"
        );
        // Same decoded pair written two ways counts once.
        assert_eq!(canon(b"a=%20&a=+").unwrap(), "a ");
    }

    #[test]
    fn strict_on_bad_input() {
        assert_eq!(
            canon(b"a=%"),
            Err(FormError::MalformedPercentEncoding { offset: 2 })
        );
        assert_eq!(
            canon(b"a=%4"),
            Err(FormError::MalformedPercentEncoding { offset: 2 })
        );
        assert_eq!(
            canon(b"a=1&b%g1=2"),
            Err(FormError::MalformedPercentEncoding { offset: 5 })
        );
        assert_eq!(canon(b"a=%FF"), Err(FormError::NotUtf8));
        assert_eq!(canon(b"a=\xff"), Err(FormError::NotUtf8));
        assert_eq!(canon(b"a=%C3"), Err(FormError::NotUtf8));
        assert_eq!(canon(b"a=%C3%A9").unwrap(), "a\u{e9}");
        // Hex digits in either case; the letters just past 'f'/'F' are not digits.
        assert_eq!(canon(b"a=%c3%a9%7e%7E%09").unwrap(), "a\u{e9}~~\t");
        for bad in [
            &b"a=%g0"[..],
            b"a=%0G",
            b"a=%/0",
            b"a=%:0",
            b"a=%@0",
            b"a=%0`",
        ] {
            assert_eq!(
                canon(bad),
                Err(FormError::MalformedPercentEncoding { offset: 2 })
            );
        }
        assert!(matches!(
            FormParams::parse_with_limit(b"a&b&c", 2),
            Err(FormError::TooManyParams { limit: 2 })
        ));
    }

    #[test]
    fn long_escaped_values_cross_buffer_chunks() {
        let value = "\u{1f335}".repeat(100); // 400 bytes, chunks of 128 split characters
        let body: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("v", &value)
            .finish();
        assert_eq!(canon(body.as_bytes()).unwrap(), format!("v{value}"));
    }

    #[test]
    fn spills_to_heap_past_inline_capacity() {
        let body: Vec<String> = (0..200).rev().map(|i| format!("k{i:03}={i}")).collect();
        let out = canon(body.join("&").as_bytes()).unwrap();
        let expected: String = (0..200).map(|i| format!("k{i:03}{i}")).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn scratch_spills_to_heap_keeping_earlier_pieces() {
        // Escaped pieces before and after the point where 2 KiB of scratch runs out.
        let big = "\u{e9}".repeat(1500); // 3000 decoded bytes, 9000 raw
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("z", "a b")
            .append_pair("y", &big)
            .append_pair("x", "c+d")
            .append_pair("w", "plain")
            .finish();
        assert_eq!(
            canon(body.as_bytes()).unwrap(),
            format!("wplainxc+dy{big}za b")
        );
    }

    proptest::proptest! {
        #[test]
        fn matches_a_reference_decoder(
            pairs in proptest::collection::vec(("[a-c=&+% \u{e9}\u{1f335}]{0,12}", "[a-c=&+% \u{e9}]{0,40}"), 0..80),
            space_as_plus in proptest::bool::ANY,
        ) {
            let mut body = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &pairs {
                body.append_pair(k, v);
            }
            let mut body = body.finish();
            if !space_as_plus {
                body = body.replace('+', "%20");
            }
            let expected = crate::canonical::canonical_string("", pairs.iter().map(|(k, v)| (k, v)));
            proptest::prop_assert_eq!(canon(body.as_bytes()).unwrap(), expected);
        }
    }
}
