//! One webhook attempt as reported: borrowed for events, owned for logs.

use core::fmt;
use std::net::IpAddr;
use std::time::SystemTime;

use crate::error::{Error, ErrorClass};
use crate::headers::{names, HeaderSource};
use crate::redact::{fingerprint, mask_password, CREDENTIAL_HEADERS};
use crate::url::VariantSet;
use crate::verifier::Verified;

/// The outcome as the original system's webhook log named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptStatus {
    /// Verified and passed to the handler.
    Success,
    /// Refused for a bad or missing signature (403).
    Unauthorized,
    /// Refused for anything else: malformed request, too large, misconfiguration.
    Error,
}

impl AttemptStatus {
    /// `success`, `unauthorized` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Success => "success",
            AttemptStatus::Unauthorized => "unauthorized",
            AttemptStatus::Error => "error",
        }
    }

    pub(crate) fn of(result: Option<&Error>) -> Self {
        match result.map(Error::class) {
            None => AttemptStatus::Success,
            Some(ErrorClass::Forbidden) => AttemptStatus::Unauthorized,
            Some(_) => AttemptStatus::Error,
        }
    }
}

impl fmt::Display for AttemptStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request came from: the peer, or the first forwarded address when forwarded
/// headers are trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAddr<'a> {
    /// Unknown.
    Unknown,
    /// The TCP peer.
    Peer(IpAddr),
    /// From `Forwarded: for=` / `X-Forwarded-For` (trusted by configuration).
    Forwarded(&'a str),
}

impl ClientAddr<'_> {
    /// The address as text, if known.
    pub fn to_text(&self) -> Option<String> {
        match self {
            ClientAddr::Unknown => None,
            other => Some(other.to_string()),
        }
    }
}

impl fmt::Display for ClientAddr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAddr::Unknown => Ok(()),
            ClientAddr::Peer(ip) => ip.fmt(f),
            ClientAddr::Forwarded(s) => f.write_str(s),
        }
    }
}

/// A URL whose query values and userinfo password print as `***` (names kept), for events.
///
/// ```
/// use twilio_webhook::report::RedactedUrl;
/// assert_eq!(RedactedUrl("https://h/x?a=1&bodySHA256=ab#f").to_string(), "https://h/x?a=***&bodySHA256=***");
/// assert_eq!(RedactedUrl("https://user:pw@h/x").to_string(), "https://user:***@h/x");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RedactedUrl<'a>(pub &'a str);

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0.split('#').next().unwrap_or("");
        let url = mask_password(url);
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

/// One webhook attempt, borrowed from the request; what events and [`AttemptLog`]s see.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    /// When the verdict was reached.
    pub time: SystemTime,
    /// Always `twilio`.
    pub provider: &'static str,
    /// The resolved tenant, if any.
    pub tenant_id: Option<&'a str>,
    /// HTTP method.
    pub method: &'a str,
    /// The request path, without query (the endpoint).
    pub endpoint: &'a str,
    /// The public URL checked, when it could be built (query values may be personal data:
    /// events print it through [`RedactedUrl`]).
    pub url: Option<&'a str>,
    /// `success`, `unauthorized` or `error`.
    pub status: AttemptStatus,
    /// Why it was refused.
    pub error: Option<&'a Error>,
    /// What matched, on success.
    pub verified: Option<&'a Verified>,
    /// URL variants tried, on a mismatch.
    pub url_variants_tried: VariantSet,
    /// The client.
    pub client: ClientAddr<'a>,
    /// `User-Agent`.
    pub user_agent: Option<&'a str>,
    /// `I-Twilio-Idempotency-Token`: equal on Twilio's retries of one delivery.
    pub idempotency_token: Option<&'a str>,
    /// The body as received (empty when refused before it was read).
    pub payload: &'a [u8],
    pub(crate) headers: &'a dyn HeaderSource,
    /// The replay guard's event type when its verdict replaces the verified one (a repeat,
    /// or a store failure that refused the request); the guard emitted that event itself.
    pub(crate) guard_event: Option<&'static str>,
}

impl<'a> Attempt<'a> {
    /// The `event_type` of this attempt.
    pub fn event_type(&self) -> &'static str {
        self.guard_event
            .unwrap_or_else(|| super::event_type(self.error))
    }

    /// Whether this is a repeat of a delivery the replay guard has seen
    /// (`duplicate_webhook` or `duplicate_webhook_in_progress`), answered for the handler
    /// or, in pass-through mode, run anyway. Its signature verified, so its status is
    /// `success`; a flood of them is still no reason to keep full bodies.
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self.guard_event,
            Some("duplicate_webhook" | "duplicate_webhook_in_progress")
        )
    }

    /// Whether the replay guard's event replaces this attempt's own security event (the
    /// guard emitted it).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn guard_reported(&self) -> bool {
        self.guard_event.is_some()
    }

    /// The headers (names lowercased), with `X-Twilio-Signature` replaced by a fingerprint
    /// (`sha256:` + the first 12 hex digits of the SHA-256 of its value): enough to spot
    /// a replayed signature, useless for forging one. Credentials (`Authorization`, which
    /// Twilio sends when the webhook URL holds `user:password@`, `Proxy-Authorization`,
    /// `Cookie`) are replaced by `[redacted]`.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.headers.for_each(&mut |name, value| {
            let value = if name.eq_ignore_ascii_case(names::SIGNATURE) {
                fingerprint(value)
            } else if CREDENTIAL_HEADERS
                .iter()
                .any(|c| name.eq_ignore_ascii_case(c))
            {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(value).into_owned()
            };
            out.push((name.to_ascii_lowercase(), value));
        });
        out
    }

    /// An owned copy, for logs that keep records.
    pub fn to_record(&self) -> AttemptRecord {
        AttemptRecord {
            time: self.time,
            provider: self.provider,
            tenant_id: self.tenant_id.map(str::to_owned),
            method: self.method.to_owned(),
            endpoint: self.endpoint.to_owned(),
            url: self.url.map(|u| mask_password(u).into_owned()),
            status: self.status,
            event_type: self.event_type(),
            reason: self.error.map(ToString::to_string),
            key: self.verified.map(|v| v.key.to_string()),
            url_variant: self.verified.map(|v| v.url_variant.as_str()),
            ip_address: self.client.to_text(),
            user_agent: self.user_agent.map(str::to_owned),
            idempotency_token: self.idempotency_token.map(str::to_owned),
            headers: self.headers(),
            payload: String::from_utf8_lossy(self.payload).into_owned(),
        }
    }
}

impl fmt::Debug for Attempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt")
            .field("tenant_id", &self.tenant_id)
            .field("endpoint", &self.endpoint)
            .field("status", &self.status)
            .field("error", &self.error)
            .field("payload_len", &self.payload.len())
            .finish_non_exhaustive()
    }
}

/// An owned [`Attempt`]: what an audit log stores.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// When.
    pub time: SystemTime,
    /// `twilio`.
    pub provider: &'static str,
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path without query.
    pub endpoint: String,
    /// Public URL checked (a userinfo password masked as `***`).
    pub url: Option<String>,
    /// Outcome.
    pub status: AttemptStatus,
    /// Event type.
    pub event_type: &'static str,
    /// The error's text, on refusal.
    pub reason: Option<String>,
    /// Key that matched, on success.
    pub key: Option<String>,
    /// URL variant that matched, on success.
    pub url_variant: Option<&'static str>,
    /// Client address.
    pub ip_address: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `I-Twilio-Idempotency-Token`.
    pub idempotency_token: Option<String>,
    /// Headers, signature fingerprinted.
    pub headers: Vec<(String, String)>,
    /// The body (lossy UTF-8).
    pub payload: String,
}

/// Receives one record per webhook attempt, after the verdict.
///
/// Runs on the request path: keep it quick (hand records to a channel or a blocking pool
/// if storage is slow). An `Err` is reported as an event and otherwise ignored; it never
/// changes the response.
///
/// ```
/// use twilio_webhook::report::{Attempt, AttemptLog};
/// struct Stdout;
/// impl AttemptLog for Stdout {
///     fn record(&self, a: &Attempt<'_>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
///         println!("{} {} {}", a.status, a.endpoint, a.event_type());
///         Ok(())
///     }
/// }
/// ```
pub trait AttemptLog: Send + Sync + 'static {
    /// Stores one attempt.
    fn record(&self, attempt: &Attempt<'_>)
        -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}
