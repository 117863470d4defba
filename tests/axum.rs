//! The axum adapter through real routers (`tower::ServiceExt::oneshot`): the extractor
//! (`TwilioWebhook<T>`) and the middleware (`verify_twilio` + `TwilioVerified`) on the same
//! cases. Every refusal also asserts the handler never ran.
#![cfg(feature = "axum")]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRef, State};
use axum::http::{Request, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use axum::{Form, Json, Router};
use tower::ServiceExt as _;
use twilio_webhook::adapters::axum::{verify_twilio, TwilioVerified, TwilioWebhook};
use twilio_webhook::pipeline::{
    AccountSidMap, BoxFuture, KeyResolver, PublicUrl, ResolveContext, ResolveError, StaticKeys,
    Tenant, VerifiedRequest, WebhookConfig,
};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::{
    body_sha256_hex, compute_signature_with, compute_twilio_signature, Algorithm, KeyUsed, Verifier,
};

const TOKEN: &str = "12345";
const OTHER_TOKEN: &str = "67890";
const BASE: &str = "https://api.example.com";
const FORM: &str = "application/x-www-form-urlencoded";
const PARAMS: &[(&str, &str)] = &[
    ("AccountSid", "AC0000000000000000000000000000000a"),
    ("Body", "Hi there + café & 100% ✓"),
    ("From", "whatsapp:+14155550100"),
    ("MessageSid", "SM123"),
];

// ---------------------------------------------------------------- harness

#[derive(Debug, Clone, Copy)]
enum Mode {
    Extractor,
    Middleware,
}
const MODES: [Mode; 2] = [Mode::Extractor, Mode::Middleware];

/// What handlers saw, and how often they ran.
#[derive(Clone, Default)]
struct Probe {
    calls: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<Seen>>>,
}

#[derive(Debug, Clone, Default)]
struct Seen {
    body: Option<Vec<u8>>,
    form: Option<Vec<(String, String)>>,
    json: Option<serde_json::Value>,
    verified: Option<VerifiedRequest>,
}

impl Probe {
    fn record(&self, seen: Seen) -> StatusCode {
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.last.lock().unwrap() = Some(seen);
        StatusCode::OK
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn last(&self) -> Seen {
        self.last.lock().unwrap().clone().expect("handler ran")
    }
}

#[derive(Clone)]
struct AppState {
    config: Arc<WebhookConfig>,
    probe: Probe,
}

impl FromRef<AppState> for Arc<WebhookConfig> {
    fn from_ref(s: &AppState) -> Self {
        s.config.clone()
    }
}

impl FromRef<AppState> for Probe {
    fn from_ref(s: &AppState) -> Self {
        s.probe.clone()
    }
}

// Extractor-path handlers.
async fn ex_bytes(State(p): State<Probe>, hook: TwilioWebhook<Bytes>) -> StatusCode {
    p.record(Seen {
        body: Some(hook.payload.to_vec()),
        verified: Some(hook.verified),
        ..Seen::default()
    })
}
async fn ex_string(State(p): State<Probe>, hook: TwilioWebhook<String>) -> StatusCode {
    p.record(Seen {
        body: Some(hook.payload.into_bytes()),
        verified: Some(hook.verified),
        ..Seen::default()
    })
}
async fn ex_form(
    State(p): State<Probe>,
    hook: TwilioWebhook<Form<Vec<(String, String)>>>,
) -> StatusCode {
    p.record(Seen {
        form: Some(hook.payload.0),
        verified: Some(hook.verified),
        ..Seen::default()
    })
}
async fn ex_json(
    State(p): State<Probe>,
    hook: TwilioWebhook<Json<serde_json::Value>>,
) -> StatusCode {
    p.record(Seen {
        json: Some(hook.payload.0),
        verified: Some(hook.verified),
        ..Seen::default()
    })
}

// Middleware-path handlers.
async fn mw_bytes(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    b: Bytes,
) -> StatusCode {
    p.record(Seen {
        body: Some(b.to_vec()),
        verified: Some(v),
        ..Seen::default()
    })
}
async fn mw_string(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    s: String,
) -> StatusCode {
    p.record(Seen {
        body: Some(s.into_bytes()),
        verified: Some(v),
        ..Seen::default()
    })
}
async fn mw_form(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    Form(f): Form<Vec<(String, String)>>,
) -> StatusCode {
    p.record(Seen {
        form: Some(f),
        verified: Some(v),
        ..Seen::default()
    })
}
async fn mw_json(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    Json(j): Json<serde_json::Value>,
) -> StatusCode {
    p.record(Seen {
        json: Some(j),
        verified: Some(v),
        ..Seen::default()
    })
}

/// `/hook` (Bytes), `/string`, `/form`, `/json`, and `/v1/twilio/hook` inside `nest`.
fn routes(mode: Mode, config: &Arc<WebhookConfig>) -> (Router<AppState>, Router<AppState>) {
    match mode {
        Mode::Extractor => (
            Router::new()
                .route("/hook", post(ex_bytes))
                .route("/string", post(ex_string))
                .route("/form", post(ex_form))
                .route("/json", post(ex_json)),
            Router::new().route("/hook", post(ex_bytes)),
        ),
        // The nested router has its own layer, so the middleware sees the stripped URI.
        Mode::Middleware => (
            Router::new()
                .route("/hook", post(mw_bytes))
                .route("/string", post(mw_string))
                .route("/form", post(mw_form))
                .route("/json", post(mw_json))
                .route_layer(from_fn_with_state(config.clone(), verify_twilio)),
            Router::new()
                .route("/hook", post(mw_bytes))
                .route_layer(from_fn_with_state(config.clone(), verify_twilio)),
        ),
    }
}

struct App {
    router: Router,
    probe: Probe,
    log: Arc<MemoryLog>,
}

impl App {
    fn new(mode: Mode, config: WebhookConfig) -> Self {
        Self::with(mode, config, |r| r)
    }

    fn with(mode: Mode, config: WebhookConfig, outer: impl FnOnce(Router) -> Router) -> Self {
        let log = Arc::new(MemoryLog::default());
        let config = Arc::new(config.with_attempt_log(log.clone()));
        let probe = Probe::default();
        let (top, nested) = routes(mode, &config);
        let router = top.nest("/v1/twilio", nested).with_state(AppState {
            config,
            probe: probe.clone(),
        });
        App {
            router: outer(router),
            probe,
            log,
        }
    }

    async fn send(&self, req: Request<Body>) -> (StatusCode, String) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    /// Sends `req`, expects `status`, and checks the handler did not run on a refusal and
    /// that exactly one attempt was reported.
    async fn expect(&self, req: Request<Body>, status: StatusCode, case: &str) -> String {
        let before = self.probe.calls();
        let logged = self.log.records().len();
        let (got, body) = self.send(req).await;
        assert_eq!(got, status, "{case}: body {body:?}");
        let ran = self.probe.calls() - before;
        assert_eq!(
            ran,
            usize::from(got == StatusCode::OK),
            "{case}: handler calls"
        );
        assert_eq!(
            self.log.records().len(),
            logged + 1,
            "{case}: attempts reported"
        );
        body
    }
}

fn config(token: &str) -> WebhookConfig {
    WebhookConfig::single_token(token, BASE).unwrap()
}

fn encode(params: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(params).unwrap()
}

fn sign(url: &str, params: &[(&str, &str)], token: &str) -> String {
    compute_twilio_signature(url, params.iter().copied(), token)
}

/// A POST with these headers (repeats allowed) and body.
fn post_req(path: &str, headers: &[(&str, &[u8])], body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::builder().method("POST").uri(path);
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    b.body(body.into()).unwrap()
}

/// A form POST to `path`, signed as Twilio would for `BASE + path`.
fn signed_form(path: &str, params: &[(&str, &str)]) -> Request<Body> {
    let sig = sign(&format!("{BASE}{path}"), params, TOKEN);
    form_with_sig(path, encode(params), &sig)
}

fn form_with_sig(path: &str, body: impl Into<Body>, sig: &str) -> Request<Body> {
    post_req(
        path,
        &[
            ("content-type", FORM.as_bytes()),
            ("x-twilio-signature", sig.as_bytes()),
        ],
        body,
    )
}

/// A JSON POST to `path?bodySHA256=…`, signed over the URL alone.
fn signed_json(path: &str, signed_body: &str, sent_body: &str) -> Request<Body> {
    let path = format!(
        "{path}?bodySHA256={}",
        body_sha256_hex(signed_body.as_bytes())
    );
    let sig = sign(&format!("{BASE}{path}"), &[], TOKEN);
    post_req(
        &path,
        &[
            ("content-type", b"application/json"),
            ("x-twilio-signature", sig.as_bytes()),
        ],
        sent_body.to_owned(),
    )
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ---------------------------------------------------------------- accepted

#[tokio::test]
async fn valid_form_reaches_handler_unchanged() {
    for mode in MODES {
        let app = App::new(mode, config(TOKEN));
        let body = encode(PARAMS);
        let sig = sign(&format!("{BASE}/hook"), PARAMS, TOKEN);
        let req = post_req(
            "/hook",
            &[
                ("content-type", FORM.as_bytes()),
                ("x-twilio-signature", sig.as_bytes()),
                ("i-twilio-idempotency-token", b"idem-42"),
            ],
            body.clone(),
        );
        app.expect(req, StatusCode::OK, &format!("{mode:?} bytes"))
            .await;
        let seen = app.probe.last();
        assert_eq!(seen.body.as_deref(), Some(body.as_bytes()), "{mode:?}");
        let v = seen.verified.unwrap();
        assert_eq!(v.idempotency_token.as_deref(), Some("idem-42"));
        assert_eq!(v.url, format!("{BASE}/hook"));
        assert_eq!(v.matched.key, KeyUsed::AuthToken(0));

        app.expect(signed_form("/form", PARAMS), StatusCode::OK, "form")
            .await;
        let seen = app.probe.last();
        assert_eq!(seen.form, Some(owned(PARAMS)), "{mode:?}");
        assert_eq!(seen.verified.unwrap().idempotency_token, None);

        app.expect(signed_form("/string", PARAMS), StatusCode::OK, "string")
            .await;
        assert_eq!(app.probe.last().body, Some(body.clone().into_bytes()));
    }
}

#[tokio::test]
async fn valid_json_with_body_sha256() {
    let json = r#"{"event":"message.delivered","sid":"SM1","n":[1,2]}"#;
    for mode in MODES {
        let app = App::new(mode, config(TOKEN));
        app.expect(signed_json("/json", json, json), StatusCode::OK, "json")
            .await;
        let want: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(app.probe.last().json, Some(want), "{mode:?}");

        app.expect(signed_json("/hook", json, json), StatusCode::OK, "json raw")
            .await;
        assert_eq!(app.probe.last().body.as_deref(), Some(json.as_bytes()));
    }
}

#[tokio::test]
async fn nested_router_checks_the_full_path() {
    for mode in MODES {
        let app = App::new(mode, config(TOKEN));
        app.expect(
            signed_form("/v1/twilio/hook", PARAMS),
            StatusCode::OK,
            "nested",
        )
        .await;
        let v = app.probe.last().verified.unwrap();
        assert_eq!(v.url, format!("{BASE}/v1/twilio/hook"), "{mode:?}");
        // A signature over the stripped path is not the one Twilio would send.
        let sig = sign(&format!("{BASE}/hook"), PARAMS, TOKEN);
        let req = form_with_sig("/v1/twilio/hook", encode(PARAMS), &sig);
        app.expect(req, StatusCode::FORBIDDEN, "stripped").await;
    }
}

#[tokio::test]
async fn base_url_with_path_prefix() {
    // A proxy forwards https://api.example.com/twilio-in/hook to this server's /hook.
    let base = format!("{BASE}/twilio-in");
    for mode in MODES {
        let cfg = WebhookConfig::single_token(TOKEN, &base).unwrap();
        let app = App::new(mode, cfg);
        let sig = sign(&format!("{base}/hook"), PARAMS, TOKEN);
        let req = form_with_sig("/hook", encode(PARAMS), &sig);
        app.expect(req, StatusCode::OK, "prefix").await;
        // Signed without the prefix: not what Twilio called.
        app.expect(
            signed_form("/hook", PARAMS),
            StatusCode::FORBIDDEN,
            "no prefix",
        )
        .await;
    }
}

#[tokio::test]
async fn forwarded_headers_only_with_opt_in() {
    let req = || {
        let sig = sign(&format!("{BASE}/hook"), PARAMS, TOKEN);
        post_req(
            "/hook",
            &[
                ("host", b"internal:8080"),
                ("x-forwarded-proto", b"https"),
                ("x-forwarded-host", b"api.example.com"),
                ("content-type", FORM.as_bytes()),
                ("x-twilio-signature", sig.as_bytes()),
            ],
            encode(PARAMS),
        )
    };
    let with = |url: PublicUrl| WebhookConfig::new(StaticKeys::new(Verifier::new(TOKEN)), url);
    for mode in MODES {
        let app = App::new(
            mode,
            with(PublicUrl::insecure_trust_forwarded_headers(false)),
        );
        app.expect(req(), StatusCode::OK, "opt-in").await;
        let app = App::new(mode, with(PublicUrl::host_header(false)));
        app.expect(req(), StatusCode::FORBIDDEN, "no opt-in").await;
    }
}

/// Behind `verify_twilio` (or the hyper crate's tower layer), the `TwilioWebhook` extractor
/// takes the layer's verdict: the request is verified and reported once, not twice.
#[tokio::test]
async fn extractor_behind_a_layer_verifies_once() {
    let forged = || {
        let sig = sign(&format!("{BASE}/form"), PARAMS, "another tenant's token");
        form_with_sig("/form", encode(PARAMS), &sig)
    };
    let log = Arc::new(MemoryLog::default());
    let shared = Arc::new(config(TOKEN).with_attempt_log(log.clone()));
    let probe = Probe::default();
    let routes = Router::new().route("/form", post(ex_form));
    let state = AppState {
        config: shared.clone(),
        probe: probe.clone(),
    };
    let fn_layer = routes
        .clone()
        .route_layer(from_fn_with_state(shared.clone(), verify_twilio))
        .with_state(state.clone());
    #[allow(unused_mut)]
    let mut apps = vec![("verify_twilio", fn_layer)];
    #[cfg(feature = "hyper")]
    apps.push((
        "TwilioWebhookLayer",
        routes
            .layer(twilio_webhook::adapters::hyper::TwilioWebhookLayer::new(
                config(TOKEN).with_attempt_log(log.clone()),
            ))
            .with_state(state),
    ));
    for (name, app) in apps {
        let (calls, logged) = (probe.calls(), log.records().len());
        let res = app
            .clone()
            .oneshot(signed_form("/form", PARAMS))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{name}");
        assert_eq!(probe.calls() - calls, 1, "{name}");
        assert_eq!(log.records().len() - logged, 1, "{name}: one report");
        let res = app.oneshot(forged()).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        assert_eq!(probe.calls() - calls, 1, "{name}: handler not run");
        assert_eq!(log.records().len() - logged, 2, "{name}");
    }
}

/// HTTP/2 has no `Host` header: the host comes in `:authority`, which reaches axum as the
/// URI's authority. The Host-header mode uses it, and a `Host` header still wins.
#[tokio::test]
async fn http2_authority_stands_in_for_a_missing_host() {
    let url = "https://api.example.com:8443/hook";
    let sig = sign(url, PARAMS, TOKEN);
    let with = |url: PublicUrl| WebhookConfig::new(StaticKeys::new(Verifier::new(TOKEN)), url);
    for mode in MODES {
        let app = App::new(mode, with(PublicUrl::host_header(true)));
        let req = form_with_sig(url, encode(PARAMS), &sig);
        assert!(req.headers().get("host").is_none());
        app.expect(req, StatusCode::OK, "authority").await;
        let mut req = form_with_sig(url, encode(PARAMS), &sig);
        req.headers_mut()
            .insert("host", http::HeaderValue::from_static("other.example"));
        app.expect(req, StatusCode::FORBIDDEN, "host wins").await;
    }
}

#[tokio::test]
async fn port_variants() {
    for mode in MODES {
        // Twilio signed with the explicit default port; the base has none.
        let app = App::new(mode, config(TOKEN));
        let sig = sign(&format!("{BASE}:443/hook"), PARAMS, TOKEN);
        app.expect(
            form_with_sig("/hook", encode(PARAMS), &sig),
            StatusCode::OK,
            "443",
        )
        .await;
        // And the other way round.
        let cfg = WebhookConfig::single_token(TOKEN, "https://api.example.com:443").unwrap();
        let app = App::new(mode, cfg);
        app.expect(signed_form("/hook", PARAMS), StatusCode::OK, "no port")
            .await;
    }
}

#[tokio::test]
async fn shared_key_hmac_sha256() {
    let verifier = Verifier::builder()
        .auth_token(TOKEN)
        .shared_key("KS1", "shared secret")
        .build();
    for mode in MODES {
        let cfg = WebhookConfig::new(
            StaticKeys::new(verifier.clone()),
            PublicUrl::base(BASE).unwrap(),
        );
        let app = App::new(mode, cfg);
        let sig = compute_signature_with(
            Algorithm::HmacSha256,
            &format!("{BASE}/hook"),
            PARAMS.iter().copied(),
            "shared secret",
        );
        let req = post_req(
            "/hook",
            &[
                ("content-type", FORM.as_bytes()),
                ("x-twilio-signature", sig.as_bytes()),
                (
                    "x-twilio-webhooks-signature-settings",
                    b"key=KS1,algorithm=HMAC_SHA256",
                ),
            ],
            encode(PARAMS),
        );
        app.expect(req, StatusCode::OK, "shared key").await;
        let v = app.probe.last().verified.unwrap();
        assert_eq!(v.matched.key, KeyUsed::SharedKey("KS1".into()), "{mode:?}");
    }
}

#[tokio::test]
async fn peer_address_from_connect_info_is_reported() {
    for mode in MODES {
        let app = App::new(mode, config(TOKEN));
        let mut req = signed_form("/hook", PARAMS);
        let peer: SocketAddr = "203.0.113.7:55000".parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(peer));
        app.expect(req, StatusCode::OK, "peer").await;
        let rec = app.log.records().pop().unwrap();
        assert_eq!(rec.ip_address.as_deref(), Some("203.0.113.7"), "{mode:?}");
    }
}

// ---------------------------------------------------------------- tenants, keys

fn two_tenants() -> WebhookConfig {
    let map = AccountSidMap::new()
        .insert("ACaaaa", Verifier::new(TOKEN))
        .insert("ACbbbb", Verifier::new(OTHER_TOKEN));
    WebhookConfig::new(map, PublicUrl::base(BASE).unwrap())
}

#[tokio::test]
async fn other_tenants_token_is_refused() {
    for mode in MODES {
        let app = App::new(mode, two_tenants());
        let url = format!("{BASE}/hook");
        // Tenant A's AccountSid, signed with tenant B's token.
        let params = [("AccountSid", "ACaaaa"), ("Body", "hi")];
        let req = form_with_sig("/hook", encode(&params), &sign(&url, &params, OTHER_TOKEN));
        let body = app.expect(req, StatusCode::FORBIDDEN, "cross-tenant").await;
        assert_eq!(body, "Forbidden");
        // Control: B's AccountSid with B's token.
        let params = [("AccountSid", "ACbbbb"), ("Body", "hi")];
        let req = form_with_sig("/hook", encode(&params), &sign(&url, &params, OTHER_TOKEN));
        app.expect(req, StatusCode::OK, "own tenant").await;
        let v = app.probe.last().verified.unwrap();
        assert_eq!(v.tenant_id.as_deref(), Some("ACbbbb"), "{mode:?}");
        // Unknown AccountSid.
        let params = [("AccountSid", "ACcccc"), ("Body", "hi")];
        let req = form_with_sig("/hook", encode(&params), &sign(&url, &params, TOKEN));
        app.expect(req, StatusCode::FORBIDDEN, "unknown tenant")
            .await;
    }
}

struct FailingResolver;

impl KeyResolver for FailingResolver {
    fn resolve<'a>(
        &'a self,
        _ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        Box::pin(async { Err(ResolveError("database down".into())) })
    }
}

#[tokio::test]
async fn resolver_failure_is_500() {
    for mode in MODES {
        let cfg = WebhookConfig::new(FailingResolver, PublicUrl::base(BASE).unwrap());
        let app = App::new(mode, cfg);
        let body = app
            .expect(
                signed_form("/hook", PARAMS),
                StatusCode::INTERNAL_SERVER_ERROR,
                "resolver",
            )
            .await;
        assert_eq!(body, "Internal Server Error");
    }
}

// ---------------------------------------------------------------- limits

fn big_params(len: usize) -> Vec<(&'static str, String)> {
    vec![("AccountSid", "AC1".into()), ("Body", "x".repeat(len))]
}

/// A signed oversized form, with or without `Content-Length` (without, the body is only
/// found too large while reading it).
fn signed_big(path: &str, len: usize, content_length: bool) -> Request<Body> {
    let params = big_params(len);
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut req = signed_form(path, &params);
    if content_length {
        let n = encode(&params).len().to_string();
        req.headers_mut()
            .insert("content-length", n.parse().unwrap());
    }
    req
}

#[tokio::test]
async fn body_over_config_limit_is_413() {
    for mode in MODES {
        let app = App::new(mode, config(TOKEN).with_body_limit(100));
        for cl in [true, false] {
            let body = app
                .expect(
                    signed_big("/hook", 200, cl),
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "over",
                )
                .await;
            assert_eq!(body, "Payload Too Large");
            let rec = app.log.records().pop().unwrap();
            assert_eq!(
                rec.reason.as_deref(),
                Some("body larger than the limit of 100 bytes")
            );
        }
        // Just under the limit still passes.
        app.expect(signed_big("/hook", 50, false), StatusCode::OK, "under")
            .await;
    }
}

#[tokio::test]
async fn body_over_axum_default_body_limit_is_413() {
    for mode in MODES {
        let app = App::with(mode, config(TOKEN), |r| r.layer(DefaultBodyLimit::max(64)));
        for cl in [true, false] {
            app.expect(
                signed_big("/hook", 100, cl),
                StatusCode::PAYLOAD_TOO_LARGE,
                "axum limit",
            )
            .await;
            // The limit that applied, axum's, is the one reported.
            let rec = app.log.records().pop().unwrap();
            assert_eq!(
                rec.reason.as_deref(),
                Some("body larger than the limit of 64 bytes")
            );
        }
        app.expect(
            signed_big("/hook", 10, true),
            StatusCode::OK,
            "under axum limit",
        )
        .await;
        // Disabling axum's limit leaves ours.
        let app = App::with(mode, config(TOKEN).with_body_limit(300), |r| {
            r.layer(DefaultBodyLimit::disable())
        });
        app.expect(signed_big("/hook", 200, false), StatusCode::OK, "disabled")
            .await;
        app.expect(
            signed_big("/hook", 400, false),
            StatusCode::PAYLOAD_TOO_LARGE,
            "ours",
        )
        .await;
    }
}

// ---------------------------------------------------------------- bad input

/// Requests that must be refused, with their status. Built fresh per use: `Request` is
/// not `Clone`.
fn bad_cases() -> Vec<(&'static str, Request<Body>, StatusCode)> {
    let url = format!("{BASE}/hook");
    let good = sign(&url, PARAMS, TOKEN);
    let body = encode(PARAMS);
    let form_hdr = ("content-type", FORM.as_bytes());
    let json = r#"{"a":1}"#;
    let settings = |s: &'static str| ("x-twilio-webhooks-signature-settings", s.as_bytes());
    // Any well-formed signature: these bodies are refused before any MAC is compared.
    let any_sig = good.clone();

    vec![
        (
            "missing header",
            post_req("/hook", &[form_hdr], body.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "empty signature",
            post_req(
                "/hook",
                &[form_hdr, ("x-twilio-signature", b"")],
                body.clone(),
            ),
            StatusCode::FORBIDDEN,
        ),
        (
            "two signature headers",
            post_req(
                "/hook",
                &[
                    form_hdr,
                    ("x-twilio-signature", good.as_bytes()),
                    ("x-twilio-signature", good.as_bytes()),
                ],
                body.clone(),
            ),
            StatusCode::FORBIDDEN,
        ),
        (
            "wrong signature",
            form_with_sig("/hook", body.clone(), &sign(&url, PARAMS, OTHER_TOKEN)),
            StatusCode::FORBIDDEN,
        ),
        (
            "non-base64",
            form_with_sig("/hook", body.clone(), "!!not*base64!!"),
            StatusCode::FORBIDDEN,
        ),
        (
            "wrong length",
            form_with_sig("/hook", body.clone(), "AAAAAAAAAAAAAAAA"),
            StatusCode::FORBIDDEN,
        ),
        (
            "replayed on another path",
            form_with_sig("/string", body.clone(), &good),
            StatusCode::FORBIDDEN,
        ),
        (
            "tampered body",
            form_with_sig("/hook", body.replace("Hi", "Yo"), &good),
            StatusCode::FORBIDDEN,
        ),
        (
            "malformed percent-encoding",
            form_with_sig("/hook", "a=%zz", &any_sig),
            StatusCode::BAD_REQUEST,
        ),
        (
            "non-UTF-8 name",
            form_with_sig("/hook", &b"\xff=1"[..], &any_sig),
            StatusCode::BAD_REQUEST,
        ),
        (
            "non-UTF-8 value",
            form_with_sig("/hook", &b"a=\xff"[..], &any_sig),
            StatusCode::BAD_REQUEST,
        ),
        (
            "non-UTF-8 escaped value",
            form_with_sig("/hook", "a=%FF", &any_sig),
            StatusCode::BAD_REQUEST,
        ),
        (
            "JSON without bodySHA256",
            post_req(
                "/json",
                &[
                    ("content-type", b"application/json"),
                    (
                        "x-twilio-signature",
                        sign(&format!("{BASE}/json"), &[], TOKEN).as_bytes(),
                    ),
                ],
                json,
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            "JSON changed after signing",
            signed_json("/json", json, r#"{"a":2}"#),
            StatusCode::FORBIDDEN,
        ),
        (
            "unknown SharedKey id",
            post_req(
                "/hook",
                &[
                    form_hdr,
                    ("x-twilio-signature", good.as_bytes()),
                    settings("key=KSnope,algorithm=HMAC_SHA256"),
                ],
                body.clone(),
            ),
            StatusCode::FORBIDDEN,
        ),
        (
            "unsupported algorithm",
            post_req(
                "/hook",
                &[
                    form_hdr,
                    ("x-twilio-signature", good.as_bytes()),
                    settings("algorithm=HMAC_MD5"),
                ],
                body.clone(),
            ),
            StatusCode::FORBIDDEN,
        ),
    ]
}

#[tokio::test]
async fn bad_input_matrix() {
    for mode in MODES {
        let app = App::new(mode, config(TOKEN));
        for (name, req, status) in bad_cases() {
            let text = app.expect(req, status, &format!("{mode:?} {name}")).await;
            let want = twilio_webhook::pipeline::response_text(status.as_u16());
            assert_eq!(text, want, "{mode:?} {name}: fixed text only");
        }
        assert_eq!(app.probe.calls(), 0, "{mode:?}");
    }
}

// ---------------------------------------------------------------- adapter specifics

#[tokio::test]
async fn inner_extractor_rejection_passes_through() {
    // Authentic form, but the handler wants JSON: axum's own 415, after verification.
    let app = App::new(Mode::Extractor, config(TOKEN));
    let (status, _) = app.send(signed_form("/json", PARAMS)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.probe.calls(), 0);
    let rec = app.log.records().pop().unwrap();
    assert!(rec.reason.is_none(), "verification itself succeeded");
}

#[tokio::test]
async fn verified_without_middleware_fails_closed() {
    let probe = Probe::default();
    let router = Router::new()
        .route("/hook", post(mw_bytes))
        .with_state(AppState {
            config: Arc::new(config(TOKEN)),
            probe: probe.clone(),
        });
    let res = router.oneshot(signed_form("/hook", PARAMS)).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(probe.calls(), 0);
}

#[tokio::test]
async fn middleware_as_route_layer_leaves_unknown_paths_404() {
    let app = App::new(Mode::Middleware, config(TOKEN));
    let (status, _) = app.send(post_req("/nope", &[], "")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.log.records().is_empty());
}
