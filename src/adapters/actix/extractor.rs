//! The `TwilioWebhook<T>` extractor: verify, then let `T` extract from the same bytes.

use ::actix_web::dev::Payload;
use ::actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::{has_body, replay, verify, Answered, Rejection};
use crate::adapters::AlreadyVerified;
use crate::error::Error;
use crate::pipeline::{Completion, Verdict, VerifiedRequest, WebhookConfig};

/// A verified Twilio webhook: the verdict, and the body extracted as `T` from the exact
/// bytes that were verified.
///
/// `T` is any actix extractor that reads the body: [`Bytes`](::actix_web::web::Bytes)
/// (the default), `String`, `web::Form<YourParams>`, `web::Json<_>`. The body is read once
/// within [`WebhookConfig::body_limit`] and then replayed to `T`, so `T`'s own limits
/// (`PayloadConfig`, `FormConfig`, `JsonConfig`) still apply on top.
///
/// **Configuration**: a [`WebhookConfig`] in `app_data`, as `web::Data<WebhookConfig>` or
/// as a plain `WebhookConfig` (looked up in that order, like actix's `JsonConfig`). Without
/// one every request is refused with 500: a missing configuration fails closed.
///
/// The [`VerifiedRequest`] is also put in the request extensions, so later extractors can
/// read it with `web::ReqData<VerifiedRequest>`. Behind
/// [`TwilioWebhookMiddleware`](super::TwilioWebhookMiddleware), the extractor takes the
/// middleware's verdict instead of verifying and reporting the request a second time.
///
/// ```no_run
/// use actix_web::{web, App, HttpResponse, HttpServer};
/// use serde::Deserialize;
/// use twilio_webhook::adapters::actix::TwilioWebhook;
/// use twilio_webhook::pipeline::WebhookConfig;
///
/// #[derive(Deserialize)]
/// #[serde(rename_all = "PascalCase")]
/// struct Incoming {
///     from: String,
///     body: String,
/// }
///
/// async fn incoming(hook: TwilioWebhook<web::Form<Incoming>>) -> HttpResponse {
///     if let Some(token) = &hook.verified.idempotency_token {
///         // Store it and drop Twilio's retries of the same delivery.
///         let _ = token;
///     }
///     println!("{} says {}", hook.payload.from, hook.payload.body);
///     HttpResponse::Ok().content_type("text/xml").body("<Response/>")
/// }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let config = WebhookConfig::single_token("your auth token", "https://api.example.com")
///         .expect("valid token and base URL")
///         .with_body_limit(64 * 1024);
///     HttpServer::new(move || {
///         App::new()
///             .app_data(config.clone())
///             .route("/v1/webhooks/twilio", web::post().to(incoming))
///     })
///     .bind(("127.0.0.1", 3000))?
///     .run()
///     .await
/// }
/// ```
#[derive(Debug)]
pub struct TwilioWebhook<T = web::Bytes> {
    /// Which tenant, key and URL variant matched, and the idempotency token.
    pub verified: VerifiedRequest,
    /// The body, extracted as `T` from the verified bytes (named as in the axum adapter).
    pub payload: T,
    /// To finish with what your handler answers (an extractor never sees the response):
    /// `hook.completion.complete(status, content_type, body).await`. With a replay guard a
    /// 2xx stores that response for repeats; any other status, or dropping it (an early
    /// return, an error, a panic), releases the claim so that Twilio's retry runs the
    /// handler again. Without a guard it does nothing. Behind the middleware (or layer),
    /// which completes from the real response, it is a no-op.
    pub completion: Completion,
}

impl<T> TwilioWebhook<T> {
    /// The extracted body.
    pub fn into_inner(self) -> T {
        self.payload
    }
}

impl<T> FromRequest for TwilioWebhook<T>
where
    T: FromRequest + 'static,
{
    type Error = ::actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            // Behind the middleware: one verdict, one report.
            let already = req.extensions().get::<AlreadyVerified>().cloned();
            if let Some(AlreadyVerified(verified)) = already {
                let payload = T::from_request(&req, &mut payload)
                    .await
                    .map_err(Into::into)?;
                return Ok(TwilioWebhook {
                    verified,
                    payload,
                    completion: Completion::none(),
                });
            }
            let config = config_of(&req)
                .ok_or_else(|| misconfigured("no WebhookConfig in actix-web app_data"))?;
            // An extractor before this one (`web::Bytes`, `String`, `web::Form`) took the
            // body: verifying the empty rest would let the handler act on unverified bytes.
            if matches!(payload, Payload::None) && has_body(req.headers()) {
                return Err(misconfigured(
                    "the request body was taken by an extractor before TwilioWebhook: put \
                     TwilioWebhook first and read the body through TwilioWebhook<T> (e.g. \
                     TwilioWebhook<web::Bytes>)",
                )
                .into());
            }
            let accepted = match verify(config, &req, payload)
                .await
                .map_err(Rejection::from)?
            {
                Verdict::Run(accepted) => accepted,
                // A repeat the replay guard answers: the handler does not run.
                Verdict::Answer(answer) => return Err(Answered(answer).into()),
            };
            let payload = T::from_request(&req, &mut replay(accepted.body))
                .await
                .map_err(Into::into)?;
            Ok(TwilioWebhook {
                verified: accepted.request,
                payload,
                completion: accepted.completion,
            })
        })
    }
}

fn config_of(req: &HttpRequest) -> Option<&WebhookConfig> {
    req.app_data::<web::Data<WebhookConfig>>()
        .map(|d| d.get_ref())
        .or_else(|| req.app_data::<WebhookConfig>())
}

/// A refusal for a mistake in the application's wiring (500), reported as an `error`
/// event: it is ours to fix, not the sender's.
fn misconfigured(why: &'static str) -> Rejection {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: "twilio_webhook::security",
        event_type = "webhook_misconfigured",
        provider = "twilio",
        reason = why,
        "TwilioWebhook extractor misconfigured; request refused"
    );
    Rejection::from(Error::Misconfigured(why))
}
