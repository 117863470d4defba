//! Router-wide verification: a `from_fn_with_state` middleware and the extractor handlers
//! behind it use to read the verdict.

use std::sync::Arc;

use ::axum::extract::{FromRequestParts, Request, State};
use ::axum::http::request::Parts;
use ::axum::middleware::Next;
use ::axum::response::Response;

use super::rejection::{error_response, TwilioWebhookRejection};
use super::verify::verify_request;
use crate::error::Error;
use crate::pipeline::{Verdict, VerifiedRequest, WebhookConfig};

/// Verifies every request to the routes it wraps; refuses with 400/403/413/500 and a fixed
/// text without calling the handler. On success the handler receives the request with its
/// body intact (any extractor works) and a [`VerifiedRequest`] in its extensions (read it
/// with [`TwilioVerified`]).
///
/// With a replay guard on the configuration
/// ([`WebhookConfig::with_replay_guard`](crate::pipeline::WebhookConfig)), a repeat is
/// answered with the first delivery's response without calling the handler, and the
/// handler's response completes the claim (a 2xx is stored, up to the guard's cap; the
/// client always gets the whole response).
///
/// Use it with [`from_fn_with_state`](::axum::middleware::from_fn_with_state), preferably as
/// a `route_layer` (so unknown paths still get 404, not 403). Routes added *after* the
/// layer are not covered: their [`TwilioVerified`] answers 500.
///
/// ```
/// use std::sync::Arc;
/// use axum::{body::Bytes, middleware::from_fn_with_state, routing::post, Router};
/// use twilio_webhook::adapters::axum::{verify_twilio, TwilioVerified};
/// use twilio_webhook::pipeline::WebhookConfig;
///
/// async fn status(TwilioVerified(verified): TwilioVerified, body: Bytes) -> &'static str {
///     let _ = (verified.tenant_id, body);
///     "ok"
/// }
///
/// let config = Arc::new(
///     WebhookConfig::single_token("auth token", "https://api.example.com").unwrap(),
/// );
/// let app: Router = Router::new()
///     .route("/v1/webhooks/twilio/status", post(status))
///     .route_layer(from_fn_with_state(config, verify_twilio));
/// # let _ = app;
/// ```
pub async fn verify_twilio(
    State(config): State<Arc<WebhookConfig>>,
    req: Request,
    next: Next,
) -> Response {
    match verify_request(&config, req).await {
        Ok(Verdict::Run((req, _verified, completion))) => {
            // A panic in the handler drops the completion: the claim is released.
            let res = next.run(req).await;
            match crate::adapters::http::complete(completion, res).await {
                Ok(replayed) => replayed.map(::axum::body::Body::new),
                Err((_none, res)) => res,
            }
        }
        Ok(Verdict::Answer(answer)) => crate::adapters::http::answer_response(answer),
        Err(e) => error_response(&e),
    }
}

/// The [`VerifiedRequest`] that [`verify_twilio`] left in the request extensions.
///
/// Without the middleware in front of the handler, it refuses with 500: a handler that
/// asks for proof of authenticity never runs without it.
///
/// ```
/// use twilio_webhook::adapters::axum::TwilioVerified;
///
/// async fn handler(TwilioVerified(v): TwilioVerified) -> String {
///     v.tenant_id.as_deref().unwrap_or("default").to_owned()
/// }
/// # let _ = axum::routing::post::<_, _, ()>(handler);
/// ```
#[derive(Debug, Clone)]
pub struct TwilioVerified(pub VerifiedRequest);

impl<S: Send + Sync> FromRequestParts<S> for TwilioVerified {
    type Rejection = TwilioWebhookRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<VerifiedRequest>() {
            Some(v) => Ok(TwilioVerified(v.clone())),
            None => {
                #[cfg(feature = "tracing")]
                tracing::error!(
                    target: "twilio_webhook::security",
                    path = parts.uri.path(),
                    "TwilioVerified used on a route without the verify_twilio middleware"
                );
                Err(TwilioWebhookRejection::Unverified(Error::Misconfigured(
                    "verify_twilio middleware is not in front of this handler",
                )))
            }
        }
    }
}
