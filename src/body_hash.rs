//! The `bodySHA256` scheme for JSON and other non-form bodies: Twilio appends
//! `bodySHA256=<lowercase hex SHA-256 of the raw body>` to the URL and signs the URL alone.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::Error;

/// The lowercase hex SHA-256 of `body`, as Twilio puts it in `bodySHA256`.
///
/// ```
/// assert_eq!(
///     twilio_webhook::body_sha256_hex(b"{}"),
///     "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
/// );
/// ```
pub fn body_sha256_hex(body: &[u8]) -> String {
    hex_lower(&Sha256::digest(body))
}

/// `bytes` in lowercase hex.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let digit = |n: u8| char::from(DIGITS.get(usize::from(n & 0xf)).copied().unwrap_or(b'0'));
    let mut out = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        out.push(digit(b >> 4));
        out.push(digit(b));
    }
    out
}

/// The first `bodySHA256` value in the URL's query, if any (as twilio-python reads it).
pub(crate) fn find_in_url(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    let (_, query) = url.split_once('?')?;
    let query = query.split('#').next().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "bodySHA256")
        .map(|(_, value)| value)
}

/// Checks `body` against the signed hex digest, in constant time.
pub(crate) fn check(signed_hex: &str, body: &[u8]) -> Result<(), Error> {
    let expected = decode_lower_hex(signed_hex).ok_or(Error::MalformedBodyHash)?;
    let actual = Sha256::digest(body);
    if bool::from(actual.as_slice().ct_eq(&expected)) {
        Ok(())
    } else {
        Err(Error::BodyHashMismatch)
    }
}

/// 64 lowercase hex digits to 32 bytes. Hand-written (a dozen lines) to keep the core's
/// dependency list to the RustCrypto crates; only lowercase, as Twilio sends and as the
/// official helpers compare.
fn decode_lower_hex(s: &str) -> Option<[u8; 32]> {
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (o, [hi, lo]) in out.iter_mut().zip(s.as_chunks::<2>().0) {
        *o = nibble(*hi)? << 4 | nibble(*lo)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_first_value_and_checks_it() {
        let h = body_sha256_hex(b"{}");
        let url = format!("https://h/x?a=1&bodySHA256={h}&bodySHA256=00#frag");
        assert_eq!(find_in_url(&url).as_deref(), Some(h.as_str()));
        assert_eq!(find_in_url("https://h/x?a=1"), None);
        assert_eq!(find_in_url("https://h/x#bodySHA256=1"), None);
        assert_eq!(check(&h, b"{}"), Ok(()));
        assert_eq!(check(&h, b"{ }"), Err(Error::BodyHashMismatch));
        assert_eq!(
            check(&h.to_uppercase(), b"{}"),
            Err(Error::MalformedBodyHash)
        );
        assert_eq!(check("abc", b"{}"), Err(Error::MalformedBodyHash));
    }
}
