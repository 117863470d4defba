//! The one request sequence every adapter runs: precheck → bounded body read → verdict →
//! report. Adapters only translate their request into [`RequestParts`] and a body reader,
//! and the result into their response.

use core::future::Future;
use std::borrow::Cow;

use super::content_type;
use super::public_url;
use super::WebhookConfig;
use super::{Accepted, RequestParts, ResolveContext, Tenant, Verdict, VerifiedRequest};
use crate::error::Error;
use crate::headers::{names, HeaderSource, HeaderValue};
use crate::report::{self, Attempt, AttemptStatus, ClientAddr};
use crate::request::{is_form, Payload, WebhookRequest};
use crate::settings::SignatureSettings;
use crate::url::VariantSet;
use crate::verifier::{Binding, Verified};

/// The parameter whose value chooses a tenant's keys in [`super::AccountSidMap`].
const ACCOUNT_SID: &str = "AccountSid";

/// What the replay guard adds to a verified request's report.
#[derive(Default, Clone, Copy)]
struct Report {
    guard_event: Option<&'static str>,
    /// The guard refused the request (its store failed): status `error`.
    refused: bool,
}

/// How far a request got, for its report: what was known when the verdict fell.
#[derive(Default)]
struct Progress {
    tenant: Option<Tenant>,
    tried: VariantSet,
}

impl WebhookConfig {
    /// Judges one request: the whole sequence every adapter runs.
    ///
    /// 1. Precheck, before the body is touched: exactly one `X-Twilio-Signature`, one
    ///    unambiguous `Content-Type`, a declared `Content-Length` within the limit (the
    ///    smaller of [`WebhookConfig::body_limit`] and
    ///    [`RequestParts::framework_body_limit`]).
    /// 2. `read_body(limit)`: the adapter's reader, which must stop at `limit` bytes with
    ///    [`Error::BodyTooLarge`] (or fail with [`Error::BodyRead`]).
    /// 3. The verdict: public URL (built once), tenant, signature, tenant binding.
    /// 4. With a replay guard (`WebhookConfig::with_replay_guard`, feature `guard`), and only once the
    ///    request verified: the claim on its delivery, keyed by (tenant, decoded
    ///    `X-Twilio-Signature`).
    /// 5. The report: one security event and one attempt-log record, whatever the outcome.
    ///
    /// On success the adapter gets a [`Verdict`]: [`Verdict::Run`] with the verdict, the
    /// body it read (the exact bytes that were verified: hand these, and only these, to the
    /// handler) and a [`Completion`](super::Completion) to finish with the handler's
    /// response; or [`Verdict::Answer`], a repeat the guard answers for the handler (send
    /// the [`Answer`](super::Answer), do not run the handler). On failure it answers the [`Error`]
    /// with [`Error::http_status`] and [`super::response_text`]; it was already reported.
    ///
    /// ```
    /// use twilio_webhook::headers::{HeaderSource, HeaderValue};
    /// use twilio_webhook::pipeline::{RequestParts, WebhookConfig};
    ///
    /// struct Headers(Vec<(&'static str, String)>);
    /// impl HeaderSource for Headers {
    ///     fn get(&self, name: &str) -> HeaderValue<'_> {
    ///         HeaderValue::from_values(self.0.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.as_bytes()))
    ///     }
    ///     fn for_each(&self, f: &mut dyn FnMut(&str, &[u8])) {
    ///         self.0.iter().for_each(|(n, v)| f(n, v.as_bytes()))
    ///     }
    /// }
    ///
    /// # futures_executor_block_on(async {
    /// let config = WebhookConfig::single_token("12345", "https://api.example.com").unwrap();
    /// let body = b"Body=hi";
    /// let signature = twilio_webhook::compute_twilio_signature(
    ///     "https://api.example.com/hook", [("Body", "hi")], "12345");
    /// let headers = Headers(vec![
    ///     ("x-twilio-signature", signature),
    ///     ("content-type", "application/x-www-form-urlencoded".into()),
    /// ]);
    /// let parts = RequestParts::new("POST", "/hook", &headers);
    /// let verdict = config.verify(&parts, |_limit| async { Ok(&body[..]) }).await.unwrap();
    /// let accepted = verdict.into_run().unwrap();
    /// assert_eq!(accepted.request.url, "https://api.example.com/hook");
    /// accepted.completion.complete(200, Some("text/xml"), b"<Response/>").await;
    /// # });
    /// # fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// ```
    pub async fn verify<H, B, F, Fut>(
        &self,
        parts: &RequestParts<'_, H>,
        read_body: F,
    ) -> Result<Verdict<Accepted<B>>, Error>
    where
        H: HeaderSource,
        B: AsRef<[u8]>,
        F: FnOnce(usize) -> Fut,
        Fut: Future<Output = Result<B, Error>>,
    {
        let url = self
            .public_url
            .reconstruct(parts.path_and_query, parts.headers);
        let limit = parts
            .framework_body_limit
            .map_or(self.body_limit, |l| l.min(self.body_limit));
        let content_type = match precheck(parts.headers, limit) {
            Ok(ct) => ct,
            Err(e) => return Err(self.refuse(parts, &url, &Progress::default(), b"", e)),
        };
        let body = match read_body(limit).await {
            Ok(body) => body,
            Err(e) => return Err(self.refuse(parts, &url, &Progress::default(), b"", e)),
        };
        let mut progress = Progress::default();
        let verdict = self
            .judge(parts, &url, content_type, body.as_ref(), &mut progress)
            .await;
        let verified = match verdict {
            Ok(v) => v,
            Err(e) => return Err(self.refuse(parts, &url, &progress, body.as_ref(), e)),
        };
        let tenant_id = progress.tenant.as_ref().and_then(|t| t.id.clone());
        // `judge` checked it: the signature header is there, once, and verified.
        let signature = signature_header(parts.headers).unwrap_or("");
        let guarded = self.claim(tenant_id.as_deref(), signature).await;
        let report = Report {
            guard_event: guarded.event_type,
            refused: guarded.refused,
        };
        self.report(parts, &url, &progress, body.as_ref(), Ok(&verified), report);
        if let Some(answer) = guarded.answer {
            return Ok(Verdict::Answer(answer));
        }
        // A completion that fails later (lost lease, store error) gets a record of its own.
        let completion = self.report_failed_completion(
            guarded.completion,
            parts,
            url.as_deref().ok(),
            tenant_id.as_deref(),
        );
        Ok(Verdict::Run(Accepted {
            request: VerifiedRequest {
                tenant_id,
                matched: verified,
                // `judge` fails when the URL could not be built, so this is the URL checked.
                url: url.unwrap_or_default(),
                idempotency_token: parts
                    .headers
                    .get(names::IDEMPOTENCY_TOKEN)
                    .text()
                    .map(str::to_owned),
                delivery: guarded.delivery,
            },
            body,
            completion,
        }))
    }

    /// The verdict on a request whose body was read.
    async fn judge<H: HeaderSource>(
        &self,
        parts: &RequestParts<'_, H>,
        url: &Result<String, Error>,
        content_type: Option<&str>,
        body: &[u8],
        progress: &mut Progress,
    ) -> Result<Verified, Error> {
        let signature = signature_header(parts.headers)?;
        let url = url.as_deref().map_err(Clone::clone)?;
        let settings_header = match parts.headers.get(names::SIGNATURE_SETTINGS) {
            HeaderValue::Absent => None,
            HeaderValue::One(s) => Some(s),
            HeaderValue::NotText => return Err(Error::MalformedSignatureSettings),
            HeaderValue::Many => return Err(Error::DuplicateHeader(names::SIGNATURE_SETTINGS)),
        };
        let bodyless = body.is_empty() && content_type.is_none();
        let payload = if bodyless {
            Payload::Empty
        } else {
            Payload::Body {
                bytes: body,
                content_type,
            }
        };
        // The AccountSid that picks the keys: from the form, or from the query of a bodyless
        // (GET) request, where Twilio puts the parameters.
        let account_sid = match (self.resolver.uses_account_sid(), content_type) {
            (false, _) => None,
            (true, Some(ct)) if is_form(ct) => first_value(body, ACCOUNT_SID),
            (true, None) if bodyless => first_value(query(url).as_bytes(), ACCOUNT_SID),
            (true, _) => None,
        };
        let ctx = ResolveContext {
            path: parts.path_and_query.split('?').next().unwrap_or(""),
            host: signed_host(url),
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
        let tenant = progress.tenant.insert(tenant);
        // Keys chosen by AccountSid bind the request to it: the parameters the handler
        // sees must hold that AccountSid, once.
        let binding = account_sid.as_deref().map(|value| Binding {
            name: ACCOUNT_SID,
            value,
        });
        let request = WebhookRequest {
            url,
            signature: Some(signature),
            signature_settings: settings_header,
            payload,
        };
        let result = tenant.verifier.verify_bound(&request, binding);
        if let Err(Error::SignatureMismatch { tried }) = &result {
            progress.tried = *tried;
        }
        result
    }

    /// Reports a refusal and hands the error back.
    fn refuse<H: HeaderSource>(
        &self,
        parts: &RequestParts<'_, H>,
        url: &Result<String, Error>,
        progress: &Progress,
        payload: &[u8],
        err: Error,
    ) -> Error {
        self.report(parts, url, progress, payload, Err(&err), Report::default());
        err
    }

    fn report<H: HeaderSource>(
        &self,
        parts: &RequestParts<'_, H>,
        url: &Result<String, Error>,
        progress: &Progress,
        payload: &[u8],
        result: Result<&Verified, &Error>,
        guard: Report,
    ) {
        let forwarded = self.forwarded_client(parts);
        let client = match (&forwarded, parts.peer) {
            (Some(f), _) => ClientAddr::Forwarded(f),
            (None, Some(p)) => ClientAddr::Peer(p.ip()),
            (None, None) => ClientAddr::Unknown,
        };
        let error = result.err();
        let attempt = Attempt {
            time: (self.clock)(),
            provider: "twilio",
            tenant_id: progress.tenant.as_ref().and_then(|t| t.id.as_deref()),
            method: parts.method,
            endpoint: parts.path_and_query.split('?').next().unwrap_or(""),
            url: url.as_deref().ok(),
            status: if guard.refused {
                AttemptStatus::Error
            } else {
                AttemptStatus::of(error)
            },
            error,
            verified: result.ok(),
            url_variants_tried: progress.tried,
            client,
            user_agent: parts.headers.get(names::USER_AGENT).text(),
            idempotency_token: parts.headers.get(names::IDEMPOTENCY_TOKEN).text(),
            body: payload,
            redaction: &self.redaction,
            headers: parts.headers,
            guard_event: guard.guard_event,
            guard_reason: None,
        };
        report::report(&attempt, self.attempt_log.as_deref());
    }

    /// The client address from forwarded headers, when the configuration trusts them.
    pub(super) fn forwarded_client<H: HeaderSource>(
        &self,
        parts: &RequestParts<'_, H>,
    ) -> Option<String> {
        self.public_url
            .trusts_forwarded_headers()
            .then(|| public_url::forwarded_client(parts.headers))
            .flatten()
    }
}

/// What can be refused before the body is read: the signature header's presence, the
/// content type, a declared length over the limit. Returns the content type.
fn precheck<H: HeaderSource>(headers: &H, limit: usize) -> Result<Option<&str>, Error> {
    signature_header(headers)?;
    let content_type = content_type::decide(headers)?;
    match declared_length(headers) {
        Some(n) if n > limit => Err(Error::BodyTooLarge { limit }),
        _ => Ok(content_type),
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

/// The `Content-Length` a request declares, if it declares exactly one that parses.
pub(crate) fn declared_length<H: HeaderSource + ?Sized>(headers: &H) -> Option<usize> {
    headers
        .get(names::CONTENT_LENGTH)
        .text()?
        .trim()
        .parse()
        .ok()
}

/// The query of a URL (without fragment), or "".
fn query(url: &str) -> &str {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    query.split('#').next().unwrap_or("")
}

/// The host of the signed public URL (never a raw `Host` header the configuration does not
/// trust): what a host-bound resolver may choose keys by.
fn signed_host(url: &str) -> Option<&str> {
    let a = crate::url::authority(url).ok()?;
    url.get(a.host_start..a.host_end)
}

/// The first value of the parameter `name` in a form (body or query), for the key resolver.
///
/// Only that value is decoded: decoding every parameter before it (`form_urlencoded::parse`)
/// cost as much as verifying the request (benches/adapter.rs). Names are compared as sent,
/// so an escaped `Account%53id` is not found; Twilio never escapes it, and the verifier's
/// tenant binding refuses a request whose decoded form holds a second one.
fn first_value<'b>(form: &'b [u8], name: &str) -> Option<Cow<'b, str>> {
    let name = name.as_bytes();
    let mut start = 0;
    while start <= form.len() {
        // Word-at-a-time: `split` on '&' was slower, byte by byte.
        let end = crate::canonical::swar::find(form, start, b'&');
        let segment = form.get(start..end)?;
        if let Some(value) = segment
            .strip_prefix(name)
            .and_then(|v| v.strip_prefix(b"="))
        {
            return if value.iter().any(|&b| b == b'%' || b == b'+') {
                let (_, decoded) = form_urlencoded::parse(segment).next()?;
                Some(Cow::Owned(decoded.into_owned()))
            } else {
                core::str::from_utf8(value).ok().map(Cow::Borrowed)
            };
        }
        start = end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_finds_the_first_exact_name_and_decodes_only_it() {
        fn find(body: &str) -> Option<Cow<'_, str>> {
            first_value(body.as_bytes(), ACCOUNT_SID)
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
            first_value(b"AccountSid=\xff", ACCOUNT_SID).as_deref(),
            None
        );
    }

    #[test]
    fn signed_host_is_the_urls_host() {
        assert_eq!(
            signed_host("https://u:p@Api.Example.com:8443/x?y"),
            Some("Api.Example.com")
        );
        assert_eq!(signed_host("https://[::1]/x"), Some("[::1]"));
        assert_eq!(query("https://h/x?a=1&b=2#f"), "a=1&b=2");
        assert_eq!(query("https://h/x"), "");
    }
}
