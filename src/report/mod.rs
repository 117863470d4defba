//! Reporting every attempt, accepted or not: structured security events through `tracing`
//! (feature `tracing`) and an [`AttemptLog`] hook for an audit trail.
//!
//! Reports run after the verdict and cannot change it. Nothing reported contains a token,
//! a computed MAC, an expected signature or (in events) the body; the received
//! `X-Twilio-Signature` appears only as a short fingerprint in the attempt log.
//!
//! # Events
//!
//! One `tracing` event per attempt, target [`SECURITY_TARGET`], with the fields the
//! usual webhook-log fields (tenant, client address, URL, user agent, status) plus a few
//! more. Every event declares the same fields; a field
//! without a value is omitted.
//!
//! | field | value |
//! |---|---|
//! | `event_type` | see the table below (also the callsite's metadata name) |
//! | `provider` | `twilio` |
//! | `tenant_id` | the resolved tenant's id, when one was resolved and has an id |
//! | `ip_address` | the TCP peer, or the first forwarded address when forwarded headers are trusted ([`PublicUrl::insecure_trust_forwarded_headers`](crate::pipeline::PublicUrl::insecure_trust_forwarded_headers)) |
//! | `url` | the public URL checked, query values replaced by `***` ([`RedactedUrl`]) |
//! | `user_agent` | `User-Agent` |
//! | `method`, `endpoint` | HTTP method, path without query |
//! | `status` | `success`, `unauthorized` or `error` (as in the attempt log) |
//! | `reason` | the [`Error`]'s text, on refusal |
//! | `url_variants_tried` | URL variants tried, on a signature mismatch (e.g. `as_received,default_port_added`) |
//! | `key`, `url_variant` | what matched, on success |
//!
//! | `event_type` | level | when |
//! |---|---|---|
//! | `webhook_signature_verified` | `debug` | accepted |
//! | `missing_webhook_signature` | `warn` | no `X-Twilio-Signature` |
//! | `invalid_webhook_signature` | `warn` | any other 403: wrong, malformed or duplicated signature, unknown key or tenant |
//! | `webhook_body_hash_mismatch` | `warn` | signed `bodySHA256` does not match the body |
//! | `webhook_verification_error` | `warn` | malformed request (400) or body too large (413) |
//! | `webhook_verification_error` | `error` | our fault: no keys, key resolver failed (500) |
//! | `webhook_log_write_failed` | `error` | the [`AttemptLog`] returned an error (fields `event_type`, `provider`, `tenant_id`, `endpoint`, `status`, `reason`), or the sink's store failed a batch (fields `event_type`, `provider`, `records`, `retrying`, `reason`) |
//! | `webhook_log_dropped` | `warn` | the sink's queue was full: at most once a second, fields `event_type`, `provider`, `dropped` (since the last such event), `dropped_total` |
//!
//! With `tracing-subscriber`'s JSON formatter (`.json().flatten_event(true)`) a forged
//! request prints one line such as
//!
//! ```text
//! {"timestamp":"…","level":"WARN","message":"Twilio webhook rejected: invalid signature","event_type":"invalid_webhook_signature","provider":"twilio","tenant_id":"acme","ip_address":"203.0.113.7","url":"https://api.example.com/v1/webhooks/twilio?tenant=***","user_agent":"curl/8.5.0","method":"POST","endpoint":"/v1/webhooks/twilio","status":"unauthorized","reason":"signature does not match (URL variants tried: as_received,default_port_added)","url_variants_tried":"as_received,default_port_added","target":"twilio_webhook::security"}
//! ```
//!
//! # Sentry
//!
//! Route events with two per-layer filters and `is_alert` (feature `tracing`): alerts (forged or unsigned
//! requests, and every `error`) become Sentry events through `sentry-tracing`'s
//! `ErrorLayer`; other `warn`/`info` events become breadcrumbs (`BreadcrumbLayer`), sent
//! with the next Sentry event; `debug` (accepted requests) is not sent. The event's
//! fields arrive in the "Rust Tracing Fields" context, its message as the Sentry message.
//! See `examples/sentry_events.rs`.
//!
//! # Attempt log
//!
//! [`AttemptLog::record`] receives every attempt after the verdict, already redacted by
//! the configured [`Redaction`](crate::redact::Redaction) (credential headers, URL
//! userinfo, the payload policy); [`MemoryLog`] keeps them for tests. A failing write is reported as a `webhook_log_write_failed` event and
//! otherwise ignored.

mod attempt;
#[cfg(feature = "tracing")]
mod events;
mod memory;
#[cfg(feature = "sink")]
mod sink;

pub use crate::redact::RedactedUrl;
#[cfg(any(feature = "serde", feature = "postgres", feature = "sqlite"))]
pub(crate) use attempt::rfc3339;
pub use attempt::{Attempt, AttemptLog, AttemptRecord, AttemptStatus, ClientAddr};
pub use memory::MemoryLog;
#[cfg(feature = "sink")]
#[cfg_attr(docsrs, doc(cfg(feature = "sink")))]
pub use sink::{
    AttemptSink, AttemptStore, MemoryStore, SinkConfig, SinkError, SinkStats, SinkWriter,
    StoreError,
};

#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use events::is_alert;

/// The `tracing` target of every security event.
pub const SECURITY_TARGET: &str = "twilio_webhook::security";

use crate::error::Error;

/// Sends one attempt to the event stream and the log. A failing log write is reported as
/// an event, never propagated.
pub(crate) fn report(attempt: &Attempt<'_>, log: Option<&dyn AttemptLog>) {
    #[cfg(feature = "tracing")]
    events::emit(attempt);
    if let Some(log) = log {
        if let Err(_e) = log.record(attempt) {
            #[cfg(feature = "tracing")]
            events::log_failed(attempt, &*_e);
        }
    }
}

/// The `event_type` of a verdict: one name per outcome, stable for log queries and alerts.
///
/// ```
/// use twilio_webhook::{report::event_type, Error};
/// assert_eq!(event_type(Some(&Error::MissingSignature)), "missing_webhook_signature");
/// assert_eq!(event_type(None), "webhook_signature_verified");
/// ```
pub fn event_type(error: Option<&Error>) -> &'static str {
    match error {
        None => "webhook_signature_verified",
        Some(Error::MissingSignature) => "missing_webhook_signature",
        Some(Error::BodyHashMismatch) => "webhook_body_hash_mismatch",
        Some(e) if e.class() == crate::ErrorClass::Forbidden => "invalid_webhook_signature",
        Some(_) => "webhook_verification_error",
    }
}
