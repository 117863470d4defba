//! The hyper/tower adapter, end to end: every case goes through a real hyper 1 server on
//! 127.0.0.1 (raw HTTP/1.1 over TCP, so duplicate and non-UTF-8 headers can be sent) and
//! through `tower::ServiceExt::oneshot`, and both must agree on the status and on whether
//! the inner handler ran.
#![cfg(feature = "hyper")]

mod support;

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
use twilio_webhook::adapters::hyper::{error_response, verify_request};
use twilio_webhook::adapters::hyper::{TwilioWebhookLayer, TwilioWebhookService};
use twilio_webhook::pipeline::{
    AccountSidMap, BoxFuture, PublicUrl, VerifiedRequest, WebhookConfig,
};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::testing::SignedRequest;
use twilio_webhook::Verifier;

use support::{
    bad_input_config, bad_inputs, config as single, config_for, config_with_shared_key,
    failing_config, Reply, BASE, OTHER_TOKEN, SHARED_KEY_ID, SHARED_SECRET, SIGNATURE, TOKEN,
};

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
// Requests from the kit, laid out once and sent both ways.

enum ReqBody {
    /// Sent with an exact `Content-Length` (unless the headers declare one).
    Fixed(Vec<u8>),
    /// Chunked over TCP; a body without size hint through oneshot.
    Streamed(Vec<Vec<u8>>),
    /// `Content-Length: n` declared, nothing sent.
    Declared(u64),
}

/// A request as it goes on the wire: the kit's parts, with raw header bytes so a test can
/// send what the kit (and `http`) refuse, and the body kinds the kit has no words for.
struct TestReq {
    method: &'static str,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: ReqBody,
}

impl From<SignedRequest> for TestReq {
    fn from(req: SignedRequest) -> Self {
        let parts = req.parts().unwrap();
        // Without `Host` (`as_http2`), the full URL is the request target.
        let path = match parts.header("host") {
            Some(_) => parts.target(),
            None => parts.url.clone(),
        };
        TestReq {
            method: parts.method,
            path,
            headers: (parts.headers.into_iter())
                .map(|(n, v)| (n, v.into_bytes()))
                .collect(),
            body: ReqBody::Fixed(parts.body),
        }
    }
}

impl TestReq {
    /// Adds a header with any bytes as its value.
    fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.as_ref().to_vec()));
        self
    }
    fn with_body(mut self, body: ReqBody) -> Self {
        self.body = body;
        self
    }
    fn declares_length(&self) -> bool {
        self.headers.iter().any(|(n, _)| n == "content-length")
    }
}

/// What a request produced.
#[derive(Debug)]
struct Outcome {
    reply: Reply,
    /// Inner-handler calls (0 or 1) and what it saw.
    calls: usize,
    seen: Option<Seen>,
    /// Attempts the pipeline reported for this one request, and the client address.
    records: usize,
    ip: Option<String>,
    /// The last report's reason (the error's text) on a refusal.
    reason: Option<String>,
}

impl std::ops::Deref for Outcome {
    type Target = Reply;
    fn deref(&self) -> &Reply {
        &self.reply
    }
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
        reply: Reply {
            status: res.0,
            content_type: res.1,
            body: res.2.to_vec(),
        },
        calls: probe.calls.load(Ordering::SeqCst),
        seen: probe.seen.lock().unwrap().pop(),
        records: records.len(),
        ip: records.last().and_then(|r| r.ip_address.clone()),
        reason: records.last().and_then(|r| r.reason.clone()),
    }
}

async fn via_oneshot(config: WebhookConfig, req: &TestReq) -> (Outcome, usize) {
    let (config, log) = build_config(config);
    let probe = Probe::default();
    let svc: TwilioWebhookService<Probe> = TwilioWebhookLayer::new(config).layer(probe.clone());
    let mut builder = http::Request::builder()
        .method(req.method)
        .uri(req.path.as_str());
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
    let mut raw = format!(
        "{} {} HTTP/1.1\r\nconnection: close\r\n",
        req.method, req.path
    )
    .into_bytes();
    for (n, v) in &req.headers {
        raw.extend_from_slice(format!("{n}: ").as_bytes());
        raw.extend_from_slice(v);
        raw.extend_from_slice(b"\r\n");
    }
    match &req.body {
        ReqBody::Fixed(b) => {
            if !req.declares_length() {
                raw.extend_from_slice(format!("content-length: {}\r\n", b.len()).as_bytes());
            }
            raw.extend_from_slice(b"\r\n");
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
async fn send(config: impl Fn() -> WebhookConfig, req: impl Into<TestReq>) -> Outcome {
    let req = req.into();
    let (one, _) = via_oneshot(config(), &req).await;
    let srv = via_server(config(), &req).await;
    assert_eq!(one.status, srv.status, "oneshot vs server status");
    assert_eq!(one.calls, srv.calls, "oneshot vs server handler calls");
    assert_eq!(one.body, srv.body);
    assert_eq!(one.seen, srv.seen);
    assert_eq!(one.reason, srv.reason, "oneshot vs server reported reason");
    assert_eq!((one.records, srv.records), (1, 1), "one attempt reported");
    // Only the server knows the peer; the layer reads it from the extensions.
    assert_eq!(one.ip, None);
    assert_eq!(srv.ip.as_deref(), Some("127.0.0.1"));
    srv
}

/// Asserts a refusal: this status, the fixed text, and a handler that never ran.
async fn refused(
    config: impl Fn() -> WebhookConfig,
    req: impl Into<TestReq>,
    status: u16,
) -> Outcome {
    let out = send(config, req.into()).await;
    out.assert_refusal(status, &format!("{out:?}"));
    assert_eq!(out.calls, 0, "inner handler must not run");
    out
}

const PARAMS: &[(&str, &str)] = &[
    ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("Body", "Hi there! 1+1=2 & café"),
    ("From", "whatsapp:+14158675309"),
];
/// `PARAMS` as a form, reordered, with both `+` and `%20` for spaces so re-encoding would
/// show.
const PARAMS_FORM: &str =
    "From=whatsapp%3A%2B14158675309&Body=Hi+there%21%201%2B1%3D2+%26+caf%C3%A9&AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// `PARAMS` signed for `url`, sent as `PARAMS_FORM`.
fn signed_for(url: &str) -> SignedRequest {
    SignedRequest::post(url)
        .params(PARAMS.iter().copied())
        .auth_token(TOKEN)
        .send_body(PARAMS_FORM)
}

fn signed_form(path: &str) -> SignedRequest {
    signed_for(&format!("{BASE}{path}"))
}

// ---------------------------------------------------------------------------------------
// Accepted requests.

#[tokio::test]
async fn valid_form_reaches_handler_with_body_unchanged() {
    let out = send(single, signed_form("/hook?x=1").idempotency_token("idem-1")).await;
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
    let json = r#"{"EventType":"com.twilio.messaging.message.delivered","n":1}"#;
    let out = send(single, support::json("/events", json)).await;
    assert_eq!((out.status, out.calls), (200, 1));
    assert_eq!(out.seen.unwrap().0, json.as_bytes());
}

#[tokio::test]
async fn base_url_with_path_prefix() {
    let prefixed =
        || WebhookConfig::single_token(TOKEN, "https://api.example.com/twilio/").unwrap();
    let req = || signed_for("https://api.example.com/twilio/hook").sent_to("/hook");
    assert_eq!(send(prefixed, req()).await.status, 200);
    // The same signature without the prefix in the configured base is not accepted.
    refused(single, req(), 403).await;
}

#[tokio::test]
async fn forwarded_headers_only_with_opt_in() {
    let req = || {
        signed_form("/hook")
            .insert_header("host", "internal:8080")
            .insert_header("x-forwarded-proto", "https")
            .insert_header("x-forwarded-host", "api.example.com")
    };
    let trusting = || config_for(PublicUrl::insecure_trust_forwarded_headers(false));
    assert_eq!(send(trusting, req()).await.status, 200);
    let host_only = || config_for(PublicUrl::host_header(false));
    refused(host_only, req(), 403).await;
    let internal_base = || WebhookConfig::single_token(TOKEN, "http://internal:8080").unwrap();
    refused(internal_base, req(), 403).await;
}

/// HTTP/2 has no `Host` header: the host comes in `:authority`, which hyper puts in the
/// request URI. The Host-header mode uses it, and a `Host` header still wins.
#[tokio::test]
async fn http2_authority_stands_in_for_a_missing_host() {
    let h2 = || signed_for("https://api.example.com:8443/hook").as_http2();
    let host_only = || config_for(PublicUrl::host_header(true));
    let (out, _) = via_oneshot(host_only(), &h2().into()).await;
    assert_eq!((out.status, out.calls), (200, 1), "{out:?}");
    let req = h2().insert_header("host", "other.example").into();
    let (out, _) = via_oneshot(host_only(), &req).await;
    assert_eq!((out.status, out.calls), (403, 0), "{out:?}");
}

#[tokio::test]
async fn port_variants() {
    for signed_url in [
        "https://api.example.com:443/hook",
        "https://api.example.com/hook",
    ] {
        let req = signed_for(signed_url).sent_to("/hook");
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
    let with = |token: &str| signed_form("/hook").auth_token(token);
    let out = send(tenants, with("token-a")).await;
    assert_eq!(out.status, 200);
    assert_eq!(out.seen.unwrap().1.unwrap().tenant_id.as_deref(), Some(A));
    // Tenant B's token on tenant A's AccountSid.
    refused(tenants, with("token-b"), 403).await;
}

// ---------------------------------------------------------------------------------------
// Limits: bodies the kit does not describe (declared but not sent, streamed).

#[tokio::test]
async fn declared_content_length_over_limit() {
    let small = || single().with_body_limit(1024);
    let req = TestReq::from(signed_form("/hook")).with_body(ReqBody::Declared(1_000_000_000));
    refused(small, req, 413).await;
}

#[tokio::test]
async fn streamed_body_over_limit_is_not_buffered() {
    let small = || single().with_body_limit(1024);
    let chunks = vec![b"a=".repeat(50); 100]; // 100 chunks of 100 bytes, no Content-Length
    let req = || TestReq::from(signed_form("/hook")).with_body(ReqBody::Streamed(chunks.clone()));
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

/// The shared table (`support::bad_inputs`) through the tower layer (oneshot and a real
/// server, which must agree) and through `verify_request`: its status, the fixed text, the
/// handler not run, and its error, as reported and as returned.
#[tokio::test]
async fn bad_input_matrix() {
    for case in bad_inputs() {
        let what = case.name;
        let out = refused(bad_input_config, case.request.clone(), case.status).await;
        assert_eq!(out.reason, Some(case.error.to_string()), "{what}");

        let req: http::Request<Full<Bytes>> = case.request.http_request().unwrap();
        let err = verify_request(&bad_input_config(), req).await.unwrap_err();
        assert_eq!(err, case.error, "{what}: verify_request");
        assert_eq!(error_response(&err).status(), case.status, "{what}");
    }
}

/// A signature header that is not text: outside what the kit (and `HeaderValue::from_str`)
/// builds, so its bytes are put in by hand.
#[tokio::test]
async fn a_signature_that_is_not_text_is_refused() {
    let req =
        TestReq::from(signed_form("/hook").without_signature()).header(SIGNATURE, b"\xff\xfe");
    let out = refused(single, req, 403).await;
    let not_base64 =
        twilio_webhook::Error::MalformedSignature(twilio_webhook::SignatureFormatError::NotBase64);
    assert_eq!(out.reason, Some(not_base64.to_string()));
}

#[tokio::test]
async fn shared_key_is_accepted() {
    let req = signed_form("/hook").shared_key(SHARED_KEY_ID, SHARED_SECRET);
    let ok = send(config_with_shared_key, req).await;
    assert_eq!((ok.status, ok.calls), (200, 1));
}

#[tokio::test]
async fn resolver_failure_is_500() {
    refused(failing_config, signed_form("/hook"), 500).await;
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
    let req = |r: SignedRequest| r.http_request::<axum::body::Body>().unwrap();
    let res = app
        .clone()
        .oneshot(req(signed_form("/hook")))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, format!("{BASE}/hook {}", PARAMS_FORM.len()));
    let forged = signed_form("/hook").auth_token(OTHER_TOKEN);
    let res = app.oneshot(req(forged)).await.unwrap();
    assert_eq!(res.status(), 403);
}
