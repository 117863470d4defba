//! `X-Twilio-Webhooks-Signature-Settings: key=<SharedKey id>,algorithm=HMAC_SHA256`.
//!
//! Parsed as twilio-python 9.13 does (comma-separated `name=value`, names and values
//! trimmed, the algorithm case-insensitive, unknown names ignored for forward
//! compatibility), but stricter where it would guess: contradictory repeats are refused.

use crate::error::Error;
use crate::signature::Algorithm;

/// What the settings header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureSettings<'a> {
    /// The SharedKey id (`key=`), or `None` for the account's Auth Token.
    pub key_id: Option<&'a str>,
    /// The MAC algorithm (`algorithm=`), HMAC-SHA1 when absent.
    pub algorithm: Algorithm,
}

impl Default for SignatureSettings<'_> {
    fn default() -> Self {
        SignatureSettings {
            key_id: None,
            algorithm: Algorithm::HmacSha1,
        }
    }
}

impl<'a> SignatureSettings<'a> {
    /// Parses the header; `None` (header absent) means HMAC-SHA1 with the Auth Token.
    ///
    /// ```
    /// use twilio_webhook::{Algorithm, Error, SignatureSettings};
    /// let s = SignatureSettings::parse(Some("key=KS1, algorithm=hmac_sha256")).unwrap();
    /// assert_eq!((s.key_id, s.algorithm), (Some("KS1"), Algorithm::HmacSha256));
    /// assert_eq!(SignatureSettings::parse(None).unwrap(), SignatureSettings::default());
    /// assert_eq!(SignatureSettings::parse(Some("algorithm=MD5")), Err(Error::UnsupportedAlgorithm));
    /// ```
    pub fn parse(header: Option<&'a str>) -> Result<Self, Error> {
        let mut out = SignatureSettings::default();
        let Some(header) = header else {
            return Ok(out);
        };
        let mut algorithm: Option<&str> = None;
        for part in header.split(',') {
            let Some((name, value)) = part.split_once('=') else {
                if part.trim().is_empty() {
                    continue;
                }
                return Err(Error::MalformedSignatureSettings);
            };
            let (name, value) = (name.trim(), value.trim());
            let slot = match name {
                "key" => &mut out.key_id,
                "algorithm" => &mut algorithm,
                _ => continue,
            };
            if value.is_empty() || slot.is_some_and(|v| v != value) {
                return Err(Error::MalformedSignatureSettings);
            }
            *slot = Some(value);
        }
        out.algorithm = match algorithm {
            None => Algorithm::HmacSha1,
            Some(a) if a.eq_ignore_ascii_case("HMAC_SHA1") => Algorithm::HmacSha1,
            Some(a) if a.eq_ignore_ascii_case("HMAC_SHA256") => Algorithm::HmacSha256,
            Some(_) => return Err(Error::UnsupportedAlgorithm),
        };
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_twilio_python_but_strictly() {
        let p = |h| SignatureSettings::parse(Some(h));
        assert_eq!(p("").unwrap(), SignatureSettings::default());
        assert_eq!(p("key=KS1").unwrap().key_id, Some("KS1"));
        assert_eq!(p("key=KS1").unwrap().algorithm, Algorithm::HmacSha1);
        assert_eq!(
            p("algorithm=HMAC_SHA1,future=x").unwrap().algorithm,
            Algorithm::HmacSha1
        );
        assert_eq!(p("key=a,key=a").unwrap().key_id, Some("a"));
        assert_eq!(p("key=a,key=b"), Err(Error::MalformedSignatureSettings));
        assert_eq!(p("key="), Err(Error::MalformedSignatureSettings));
        assert_eq!(p("garbage"), Err(Error::MalformedSignatureSettings));
        assert_eq!(p("algorithm=HMAC_SHA512"), Err(Error::UnsupportedAlgorithm));
    }
}
