//! The seams between what was verified and what a handler acts on, each case run through
//! every adapter path: the axum extractor, the axum middleware, the tower layer inside an
//! axum router, the actix-web extractor, the actix-web middleware and hyper's
//! `verify_request`. Every refusal also asserts that the handler never ran.
#![cfg(all(feature = "axum", feature = "actix", feature = "hyper"))]

use std::sync::{Arc, Mutex};

use actix_web::test::{self as actix_test, TestRequest};
use actix_web::web;
use axum::body::{Body, Bytes};
use axum::middleware::from_fn_with_state;
use axum::routing::any;
use axum::Router;
use http_body_util::{BodyExt, Full};
use tower::ServiceExt as _;
use twilio_webhook::adapters::{actix as tw_actix, axum as tw_axum, hyper as tw_hyper};
use twilio_webhook::pipeline::{
    AccountSidMap, HostMap, PathPrefixMap, PublicUrl, StaticKeys, WebhookConfig,
};
use twilio_webhook::{body_sha256_hex, compute_signature_with, compute_twilio_signature};
use twilio_webhook::{Algorithm, Verifier};

const BASE: &str = "https://api.example.com";
const TOKEN_A: &str = "token-of-tenant-a";
const TOKEN_B: &str = "token-of-tenant-b";
const SID_A: &str = "AC0000000000000000000000000000000a";
const SID_B: &str = "AC0000000000000000000000000000000b";
const FORM: &str = "application/x-www-form-urlencoded";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Path {
    AxumExtractor,
    AxumMiddleware,
    AxumLayer,
    ActixExtractor,
    ActixMiddleware,
    Hyper,
}

const PATHS: [Path; 6] = [
    Path::AxumExtractor,
    Path::AxumMiddleware,
    Path::AxumLayer,
    Path::ActixExtractor,
    Path::ActixMiddleware,
    Path::Hyper,
];

/// A request as a test describes it.
#[derive(Clone)]
struct Req {
    method: &'static str,
    /// Path and query.
    target: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Req {
    fn post(target: &str, body: &str) -> Self {
        Req {
            method: "POST",
            target: target.to_owned(),
            headers: vec![("content-type", FORM.to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn get(target: &str) -> Self {
        Req {
            method: "GET",
            target: target.to_owned(),
            headers: vec![],
            body: vec![],
        }
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn without_headers(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    /// Signed with `token` over `BASE` + target and the body's form parameters.
    fn signed_by(self, token: &str) -> Self {
        let url = format!("{BASE}{}", self.target);
        let params: Vec<(String, String)> = serde_urlencoded::from_bytes(&self.body).unwrap();
        let sig = compute_twilio_signature(&url, params.iter().map(|(k, v)| (k, v)), token);
        self.header("x-twilio-signature", &sig)
    }

    /// Signed over the URL alone (a bodySHA256 request), with `token`.
    fn url_signed_by(self, url: &str, token: &str) -> Self {
        let sig = compute_twilio_signature(url, std::iter::empty::<(&str, &str)>(), token);
        self.header("x-twilio-signature", &sig)
    }

    fn http(&self) -> http::Request<Body> {
        let mut b = http::Request::builder()
            .method(self.method)
            .uri(&self.target);
        for (n, v) in &self.headers {
            b = b.header(*n, v);
        }
        b.body(Body::from(self.body.clone())).unwrap()
    }

    fn actix(&self) -> TestRequest {
        let method = actix_web::http::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut t = TestRequest::default().method(method).uri(&self.target);
        for (n, v) in &self.headers {
            t = t.append_header((*n, v.as_str()));
        }
        t.set_payload(self.body.clone())
    }
}

/// What came back: the status, and the body the handler got if it ran.
#[derive(Debug, PartialEq)]
struct Outcome {
    status: u16,
    handled: Option<Vec<u8>>,
}

type Seen = Arc<Mutex<Option<Vec<u8>>>>;

fn route_of(target: &str) -> String {
    target.split('?').next().unwrap().to_owned()
}

async fn run(path: Path, config: WebhookConfig, req: &Req) -> Outcome {
    let seen: Seen = Arc::default();
    let config = Arc::new(config);
    let route = route_of(&req.target);
    let status = match path {
        Path::AxumExtractor => {
            let s = seen.clone();
            let app = Router::new()
                .route(
                    &route,
                    any(move |hook: tw_axum::TwilioWebhook<Bytes>| async move {
                        *s.lock().unwrap() = Some(hook.payload.to_vec());
                        hook.completion.complete(200, None, b"").await;
                        "ok"
                    }),
                )
                .with_state(config);
            app.oneshot(req.http()).await.unwrap().status().as_u16()
        }
        Path::AxumMiddleware | Path::AxumLayer => {
            let s = seen.clone();
            let app = Router::new().route(
                &route,
                any(move |body: Bytes| async move {
                    *s.lock().unwrap() = Some(body.to_vec());
                    "ok"
                }),
            );
            let app = if path == Path::AxumMiddleware {
                app.route_layer(from_fn_with_state(config, tw_axum::verify_twilio))
            } else {
                app.layer(tw_hyper::TwilioWebhookLayer::new(config))
            };
            app.oneshot(req.http()).await.unwrap().status().as_u16()
        }
        Path::ActixExtractor | Path::ActixMiddleware => {
            let s = seen.clone();
            let handler = move |body: web::Bytes| {
                let s = s.clone();
                async move {
                    *s.lock().unwrap() = Some(body.to_vec());
                    "ok"
                }
            };
            let s2 = seen.clone();
            let extractor = move |hook: tw_actix::TwilioWebhook<web::Bytes>| {
                let s = s2.clone();
                async move {
                    *s.lock().unwrap() = Some(hook.payload.to_vec());
                    hook.completion.complete(200, None, b"").await;
                    "ok"
                }
            };
            if path == Path::ActixExtractor {
                let app = actix_web::App::new()
                    .app_data(web::Data::from(config))
                    .route(&route, web::to(extractor));
                let app = actix_test::init_service(app).await;
                let resp = actix_test::call_service(&app, req.actix().to_request()).await;
                resp.status().as_u16()
            } else {
                let app = actix_web::App::new()
                    .wrap(tw_actix::TwilioWebhookMiddleware::new(config))
                    .route(&route, web::to(handler));
                let app = actix_test::init_service(app).await;
                let resp = actix_test::call_service(&app, req.actix().to_request()).await;
                resp.status().as_u16()
            }
        }
        Path::Hyper => {
            let (parts, body) = req.http().into_parts();
            let body = Full::new(body.collect().await.unwrap().to_bytes());
            match tw_hyper::verify_request(&config, http::Request::from_parts(parts, body)).await {
                Ok(verdict) => {
                    let (req, _verified, completion) = verdict.into_run().expect("no replay guard");
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    *seen.lock().unwrap() = Some(body.to_vec());
                    completion.complete(200, None, b"").await;
                    200
                }
                Err(e) => tw_hyper::error_response(&e).status().as_u16(),
            }
        }
    };
    let handled = seen.lock().unwrap().take();
    Outcome { status, handled }
}

/// `req` through every path: `status` everywhere; the handler ran exactly when it is 200.
async fn expect(config: impl Fn() -> WebhookConfig, req: Req, status: u16, case: &str) {
    for path in PATHS {
        let out = run(path, config(), &req).await;
        assert_eq!(out.status, status, "{case}: {path:?}");
        if status == 200 {
            assert_eq!(
                out.handled.as_deref(),
                Some(&req.body[..]),
                "{case}: {path:?}"
            );
        } else {
            assert_eq!(out.handled, None, "{case}: handler ran on {path:?}");
        }
    }
}

fn two_accounts() -> WebhookConfig {
    WebhookConfig::new(
        AccountSidMap::new()
            .insert(SID_A, Verifier::new(TOKEN_A))
            .insert(SID_B, Verifier::new(TOKEN_B)),
        PublicUrl::base(BASE).unwrap(),
    )
}

fn single(token: &'static str) -> impl Fn() -> WebhookConfig {
    move || WebhookConfig::single_token(token, BASE).unwrap()
}

// ------------------------------------------------------------- 1. tenant binding

#[actix_web::test]
async fn keys_chosen_by_account_sid_bind_the_request_to_it() {
    let ok = format!("AccountSid={SID_A}&Body=hi");
    expect(
        two_accounts,
        Req::post("/hook", &ok).signed_by(TOKEN_A),
        200,
        "own",
    )
    .await;
    for body in [
        format!("AccountSid={SID_A}&AccountSid={SID_B}"),
        format!("AccountSid={SID_A}&Account%53id={SID_B}"),
        format!("Account%53id={SID_B}&AccountSid={SID_A}"),
        format!("AccountSid={SID_A}&AccountSid={SID_A}"),
    ] {
        let req = Req::post("/hook", &body).signed_by(TOKEN_A);
        expect(two_accounts, req, 403, &body).await;
    }
}

#[actix_web::test]
async fn get_requests_find_and_bind_account_sid_in_the_query() {
    let ok = format!("/hook?AccountSid={SID_B}&CallStatus=ringing");
    expect(
        two_accounts,
        Req::get(&ok).url_signed_by(&format!("{BASE}{ok}"), TOKEN_B),
        200,
        "get",
    )
    .await;
    for target in [
        format!("/hook?AccountSid={SID_A}&AccountSid={SID_B}"),
        format!("/hook?AccountSid={SID_A}&Account%53id={SID_B}"),
    ] {
        let req = Req::get(&target).url_signed_by(&format!("{BASE}{target}"), TOKEN_A);
        expect(two_accounts, req, 403, &target).await;
    }
}

#[actix_web::test]
async fn a_tenant_bound_to_a_route_or_host_is_refused_elsewhere() {
    let by_path = || {
        WebhookConfig::new(
            PathPrefixMap::new()
                .insert("/t/a", "a", Verifier::new(TOKEN_A))
                .insert("/t/b", "b", Verifier::new(TOKEN_B)),
            PublicUrl::base(BASE).unwrap(),
        )
    };
    expect(
        by_path,
        Req::post("/t/b/hook", "Body=x").signed_by(TOKEN_B),
        200,
        "b on b",
    )
    .await;
    expect(
        by_path,
        Req::post("/t/b/hook", "Body=x").signed_by(TOKEN_A),
        403,
        "a on b",
    )
    .await;

    let by_host = || {
        WebhookConfig::new(
            HostMap::new()
                .insert("a.example.com", "a", Verifier::new(TOKEN_A))
                .insert("b.example.com", "b", Verifier::new(TOKEN_B)),
            PublicUrl::host_header(true),
        )
    };
    let to_b = |token| {
        let req = Req::post("/hook", "Body=x").header("host", "b.example.com");
        let url = "https://b.example.com/hook";
        let sig = compute_twilio_signature(url, [("Body", "x")], token);
        req.header("x-twilio-signature", &sig)
    };
    expect(by_host, to_b(TOKEN_B), 200, "b at b's host").await;
    expect(by_host, to_b(TOKEN_A), 403, "a at b's host").await;
}

// ------------------------------------------------------------- 2. bodySHA256 binding

#[actix_web::test]
async fn a_body_hash_url_is_verified_by_the_hash_whatever_the_content_type() {
    let json = br#"{"event":"delivered"}"#;
    let target = format!("/hook?bodySHA256={}", body_sha256_hex(json));
    let url = format!("{BASE}{target}");
    let json_req = |ct: &str, body: &[u8]| {
        let mut r = Req::post(&target, "").url_signed_by(&url, TOKEN_A);
        r = r.without_headers("content-type").header("content-type", ct);
        r.body = body.to_vec();
        r
    };
    expect(
        single(TOKEN_A),
        json_req("application/json", json),
        200,
        "json",
    )
    .await;
    // The JSON-signed URL replayed as a form with a body of nothing that hashes to it.
    for body in ["", "&&&&", "="] {
        let req = json_req(FORM, body.as_bytes());
        expect(single(TOKEN_A), req, 403, &format!("form {body:?}")).await;
    }
    // The real body sent as a form is still the hashed body: accepted as what it is.
    expect(single(TOKEN_A), json_req(FORM, json), 200, "json as form").await;
}

// ------------------------------------------------------------- 5. content type

#[actix_web::test]
async fn an_ambiguous_content_type_is_refused_before_any_handler() {
    let signed = || Req::post("/hook", "Body=hi").signed_by(TOKEN_A);
    expect(single(TOKEN_A), signed(), 200, "one form type").await;
    let twice = signed().header("content-type", "application/json");
    expect(single(TOKEN_A), twice, 400, "two content types").await;
    let list = signed().without_headers("content-type").header(
        "content-type",
        "application/x-www-form-urlencoded, application/json",
    );
    expect(single(TOKEN_A), list, 400, "a list").await;
    let latin1 = signed().without_headers("content-type").header(
        "content-type",
        "application/x-www-form-urlencoded; charset=iso-8859-1",
    );
    expect(single(TOKEN_A), latin1, 400, "latin-1 form").await;
    let utf8 = signed().without_headers("content-type").header(
        "content-type",
        "application/x-www-form-urlencoded; charset=UTF-8",
    );
    expect(single(TOKEN_A), utf8, 200, "utf-8 form").await;
}

// ------------------------------------------------------------- 6. SharedKey-only

#[actix_web::test]
async fn a_shared_key_verifier_refuses_auth_token_signatures_as_forbidden() {
    let shared_only = || {
        let v = Verifier::builder()
            .shared_key("KS1", "shared secret")
            .build();
        WebhookConfig::new(StaticKeys::new(v), PublicUrl::base(BASE).unwrap())
    };
    let req = Req::post("/hook", "Body=hi").signed_by(TOKEN_A);
    expect(shared_only, req, 403, "auth-token signature").await;

    let url = format!("{BASE}/hook");
    let sig = compute_signature_with(
        Algorithm::HmacSha256,
        &url,
        [("Body", "hi")],
        "shared secret",
    );
    let ok = Req::post("/hook", "Body=hi")
        .header("x-twilio-signature", &sig)
        .header(
            "x-twilio-webhooks-signature-settings",
            "key=KS1,algorithm=HMAC_SHA256",
        );
    expect(shared_only, ok, 200, "shared-key signature").await;
}

// ------------------------------------------------------------- 7. GET

#[actix_web::test]
async fn get_webhooks_verify_their_query() {
    let target = "/voice?CallSid=CA1&From=%2B14155550100&CallStatus=ringing";
    let url = format!("{BASE}{target}");
    expect(
        single(TOKEN_A),
        Req::get(target).url_signed_by(&url, TOKEN_A),
        200,
        "get",
    )
    .await;
    let tampered = "/voice?CallSid=CA1&From=%2B14155550199&CallStatus=ringing";
    let req = Req::get(tampered).url_signed_by(&url, TOKEN_A);
    expect(single(TOKEN_A), req, 403, "tampered query").await;
}

// ------------------------------------------------------------- 3. nested routers

/// The three axum paths inside `Router::nest`, one and two levels deep: Twilio signs the
/// full path; a signature over the path as the inner router sees it is refused.
#[tokio::test]
async fn nested_routers_check_the_full_path() {
    for prefixes in [vec!["/v1/twilio"], vec!["/v1", "/twilio"]] {
        let full: String = prefixes.concat() + "/hook";
        for path in [Path::AxumExtractor, Path::AxumMiddleware, Path::AxumLayer] {
            for (signed_path, status) in [(full.as_str(), 200), ("/hook", 403)] {
                let config = Arc::new(WebhookConfig::single_token(TOKEN_A, BASE).unwrap());
                let inner: Router = match path {
                    Path::AxumExtractor => Router::new()
                        .route(
                            "/hook",
                            any(|_: tw_axum::TwilioWebhook<Bytes>| async { "ok" }),
                        )
                        .with_state(config),
                    Path::AxumMiddleware => Router::new()
                        .route("/hook", any(|| async { "ok" }))
                        .route_layer(from_fn_with_state(config, tw_axum::verify_twilio)),
                    _ => Router::new()
                        .route("/hook", any(|| async { "ok" }))
                        .layer(tw_hyper::TwilioWebhookLayer::new(config)),
                };
                let app = prefixes
                    .iter()
                    .rev()
                    .fold(inner, |r, p| Router::new().nest(p, r));
                let sig = compute_twilio_signature(
                    &format!("{BASE}{signed_path}"),
                    [("Body", "hi")],
                    TOKEN_A,
                );
                let req = Req::post(&full, "Body=hi").header("x-twilio-signature", &sig);
                let got = app.oneshot(req.http()).await.unwrap().status().as_u16();
                assert_eq!(
                    got, status,
                    "{path:?} {prefixes:?} signed for {signed_path}"
                );
            }
        }
    }
}

// ------------------------------------------------------------- 4. actix extractor order

#[actix_web::test]
async fn actix_extractor_after_a_body_extractor_is_a_misconfiguration() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let config = web::Data::new(WebhookConfig::single_token(TOKEN_A, BASE).unwrap());
    let app = actix_web::App::new().app_data(config).route(
        "/hook",
        web::post().to(
            move |raw: web::Bytes, _hook: tw_actix::TwilioWebhook<web::Bytes>| {
                let s = s.clone();
                async move {
                    *s.lock().unwrap() = Some(raw.to_vec());
                    "ok"
                }
            },
        ),
    );
    let app = actix_test::init_service(app).await;
    // Signed for an empty body (the URL alone), sent with one: verifying the empty rest
    // the first extractor left would accept it.
    let url = format!("{BASE}/hook");
    let req = Req::post("/hook", "Body=unsigned").url_signed_by(&url, TOKEN_A);
    let resp = actix_test::call_service(&app, req.actix().to_request()).await;
    assert_eq!(resp.status().as_u16(), 500);
    assert_eq!(
        *seen.lock().unwrap(),
        None,
        "the handler ran on unverified bytes"
    );
    // A bodyless request has nothing to take: the extractor's own verdict stands.
    let req = Req::post("/hook", "").signed_by(TOKEN_A);
    let resp = actix_test::call_service(&app, req.actix().to_request()).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(seen.lock().unwrap().as_deref(), Some(&b""[..]));
}
