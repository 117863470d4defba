//! `TwilioWebhookMiddleware`: verify every request of a scope before its handler runs.

use std::rc::Rc;
use std::sync::Arc;

use ::actix_web::body::{EitherBody, MessageBody};
use ::actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use ::actix_web::ResponseError;
use futures_util::future::{ready, LocalBoxFuture, Ready};

use super::{complete, replay, verify, Answered, Rejection};
use crate::pipeline::{Verdict, WebhookConfig};

/// Verifies every request of the scope or app it wraps.
///
/// A verified request reaches its handler with the body replayed unchanged (read it with
/// `web::Bytes`, `String`, `web::Form<_>` …) and a
/// [`VerifiedRequest`](crate::pipeline::VerifiedRequest) in the request extensions (read it
/// with `web::ReqData<VerifiedRequest>`). A rejected one gets [`Rejection`]'s response and
/// the handler is not called. The peer address for the attempt report is
/// `HttpRequest::peer_addr`.
///
/// ```no_run
/// use actix_web::{web, App, HttpResponse, HttpServer};
/// use twilio_webhook::adapters::actix::TwilioWebhookMiddleware;
/// use twilio_webhook::pipeline::{VerifiedRequest, WebhookConfig};
///
/// async fn status(verified: web::ReqData<VerifiedRequest>, body: web::Bytes) -> HttpResponse {
///     println!("{:?}: {} bytes", verified.idempotency_token, body.len());
///     HttpResponse::NoContent().finish()
/// }
///
/// #[actix_web::main]
/// async fn main() -> std::io::Result<()> {
///     let twilio = TwilioWebhookMiddleware::new(
///         WebhookConfig::single_token("your auth token", "https://api.example.com").unwrap(),
///     );
///     HttpServer::new(move || {
///         App::new().service(
///             web::scope("/v1/webhooks/twilio")
///                 .wrap(twilio.clone())
///                 .route("/status", web::post().to(status)),
///         )
///     })
///     .bind(("127.0.0.1", 3000))?
///     .run()
///     .await
/// }
/// ```
#[derive(Debug, Clone)]
pub struct TwilioWebhookMiddleware {
    config: Arc<WebhookConfig>,
}

impl TwilioWebhookMiddleware {
    /// Verifies with `config` (a `WebhookConfig` or an `Arc` of one).
    pub fn new(config: impl Into<Arc<WebhookConfig>>) -> Self {
        TwilioWebhookMiddleware {
            config: config.into(),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for TwilioWebhookMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = ::actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = ::actix_web::Error;
    type Transform = TwilioWebhookService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(TwilioWebhookService {
            service: Rc::new(service),
            config: Arc::clone(&self.config),
        }))
    }
}

/// The service [`TwilioWebhookMiddleware`] wraps around a scope's service.
#[derive(Debug)]
pub struct TwilioWebhookService<S> {
    // An `Rc` so the inner service can be called after the body has been read.
    service: Rc<S>,
    config: Arc<WebhookConfig>,
}

impl<S, B> Service<ServiceRequest> for TwilioWebhookService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = ::actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = ::actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            let (http_req, payload) = req.into_parts();
            match verify(&config, &http_req, payload).await {
                Ok(Verdict::Run(accepted)) => {
                    let req = ServiceRequest::from_parts(http_req, replay(accepted.body));
                    // An `Err` drops the completion: the handler did not answer.
                    let res = service.call(req).await?;
                    if accepted.completion.response_cap().is_none() {
                        return Ok(res.map_into_left_body());
                    }
                    let status = res.status().as_u16();
                    let content_type = res
                        .headers()
                        .get(::actix_web::http::header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let (http_req, res) = res.into_parts();
                    let (res, body) = res.into_parts();
                    let body = match complete(accepted.completion, status, content_type, body).await
                    {
                        Ok(replayed) => EitherBody::right(replayed),
                        Err(body) => EitherBody::left(body),
                    };
                    Ok(ServiceResponse::new(http_req, res.set_body(body)))
                }
                Ok(Verdict::Answer(answer)) => {
                    let response = Answered(answer).error_response();
                    Ok(ServiceResponse::new(http_req, response).map_into_right_body())
                }
                Err(e) => {
                    let response = Rejection::from(e).error_response();
                    Ok(ServiceResponse::new(http_req, response).map_into_right_body())
                }
            }
        })
    }
}
