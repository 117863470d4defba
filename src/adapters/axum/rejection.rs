//! What a refused request gets: a status and a fixed text, nothing from the request.

use core::convert::Infallible;
use core::fmt;

use ::axum::response::{IntoResponse, Response};

use crate::error::Error;

/// Why [`TwilioWebhook`](super::TwilioWebhook) or [`TwilioVerified`](super::TwilioVerified)
/// refused a request.
///
/// As a response, [`Unverified`](Self::Unverified) is `err.http_status()` (400, 403, 413 or
/// 500) with the fixed text of [`response_text`](crate::pipeline::response_text); it never echoes the request, the expected
/// signature or the reason. The reason was already reported (tracing events, attempt log).
/// [`Payload`](Self::Payload) is the inner extractor's own rejection, passed through
/// unchanged: the request *was* authentic, its body just does not fit `T` (for example
/// `Form<T>` missing a field gives axum's 422).
///
/// Take `Result<TwilioWebhook<T>, TwilioWebhookRejection<_>>` in a handler to answer
/// differently.
///
/// ```
/// use axum::response::IntoResponse;
/// use twilio_webhook::adapters::axum::TwilioWebhookRejection;
/// use twilio_webhook::Error;
///
/// let r: TwilioWebhookRejection = TwilioWebhookRejection::Unverified(Error::MissingSignature);
/// assert_eq!(r.error(), Some(&Error::MissingSignature));
/// assert_eq!(r.into_response().status(), 403);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum TwilioWebhookRejection<R = Infallible> {
    /// The request is not an authentic Twilio webhook, or could not be judged.
    Unverified(Error),
    /// The request is authentic but the inner extractor refused its body.
    Payload(R),
    /// Not a refusal: a repeat of a delivery the replay guard has seen
    /// ([`WebhookConfig::with_replay_guard`](crate::pipeline::WebhookConfig)), answered
    /// with the first delivery's response (or the in-progress status) instead of running
    /// the handler.
    Answered(crate::pipeline::Answer),
}

impl<R> TwilioWebhookRejection<R> {
    /// The verification error, if that is why the request was refused.
    pub fn error(&self) -> Option<&Error> {
        match self {
            TwilioWebhookRejection::Unverified(e) => Some(e),
            TwilioWebhookRejection::Payload(_) | TwilioWebhookRejection::Answered(_) => None,
        }
    }
}

impl<R: IntoResponse> IntoResponse for TwilioWebhookRejection<R> {
    fn into_response(self) -> Response {
        match self {
            TwilioWebhookRejection::Unverified(e) => error_response(&e),
            TwilioWebhookRejection::Payload(r) => r.into_response(),
            TwilioWebhookRejection::Answered(a) => crate::adapters::http::answer_response(a),
        }
    }
}

impl<R: fmt::Display> fmt::Display for TwilioWebhookRejection<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TwilioWebhookRejection::Unverified(e) => write!(f, "twilio webhook refused: {e}"),
            TwilioWebhookRejection::Payload(r) => write!(f, "twilio webhook payload refused: {r}"),
            TwilioWebhookRejection::Answered(a) => {
                write!(
                    f,
                    "twilio webhook repeat answered by the replay guard ({})",
                    a.status
                )
            }
        }
    }
}

impl<R: std::error::Error + 'static> std::error::Error for TwilioWebhookRejection<R> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TwilioWebhookRejection::Unverified(e) => Some(e),
            TwilioWebhookRejection::Payload(r) => Some(r),
            TwilioWebhookRejection::Answered(_) => None,
        }
    }
}

/// The response for a refused request (shared with the middleware).
pub(super) fn error_response(err: &Error) -> Response {
    crate::adapters::http::refusal_response(err)
}
