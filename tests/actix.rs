//! The actix-web adapter end to end: `TwilioWebhook<T>` and `TwilioWebhookMiddleware`
//! against `actix_web::test` services, with requests from the test kit, for accepted
//! requests, every refusal class, and the guarantee that a refused request never reaches
//! the handler.
#![cfg(feature = "actix")]

mod support;

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
use twilio_webhook::pipeline::{AccountSidMap, PublicUrl, VerifiedRequest, WebhookConfig};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::testing::SignedRequest;
use twilio_webhook::{KeyUsed, UrlVariant, Verifier};

use support::{
    bad_input_config, bad_inputs, config, config_for, config_with_shared_key, failing_config,
    Reply, BASE, PARAMS, SHARED_KEY_ID, SHARED_SECRET, TOKEN,
};

const PATH: &str = "/v1/webhooks/twilio";

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

type Seen = support::Probe<Delivered>;

fn record(seen: &Seen, body: &[u8], verified: VerifiedRequest) {
    seen.record(Delivered {
        body: body.to_vec(),
        verified,
    });
}

async fn extractor_handler(hook: TwilioWebhook, seen: web::Data<Seen>) -> HttpResponse {
    record(&seen, &hook.payload, hook.verified);
    HttpResponse::Ok().body("handled")
}

async fn middleware_handler(
    verified: web::ReqData<VerifiedRequest>,
    body: Bytes,
    seen: web::Data<Seen>,
) -> HttpResponse {
    record(&seen, &body, verified.into_inner());
    HttpResponse::Ok().body("handled")
}

/// What the app answered, how often the handler ran and what it got.
#[derive(Debug)]
struct Outcome {
    reply: Reply,
    calls: usize,
    delivered: Option<Delivered>,
}

impl std::ops::Deref for Outcome {
    type Target = Reply;
    fn deref(&self) -> &Reply {
        &self.reply
    }
}

/// A request for [`run`]: from the kit, or built by hand.
struct Sent(TestRequest);

impl From<SignedRequest> for Sent {
    fn from(r: SignedRequest) -> Self {
        Sent(r.actix_request().unwrap())
    }
}

impl From<TestRequest> for Sent {
    fn from(r: TestRequest) -> Self {
        Sent(r)
    }
}

/// Sends `req` (with `stream` as its payload instead, if given) through a fresh app.
async fn run(
    mode: Mode,
    config: WebhookConfig,
    req: impl Into<Sent>,
    stream: Option<Payload>,
) -> Outcome {
    run_with(mode, Some(config), req, stream).await
}

async fn run_with(
    mode: Mode,
    config: Option<WebhookConfig>,
    req: impl Into<Sent>,
    stream: Option<Payload>,
) -> Outcome {
    let seen = Seen::default();
    let data = web::Data::new(seen.clone());
    let mut request = req.into().0.to_request();
    if let Some(p) = stream {
        request = request.replace_payload(p).0;
    }
    let (status, content_type, body) = match mode {
        Mode::Extractor => {
            let mut app = App::new()
                .app_data(data)
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
                    .app_data(data)
                    .wrap(TwilioWebhookMiddleware::new(config.expect("config")))
                    .default_service(web::to(middleware_handler)),
            )
            .await;
            let resp = test::call_service(&app, request).await;
            let ct = content_type_of(resp.headers());
            (resp.status().as_u16(), ct, test::read_body(resp).await)
        }
    };
    Outcome {
        reply: Reply {
            status,
            content_type,
            body: body.to_vec(),
        },
        calls: seen.calls(),
        delivered: seen.seen(),
    }
}

fn content_type_of(h: &actix_web::http::header::HeaderMap) -> Option<String> {
    h.get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `PARAMS` posted to `BASE + PATH`, signed with `TOKEN`.
fn signed_sample() -> SignedRequest {
    support::form(PATH)
}

/// `req`'s headers without its body, for a test that streams the body itself.
fn headers_only(req: &SignedRequest) -> TestRequest {
    let parts = req.parts().unwrap();
    let mut t = TestRequest::post().uri(&parts.target());
    for (name, value) in parts.headers {
        t = t.append_header((name, value));
    }
    t
}

fn assert_refused(out: &Outcome, status: u16, what: &str) {
    out.assert_refusal(status, what);
    assert_eq!(out.calls, 0, "{what}: handler must not run");
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
        let req = signed_sample().idempotency_token("idem-7f3a");
        let body = req.parts().unwrap().body;
        let out = run(mode, config(), req, None).await;
        let got = assert_accepted(&out, &format!("{mode:?}"));
        assert_eq!(got.body, body, "{mode:?}: body unchanged");
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
        let body = r#"{"MessageSid":"SM1","Body":"hi"}"#;
        let out = run(mode, config(), support::json(PATH, body), None).await;
        let got = assert_accepted(&out, &format!("{mode:?}"));
        assert_eq!(got.body, body.as_bytes());
    }
}

#[actix_web::test]
async fn shared_key_hmac_sha256() {
    for mode in MODES {
        let req = signed_sample().shared_key(SHARED_KEY_ID, SHARED_SECRET);
        let out = run(mode, config_with_shared_key(), req, None).await;
        let got = assert_accepted(&out, &format!("{mode:?}"));
        assert_eq!(
            got.verified.matched.key,
            KeyUsed::SharedKey(SHARED_KEY_ID.into())
        );
    }
}

#[actix_web::test]
async fn base_with_path_prefix() {
    for mode in MODES {
        // The proxy strips `/prod`; Twilio signed the public URL with it.
        let req = support::form(&format!("/prod{PATH}?x=1")).sent_to(&format!("{PATH}?x=1"));
        let cfg = WebhookConfig::single_token(TOKEN, &format!("{BASE}/prod/")).unwrap();
        let got = assert_accepted(&run(mode, cfg, req, None).await, &format!("{mode:?}"));
        assert_eq!(got.verified.url, format!("{BASE}/prod{PATH}?x=1"));
    }
}

#[actix_web::test]
async fn port_variants() {
    for mode in MODES {
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
            let req = SignedRequest::post(&format!("{signed}{PATH}"))
                .params(PARAMS.iter().copied())
                .auth_token(TOKEN);
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
    let config = || config().with_attempt_log(log.clone());
    let seen = Seen::default();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(seen.clone()))
            .app_data(web::Data::new(config()))
            .wrap(TwilioWebhookMiddleware::new(config()))
            .default_service(web::to(extractor_handler)),
    )
    .await;
    let req = signed_sample().actix_request().unwrap().to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(seen.calls(), 1);
    assert_eq!(log.records().len(), 1, "one report");
    let forged = signed_sample().auth_token("another tenant's token");
    let req = forged.actix_request().unwrap().to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(seen.calls(), 1, "handler not run");
    assert_eq!(log.records().len(), 2);
}

/// HTTP/2 has no `Host` header: the host comes in `:authority`, which actix keeps in the
/// request URI. The Host-header mode uses it, and a `Host` header still wins.
#[actix_web::test]
async fn http2_authority_stands_in_for_a_missing_host() {
    let h2 = || {
        SignedRequest::post(&format!("https://api.example.com:8443{PATH}"))
            .params(PARAMS.iter().copied())
            .auth_token(TOKEN)
            .as_http2()
    };
    for mode in MODES {
        let host_only = || config_for(PublicUrl::host_header(true));
        assert_accepted(
            &run(mode, host_only(), h2(), None).await,
            &format!("{mode:?}"),
        );
        let req = h2().insert_header("Host", "other.example");
        assert_refused(
            &run(mode, host_only(), req, None).await,
            403,
            &format!("{mode:?} host wins"),
        );
    }
}

fn forwarded_request() -> SignedRequest {
    signed_sample()
        .insert_header("Host", "backend.internal:8080")
        .insert_header("X-Forwarded-Proto", "https")
        .insert_header("X-Forwarded-Host", "api.example.com")
}

#[actix_web::test]
async fn forwarded_headers_only_with_opt_in() {
    for mode in MODES {
        let trusted = config_for(PublicUrl::insecure_trust_forwarded_headers(false));
        let out = run(mode, trusted, forwarded_request(), None).await;
        assert_accepted(&out, &format!("{mode:?} opt-in"));

        // Without the opt-in the same headers are ignored: the URL is built from `Host`
        // (or the configured base), which Twilio did not sign.
        let host_only = config_for(PublicUrl::host_header(true));
        let out = run(mode, host_only, forwarded_request(), None).await;
        assert_refused(&out, 403, &format!("{mode:?} host header"));
        let other_base = config_for(PublicUrl::base("https://backend.internal").unwrap());
        let out = run(mode, other_base, forwarded_request(), None).await;
        assert_refused(&out, 403, &format!("{mode:?} base"));
    }
}

#[actix_web::test]
async fn tenants_by_account_sid() {
    let sid_a = PARAMS[0].1; // the sample's AccountSid
    const SID_B: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let map = || {
        AccountSidMap::new()
            .insert(sid_a, Verifier::new("token-a"))
            .insert(SID_B, Verifier::new("token-b"))
    };
    for mode in MODES {
        let cfg = || WebhookConfig::new(map(), PublicUrl::base(BASE).unwrap());

        let own = signed_sample().auth_token("token-a");
        let got = assert_accepted(&run(mode, cfg(), own, None).await, &format!("{mode:?}"));
        assert_eq!(got.verified.tenant_id.as_deref(), Some(sid_a));

        // A's AccountSid signed with B's token: B's key must not vouch for A's account.
        let other = signed_sample().auth_token("token-b");
        let out = run(mode, cfg(), other, None).await;
        assert_refused(&out, 403, &format!("{mode:?} other tenant's token"));

        let unknown = signed_sample()
            .set_param("AccountSid", "ACcccccccccccccccccccccccccccccccc")
            .auth_token("token-a");
        let out = run(mode, cfg(), unknown, None).await;
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
    let req = || {
        signed_sample()
            .param("ProfileName", "Maria José")
            .actix_request()
            .unwrap()
            .to_request()
    };
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
    let resp = test::call_service(&app, req()).await;
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
    let resp = test::call_service(&app, req()).await;
    assert_eq!(resp.status().as_u16(), 204);
    let body = PARAMS.iter().find(|(n, _)| *n == "Body").unwrap().1;
    assert_eq!(*seen.lock().unwrap(), vec![body; 2]);
}

#[actix_web::test]
async fn extractor_accepts_plain_config_in_app_data() {
    let seen = Seen::default();
    let app = test::init_service(
        App::new()
            .app_data(config())
            .app_data(web::Data::new(seen.clone()))
            .default_service(web::to(extractor_handler)),
    )
    .await;
    let req = signed_sample().actix_request().unwrap().to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(seen.calls(), 1);
}

#[actix_web::test]
async fn each_attempt_is_reported_once_with_the_peer_address() {
    for mode in MODES {
        let log = Arc::new(MemoryLog::default());
        let cfg = || config().with_attempt_log(log.clone());
        let peer = "127.0.0.9:40000".parse().unwrap();
        let req = signed_sample().actix_request().unwrap().peer_addr(peer);
        run(mode, cfg(), req, None).await;
        let unsigned = signed_sample().send_body("a=b");
        run(mode, cfg(), unsigned.clone().without_signature(), None).await; // refused in precheck
        let bad = unsigned.tamper_signature("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
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
        let wrong = signed_sample().auth_token("not-the-token");
        let out = run(mode, config(), wrong, None).await;
        // A plain-text answer: `assert_refused` checks the content type too.
        assert_refused(&out, 403, &format!("{mode:?} wrong signature"));

        let missing = signed_sample().without_signature();
        let out = run(mode, config(), missing, None).await;
        assert_refused(&out, 403, &format!("{mode:?} missing header"));
    }
}

#[actix_web::test]
async fn body_over_limit_is_413() {
    for mode in MODES {
        let signed = signed_sample();
        let body = signed.parts().unwrap().body;
        let limit = 40;
        assert!(body.len() > limit);

        // Declared Content-Length over the limit: refused before reading.
        let out = run(mode, config().with_body_limit(limit), signed.clone(), None).await;
        assert_refused(&out, 413, &format!("{mode:?} declared"));

        // Content-Length understating the body: counted as it arrives. (`actix_request`
        // declares the body's length; this header replaces it.)
        let req = signed
            .actix_request()
            .unwrap()
            .insert_header(("content-length", "10"));
        let out = run(mode, config().with_body_limit(limit), req, None).await;
        assert_refused(&out, 413, &format!("{mode:?} understated"));

        // No Content-Length, a stream of 16-byte chunks: stops at the chunk that crosses
        // the limit and leaves the rest unread.
        let pulled = Arc::new(AtomicUsize::new(0));
        let chunks = || -> Vec<_> {
            body.chunks(16)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect()
        };
        let total = chunks().len();
        let stream = counted_stream(chunks(), pulled.clone());
        let cfg = config().with_body_limit(limit);
        let out = run(mode, cfg, headers_only(&signed), Some(stream)).await;
        assert_refused(&out, 413, &format!("{mode:?} streamed"));
        assert_eq!(pulled.load(Ordering::SeqCst), limit / 16 + 1, "{mode:?}");
        assert!(total > limit / 16 + 1);

        // The same stream within the limit is accepted.
        let stream = counted_stream(chunks(), Arc::new(AtomicUsize::new(0)));
        let out = run(mode, config(), headers_only(&signed), Some(stream)).await;
        let got = assert_accepted(&out, &format!("{mode:?} streamed within limit"));
        assert_eq!(got.body, body);
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
        let chunks = vec![
            Ok(Bytes::from_static(b"MessageSid=SM1&")),
            Err(PayloadError::Incomplete(None)),
        ];
        let stream = counted_stream(chunks, Arc::new(AtomicUsize::new(0)));
        let out = run(mode, config(), headers_only(&signed_sample()), Some(stream)).await;
        assert_refused(&out, 400, &format!("{mode:?}"));
    }
}

#[actix_web::test]
async fn resolver_failure_is_500() {
    for mode in MODES {
        let out = run(mode, failing_config(), signed_sample(), None).await;
        assert_refused(&out, 500, &format!("{mode:?}"));
    }
}

#[actix_web::test]
async fn extractor_without_config_is_500() {
    let out = run_with(Mode::Extractor, None, signed_sample(), None).await;
    assert_refused(&out, 500, "no config");
}

/// The shared table (`support::bad_inputs`) through both paths: its status, the fixed
/// text, the handler not run, and its error as the reported reason.
#[actix_web::test]
async fn bad_input_matrix() {
    for mode in MODES {
        for case in bad_inputs() {
            let what = format!("{mode:?}: {}", case.name);
            let log = Arc::new(MemoryLog::default());
            let cfg = bad_input_config().with_attempt_log(log.clone());
            let out = run(mode, cfg, case.request, None).await;
            assert_refused(&out, case.status, &what);
            let reasons: Vec<_> = log.records().into_iter().map(|r| r.reason).collect();
            assert_eq!(reasons, [Some(case.error.to_string())], "{what}");
        }
    }
}
