//! The actix-web adapter end to end: `TwilioWebhook<T>` and `TwilioWebhookMiddleware`
//! against `actix_web::test` services, for accepted requests, every refusal class, and the
//! guarantee that a refused request never reaches the handler.
#![cfg(feature = "actix")]

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use twilio_webhook::adapters::actix::{TwilioWebhook, TwilioWebhookMiddleware};
use twilio_webhook::pipeline::{
    AccountSidMap, BoxFuture, KeyResolver, PublicUrl, ResolveContext, ResolveError, StaticKeys,
    Tenant, VerifiedRequest, WebhookConfig,
};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::{
    body_sha256_hex, compute_signature_with, compute_twilio_signature, Algorithm, KeyUsed,
    UrlVariant, Verifier,
};

const TOKEN: &str = "12345";
const BASE: &str = "https://api.example.com";
const PATH: &str = "/v1/webhooks/twilio";
const FORM: &str = "application/x-www-form-urlencoded";

// ---------------------------------------------------------------------------------------
// Harness: one app per request, in either mode, counting handler calls.

#[derive(Debug, Clone, Copy)]
enum Mode {
    Extractor,
    Middleware,
}

const MODES: [Mode; 2] = [Mode::Extractor, Mode::Middleware];

/// What the handler received.
#[derive(Debug, Clone)]
struct Delivered {
    body: Vec<u8>,
    verified: VerifiedRequest,
}

#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    last: Mutex<Option<Delivered>>,
}

impl Seen {
    fn record(&self, body: &[u8], verified: VerifiedRequest) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.last.lock().unwrap() = Some(Delivered {
            body: body.to_vec(),
            verified,
        });
    }
}

async fn extractor_handler(hook: TwilioWebhook, seen: web::Data<Seen>) -> HttpResponse {
    seen.record(&hook.payload, hook.verified);
    HttpResponse::Ok().body("handled")
}

async fn middleware_handler(
    verified: web::ReqData<VerifiedRequest>,
    body: Bytes,
    seen: web::Data<Seen>,
) -> HttpResponse {
    seen.record(&body, verified.into_inner());
    HttpResponse::Ok().body("handled")
}

#[derive(Debug)]
struct Outcome {
    status: u16,
    content_type: Option<String>,
    body: Bytes,
    calls: usize,
    delivered: Option<Delivered>,
}

/// Sends `req` (with `stream` as its payload instead, if given) through a fresh app.
async fn run(
    mode: Mode,
    config: WebhookConfig,
    req: TestRequest,
    stream: Option<Payload>,
) -> Outcome {
    run_with(mode, Some(config), req, stream).await
}

async fn run_with(
    mode: Mode,
    config: Option<WebhookConfig>,
    req: TestRequest,
    stream: Option<Payload>,
) -> Outcome {
    let seen = web::Data::new(Seen::default());
    let mut request = req.to_request();
    if let Some(p) = stream {
        request = request.replace_payload(p).0;
    }
    let (status, content_type, body) = match mode {
        Mode::Extractor => {
            let mut app = App::new()
                .app_data(seen.clone())
                .default_service(web::to(extractor_handler));
            if let Some(config) = config {
                app = app.app_data(web::Data::new(config));
            }
            let app = test::init_service(app).await;
            let resp = test::call_service(&app, request).await;
            let ct = content_type_of(resp.headers());
            (resp.status().as_u16(), ct, test::read_body(resp).await)
        }
        Mode::Middleware => {
            let app = test::init_service(
                App::new()
                    .app_data(seen.clone())
                    .wrap(TwilioWebhookMiddleware::new(config.expect("config")))
                    .default_service(web::to(middleware_handler)),
            )
            .await;
            let resp = test::call_service(&app, request).await;
            let ct = content_type_of(resp.headers());
            (resp.status().as_u16(), ct, test::read_body(resp).await)
        }
    };
    let delivered = seen.last.lock().unwrap().clone();
    Outcome {
        status,
        content_type,
        body,
        calls: seen.calls.load(Ordering::SeqCst),
        delivered,
    }
}

fn content_type_of(h: &actix_web::http::header::HeaderMap) -> Option<String> {
    h.get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn config() -> WebhookConfig {
    WebhookConfig::single_token(TOKEN, BASE).unwrap()
}

fn config_with(resolver: impl KeyResolver, public_url: PublicUrl) -> WebhookConfig {
    WebhookConfig::new(resolver, public_url)
}

fn sample() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MessageSid", "SM62847ac1d94938ad0267cdf6a2d778cd"),
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("From", "whatsapp:+17622158664"),
        ("Body", "Olá! 100% sure & ready? a+b=c"),
        ("ProfileName", "Maria José"),
    ]
}

fn encode(params: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(params).unwrap()
}

fn sign(url: &str, params: &[(&str, &str)], token: &str) -> String {
    compute_twilio_signature(url, params.iter().copied(), token)
}

/// A form POST to `path` with `body` and, if given, a signature.
fn form_post(path: &str, body: impl Into<Bytes>, signature: Option<&str>) -> TestRequest {
    let mut req = TestRequest::post()
        .uri(path)
        .insert_header(("content-type", FORM))
        .set_payload(body);
    if let Some(sig) = signature {
        req = req.insert_header(("X-Twilio-Signature", sig));
    }
    req
}

/// The sample form, correctly signed for `BASE + PATH`.
fn signed_sample() -> TestRequest {
    let params = sample();
    let sig = sign(&format!("{BASE}{PATH}"), &params, TOKEN);
    form_post(PATH, encode(&params), Some(&sig))
}

fn assert_refused(out: &Outcome, status: u16, what: &str) {
    assert_eq!(out.status, status, "{what}: status");
    assert_eq!(out.calls, 0, "{what}: handler must not run");
    let text = match status {
        400 => "Bad Request",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        _ => "Forbidden",
    };
    assert_eq!(out.body, text.as_bytes(), "{what}: fixed response text");
}

fn assert_accepted(out: &Outcome, what: &str) -> Delivered {
    assert_eq!(
        (out.status, out.calls),
        (200, 1),
        "{what}: body {:?}",
        out.body
    );
    out.delivered.clone().expect("delivered")
}

// ---------------------------------------------------------------------------------------
// Accepted requests.

#[actix_web::test]
async fn valid_form_reaches_handler_unchanged_with_verdict() {
    for mode in MODES {
        let params = sample();
        let body = encode(&params);
        let sig = sign(&format!("{BASE}{PATH}"), &params, TOKEN);
        let req = form_post(PATH, body.clone(), Some(&sig))
            .insert_header(("I-Twilio-Idempotency-Token", "idem-7f3a"));
        let out = run(mode, config(), req, None).await;
        let got = assert_accepted(&out, &format!("{mode:?}"));
        assert_eq!(got.body, body.as_bytes(), "{mode:?}: body unchanged");
        assert_eq!(got.verified.url, format!("{BASE}{PATH}"));
        assert_eq!(got.verified.idempotency_token.as_deref(), Some("idem-7f3a"));
        assert_eq!(got.verified.matched.key, KeyUsed::AuthToken(0));
        assert_eq!(got.verified.matched.url_variant, UrlVariant::AsReceived);
        assert_eq!(got.verified.tenant_id, None);
    }
}

#[actix_web::test]
async fn no_idempotency_header_gives_none() {
    for mode in MODES {
        let out = run(mode, config(), signed_sample(), None).await;
        let got = assert_accepted(&out, &format!("{mode:?}"));
        assert_eq!(got.verified.idempotency_token, None);
    }
}

#[actix_web::test]
async fn valid_json_with_body_sha256() {
    for mode in MODES {
        let body = br#"{"MessageSid":"SM1","Body":"hi"}"#;
        let target = format!("{PATH}?bodySHA256={}", body_sha256_hex(body));
        let sig = sign(&format!("{BASE}{target}"), &[], TOKEN);
        let req = TestRequest::post()
            .uri(&target)
            .insert_header(("content-type", "application/json"))
            .insert_header(("X-Twilio-Signature", sig))
            .set_payload(&body[..]);
        let out = run(mode, config(), req, None).await;
        let got = assert_accepted(&out, &format!("{mode:?}"));
        assert_eq!(got.body, body);
    }
}

#[actix_web::test]
async fn shared_key_hmac_sha256() {
    for mode in MODES {
        let verifier = Verifier::builder()
            .auth_token(TOKEN)
            .shared_key("KS1", "shared-secret")
            .build();
        let params = sample();
        let sig = compute_signature_with(
            Algorithm::HmacSha256,
            &format!("{BASE}{PATH}"),
            params.iter().copied(),
            "shared-secret",
        );
        let req = form_post(PATH, encode(&params), Some(&sig)).insert_header((
            "X-Twilio-Webhooks-Signature-Settings",
            "key=KS1,algorithm=HMAC_SHA256",
        ));
        let cfg = config_with(StaticKeys::new(verifier), PublicUrl::base(BASE).unwrap());
        let got = assert_accepted(&run(mode, cfg, req, None).await, &format!("{mode:?}"));
        assert_eq!(got.verified.matched.key, KeyUsed::SharedKey("KS1".into()));
    }
}

#[actix_web::test]
async fn base_with_path_prefix() {
    for mode in MODES {
        let params = sample();
        // The proxy strips `/prod`; Twilio signed the public URL with it.
        let sig = sign(&format!("{BASE}/prod{PATH}?x=1"), &params, TOKEN);
        let req = form_post(&format!("{PATH}?x=1"), encode(&params), Some(&sig));
        let cfg = WebhookConfig::single_token(TOKEN, &format!("{BASE}/prod/")).unwrap();
        let got = assert_accepted(&run(mode, cfg, req, None).await, &format!("{mode:?}"));
        assert_eq!(got.verified.url, format!("{BASE}/prod{PATH}?x=1"));
    }
}

#[actix_web::test]
async fn port_variants() {
    for mode in MODES {
        let params = sample();
        // Twilio signed with :443 while the configured base has no port, and the reverse.
        let cases = [
            (
                BASE,
                "https://api.example.com:443",
                UrlVariant::DefaultPortAdded,
            ),
            ("https://api.example.com:443", BASE, UrlVariant::PortRemoved),
        ];
        for (configured, signed, variant) in cases {
            let sig = sign(&format!("{signed}{PATH}"), &params, TOKEN);
            let req = form_post(PATH, encode(&params), Some(&sig));
            let cfg = WebhookConfig::single_token(TOKEN, configured).unwrap();
            let what = format!("{mode:?} {configured} signed as {signed}");
            let got = assert_accepted(&run(mode, cfg, req, None).await, &what);
            assert_eq!(got.verified.matched.url_variant, variant, "{what}");
        }
    }
}

/// Behind the middleware, the `TwilioWebhook` extractor takes the middleware's verdict:
/// the request is verified and reported once, not twice.
#[actix_web::test]
async fn extractor_behind_the_middleware_verifies_once() {
    let log = Arc::new(MemoryLog::default());
    let config = || {
        WebhookConfig::single_token(TOKEN, BASE)
            .unwrap()
            .with_attempt_log(log.clone())
    };
    let seen = web::Data::new(Seen::default());
    let app = test::init_service(
        App::new()
            .app_data(seen.clone())
            .app_data(web::Data::new(config()))
            .wrap(TwilioWebhookMiddleware::new(config()))
            .default_service(web::to(extractor_handler)),
    )
    .await;
    let resp = test::call_service(&app, signed_sample().to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1);
    assert_eq!(log.records().len(), 1, "one report");
    let params = sample();
    let forged = sign(&format!("{BASE}{PATH}"), &params, "another tenant's token");
    let req = form_post(PATH, encode(&params), Some(&forged)).to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1, "handler not run");
    assert_eq!(log.records().len(), 2);
}

/// HTTP/2 has no `Host` header: the host comes in `:authority`, which actix keeps in the
/// request URI. The Host-header mode uses it, and a `Host` header still wins.
#[actix_web::test]
async fn http2_authority_stands_in_for_a_missing_host() {
    let url = format!("https://api.example.com:8443{PATH}");
    let params = sample();
    let sig = sign(&url, &params, TOKEN);
    for mode in MODES {
        let host_only = || {
            config_with(
                StaticKeys::new(Verifier::new(TOKEN)),
                PublicUrl::host_header(true),
            )
        };
        let req = form_post(&url, encode(&params), Some(&sig));
        assert_accepted(
            &run(mode, host_only(), req, None).await,
            &format!("{mode:?}"),
        );
        let req =
            form_post(&url, encode(&params), Some(&sig)).insert_header(("Host", "other.example"));
        assert_refused(
            &run(mode, host_only(), req, None).await,
            403,
            &format!("{mode:?} host wins"),
        );
    }
}

fn forwarded_request() -> TestRequest {
    let params = sample();
    let sig = sign(&format!("{BASE}{PATH}"), &params, TOKEN);
    form_post(PATH, encode(&params), Some(&sig))
        .insert_header(("Host", "backend.internal:8080"))
        .insert_header(("X-Forwarded-Proto", "https"))
        .insert_header(("X-Forwarded-Host", "api.example.com"))
}

#[actix_web::test]
async fn forwarded_headers_only_with_opt_in() {
    for mode in MODES {
        let keys = || StaticKeys::new(Verifier::new(TOKEN));
        let trusted = config_with(keys(), PublicUrl::insecure_trust_forwarded_headers(false));
        let out = run(mode, trusted, forwarded_request(), None).await;
        assert_accepted(&out, &format!("{mode:?} opt-in"));

        // Without the opt-in the same headers are ignored: the URL is built from `Host`
        // (or the configured base), which Twilio did not sign.
        let host_only = config_with(keys(), PublicUrl::host_header(true));
        let out = run(mode, host_only, forwarded_request(), None).await;
        assert_refused(&out, 403, &format!("{mode:?} host header"));
        let other_base = config_with(keys(), PublicUrl::base("https://backend.internal").unwrap());
        let out = run(mode, other_base, forwarded_request(), None).await;
        assert_refused(&out, 403, &format!("{mode:?} base"));
    }
}

#[actix_web::test]
async fn tenants_by_account_sid() {
    const SID_A: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const SID_B: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let map = || {
        AccountSidMap::new()
            .insert(SID_A, Verifier::new("token-a"))
            .insert(SID_B, Verifier::new("token-b"))
    };
    for mode in MODES {
        let params = sample(); // AccountSid is A's
        let url = format!("{BASE}{PATH}");
        let cfg = || config_with(map(), PublicUrl::base(BASE).unwrap());

        let own = form_post(PATH, encode(&params), Some(&sign(&url, &params, "token-a")));
        let got = assert_accepted(&run(mode, cfg(), own, None).await, &format!("{mode:?}"));
        assert_eq!(got.verified.tenant_id.as_deref(), Some(SID_A));

        // A's AccountSid signed with B's token: B's key must not vouch for A's account.
        let other = form_post(PATH, encode(&params), Some(&sign(&url, &params, "token-b")));
        let out = run(mode, cfg(), other, None).await;
        assert_refused(&out, 403, &format!("{mode:?} other tenant's token"));

        let mut unknown = sample();
        unknown[1].1 = "ACcccccccccccccccccccccccccccccccc";
        let req = form_post(
            PATH,
            encode(&unknown),
            Some(&sign(&url, &unknown, "token-a")),
        );
        let out = run(mode, cfg(), req, None).await;
        assert_refused(&out, 403, &format!("{mode:?} unknown account"));
    }
}

#[actix_web::test]
async fn typed_form_after_verification() {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Msg {
        body: String,
        profile_name: String,
    }
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));

    let s = seen.clone();
    let app = test::init_service(App::new().app_data(web::Data::new(config())).route(
        PATH,
        web::post().to(move |hook: TwilioWebhook<web::Form<Msg>>| {
            let s = s.clone();
            async move {
                s.lock().unwrap().push(hook.payload.body.clone());
                HttpResponse::Ok().body(hook.payload.0.profile_name)
            }
        }),
    ))
    .await;
    let resp = test::call_service(&app, signed_sample().to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(test::read_body(resp).await, "Maria José");

    let s = seen.clone();
    let app = test::init_service(
        App::new().service(
            web::scope("/v1")
                .wrap(TwilioWebhookMiddleware::new(config()))
                .route(
                    "/webhooks/twilio",
                    web::post().to(move |form: web::Form<Msg>| {
                        let s = s.clone();
                        async move {
                            s.lock().unwrap().push(form.0.body);
                            HttpResponse::NoContent().finish()
                        }
                    }),
                ),
        ),
    )
    .await;
    let resp = test::call_service(&app, signed_sample().to_request()).await;
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(*seen.lock().unwrap(), vec![sample()[3].1; 2]);
}

#[actix_web::test]
async fn extractor_accepts_plain_config_in_app_data() {
    let seen = web::Data::new(Seen::default());
    let app = test::init_service(
        App::new()
            .app_data(config())
            .app_data(seen.clone())
            .default_service(web::to(extractor_handler)),
    )
    .await;
    let resp = test::call_service(&app, signed_sample().to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(seen.calls.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn each_attempt_is_reported_once_with_the_peer_address() {
    for mode in MODES {
        let log = Arc::new(MemoryLog::default());
        let cfg = || config().with_attempt_log(log.clone());
        let peer = "127.0.0.9:40000".parse().unwrap();
        run(mode, cfg(), signed_sample().peer_addr(peer), None).await;
        run(mode, cfg(), form_post(PATH, "a=b", None), None).await; // refused in precheck
        let bad = form_post(PATH, "a=b", Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        run(mode, cfg(), bad, None).await; // refused after reading
        let records = log.records();
        assert_eq!(records.len(), 3, "{mode:?}: one record per request");
        assert_eq!(records[0].ip_address.as_deref(), Some("127.0.0.9"));
        assert_eq!(records[0].reason, None);
        assert!(records[1].reason.is_some() && records[2].reason.is_some());
    }
}

// ---------------------------------------------------------------------------------------
// Refusals with their exact status; the handler never runs.

#[actix_web::test]
async fn wrong_or_missing_signature_is_403() {
    for mode in MODES {
        let params = sample();
        let wrong = sign(&format!("{BASE}{PATH}"), &params, "not-the-token");
        let out = run(
            mode,
            config(),
            form_post(PATH, encode(&params), Some(&wrong)),
            None,
        )
        .await;
        assert_refused(&out, 403, &format!("{mode:?} wrong signature"));
        assert_eq!(
            out.content_type.as_deref(),
            Some("text/plain; charset=utf-8")
        );

        let out = run(mode, config(), form_post(PATH, encode(&params), None), None).await;
        assert_refused(&out, 403, &format!("{mode:?} missing header"));
    }
}

#[actix_web::test]
async fn body_over_limit_is_413() {
    for mode in MODES {
        let params = sample();
        let body = encode(&params);
        let sig = sign(&format!("{BASE}{PATH}"), &params, TOKEN);
        let limit = 40;
        assert!(body.len() > limit);

        // Declared Content-Length over the limit: refused before reading.
        let req = form_post(PATH, body.clone(), Some(&sig));
        let out = run(mode, config().with_body_limit(limit), req, None).await;
        assert_refused(&out, 413, &format!("{mode:?} declared"));

        // Content-Length understating the body: counted as it arrives.
        let req = form_post(PATH, body.clone(), Some(&sig)).insert_header(("content-length", "10"));
        let out = run(mode, config().with_body_limit(limit), req, None).await;
        assert_refused(&out, 413, &format!("{mode:?} understated"));

        // No Content-Length, a stream of 16-byte chunks: stops at the chunk that crosses
        // the limit and leaves the rest unread.
        let pulled = Arc::new(AtomicUsize::new(0));
        let chunks: Vec<_> = body
            .as_bytes()
            .chunks(16)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let total = chunks.len();
        let req = TestRequest::post()
            .uri(PATH)
            .insert_header(("content-type", FORM))
            .insert_header(("X-Twilio-Signature", sig.clone()));
        let stream = counted_stream(chunks, pulled.clone());
        let out = run(mode, config().with_body_limit(limit), req, Some(stream)).await;
        assert_refused(&out, 413, &format!("{mode:?} streamed"));
        assert_eq!(pulled.load(Ordering::SeqCst), limit / 16 + 1, "{mode:?}");
        assert!(total > limit / 16 + 1);

        // The same stream within the limit is accepted.
        let pulled = Arc::new(AtomicUsize::new(0));
        let chunks = body
            .as_bytes()
            .chunks(16)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let req = TestRequest::post()
            .uri(PATH)
            .insert_header(("content-type", FORM))
            .insert_header(("X-Twilio-Signature", sig.clone()));
        let out = run(mode, config(), req, Some(counted_stream(chunks, pulled))).await;
        let got = assert_accepted(&out, &format!("{mode:?} streamed within limit"));
        assert_eq!(got.body, body.as_bytes());
    }
}

fn counted_stream(chunks: Vec<Result<Bytes, PayloadError>>, pulled: Arc<AtomicUsize>) -> Payload {
    let s = stream::iter(chunks).inspect(move |_| {
        pulled.fetch_add(1, Ordering::SeqCst);
    });
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(s);
    Payload::from(boxed)
}

#[actix_web::test]
async fn body_read_failure_is_400() {
    for mode in MODES {
        let params = sample();
        let sig = sign(&format!("{BASE}{PATH}"), &params, TOKEN);
        let req = TestRequest::post()
            .uri(PATH)
            .insert_header(("content-type", FORM))
            .insert_header(("X-Twilio-Signature", sig));
        let chunks = vec![
            Ok(Bytes::from_static(b"MessageSid=SM1&")),
            Err(PayloadError::Incomplete(None)),
        ];
        let stream = counted_stream(chunks, Arc::new(AtomicUsize::new(0)));
        let out = run(mode, config(), req, Some(stream)).await;
        assert_refused(&out, 400, &format!("{mode:?}"));
    }
}

struct Down;

impl KeyResolver for Down {
    fn resolve<'a>(
        &'a self,
        _ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        Box::pin(async { Err(ResolveError("tenant database unreachable".into())) })
    }
}

#[actix_web::test]
async fn resolver_failure_is_500() {
    for mode in MODES {
        let cfg = config_with(Down, PublicUrl::base(BASE).unwrap());
        let out = run(mode, cfg, signed_sample(), None).await;
        assert_refused(&out, 500, &format!("{mode:?}"));
    }
}

#[actix_web::test]
async fn extractor_without_config_is_500() {
    let out = run_with(Mode::Extractor, None, signed_sample(), None).await;
    assert_refused(&out, 500, "no config");
}

/// Requests that must be refused, with their exact status.
fn bad_inputs() -> Vec<(&'static str, TestRequest, u16)> {
    let params = sample();
    let body = encode(&params);
    let url = format!("{BASE}{PATH}");
    let good = sign(&url, &params, TOKEN);
    let json = br#"{"MessageSid":"SM1","Body":"hi"}"#;
    let json_target = format!("{PATH}?bodySHA256={}", body_sha256_hex(json));
    let json_sig = sign(&format!("{BASE}{json_target}"), &[], TOKEN);
    let no_hash_sig = sign(&url, &[], TOKEN);
    let shared = |settings: &'static str| {
        let sig = compute_signature_with(
            Algorithm::HmacSha256,
            &url,
            params.iter().copied(),
            "shared-secret",
        );
        form_post(PATH, body.clone(), Some(&sig))
            .insert_header(("X-Twilio-Webhooks-Signature-Settings", settings))
    };
    // Bodies that are not valid forms, with the sample's signature: a lenient parser would
    // answer 403 (mismatch), the form check answers 400 before any MAC is compared.
    let raw = |bytes: &'static [u8]| form_post(PATH, bytes, Some(&good));
    vec![
        (
            "empty signature header",
            form_post(PATH, body.clone(), Some("")),
            403,
        ),
        (
            "two signature headers",
            form_post(PATH, body.clone(), Some(&good))
                .append_header(("X-Twilio-Signature", good.clone())),
            403,
        ),
        (
            "non-base64 signature",
            form_post(PATH, body.clone(), Some("not*base64!")),
            403,
        ),
        (
            "signature of the wrong length",
            form_post(PATH, body.clone(), Some("AAAAAAAAAAAAAA==")),
            403,
        ),
        (
            "valid signature replayed on another path",
            form_post("/v1/webhooks/twilio/status", body.clone(), Some(&good)),
            403,
        ),
        ("malformed percent-encoding", raw(b"a=%zz"), 400),
        ("non-UTF-8 byte in a name", raw(b"a\xff=b"), 400),
        ("non-UTF-8 byte in a value", raw(b"a=b\xff"), 400),
        ("non-UTF-8 escape in a name", raw(b"a%FF=b"), 400),
        ("non-UTF-8 escape in a value", raw(b"a=%C3%28"), 400),
        (
            "JSON without bodySHA256",
            TestRequest::post()
                .uri(PATH)
                .insert_header(("content-type", "application/json"))
                .insert_header(("X-Twilio-Signature", no_hash_sig))
                .set_payload(&json[..]),
            400,
        ),
        (
            "JSON changed after signing",
            TestRequest::post()
                .uri(&json_target)
                .insert_header(("content-type", "application/json"))
                .insert_header(("X-Twilio-Signature", json_sig))
                .set_payload(&br#"{"MessageSid":"SM1","Body":"hI"}"#[..]),
            403,
        ),
        (
            "unknown SharedKey id",
            shared("key=KS9,algorithm=HMAC_SHA256"),
            403,
        ),
        (
            "unsupported algorithm",
            shared("key=KS1,algorithm=HMAC_MD5"),
            403,
        ),
    ]
}

#[actix_web::test]
async fn bad_input_matrix() {
    let verifier = || {
        Verifier::builder()
            .auth_token(TOKEN)
            .shared_key("KS1", "shared-secret")
            .build()
    };
    for mode in MODES {
        for (what, req, status) in bad_inputs() {
            let cfg = config_with(StaticKeys::new(verifier()), PublicUrl::base(BASE).unwrap());
            let out = run(mode, cfg, req, None).await;
            assert_refused(&out, status, &format!("{mode:?}: {what}"));
        }
    }
}
