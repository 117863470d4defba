//! `application/x-www-form-urlencoded` bodies, parsed in place.
//!
//! Each name and value is kept as a span of the body plus a flag saying whether it needs
//! percent-decoding; decoding happens only while comparing (rare: names seldom need it) and
//! while streaming into the sink. So a typical Twilio payload is parsed, sorted and hashed
//! without a heap allocation.

use core::cmp::Ordering;

use super::Sink;
use crate::error::FormError;

/// Parameters kept on the stack; larger forms spill to the heap.
const INLINE: usize = 64;
/// Span flag: the piece holds a `+` (decodes to a space).
const PLUS: u32 = 1 << 31;
/// Span flag: the piece holds a `%XX` escape.
const PERCENT: u32 = 1 << 30;
const LEN_MASK: u32 = PERCENT - 1;
/// Largest body whose offsets fit a span (1 GiB); far above any sane webhook limit.
pub(crate) const MAX_BODY: usize = LEN_MASK as usize;

/// A name or value: `start` into the body, length and flags packed in `len`.
#[derive(Clone, Copy, Default)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn raw<'a>(&self, body: &'a [u8]) -> &'a [u8] {
        let start = self.start as usize;
        &body[start..start + (self.len & LEN_MASK) as usize]
    }

    fn encoded(&self) -> bool {
        self.len & (PLUS | PERCENT) != 0
    }
}

#[derive(Clone, Copy, Default)]
struct Pair {
    /// The first eight decoded bytes of the name, big-endian: most comparisons while
    /// sorting end on this integer without touching the body.
    key: u64,
    name: Span,
    value: Span,
}

// Inline on purpose: the stack array is what keeps typical payloads allocation-free.
#[allow(clippy::large_enum_variant)]
enum Pairs {
    Inline([Pair; INLINE], usize),
    Heap(Vec<Pair>),
}

impl Pairs {
    fn push(&mut self, p: Pair) {
        match self {
            Pairs::Inline(arr, len) if *len < INLINE => {
                arr[*len] = p;
                *len += 1;
            }
            Pairs::Inline(arr, len) => {
                let mut v = Vec::with_capacity(2 * INLINE);
                v.extend_from_slice(&arr[..*len]);
                v.push(p);
                *self = Pairs::Heap(v);
            }
            Pairs::Heap(v) => v.push(p),
        }
    }

    fn as_mut_slice(&mut self) -> &mut [Pair] {
        match self {
            Pairs::Inline(arr, len) => &mut arr[..*len],
            Pairs::Heap(v) => v,
        }
    }

    fn as_slice(&self) -> &[Pair] {
        match self {
            Pairs::Inline(arr, len) => &arr[..*len],
            Pairs::Heap(v) => v,
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
}

impl<'a> FormParams<'a> {
    /// Parses, validates and sorts `body`.
    pub fn parse(body: &'a [u8]) -> Result<Self, FormError> {
        Self::parse_with_limit(body, usize::MAX)
    }

    /// As [`FormParams::parse`], refusing more than `max_params` parameters.
    pub fn parse_with_limit(body: &'a [u8], max_params: usize) -> Result<Self, FormError> {
        if body.len() > MAX_BODY {
            return Err(FormError::TooManyParams { limit: max_params });
        }
        // Raw bytes must be UTF-8; escapes are checked once decoded, below. A multi-byte
        // character cannot straddle '&' or '=', so this covers every unescaped run.
        core::str::from_utf8(body).map_err(|_| FormError::NotUtf8)?;
        let mut pairs = Pairs::Inline([Pair::default(); INLINE], 0);
        let mut count = 0usize;
        let mut start = 0usize;
        while start <= body.len() {
            let end = body[start..]
                .iter()
                .position(|&b| b == b'&')
                .map_or(body.len(), |p| start + p);
            if end > start {
                count += 1;
                if count > max_params {
                    return Err(FormError::TooManyParams { limit: max_params });
                }
                pairs.push(parse_pair(body, start, end)?);
            }
            start = end + 1;
        }
        // Stable order is irrelevant: equal pairs are byte-identical once decoded.
        pairs
            .as_mut_slice()
            .sort_unstable_by(|a, b| cmp_pair(body, a, b));
        Ok(FormParams { body, pairs })
    }

    /// Number of parameters (repeats included).
    pub fn len(&self) -> usize {
        self.pairs.as_slice().len()
    }

    /// Whether the form has no parameters.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes `name` + `value` for every distinct pair, in canonical order, decoded.
    pub fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) {
        let mut prev: Option<&Pair> = None;
        for p in self.pairs.as_slice() {
            // Sorted, so exact duplicates are adjacent; the signer counts them once.
            if prev.is_some_and(|q| cmp_pair(self.body, q, p) == Ordering::Equal) {
                continue;
            }
            write_span(self.body, p.name, sink);
            write_span(self.body, p.value, sink);
            prev = Some(p);
        }
    }

    /// The decoded pairs in canonical order (duplicates included), allocating only for
    /// pieces that needed decoding. For logging, typed payloads and tests.
    pub fn iter(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.pairs.as_slice().iter().map(|p| {
            (
                decode_to_string(self.body, p.name),
                decode_to_string(self.body, p.value),
            )
        })
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

fn parse_pair(body: &[u8], start: usize, end: usize) -> Result<Pair, FormError> {
    let seg = &body[start..end];
    let eq = seg.iter().position(|&b| b == b'=').unwrap_or(seg.len());
    let name = span(body, start, start + eq)?;
    // A segment without '=' is a name with an empty value (as form_urlencoded and Django do).
    let value = if eq < seg.len() {
        span(body, start + eq + 1, end)?
    } else {
        Span {
            start: end as u32,
            len: 0,
        }
    };
    Ok(Pair {
        key: sort_key(body, name),
        name,
        value,
    })
}

fn span(body: &[u8], start: usize, end: usize) -> Result<Span, FormError> {
    let mut flags = 0;
    let raw = &body[start..end];
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => flags |= PLUS,
            b'%' => {
                if i + 2 >= raw.len()
                    || !(raw[i + 1].is_ascii_hexdigit() && raw[i + 2].is_ascii_hexdigit())
                {
                    return Err(FormError::MalformedPercentEncoding { offset: start + i });
                }
                flags |= PERCENT;
                i += 2;
            }
            _ => {}
        }
        i += 1;
    }
    let s = Span {
        start: start as u32,
        len: (end - start) as u32 | flags,
    };
    if flags & PERCENT != 0 && !decoded_is_utf8(s.raw(body)) {
        return Err(FormError::NotUtf8);
    }
    Ok(s)
}

fn sort_key(body: &[u8], name: Span) -> u64 {
    let mut key = [0u8; 8];
    if name.encoded() {
        for (k, b) in key.iter_mut().zip(Decode::new(name.raw(body))) {
            *k = b;
        }
    } else {
        let raw = name.raw(body);
        let n = raw.len().min(8);
        key[..n].copy_from_slice(&raw[..n]);
    }
    u64::from_be_bytes(key)
}

fn cmp_pair(body: &[u8], a: &Pair, b: &Pair) -> Ordering {
    a.key
        .cmp(&b.key)
        .then_with(|| cmp_span(body, a.name, b.name))
        .then_with(|| cmp_span(body, a.value, b.value))
}

fn cmp_span(body: &[u8], a: Span, b: Span) -> Ordering {
    if a.encoded() || b.encoded() {
        Decode::new(a.raw(body)).cmp(Decode::new(b.raw(body)))
    } else {
        a.raw(body).cmp(b.raw(body))
    }
}

fn write_span<S: Sink + ?Sized>(body: &[u8], s: Span, sink: &mut S) {
    let raw = s.raw(body);
    if !s.encoded() {
        sink.write(raw);
        return;
    }
    // Decode through a small stack buffer: one sink call per 128 bytes, not per escape.
    let mut buf = [0u8; 128];
    let mut n = 0;
    for b in Decode::new(raw) {
        buf[n] = b;
        n += 1;
        if n == buf.len() {
            sink.write(&buf);
            n = 0;
        }
    }
    sink.write(&buf[..n]);
}

fn decode_to_string(body: &[u8], s: Span) -> String {
    let bytes: Vec<u8> = Decode::new(s.raw(body)).collect();
    // Validated at parse time; lossy conversion only guards the impossible case.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Checks that the decoded bytes of `raw` are UTF-8, without allocating: decoded bytes go
/// through a stack buffer, carrying an incomplete character over to the next chunk.
fn decoded_is_utf8(raw: &[u8]) -> bool {
    let mut buf = [0u8; 128];
    let mut n = 0;
    for b in Decode::new(raw) {
        buf[n] = b;
        n += 1;
        if n == buf.len() {
            match core::str::from_utf8(&buf) {
                Ok(_) => n = 0,
                // An incomplete character at the end: keep its bytes for the next chunk.
                Err(e) if e.error_len().is_none() => {
                    let valid = e.valid_up_to();
                    buf.copy_within(valid.., 0);
                    n = buf.len() - valid;
                }
                Err(_) => return false,
            }
        }
    }
    core::str::from_utf8(&buf[..n]).is_ok()
}

/// The decoded bytes of a raw piece: `+` is a space, `%XX` a byte.
struct Decode<'a> {
    raw: &'a [u8],
    i: usize,
}

impl<'a> Decode<'a> {
    fn new(raw: &'a [u8]) -> Self {
        Decode { raw, i: 0 }
    }
}

impl Iterator for Decode<'_> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        let b = *self.raw.get(self.i)?;
        self.i += 1;
        Some(match b {
            b'+' => b' ',
            b'%' => match (self.raw.get(self.i), self.raw.get(self.i + 1)) {
                (Some(&h), Some(&l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                    self.i += 2;
                    hex_val(h) << 4 | hex_val(l)
                }
                // Unreachable after validation; kept literal rather than panicking.
                _ => b'%',
            },
            other => other,
        })
    }
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b.wrapping_sub(b'A').wrapping_add(10) & 0x0f,
    }
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
}
