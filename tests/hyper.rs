//! The hyper/tower adapter, end to end: every case goes through a real hyper 1 server on
//! 127.0.0.1 (raw HTTP/1.1 over TCP, so duplicate and non-UTF-8 headers can be sent) and
//! through `tower::ServiceExt::oneshot`, and both must agree on the status and on whether
//! the inner handler ran.
#![cfg(feature = "hyper")]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::{Layer, Service, ServiceExt};
use twilio_webhook::adapters::hyper::{TwilioWebhookLayer, TwilioWebhookService};
use twilio_webhook::pipeline::{
    AccountSidMap, BoxFuture, KeyResolver, PublicUrl, ResolveContext, ResolveError, StaticKeys,
    Tenant, VerifiedRequest, WebhookConfig,
};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::{body_sha256_hex, compute_signature_with, compute_twilio_signature};
use twilio_webhook::{Algorithm, Verifier};

const TOKEN: &str = "12345";
const BASE: &str = "https://api.example.com";
const FORM: &str = "application/x-www-form-urlencoded";

// ---------------------------------------------------------------------------------------
// The inner handler: counts calls and keeps what it saw.

/// A body the handler received and the `VerifiedRequest` it found in the extensions.
type Seen = (Bytes, Option<VerifiedRequest>);

#[derive(Clone, Default)]
struct Probe {
    calls: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Service<http::Request<Full<Bytes>>> for Probe {
    type Response = http::Response<Full<Bytes>>;
    type Error = std::convert::Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Full<Bytes>>) -> Self::Future {
        let probe = self.clone();
        Box::pin(async move {
            probe.calls.fetch_add(1, Ordering::SeqCst);
            let verified = req.extensions().get::<VerifiedRequest>().cloned();
            let body = req.into_body().collect().await.unwrap().to_bytes();
            probe.seen.lock().unwrap().push((body, verified));
            Ok(http::Response::new(Full::from("handled")))
        })
    }
}

// ---------------------------------------------------------------------------------------
// Requests, described once and sent both ways.

enum ReqBody {
    /// Sent with an exact `Content-Length`.
    Fixed(Vec<u8>),
    /// Chunked over TCP; a body without size hint through oneshot.
    Streamed(Vec<Vec<u8>>),
    /// `Content-Length: n` declared, nothing sent.
    Declared(u64),
}

struct TestReq {
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: ReqBody,
}

impl TestReq {
    fn post(path: &str) -> Self {
        TestReq {
            path: path.to_owned(),
            headers: vec![("host".into(), b"127.0.0.1".to_vec())],
            body: ReqBody::Fixed(Vec::new()),
        }
    }
    fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        let name = name.to_ascii_lowercase();
        if name == "host" {
            self.headers.retain(|(n, _)| n != "host");
        }
        self.headers.push((name, value.as_ref().to_vec()));
        self
    }
    fn form(self, body: impl AsRef<[u8]>) -> Self {
        self.header("content-type", FORM).body(body)
    }
    fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.body = ReqBody::Fixed(body.as_ref().to_vec());
        self
    }
    fn signed(self, sig: impl AsRef<[u8]>) -> Self {
        self.header("x-twilio-signature", sig)
    }
}

/// What a request produced.
#[derive(Debug)]
struct Outcome {
    status: u16,
    content_type: Option<String>,
    body: Bytes,
    /// Inner-handler calls (0 or 1) and what it saw.
    calls: usize,
    seen: Option<Seen>,
    /// Attempts the pipeline reported for this one request, and the client address.
    records: usize,
    ip: Option<String>,
}

/// A body that yields chunks without announcing its size, counting the chunks pulled.
struct Chunks {
    left: VecDeque<Bytes>,
    pulled: Arc<AtomicUsize>,
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let next = self.left.pop_front();
        if next.is_some() {
            self.pulled.fetch_add(1, Ordering::SeqCst);
        }
        Poll::Ready(next.map(|b| Ok(Frame::data(b))))
    }
}

fn build_config(config: WebhookConfig) -> (WebhookConfig, Arc<MemoryLog>) {
    let log = Arc::new(MemoryLog::default());
    (config.with_attempt_log(log.clone()), log)
}

fn outcome(res: (u16, Option<String>, Bytes), probe: &Probe, log: &MemoryLog) -> Outcome {
    let records = log.records();
    Outcome {
        status: res.0,
        content_type: res.1,
        body: res.2,
        calls: probe.calls.load(Ordering::SeqCst),
        seen: probe.seen.lock().unwrap().pop(),
        records: records.len(),
        ip: records.last().and_then(|r| r.ip_address.clone()),
    }
}

async fn via_oneshot(config: WebhookConfig, req: &TestReq) -> (Outcome, usize) {
    let (config, log) = build_config(config);
    let probe = Probe::default();
    let svc: TwilioWebhookService<Probe> = TwilioWebhookLayer::new(config).layer(probe.clone());
    let mut builder = http::Request::post(req.path.as_str());
    for (n, v) in &req.headers {
        builder = builder.header(n.as_str(), http::HeaderValue::from_bytes(v).unwrap());
    }
    let pulled = Arc::new(AtomicUsize::new(0));
    let body: http_body_util::Either<Full<Bytes>, Chunks> = match &req.body {
        ReqBody::Fixed(b) => http_body_util::Either::Left(Full::from(b.clone())),
        ReqBody::Declared(n) => {
            builder = builder.header("content-length", *n);
            http_body_util::Either::Left(Full::default())
        }
        ReqBody::Streamed(chunks) => http_body_util::Either::Right(Chunks {
            left: chunks.iter().map(|c| Bytes::from(c.clone())).collect(),
            pulled: pulled.clone(),
        }),
    };
    let res = svc.oneshot(builder.body(body).unwrap()).await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    let out = outcome((status, ct, body), &probe, &log);
    (out, pulled.load(Ordering::SeqCst))
}

/// Starts a hyper 1 server with the layer on 127.0.0.1 (random port), inserting the peer.
async fn serve(config: WebhookConfig, probe: Probe) -> SocketAddr {
    let svc = TwilioWebhookLayer::new(config).layer(probe);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, peer) = listener.accept().await.unwrap();
            let svc = svc.clone();
            tokio::spawn(async move {
                let hyper_svc = hyper::service::service_fn(
                    move |mut req: http::Request<hyper::body::Incoming>| {
                        req.extensions_mut().insert(peer);
                        svc.clone().oneshot(req)
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper_svc)
                    .await;
            });
        }
    });
    addr
}

async fn via_server(config: WebhookConfig, req: &TestReq) -> Outcome {
    let (config, log) = build_config(config);
    let probe = Probe::default();
    let addr = serve(config, probe.clone()).await;
    let mut raw = format!("POST {} HTTP/1.1\r\nconnection: close\r\n", req.path).into_bytes();
    for (n, v) in &req.headers {
        raw.extend_from_slice(format!("{n}: ").as_bytes());
        raw.extend_from_slice(v);
        raw.extend_from_slice(b"\r\n");
    }
    match &req.body {
        ReqBody::Fixed(b) => {
            raw.extend_from_slice(format!("content-length: {}\r\n\r\n", b.len()).as_bytes());
            raw.extend_from_slice(b);
        }
        ReqBody::Declared(n) => {
            raw.extend_from_slice(format!("content-length: {n}\r\n\r\n").as_bytes())
        }
        ReqBody::Streamed(chunks) => {
            raw.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
            for c in chunks {
                raw.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
                raw.extend_from_slice(c);
                raw.extend_from_slice(b"\r\n");
            }
            raw.extend_from_slice(b"0\r\n\r\n");
        }
    }
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    // Written concurrently with reading: the server may answer (413) before it has read
    // everything, and may close its side early.
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&raw).await;
        wr
    });
    // A guard against a hang (a server waiting for a body it should have refused), not a
    // timing assertion.
    let res = tokio::time::timeout(std::time::Duration::from_secs(30), read_response(&mut rd))
        .await
        .expect("no response from the server");
    drop(writer);
    outcome(res, &probe, &log)
}

/// Reads one HTTP/1.1 response: status, content type, body (by `Content-Length`).
async fn read_response(rd: &mut tokio::net::tcp::OwnedReadHalf) -> (u16, Option<String>, Bytes) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).unwrap().to_owned();
            let header = |name: &str| {
                head.lines().skip(1).find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_owned())
                })
            };
            let len: usize = header("content-length").map_or(0, |l| l.parse().unwrap());
            while buf.len() < end + 4 + len {
                let n = rd.read(&mut chunk).await.unwrap();
                assert!(n > 0, "connection closed mid-body");
                buf.extend_from_slice(&chunk[..n]);
            }
            let status = head[9..12].parse().unwrap();
            let body = Bytes::copy_from_slice(&buf[end + 4..end + 4 + len]);
            return (status, header("content-type"), body);
        }
        let n = rd.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before a response");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Sends `req` both ways with a fresh config from `config`; asserts both transports agree
/// and that exactly one attempt was reported; returns the server's outcome.
async fn send(config: impl Fn() -> WebhookConfig, req: TestReq) -> Outcome {
    let (one, _) = via_oneshot(config(), &req).await;
    let srv = via_server(config(), &req).await;
    assert_eq!(one.status, srv.status, "oneshot vs server status");
    assert_eq!(one.calls, srv.calls, "oneshot vs server handler calls");
    assert_eq!(one.body, srv.body);
    assert_eq!(one.seen, srv.seen);
    assert_eq!((one.records, srv.records), (1, 1), "one attempt reported");
    // Only the server knows the peer; the layer reads it from the extensions.
    assert_eq!(one.ip, None);
    assert_eq!(srv.ip.as_deref(), Some("127.0.0.1"));
    srv
}

/// Asserts a refusal: this status, the fixed text, and a handler that never ran.
async fn refused(config: impl Fn() -> WebhookConfig, req: TestReq, status: u16) {
    let out = send(config, req).await;
    assert_eq!(out.status, status, "{out:?}");
    assert_eq!(out.calls, 0, "inner handler must not run");
    let text = twilio_webhook::pipeline::response_text(status);
    assert_eq!(out.body, text.as_bytes());
    assert_eq!(
        out.content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
}

fn single() -> WebhookConfig {
    WebhookConfig::single_token(TOKEN, BASE).unwrap()
}

fn sign(url: &str, params: &[(&str, &str)]) -> String {
    compute_twilio_signature(url, params.iter().copied(), TOKEN)
}

const PARAMS: &[(&str, &str)] = &[
    ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("Body", "Hi there! 1+1=2 & café"),
    ("From", "whatsapp:+14158675309"),
];
/// `PARAMS` as a form, with both `+` and `%20` for spaces so re-encoding would show.
const PARAMS_FORM: &str =
    "From=whatsapp%3A%2B14158675309&Body=Hi+there%21%201%2B1%3D2+%26+caf%C3%A9&AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn signed_form(path: &str) -> TestReq {
    TestReq::post(path)
        .form(PARAMS_FORM)
        .signed(sign(&format!("{BASE}{path}"), PARAMS))
}

// ---------------------------------------------------------------------------------------
// Accepted requests.

#[tokio::test]
async fn valid_form_reaches_handler_with_body_unchanged() {
    let out = send(
        single,
        signed_form("/hook?x=1").header("I-Twilio-Idempotency-Token", "idem-1"),
    )
    .await;
    assert_eq!((out.status, out.calls), (200, 1));
    assert_eq!(&out.body[..], b"handled");
    let (body, verified) = out.seen.unwrap();
    assert_eq!(body, PARAMS_FORM.as_bytes());
    let verified = verified.expect("VerifiedRequest in extensions");
    assert_eq!(verified.url, format!("{BASE}/hook?x=1"));
    assert_eq!(verified.idempotency_token.as_deref(), Some("idem-1"));

    let out = send(single, signed_form("/hook")).await;
    assert_eq!(out.status, 200);
    assert_eq!(out.seen.unwrap().1.unwrap().idempotency_token, None);
}

#[tokio::test]
async fn valid_json_with_body_sha256() {
    let json = br#"{"EventType":"com.twilio.messaging.message.delivered","n":1}"#;
    let path = format!("/events?bodySHA256={}", body_sha256_hex(json));
    let sig = sign(&format!("{BASE}{path}"), &[]);
    let req = TestReq::post(&path)
        .header("content-type", "application/json")
        .body(json)
        .signed(sig);
    let out = send(single, req).await;
    assert_eq!((out.status, out.calls), (200, 1));
    assert_eq!(out.seen.unwrap().0, &json[..]);
}

#[tokio::test]
async fn base_url_with_path_prefix() {
    let prefixed =
        || WebhookConfig::single_token(TOKEN, "https://api.example.com/twilio/").unwrap();
    let sig = sign("https://api.example.com/twilio/hook", PARAMS);
    let req = || TestReq::post("/hook").form(PARAMS_FORM).signed(&sig);
    assert_eq!(send(prefixed, req()).await.status, 200);
    // The same signature without the prefix in the configured base is not accepted.
    refused(single, req(), 403).await;
}

#[tokio::test]
async fn forwarded_headers_only_with_opt_in() {
    let sig = sign("https://api.example.com/hook", PARAMS);
    let req = || {
        TestReq::post("/hook")
            .header("host", "internal:8080")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", "api.example.com")
            .form(PARAMS_FORM)
            .signed(&sig)
    };
    let keys = || StaticKeys::new(Verifier::new(TOKEN));
    let trusting =
        || WebhookConfig::new(keys(), PublicUrl::insecure_trust_forwarded_headers(false));
    assert_eq!(send(trusting, req()).await.status, 200);
    let host_only = || WebhookConfig::new(keys(), PublicUrl::host_header(false));
    refused(host_only, req(), 403).await;
    let internal_base = || WebhookConfig::single_token(TOKEN, "http://internal:8080").unwrap();
    refused(internal_base, req(), 403).await;
}

/// HTTP/2 has no `Host` header: the host comes in `:authority`, which hyper puts in the
/// request URI. The Host-header mode uses it, and a `Host` header still wins.
#[tokio::test]
async fn http2_authority_stands_in_for_a_missing_host() {
    let url = "https://api.example.com:8443/hook";
    let sig = sign(url, PARAMS);
    let host_only = || {
        WebhookConfig::new(
            StaticKeys::new(Verifier::new(TOKEN)),
            PublicUrl::host_header(true),
        )
    };
    let mut req = TestReq::post(url).form(PARAMS_FORM).signed(&sig);
    req.headers.retain(|(n, _)| n != "host");
    let (out, _) = via_oneshot(host_only(), &req).await;
    assert_eq!((out.status, out.calls), (200, 1), "{out:?}");
    let mut req = TestReq::post(url).form(PARAMS_FORM).signed(&sig);
    req.headers.retain(|(n, _)| n != "host");
    let req = req.header("host", "other.example");
    let (out, _) = via_oneshot(host_only(), &req).await;
    assert_eq!((out.status, out.calls), (403, 0), "{out:?}");
}

#[tokio::test]
async fn port_variants() {
    for signed_url in [
        "https://api.example.com:443/hook",
        "https://api.example.com/hook",
    ] {
        let req = TestReq::post("/hook")
            .form(PARAMS_FORM)
            .signed(sign(signed_url, PARAMS));
        let out = send(single, req).await;
        assert_eq!((out.status, out.calls), (200, 1), "{signed_url}");
    }
}

#[tokio::test]
async fn tenants_by_account_sid() {
    const A: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let tenants = || {
        let map = AccountSidMap::new()
            .insert(A, Verifier::new("token-a"))
            .insert(
                "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                Verifier::new("token-b"),
            );
        WebhookConfig::new(map, PublicUrl::base(BASE).unwrap())
    };
    let url = format!("{BASE}/hook");
    let with = |token: &str| {
        let sig = compute_twilio_signature(&url, PARAMS.iter().copied(), token);
        TestReq::post("/hook").form(PARAMS_FORM).signed(sig)
    };
    let out = send(tenants, with("token-a")).await;
    assert_eq!(out.status, 200);
    assert_eq!(out.seen.unwrap().1.unwrap().tenant_id.as_deref(), Some(A));
    // Tenant B's token on tenant A's AccountSid.
    refused(tenants, with("token-b"), 403).await;
}

// ---------------------------------------------------------------------------------------
// Limits.

#[tokio::test]
async fn declared_content_length_over_limit() {
    let small = || single().with_body_limit(1024);
    let req = TestReq::post("/hook")
        .header("content-type", FORM)
        .signed(sign(&format!("{BASE}/hook"), PARAMS));
    refused(
        small,
        TestReq {
            body: ReqBody::Declared(1_000_000_000),
            ..req
        },
        413,
    )
    .await;
}

#[tokio::test]
async fn streamed_body_over_limit_is_not_buffered() {
    let small = || single().with_body_limit(1024);
    let chunks = vec![b"a=".repeat(50); 100]; // 100 chunks of 100 bytes, no Content-Length
    let req = || TestReq {
        body: ReqBody::Streamed(chunks.clone()),
        ..TestReq::post("/hook")
            .header("content-type", FORM)
            .signed(sign(&format!("{BASE}/hook"), PARAMS))
    };
    let (one, pulled) = via_oneshot(small(), &req()).await;
    assert_eq!((one.status, one.calls), (413, 0));
    // The limit is crossed by the 11th chunk; nothing after it is read.
    assert_eq!(pulled, 11);
    refused(small, req(), 413).await;
    // The same stream within the limit passes the size check (and fails the signature).
    refused(single, req(), 403).await;
}

// ---------------------------------------------------------------------------------------
// Refusals: exact status, handler never called.

#[tokio::test]
async fn signature_refusals() {
    let url = format!("{BASE}/hook");
    let form = || TestReq::post("/hook").form(PARAMS_FORM);
    // Wrong signature (right shape, other token).
    let other = compute_twilio_signature(&url, PARAMS.iter().copied(), "54321");
    refused(single, form().signed(&other), 403).await;
    refused(single, form(), 403).await; // missing
    refused(single, form().signed(""), 403).await; // empty
    let good = sign(&url, PARAMS);
    refused(single, form().signed(&good).signed(&good), 403).await; // twice
    refused(single, form().signed("not base64 at all!!!!!!!!!!"), 403).await;
    refused(single, form().signed("c2hvcnQ="), 403).await; // wrong length
    refused(single, form().signed(b"\xff\xfe"), 403).await; // not text
                                                            // Valid for /hook, replayed against /other.
    let replay = TestReq::post("/other").form(PARAMS_FORM).signed(&good);
    refused(single, replay, 403).await;
    // Body changed after signing.
    let tampered = TestReq::post("/hook")
        .form(PARAMS_FORM.replace("caf", "kaf"))
        .signed(&good);
    refused(single, tampered, 403).await;
}

#[tokio::test]
async fn malformed_forms_are_bad_requests() {
    let url = format!("{BASE}/hook");
    for body in [&b"a=%zz"[..], b"%ff=1", b"a=%ff", b"a=\xff", b"\xfe=1"] {
        // A well-formed signature, so only the form can be at fault.
        let req = TestReq::post("/hook")
            .form(body)
            .signed(sign(&url, &[("a", "x")]));
        refused(single, req, 400).await;
    }
}

#[tokio::test]
async fn json_refusals() {
    let json = br#"{"n":1}"#;
    let bare = TestReq::post("/events")
        .header("content-type", "application/json")
        .body(json)
        .signed(sign(&format!("{BASE}/events"), &[]));
    refused(single, bare, 400).await; // no bodySHA256: nothing signed covers the body

    let path = format!("/events?bodySHA256={}", body_sha256_hex(json));
    let changed = TestReq::post(&path)
        .header("content-type", "application/json")
        .body(br#"{"n":2}"#)
        .signed(sign(&format!("{BASE}{path}"), &[]));
    refused(single, changed, 403).await;
}

#[tokio::test]
async fn shared_keys() {
    let with_key = || {
        let v = Verifier::builder()
            .auth_token(TOKEN)
            .shared_key("KS1", "shared-secret")
            .build();
        WebhookConfig::new(StaticKeys::new(v), PublicUrl::base(BASE).unwrap())
    };
    let url = format!("{BASE}/hook");
    let sha256 = |secret: &str| {
        compute_signature_with(Algorithm::HmacSha256, &url, PARAMS.iter().copied(), secret)
    };
    let req = |settings: &str, sig: String| {
        TestReq::post("/hook")
            .form(PARAMS_FORM)
            .header("x-twilio-webhooks-signature-settings", settings)
            .signed(sig)
    };
    let ok = send(
        with_key,
        req("key=KS1,algorithm=HMAC_SHA256", sha256("shared-secret")),
    )
    .await;
    assert_eq!((ok.status, ok.calls), (200, 1));
    let unknown = req("key=KS2,algorithm=HMAC_SHA256", sha256("shared-secret"));
    refused(with_key, unknown, 403).await;
    refused(
        with_key,
        req("key=KS1,algorithm=HMAC_MD5", sha256("shared-secret")),
        403,
    )
    .await;
}

struct FailingResolver;

impl KeyResolver for FailingResolver {
    fn resolve<'a>(
        &'a self,
        _: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        Box::pin(async { Err(ResolveError("database down".into())) })
    }
}

#[tokio::test]
async fn resolver_failure_is_500() {
    let failing = || WebhookConfig::new(FailingResolver, PublicUrl::base(BASE).unwrap());
    refused(failing, signed_form("/hook"), 500).await;
}

// ---------------------------------------------------------------------------------------
// As an axum layer.

#[tokio::test]
async fn works_as_an_axum_router_layer() {
    use axum::{routing::post, Extension, Router};
    let app: Router = Router::new()
        .route(
            "/hook",
            post(
                |Extension(v): Extension<VerifiedRequest>, body: Bytes| async move {
                    format!("{} {}", v.url, body.len())
                },
            ),
        )
        .layer(TwilioWebhookLayer::new(single()));
    let req = |sig: &str| {
        http::Request::post("/hook")
            .header("content-type", FORM)
            .header("x-twilio-signature", sig)
            .body(axum::body::Body::from(PARAMS_FORM))
            .unwrap()
    };
    let res = app
        .clone()
        .oneshot(req(&sign(&format!("{BASE}/hook"), PARAMS)))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, format!("{BASE}/hook {}", PARAMS_FORM.len()));
    let res = app
        .oneshot(req("RSOYDt4T1cUTdK1PDd93/VVr8B8="))
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}
