//! Shared by the adapter tests (`axum.rs`, `actix.rs`, `hyper.rs`): the token and base URL,
//! signed requests from the test kit, a failing key resolver, a handler probe, and the one
//! table of bad input every adapter's driver runs.
#![allow(dead_code)] // each test file uses a different subset

mod resolver;
pub(crate) use resolver::FailingResolver;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use twilio_webhook::pipeline::{PublicUrl, StaticKeys, WebhookConfig};
use twilio_webhook::testing::SignedRequest;
use twilio_webhook::{Error, FormError, SignatureFormatError, UrlVariant, Verifier};

pub(crate) const TOKEN: &str = "12345";
pub(crate) const OTHER_TOKEN: &str = "67890";
pub(crate) const BASE: &str = "https://api.example.com";
pub(crate) const SHARED_KEY_ID: &str = "KS1";
pub(crate) const SHARED_SECRET: &str = "shared secret";
/// A message as Twilio posts it: characters that percent-encode, `+`, `&`, non-ASCII.
pub(crate) const PARAMS: &[(&str, &str)] = &[
    ("AccountSid", "AC0000000000000000000000000000000a"),
    ("Body", "Hi there + café & 100% ✓"),
    ("From", "whatsapp:+14155550100"),
    ("MessageSid", "SM123"),
];
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";
pub(crate) const SIGNATURE: &str = "x-twilio-signature";
pub(crate) const SETTINGS: &str = "x-twilio-webhooks-signature-settings";

/// `PARAMS` posted to `BASE + path`, signed with `TOKEN`.
pub(crate) fn form(path: &str) -> SignedRequest {
    SignedRequest::post(&format!("{BASE}{path}"))
        .params(PARAMS.iter().copied())
        .auth_token(TOKEN)
}

/// `body` posted as JSON to `BASE + path?bodySHA256=…`, signed with `TOKEN`.
pub(crate) fn json(path: &str, body: &str) -> SignedRequest {
    SignedRequest::json(&format!("{BASE}{path}"), body).auth_token(TOKEN)
}

/// `PARAMS` as the form body the kit sends.
pub(crate) fn form_body() -> Vec<u8> {
    form("/").parts().unwrap().body
}

pub(crate) fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One token for `BASE`.
pub(crate) fn config() -> WebhookConfig {
    WebhookConfig::single_token(TOKEN, BASE).unwrap()
}

/// `TOKEN` and the SharedKey `SHARED_KEY_ID`, with `BASE`.
pub(crate) fn config_with_shared_key() -> WebhookConfig {
    let verifier = Verifier::builder()
        .auth_token(TOKEN)
        .shared_key(SHARED_KEY_ID, SHARED_SECRET)
        .build();
    WebhookConfig::new(StaticKeys::new(verifier), PublicUrl::base(BASE).unwrap())
}

/// `TOKEN` alone, the public URL taken as `url` says.
pub(crate) fn config_for(url: PublicUrl) -> WebhookConfig {
    WebhookConfig::new(StaticKeys::new(Verifier::new(TOKEN)), url)
}

pub(crate) fn failing_config() -> WebhookConfig {
    WebhookConfig::new(FailingResolver, PublicUrl::base(BASE).unwrap())
}

/// How often a handler ran, and what it saw last.
pub(crate) struct Probe<T> {
    calls: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<T>>>,
}

impl<T> Clone for Probe<T> {
    fn clone(&self) -> Self {
        Probe {
            calls: self.calls.clone(),
            last: self.last.clone(),
        }
    }
}

impl<T> Default for Probe<T> {
    fn default() -> Self {
        Probe {
            calls: Arc::default(),
            last: Arc::default(),
        }
    }
}

impl<T: Clone> Probe<T> {
    pub(crate) fn record(&self, seen: T) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.last.lock().unwrap() = Some(seen);
    }
    pub(crate) fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    /// What the handler saw last, if it ran.
    pub(crate) fn seen(&self) -> Option<T> {
        self.last.lock().unwrap().clone()
    }
    pub(crate) fn last(&self) -> T {
        self.seen().expect("handler ran")
    }
}

/// What an adapter answered.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// Asserts a refusal as every adapter answers it: `status`, with its fixed plain text
    /// and nothing else.
    pub(crate) fn assert_refusal(&self, status: u16, what: &str) {
        assert_eq!(self.status, status, "{what}: status");
        let text = match status {
            400 => "Bad Request",
            403 => "Forbidden",
            413 => "Payload Too Large",
            500 => "Internal Server Error",
            other => panic!("{what}: {other} is no refusal"),
        };
        assert_eq!(self.body, text.as_bytes(), "{what}: fixed response text");
        let plain = Some("text/plain; charset=utf-8");
        assert_eq!(self.content_type.as_deref(), plain, "{what}: content type");
    }
}

// ---------------------------------------------------------------- the bad-input table

/// The body limit of [`bad_input_config`].
pub(crate) const LIMIT: usize = 1024;

/// The configuration every bad input is sent to: `TOKEN` and the SharedKey, `BASE`,
/// a body limit of `LIMIT`.
pub(crate) fn bad_input_config() -> WebhookConfig {
    config_with_shared_key().with_body_limit(LIMIT)
}

/// A request that must be refused: with this status, and reported with this error.
pub(crate) struct BadInput {
    pub(crate) name: &'static str,
    /// Sent to `BASE/hook` (or, for a replay, to `/other`).
    pub(crate) request: SignedRequest,
    pub(crate) status: u16,
    pub(crate) error: Error,
}

/// The error a well-formed signature over another URL or body gets from
/// [`bad_input_config`]: `BASE` has no port, so the default port is tried too.
pub(crate) fn mismatch() -> Error {
    let mut tried = twilio_webhook::VariantSet::default();
    tried.insert(UrlVariant::AsReceived);
    tried.insert(UrlVariant::DefaultPortAdded);
    Error::SignatureMismatch { tried }
}

/// Every way a request to `BASE/hook` is refused before a handler sees it.
pub(crate) fn bad_inputs() -> Vec<BadInput> {
    let hook = || form("/hook");
    let sig = hook().signature().unwrap();
    let doc = r#"{"event":"message.delivered","sid":"SM1"}"#;
    let shared = || hook().shared_key(SHARED_KEY_ID, SHARED_SECRET);
    let bad = |name, request, status, error| BadInput {
        name,
        request,
        status,
        error,
    };
    let malformed = |e| Error::MalformedSignature(e);
    let not_utf8 = Error::InvalidForm(FormError::NotUtf8);
    let big = hook().param("Padding", &"x".repeat(LIMIT));
    let big_len = big.parts().unwrap().body.len().to_string();
    vec![
        bad(
            "missing signature",
            hook().without_signature(),
            403,
            Error::MissingSignature,
        ),
        bad(
            "empty signature",
            hook().tamper_signature(""),
            403,
            malformed(SignatureFormatError::Empty),
        ),
        bad(
            "two signature headers",
            hook().append_header(SIGNATURE, &sig),
            403,
            Error::DuplicateHeader(SIGNATURE),
        ),
        bad(
            "signature with another token",
            hook().auth_token(OTHER_TOKEN),
            403,
            mismatch(),
        ),
        bad(
            "signature of the wrong length",
            hook().tamper_signature("AAAAAAAAAAAAAAAA"),
            403,
            malformed(SignatureFormatError::WrongLength {
                expected: 28,
                actual: 16,
            }),
        ),
        bad(
            "signature not base64",
            hook().tamper_signature("!!!!not*base64!!!!!!!!!!!!!="),
            403,
            malformed(SignatureFormatError::NotBase64),
        ),
        bad(
            "replayed on another path",
            hook().sent_to("/other"),
            403,
            mismatch(),
        ),
        bad(
            "parameter changed after signing",
            hook().tamper_param("Body", "Yo there"),
            403,
            mismatch(),
        ),
        bad(
            "malformed percent-encoding",
            hook().send_body("a=%zz"),
            400,
            Error::InvalidForm(FormError::MalformedPercentEncoding { offset: 2 }),
        ),
        bad(
            "non-UTF-8 byte in a name",
            hook().send_body(b"\xff=1"),
            400,
            not_utf8.clone(),
        ),
        bad(
            "non-UTF-8 byte in a value",
            hook().send_body(b"a=b\xff"),
            400,
            not_utf8.clone(),
        ),
        bad(
            "non-UTF-8 escape in a name",
            hook().send_body("a%FF=b"),
            400,
            not_utf8.clone(),
        ),
        bad(
            "non-UTF-8 escape in a value",
            hook().send_body("a=%FF"),
            400,
            not_utf8.clone(),
        ),
        bad(
            "truncated UTF-8 sequence in a value",
            hook().send_body("a=%C3%28"),
            400,
            not_utf8,
        ),
        bad(
            "JSON without bodySHA256",
            SignedRequest::post(&format!("{BASE}/hook"))
                .auth_token(TOKEN)
                .insert_header("content-type", "application/json")
                .send_body(doc),
            400,
            Error::MissingBodyHash,
        ),
        bad(
            "JSON changed after signing",
            json("/hook", doc).send_body(doc.replace("SM1", "SM2")),
            403,
            Error::BodyHashMismatch,
        ),
        bad(
            "two content types",
            hook().append_header("content-type", "application/json"),
            400,
            Error::AmbiguousContentType,
        ),
        bad(
            "unknown SharedKey id",
            hook().shared_key("KSnope", SHARED_SECRET),
            403,
            Error::UnknownKey,
        ),
        bad(
            "unsupported algorithm",
            shared().insert_header(SETTINGS, "key=KS1,algorithm=HMAC_MD5"),
            403,
            Error::UnsupportedAlgorithm,
        ),
        bad(
            "unsupported algorithm, no key id",
            hook().insert_header(SETTINGS, "algorithm=HMAC_MD5"),
            403,
            Error::UnsupportedAlgorithm,
        ),
        bad(
            "body over the limit, Content-Length declared",
            big.clone().insert_header("content-length", &big_len),
            413,
            Error::BodyTooLarge { limit: LIMIT },
        ),
        bad(
            "body over the limit",
            big,
            413,
            Error::BodyTooLarge { limit: LIMIT },
        ),
    ]
}
