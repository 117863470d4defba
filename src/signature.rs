//! HMAC keys, the `X-Twilio-Signature` value, and the constant-time comparison.

use core::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::canonical::Sink;

/// The MAC a request is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1 keyed with the Auth Token: every classic Twilio webhook.
    HmacSha1,
    /// HMAC-SHA256 keyed with a SharedKey secret (Twilio Webhooks API).
    HmacSha256,
}

impl Algorithm {
    /// The name Twilio uses in `X-Twilio-Webhooks-Signature-Settings`.
    ///
    /// ```
    /// assert_eq!(twilio_webhook::Algorithm::HmacSha256.as_str(), "HMAC_SHA256");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "HMAC_SHA1",
            Algorithm::HmacSha256 => "HMAC_SHA256",
        }
    }

    /// Bytes in a MAC of this algorithm.
    fn mac_len(self) -> usize {
        match self {
            Algorithm::HmacSha1 => 20,
            Algorithm::HmacSha256 => 32,
        }
    }

    /// Characters in the padded base64 of a MAC of this algorithm.
    fn base64_len(self) -> usize {
        self.mac_len().div_ceil(3) * 4
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secret keyed once for both algorithms: HMAC's inner and outer pads are hashed here,
/// and each verification clones the state instead of re-keying.
#[derive(Clone)]
pub(crate) struct KeyedMac {
    sha1: Hmac<Sha1>,
    sha256: Hmac<Sha256>,
}

impl KeyedMac {
    #[allow(clippy::expect_used)] // HMAC accepts keys of any length: these cannot fail.
    pub(crate) fn new(secret: &[u8]) -> Self {
        KeyedMac {
            sha1: <Hmac<Sha1> as Mac>::new_from_slice(secret).expect("HMAC takes any key length"),
            sha256: <Hmac<Sha256> as Mac>::new_from_slice(secret)
                .expect("HMAC takes any key length"),
        }
    }

    pub(crate) fn begin(&self, algorithm: Algorithm) -> MacState {
        match algorithm {
            Algorithm::HmacSha1 => MacState::Sha1(self.sha1.clone()),
            Algorithm::HmacSha256 => MacState::Sha256(self.sha256.clone()),
        }
    }
}

/// A MAC being fed the canonical stream.
pub(crate) enum MacState {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
}

impl Sink for MacState {
    fn write(&mut self, bytes: &[u8]) {
        match self {
            MacState::Sha1(m) => m.update(bytes),
            MacState::Sha256(m) => m.update(bytes),
        }
    }
}

impl MacState {
    /// Compares the MAC with `expected` in constant time. The MAC never leaves this function.
    pub(crate) fn matches(self, expected: &ExpectedSignature) -> bool {
        let ok = match self {
            MacState::Sha1(m) => m.finalize().into_bytes().ct_eq(expected.bytes()),
            MacState::Sha256(m) => m.finalize().into_bytes().ct_eq(expected.bytes()),
        };
        ok.into()
    }

    /// The MAC as Twilio's base64 text (for signing, never for comparing).
    pub(crate) fn into_base64(self) -> String {
        match self {
            MacState::Sha1(m) => STANDARD.encode(m.finalize().into_bytes()),
            MacState::Sha256(m) => STANDARD.encode(m.finalize().into_bytes()),
        }
    }
}

/// A decoded `X-Twilio-Signature`: the raw MAC bytes the sender claims.
#[derive(Clone)]
pub(crate) struct ExpectedSignature {
    buf: [u8; MAX_MAC],
    len: usize,
}

/// Bytes in the longest MAC (HMAC-SHA256).
const MAX_MAC: usize = 32;

/// Each byte's value as a digit of standard base64, or `0xFF` if it is not one.
// Built at compile time: `i < 64` and every index below 256.
#[allow(clippy::cast_possible_truncation, clippy::indexing_slicing)]
const BASE64: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

impl ExpectedSignature {
    /// Decodes the header for `algorithm`: exact length, canonical padded base64.
    ///
    /// Both MACs are `3k + 2` bytes long, so their base64 is `4k` digits, then three digits
    /// whose last two bits are zero, then one `=`: that shape is decoded directly, without
    /// a general decoder's set-up. (It accepts exactly what the `base64` crate's padded
    /// standard engine accepts at these lengths; a test compares the two.)
    pub(crate) fn decode(header: &str, algorithm: Algorithm) -> Result<Self, SignatureFormatError> {
        if header.is_empty() {
            return Err(SignatureFormatError::Empty);
        }
        let expected = algorithm.base64_len();
        if header.len() != expected {
            return Err(SignatureFormatError::WrongLength {
                expected,
                actual: header.len(),
            });
        }
        let len = algorithm.mac_len();
        let mut buf = [0u8; MAX_MAC];
        let (Some(text), Some(out)) = (header.as_bytes().split_last(), buf.get_mut(..len)) else {
            return Err(SignatureFormatError::NotBase64);
        };
        let (&pad, digits) = text;
        // OR of every digit's value: 0xFF marks a byte outside the alphabet.
        let mut bad = u8::from(pad != b'=');
        let mut quads = digits.chunks_exact(4);
        let mut triples = out.chunks_exact_mut(3);
        for (quad, triple) in (&mut quads).zip(&mut triples) {
            let mut n = 0u32;
            for &c in quad {
                let d = digit(c);
                bad |= d >> 7;
                n = n << 6 | u32::from(d);
            }
            triple.copy_from_slice(&n.to_be_bytes()[1..]);
        }
        let (rest, last) = (quads.remainder(), triples.into_remainder());
        let mut n = 0u32;
        for &c in rest {
            let d = digit(c);
            bad |= d >> 7;
            n = n << 6 | u32::from(d);
        }
        // Three digits, 18 bits, for two bytes: the two bits left over must be zero.
        bad |= u8::from(n & 0b11 != 0 || rest.len() != 3 || last.len() != 2);
        if let Some(last) = last.first_chunk_mut::<2>() {
            let [_, _, high, low] = (n >> 2).to_be_bytes();
            *last = [high, low];
        }
        if bad != 0 {
            return Err(SignatureFormatError::NotBase64);
        }
        Ok(ExpectedSignature { buf, len })
    }

    fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// The value of the base64 digit `c`, or `0xFF`.
#[inline(always)]
#[allow(clippy::indexing_slicing)] // A `u8` indexes a 256-entry table.
fn digit(c: u8) -> u8 {
    BASE64[usize::from(c)]
}

impl fmt::Debug for ExpectedSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExpectedSignature(***)")
    }
}

/// Why an `X-Twilio-Signature` value is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureFormatError {
    /// The header is empty.
    #[error("empty")]
    Empty,
    /// The header has the wrong number of characters for the algorithm.
    #[error("expected {expected} base64 characters, got {actual}")]
    WrongLength {
        /// Characters a signature of this algorithm has.
        expected: usize,
        /// Characters received.
        actual: usize,
    },
    /// The header is not canonical, padded standard base64.
    #[error("not valid base64")]
    NotBase64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_checks_shape() {
        let a = Algorithm::HmacSha1;
        assert!(ExpectedSignature::decode("RSOYDt4T1cUTdK1PDd93/VVr8B8=", a).is_ok());
        assert_eq!(
            ExpectedSignature::decode("", a).unwrap_err(),
            SignatureFormatError::Empty
        );
        assert_eq!(
            ExpectedSignature::decode("RSOYDt4T1cUTdK1PDd93/VVr8B8", a).unwrap_err(),
            SignatureFormatError::WrongLength {
                expected: 28,
                actual: 27
            }
        );
        assert_eq!(
            ExpectedSignature::decode("RSOYDt4T1cUTdK1PDd93/VVr8B!=", a).unwrap_err(),
            SignatureFormatError::NotBase64
        );
        // Non-canonical trailing bits ('9' instead of '8') are refused, not silently masked.
        assert_eq!(
            ExpectedSignature::decode("RSOYDt4T1cUTdK1PDd93/VVr8B9=", a).unwrap_err(),
            SignatureFormatError::NotBase64
        );
        // 28 characters that decode to 19 bytes ("==" padding) are not a SHA-1 MAC.
        assert_eq!(
            ExpectedSignature::decode("RSOYDt4T1cUTdK1PDd93/VVr8A==", a).unwrap_err(),
            SignatureFormatError::NotBase64
        );
        assert_eq!(Algorithm::HmacSha256.base64_len(), 44);
    }

    /// What `decode` did with the general `base64` decoder: the reference it must match.
    fn reference(header: &str, algorithm: Algorithm) -> Result<Vec<u8>, SignatureFormatError> {
        if header.is_empty() {
            return Err(SignatureFormatError::Empty);
        }
        let expected = algorithm.base64_len();
        if header.len() != expected {
            return Err(SignatureFormatError::WrongLength {
                expected,
                actual: header.len(),
            });
        }
        let mut buf = [0u8; 33];
        let len = STANDARD
            .decode_slice(header.as_bytes(), &mut buf)
            .map_err(|_| SignatureFormatError::NotBase64)?;
        if len != algorithm.mac_len() {
            return Err(SignatureFormatError::NotBase64);
        }
        Ok(buf[..len].to_vec())
    }

    fn agree(header: &str, algorithm: Algorithm) {
        let ours = ExpectedSignature::decode(header, algorithm).map(|s| s.bytes().to_vec());
        assert_eq!(ours, reference(header, algorithm), "{header:?} {algorithm}");
    }

    const ALGORITHMS: [Algorithm; 2] = [Algorithm::HmacSha1, Algorithm::HmacSha256];

    #[test]
    fn decodes_as_the_base64_crate_does_every_byte_at_every_position() {
        for algorithm in ALGORITHMS {
            for seed in 0..4u8 {
                let mac: Vec<u8> = (0..u8::try_from(algorithm.mac_len()).unwrap())
                    .map(|i| i.wrapping_mul(37).wrapping_add(seed.wrapping_mul(101)))
                    .collect();
                let good = STANDARD.encode(&mac);
                agree(&good, algorithm);
                for at in 0..good.len() {
                    for b in 0..=127u8 {
                        let mut bytes = good.clone().into_bytes();
                        bytes[at] = b;
                        agree(core::str::from_utf8(&bytes).unwrap(), algorithm);
                    }
                    // A two-byte character in place of one digit: one byte too many.
                    let (head, tail) = good.split_at(at);
                    agree(&format!("{head}\u{e9}{}", &tail[1..]), algorithm);
                    agree(&format!("{head}{}", &tail[1..]), algorithm);
                    agree(&format!("{head}A{tail}"), algorithm);
                }
                // Every value of the last digit (its trailing bits), and "==" padding.
                let stem = &good[..good.len() - 2];
                for c in B64.iter().chain(b"=") {
                    agree(&format!("{stem}{}=", *c as char), algorithm);
                    agree(&format!("{stem}{}A", *c as char), algorithm);
                }
                agree(&format!("{}==", &good[..good.len() - 2]), algorithm);
            }
        }
    }

    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    proptest::proptest! {
        #[test]
        fn decodes_as_the_base64_crate_does(
            header in "[A-Za-z0-9+/=_\\-]{26,46}|[A-Za-z0-9+/]{27}=|[A-Za-z0-9+/]{43}=|\\PC{0,45}",
        ) {
            for algorithm in ALGORITHMS {
                agree(&header, algorithm);
            }
        }
    }
}
