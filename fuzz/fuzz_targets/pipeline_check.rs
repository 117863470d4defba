//! One whole request through the pipeline: arbitrary method, raw path, headers (as an
//! `http::HeaderMap`) and body, under each public-URL strategy and resolver.
//!
//! Invariants: nothing panics; every request is reported exactly once, whatever the
//! outcome; no report holds a secret or the raw signature (only its fingerprint); a request
//! signed over the reconstructed URL and its form params is accepted; an accepted request
//! carries exactly one signature header, and its signature is the MAC of the matched URL
//! variant and the decoded form.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arbitrary::Arbitrary;
use common::{block_on, SHARED_KEY_ID, SHARED_SECRET, TOKEN};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use twilio_webhook::canonical::FormParams;
use twilio_webhook::pipeline::{
    Accepted, AccountSidMap, PublicUrl, RequestParts, StaticKeys, Verdict, WebhookConfig,
};
use twilio_webhook::report::{Attempt, AttemptLog};
use twilio_webhook::url::candidates;
use twilio_webhook::{compute_twilio_signature, Error, Verifier};

/// The body limit the configuration under test sets.
const BODY_LIMIT: usize = 64 * 1024;

#[derive(Arbitrary, Debug)]
enum Name<'a> {
    Signature,
    Settings,
    ContentType,
    ContentLength,
    Host,
    Forwarded,
    XForwardedProto,
    XForwardedHost,
    XForwardedFor,
    Idempotency,
    UserAgent,
    Other(&'a [u8]),
}

impl Name<'_> {
    fn header(&self) -> Option<HeaderName> {
        let s: &[u8] = match self {
            Name::Signature => b"x-twilio-signature",
            Name::Settings => b"x-twilio-webhooks-signature-settings",
            Name::ContentType => b"content-type",
            Name::ContentLength => b"content-length",
            Name::Host => b"host",
            Name::Forwarded => b"forwarded",
            Name::XForwardedProto => b"x-forwarded-proto",
            Name::XForwardedHost => b"x-forwarded-host",
            Name::XForwardedFor => b"x-forwarded-for",
            Name::Idempotency => b"i-twilio-idempotency-token",
            Name::UserAgent => b"user-agent",
            Name::Other(b) => b,
        };
        HeaderName::from_bytes(s).ok()
    }
}

#[derive(Arbitrary, Debug)]
enum Method {
    Post,
    Get,
    Head,
    Other,
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    /// bits 0-1: public URL strategy; bit 2: AccountSidMap resolver; bit 3: sign the
    /// request validly (form content type, signature over reconstructed URL + form).
    mode: u8,
    method: Method,
    path_and_query: &'a str,
    headers: Vec<(Name<'a>, &'a [u8])>,
    body: &'a [u8],
}

/// Checks every record as it is written, and counts them.
struct CheckingLog(Arc<AtomicUsize>);

impl AttemptLog for CheckingLog {
    fn record(&self, a: &Attempt<'_>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let rec = a.to_record();
        let text = format!("{rec:?} {a:?}");
        assert!(
            !text.contains(TOKEN) && !text.contains(SHARED_SECRET),
            "secret in a report"
        );
        for (name, value) in &rec.headers {
            if name == "x-twilio-signature" {
                assert!(
                    value.starts_with("sha256:") && value.len() == 19,
                    "raw signature logged"
                );
            }
        }
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn verifier() -> Verifier {
    Verifier::builder()
        .auth_token(TOKEN)
        .shared_key(SHARED_KEY_ID, SHARED_SECRET)
        .build()
}

fuzz_target!(|input: Input<'_>| {
    let public_url = match input.mode & 3 {
        0 => PublicUrl::base("https://api.example.com").unwrap(),
        1 => PublicUrl::base("https://api.example.com:8443/prefix/").unwrap(),
        2 => PublicUrl::host_header(true),
        _ => PublicUrl::insecure_trust_forwarded_headers(false),
    };
    let account_map = input.mode & 4 != 0;
    let sign = input.mode & 8 != 0;
    let count = Arc::new(AtomicUsize::new(0));
    let config = if account_map {
        WebhookConfig::new(
            AccountSidMap::new().insert("AC123", verifier()),
            public_url.clone(),
        )
    } else {
        WebhookConfig::new(
            StaticKeys::with_tenant_id(verifier(), "t1"),
            public_url.clone(),
        )
    }
    .with_body_limit(BODY_LIMIT)
    .with_attempt_log(CheckingLog(count.clone()));

    let mut headers = HeaderMap::new();
    for (name, value) in &input.headers {
        if let (Some(n), Ok(v)) = (name.header(), HeaderValue::from_bytes(value)) {
            headers.append(n, v);
        }
    }
    let method = match input.method {
        Method::Post => "POST",
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Other => "PUT",
    };

    let mut expect_ok = false;
    if sign {
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers.remove("x-twilio-webhooks-signature-settings");
        let url = public_url.reconstruct(input.path_and_query, &headers);
        let form = FormParams::parse(input.body)
            .ok()
            .map(|p| p.iter().collect::<Vec<_>>());
        if let (Ok(url), Some(form)) = (url, form) {
            let sig = compute_twilio_signature(&url, form.iter().map(|(k, v)| (k, v)), TOKEN);
            headers.insert("x-twilio-signature", HeaderValue::from_str(&sig).unwrap());
            // Everything else about the request is well formed; only the AccountSid
            // resolver may still refuse (no matching AccountSid in the body).
            // A URL with `bodySHA256` makes it a body-hash request, which this form is not.
            let query = url.split_once('?').map_or("", |(_, q)| q);
            let body_hash = form_urlencoded::parse(query.as_bytes()).any(|(n, _)| n == "bodySHA256");
            // A declared Content-Length over the limit is refused before the body is read,
            // whatever the body (the pipeline reads one such header that parses).
            let lengths: Vec<_> = headers.get_all("content-length").iter().collect();
            let declared_over = match lengths.as_slice() {
                [one] => one
                    .to_str()
                    .ok()
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .is_some_and(|n| n > BODY_LIMIT),
                _ => false,
            };
            expect_ok = !account_map
                && !body_hash
                && !declared_over
                && form.len() <= 1024
                && candidates(&url).is_ok();
        }
    }

    let parts = RequestParts {
        method,
        path_and_query: input.path_and_query,
        headers: &headers,
        peer: Some(([127, 0, 0, 1], 40000).into()),
        framework_body_limit: None,
    };
    let result = block_on(config.verify(&parts, |_| async { Ok(input.body) }));
    assert_eq!(count.load(Ordering::Relaxed), 1);
    // No replay guard is configured, so every verdict runs the handler.
    let run = |v: Verdict<Accepted<&[u8]>>| v.into_run().map(|a| a.request).ok().unwrap();
    let result = result.map(run);
    // A failed body read is reported too, and stays an error (or a precheck refusal that
    // came before it).
    let failed = block_on(config.verify(&parts, |_| async { Err::<&[u8], _>(Error::BodyRead) }));
    assert_eq!(count.load(Ordering::Relaxed), 2);
    let failed = failed.map(run);
    match (&result, failed) {
        (Ok(_), failed) => assert_eq!(failed, Err(Error::BodyRead)),
        (Err(_), failed) => assert!(failed.is_err()),
    }

    if expect_ok {
        assert!(result.is_ok(), "validly signed request refused: {result:?}");
    }
    if let Ok(vr) = &result {
        assert_eq!(headers.get_all("x-twilio-signature").iter().count(), 1);
        assert_eq!(
            vr.url,
            public_url
                .reconstruct(input.path_and_query, &headers)
                .unwrap()
        );
        let form_ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(twilio_webhook::is_form);
        let sig = headers.get("x-twilio-signature").unwrap().to_str().unwrap();
        if form_ct
            && headers
                .get("x-twilio-webhooks-signature-settings")
                .is_none()
        {
            let form: Vec<_> = FormParams::parse(input.body).unwrap().iter().collect();
            let cand = candidates(&vr.url)
                .unwrap()
                .iter()
                .find(|c| c.variant == vr.matched.url_variant)
                .unwrap();
            let again =
                compute_twilio_signature(&cand.to_text(), form.iter().map(|(k, v)| (k, v)), TOKEN);
            assert_eq!(again, sig, "accepted a signature that is not the MAC");
        }
    }
});
