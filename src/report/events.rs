//! Security events through `tracing`: one event per attempt, target
//! [`SECURITY_TARGET`](super::SECURITY_TARGET).
//!
//! Every callsite declares the same fields, so a log query or a Sentry filter sees one
//! schema; a field without a value (no tenant resolved, no user agent) is omitted, not
//! printed empty. Each callsite's metadata `name` is its `event_type`, which lets a
//! `tracing` filter (Sentry's, for example) route events by type from the metadata alone,
//! before any field is recorded.

use tracing::field::{display, DisplayValue};
use tracing::{Level, Metadata};

use super::{Attempt, ClientAddr, SECURITY_TARGET};
use crate::error::{Error, ErrorClass};
use crate::redact::RedactedUrl;
use crate::url::VariantSet;

/// One security event with the full field set. `$name` must be the attempt's event type,
/// a literal because callsite metadata is static.
macro_rules! security_event {
    ($a:expr, $name:literal, $level:expr, $message:literal) => {{
        let a: &Attempt<'_> = $a;
        debug_assert_eq!(a.event_type(), $name);
        tracing::event!(
            name: $name,
            target: SECURITY_TARGET,
            $level,
            event_type = $name,
            provider = a.provider,
            tenant_id = a.tenant_id,
            ip_address = ip_address(&a.client),
            url = a.url.map(|u| display(RedactedUrl(u))),
            user_agent = a.user_agent,
            method = a.method,
            endpoint = a.endpoint,
            status = a.status.as_str(),
            reason = a.error.map(display),
            url_variants_tried = (a.url_variants_tried != VariantSet::default())
                .then(|| display(a.url_variants_tried)),
            key = a.verified.map(|v| display(&v.key)),
            url_variant = a.verified.map(|v| v.url_variant.as_str()),
            $message
        )
    }};
}

pub(super) fn emit(a: &Attempt<'_>) {
    if a.guard_reported() {
        return; // The replay guard emitted this attempt's event (`duplicate_webhook` …).
    }
    match a.error {
        None => security_event!(
            a,
            "webhook_signature_verified",
            Level::DEBUG,
            "Twilio webhook signature verified"
        ),
        Some(Error::MissingSignature) => security_event!(
            a,
            "missing_webhook_signature",
            Level::WARN,
            "Twilio webhook rejected: no signature"
        ),
        Some(Error::BodyHashMismatch) => security_event!(
            a,
            "webhook_body_hash_mismatch",
            Level::WARN,
            "Twilio webhook rejected: body does not match its signed hash"
        ),
        Some(e) if e.class() == ErrorClass::Forbidden => security_event!(
            a,
            "invalid_webhook_signature",
            Level::WARN,
            "Twilio webhook rejected: invalid signature"
        ),
        Some(e) if e.class() == ErrorClass::ServerError => security_event!(
            a,
            "webhook_verification_error",
            Level::ERROR,
            "Twilio webhook could not be verified: server misconfigured"
        ),
        // Malformed or oversized: the client's fault, like a bad signature, so `warn`.
        Some(_) => security_event!(
            a,
            "webhook_verification_error",
            Level::WARN,
            "Twilio webhook rejected: malformed request"
        ),
    }
}

pub(super) fn log_failed(a: &Attempt<'_>, e: &(dyn std::error::Error + Send + Sync)) {
    tracing::event!(
        name: "webhook_log_write_failed",
        target: SECURITY_TARGET,
        Level::ERROR,
        event_type = "webhook_log_write_failed",
        provider = a.provider,
        tenant_id = a.tenant_id,
        endpoint = a.endpoint,
        status = a.status.as_str(),
        reason = %e,
        "could not write the webhook attempt log"
    );
}

/// Records dropped by the attempt sink (queue full, or offered after shutdown).
#[cfg(feature = "sink")]
pub(super) fn log_dropped(dropped: u64, dropped_total: u64) {
    tracing::event!(
        name: "webhook_log_dropped",
        target: SECURITY_TARGET,
        Level::WARN,
        event_type = "webhook_log_dropped",
        provider = "twilio",
        dropped,
        dropped_total,
        "webhook attempt log queue full: records dropped"
    );
}

/// The attempt store failed a batch (retried if `retrying`, else dropped).
#[cfg(feature = "sink")]
pub(super) fn store_failed(e: &super::StoreError, records: usize, retrying: bool) {
    tracing::event!(
        name: "webhook_log_write_failed",
        target: SECURITY_TARGET,
        Level::ERROR,
        event_type = "webhook_log_write_failed",
        provider = "twilio",
        records,
        retrying,
        reason = %e,
        "could not write the webhook attempt log"
    );
}

fn ip_address<'a>(client: &'a ClientAddr<'a>) -> Option<DisplayValue<&'a ClientAddr<'a>>> {
    (!matches!(client, ClientAddr::Unknown)).then(|| display(client))
}

/// Whether `meta` is one of this crate's events that deserves an alert rather than a
/// breadcrumb: a forged or unsigned request (`invalid_webhook_signature`,
/// `missing_webhook_signature`, `webhook_body_hash_mismatch`) or any `error`-level event
/// (misconfiguration, resolver failure, attempt log write failure).
///
/// Decided from the metadata alone, so it works as a per-layer filter
/// (`tracing_subscriber::filter::filter_fn`), e.g. for Sentry's `ErrorLayer`:
///
/// ```
/// use tracing::{Level, Metadata};
/// use twilio_webhook::report::is_alert;
///
/// /// Sentry error events: every `error`, plus forged requests.
/// fn sentry_event(meta: &Metadata<'_>) -> bool {
///     *meta.level() == Level::ERROR || is_alert(meta)
/// }
/// /// Sentry breadcrumbs: the remaining `warn` and `info` events.
/// fn sentry_breadcrumb(meta: &Metadata<'_>) -> bool {
///     matches!(*meta.level(), Level::WARN | Level::INFO) && !is_alert(meta)
/// }
/// # let _ = (sentry_event, sentry_breadcrumb);
/// ```
pub fn is_alert(meta: &Metadata<'_>) -> bool {
    meta.target() == SECURITY_TARGET
        && (*meta.level() == Level::ERROR
            || matches!(
                meta.name(),
                "invalid_webhook_signature"
                    | "missing_webhook_signature"
                    | "webhook_body_hash_mismatch"
            ))
}
