//! One webhook attempt as reported: borrowed for events, owned for logs.

use core::fmt;
use std::net::IpAddr;
use std::time::SystemTime;

use crate::error::{Error, ErrorClass};
use crate::headers::HeaderSource;
use crate::redact::{mask_userinfo, Redaction};
use crate::url::VariantSet;
use crate::verifier::Verified;

/// The outcome of an attempt, as the `status` column of a webhook log names it: `success`,
/// `unauthorized` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
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
    /// The public URL checked, as received (userinfo included): read it with [`url`](Self::url).
    pub(crate) url: Option<&'a str>,
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
    /// The body as received (empty when refused before it was read): read it through
    /// [`payload`](Self::payload), which applies the payload policy.
    pub(crate) body: &'a [u8],
    /// What may be kept of headers and body.
    pub(crate) redaction: &'a Redaction,
    pub(crate) headers: &'a dyn HeaderSource,
    /// The replay guard's event type when its verdict replaces the verified one (a repeat,
    /// or a store failure that refused the request); the guard emitted that event itself.
    pub(crate) guard_event: Option<&'static str>,
    /// Why the replay guard's verdict failed when there is no [`Error`]: a first delivery
    /// whose completion lost its lease or met a store error.
    pub(crate) guard_reason: Option<&'a str>,
}

impl<'a> Attempt<'a> {
    /// The `event_type` of this attempt.
    pub fn event_type(&self) -> &'static str {
        self.guard_event
            .unwrap_or_else(|| super::event_type(self.error))
    }

    /// Why it was refused or failed, as text: the [`Error`]'s, or the replay guard's when
    /// its completion failed (`event_type` `webhook_guard_error`).
    pub fn reason(&self) -> Option<String> {
        match (self.error, self.guard_reason) {
            (Some(e), _) => Some(e.to_string()),
            (None, reason) => reason.map(str::to_owned),
        }
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

    /// The public URL checked, when it could be built, with its userinfo (`user:password@`
    /// or an API key as `key@`) masked as `***@`. Query values may be personal data:
    /// events print it through [`RedactedUrl`](crate::redact::RedactedUrl).
    pub fn url(&self) -> Option<std::borrow::Cow<'a, str>> {
        self.url.map(mask_userinfo)
    }

    /// The headers in order (names lowercased), redacted by the rule in
    /// [`redact`](crate::redact): `X-Twilio-Signature` as a fingerprint (`sha256:` + 12 hex
    /// digits), credential-like headers (`Authorization`, `Cookie`, `X-Api-Key`,
    /// `X-Session-Id`, …, and the configured extra names) as `[redacted]`,
    /// `I-Twilio-Idempotency-Token` and the rest verbatim.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.headers.for_each(&mut |name, value| {
            out.push((
                name.to_ascii_lowercase(),
                self.redaction.header_value(name, value),
            ));
        });
        out
    }

    /// The body as the payload policy keeps it: whole when verified (by default), at most
    /// a prefix (2 KiB by default) when refused, and when a repeat the replay guard answered
    /// (a replay flood must not store full bodies). Empty when refused before it was read.
    pub fn payload(&self) -> &'a [u8] {
        self.redaction
            .payload
            .for_verdict(self.verified.is_some() && !self.is_duplicate())
            .apply(self.body)
    }

    /// The length in bytes of the whole body as received.
    pub fn payload_len(&self) -> usize {
        self.body.len()
    }

    /// The SHA-256 of the whole body as received, in lowercase hex (computed on call).
    pub fn payload_sha256(&self) -> String {
        crate::body_sha256_hex(self.body)
    }

    /// An owned copy, for logs that keep records.
    pub fn to_record(&self) -> AttemptRecord {
        AttemptRecord {
            id: record_id(),
            time: self.time,
            provider: self.provider,
            tenant_id: self.tenant_id.map(str::to_owned),
            method: self.method.to_owned(),
            endpoint: self.endpoint.to_owned(),
            url: self.url().map(std::borrow::Cow::into_owned),
            status: self.status,
            event_type: self.event_type(),
            reason: self.reason(),
            key: self.verified.map(|v| v.key.to_string()),
            url_variant: self.verified.map(|v| v.url_variant.as_str()),
            ip_address: self.client.to_text(),
            user_agent: self.user_agent.map(str::to_owned),
            idempotency_token: self.idempotency_token.map(str::to_owned),
            headers: self.headers(),
            payload: utf8_lossy(self.payload()),
            payload_len: self.payload_len() as u64,
            payload_sha256: self.payload_sha256(),
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
            .field("payload_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// An owned [`Attempt`]: what an audit log stores.
///
/// With feature `serde` it serialises with the field names below, `time` as RFC 3339 in
/// UTC with microseconds (`2026-12-01T07:57:39.123456Z`), `status` as `success`,
/// `unauthorized` or `error`, and `headers` as `[[name, value], …]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct AttemptRecord {
    /// Unique to this record (32 hex digits, random per process, then counted): a store
    /// that retries a write after a lost reply (connection cut mid-commit) keys on it so the
    /// record is stored once.
    pub id: String,
    /// When.
    #[cfg_attr(feature = "serde", serde(serialize_with = "serialize_rfc3339"))]
    pub time: SystemTime,
    /// `twilio`.
    pub provider: &'static str,
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path without query.
    pub endpoint: String,
    /// Public URL checked (userinfo masked as `***@`).
    pub url: Option<String>,
    /// Outcome.
    pub status: AttemptStatus,
    /// Event type.
    pub event_type: &'static str,
    /// The error's text, on refusal ([`Attempt::reason`]).
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
    /// Headers in order, redacted as [`Attempt::headers`] says.
    pub headers: Vec<(String, String)>,
    /// The body as the payload policy keeps it (lossy UTF-8): see [`Attempt::payload`].
    pub payload: String,
    /// Length in bytes of the whole body as received.
    pub payload_len: u64,
    /// SHA-256 of the whole body as received, lowercase hex.
    pub payload_sha256: String,
}

/// `bytes` as text, invalid sequences replaced: a verified form body is valid UTF-8
/// already, so the common case is one vectorised check and one copy.
fn utf8_lossy(bytes: &[u8]) -> String {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// A new record id, 32 hex digits: a per-process random 128-bit seed (the OS randomness
/// std's `RandomState` draws) plus a counter. Unique within the process, and across
/// processes unless two seeds collide; it needs to be unique, not secret.
fn record_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static SEED: OnceLock<u128> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = SEED.get_or_init(|| {
        let draw = |salt: u64| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(salt);
            u128::from(h.finish())
        };
        draw(1) << 64 | draw(2)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    crate::body_hash::hex_lower(&seed.wrapping_add(u128::from(n)).to_be_bytes())
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

/// `t` as RFC 3339 in UTC with six fractional digits (`2026-12-01T07:57:39.123456Z`): a
/// fixed width, so that text comparison orders times (SQLite compares them as text).
#[cfg(any(feature = "serde", feature = "postgres", feature = "sqlite"))]
pub(crate) fn rfc3339(t: SystemTime) -> String {
    // Times before 1970 do not occur (records are stamped with `now`); they print as 1970.
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Year, month, day of the proleptic Gregorian calendar for days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
#[cfg(any(feature = "serde", feature = "postgres", feature = "sqlite"))]
// The algorithm yields a day in 1..=31 and a month in 1..=12: both fit in `u32`.
#[allow(clippy::cast_possible_truncation)]
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(feature = "serde")]
fn serialize_rfc3339<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

#[cfg(all(test, any(feature = "serde", feature = "postgres", feature = "sqlite")))]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn rfc3339_is_utc_with_fixed_microseconds() {
        let t = UNIX_EPOCH + Duration::from_micros(1_764_575_859_000_042);
        assert_eq!(super::rfc3339(t), "2025-12-01T07:57:39.000042Z");
        assert_eq!(super::rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        // A leap day, and the last second of a year.
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(super::rfc3339(leap), "2000-02-29T00:00:00.000000Z");
        let eoy = UNIX_EPOCH + Duration::from_secs(1_798_761_599);
        assert_eq!(super::rfc3339(eoy), "2026-12-31T23:59:59.000000Z");
    }
}
