//! What never leaves the process as received: URL userinfo, credential headers, the
//! received signature (only its fingerprint is reported), and the bodies of refused requests.
//!
//! The rules, applied to every [`Attempt`](crate::report::Attempt) before an
//! [`AttemptLog`](crate::report::AttemptLog) sees it:
//!
//! - **Headers.** A header is replaced by `[redacted]` when its name contains, in any case,
//!   one of [`CREDENTIAL_WORDS`] (`auth`, `token`, `secret`, `key`, `cookie`, `session`,
//!   `password`: `Authorization`, `X-Api-Key`, `X-Session-Id`, `Cookie`, …) or is one of
//!   the [`Redaction::with_extra_header`] names. Two named exceptions: `X-Twilio-Signature`
//!   is kept as a fingerprint (`sha256:` + 12 hex digits, enough to spot a replay, useless
//!   for forging), and `I-Twilio-Idempotency-Token` is kept verbatim (it identifies Twilio's
//!   retries of one delivery and is no credential).
//! - **URLs.** The userinfo (`user:password@` or `user@`, which may be an API key) prints
//!   as `***@`; [`RedactedUrl`] also hides query values.
//! - **Payloads.** [`PayloadPolicy`]: verified attempts keep the full body, refused ones at
//!   most a 2 KiB prefix; the body's length and SHA-256 are always recorded.
//!
//! ```
//! use twilio_webhook::redact::{Keep, PayloadPolicy, Redaction};
//! let redaction = Redaction::default()
//!     .with_extra_header("X-Customer-Pin")
//!     .with_payload(PayloadPolicy { verified: Keep::Full, refused: Keep::Prefix(256) });
//! assert!(redaction.redacts_header("x-customer-pin"));
//! assert!(redaction.redacts_header("X-Api-Key"));
//! assert!(!redaction.redacts_header("I-Twilio-Idempotency-Token"));
//! ```

use core::fmt;

use sha2::{Digest, Sha256};

use crate::headers::names;

/// Name fragments that mark a header as a credential (compared case-insensitively).
pub const CREDENTIAL_WORDS: [&str; 7] = [
    "auth", "token", "secret", "key", "cookie", "session", "password",
];

/// What is kept of a body.
///
/// ```
/// use twilio_webhook::redact::Keep;
/// assert_eq!(Keep::Prefix(2).apply(b"abc"), b"ab");
/// assert_eq!(Keep::Full.apply(b"abc"), b"abc");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The whole body.
    Full,
    /// At most this many bytes from its start (`Prefix(0)`: nothing).
    Prefix(usize),
}

impl Keep {
    /// The part of `body` this rule keeps.
    pub fn apply(self, body: &[u8]) -> &[u8] {
        match self {
            Keep::Full => body,
            Keep::Prefix(n) => body.get(..n).unwrap_or(body),
        }
    }
}

/// How much of the body an attempt record keeps, by verdict. Length and SHA-256 of the
/// whole body are recorded either way.
///
/// The default keeps verified bodies whole and 2 KiB of a refused one: a forged flood of
/// 1 MiB bodies then costs the log 2 KiB per request, and the message text of requests no
/// one signed (personal data, if genuine) is mostly not kept.
///
/// ```
/// use twilio_webhook::redact::{Keep, PayloadPolicy};
/// let p = PayloadPolicy::default();
/// assert_eq!(p, PayloadPolicy { verified: Keep::Full, refused: Keep::Prefix(2048) });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadPolicy {
    /// For verified attempts (default [`Keep::Full`]).
    pub verified: Keep,
    /// For refused attempts (default [`Keep::Prefix`]`(`[`DEFAULT_REFUSED_PREFIX`]`)`).
    pub refused: Keep,
}

/// How many bytes of a refused body the default policy keeps: 2 KiB.
pub const DEFAULT_REFUSED_PREFIX: usize = 2048;

impl Default for PayloadPolicy {
    fn default() -> Self {
        PayloadPolicy {
            verified: Keep::Full,
            refused: Keep::Prefix(DEFAULT_REFUSED_PREFIX),
        }
    }
}

impl PayloadPolicy {
    /// The rule for an attempt with this verdict.
    ///
    /// ```
    /// use twilio_webhook::redact::{Keep, PayloadPolicy};
    /// assert_eq!(PayloadPolicy::default().for_verdict(false), Keep::Prefix(2048));
    /// ```
    pub fn for_verdict(&self, verified: bool) -> Keep {
        if verified {
            self.verified
        } else {
            self.refused
        }
    }
}

/// What the attempt log may keep: the payload policy and extra header names to redact
/// (beyond the rule in the [module docs](self)). Set with
/// [`WebhookConfig::with_redaction`](crate::pipeline::WebhookConfig::with_redaction).
///
/// ```
/// use twilio_webhook::redact::Redaction;
/// let r = Redaction::default().with_extra_header("X-Internal-Route");
/// assert!(r.redacts_header("x-internal-route"));
/// assert!(!r.redacts_header("user-agent"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redaction {
    /// How much of the body is kept.
    pub payload: PayloadPolicy,
    extra_headers: Vec<String>,
}

impl Redaction {
    /// Also redacts the header `name` (any case).
    pub fn with_extra_header(mut self, name: impl Into<String>) -> Self {
        self.extra_headers.push(name.into().to_ascii_lowercase());
        self
    }

    /// Sets the payload policy.
    pub fn with_payload(mut self, policy: PayloadPolicy) -> Self {
        self.payload = policy;
        self
    }

    /// Whether the header `name` is replaced by `[redacted]`. `X-Twilio-Signature` (kept as
    /// a fingerprint) and `I-Twilio-Idempotency-Token` are never redacted.
    ///
    /// ```
    /// use twilio_webhook::redact::Redaction;
    /// let r = Redaction::default();
    /// assert!(r.redacts_header("Proxy-Authorization"));
    /// assert!(r.redacts_header("X-SESSION-ID"));
    /// assert!(!r.redacts_header("X-Twilio-Signature"));
    /// assert!(!r.redacts_header("content-type"));
    /// ```
    pub fn redacts_header(&self, name: &str) -> bool {
        if name.eq_ignore_ascii_case(names::SIGNATURE)
            || name.eq_ignore_ascii_case(names::IDEMPOTENCY_TOKEN)
        {
            return false;
        }
        let lower = name.to_ascii_lowercase();
        CREDENTIAL_WORDS.iter().any(|w| lower.contains(w)) || self.extra_headers.contains(&lower)
    }

    /// A header as the attempt log keeps it: the signature fingerprinted, credentials
    /// `[redacted]`, anything else as (lossy UTF-8) text.
    pub(crate) fn header_value(&self, name: &str, value: &[u8]) -> String {
        if name.eq_ignore_ascii_case(names::SIGNATURE) {
            fingerprint(value)
        } else if self.redacts_header(name) {
            "[redacted]".to_owned()
        } else {
            String::from_utf8_lossy(value).into_owned()
        }
    }
}

/// `url` with its userinfo (`user:password@` or `user@`) replaced by `***@`: webhook URLs
/// may carry HTTP Basic credentials or an API key, which must not reach logs.
pub(crate) fn mask_userinfo(url: &str) -> std::borrow::Cow<'_, str> {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.into();
    };
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@').map(|i| start + i) {
        Some(at) => format!("{}***{}", &url[..start], &url[at..]).into(),
        None => url.into(),
    }
}

/// The name the pipeline's `Debug` impls call; the whole userinfo is masked.
pub(crate) use mask_userinfo as mask_password;

/// `sha256:` and the first 12 hex digits of the SHA-256 of `value`: enough to spot a
/// replayed signature, useless for forging one.
pub(crate) fn fingerprint(value: &[u8]) -> String {
    let d = Sha256::digest(value);
    format!(
        "sha256:{}",
        crate::body_hash::hex_lower(d.get(..6).unwrap_or_default())
    )
}

/// A URL whose userinfo and query values print as `***` (names kept), for events.
///
/// ```
/// use twilio_webhook::redact::RedactedUrl;
/// assert_eq!(RedactedUrl("https://h/x?a=1&bodySHA256=ab#f").to_string(), "https://h/x?a=***&bodySHA256=***");
/// assert_eq!(RedactedUrl("https://user:pw@h/x").to_string(), "https://***@h/x");
/// assert_eq!(RedactedUrl("https://APIKEY@h/x").to_string(), "https://***@h/x");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RedactedUrl<'a>(pub &'a str);

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0.split('#').next().unwrap_or("");
        let url = mask_userinfo(url);
        let Some((base, query)) = url.split_once('?') else {
            return f.write_str(&url);
        };
        f.write_str(base)?;
        for (i, pair) in query.split('&').enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            match pair.split_once('=') {
                Some((name, _)) => write!(f, "{name}=***")?,
                None => f.write_str(pair)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{mask_userinfo, Redaction};

    #[test]
    fn masks_the_whole_userinfo_only() {
        assert_eq!(
            mask_userinfo("https://u:p@h:1/x?a=b@c"),
            "https://***@h:1/x?a=b@c"
        );
        assert_eq!(mask_userinfo("https://u:p:q@r@h/x"), "https://***@h/x");
        assert_eq!(mask_userinfo("https://APIKEY@h/x"), "https://***@h/x");
        assert_eq!(mask_userinfo("https://h/x?u:p@q"), "https://h/x?u:p@q");
        assert_eq!(mask_userinfo("https://h#u@p"), "https://h#u@p");
        assert_eq!(mask_userinfo("no scheme u:p@h"), "no scheme u:p@h");
    }

    #[test]
    fn header_rule_and_its_exceptions() {
        let r = Redaction::default().with_extra_header("X-Tenant-Pin");
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "Set-Cookie",
            "X-Api-Key",
            "X-Session-Id",
            "X-Auth-Token",
            "X-Client-Secret",
            "X-Password",
            "x-tenant-pin",
            "X-TENANT-PIN",
        ] {
            assert!(r.redacts_header(name), "{name}");
        }
        for name in [
            "X-Twilio-Signature",
            "i-twilio-idempotency-token",
            "X-Twilio-Webhooks-Signature-Settings",
            "User-Agent",
            "Content-Type",
            "Host",
        ] {
            assert!(!r.redacts_header(name), "{name}");
        }
        assert!(r
            .header_value("x-twilio-signature", b"abc")
            .starts_with("sha256:"));
        assert_eq!(r.header_value("x-api-key", b"k"), "[redacted]");
        assert_eq!(r.header_value("accept", b"*/*"), "*/*");
    }
}
