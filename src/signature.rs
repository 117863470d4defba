// lint exceptions pending the parser rewrite (issue #15)
#![allow(clippy::indexing_slicing, clippy::expect_used)]
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
    pub(crate) fn new(secret: &[u8]) -> Self {
        KeyedMac {
            // HMAC accepts keys of any length; these constructors cannot fail.
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
    buf: [u8; 33],
    len: usize,
}

impl ExpectedSignature {
    /// Decodes the header for `algorithm`: exact length, canonical padded base64.
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
        let mut buf = [0u8; 33];
        let len = STANDARD
            .decode_slice(header.as_bytes(), &mut buf)
            .map_err(|_| SignatureFormatError::NotBase64)?;
        if len != algorithm.mac_len() {
            return Err(SignatureFormatError::NotBase64);
        }
        Ok(ExpectedSignature { buf, len })
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
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
}
