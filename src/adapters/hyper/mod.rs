//! hyper 1 and tower: [`verify_request`] for any `http::Request<B: Body>`, and
//! [`TwilioWebhookLayer`] / [`TwilioWebhookService`] to put verification in front of a
//! tower service (a hyper server through `service_fn`, an axum `Router`, tonic …).
//!
//! Both only translate between `http` types and [`crate::pipeline`]: the request's parts
//! become [`RequestParts`], the body is read within [`WebhookConfig::body_limit`], and the
//! verdict becomes either the request (body re-injected as [`Full<Bytes>`]) with a
//! [`VerifiedRequest`], or a fixed short response ([`error_response`]).
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
//! use twilio_webhook::pipeline::WebhookConfig;
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
//! let (req, verified) = verify_request(&config, req).await.unwrap();
//! assert_eq!(verified.url, "https://api.example.com/hook");
//! # let _ = req;
//! # });
//! ```

mod body;
mod layer;

use std::net::SocketAddr;

use bytes::Bytes;
use http_body::Body;
use http_body_util::Full;

pub use body::{error_response, ResponseBody};
pub use layer::{TwilioWebhookLayer, TwilioWebhookService};

use crate::error::Error;
use crate::headers::WithAuthority;
use crate::pipeline::{RequestParts, VerifiedRequest, WebhookConfig};

/// The error a request body's error must convert into (as [`http_body_util::Limited`]
/// requires): hyper's `Incoming`, axum's `Body` and `Full` all qualify.
///
/// ```
/// use twilio_webhook::adapters::hyper::BoxError;
/// let e: BoxError = "connection reset".into();
/// assert_eq!(e.to_string(), "connection reset");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Verifies a request: checks the signature header and any declared `Content-Length`
/// before reading the body, reads the body within [`WebhookConfig::body_limit`] (stopping at
/// the limit, never buffering the rest), then judges it with [`WebhookConfig::check`].
///
/// On success returns the request with its body re-injected as [`Full<Bytes>`] (the same
/// bytes, unchanged) and the [`VerifiedRequest`]. On failure returns the [`Error`]: answer
/// it with [`error_response`]. Every attempt is reported by the pipeline (events, attempt
/// log); do not report it again. The peer address is the [`SocketAddr`] in the request's
/// extensions, if the server put one there.
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
) -> Result<(http::Request<Full<Bytes>>, VerifiedRequest), Error>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let (parts, body) = req.into_parts();
    let request = RequestParts {
        method: parts.method.as_str(),
        // `http` keeps the request target's text as received; it is not re-encoded.
        path_and_query: parts.uri.path_and_query().map_or("", |p| p.as_str()),
        headers: &WithAuthority {
            headers: &parts.headers,
            authority: parts.uri.authority().map(|a| a.as_str()),
        },
        peer: parts.extensions.get::<SocketAddr>().copied(),
    };
    config.precheck(&request)?;
    let (bytes, read) =
        match crate::adapters::http_body::read_limited(body, config.body_limit()).await {
            Ok(bytes) => (bytes, Ok(())),
            Err(e) => (Bytes::new(), Err(e)),
        };
    let verified = config.check(&request, read.map(|()| &bytes[..])).await?;
    Ok((http::Request::from_parts(parts, Full::new(bytes)), verified))
}
