//! What the attempt log keeps, through every adapter path (axum extractor and middleware,
//! actix extractor and middleware, hyper `verify_request` and the tower layer): credential
//! headers redacted by name, the idempotency token kept, the signature fingerprinted, URL
//! userinfo masked, and the payload policy (refused bodies cut to a prefix, with length and
//! SHA-256; verified bodies whole).
#![cfg(any(feature = "axum", feature = "actix", feature = "hyper"))]

use std::sync::Arc;

use twilio_webhook::pipeline::{PublicUrl, StaticKeys, WebhookConfig};
use twilio_webhook::redact::{Keep, PayloadPolicy, Redaction};
use twilio_webhook::report::{AttemptRecord, AttemptStatus, MemoryLog};
use twilio_webhook::{body_sha256_hex, compute_twilio_signature, Verifier};

const TOKEN: &str = "12345";
/// The webhook URL carries an API key as userinfo (no password).
const BASE: &str = "https://APIKEY_USERINFO_5f1c@api.example.com";
const PATH: &str = "/hook";
const FORM: &str = "application/x-www-form-urlencoded";
const IDEMPOTENCY: &str = "idem-8d2b7c41-delivery-1";
/// Credential-like headers and the values that must never be stored.
const CREDENTIALS: [(&str, &str); 5] = [
    ("authorization", "Basic QVBJX1NFQ1JFVF9hdXRo"),
    ("x-api-key", "API_SECRET_key_91f3"),
    ("x-session-id", "SESSION_SECRET_77aa"),
    ("cookie", "sid=COOKIE_SECRET_0b2e"),
    ("x-tenant-pin", "PIN_SECRET_4921"),
];

/// One adapter path: the request goes in, the response status comes out.
#[derive(Debug, Clone, Copy)]
enum Path {
    #[cfg(feature = "axum")]
    AxumExtractor,
    #[cfg(feature = "axum")]
    AxumMiddleware,
    #[cfg(feature = "actix")]
    ActixExtractor,
    #[cfg(feature = "actix")]
    ActixMiddleware,
    #[cfg(feature = "hyper")]
    HyperFunction,
    #[cfg(feature = "hyper")]
    TowerLayer,
}

const PATHS: &[Path] = &[
    #[cfg(feature = "axum")]
    Path::AxumExtractor,
    #[cfg(feature = "axum")]
    Path::AxumMiddleware,
    #[cfg(feature = "actix")]
    Path::ActixExtractor,
    #[cfg(feature = "actix")]
    Path::ActixMiddleware,
    #[cfg(feature = "hyper")]
    Path::HyperFunction,
    #[cfg(feature = "hyper")]
    Path::TowerLayer,
];

/// A form POST to `PATH` with the credential headers and the idempotency token.
struct Req {
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn request(body: Vec<u8>, signature: &str) -> Req {
    let mut headers = vec![
        ("host", "api.example.com".to_owned()),
        ("content-type", FORM.to_owned()),
        ("x-twilio-signature", signature.to_owned()),
        ("i-twilio-idempotency-token", IDEMPOTENCY.to_owned()),
    ];
    headers.extend(CREDENTIALS.iter().map(|(n, v)| (*n, (*v).to_owned())));
    Req { headers, body }
}

/// A signed request whose body is `len`-ish bytes.
fn signed(len: usize) -> Req {
    let text = "v".repeat(len);
    let params = [("AccountSid", "AC1"), ("Body", text.as_str())];
    let body = serde_urlencoded::to_string(params).unwrap().into_bytes();
    let sig = compute_twilio_signature(&format!("{BASE}{PATH}"), params, TOKEN);
    request(body, &sig)
}

/// A forged request (signed with another token) whose body is `len`-ish bytes.
fn forged(len: usize) -> Req {
    let text = "f".repeat(len);
    let params = [("AccountSid", "AC1"), ("Body", text.as_str())];
    let body = serde_urlencoded::to_string(params).unwrap().into_bytes();
    let sig = compute_twilio_signature(&format!("{BASE}{PATH}"), params, "not the token");
    request(body, &sig)
}

fn config(log: Arc<MemoryLog>) -> WebhookConfig {
    let verifier = Verifier::builder().auth_token(TOKEN).try_build().unwrap();
    WebhookConfig::new(StaticKeys::new(verifier), PublicUrl::base(BASE).unwrap())
        .with_attempt_log(log)
        .with_redaction(Redaction::default().with_extra_header("X-Tenant-Pin"))
}

/// Sends `req` through `path` with `config`; the response status.
async fn send(path: Path, config: WebhookConfig, req: Req) -> u16 {
    match path {
        #[cfg(feature = "axum")]
        Path::AxumExtractor | Path::AxumMiddleware => axum_path::send(path, config, req).await,
        #[cfg(feature = "actix")]
        Path::ActixExtractor | Path::ActixMiddleware => actix_path::send(path, config, req).await,
        #[cfg(feature = "hyper")]
        Path::HyperFunction | Path::TowerLayer => hyper_path::send(path, config, req).await,
    }
}

/// Sends one request through `path` and returns its single record.
async fn record_of(path: Path, req: Req) -> (u16, AttemptRecord) {
    let log = Arc::new(MemoryLog::default());
    let status = send(path, config(log.clone()), req).await;
    let records = log.records();
    assert_eq!(records.len(), 1, "{path:?}: one record");
    (status, records.into_iter().next().unwrap())
}

fn header<'r>(r: &'r AttemptRecord, name: &str) -> Option<&'r str> {
    r.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Redaction needs no particular runtime; the actix paths need actix's, which runs the
/// tokio ones too.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    #[cfg(feature = "actix")]
    return actix_web::rt::System::new().block_on(f);
    #[cfg(not(feature = "actix"))]
    return tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f);
}

#[test]
fn credential_headers_and_url_userinfo_never_reach_the_record() {
    block_on(async {
        for &path in PATHS {
            for (what, req, expect) in [("signed", signed(40), 200), ("forged", forged(40), 403)] {
                let (status, r) = record_of(path, req).await;
                let ctx = format!("{path:?} {what}");
                assert_eq!(status, expect, "{ctx}");
                let dump = format!("{r:?}");
                for (name, value) in CREDENTIALS {
                    assert_eq!(header(&r, name), Some("[redacted]"), "{ctx}: {name}");
                    assert!(!dump.contains(value), "{ctx}: {value} stored");
                }
                assert!(!dump.contains("APIKEY_USERINFO"), "{ctx}: userinfo stored");
                assert_eq!(
                    r.url.as_deref(),
                    Some("https://***@api.example.com/hook"),
                    "{ctx}"
                );
                assert_eq!(
                    header(&r, "i-twilio-idempotency-token"),
                    Some(IDEMPOTENCY),
                    "{ctx}"
                );
                assert_eq!(r.idempotency_token.as_deref(), Some(IDEMPOTENCY), "{ctx}");
                let sig = header(&r, "x-twilio-signature").expect("signature header kept");
                assert!(
                    sig.starts_with("sha256:") && sig.len() == "sha256:".len() + 12,
                    "{ctx}: {sig}"
                );
                assert_eq!(header(&r, "content-type"), Some(FORM), "{ctx}");
            }
        }
    });
}

#[test]
fn refused_bodies_keep_a_prefix_with_length_and_hash_verified_ones_all() {
    block_on(async {
        for &path in PATHS {
            // Just under the 1 MiB body limit.
            let req = forged((1 << 20) - 200);
            let body = req.body.clone();
            let (status, r) = record_of(path, req).await;
            assert_eq!(status, 403, "{path:?}");
            assert_eq!(r.status, AttemptStatus::Unauthorized, "{path:?}");
            // Lengths, not the bytes: a failure must not print a megabyte.
            assert_eq!(r.payload.len(), 2048, "{path:?}: 2 KiB prefix");
            assert!(body.starts_with(r.payload.as_bytes()), "{path:?}");
            assert_eq!(r.payload_len, body.len() as u64, "{path:?}");
            assert_eq!(r.payload_sha256, body_sha256_hex(&body), "{path:?}");

            // Larger than the refused prefix, within actix's default body extractor limit.
            let req = signed(8 * 1024);
            let body = req.body.clone();
            let (status, r) = record_of(path, req).await;
            assert_eq!(status, 200, "{path:?}");
            assert_eq!(r.status, AttemptStatus::Success, "{path:?}");
            assert!(r.payload.as_bytes() == &body[..], "{path:?}: whole body");
            assert_eq!(r.payload_len, body.len() as u64, "{path:?}");
            assert_eq!(r.payload_sha256, body_sha256_hex(&body), "{path:?}");
        }
    });
}

#[test]
fn the_payload_policy_is_configurable() {
    block_on(async {
        for &path in PATHS {
            let log = Arc::new(MemoryLog::default());
            let policy = PayloadPolicy {
                verified: Keep::Prefix(10),
                refused: Keep::Prefix(0),
            };
            let cfg =
                || config(log.clone()).with_redaction(Redaction::default().with_payload(policy));
            let ok = signed(100);
            let ok_body = ok.body.clone();
            assert_eq!(send(path, cfg(), ok).await, 200, "{path:?}");
            assert_eq!(send(path, cfg(), forged(100)).await, 403, "{path:?}");
            let records = log.records();
            assert_eq!(records[0].payload.as_bytes(), &ok_body[..10], "{path:?}");
            assert_eq!(records[0].payload_len, ok_body.len() as u64, "{path:?}");
            assert_eq!(records[1].payload, "", "{path:?}");
            assert!(records[1].payload_len > 100, "{path:?}");
        }
    });
}

#[cfg(feature = "axum")]
mod axum_path {
    use std::sync::Arc;

    use axum::body::{Body, Bytes};
    use axum::middleware::from_fn_with_state;
    use axum::routing::post;
    use axum::Router;
    use tower::ServiceExt as _;
    use twilio_webhook::adapters::axum::{verify_twilio, TwilioVerified, TwilioWebhook};
    use twilio_webhook::pipeline::WebhookConfig;

    use super::{Path, Req, PATH};

    pub(super) async fn send(path: Path, config: WebhookConfig, req: Req) -> u16 {
        let config = Arc::new(config);
        let app = match path {
            Path::AxumExtractor => Router::new()
                .route(PATH, post(|_: TwilioWebhook<Bytes>| async { "ok" }))
                .with_state(config),
            _ => Router::new()
                .route(PATH, post(|_: TwilioVerified, _: Bytes| async { "ok" }))
                .route_layer(from_fn_with_state(config, verify_twilio)),
        };
        let mut request = http::Request::post(PATH);
        for (name, value) in &req.headers {
            request = request.header(*name, value);
        }
        let request = request.body(Body::from(req.body)).unwrap();
        app.oneshot(request).await.unwrap().status().as_u16()
    }
}

#[cfg(feature = "actix")]
mod actix_path {
    use actix_web::test::{self, TestRequest};
    use actix_web::web::{self, Bytes};
    use actix_web::{App, HttpResponse};
    use twilio_webhook::adapters::actix::{TwilioWebhook, TwilioWebhookMiddleware};
    use twilio_webhook::pipeline::{VerifiedRequest, WebhookConfig};

    use super::{Path, Req, PATH};

    pub(super) async fn send(path: Path, config: WebhookConfig, req: Req) -> u16 {
        let mut request = TestRequest::post().uri(PATH);
        for (name, value) in &req.headers {
            request = request.insert_header((*name, value.as_str()));
        }
        let request = request.set_payload(req.body).to_request();
        let resp = match path {
            Path::ActixExtractor => {
                let app = App::new()
                    .app_data(web::Data::new(config))
                    .default_service(web::to(|_: TwilioWebhook| async {
                        HttpResponse::Ok().finish()
                    }));
                test::call_service(&test::init_service(app).await, request)
                    .await
                    .status()
            }
            _ => {
                let app = App::new()
                    .wrap(TwilioWebhookMiddleware::new(config))
                    .default_service(web::to(
                        |_: web::ReqData<VerifiedRequest>, _: Bytes| async {
                            HttpResponse::Ok().finish()
                        },
                    ));
                test::call_service(&test::init_service(app).await, request)
                    .await
                    .status()
            }
        };
        resp.as_u16()
    }
}

#[cfg(feature = "hyper")]
mod hyper_path {
    use std::convert::Infallible;

    use bytes::Bytes;
    use http_body_util::Full;
    use tower::{Layer as _, ServiceExt as _};
    use twilio_webhook::adapters::hyper::{error_response, verify_request, TwilioWebhookLayer};
    use twilio_webhook::pipeline::WebhookConfig;

    use super::{Path, Req, PATH};

    pub(super) async fn send(path: Path, config: WebhookConfig, req: Req) -> u16 {
        let mut request = http::Request::post(PATH);
        for (name, value) in &req.headers {
            request = request.header(*name, value);
        }
        let request = request.body(Full::new(Bytes::from(req.body))).unwrap();
        match path {
            Path::HyperFunction => match verify_request(&config, request).await {
                Ok(_) => 200,
                Err(e) => error_response(&e).status().as_u16(),
            },
            _ => {
                let svc = TwilioWebhookLayer::new(config).layer(tower::service_fn(
                    |_: http::Request<Full<Bytes>>| async {
                        Ok::<_, Infallible>(http::Response::new(Full::<Bytes>::default()))
                    },
                ));
                svc.oneshot(request).await.unwrap().status().as_u16()
            }
        }
    }
}
