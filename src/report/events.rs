//! Security events through `tracing`, target `twilio_webhook::security`, with the field
//! names the original system logged (`event_type`, `provider`, `tenant_id`, `ip_address`,
//! `url`, `user_agent`) plus `reason` and `url_variants_tried`.

use tracing::{debug, error, warn};

use super::{Attempt, AttemptStatus, RedactedUrl};
use crate::error::ErrorClass;

pub(super) fn emit(a: &Attempt<'_>) {
    let event_type = a.event_type();
    let tenant_id = a.tenant_id.unwrap_or("");
    let url = a.url.map(RedactedUrl);
    let user_agent = a.user_agent.unwrap_or("");
    let reason = a.error.map(tracing::field::display);
    let tried = tracing::field::display(a.url_variants_tried);
    match (a.status, a.error.map(|e| e.class())) {
        (AttemptStatus::Success, _) => debug!(
            target: "twilio_webhook::security",
            event_type, provider = a.provider, tenant_id, ip_address = %a.client,
            url = url.map(tracing::field::display), user_agent, endpoint = a.endpoint,
            key = a.verified.map(|v| tracing::field::display(&v.key)),
            url_variant = a.verified.map(|v| v.url_variant.as_str()),
            "Twilio webhook signature verified"
        ),
        (_, Some(ErrorClass::Misconfigured)) => error!(
            target: "twilio_webhook::security",
            event_type, provider = a.provider, tenant_id, ip_address = %a.client,
            url = url.map(tracing::field::display), user_agent, endpoint = a.endpoint,
            reason, url_variants_tried = tried,
            "Twilio webhook could not be verified: server misconfigured"
        ),
        _ => warn!(
            target: "twilio_webhook::security",
            event_type, provider = a.provider, tenant_id, ip_address = %a.client,
            url = url.map(tracing::field::display), user_agent, endpoint = a.endpoint,
            reason, url_variants_tried = tried,
            "Twilio webhook rejected"
        ),
    }
}

pub(super) fn log_failed(a: &Attempt<'_>, e: &(dyn std::error::Error + Send + Sync)) {
    error!(
        target: "twilio_webhook::security",
        event_type = "webhook_log_write_failed", provider = a.provider,
        endpoint = a.endpoint, error = %e,
        "could not write the webhook attempt log"
    );
}
