//! The axum adapter through real routers (`tower::ServiceExt::oneshot`): the extractor
//! (`TwilioWebhook<T>`) and the middleware (`verify_twilio` + `TwilioVerified`) on the same
//! cases, with requests from the test kit. Every refusal also asserts the handler never ran.
#![cfg(feature = "axum")]

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRef, State};
use axum::http::{Request, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use axum::{Form, Json, Router};
use tower::ServiceExt as _;
use twilio_webhook::adapters::axum::{verify_twilio, TwilioVerified, TwilioWebhook};
use twilio_webhook::pipeline::{AccountSidMap, PublicUrl, VerifiedRequest, WebhookConfig};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::testing::SignedRequest;
use twilio_webhook::{KeyUsed, Verifier};

use support::{
    bad_input_config, bad_inputs, config, config_for, config_with_shared_key, failing_config, form,
    form_body, json, owned, BASE, OTHER_TOKEN, PARAMS, SHARED_KEY_ID, SHARED_SECRET, TOKEN,
};

// ---------------------------------------------------------------- harness

#[derive(Debug, Clone, Copy)]
enum Mode {
    Extractor,
    Middleware,
}
const MODES: [Mode; 2] = [Mode::Extractor, Mode::Middleware];

/// What a handler saw.
#[derive(Debug, Clone, Default)]
struct Seen {
    body: Option<Vec<u8>>,
    form: Option<Vec<(String, String)>>,
    json: Option<serde_json::Value>,
    verified: Option<VerifiedRequest>,
}

impl Seen {
    fn verified(verified: VerifiedRequest) -> Self {
        let verified = Some(verified);
        Seen {
            verified,
            ..Seen::default()
        }
    }
    fn body(body: Vec<u8>, verified: VerifiedRequest) -> Self {
        let body = Some(body);
        Seen {
            body,
            ..Seen::verified(verified)
        }
    }
    fn form(form: Vec<(String, String)>, verified: VerifiedRequest) -> Self {
        let form = Some(form);
        Seen {
            form,
            ..Seen::verified(verified)
        }
    }
    fn json(json: serde_json::Value, verified: VerifiedRequest) -> Self {
        let json = Some(json);
        Seen {
            json,
            ..Seen::verified(verified)
        }
    }
}

type Probe = support::Probe<Seen>;

fn record(p: &Probe, seen: Seen) -> StatusCode {
    p.record(seen);
    StatusCode::OK
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
    record(&p, Seen::body(hook.payload.to_vec(), hook.verified))
}
async fn ex_string(State(p): State<Probe>, hook: TwilioWebhook<String>) -> StatusCode {
    record(&p, Seen::body(hook.payload.into_bytes(), hook.verified))
}
async fn ex_form(
    State(p): State<Probe>,
    hook: TwilioWebhook<Form<Vec<(String, String)>>>,
) -> StatusCode {
    record(&p, Seen::form(hook.payload.0, hook.verified))
}
async fn ex_json(
    State(p): State<Probe>,
    hook: TwilioWebhook<Json<serde_json::Value>>,
) -> StatusCode {
    record(&p, Seen::json(hook.payload.0, hook.verified))
}

// Middleware-path handlers.
async fn mw_bytes(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    b: Bytes,
) -> StatusCode {
    record(&p, Seen::body(b.to_vec(), v))
}
async fn mw_string(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    s: String,
) -> StatusCode {
    record(&p, Seen::body(s.into_bytes(), v))
}
async fn mw_form(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    Form(f): Form<Vec<(String, String)>>,
) -> StatusCode {
    record(&p, Seen::form(f, v))
}
async fn mw_json(
    State(p): State<Probe>,
    TwilioVerified(v): TwilioVerified,
    Json(j): Json<serde_json::Value>,
) -> StatusCode {
    record(&p, Seen::json(j, v))
}

/// `/hook` and `/other` (Bytes), `/string`, `/form`, `/json`, and `/v1/twilio/hook`
/// inside `nest`.
fn routes(mode: Mode, config: &Arc<WebhookConfig>) -> (Router<AppState>, Router<AppState>) {
    match mode {
        Mode::Extractor => (
            Router::new()
                .route("/hook", post(ex_bytes))
                .route("/other", post(ex_bytes))
                .route("/string", post(ex_string))
                .route("/form", post(ex_form))
                .route("/json", post(ex_json)),
            Router::new().route("/hook", post(ex_bytes)),
        ),
        // The nested router has its own layer, so the middleware sees the stripped URI.
        Mode::Middleware => (
            Router::new()
                .route("/hook", post(mw_bytes))
                .route("/other", post(mw_bytes))
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
    async fn expect(&self, req: impl Into<Sent>, status: StatusCode, case: &str) -> String {
        let before = self.probe.calls();
        let logged = self.log.records().len();
        let (got, body) = self.send(req.into().0).await;
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

/// A request for [`App::expect`]: from the kit, or built by hand.
struct Sent(Request<Body>);

impl From<SignedRequest> for Sent {
    fn from(r: SignedRequest) -> Self {
        Sent(r.http_request::<Body>().unwrap())
    }
}

impl From<Request<Body>> for Sent {
    fn from(r: Request<Body>) -> Self {
        Sent(r)
    }
}

// ---------------------------------------------------------------- accepted

#[tokio::test]
async fn valid_form_reaches_handler_unchanged() {
    let body = form_body();
    for mode in MODES {
        let app = App::new(mode, config());
        let req = form("/hook").idempotency_token("idem-42");
        app.expect(req, StatusCode::OK, &format!("{mode:?} bytes"))
            .await;
        let seen = app.probe.last();
        assert_eq!(seen.body.as_deref(), Some(&body[..]), "{mode:?}");
        let v = seen.verified.unwrap();
        assert_eq!(v.idempotency_token.as_deref(), Some("idem-42"));
        assert_eq!(v.url, format!("{BASE}/hook"));
        assert_eq!(v.matched.key, KeyUsed::AuthToken(0));

        app.expect(form("/form"), StatusCode::OK, "form").await;
        let seen = app.probe.last();
        assert_eq!(seen.form, Some(owned(PARAMS)), "{mode:?}");
        assert_eq!(seen.verified.unwrap().idempotency_token, None);

        app.expect(form("/string"), StatusCode::OK, "string").await;
        assert_eq!(app.probe.last().body, Some(body.clone()));
    }
}

#[tokio::test]
async fn valid_json_with_body_sha256() {
    let doc = r#"{"event":"message.delivered","sid":"SM1","n":[1,2]}"#;
    for mode in MODES {
        let app = App::new(mode, config());
        app.expect(json("/json", doc), StatusCode::OK, "json").await;
        let want: serde_json::Value = serde_json::from_str(doc).unwrap();
        assert_eq!(app.probe.last().json, Some(want), "{mode:?}");

        app.expect(json("/hook", doc), StatusCode::OK, "json raw")
            .await;
        assert_eq!(app.probe.last().body.as_deref(), Some(doc.as_bytes()));
    }
}

#[tokio::test]
async fn nested_router_checks_the_full_path() {
    for mode in MODES {
        let app = App::new(mode, config());
        app.expect(form("/v1/twilio/hook"), StatusCode::OK, "nested")
            .await;
        let v = app.probe.last().verified.unwrap();
        assert_eq!(v.url, format!("{BASE}/v1/twilio/hook"), "{mode:?}");
        // A signature over the stripped path is not the one Twilio would send.
        let req = form("/hook").sent_to("/v1/twilio/hook");
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
        let req = form("/twilio-in/hook").sent_to("/hook");
        app.expect(req, StatusCode::OK, "prefix").await;
        // Signed without the prefix: not what Twilio called.
        app.expect(form("/hook"), StatusCode::FORBIDDEN, "no prefix")
            .await;
    }
}

#[tokio::test]
async fn forwarded_headers_only_with_opt_in() {
    let req = || {
        form("/hook")
            .insert_header("host", "internal:8080")
            .insert_header("x-forwarded-proto", "https")
            .insert_header("x-forwarded-host", "api.example.com")
    };
    for mode in MODES {
        let trusting = config_for(PublicUrl::insecure_trust_forwarded_headers(false));
        let app = App::new(mode, trusting);
        app.expect(req(), StatusCode::OK, "opt-in").await;
        let app = App::new(mode, config_for(PublicUrl::host_header(false)));
        app.expect(req(), StatusCode::FORBIDDEN, "no opt-in").await;
    }
}

/// Behind `verify_twilio` (or the hyper crate's tower layer), the `TwilioWebhook` extractor
/// takes the layer's verdict: the request is verified and reported once, not twice.
#[tokio::test]
async fn extractor_behind_a_layer_verifies_once() {
    let forged = || {
        form("/form")
            .auth_token("another tenant's token")
            .http_request::<Body>()
            .unwrap()
    };
    let log = Arc::new(MemoryLog::default());
    let shared = Arc::new(config().with_attempt_log(log.clone()));
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
                config().with_attempt_log(log.clone()),
            ))
            .with_state(state),
    ));
    for (name, app) in apps {
        let (calls, logged) = (probe.calls(), log.records().len());
        let res = app
            .clone()
            .oneshot(form("/form").http_request::<Body>().unwrap())
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
    let h2 = || {
        SignedRequest::post("https://api.example.com:8443/hook")
            .params(PARAMS.iter().copied())
            .auth_token(TOKEN)
            .as_http2()
    };
    for mode in MODES {
        let app = App::new(mode, config_for(PublicUrl::host_header(true)));
        let req: Request<Body> = h2().http_request::<Body>().unwrap();
        assert!(req.headers().get("host").is_none());
        app.expect(req, StatusCode::OK, "authority").await;
        let req = h2().insert_header("host", "other.example");
        app.expect(req, StatusCode::FORBIDDEN, "host wins").await;
    }
}

#[tokio::test]
async fn port_variants() {
    for mode in MODES {
        // Twilio signed with the explicit default port; the base has none.
        let app = App::new(mode, config());
        let req = SignedRequest::post(&format!("{BASE}:443/hook"))
            .params(PARAMS.iter().copied())
            .auth_token(TOKEN);
        app.expect(req, StatusCode::OK, "443").await;
        // And the other way round.
        let cfg = WebhookConfig::single_token(TOKEN, "https://api.example.com:443").unwrap();
        let app = App::new(mode, cfg);
        app.expect(form("/hook"), StatusCode::OK, "no port").await;
    }
}

#[tokio::test]
async fn shared_key_hmac_sha256() {
    for mode in MODES {
        let app = App::new(mode, config_with_shared_key());
        let req = form("/hook").shared_key(SHARED_KEY_ID, SHARED_SECRET);
        app.expect(req, StatusCode::OK, "shared key").await;
        let v = app.probe.last().verified.unwrap();
        assert_eq!(
            v.matched.key,
            KeyUsed::SharedKey(SHARED_KEY_ID.into()),
            "{mode:?}"
        );
    }
}

#[tokio::test]
async fn peer_address_from_connect_info_is_reported() {
    for mode in MODES {
        let app = App::new(mode, config());
        let mut req: Request<Body> = form("/hook").http_request::<Body>().unwrap();
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

/// `AccountSid=sid&Body=hi` to `/hook`, signed with `token`.
fn from_account(sid: &str, token: &str) -> SignedRequest {
    SignedRequest::post(&format!("{BASE}/hook"))
        .params([("AccountSid", sid), ("Body", "hi")])
        .auth_token(token)
}

#[tokio::test]
async fn other_tenants_token_is_refused() {
    for mode in MODES {
        let app = App::new(mode, two_tenants());
        // Tenant A's AccountSid, signed with tenant B's token.
        let req = from_account("ACaaaa", OTHER_TOKEN);
        let body = app.expect(req, StatusCode::FORBIDDEN, "cross-tenant").await;
        assert_eq!(body, "Forbidden");
        // Control: B's AccountSid with B's token.
        let req = from_account("ACbbbb", OTHER_TOKEN);
        app.expect(req, StatusCode::OK, "own tenant").await;
        let v = app.probe.last().verified.unwrap();
        assert_eq!(v.tenant_id.as_deref(), Some("ACbbbb"), "{mode:?}");
        // Unknown AccountSid.
        let req = from_account("ACcccc", TOKEN);
        app.expect(req, StatusCode::FORBIDDEN, "unknown tenant")
            .await;
    }
}

#[tokio::test]
async fn resolver_failure_is_500() {
    for mode in MODES {
        let app = App::new(mode, failing_config());
        let body = app
            .expect(form("/hook"), StatusCode::INTERNAL_SERVER_ERROR, "resolver")
            .await;
        assert_eq!(body, "Internal Server Error");
    }
}

// ---------------------------------------------------------------- limits

/// A signed oversized form, with or without `Content-Length` (without, the body is only
/// found too large while reading it).
fn signed_big(path: &str, len: usize, content_length: bool) -> SignedRequest {
    let req = SignedRequest::post(&format!("{BASE}{path}"))
        .params([("AccountSid", "AC1"), ("Body", &"x".repeat(len))])
        .auth_token(TOKEN);
    if content_length {
        let n = req.parts().unwrap().body.len().to_string();
        req.insert_header("content-length", &n)
    } else {
        req
    }
}

#[tokio::test]
async fn body_over_config_limit_is_413() {
    for mode in MODES {
        let app = App::new(mode, config().with_body_limit(100));
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
        let app = App::with(mode, config(), |r| r.layer(DefaultBodyLimit::max(64)));
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
        let app = App::with(mode, config().with_body_limit(300), |r| {
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

/// The shared table (`support::bad_inputs`) through both paths: its status, the fixed
/// text, the handler not run, and its error as the reported reason.
#[tokio::test]
async fn bad_input_matrix() {
    for mode in MODES {
        let app = App::new(mode, bad_input_config());
        for case in bad_inputs() {
            let what = format!("{mode:?} {}", case.name);
            let status = StatusCode::from_u16(case.status).unwrap();
            let text = app.expect(case.request, status, &what).await;
            let want = twilio_webhook::pipeline::response_text(case.status);
            assert_eq!(text, want, "{what}: fixed text only");
            let rec = app.log.records().pop().unwrap();
            assert_eq!(rec.reason, Some(case.error.to_string()), "{what}");
        }
        assert_eq!(app.probe.calls(), 0, "{mode:?}");
    }
}

// ---------------------------------------------------------------- adapter specifics

#[tokio::test]
async fn inner_extractor_rejection_passes_through() {
    // Authentic form, but the handler wants JSON: axum's own 415, after verification.
    let app = App::new(Mode::Extractor, config());
    let (status, _) = app
        .send(form("/json").http_request::<Body>().unwrap())
        .await;
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
            config: Arc::new(config()),
            probe: probe.clone(),
        });
    let req = form("/hook").http_request::<Body>().unwrap();
    let res = router.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(probe.calls(), 0);
}

#[tokio::test]
async fn middleware_as_route_layer_leaves_unknown_paths_404() {
    let app = App::new(Mode::Middleware, config());
    let (status, _) = app
        .send(form("/nope").http_request::<Body>().unwrap())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.log.records().is_empty());
}
