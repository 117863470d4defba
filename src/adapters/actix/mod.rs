//! actix-web 4: the [`TwilioWebhook`] extractor for single handlers and the
//! [`TwilioWebhookMiddleware`] for whole scopes.
//!
//! Both run the pipeline's one sequence ([`WebhookConfig::verify`]): the precheck before
//! the body is touched, the body read chunk by chunk within [`WebhookConfig::body_limit`]
//! (413 as soon as it is exceeded, without buffering the rest), then the verdict.
//! A rejected request gets [`Rejection`]'s response (403, 400, 413 or 500 with a fixed
//! short text) and the handler is not called. A verified one reaches the handler with its
//! body unchanged and a [`VerifiedRequest`](crate::pipeline::VerifiedRequest).
//!
//! Which to use:
//! - [`TwilioWebhook<T>`] on a handler argument. It reads its [`WebhookConfig`] from
//!   `app_data` (`web::Data<WebhookConfig>` or a plain `WebhookConfig`), then hands the
//!   verified bytes to any extractor `T` (`Bytes`, `String`, `web::Form<_>`, `web::Json<_>`).
//! - [`TwilioWebhookMiddleware`] with `.wrap(..)` on a scope: every request in it is
//!   verified; handlers read the body with ordinary extractors and the verdict with
//!   `web::ReqData<VerifiedRequest>`.
//!
//! One of the two is enough for a route. Behind the middleware, the extractor takes the
//! middleware's verdict rather than verifying (and reporting) the request again.
//!
//! This module also implements [`HeaderSource`] for actix's own [`HeaderMap`] (actix-web 4
//! uses `http` 0.2 types, not the `http` 1 ones the `http` feature covers).
//!
//! ```no_run
//! use actix_web::{web, App, HttpResponse, HttpServer};
//! use twilio_webhook::adapters::actix::TwilioWebhook;
//! use twilio_webhook::pipeline::WebhookConfig;
//!
//! async fn incoming(hook: TwilioWebhook<String>) -> HttpResponse {
//!     println!("tenant {:?}: {}", hook.verified.tenant_id, hook.payload);
//!     HttpResponse::Ok().content_type("text/xml").body("<Response/>")
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     let config = web::Data::new(
//!         WebhookConfig::single_token("your auth token", "https://api.example.com").unwrap(),
//!     );
//!     HttpServer::new(move || {
//!         App::new()
//!             .app_data(config.clone())
//!             .route("/v1/webhooks/twilio", web::post().to(incoming))
//!     })
//!     .bind(("127.0.0.1", 3000))?
//!     .run()
//!     .await
//! }
//! ```

mod extractor;
mod middleware;

use ::actix_web::dev::Payload;
use ::actix_web::http::header::{self, HeaderMap};
use ::actix_web::http::StatusCode;
use ::actix_web::web::{Bytes, BytesMut};
use ::actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;

use crate::error::Error;
use crate::headers::{HeaderSource, HeaderValue, WithAuthority};
use crate::pipeline::{Accepted, Answer, Completion, RequestParts, Verdict, WebhookConfig};

pub use extractor::TwilioWebhook;
pub use middleware::{TwilioWebhookMiddleware, TwilioWebhookService};

impl HeaderSource for HeaderMap {
    fn get(&self, name: &str) -> HeaderValue<'_> {
        HeaderValue::from_values(self.get_all(name).map(|v| v.as_bytes()))
    }

    fn for_each(&self, f: &mut dyn FnMut(&str, &[u8])) {
        for (name, value) in self.iter() {
            f(name.as_str(), value.as_bytes());
        }
    }
}

/// A request that failed verification, as an actix-web error: the status of
/// [`Error::http_status`] and the fixed text of
/// [`response_text`](crate::pipeline::response_text), nothing else (the
/// precise reason went to the security events and the attempt log).
///
/// ```
/// use actix_web::ResponseError;
/// use twilio_webhook::adapters::actix::Rejection;
///
/// let r = Rejection::from(twilio_webhook::Error::MissingSignature);
/// assert_eq!(r.status_code().as_u16(), 403);
/// assert_eq!(r.error(), &twilio_webhook::Error::MissingSignature);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(Error);

impl Rejection {
    /// Why the request was rejected.
    pub fn error(&self) -> &Error {
        &self.0
    }

    /// The underlying error.
    pub fn into_error(self) -> Error {
        self.0
    }
}

impl From<Error> for Rejection {
    fn from(e: Error) -> Self {
        Rejection(e)
    }
}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // `Error`'s Display never holds a secret; actix logs it at debug level.
        core::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> StatusCode {
        let (status, _) = crate::adapters::refusal(&self.0);
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let (status, text) = crate::adapters::refusal(&self.0);
        HttpResponse::build(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        )
        .content_type(crate::adapters::REFUSAL_CONTENT_TYPE)
        .body(text)
    }
}

/// A repeat the replay guard answered instead of the handler
/// (`WebhookConfig::with_replay_guard`, feature `guard`): as an actix-web error (what the
/// [`TwilioWebhook`] extractor fails with), its response is the first delivery's stored
/// response, or the in-progress status. Not a refusal: the request was authentic.
///
/// ```
/// use actix_web::ResponseError;
/// use twilio_webhook::adapters::actix::Answered;
/// use twilio_webhook::pipeline::Answer;
/// assert_eq!(Answered(Answer::status(503)).error_response().status().as_u16(), 503);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("twilio webhook repeat answered by the replay guard ({})", .0.status)]
pub struct Answered(pub Answer);

impl ResponseError for Answered {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
    }

    fn error_response(&self) -> HttpResponse {
        answer_response(self.0.clone())
    }
}

/// The replay guard's answer as an actix-web response.
fn answer_response(answer: Answer) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut res = HttpResponse::build(status);
    if let Some(ct) = answer.content_type {
        res.content_type(ct);
    }
    res.body(answer.body)
}

/// Completes the claim with the handler's response body: reads it up to the guard's cap
/// and one byte more, stores it if it fits (else only status and content type), and hands
/// back a body with the same bytes followed by whatever was not read. `Err` with the body
/// untouched when there is no claim.
async fn complete<B>(
    completion: Completion,
    status: u16,
    content_type: Option<String>,
    body: B,
) -> Result<::actix_web::body::BoxBody, B>
where
    B: ::actix_web::body::MessageBody + 'static,
{
    use ::actix_web::body::{BodyStream, BoxBody};
    let Some(cap) = completion.response_cap() else {
        return Err(body);
    };
    let mut rest = Box::pin(body);
    let mut read: Vec<Result<Bytes, B::Error>> = Vec::new();
    let mut len = 0usize;
    let mut ended = false;
    while len <= cap {
        match futures_util::future::poll_fn(|cx| rest.as_mut().poll_next(cx)).await {
            Some(Ok(chunk)) => {
                len += chunk.len();
                read.push(Ok(chunk));
            }
            Some(Err(e)) => {
                // The response failed: the client gets the error, the claim is released.
                read.push(Err(e));
                drop(completion);
                return Ok(BoxBody::new(BodyStream::new(futures_util::stream::iter(
                    read,
                ))));
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    let data: Vec<u8> = read
        .iter()
        .filter_map(|c| c.as_ref().ok())
        .flat_map(|c| c.iter().copied())
        .collect();
    // Over the cap, the guard sees more than its cap and stores no body.
    completion
        .complete(status, content_type.as_deref(), &data)
        .await;
    if ended {
        return Ok(BoxBody::new(Bytes::from(data)));
    }
    let rest = futures_util::stream::poll_fn(move |cx| rest.as_mut().poll_next(cx));
    let all = futures_util::stream::iter(read).chain(rest);
    Ok(BoxBody::new(BodyStream::new(all)))
}

/// The actix side of the one sequence, shared by the extractor and the middleware:
/// translate the head, read the payload within the limit the pipeline gives, put the
/// verdict in the request extensions. Returns the verified bytes to hand on.
async fn verify(
    config: &WebhookConfig,
    req: &HttpRequest,
    payload: Payload,
) -> Result<Verdict<Accepted<Bytes>>, Error> {
    let accepted = {
        let head = req.head();
        let parts = RequestParts {
            method: head.method.as_str(),
            // The raw request target as received; actix keeps it unchanged in the head.
            path_and_query: head.uri.path_and_query().map_or("/", |pq| pq.as_str()),
            headers: &WithAuthority {
                headers: &head.headers,
                authority: head.uri.authority().map(|a| a.as_str()),
            },
            peer: req.peer_addr(),
            framework_body_limit: None,
        };
        config
            .verify(&parts, |limit| read_body(payload, limit, &head.headers))
            .await?
    };
    if let Verdict::Run(accepted) = &accepted {
        crate::adapters::put_verdict(&mut *req.extensions_mut(), &accepted.request);
    }
    Ok(accepted)
}

/// Whether the request carries a body (`Content-Length` above 0, or chunked), for telling
/// "no body" from "the body was already taken by an earlier extractor".
fn has_body(headers: &HeaderMap) -> bool {
    let declared = crate::pipeline::declared_length(headers).is_some_and(|n| n > 0);
    let chunked = headers
        .get_all(header::TRANSFER_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    declared || chunked
}

/// Reads the whole payload, failing as soon as more than `limit` bytes have arrived.
async fn read_body(
    mut payload: Payload,
    limit: usize,
    headers: &HeaderMap,
) -> Result<Bytes, Error> {
    // Pre-size from Content-Length (already checked against the limit), but cap it: the
    // header is the client's claim, and a slow client should not pin a full limit of memory.
    let declared = crate::pipeline::declared_length(headers).unwrap_or(0);
    let mut body = BytesMut::with_capacity(declared.min(limit).min(64 * 1024));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Error::BodyRead)?;
        if chunk.len() > limit - body.len() {
            return Err(Error::BodyTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The verified bytes as a payload for the next extractor or handler.
fn replay(body: Bytes) -> Payload {
    if body.is_empty() {
        Payload::None
    } else {
        Payload::from(body)
    }
}
