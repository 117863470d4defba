//! Reporting every attempt, accepted or not: structured security events through `tracing`
//! (feature `tracing`) and an [`AttemptLog`] hook for an audit trail.
//!
//! Reports run after the verdict and cannot change it. Nothing reported contains a token,
//! a computed MAC or an expected signature; the received `X-Twilio-Signature` appears only
//! as a short fingerprint.

mod attempt;
#[cfg(feature = "tracing")]
mod events;
mod memory;

pub(crate) use attempt::mask_password;
pub use attempt::{Attempt, AttemptLog, AttemptRecord, AttemptStatus, ClientAddr, RedactedUrl};
pub use memory::MemoryLog;

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

/// The `event_type` of a verdict, as the original system named them.
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
        Some(e) if e.class() == crate::ErrorClass::Unauthorized => "invalid_webhook_signature",
        Some(_) => "webhook_verification_error",
    }
}
