//! The core on WebAssembly: the SDK vectors of `tests/data/twilio-sdk-vectors.json` through
//! the core's public entry points, and the Voice samples through the payload types, compiled
//! for `wasm32-unknown-unknown` and run under Node by `wasm-bindgen-test`.
//!
//! The full vector table (every entry point and URL variant) is `tests/vectors.rs` on the
//! host; this is the same data through the calls an edge runtime makes, to show they compute
//! the same signatures there and do not panic.
#![cfg(target_arch = "wasm32")]

use serde::Deserialize;
use twilio_webhook::payload::{
    CallStatusCallback, GatherAction, IncomingCall, RecordingStatusCallback,
};
use twilio_webhook::{
    body_sha256_hex, compute_twilio_signature, verify_twilio_body, verify_twilio_signature,
    Verifier,
};
use wasm_bindgen_test::wasm_bindgen_test;

const VECTORS: &str = include_str!("../../tests/data/twilio-sdk-vectors.json");
const VOICE_SAMPLES: &str = include_str!("../../tests/data/voice/samples.json");

#[derive(Deserialize)]
struct Vector {
    source: String,
    url: Option<String>,
    signed_url: Option<String>,
    params: Option<Vec<(String, Option<String>)>>,
    auth_token: Option<String>,
    expected_signature: Option<String>,
    body: Option<String>,
    expected_body_sha256: Option<String>,
    reproduced: bool,
    #[serde(default)]
    negative: bool,
    #[serde(default)]
    node_only: bool,
}

fn form_body(params: &[(String, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    s.finish()
}

/// One vector through the one-shot functions and the `Verifier`; `Err` says what differed.
fn check(v: &Vector) -> Result<&'static str, String> {
    let Some(url) = v.url.as_deref() else {
        let got = body_sha256_hex(v.body.as_deref().unwrap_or("").as_bytes());
        return (Some(got.as_str()) == v.expected_body_sha256.as_deref())
            .then_some("body hash")
            .ok_or(format!("body hash {got}"));
    };
    let token = v.auth_token.as_deref().ok_or("no token")?;
    let sig = v.expected_signature.as_deref().ok_or("no signature")?;
    let verifier = Verifier::new(token);
    if let Some(body) = &v.body {
        let verdict = if v.expected_body_sha256.is_some() {
            verify_twilio_body(url, body.as_bytes(), sig, token).map(drop)
        } else {
            verifier.verify_form(url, body.as_bytes(), sig).map(drop)
        };
        return match (v.negative, verdict) {
            (false, Ok(())) => Ok("body"),
            (true, Err(_)) => Ok("negative"),
            (_, r) => Err(format!("body: {r:?}")),
        };
    }
    let params: Vec<(String, String)> = v
        .params
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, val)| (k, val.unwrap_or_default()))
        .collect();
    let pairs = params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let decoded = verify_twilio_signature(url, pairs.clone(), sig, token);
    let form = verifier.verify_form(url, form_body(&params).as_bytes(), sig);
    if decoded.is_ok() != form.is_ok() {
        return Err(format!("params {decoded:?} vs form {form:?}"));
    }
    // Node-only vectors need an opt-in; refusing them by default is the expected verdict.
    if v.negative || v.node_only {
        return form.err().map(|_| "negative").ok_or("accepted".into());
    }
    form.map_err(|e| format!("form: {e}"))?;
    let signed_url = v.signed_url.as_deref().ok_or("no signed_url")?;
    let computed = compute_twilio_signature(signed_url, pairs, token);
    (computed == sig)
        .then_some("form")
        .ok_or(format!("compute gave {computed}"))
}

#[wasm_bindgen_test]
fn every_sdk_vector_gives_the_host_verdict() {
    let all: Vec<Vector> = serde_json::from_str(VECTORS).expect("vector file parses");
    assert_eq!(all.len(), 61, "the vector file holds 61 vectors");
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeMap::new();
    for v in all.iter().filter(|v| v.reproduced) {
        match check(v) {
            Ok(kind) => *kinds.entry(kind).or_insert(0) += 1,
            Err(why) => failures.push(format!("{}: {why}", v.source)),
        }
    }
    assert!(
        failures.is_empty(),
        "failing vectors:\n{}",
        failures.join("\n")
    );
    for kind in ["form", "body", "negative", "body hash"] {
        assert!(
            kinds.contains_key(kind),
            "no vector of kind {kind}: {kinds:?}"
        );
    }
    assert_eq!(kinds.values().sum::<usize>(), 59, "{kinds:?}");
}

#[wasm_bindgen_test]
fn voice_samples_decode() {
    #[derive(Deserialize)]
    struct Sample {
        name: String,
        #[serde(rename = "type")]
        kind: String,
        params: Vec<(String, String)>,
    }
    #[derive(Deserialize)]
    struct File {
        samples: Vec<Sample>,
    }
    let file: File = serde_json::from_str(VOICE_SAMPLES).expect("samples parse");
    for s in file.samples.iter().filter(|s| s.name != "signature_vector") {
        let body = form_body(&s.params);
        let b = body.as_bytes();
        let ok = match s.kind.as_str() {
            "IncomingCall" => IncomingCall::from_form(b).is_ok(),
            "CallStatusCallback" => CallStatusCallback::from_form(b).is_ok(),
            "GatherAction" => GatherAction::from_form(b).is_ok(),
            "RecordingStatusCallback" => RecordingStatusCallback::from_form(b).is_ok(),
            other => panic!("unknown type {other}"),
        };
        assert!(ok, "{}", s.name);
    }
}
