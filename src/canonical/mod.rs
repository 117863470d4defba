//! The signed byte stream: the URL followed by every POST parameter as `name` + `value`,
//! sorted by name in byte order, a repeated name contributing each of its values sorted in
//! byte order with exact duplicates dropped (as twilio-python, twilio-node and twilio-php do).
//!
//! Nothing here builds the concatenated string on the hot path: parameters are parsed into
//! borrowed spans of the body, sorted as indices, and streamed into a [`Sink`] (a MAC, or a
//! `Vec<u8>` when you want to see the bytes).
//!
//! ```
//! use twilio_webhook::canonical::{canonical_string, FormParams};
//!
//! let text = canonical_string("https://example.com/x", [("To", "+1"), ("Body", "hi")]);
//! assert_eq!(text, "https://example.com/xBodyhiTo+1");
//!
//! let form = FormParams::parse(b"To=%2B1&Body=hi").unwrap();
//! let mut bytes = b"https://example.com/x".to_vec();
//! form.write_to(&mut bytes);
//! assert_eq!(bytes, text.as_bytes());
//! ```

mod classify;
mod form;
mod params;
pub(crate) mod scratch;
pub(crate) mod swar;

pub use form::{FormError, FormParams};
pub use params::SortedParams;

/// Where the canonical byte stream goes: a MAC, a hasher, or a buffer.
pub trait Sink {
    /// Appends `bytes` to the stream.
    fn write(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Writes the signed text for `url` and already-decoded `params` into `sink`: the URL,
/// then the parameters in canonical order. Used to sign ([`crate::compute_twilio_signature`])
/// and to show the text ([`canonical_string`]).
///
/// ```
/// let mut out = Vec::new();
/// twilio_webhook::canonical::write_canonical("https://h/x", [("b", "2"), ("a", "1")], &mut out);
/// assert_eq!(out, b"https://h/xa1b2");
/// ```
pub fn write_canonical<I, K, V, S>(url: &str, params: I, sink: &mut S)
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
    S: Sink + ?Sized,
{
    let owned: Vec<(K, V)> = params.into_iter().collect();
    let sorted = SortedParams::new(owned.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
    sink.write(url.as_bytes());
    sorted.write_to(sink);
}

/// The full signed text for `url` and already-decoded `params`, as one `String`.
///
/// For debugging; verification streams instead.
///
/// ```
/// let s = twilio_webhook::canonical::canonical_string(
///     "https://h/x",
///     [("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")],
/// );
/// assert_eq!(s, "https://h/xDigits1234Digits5678");
/// ```
pub fn canonical_string<I, K, V>(url: &str, params: I) -> String
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut out = Vec::new();
    write_canonical(url, params, &mut out);
    // Every piece written was a &str, so the concatenation is UTF-8.
    String::from_utf8(out).unwrap_or_default()
}
