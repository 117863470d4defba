//! Already-decoded parameters (from a framework's form extractor or a test), sorted.

use super::Sink;

/// Decoded `(name, value)` pairs in canonical order: sorted by name, then value, exact
/// duplicates dropped.
///
/// ```
/// use twilio_webhook::canonical::SortedParams;
/// let p = SortedParams::new([("b", "2"), ("a", "1"), ("b", "2")]);
/// let mut out = Vec::new();
/// p.write_to(&mut out);
/// assert_eq!(out, b"a1b2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SortedParams<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> SortedParams<'a> {
    /// Sorts and deduplicates `pairs`.
    pub fn new(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut pairs: Vec<_> = pairs.into_iter().collect();
        // Byte order of the UTF-8 text, which is what str's Ord is.
        pairs.sort_unstable();
        // Twilio's signer iterates a set of values per name: exact repeats count once.
        pairs.dedup();
        SortedParams { pairs }
    }

    /// Number of distinct pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Writes `name` + `value` for every pair, in order.
    pub fn write_to<S: Sink + ?Sized>(&self, sink: &mut S) {
        for (name, value) in &self.pairs {
            sink.write(name.as_bytes());
            sink.write(value.as_bytes());
        }
    }
}

impl core::fmt::Debug for SortedParams<'_> {
    // Values may be personal data (message bodies, phone numbers): show only the names.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.pairs.iter().map(|(n, _)| n))
            .finish()
    }
}
