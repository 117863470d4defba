//! The request-to-verdict path every adapter shares: framework request parts in, a
//! verified record or an [`Error`] out, every attempt reported on the way.
//!
//! An adapter only translates: it builds [`RequestParts`] from its request, hands
//! [`WebhookConfig::verify`] a reader for its body (bounded by the limit `verify` passes
//! it), and turns the result into its framework's response: on success the handler gets
//! the verified bytes and the [`VerifiedRequest`], and the adapter finishes the
//! [`Completion`] with the handler's response (or, when the replay guard answers for the
//! handler, sends the [`Answer`]); on failure [`Error::http_status`] and
//! [`response_text`].

mod content_type;
mod public_url;
mod replay;
mod resolver;
mod sequence;
mod verdict;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

pub use public_url::PublicUrl;
pub use resolver::{
    AccountSidMap, BoxFuture, HostMap, KeyResolver, PathPrefixMap, ResolveContext, ResolveError,
    StaticKeys, Tenant,
};
#[cfg(feature = "actix")]
pub(crate) use sequence::declared_length;
pub use verdict::{Answer, Completion, Delivery, Verdict};

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
    /// # #[cfg(feature = "http")]
    /// # fn main() {
    /// use twilio_webhook::pipeline::RequestParts;
    /// let headers = http::HeaderMap::new();
    /// let parts = RequestParts::new("POST", "/hook?a=1", &headers);
    /// assert_eq!(parts.peer, None);
    /// # }
    /// # #[cfg(not(feature = "http"))]
    /// # fn main() {}
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
    /// First delivery or repeat, as the replay guard judged it ([`Delivery::Unguarded`]
    /// without a guard). A repeat reaches the handler only in pass-through mode.
    pub delivery: Delivery,
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

impl std::fmt::Debug for VerifiedRequest {
    // The URL may carry HTTP Basic credentials; `url` itself stays exact for handlers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedRequest")
            .field("tenant_id", &self.tenant_id)
            .field("matched", &self.matched)
            .field("url", &crate::redact::mask_password(&self.url))
            .field("idempotency_token", &self.idempotency_token)
            .field("delivery", &self.delivery)
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
    clock: fn() -> SystemTime,
    #[cfg(feature = "guard")]
    guard: Option<crate::guard::Guard>,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("public_url", &self.public_url)
            .field("body_limit", &self.body_limit)
            .field("attempt_log", &self.attempt_log.is_some())
            .field("replay_guard", &self.has_replay_guard())
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
            clock: default_clock,
            #[cfg(feature = "guard")]
            guard: None,
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

    /// Sets the clock that timestamps attempt reports (default: the system clock).
    ///
    /// On `wasm32-unknown-unknown` (Cloudflare Workers, Fastly) `SystemTime::now` panics, so
    /// there the default clock reads the Unix epoch: supply the runtime's own (for example
    /// `Date.now()` through `js-sys`) to get real times in reports. Verification never
    /// reads the clock.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime, UNIX_EPOCH};
    /// use twilio_webhook::pipeline::WebhookConfig;
    /// fn fixed() -> SystemTime {
    ///     UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    /// }
    /// let config = WebhookConfig::single_token("t", "https://api.example.com")?.with_clock(fixed);
    /// # let _ = config;
    /// # Ok::<(), twilio_webhook::Error>(())
    /// ```
    pub fn with_clock(mut self, clock: fn() -> SystemTime) -> Self {
        self.clock = clock;
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

    /// Puts a replay and duplicate-delivery guard on the routes this configuration
    /// verifies: after a request verified, only its first delivery runs the handler, and
    /// repeats are answered with the first delivery's response ([`Verdict::Answer`]).
    ///
    /// A configuration is per route (or per group of routes): guard only the routes whose
    /// legitimate deliveries always differ in a signed parameter (incoming messages and
    /// calls, message and call status callbacks), never `<Gather>`/`<Record>` action URLs
    /// or `<Redirect>` loops, whose legitimate repeats can be byte-identical (see
    /// [`crate::guard`]). Give those routes a configuration without a guard.
    ///
    /// ```
    /// use twilio_webhook::guard::{Guard, GuardConfig, MemoryStore};
    /// use twilio_webhook::pipeline::WebhookConfig;
    /// let guard = Guard::new(MemoryStore::new(10_000), GuardConfig::default()).unwrap();
    /// let config = WebhookConfig::single_token("auth token", "https://api.example.com")
    ///     .unwrap()
    ///     .with_replay_guard(guard);
    /// assert!(config.has_replay_guard());
    /// ```
    #[cfg(feature = "guard")]
    #[cfg_attr(docsrs, doc(cfg(feature = "guard")))]
    pub fn with_replay_guard(mut self, guard: crate::guard::Guard) -> Self {
        self.guard = Some(guard);
        self
    }

    /// Whether a replay guard is configured.
    ///
    /// ```
    /// let config = twilio_webhook::pipeline::WebhookConfig::single_token("t", "https://h").unwrap();
    /// assert!(!config.has_replay_guard());
    /// ```
    pub fn has_replay_guard(&self) -> bool {
        #[cfg(feature = "guard")]
        return self.guard.is_some();
        #[cfg(not(feature = "guard"))]
        false
    }
}

/// The content type of every refusal.
#[cfg_attr(
    not(any(
        feature = "guard",
        feature = "axum",
        feature = "hyper",
        feature = "actix"
    )),
    allow(dead_code)
)]
pub(crate) const REFUSAL_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The fixed, leak-free response text for a status: `Forbidden`, `Bad Request`,
/// `Payload Too Large`, `Internal Server Error` or `Service Unavailable`.
///
/// ```
/// assert_eq!(twilio_webhook::pipeline::response_text(403), "Forbidden");
/// ```
pub fn response_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Forbidden",
    }
}

/// The system clock, except where it panics: `wasm32-unknown-unknown` has no clock of its
/// own, so reports there read the Unix epoch unless [`WebhookConfig::with_clock`] supplies one.
fn default_clock() -> SystemTime {
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    return SystemTime::UNIX_EPOCH;
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    SystemTime::now()
}
