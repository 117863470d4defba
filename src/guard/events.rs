//! The guard's security events (feature `tracing`), in the crate's field schema.

use std::time::{SystemTime, UNIX_EPOCH};

use tracing::Level;

use super::{GuardError, StoreErrorPolicy};
use crate::report::SECURITY_TARGET;

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(super) fn duplicate(tenant: Option<&str>, first_seen: SystemTime, response_status: u16) {
    tracing::event!(
        name: "duplicate_webhook",
        target: SECURITY_TARGET,
        Level::INFO,
        event_type = "duplicate_webhook",
        provider = "twilio",
        tenant_id = tenant,
        status = "success",
        first_seen = unix_ms(first_seen),
        response_status,
        "Twilio webhook repeated: answered with the first delivery's response"
    );
}

pub(super) fn in_progress(
    tenant: Option<&str>,
    first_seen: SystemTime,
    response_status: Option<u16>,
) {
    tracing::event!(
        name: "duplicate_webhook_in_progress",
        target: SECURITY_TARGET,
        Level::INFO,
        event_type = "duplicate_webhook_in_progress",
        provider = "twilio",
        tenant_id = tenant,
        status = "success",
        first_seen = unix_ms(first_seen),
        response_status,
        "Twilio webhook repeated while its first delivery is still in progress"
    );
}

pub(super) fn failed(
    tenant: Option<&str>,
    operation: &'static str,
    error: &GuardError,
    policy: Option<StoreErrorPolicy>,
) {
    let policy = policy.map(|p| match p {
        StoreErrorPolicy::LetThrough => "let_through",
        StoreErrorPolicy::Refuse => "refuse",
    });
    tracing::event!(
        name: "webhook_guard_error",
        target: SECURITY_TARGET,
        Level::ERROR,
        event_type = "webhook_guard_error",
        provider = "twilio",
        tenant_id = tenant,
        status = "error",
        operation,
        policy,
        reason = %error,
        "Twilio webhook replay guard failed"
    );
}
