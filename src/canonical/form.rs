//! `application/x-www-form-urlencoded` bodies, parsed in place.
//!
//! One pass over the body, guided by the bitmasks of [`super::classify`], splits it into
//! names and values, checks every `%XX`, and decodes each piece that needs it, once, into a
//! scratch buffer. A piece that needs no decoding stays a span of the body. Sorting,
//! deduplication and streaming then work on plain byte slices. A typical Twilio payload
//! (up to 64 parameters, a few KiB of escaped text) is parsed, sorted and hashed without a
//! heap allocation.
//!
//! UTF-8 is checked twice per body at most, each time in one call: the raw body only if it
//! has a byte `>= 0x80`, and the decoded text only if an escape produced one (every decoded
//! piece is then valid on its own because their concatenation is valid and each starts on
//! a character boundary).

use core::cmp::Ordering;

use super::classify::{self, BLOCK};
use super::{swar, Sink};

/// Parameters kept on the stack; larger forms spill to the heap.
const INLINE_PAIRS: usize = 64;
/// Decoded bytes kept on the stack (the escaped pieces of a WhatsApp message take ~500).
const INLINE_SCRATCH: usize = 2048;
/// Room past the decoded bytes for the word-wide copies of [`copy_run`].
const SLACK: usize = 8;
/// Span flag: the bytes are in the scratch buffer (decoded), not in the body.
const DECODED: u32 = 1 << 31;
const LEN_MASK: u32 = (1 << 30) - 1;
/// Largest body whose offsets fit a span (1 GiB); far above any sane webhook limit.
pub(crate) const MAX_BODY: usize = LEN_MASK as usize;

/// An offset or length of a body of at most [`MAX_BODY`] bytes (checked before parsing).
#[inline(always)]
fn narrow(x: usize) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// A name or value: `start` into the body or the scratch buffer, length and flag in `len`.
#[derive(Clone, Copy, Default)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    #[inline(always)]
    fn new(start: usize, end: usize, decoded: bool) -> Self {
        Span {
            start: narrow(start),
            len: narrow(end - start) | if decoded { DECODED } else { 0 },
        }
    }

    /// The buffer the span is in, from its start to the buffer's end.
    #[inline]
    fn tail<'s>(self, body: &'s [u8], scratch: &'s [u8]) -> &'s [u8] {
        let from = if self.len & DECODED != 0 {
            scratch
        } else {
            body
        };
        from.get(self.start as usize..).unwrap_or_default()
    }

    #[inline]
    fn get<'s>(self, body: &'s [u8], scratch: &'s [u8]) -> &'s [u8] {
        let from = if self.len & DECODED != 0 {
            scratch
        } else {
            body
        };
        let start = self.start as usize;
        from.get(start..start + (self.len & LEN_MASK) as usize)
            .unwrap_or_default()
    }
}

/// One parameter: four `u32`, kept apart from its sort key. (A 24-byte record with the key
/// inside was slower: shifting records during the sort stalled on store-to-load
/// forwarding.)
#[derive(Clone, Copy, Default)]
struct Rec {
    name: Span,
    value: Span,
}

/// The first eight decoded bytes of a name, big-endian, zero-padded: most comparisons
/// while sorting end on this integer without touching the bytes.
#[inline]
fn sort_key(name: Span, body: &[u8], scratch: &[u8]) -> u64 {
    let len = (name.len & LEN_MASK) as usize;
    // Eight bytes from the name's start, whatever follows it (a shorter name's `=` and
    // value, or the scratch buffer's slack), masked to the name: no call to copy it.
    if let Some(head) = name.tail(body, scratch).first_chunk::<8>() {
        let word = u64::from_be_bytes(*head);
        return match len {
            8.. => word,
            _ => word & !(u64::MAX >> (8 * len)),
        };
    }
    let name = name.get(body, scratch);
    let mut key = [0u8; 8];
    if let Some(dst) = key.get_mut(..name.len()) {
        dst.copy_from_slice(name);
    }
    u64::from_be_bytes(key)
}

/// The parameters: keys and records side by side on the stack up to [`INLINE_PAIRS`],
/// then together on the heap.
struct Pairs {
    keys: [u64; INLINE_PAIRS],
    recs: [Rec; INLINE_PAIRS],
    len: usize,
    heap: Vec<(u64, Rec)>,
}

impl Pairs {
    fn new() -> Self {
        Pairs {
            keys: [0; INLINE_PAIRS],
            recs: [Rec::default(); INLINE_PAIRS],
            len: 0,
            heap: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, key: u64, name: Span, value: Span) {
        match (self.keys.get_mut(self.len), self.recs.get_mut(self.len)) {
            (Some(k), Some(r)) => {
                *k = key;
                // Field by field: a `Rec` built first and then copied was assembled on the
                // stack from narrower stores and reloaded whole, a store-forwarding stall.
                r.name = name;
                r.value = value;
            }
            _ => self.spill(key, Rec { name, value }),
        }
        self.len += 1;
    }

    #[cold]
    fn spill(&mut self, key: u64, rec: Rec) {
        if self.heap.is_empty() {
            self.heap.reserve(2 * INLINE_PAIRS);
            self.heap
                .extend(self.keys.iter().copied().zip(self.recs.iter().copied()));
        }
        self.heap.push((key, rec));
    }

    fn is_inline(&self) -> bool {
        self.len <= INLINE_PAIRS
    }

    /// Sorts by `cmp` (key, then the name and value bytes).
    fn sort(&mut self, body: &[u8], scratch: &[u8]) {
        // Stable order is irrelevant: equal pairs are byte-identical once decoded.
        if self.is_inline() {
            let n = self.len;
            if let (Some(keys), Some(recs)) = (self.keys.get_mut(..n), self.recs.get_mut(..n)) {
                insertion_sort(keys, recs, |a, b| cmp_bytes(body, scratch, a, b));
            }
        } else {
            self.heap.sort_unstable_by(|(ka, a), (kb, b)| {
                ka.cmp(kb).then_with(|| cmp_bytes(body, scratch, a, b))
            });
        }
    }

    /// The parameters in their current order: keys and records side by side.
    fn iter(&self) -> impl Iterator<Item = (u64, Rec)> + '_ {
        let (keys, recs, heap) = self.parts();
        keys.iter()
            .copied()
            .zip(recs.iter().copied())
            .chain(heap.iter().copied())
    }

    /// The records in their current order.
    fn recs(&self) -> impl Iterator<Item = Rec> + '_ {
        let (_, recs, heap) = self.parts();
        recs.iter().copied().chain(heap.iter().map(|(_, r)| *r))
    }

    /// The inline keys and records, or the heap pairs (the other part empty).
    fn parts(&self) -> (&[u64], &[Rec], &[(u64, Rec)]) {
        if self.is_inline() {
            let n = self.len;
            let keys = self.keys.get(..n).unwrap_or_default();
            (keys, self.recs.get(..n).unwrap_or_default(), &[])
        } else {
            (&[], &[], self.heap.as_slice())
        }
    }
}

/// Orders two parameters with equal keys by their bytes: name, then value.
#[inline(never)]
fn cmp_bytes(body: &[u8], scratch: &[u8], a: &Rec, b: &Rec) -> Ordering {
    a.name
        .get(body, scratch)
        .cmp(b.name.get(body, scratch))
        .then_with(|| a.value.get(body, scratch).cmp(b.value.get(body, scratch)))
}

/// Sorts `keys` and `recs` together, shifting each pair left into place: cheaper than
/// `sort_unstable_by` on a few dozen parameters (no small-sort set-up, and the common
/// comparison is one integer comparison); quadratic, so only for the inline pairs.
#[allow(clippy::indexing_slicing)] // `i < n` and `1 <= j <= i` with `n` the length of both.
fn insertion_sort(keys: &mut [u64], recs: &mut [Rec], mut tie: impl FnMut(&Rec, &Rec) -> Ordering) {
    let n = keys.len().min(recs.len());
    for i in 1..n {
        let (key, rec) = (keys[i], recs[i]);
        let mut j = i;
        while j > 0 {
            let before = keys[j - 1];
            let greater =
                before > key || (before == key && tie(&recs[j - 1], &rec) == Ordering::Greater);
            if !greater {
                break;
            }
            keys[j] = before;
            recs[j] = recs[j - 1];
            j -= 1;
        }
        keys[j] = key;
        recs[j] = rec;
    }
}

/// Decoded pieces: on the stack up to [`INLINE_SCRATCH`] bytes, else one heap buffer.
struct Scratch {
    inline: [u8; INLINE_SCRATCH + SLACK],
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
    /// keeps it in its own stack frame rather than moving it out of a return value.
    pub(crate) fn unparsed(body: &'a [u8]) -> Self {
        FormParams {
            body,
            pairs: Pairs::new(),
            scratch: Scratch {
                inline: [0; INLINE_SCRATCH + SLACK],
                heap: Vec::new(),
            },
        }
    }

    /// Parses, validates and sorts the body given to [`FormParams::unparsed`].
    ///
    /// Errors are those of the first fault in body order, with a body that is not UTF-8
    /// (raw, or once a piece before the fault is decoded) reported as [`FormError::NotUtf8`]
    /// before any other.
    pub(crate) fn fill(&mut self, max_params: usize) -> Result<(), FormError> {
        let body = self.body;
        if body.len() > MAX_BODY {
            return Err(FormError::TooManyParams { limit: max_params });
        }
        let mut parser = Parser {
            body,
            max_params,
            walker: Walker::new(body),
            pairs: &mut self.pairs,
            buf: &mut self.scratch.inline,
            heap: Some(&mut self.scratch.heap),
            out: 0,
            decoded_high: false,
            mid_char: false,
        };
        let parsed = parser.run();
        let utf8 = parser.utf8();
        // A body that is not UTF-8 is reported first, whatever else is wrong with it.
        utf8.and(parsed)?;
        let scratch = self.scratch.bytes();
        self.pairs.sort(body, scratch);
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
        self.each_distinct(|rec| {
            sink.write(rec.name.get(body, scratch));
            sink.write(rec.value.get(body, scratch));
        });
    }

    /// Calls `f` with every distinct pair in canonical order.
    #[inline]
    fn each_distinct(&self, mut f: impl FnMut(Rec)) {
        let (body, scratch) = (self.body, self.scratch.bytes());
        let mut prev: Option<(u64, Rec)> = None;
        for (key, rec) in self.pairs.iter() {
            // Sorted, so exact duplicates are adjacent; the signer counts them once.
            if prev.is_some_and(|(k, p)| {
                k == key && cmp_bytes(body, scratch, &p, &rec) == Ordering::Equal
            }) {
                continue;
            }
            f(rec);
            prev = Some((key, rec));
        }
    }

    /// Calls `f` with every decoded pair in canonical order, repeats included.
    pub(crate) fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        let (body, scratch) = (self.body, self.scratch.bytes());
        for rec in self.pairs.recs() {
            f(rec.name.get(body, scratch), rec.value.get(body, scratch));
        }
    }

    /// The decoded pairs in canonical order (duplicates included). For logging, typed
    /// payloads and tests.
    pub fn iter(&self) -> impl Iterator<Item = (String, String)> + '_ {
        let (body, scratch) = (self.body, self.scratch.bytes());
        // Every piece was checked to be UTF-8 while parsing; lossy never replaces anything.
        let text = |s: Span| String::from_utf8_lossy(s.get(body, scratch)).into_owned();
        self.pairs
            .recs()
            .map(move |rec| (text(rec.name), text(rec.value)))
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

/// The positions of `&`, `=`, `%` and `+` in the body, in order, one block of masks at a
/// time; also whether any classified block has a byte `>= 0x80`.
struct Walker<'b> {
    body: &'b [u8],
    /// Start of the block the masks belong to (a multiple of [`BLOCK`]).
    base: usize,
    events: u64,
    stops: u64,
    /// OR of the high-byte masks of every block classified.
    high: u64,
}

impl<'b> Walker<'b> {
    fn new(body: &'b [u8]) -> Self {
        let m = classify::block_at(body, 0);
        Walker {
            body,
            base: 0,
            events: m.events,
            stops: m.stops,
            high: m.high,
        }
    }

    /// The first `&`, `=`, `%` or (unless `STOPS`) `+` at or after `from`, or the body's
    /// length.
    ///
    /// Calls come with non-decreasing `from`. Blocks that `from` jumps over entirely are
    /// not classified: the caller only jumps over runs of escapes (`%` and hex digits), so
    /// they hold no event and no byte `>= 0x80`.
    #[inline]
    fn next<const STOPS: bool>(&mut self, from: usize) -> usize {
        let mut off = from.wrapping_sub(self.base);
        loop {
            if off < BLOCK {
                let mask = if STOPS { self.stops } else { self.events };
                let m = mask & (u64::MAX << off);
                if m != 0 {
                    return self.base + m.trailing_zeros() as usize;
                }
                self.base += BLOCK;
            } else {
                self.base = from - from % BLOCK;
            }
            if self.base >= self.body.len() {
                (self.events, self.stops) = (0, 0);
                return self.body.len();
            }
            let m = classify::block_at(self.body, self.base);
            (self.events, self.stops) = (m.events, m.stops);
            self.high |= m.high;
            off = from.saturating_sub(self.base);
        }
    }
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
    walker: Walker<'p>,
    pairs: &'p mut Pairs,
    /// Where decoded bytes go: the inline scratch, or the heap once that would overflow.
    buf: &'p mut [u8],
    /// The heap buffer, until it replaces `buf`.
    heap: Option<&'p mut Vec<u8>>,
    /// Bytes of `buf` in use: the decoded pieces so far, back to back.
    out: usize,
    /// Whether an escape decoded to a byte `>= 0x80`.
    decoded_high: bool,
    /// Whether a decoded piece starts with a UTF-8 continuation byte.
    mid_char: bool,
}

impl Parser<'_> {
    fn run(&mut self) -> Result<(), FormError> {
        let body = self.body;
        let mut count = 0usize;
        let mut start = 0usize;
        while let Some(&b) = body.get(start) {
            if b == b'&' {
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
            let key = sort_key(name, body, self.buf);
            self.pairs.push(key, name, value);
            start = end + 1;
        }
        Ok(())
    }

    /// Whether the raw body, and the pieces decoded so far, are UTF-8. Checked once each,
    /// after the parse (and on a parse error, whose report it then takes precedence over).
    fn utf8(&mut self) -> Result<(), FormError> {
        // Blocks never classified hold escapes only; the walk may have stopped early.
        let mut rest = self.walker.base + BLOCK;
        while rest < self.body.len() {
            self.walker.high |= classify::block_at(self.body, rest).high;
            rest += BLOCK;
        }
        let raw_ok = self.walker.high == 0 || simdutf8::basic::from_utf8(self.body).is_ok();
        let decoded = self.buf.get(..self.out).unwrap_or_default();
        let decoded_ok =
            !self.decoded_high || (!self.mid_char && simdutf8::basic::from_utf8(decoded).is_ok());
        if raw_ok && decoded_ok {
            Ok(())
        } else {
            Err(FormError::NotUtf8)
        }
    }

    /// Scans the piece starting at `start` (a name if `IS_NAME`), decoding it into the
    /// scratch buffer if it holds an escape.
    ///
    /// `IS_NAME` is a constant so that each scan is compiled twice, the value one treating
    /// `=` as a plain byte.
    #[inline]
    fn piece<const IS_NAME: bool>(&mut self, start: usize) -> Result<(Span, Stop), FormError> {
        let body = self.body;
        let mut at = self.walker.next::<false>(start);
        loop {
            let stop = match body.get(at) {
                None => Stop::PairEnd(body.len()),
                Some(b'&') => Stop::PairEnd(at),
                Some(b'=') if IS_NAME => Stop::NameEnd(at),
                Some(b'=') => {
                    at = self.walker.next::<false>(at + 1);
                    continue;
                }
                Some(_) => return self.decode::<IS_NAME>(start, at),
            };
            let (Stop::PairEnd(end) | Stop::NameEnd(end)) = stop;
            return Ok((Span::new(start, end, false), stop));
        }
    }

    /// Decodes the piece starting at `start`, whose first `%` or `+` is at `first`.
    #[allow(clippy::indexing_slicing)] // `o` stays below `need`, the room made first (see there).
    fn decode<const IS_NAME: bool>(
        &mut self,
        start: usize,
        first: usize,
    ) -> Result<(Span, Stop), FormError> {
        let body = self.body;
        // Decoded bytes never outnumber raw ones, so the piece's decoded bytes fit in
        // `body.len() - start`; SLACK more for the word-wide copies.
        let need = self.out + (body.len() - start) + SLACK;
        if need > self.buf.len() {
            self.spill(need);
        }
        let out_start = self.out;
        let mut o = copy_run(body, start, first, self.buf, out_start);
        let mut i = first;
        let stop = loop {
            match body.get(i) {
                Some(b'%') => {
                    // Escapes come in runs (`%F0%9F%8C%B5`): decode the whole run here.
                    let mut high = 0u8;
                    while let Some(&[b'%', h, l]) = body.get(i..i + 3) {
                        let Some(byte) = hex_byte(h, l) else { break };
                        self.buf[o] = byte;
                        high |= byte;
                        o += 1;
                        i += 3;
                    }
                    self.decoded_high |= high >= 0x80;
                    if body.get(i) == Some(&b'%') {
                        break Err(FormError::MalformedPercentEncoding { offset: i });
                    }
                }
                Some(b'&') | None => break Ok(Stop::PairEnd(i)),
                Some(b'=') if IS_NAME => break Ok(Stop::NameEnd(i)),
                Some(b'=') => {
                    self.buf[o] = b'=';
                    o += 1;
                    i += 1;
                }
                Some(_) => {
                    // Up to the next `&`, `=` or `%`, turning `+` into a space on the way.
                    let end = self.walker.next::<true>(i);
                    o = copy_run(body, i, end, self.buf, o);
                    i = end;
                }
            }
        };
        let stop = stop?;
        self.out = o;
        self.mid_char |= self.buf[out_start..o]
            .first()
            .is_some_and(|&b| b & 0xC0 == 0x80);
        Ok((Span::new(out_start, o, true), stop))
    }

    /// Moves the scratch buffer to the heap, with room for `need` bytes. Happens at most
    /// once: `need` covers every later piece, since decoding never grows a piece.
    #[cold]
    fn spill(&mut self, need: usize) {
        if let Some(heap) = self.heap.take() {
            heap.reserve_exact(need);
            heap.extend_from_slice(self.buf.get(..self.out).unwrap_or_default());
            heap.resize(need, 0);
            // Offsets stay valid: the bytes so far are copied to the same places.
            self.buf = heap;
        }
    }
}

/// Copies `body[from..to]` to `buf[o..]` with every `+` as a space, eight bytes at a time
/// where the body has them (up to [`SLACK`] bytes past the end are overwritten); returns the
/// end in `buf`.
#[inline]
fn copy_run(body: &[u8], mut from: usize, to: usize, buf: &mut [u8], mut o: usize) -> usize {
    let end = o + (to - from);
    while from < to {
        let src = body.get(from..).and_then(|s| s.first_chunk::<8>());
        let dst = buf.get_mut(o..).and_then(|d| d.first_chunk_mut::<8>());
        match (src, dst) {
            (Some(src), Some(dst)) => {
                *dst = swar::plus_to_space(u64::from_le_bytes(*src)).to_le_bytes();
            }
            _ => {
                // The body's last few bytes: one at a time.
                let (Some(src), Some(dst)) = (body.get(from..to), buf.get_mut(o..end)) else {
                    break;
                };
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = if s == b'+' { b' ' } else { s };
                }
                break;
            }
        }
        from += 8;
        o += 8;
    }
    end
}

/// Each byte's value as a hex digit, or `0xFF` if it is not one.
// Built at compile time: `i < 10` and every index below 256.
#[allow(clippy::cast_possible_truncation, clippy::indexing_slicing)]
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

/// The byte `%hl` encodes, if both are hex digits: two table loads and one test instead of
/// two range matches.
#[inline]
#[allow(clippy::indexing_slicing)] // A `u8` indexes a 256-entry table.
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
        // Decoded pieces are checked together: halves of one character in two pieces are
        // still refused.
        assert_eq!(canon(b"a=%C3&b=%A9"), Err(FormError::NotUtf8));
        assert_eq!(canon(b"a=%C3%A9&b=%C3%A9").unwrap(), "a\u{e9}b\u{e9}");
        // A body that is not UTF-8 is reported before an earlier malformed escape.
        assert_eq!(canon(b"a=%zz&b=\xff"), Err(FormError::NotUtf8));
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
