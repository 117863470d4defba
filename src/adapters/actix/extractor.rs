//! The `TwilioWebhook<T>` extractor: verify, then let `T` extract from the same bytes.

use ::actix_web::dev::Payload;
use ::actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::{replay, verify, Rejection};
use crate::adapters::AlreadyVerified;
use crate::error::Error;
use crate::pipeline::{VerifiedRequest, WebhookConfig};

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
#[derive(Debug, Clone)]
pub struct TwilioWebhook<T = web::Bytes> {
    /// Which tenant, key and URL variant matched, and the idempotency token.
    pub verified: VerifiedRequest,
    /// The body, extracted as `T` from the verified bytes (named as in the axum adapter).
    pub payload: T,
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
                return Ok(TwilioWebhook { verified, payload });
            }
            let config = config_of(&req).ok_or_else(missing_config)?;
            let (verified, body) = verify(config, &req, payload)
                .await
                .map_err(Rejection::from)?;
            req.extensions_mut().insert(verified.clone());
            let payload = T::from_request(&req, &mut replay(body))
                .await
                .map_err(Into::into)?;
            Ok(TwilioWebhook { verified, payload })
        })
    }
}

fn config_of(req: &HttpRequest) -> Option<&WebhookConfig> {
    req.app_data::<web::Data<WebhookConfig>>()
        .map(|d| d.get_ref())
        .or_else(|| req.app_data::<WebhookConfig>())
}

fn missing_config() -> Rejection {
    #[cfg(feature = "tracing")]
    tracing::error!(
        target: "twilio_webhook::security",
        event_type = "webhook_misconfigured",
        provider = "twilio",
        "TwilioWebhook extractor used without a WebhookConfig in app_data; request refused"
    );
    Rejection::from(Error::Misconfigured(
        "no WebhookConfig in actix-web app_data",
    ))
}
