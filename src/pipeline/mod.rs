//! The request-to-verdict path every adapter shares: framework request parts in, a
//! verified record or an [`Error`] out, every attempt reported on the way.
//!
//! An adapter only translates: it builds [`RequestParts`] from its request, hands
//! [`WebhookConfig::verify`] a reader for its body (bounded by the limit `verify` passes
//! it), and turns the result into its framework's response: on success the handler gets
//! the verified bytes and the [`VerifiedRequest`], and the adapter finishes the
//! [`Completion`] with the handler's status; on failure [`Error::http_status`] and
//! [`response_text`].

mod content_type;
mod public_url;
mod resolver;
mod sequence;

use std::net::SocketAddr;
use std::sync::Arc;

pub use public_url::PublicUrl;
pub use resolver::{
    AccountSidMap, BoxFuture, HostMap, KeyResolver, PathPrefixMap, ResolveContext, ResolveError,
    StaticKeys, Tenant,
};
#[cfg(feature = "actix")]
pub(crate) use sequence::declared_length;

use crate::error::Error;
use crate::headers::HeaderSource;
use crate::report::AttemptLog;
use crate::verifier::{Verified, Verifier};

/// Default body limit: 1 MiB (Twilio's payloads are a few KiB).
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// The request as an adapter sees it, before the body.
#[derive(Clone, Copy)]
pub struct RequestParts<'a, H: HeaderSource> {
    /// HTTP method.
    pub method: &'a str,
    /// The raw request target as received (`/path?query`), never re-encoded.
    pub path_and_query: &'a str,
    /// Headers.
    pub headers: &'a H,
    /// The TCP peer, if the framework knows it.
    pub peer: Option<SocketAddr>,
    /// A body limit the framework applies on top of [`WebhookConfig::body_limit`] (axum's
    /// `DefaultBodyLimit`): the smaller of the two is enforced and reported.
    pub framework_body_limit: Option<usize>,
}

impl<'a, H: HeaderSource> RequestParts<'a, H> {
    /// A request with this method, raw request target and headers; no peer address, no
    /// framework limit.
    ///
    /// ```
    /// use twilio_webhook::pipeline::RequestParts;
    /// let headers = http::HeaderMap::new();
    /// let parts = RequestParts::new("POST", "/hook?a=1", &headers);
    /// assert_eq!(parts.peer, None);
    /// ```
    pub fn new(method: &'a str, path_and_query: &'a str, headers: &'a H) -> Self {
        RequestParts {
            method,
            path_and_query,
            headers,
            peer: None,
            framework_body_limit: None,
        }
    }
}

impl<H: HeaderSource> std::fmt::Debug for RequestParts<'_, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("peer", &self.peer)
            .field("framework_body_limit", &self.framework_body_limit)
            .finish_non_exhaustive()
    }
}

/// What a handler gets after verification (adapters put it in request extensions).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// The tenant whose key matched.
    pub tenant_id: Option<Arc<str>>,
    /// Key, URL variant and algorithm that matched.
    pub matched: Verified,
    /// The public URL that was checked.
    pub url: String,
    /// `I-Twilio-Idempotency-Token`, equal across Twilio's own retries of one delivery.
    /// It is **not signed**: it tells Twilio's retries apart from new deliveries, but an
    /// attacker replaying a captured request sends any token they like, so it cannot stop
    /// replays (the signature itself is what is unforgeable per delivery).
    pub idempotency_token: Option<String>,
}

/// A verified request, as [`WebhookConfig::verify`] hands it to the adapter.
#[derive(Debug)]
#[non_exhaustive]
pub struct Accepted<B> {
    /// What the handler gets beside the body.
    pub request: VerifiedRequest,
    /// The body the adapter read: the exact bytes that were verified.
    pub body: B,
    /// To finish with the handler's response status.
    pub completion: Completion,
}

/// What an adapter owes the pipeline once the handler has answered: its status.
///
/// The middleware and the layer complete it from the handler's response; an extractor,
/// which never sees the response, hands it to the handler (`TwilioWebhook::completion`).
/// Dropping it without completing means the handler failed. This is the seam a replay
/// guard plugs into (claim before the handler, complete on 2xx, release otherwise); with
/// no guard configured, completing it does nothing.
///
/// ```
/// # fn accepted() -> twilio_webhook::pipeline::Completion { unimplemented!() }
/// # fn demo() {
/// let completion = accepted();
/// completion.complete(200);
/// # }
/// ```
#[derive(Debug)]
#[must_use = "complete it with the handler's response status; dropping it means the handler failed"]
pub struct Completion {
    _seam: (),
}

impl Completion {
    pub(crate) fn new() -> Self {
        Completion { _seam: () }
    }

    /// The handler answered with `status`.
    pub fn complete(self, status: u16) {
        let _ = status;
    }
}

impl std::fmt::Debug for VerifiedRequest {
    // The URL may carry HTTP Basic credentials; `url` itself stays exact for handlers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedRequest")
            .field("tenant_id", &self.tenant_id)
            .field("matched", &self.matched)
            .field("url", &crate::redact::mask_password(&self.url))
            .field("idempotency_token", &self.idempotency_token)
            .finish()
    }
}

/// How webhook requests are judged: keys, public URL, limits, reporting. Build once,
/// share in an `Arc` (adapters do).
///
/// ```
/// use twilio_webhook::pipeline::WebhookConfig;
/// let config = WebhookConfig::single_token("auth token", "https://api.example.com").unwrap()
///     .with_body_limit(64 * 1024);
/// assert_eq!(config.body_limit(), 64 * 1024);
/// ```
#[derive(Clone)]
pub struct WebhookConfig {
    resolver: Arc<dyn KeyResolver>,
    public_url: PublicUrl,
    body_limit: usize,
    attempt_log: Option<Arc<dyn AttemptLog>>,
    redaction: crate::redact::Redaction,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("public_url", &self.public_url)
            .field("body_limit", &self.body_limit)
            .field("attempt_log", &self.attempt_log.is_some())
            .finish_non_exhaustive()
    }
}

impl WebhookConfig {
    /// Keys from `resolver`, URL by `public_url`, 1 MiB limit, no attempt log.
    pub fn new(resolver: impl KeyResolver, public_url: PublicUrl) -> Self {
        WebhookConfig {
            resolver: Arc::new(resolver),
            public_url,
            body_limit: DEFAULT_BODY_LIMIT,
            attempt_log: None,
            redaction: crate::redact::Redaction::default(),
        }
    }

    /// One Auth Token, behind a public base URL such as `https://api.example.com`.
    pub fn single_token(auth_token: &str, public_base_url: &str) -> Result<Self, Error> {
        let verifier = Verifier::builder().auth_token(auth_token).try_build()?;
        Ok(Self::new(
            StaticKeys::new(verifier),
            PublicUrl::base(public_base_url)?,
        ))
    }

    /// Sets the body limit in bytes; larger bodies get 413 without being buffered.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets the hook that receives every attempt.
    pub fn with_attempt_log(mut self, log: impl AttemptLog) -> Self {
        self.attempt_log = Some(Arc::new(log));
        self
    }

    /// Sets what the attempt log may keep: payload policy and extra header names to
    /// redact (default: [`Redaction::default`](crate::redact::Redaction)).
    ///
    /// ```
    /// use twilio_webhook::pipeline::WebhookConfig;
    /// use twilio_webhook::redact::{Keep, PayloadPolicy, Redaction};
    /// let config = WebhookConfig::single_token("auth token", "https://api.example.com").unwrap()
    ///     .with_redaction(Redaction::default().with_payload(PayloadPolicy {
    ///         verified: Keep::Full,
    ///         refused: Keep::Prefix(0),
    ///     }));
    /// # let _ = config;
    /// ```
    pub fn with_redaction(mut self, redaction: crate::redact::Redaction) -> Self {
        self.redaction = redaction;
        self
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }
}

/// The fixed, leak-free response text for a status: `Forbidden`, `Bad Request`,
/// `Payload Too Large` or `Internal Server Error`.
///
/// ```
/// assert_eq!(twilio_webhook::pipeline::response_text(403), "Forbidden");
/// ```
pub fn response_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        _ => "Forbidden",
    }
}
