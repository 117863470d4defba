//! The request-to-verdict path every adapter shares: framework request parts in, a
//! verified record or an [`Error`] out, every attempt reported on the way.
//!
//! An adapter only translates: it builds [`RequestParts`] from its request, calls
//! [`WebhookConfig::precheck`] (cheap, before the body is read), reads the body within
//! [`WebhookConfig::body_limit`], calls [`WebhookConfig::check`], and turns the result
//! into its framework's response with [`Error::http_status`] and [`response_text`].

mod public_url;
mod resolver;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

pub use public_url::PublicUrl;
pub use resolver::{
    AccountSidMap, BoxFuture, KeyResolver, ResolveContext, ResolveError, StaticKeys, Tenant,
};

use crate::error::Error;
use crate::headers::{names, HeaderSource, HeaderValue};
use crate::report::{self, Attempt, AttemptLog, AttemptStatus, ClientAddr};
use crate::request::{is_form, Payload, WebhookRequest};
use crate::settings::SignatureSettings;
use crate::url::VariantSet;
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
}

impl<H: HeaderSource> std::fmt::Debug for RequestParts<'_, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("peer", &self.peer)
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
    /// `I-Twilio-Idempotency-Token`, equal across Twilio's retries of one delivery: store
    /// it to drop duplicates (Twilio's signatures carry no timestamp).
    pub idempotency_token: Option<String>,
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

    /// Checks what can be checked before reading the body: exactly one signature header,
    /// and a declared `Content-Length` within the limit. Reports a refusal.
    pub fn precheck<H: HeaderSource>(&self, parts: &RequestParts<'_, H>) -> Result<(), Error> {
        let err = match signature_header(parts.headers) {
            Err(e) => e,
            Ok(_) => match declared_length(parts.headers) {
                Some(n) if n > self.body_limit => Error::BodyTooLarge {
                    limit: self.body_limit,
                },
                _ => return Ok(()),
            },
        };
        self.report(parts, None, None, b"", Err(&err), VariantSet::default());
        Err(err)
    }

    /// Judges a request whose body was read (or failed to read: pass
    /// `Err(Error::BodyTooLarge { .. })` or `Err(Error::BodyRead)` so it is reported).
    pub async fn check<H: HeaderSource>(
        &self,
        parts: &RequestParts<'_, H>,
        body: Result<&[u8], Error>,
    ) -> Result<VerifiedRequest, Error> {
        let (result, url, tenant, tried, payload) = match body {
            Err(e) => (Err(e), None, None, VariantSet::default(), &b""[..]),
            Ok(body) => {
                let mut url = None;
                let mut tenant = None;
                let r = self.judge(parts, body, &mut url, &mut tenant).await;
                let tried = match &r {
                    Err(Error::SignatureMismatch { tried }) => *tried,
                    _ => VariantSet::default(),
                };
                (r, url, tenant, tried, body)
            }
        };
        let tenant_id = tenant.as_ref().and_then(|t: &Tenant| t.id.clone());
        self.report(
            parts,
            tenant_id.as_deref(),
            url.as_deref(),
            payload,
            result.as_ref(),
            tried,
        );
        let verified = result?;
        Ok(VerifiedRequest {
            tenant_id,
            matched: verified,
            url: url.unwrap_or_default(),
            idempotency_token: parts
                .headers
                .get(names::IDEMPOTENCY_TOKEN)
                .text()
                .map(str::to_owned),
        })
    }

    async fn judge<H: HeaderSource>(
        &self,
        parts: &RequestParts<'_, H>,
        body: &[u8],
        url_out: &mut Option<String>,
        tenant_out: &mut Option<Tenant>,
    ) -> Result<Verified, Error> {
        let signature = signature_header(parts.headers)?;
        let url = url_out.insert(
            self.public_url
                .reconstruct(parts.path_and_query, parts.headers)?,
        );
        let settings_header = match parts.headers.get(names::SIGNATURE_SETTINGS) {
            HeaderValue::Absent => None,
            HeaderValue::One(s) => Some(s),
            HeaderValue::NotText => return Err(Error::MalformedSignatureSettings),
            HeaderValue::Many => return Err(Error::DuplicateHeader(names::SIGNATURE_SETTINGS)),
        };
        let content_type = parts.headers.get(names::CONTENT_TYPE).text();
        let payload = if body.is_empty() && matches!(parts.method, "GET" | "HEAD") {
            Payload::Empty
        } else {
            Payload::Body {
                bytes: body,
                content_type,
            }
        };
        let account_sid = match content_type {
            Some(ct) if is_form(ct) && self.resolver.uses_account_sid() => {
                first_form_value(body, b"AccountSid")
            }
            _ => None,
        };
        let ctx = ResolveContext {
            path: parts.path_and_query.split('?').next().unwrap_or(""),
            host: parts.headers.get(names::HOST).text(),
            account_sid: account_sid.as_deref(),
            shared_key_id: SignatureSettings::parse(settings_header)
                .ok()
                .and_then(|s| s.key_id),
        };
        let tenant = self
            .resolver
            .resolve(ctx)
            .await
            .map_err(|_| Error::KeyResolverFailed)?
            .ok_or(Error::UnknownTenant)?;
        let tenant = tenant_out.insert(tenant);
        tenant.verifier.verify(&WebhookRequest {
            url,
            signature: Some(signature),
            signature_settings: settings_header,
            payload,
        })
    }

    fn report<H: HeaderSource>(
        &self,
        parts: &RequestParts<'_, H>,
        tenant_id: Option<&str>,
        url: Option<&str>,
        payload: &[u8],
        result: Result<&Verified, &Error>,
        tried: VariantSet,
    ) {
        let forwarded = self
            .public_url
            .trusts_forwarded_headers()
            .then(|| public_url::forwarded_client(parts.headers))
            .flatten();
        let client = match (&forwarded, parts.peer) {
            (Some(f), _) => ClientAddr::Forwarded(f),
            (None, Some(p)) => ClientAddr::Peer(p.ip()),
            (None, None) => ClientAddr::Unknown,
        };
        // Refusals before the URL was built (no signature, body too large) still report
        // the URL the request was for.
        let rebuilt = match url {
            None => self
                .public_url
                .reconstruct(parts.path_and_query, parts.headers)
                .ok(),
            Some(_) => None,
        };
        let url = url.or(rebuilt.as_deref());
        let error = result.err();
        let attempt = Attempt {
            time: SystemTime::now(),
            provider: "twilio",
            tenant_id,
            method: parts.method,
            endpoint: parts.path_and_query.split('?').next().unwrap_or(""),
            url,
            status: AttemptStatus::of(error),
            error,
            verified: result.ok(),
            url_variants_tried: tried,
            client,
            user_agent: parts.headers.get(names::USER_AGENT).text(),
            idempotency_token: parts.headers.get(names::IDEMPOTENCY_TOKEN).text(),
            body: payload,
            redaction: &self.redaction,
            headers: parts.headers,
        };
        report::report(&attempt, self.attempt_log.as_deref());
    }
}

/// The one `X-Twilio-Signature` value.
fn signature_header<H: HeaderSource>(headers: &H) -> Result<&str, Error> {
    match headers.get(names::SIGNATURE) {
        HeaderValue::Absent => Err(Error::MissingSignature),
        HeaderValue::One(s) => Ok(s),
        HeaderValue::NotText => Err(Error::MalformedSignature(
            crate::SignatureFormatError::NotBase64,
        )),
        HeaderValue::Many => Err(Error::DuplicateHeader(names::SIGNATURE)),
    }
}

/// The first value of the parameter `name` in a form body, for the key resolver.
///
/// Only that value is decoded: decoding every parameter up to it (`form_urlencoded::parse`)
/// cost ~24,000 instructions per `whatsapp_inbound` request, as much as verifying it
/// (callgrind). Names are compared as sent, so an escaped `Account%53id` is not found;
/// Twilio never escapes it, and the value only selects keys: the signature decides.
fn first_form_value<'b>(body: &'b [u8], name: &[u8]) -> Option<std::borrow::Cow<'b, str>> {
    let mut start = 0;
    while start <= body.len() {
        // Word-at-a-time: `split` on '&' cost ~6 instructions per byte.
        let end = crate::canonical::swar::find(body, start, b'&');
        let segment = &body[start..end];
        if let Some(value) = segment
            .strip_prefix(name)
            .and_then(|v| v.strip_prefix(b"="))
        {
            return if value.iter().any(|&b| b == b'%' || b == b'+') {
                let (_, decoded) = form_urlencoded::parse(segment).next()?;
                Some(std::borrow::Cow::Owned(decoded.into_owned()))
            } else {
                core::str::from_utf8(value)
                    .ok()
                    .map(std::borrow::Cow::Borrowed)
            };
        }
        start = end + 1;
    }
    None
}

/// The `Content-Length` a request declares, if it declares exactly one that parses.
pub(crate) fn declared_length<H: HeaderSource>(headers: &H) -> Option<usize> {
    headers
        .get(names::CONTENT_LENGTH)
        .text()?
        .trim()
        .parse()
        .ok()
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

#[cfg(test)]
mod tests {
    use super::first_form_value;

    #[test]
    fn first_form_value_finds_the_first_exact_name_and_decodes_only_it() {
        fn find(body: &str) -> Option<std::borrow::Cow<'_, str>> {
            first_form_value(body.as_bytes(), b"AccountSid")
        }
        assert_eq!(
            find("A=1&AccountSid=AC1&AccountSid=AC2").as_deref(),
            Some("AC1")
        );
        assert_eq!(
            find("AccountSidX=1&AccountSid=AC%31+x").as_deref(),
            Some("AC1 x")
        );
        assert_eq!(find("XAccountSid=1&Account%53id=AC1").as_deref(), None);
        assert_eq!(find("AccountSid").as_deref(), None);
        assert_eq!(find("AccountSid=").as_deref(), Some(""));
        assert_eq!(
            first_form_value(b"AccountSid=\xff", b"AccountSid").as_deref(),
            None
        );
    }
}
