//! Per-handler verification: `TwilioWebhook<T>` verifies, then hands the same bytes to `T`.

use std::sync::Arc;

use ::axum::extract::{FromRef, FromRequest, Request};

use super::rejection::TwilioWebhookRejection;
use super::verify::verify_request;
use crate::adapters::AlreadyVerified;
use crate::pipeline::{Completion, Verdict, VerifiedRequest, WebhookConfig};

/// An extractor that verifies the request is an authentic Twilio webhook, then extracts
/// `T` from the very bytes that were verified (`Form<T>`, `Json<T>`, `Bytes`, `String`, or
/// any `FromRequest` extractor).
///
/// The [`WebhookConfig`] comes from the router state: the state must provide an
/// `Arc<WebhookConfig>` through [`FromRef`] (the state can *be* `Arc<WebhookConfig>`, or
/// derive `FromRef` for a field of that type). A router without it does not compile.
///
/// The body is read up to the smaller of [`WebhookConfig::body_limit`] and axum's
/// [`DefaultBodyLimit`](::axum::extract::DefaultBodyLimit) (2 MB unless changed); beyond
/// it the answer is 413 before `T` runs. The peer address comes from
/// `ConnectInfo<SocketAddr>` when the server was started with
/// `into_make_service_with_connect_info::<SocketAddr>()`. Inside `Router::nest` the full
/// original path is checked, as Twilio signed it.
///
/// Behind [`verify_twilio`](super::verify_twilio) or the `hyper` feature's
/// `TwilioWebhookLayer`, the extractor takes that verdict instead of verifying and
/// reporting the request a second time.
///
/// Refusals are [`TwilioWebhookRejection`]s: our errors become their status and a fixed
/// text; a rejection from `T` (the request was authentic) is passed through unchanged. With
/// a replay guard on the configuration, a repeat is [`TwilioWebhookRejection::Answered`]:
/// the first delivery's response, and the handler does not run.
///
/// ```
/// use std::{collections::HashMap, sync::Arc};
/// use axum::{routing::post, Form, Router};
/// use twilio_webhook::adapters::axum::TwilioWebhook;
/// use twilio_webhook::pipeline::WebhookConfig;
///
/// async fn incoming(webhook: TwilioWebhook<Form<HashMap<String, String>>>) -> &'static str {
///     let Form(params) = webhook.payload;
///     let _from = params.get("From");
///     let _retry_key = webhook.verified.idempotency_token;
///     "ok"
/// }
///
/// let config = WebhookConfig::single_token("auth token", "https://api.example.com").unwrap();
/// let app: Router = Router::new()
///     .route("/v1/webhooks/twilio", post(incoming))
///     .with_state(Arc::new(config));
/// # let _ = app;
/// ```
#[derive(Debug)]
pub struct TwilioWebhook<T> {
    /// What `T` extracted from the verified body.
    pub payload: T,
    /// Which tenant and key matched, the URL checked, the idempotency token.
    pub verified: VerifiedRequest,
    /// To finish with what your handler answers (an extractor never sees the response):
    /// `hook.completion.complete(status, content_type, body).await`. With a replay guard a
    /// 2xx stores that response for repeats; any other status, or dropping it (an early
    /// return, an error, a panic), releases the claim so that Twilio's retry runs the
    /// handler again. Without a guard it does nothing. Behind the middleware (or layer),
    /// which completes from the real response, it is a no-op.
    pub completion: Completion,
}

impl<T> TwilioWebhook<T> {
    /// The extracted payload, dropping the verification record.
    pub fn into_inner(self) -> T {
        self.payload
    }
}

impl<S, T> FromRequest<S> for TwilioWebhook<T>
where
    Arc<WebhookConfig>: FromRef<S>,
    S: Send + Sync,
    T: FromRequest<S>,
{
    type Rejection = TwilioWebhookRejection<T::Rejection>;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Behind `verify_twilio` or the tower layer: one verdict, one report.
        let (req, verified, completion) = match req.extensions().get().cloned() {
            // Behind the middleware or the layer, which complete the request themselves.
            Some(AlreadyVerified(verified)) => (req, verified, Completion::none()),
            None => {
                let config = Arc::<WebhookConfig>::from_ref(state);
                match verify_request(&config, req)
                    .await
                    .map_err(TwilioWebhookRejection::Unverified)?
                {
                    Verdict::Run(run) => run,
                    // A repeat the replay guard answers: the handler does not run.
                    Verdict::Answer(a) => return Err(TwilioWebhookRejection::Answered(a)),
                }
            }
        };
        let payload = T::from_request(req, state)
            .await
            .map_err(TwilioWebhookRejection::Payload)?;
        Ok(TwilioWebhook {
            payload,
            verified,
            completion,
        })
    }
}
