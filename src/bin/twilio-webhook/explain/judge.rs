//! Recomputes signatures for a candidate URL and reading of the body, and compares them
//! with what the request carried: the signature itself, or the attempt log's fingerprint.

use twilio_webhook::url::{candidates, UrlVariant};
use twilio_webhook::{body_sha256_hex, canonical::canonical_string, compute_signature_with};
use twilio_webhook::{Algorithm, Secret};

/// How the body enters the signed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reading {
    /// A form: its decoded parameters follow the URL.
    Form(Vec<(String, String)>),
    /// JSON, another raw body, or none: the URL alone is signed.
    UrlOnly,
}

/// What the request carried to compare against.
#[derive(Debug, Clone)]
pub(crate) enum Evidence {
    Signature(String),
    /// `sha256:` and the first 12 hex digits of the SHA-256 of the header value.
    Fingerprint(String),
}

/// The fingerprint the attempt log keeps of an `X-Twilio-Signature` value.
pub(crate) fn fingerprint(signature: &str) -> String {
    format!("sha256:{}", &body_sha256_hex(signature.as_bytes())[..12])
}

pub(crate) struct Judge<'a> {
    pub(crate) secret: &'a Secret,
    pub(crate) algorithm: Algorithm,
    pub(crate) evidence: Evidence,
}

impl Judge<'_> {
    fn signature(&self, url: &str, reading: &Reading) -> String {
        let none: &[(String, String)] = &[];
        let params = match reading {
            Reading::Form(p) => &p[..],
            Reading::UrlOnly => none,
        };
        compute_signature_with(
            self.algorithm,
            url,
            params.iter().map(|(k, v)| (k, v)),
            self.secret.expose(),
        )
    }

    fn matches(&self, computed: &str) -> bool {
        match &self.evidence {
            Evidence::Signature(s) => s == computed,
            Evidence::Fingerprint(f) => fingerprint(computed).eq_ignore_ascii_case(f),
        }
    }

    /// The port variant of `url` whose signature is the one carried, if any.
    pub(crate) fn matching_variant(&self, url: &str, reading: &Reading) -> Option<UrlVariant> {
        let c = candidates(url).ok()?;
        let found = c
            .iter()
            .find(|c| self.matches(&self.signature(&c.to_text(), reading)));
        found.map(|c| c.variant)
    }

    /// Each port variant's signed text, the key withheld, and its signature's fingerprint.
    pub(crate) fn signed_texts(
        &self,
        url: &str,
        reading: &Reading,
    ) -> Vec<(UrlVariant, String, String)> {
        let Ok(c) = candidates(url) else {
            return Vec::new();
        };
        c.iter()
            .map(|c| {
                let text = c.to_text();
                let signed = match reading {
                    Reading::Form(p) => canonical_string(&text, p.iter().map(|(k, v)| (k, v))),
                    Reading::UrlOnly => text.clone(),
                };
                (
                    c.variant,
                    signed,
                    fingerprint(&self.signature(&text, reading)),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_shape() {
        let f = fingerprint("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        assert_eq!(f.len(), "sha256:".len() + 12);
        assert_eq!(
            f,
            format!(
                "sha256:{}",
                &body_sha256_hex(b"RSOYDt4T1cUTdK1PDd93/VVr8B8=")[..12]
            )
        );
    }
}
