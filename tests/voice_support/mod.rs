//! Shared by the Voice tests: the samples of `tests/data/voice/samples.json`, and the
//! end-to-end run every adapter's test drives over a real TCP socket (signed `POST` and
//! `GET` for each sample, tampered requests refused).
#![allow(dead_code)] // each test file uses a different subset

use std::net::SocketAddr;

use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use twilio_webhook::compute_twilio_signature;
use twilio_webhook::payload::{
    CallStatusCallback, GatherAction, IncomingCall, RecordingStatusCallback,
};

const SAMPLES: &str = include_str!("../data/voice/samples.json");

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Sample {
    pub(crate) name: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) source: Vec<String>,
    pub(crate) note: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) url: Option<String>,
    pub(crate) auth_token: Option<String>,
    pub(crate) signature: Option<String>,
}

pub(crate) fn samples() -> Vec<Sample> {
    #[derive(Deserialize)]
    struct File {
        samples: Vec<Sample>,
    }
    serde_json::from_str::<File>(SAMPLES)
        .expect("samples.json parses")
        .samples
}

pub(crate) fn sample(name: &str) -> Sample {
    samples()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
}

pub(crate) fn encode<K: AsRef<str>, V: AsRef<str>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k.as_ref(), v.as_ref());
    }
    s.finish()
}

impl Sample {
    pub(crate) fn body(&self) -> String {
        encode(self.params.iter().map(|(k, v)| (k, v)))
    }
    /// The body with `key` replaced (or appended), for variations on a documented sample.
    pub(crate) fn with(&self, key: &str, value: &str) -> String {
        let mut params = self.params.clone();
        match params.iter_mut().find(|(k, _)| k == key) {
            Some(p) => p.1 = value.to_owned(),
            None => params.push((key.to_owned(), value.to_owned())),
        }
        encode(params)
    }
}

/// Decodes `body` as the payload type named `kind` (a sample's `type`); the error text if
/// that fails.
pub(crate) fn decode_as(kind: &str, body: &[u8]) -> Result<(), String> {
    let decoded = match kind {
        "IncomingCall" => IncomingCall::from_form(body).map(drop),
        "CallStatusCallback" => CallStatusCallback::from_form(body).map(drop),
        "GatherAction" => GatherAction::from_form(body).map(drop),
        "RecordingStatusCallback" => RecordingStatusCallback::from_form(body).map(drop),
        other => panic!("unknown payload type {other}"),
    };
    decoded.map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- end to end over TCP

pub(crate) const TOKEN: &str = "voice-e2e-auth-token";
/// The URL Twilio is configured with: the server sits behind a TLS terminator.
pub(crate) const PUBLIC_BASE: &str = "https://voice.example.com";

pub(crate) const ROUTES: [(&str, &str); 4] = [
    ("IncomingCall", "/voice/incoming"),
    ("CallStatusCallback", "/voice/status"),
    ("GatherAction", "/voice/gather"),
    ("RecordingStatusCallback", "/voice/recording"),
];

pub(crate) fn route_of(kind: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|(k, _)| *k == kind)
        .expect("routed type")
        .1
}

/// One HTTP/1.1 request over a fresh TCP connection (hyper's client), like Twilio's.
pub(crate) async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    body: &str,
    signature: &str,
) -> (u16, Vec<u8>) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = http::Request::builder()
        .method(method)
        .uri(target)
        .header("host", "voice.example.com")
        .header("user-agent", "TwilioProxy/1.1")
        .header("x-twilio-signature", signature);
    if method == "POST" {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let req = req.body(Full::new(bytes_of(body))).unwrap();
    let res = sender.send_request(req).await.unwrap();
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, body)
}

fn bytes_of(s: &str) -> hyper::body::Bytes {
    hyper::body::Bytes::from(s.to_owned())
}

/// Decodes the echoed JSON as the sample's type and compares it with a direct decode.
pub(crate) fn assert_echo_matches(s: &Sample, echoed: &[u8]) {
    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(
        name: &str,
        echoed: &[u8],
        direct: T,
    ) {
        let via_server: T = serde_json::from_slice(echoed)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(echoed)));
        assert_eq!(via_server, direct, "{name}");
    }
    let body = s.body();
    let b = body.as_bytes();
    match s.kind.as_str() {
        "IncomingCall" => same(&s.name, echoed, IncomingCall::from_form(b).unwrap()),
        "CallStatusCallback" => same(&s.name, echoed, CallStatusCallback::from_form(b).unwrap()),
        "GatherAction" => same(&s.name, echoed, GatherAction::from_form(b).unwrap()),
        _ => same(
            &s.name,
            echoed,
            RecordingStatusCallback::from_form(b).unwrap(),
        ),
    }
}

/// Every sample (but the SDK signing example), signed, to the server at `addr`, as `POST`
/// (parameters in the body) and as `GET` (in the query string); each must come back 200 with
/// the JSON of what the handler decoded. Returns how many requests were sent.
pub(crate) async fn every_sample_as_post_and_get(addr: SocketAddr) -> usize {
    let webhooks: Vec<Sample> = samples()
        .into_iter()
        .filter(|s| s.name != "signature_vector")
        .collect();
    for s in &webhooks {
        let path = route_of(&s.kind);

        // POST: the parameters in the body, signed with the URL.
        let url = format!("{PUBLIC_BASE}{path}");
        let sig = compute_twilio_signature(&url, s.params.iter().map(|(k, v)| (k, v)), TOKEN);
        let (status, echoed) = send(addr, "POST", path, &s.body(), &sig).await;
        assert_eq!(
            status,
            200,
            "{} POST: {}",
            s.name,
            String::from_utf8_lossy(&echoed)
        );
        assert_echo_matches(s, &echoed);

        // GET: the same parameters in the query string, which the signature then covers.
        let target = format!("{path}?{}", s.body());
        let url = format!("{PUBLIC_BASE}{target}");
        let sig = compute_twilio_signature(&url, std::iter::empty::<(&str, &str)>(), TOKEN);
        let (status, echoed) = send(addr, "GET", &target, "", &sig).await;
        assert_eq!(
            status,
            200,
            "{} GET: {}",
            s.name,
            String::from_utf8_lossy(&echoed)
        );
        assert_echo_matches(s, &echoed);
    }
    2 * webhooks.len()
}

/// Tampered requests to the server at `addr`, each of which must be refused with 403: a body
/// changed after signing, a query changed after signing, a `POST` signature on a `GET`.
pub(crate) async fn tampered_requests_are_refused(addr: SocketAddr) {
    let s = sample("call_status_completed_human");
    let path = route_of(&s.kind);
    let url = format!("{PUBLIC_BASE}{path}");
    let sig = compute_twilio_signature(&url, s.params.iter().map(|(k, v)| (k, v)), TOKEN);

    let tampered = s.with("CallDuration", "4900");
    let (status, body) = send(addr, "POST", path, &tampered, &sig).await;
    assert_eq!((status, body.as_slice()), (403, &b"Forbidden"[..]));
    let get_sig = compute_twilio_signature(
        &format!("{PUBLIC_BASE}{path}?{}", s.body()),
        std::iter::empty::<(&str, &str)>(),
        TOKEN,
    );
    let (status, _) = send(addr, "GET", &format!("{path}?{tampered}"), "", &get_sig).await;
    assert_eq!(status, 403);
    // The POST signature does not stand in for the GET one (the URL differs).
    let (status, _) = send(addr, "GET", &format!("{path}?{}", s.body()), "", &sig).await;
    assert_eq!(status, 403);
}

/// A recording callback, authentic, sent to the call status route: verified, then refused by
/// the typed payload. Returns the response.
pub(crate) async fn recording_callback_to_the_status_route(addr: SocketAddr) -> (u16, String) {
    let path = route_of("CallStatusCallback");
    let rec = sample("recording_completed");
    let url = format!("{PUBLIC_BASE}{path}");
    let sig = compute_twilio_signature(&url, rec.params.iter().map(|(k, v)| (k, v)), TOKEN);
    let (status, body) = send(addr, "POST", path, &rec.body(), &sig).await;
    (status, String::from_utf8_lossy(&body).into_owned())
}
