// lint exceptions pending the parser rewrite (issue #15)
#![allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
//! `application/x-www-form-urlencoded` bodies, parsed in place.
//!
//! One pass over the body splits it into names and values, checks every `%XX`, and decodes
//! each piece that needs it, once, into a scratch buffer. A piece that needs no decoding
//! stays a span of the body. Sorting, deduplication and streaming then work on plain byte
//! slices. A typical Twilio payload (up to 64 parameters, a few KiB of escaped text) is
//! parsed, sorted and hashed without a heap allocation.
//!
//! Figures (callgrind, `whatsapp_inbound` of `benches/workload.json`, 850 bytes, 62
//! escapes): the byte-at-a-time parser that decoded each piece up to three times (to
//! validate, to sort, to hash) cost ~40,000 instructions per verification beside ~18,000
//! for SHA-1; see the commit history for the figures after each change.

use core::cmp::Ordering;

use super::swar;
use super::Sink;

/// Parameters kept on the stack; larger forms spill to the heap.
const INLINE_PAIRS: usize = 64;
/// Decoded bytes kept on the stack (the escaped pieces of a WhatsApp message take ~500).
const INLINE_SCRATCH: usize = 2048;
/// Forms up to this many parameters are insertion-sorted: quadratic, but cheapest while
/// small (Twilio sends a few dozen).
const INSERTION_SORT_MAX: usize = 32;
/// Span flag: the bytes are in the scratch buffer (decoded), not in the body.
const DECODED: u32 = 1 << 31;
const LEN_MASK: u32 = (1 << 30) - 1;
/// Largest body whose offsets fit a span (1 GiB); far above any sane webhook limit.
pub(crate) const MAX_BODY: usize = LEN_MASK as usize;

/// A name or value: `start` into the body or the scratch buffer, length and flag in `len`.
#[derive(Clone, Copy, Default)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn new(start: usize, end: usize, decoded: bool) -> Self {
        Span {
            start: start as u32,
            len: (end - start) as u32 | if decoded { DECODED } else { 0 },
        }
    }

    #[inline]
    fn get<'s>(&self, body: &'s [u8], scratch: &'s [u8]) -> &'s [u8] {
        let from = if self.len & DECODED != 0 {
            scratch
        } else {
            body
        };
        let start = self.start as usize;
        &from[start..start + (self.len & LEN_MASK) as usize]
    }
}

#[derive(Clone, Copy, Default)]
struct Pair {
    /// The first eight decoded bytes of the name, big-endian: most comparisons while
    /// sorting end on this integer without touching the bytes.
    key: u64,
    name: Span,
    value: Span,
}

/// The parameters: on the stack up to [`INLINE_PAIRS`], then on the heap.
struct Pairs {
    inline: [Pair; INLINE_PAIRS],
    len: usize,
    heap: Vec<Pair>,
}

impl Pairs {
    fn new() -> Self {
        Pairs {
            inline: [Pair::default(); INLINE_PAIRS],
            len: 0,
            heap: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, p: Pair) {
        if self.len < INLINE_PAIRS {
            self.inline[self.len] = p;
        } else {
            if self.heap.is_empty() {
                self.heap.reserve(2 * INLINE_PAIRS);
                self.heap.extend_from_slice(&self.inline);
            }
            self.heap.push(p);
        }
        self.len += 1;
    }

    fn as_mut_slice(&mut self) -> &mut [Pair] {
        if self.len <= INLINE_PAIRS {
            &mut self.inline[..self.len]
        } else {
            &mut self.heap
        }
    }

    fn as_slice(&self) -> &[Pair] {
        if self.len <= INLINE_PAIRS {
            &self.inline[..self.len]
        } else {
            &self.heap
        }
    }
}

/// Decoded pieces: on the stack up to [`INLINE_SCRATCH`] bytes, else one heap buffer.
struct Scratch {
    inline: [u8; INLINE_SCRATCH],
    heap: Vec<u8>,
}

impl Scratch {
    fn bytes(&self) -> &[u8] {
        if self.heap.is_empty() {
            &self.inline
        } else {
            &self.heap
        }
    }
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
    pairs: Pairs,
    scratch: Scratch,
}

impl<'a> FormParams<'a> {
    /// Parses, validates and sorts `body`.
    pub fn parse(body: &'a [u8]) -> Result<Self, FormError> {
        Self::parse_with_limit(body, usize::MAX)
    }

    /// As [`FormParams::parse`], refusing more than `max_params` parameters.
    pub fn parse_with_limit(body: &'a [u8], max_params: usize) -> Result<Self, FormError> {
        let mut form = Self::unparsed(body);
        form.fill(max_params)?;
        Ok(form)
    }

    /// An empty form over `body`, to be [`FormParams::fill`]ed where it lies: the verifier
    /// keeps it in its own stack frame rather than moving ~3.5 KiB out of a return value.
    pub(crate) fn unparsed(body: &'a [u8]) -> Self {
        FormParams {
            body,
            pairs: Pairs::new(),
            scratch: Scratch {
                inline: [0; INLINE_SCRATCH],
                heap: Vec::new(),
            },
        }
    }

    /// Parses, validates and sorts the body given to [`FormParams::unparsed`].
    pub(crate) fn fill(&mut self, max_params: usize) -> Result<(), FormError> {
        let body = self.body;
        if body.len() > MAX_BODY {
            return Err(FormError::TooManyParams { limit: max_params });
        }
        // Raw bytes must be UTF-8; escapes are checked once decoded, below. A multi-byte
        // character cannot straddle '&' or '=', so this covers every unescaped run.
        core::str::from_utf8(body).map_err(|_| FormError::NotUtf8)?;
        Parser {
            body,
            max_params,
            pairs: &mut self.pairs,
            buf: &mut self.scratch.inline,
            heap: Some(&mut self.scratch.heap),
            out: 0,
        }
        .run()?;
        let scratch = self.scratch.bytes();
        let pairs = self.pairs.as_mut_slice();
        // Stable order is irrelevant: equal pairs are byte-identical once decoded.
        if pairs.len() <= INSERTION_SORT_MAX {
            insertion_sort(pairs, |a, b| cmp_pair(body, scratch, a, b));
        } else {
            pairs.sort_unstable_by(|a, b| cmp_pair(body, scratch, a, b));
        }
        Ok(())
    }

    /// Number of parameters (repeats included).
    pub fn len(&self) -> usize {
        self.pairs.len
    }

    /// Whether the form has no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `name` + `value` for every distinct pair, in canonical order, decoded.
    pub fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) {
        let (body, scratch) = (self.body, self.scratch.bytes());
        let mut prev: Option<&Pair> = None;
        for p in self.pairs.as_slice() {
            // Sorted, so exact duplicates are adjacent; the signer counts them once.
            if prev.is_some_and(|q| cmp_pair(body, scratch, q, p) == Ordering::Equal) {
                continue;
            }
            sink.write(p.name.get(body, scratch));
            sink.write(p.value.get(body, scratch));
            prev = Some(p);
        }
    }

    /// Calls `f` with every decoded pair in canonical order, repeats included.
    pub(crate) fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        let (body, scratch) = (self.body, self.scratch.bytes());
        for p in self.pairs.as_slice() {
            f(p.name.get(body, scratch), p.value.get(body, scratch));
        }
    }

    /// The decoded pairs in canonical order (duplicates included). For logging, typed
    /// payloads and tests.
    pub fn iter(&self) -> impl Iterator<Item = (String, String)> + '_ {
        let (body, scratch) = (self.body, self.scratch.bytes());
        // Every piece was checked to be UTF-8 while parsing; lossy never replaces anything.
        let text = |s: Span| String::from_utf8_lossy(s.get(body, scratch)).into_owned();
        self.pairs
            .as_slice()
            .iter()
            .map(move |p| (text(p.name), text(p.value)))
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
fn cmp_pair(body: &[u8], scratch: &[u8], a: &Pair, b: &Pair) -> Ordering {
    if a.key != b.key {
        return a.key.cmp(&b.key);
    }
    cmp_pair_bytes(body, scratch, a, b)
}

#[inline(never)]
fn cmp_pair_bytes(body: &[u8], scratch: &[u8], a: &Pair, b: &Pair) -> Ordering {
    a.name
        .get(body, scratch)
        .cmp(b.name.get(body, scratch))
        .then_with(|| a.value.get(body, scratch).cmp(b.value.get(body, scratch)))
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

fn sort_key(name: &[u8]) -> u64 {
    if name.len() >= 8 {
        return swar::load(name, 0).swap_bytes();
    }
    let mut key = [0u8; 8];
    key[..name.len()].copy_from_slice(name);
    u64::from_be_bytes(key)
}

/// Where the scan of a piece stopped, and why.
#[derive(Clone, Copy)]
enum Stop {
    /// At `&`, or at the end of the body: the pair ends here.
    PairEnd(usize),
    /// At the first `=` of a segment: the name ends here.
    NameEnd(usize),
}

/// One pass over the body: splits it into pieces, validates and decodes them, pushes pairs.
struct Parser<'p> {
    body: &'p [u8],
    max_params: usize,
    pairs: &'p mut Pairs,
    /// Where decoded bytes go: the inline scratch, or the heap once that would overflow.
    buf: &'p mut [u8],
    /// The heap buffer, until it replaces `buf`.
    heap: Option<&'p mut Vec<u8>>,
    /// Bytes of `buf` in use.
    out: usize,
}

impl Parser<'_> {
    fn run(mut self) -> Result<(), FormError> {
        let body = self.body;
        let mut count = 0usize;
        let mut start = 0usize;
        while start < body.len() {
            if body[start] == b'&' {
                start += 1;
                continue;
            }
            count += 1;
            if count > self.max_params {
                return Err(FormError::TooManyParams {
                    limit: self.max_params,
                });
            }
            let (name, value, end) = match self.piece::<true>(start)? {
                (name, Stop::NameEnd(eq)) => {
                    let (value, stop) = self.piece::<false>(eq + 1)?;
                    let (Stop::PairEnd(end) | Stop::NameEnd(end)) = stop;
                    (name, value, end)
                }
                // A segment without '=' is a name with an empty value (as form_urlencoded
                // and Django do).
                (name, Stop::PairEnd(end)) => (name, Span::new(end, end, false), end),
            };
            let key = sort_key(name.get(body, self.buf));
            self.pairs.push(Pair { key, name, value });
            start = end + 1;
        }
        Ok(())
    }

    /// Scans the piece starting at `start` (a name if `IS_NAME`), decoding it into the
    /// scratch buffer if it holds an escape.
    ///
    /// `IS_NAME` is a constant so that each scan is compiled twice, the value one without
    /// the `=` test (~1,900 fewer instructions per whatsapp_inbound verification).
    fn piece<const IS_NAME: bool>(&mut self, start: usize) -> Result<(Span, Stop), FormError> {
        match scan_raw::<IS_NAME>(self.body, start) {
            Err(escape) => self.decode::<IS_NAME>(start, escape),
            Ok(stop) => {
                let (Stop::PairEnd(end) | Stop::NameEnd(end)) = stop;
                Ok((Span::new(start, end, false), stop))
            }
        }
    }

    /// Decodes the piece starting at `start`, whose first `%` or `+` is at `first`.
    fn decode<const IS_NAME: bool>(
        &mut self,
        start: usize,
        first: usize,
    ) -> Result<(Span, Stop), FormError> {
        let body = self.body;
        // Decoded bytes never outnumber raw ones; 8 more for the word-wide stores.
        let need = self.out + (body.len() - start) + 8;
        if need > self.buf.len() {
            self.spill(need);
        }
        let out_start = self.out;
        let prefix = &body[start..first];
        let mut o = out_start + prefix.len();
        self.buf[out_start..o].copy_from_slice(prefix);
        let mut i = first;
        // OR of every byte an escape produced: below 0x80 the piece is still UTF-8, as the
        // raw body is.
        let mut high = 0u8;
        // Checks the byte at `i` before scanning on: escapes come in runs (`%F0%9F%8C%B5`),
        // and scanning from one straight into the next cost a wasted word test each
        // (~3,300 instructions per whatsapp_inbound verification, 62 escapes).
        let stop = loop {
            match body.get(i) {
                Some(b'=') if IS_NAME => break Stop::NameEnd(i),
                Some(b'&') | None => break Stop::PairEnd(i),
                Some(b'%') => {
                    let byte = match (body.get(i + 1), body.get(i + 2)) {
                        (Some(&h), Some(&l)) => hex_byte(h, l),
                        _ => None,
                    };
                    let byte = byte.ok_or(FormError::MalformedPercentEncoding { offset: i })?;
                    self.buf[o] = byte;
                    high |= byte;
                    o += 1;
                    i += 3;
                }
                _ => (i, o) = scan_decoding::<IS_NAME>(body, i, o, self.buf),
            }
        };
        self.out = o;
        if high >= 0x80 && core::str::from_utf8(&self.buf[out_start..o]).is_err() {
            return Err(FormError::NotUtf8);
        }
        Ok((Span::new(out_start, o, true), stop))
    }

    /// Moves the scratch buffer to the heap, with room for `need` bytes. Happens at most
    /// once: `need` covers every later piece, since decoding never grows a piece.
    #[cold]
    fn spill(&mut self, need: usize) {
        if let Some(heap) = self.heap.take() {
            heap.reserve_exact(need);
            heap.extend_from_slice(&self.buf[..self.out]);
            heap.resize(need, 0);
            // Offsets stay valid: the bytes so far are copied to the same places.
            self.buf = heap;
        }
    }
}

/// From `i`, the first `&`, `%`, `+` (and, in a name, `=`): `Err` with its index for an
/// escape, else where the piece ends.
#[inline]
fn scan_raw<const IS_NAME: bool>(body: &[u8], mut i: usize) -> Result<Stop, usize> {
    let eq_sel = if IS_NAME { u64::MAX } else { 0 };
    while i + 8 <= body.len() {
        let w = swar::load(body, i);
        let m = swar::eq(w, b'&')
            | swar::eq(w, b'%')
            | swar::eq(w, b'+')
            | (swar::eq(w, b'=') & eq_sel);
        if m != 0 {
            i += swar::first(m);
            break;
        }
        i += 8;
    }
    while let Some(&b) = body.get(i) {
        match b {
            b'&' => return Ok(Stop::PairEnd(i)),
            b'=' if IS_NAME => return Ok(Stop::NameEnd(i)),
            b'%' | b'+' => return Err(i),
            _ => i += 1,
        }
    }
    Ok(Stop::PairEnd(body.len()))
}

/// Copies `body[i..]` to `buf[o..]`, `+` as a space, up to the first `&`, `%` (and, in a
/// name, `=`) or the end; returns where it stopped in both. Writes up to 8 bytes past the
/// returned `o`, which the caller has room for.
#[inline]
fn scan_decoding<const IS_NAME: bool>(
    body: &[u8],
    mut i: usize,
    mut o: usize,
    buf: &mut [u8],
) -> (usize, usize) {
    let eq_sel = if IS_NAME { u64::MAX } else { 0 };
    while i + 8 <= body.len() {
        let w = swar::load(body, i);
        swar::store(buf, o, swar::plus_to_space(w));
        let m = swar::eq(w, b'&') | swar::eq(w, b'%') | (swar::eq(w, b'=') & eq_sel);
        if m != 0 {
            let k = swar::first(m);
            return (i + k, o + k);
        }
        i += 8;
        o += 8;
    }
    while let Some(&b) = body.get(i) {
        if b == b'&' || b == b'%' || (IS_NAME && b == b'=') {
            break;
        }
        buf[o] = if b == b'+' { b' ' } else { b };
        i += 1;
        o += 1;
    }
    (i, o)
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

/// Why a form body was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// A `%` not followed by two hex digits.
    #[error("malformed percent-encoding at byte {offset}")]
    MalformedPercentEncoding {
        /// Byte offset of the `%` in the body.
        offset: usize,
    },
    /// A name or value is not UTF-8 once decoded.
    #[error("a name or value is not valid UTF-8 once decoded")]
    NotUtf8,
    /// More parameters than the verifier accepts.
    #[error("more than {limit} parameters")]
    TooManyParams {
        /// The limit.
        limit: usize,
    },
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
