//! hyper 1 and tower: [`verify_request`] for any `http::Request<B: Body>`, and
//! [`TwilioWebhookLayer`] / [`TwilioWebhookService`] to put verification in front of a
//! tower service (a hyper server through `service_fn`, an axum `Router`, tonic …).
//!
//! Both only translate between `http` types and [`crate::pipeline`]: the request's parts
//! become [`RequestParts`](crate::pipeline::RequestParts), the body is read within
//! [`WebhookConfig::body_limit`], and the verdict becomes either the request (body
//! re-injected as [`Full<Bytes>`]) with a [`VerifiedRequest`], or a fixed short response
//! ([`error_response`]).
//!
//! # Inside axum routers
//!
//! With the `axum` feature on, the layer checks axum's `OriginalUri` (the full path, as
//! Twilio signed it) when the request has one, so it works inside `Router::nest`. With
//! `hyper` alone it cannot know axum's type and checks the request URI as it reaches it:
//! inside nested axum routers, use the axum adapter (or enable the `axum` feature).
//!
//! # Peer address
//!
//! hyper does not know the TCP peer of a request; the server that accepts connections
//! does. Insert the peer's [`std::net::SocketAddr`] into the request's extensions (see the
//! example on [`TwilioWebhookLayer`]) and it is reported in events and the attempt log.
//! Nothing else is looked for: axum's `ConnectInfo<SocketAddr>` is axum's own type, so
//! under this layer in an axum `Router` the peer is unknown unless a middleware copies it
//! into a plain `SocketAddr` extension.
//!
//! # Example
//!
//! ```
//! use http_body_util::Full;
//! use twilio_webhook::adapters::hyper::verify_request;
//! use twilio_webhook::pipeline::{Verdict, WebhookConfig};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let config = WebhookConfig::single_token("12345", "https://api.example.com").unwrap();
//! let body = "Body=hello&From=%2B14158675309";
//! let signature = twilio_webhook::compute_twilio_signature(
//!     "https://api.example.com/hook",
//!     [("Body", "hello"), ("From", "+14158675309")],
//!     "12345",
//! );
//! let req = http::Request::post("/hook")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .header("x-twilio-signature", signature)
//!     .body(Full::new(bytes::Bytes::from(body)))
//!     .unwrap();
//! let Verdict::Run((req, verified, completion)) = verify_request(&config, req).await.unwrap()
//! else { unreachable!("no replay guard, no answer") };
//! assert_eq!(verified.url, "https://api.example.com/hook");
//! // ... the handler answers ...
//! completion.complete(200, Some("text/xml"), b"<Response/>").await;
//! # let _ = req;
//! # });
//! ```

mod body;
mod layer;

use bytes::Bytes;
use http_body::Body;
use http_body_util::Full;

pub use body::{answer_response, error_response, Replay, ResponseBody};
pub use layer::{TwilioWebhookLayer, TwilioWebhookService};

use crate::error::Error;
use crate::pipeline::{Completion, Verdict, VerifiedRequest, WebhookConfig};

/// The error a request body's error must convert into (as [`http_body_util::Limited`]
/// requires): hyper's `Incoming`, axum's `Body` and `Full` all qualify.
///
/// ```
/// use twilio_webhook::adapters::hyper::BoxError;
/// let e: BoxError = "connection reset".into();
/// assert_eq!(e.to_string(), "connection reset");
/// ```
pub type BoxError = crate::adapters::http::BoxError;

/// Verifies a request: checks the signature header, the content type and any declared
/// `Content-Length` before reading the body, reads the body within
/// [`WebhookConfig::body_limit`] (stopping at the limit, never buffering the rest), then
/// judges it ([`WebhookConfig::verify`]).
///
/// On success returns a [`Verdict`]: [`Verdict::Run`] with the request (its body
/// re-injected as [`Full<Bytes>`], the same bytes, unchanged, and the [`VerifiedRequest`]
/// in its extensions), the [`VerifiedRequest`] beside it, and the [`Completion`] to finish
/// with your handler's response (`completion.complete(status, content_type, body).await`;
/// dropping it means the handler failed); or, with a replay guard, [`Verdict::Answer`]
/// for a repeat: send [`answer_response`] and do not run the handler. On failure returns the
/// [`Error`]: answer it with [`error_response`]. Every attempt is reported by the pipeline
/// (events, attempt log); do not report it again. The peer address is the
/// [`SocketAddr`](std::net::SocketAddr) in the request's extensions, if the server put
/// one there.
///
/// ```
/// use http_body_util::Full;
/// use twilio_webhook::adapters::hyper::{error_response, verify_request};
/// use twilio_webhook::pipeline::WebhookConfig;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let config = WebhookConfig::single_token("12345", "https://api.example.com").unwrap();
/// let forged = http::Request::post("/hook")
///     .header("content-type", "application/x-www-form-urlencoded")
///     .header("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
///     .body(Full::new(bytes::Bytes::from_static(b"Body=hi")))
///     .unwrap();
/// let err = verify_request(&config, forged).await.unwrap_err();
/// assert_eq!(error_response(&err).status(), 403);
/// # });
/// ```
pub async fn verify_request<B>(
    config: &WebhookConfig,
    req: http::Request<B>,
) -> Result<Verdict<(http::Request<Full<Bytes>>, VerifiedRequest, Completion)>, Error>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let (parts, verdict) = crate::adapters::http::verify(config, req, None).await?;
    Ok(verdict.map(|accepted| {
        (
            http::Request::from_parts(parts, Full::new(accepted.body)),
            accepted.request,
            accepted.completion,
        )
    }))
}
