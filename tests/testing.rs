//! The test kit (`testing::SignedRequest`): its signatures reproduce every SDK vector, the
//! verifier accepts what it builds and refuses what it tampers with, and its outputs reach
//! each framework's adapter.

use serde::Deserialize;
use twilio_webhook::testing::{BuildError, SignedParts, SignedRequest};
use twilio_webhook::{Error, KeyUsed, Payload, UrlError, Verified, Verifier, WebhookRequest};

const TOKEN: &str = "12345";

#[derive(Deserialize)]
struct Vector {
    source: String,
    url: Option<String>,
    params: Option<Vec<(String, Option<String>)>>,
    auth_token: Option<String>,
    expected_signature: Option<String>,
    signed_url: Option<String>,
    body: Option<String>,
    expected_body_sha256: Option<String>,
    reproduced: bool,
    #[serde(default)]
    negative: bool,
    #[serde(default)]
    node_only: bool,
}

/// The verdict the crate gives on the kit's request, as a server would see it.
fn verify(verifier: &Verifier, p: &SignedParts) -> Result<Verified, Error> {
    verifier.verify(&WebhookRequest {
        url: &p.url,
        signature: p.header("x-twilio-signature"),
        signature_settings: p.header("x-twilio-webhooks-signature-settings"),
        payload: Payload::Body {
            bytes: &p.body,
            content_type: p.header("content-type"),
        },
    })
}

/// `url` without its `bodySHA256` query parameter (the kit appends its own), if it was last.
fn without_body_hash(url: &str) -> Option<&str> {
    let i = url.rfind("bodySHA256=")?;
    let head = &url[..i];
    (!url[i..].contains('&')).then(|| head.strip_suffix(['?', '&']).unwrap_or(head))
}

/// The kit's request for one vector, signed over `url`, or `None` for body-hash-only vectors.
fn kit_request(v: &Vector, url: &str) -> Option<SignedRequest> {
    let token = v.auth_token.as_deref()?;
    let params: Vec<(String, String)> = v
        .params
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, val)| (k, val.unwrap_or_default()))
        .collect();
    let req = match (&v.body, &v.expected_body_sha256) {
        (Some(body), Some(_)) => SignedRequest::json(without_body_hash(url)?, body),
        // twilio-go's form-body vector: the form is the parameters.
        (Some(body), None) => {
            SignedRequest::post(url).params(form_urlencoded::parse(body.as_bytes()))
        }
        _ => SignedRequest::post(url).params(params),
    };
    Some(req.auth_token(token))
}

#[test]
fn reproduces_every_sdk_vector() {
    let all: Vec<Vector> =
        serde_json::from_str(include_str!("data/twilio-sdk-vectors.json")).unwrap();
    let (mut same, mut differ, mut failures) = (0, 0, Vec::new());
    for v in all.iter().filter(|v| v.reproduced) {
        // The kit signs the text it is given: the one each vector was signed over.
        let Some(url) = v.signed_url.as_deref().or(v.url.as_deref()) else {
            assert!(v.expected_body_sha256.is_some(), "{}", v.source);
            continue;
        };
        let req = kit_request(v, url).expect("a token and a URL");
        let sig = req.signature().unwrap();
        let expected = v.expected_signature.as_deref().unwrap();
        if v.node_only {
            // Given the URL as received, the kit (like Twilio) signs the raw text.
            let raw = kit_request(v, v.url.as_deref().unwrap()).unwrap();
            assert_ne!(raw.signature().unwrap(), expected, "{}", v.source);
        }
        match (sig == expected, !v.negative) {
            (true, true) => same += 1,
            (false, false) => differ += 1,
            (got, _) => failures.push(format!("{}: kit matched = {got}", v.source)),
        }
        // Whatever the vector, the verifier accepts what the kit signed.
        let parts = req.parts().unwrap();
        let verdict = verify(&Verifier::new(v.auth_token.as_deref().unwrap()), &parts);
        if let Err(e) = verdict {
            failures.push(format!("{}: kit request refused: {e}", v.source));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(same >= 40, "{same} vectors reproduced");
    assert!(differ >= 2, "{differ} negative or node-only vectors");
}

#[test]
fn form_get_json_and_shared_key_verify() {
    let verifier = Verifier::builder()
        .auth_token(TOKEN)
        .shared_key("KS1", "shared secret")
        .build();
    let url = "https://api.example.com/hook?x=1";
    let cases = [
        (
            "form with repeats",
            SignedRequest::post(url)
                .param("MediaUrl", "b")
                .param("MediaUrl", "a")
                .param("Body", "100% café & +"),
        ),
        ("get", SignedRequest::get(url).param("CallSid", "CA1")),
        ("json", SignedRequest::json(url, br#"{"a":[1,2]}"#)),
        ("empty json", SignedRequest::json("https://h/x", "")),
        ("incoming message", SignedRequest::incoming_message()),
        ("status callback", SignedRequest::status_callback()),
    ];
    for (what, req) in cases {
        let ok = verify(&verifier, &req.clone().auth_token(TOKEN).parts().unwrap())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(ok.key, KeyUsed::AuthToken(0), "{what}");
        let ok = verify(
            &verifier,
            &req.shared_key("KS1", "shared secret").parts().unwrap(),
        )
        .unwrap_or_else(|e| panic!("{what} (shared key): {e}"));
        assert_eq!(ok.key, KeyUsed::SharedKey("KS1".into()), "{what}");
    }
}

#[test]
fn changes_after_signing_are_refused_precisely() {
    let v = Verifier::new(TOKEN);
    let base = SignedRequest::incoming_message().auth_token(TOKEN);
    let mismatch = |r: Result<Verified, Error>| matches!(r, Err(Error::SignatureMismatch { .. }));
    assert!(verify(&v, &base.parts().unwrap()).is_ok());
    let cases = [
        ("param", base.clone().tamper_param("Body", "changed")),
        ("added param", base.clone().tamper_param("Injected", "1")),
        ("other path", base.clone().sent_to("/other")),
        (
            "other host",
            base.clone().sent_to("https://evil.example/twilio"),
        ),
        ("other token", base.clone().auth_token("54321")),
        (
            "other signature",
            base.clone()
                .tamper_signature(&base.clone().body("x").signature().unwrap()),
        ),
    ];
    for (what, req) in cases {
        assert!(mismatch(verify(&v, &req.parts().unwrap())), "{what}");
    }
    assert_eq!(
        verify(&v, &base.clone().without_signature().parts().unwrap()),
        Err(Error::MissingSignature)
    );
    let json = SignedRequest::json("https://h/e", r#"{"n":1}"#).auth_token(TOKEN);
    assert_eq!(
        verify(&v, &json.send_body(r#"{"n":2}"#).parts().unwrap()),
        Err(Error::BodyHashMismatch)
    );
    // Another encoding of the same form is still the same signed request.
    let form = SignedRequest::post("https://h/x")
        .param("a", "1 2")
        .param("b", "+")
        .auth_token(TOKEN);
    assert!(verify(&v, &form.send_body("b=%2B&a=1%202").parts().unwrap()).is_ok());
    // A form signed over the URL alone and sent as JSON has nothing covering its body.
    let bare = SignedRequest::post("https://h/x")
        .auth_token(TOKEN)
        .insert_header("content-type", "application/json")
        .send_body("{}");
    assert_eq!(
        verify(&v, &bare.parts().unwrap()),
        Err(Error::MissingBodyHash)
    );
}

#[test]
fn headers_and_targets() {
    let p = SignedRequest::post("https://user:pw@api.example.com:8443/prod/hook?x=1")
        .auth_token(TOKEN)
        .idempotency_token("idem-1")
        .sent_to("/hook?x=1")
        .parts()
        .unwrap();
    assert_eq!(p.url, "https://user:pw@api.example.com:8443/hook?x=1");
    assert_eq!(
        (p.host(), p.target().as_str()),
        ("api.example.com:8443", "/hook?x=1")
    );
    let names: Vec<&str> = p.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "host",
            "user-agent",
            "content-type",
            "x-twilio-signature",
            "i-twilio-idempotency-token"
        ]
    );
    let http2 = SignedRequest::get("https://h:8443/x")
        .as_http2()
        .auth_token(TOKEN);
    assert_eq!(http2.parts().unwrap().header("host"), None);
}

#[test]
fn bad_descriptions_are_errors() {
    assert_eq!(
        SignedRequest::post("https://h/x").parts(),
        Err(BuildError::NoKey)
    );
    assert!(matches!(
        SignedRequest::post("example.com/x")
            .auth_token(TOKEN)
            .parts(),
        Err(BuildError::InvalidUrl {
            source: UrlError::MissingScheme,
            ..
        })
    ));
    assert!(matches!(
        SignedRequest::post("https://h/x")
            .auth_token(TOKEN)
            .sent_to("h2/x")
            .parts(),
        Err(BuildError::InvalidUrl { .. })
    ));
    let err = SignedRequest::post("https://h/x")
        .shared_key("KS1", "do-not-print")
        .parts()
        .map(|p| format!("{p:?}"))
        .unwrap();
    assert!(!err.contains("do-not-print"));
    let dbg = format!(
        "{:?}",
        SignedRequest::post("https://h/x").auth_token("do-not-print")
    );
    assert!(!dbg.contains("do-not-print"), "{dbg}");
}

#[cfg(feature = "http")]
#[test]
fn http_request_carries_the_parts() {
    let req = SignedRequest::post("https://h/x?y=1")
        .auth_token(TOKEN)
        .insert_header("bad", "new\nline");
    assert_eq!(
        req.http_request::<bytes::Bytes>().unwrap_err(),
        BuildError::InvalidHeader { name: "bad".into() }
    );
    let spaced = SignedRequest::post("https://h/a b").auth_token(TOKEN);
    assert_eq!(
        spaced.http_request::<bytes::Bytes>().unwrap_err(),
        BuildError::InvalidTarget {
            target: "/a b".into()
        }
    );
    let req = SignedRequest::post("https://h/x?y=1")
        .param("a", "1")
        .auth_token(TOKEN);
    let http: http::Request<bytes::Bytes> = req.http_request().unwrap();
    assert_eq!(
        (http.method().as_str(), http.uri().to_string().as_str()),
        ("POST", "/x?y=1")
    );
    assert_eq!(
        http.headers()["x-twilio-signature"],
        req.signature().unwrap()
    );
    assert_eq!(&http.body()[..], b"a=1");
    let http2: http::Request<bytes::Bytes> = req.as_http2().http_request().unwrap();
    assert_eq!(http2.uri(), "https://h/x?y=1");
}

#[cfg(feature = "serde")]
#[test]
fn samples_decode_as_typed_payloads() {
    use twilio_webhook::payload::{IncomingMessage, MessageStatus, StatusCallback};
    let p = SignedRequest::incoming_message()
        .from("whatsapp:+15550001111")
        .body("hi")
        .auth_token(TOKEN)
        .parts()
        .unwrap();
    let msg = IncomingMessage::from_form(&p.body).unwrap();
    assert_eq!(
        (msg.from.as_str(), msg.body.as_str()),
        ("whatsapp:+15550001111", "hi")
    );
    let p = SignedRequest::status_callback()
        .message_sid("SM9")
        .message_status("undelivered")
        .error_code(30003)
        .auth_token(TOKEN)
        .parts()
        .unwrap();
    let status = StatusCallback::from_form(&p.body).unwrap();
    assert_eq!(status.message_sid, "SM9");
    assert_eq!(status.sms_sid.as_deref(), Some("SM9"));
    assert_eq!(status.message_status, MessageStatus::Undelivered);
    assert_eq!(status.error_code, Some(30003));
}

/// The Voice samples verify as POST and as GET, and decode as their typed payloads from the
/// body or the query string.
#[cfg(feature = "serde")]
#[test]
fn voice_samples_verify_and_decode_as_post_and_get() {
    use twilio_webhook::payload::{
        CallStatus, CallStatusCallback, GatherAction, IncomingCall, RecordingStatus,
        RecordingStatusCallback,
    };
    let verifier = Verifier::new(TOKEN);
    for get in [false, true] {
        let send = |r: SignedRequest| {
            let r = if get { r.as_get() } else { r };
            let p = r.auth_token(TOKEN).parts().unwrap();
            verify(&verifier, &p).unwrap();
            let form = if get {
                p.url.split_once('?').unwrap().1.as_bytes().to_vec()
            } else {
                p.body.clone()
            };
            assert_eq!((p.method == "GET", p.body.is_empty()), (get, get));
            form
        };
        let call =
            IncomingCall::from_form(&send(SignedRequest::incoming_call().from("+15550001111")))
                .unwrap();
        assert_eq!(
            (call.from.as_str(), &call.call_status),
            ("+15550001111", &CallStatus::Ringing)
        );
        let status =
            CallStatusCallback::from_form(&send(SignedRequest::call_status_callback())).unwrap();
        assert_eq!(status.call.call_status, CallStatus::Completed);
        let gather = GatherAction::from_form(&send(
            SignedRequest::gather_action().set_param("Digits", "42"),
        ))
        .unwrap();
        assert_eq!(gather.digits.as_deref(), Some("42"));
        let rec =
            RecordingStatusCallback::from_form(&send(SignedRequest::recording_status_callback()))
                .unwrap();
        assert_eq!(rec.recording_status, RecordingStatus::Completed);
    }
}

#[cfg(feature = "axum")]
#[tokio::test]
async fn axum_router_takes_the_request_as_is() {
    use axum::{body::Body, http::StatusCode, routing::post, Router};
    use std::sync::Arc;
    use tower::ServiceExt as _;
    use twilio_webhook::adapters::axum::TwilioWebhook;
    use twilio_webhook::pipeline::WebhookConfig;

    async fn handler(_: TwilioWebhook<String>) -> StatusCode {
        StatusCode::NO_CONTENT
    }
    let config = WebhookConfig::single_token(TOKEN, "https://example.com").unwrap();
    let app = Router::new()
        .route("/twilio", post(handler))
        .with_state(Arc::new(config));
    let ok = SignedRequest::incoming_message().auth_token(TOKEN);
    for (req, status) in [
        (ok.clone(), StatusCode::NO_CONTENT),
        (ok.tamper_param("Body", "x"), StatusCode::FORBIDDEN),
    ] {
        let res = app
            .clone()
            .oneshot(req.http_request::<Body>().unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), status);
    }
}

#[cfg(feature = "hyper")]
#[tokio::test]
async fn hyper_layer_takes_the_request_as_is() {
    use bytes::Bytes;
    use http_body_util::Full;
    use tower::{Layer as _, ServiceExt as _};
    use twilio_webhook::adapters::hyper::TwilioWebhookLayer;
    use twilio_webhook::pipeline::WebhookConfig;

    let config = WebhookConfig::single_token(TOKEN, "https://example.com").unwrap();
    let svc = TwilioWebhookLayer::new(config).layer(tower::service_fn(
        |_: http::Request<Full<Bytes>>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(Full::<Bytes>::default()))
        },
    ));
    let ok = SignedRequest::status_callback().auth_token(TOKEN);
    for (req, status) in [(ok.clone(), 200), (ok.sent_to("/other"), 403)] {
        let res = svc
            .clone()
            .oneshot(req.http_request::<Full<Bytes>>().unwrap())
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status);
    }
}

#[cfg(feature = "actix")]
#[actix_web::test]
async fn actix_test_request_reaches_the_extractor() {
    use actix_web::{test, web, App, HttpResponse};
    use twilio_webhook::adapters::actix::TwilioWebhook;
    use twilio_webhook::pipeline::WebhookConfig;

    async fn handler(_: TwilioWebhook) -> HttpResponse {
        HttpResponse::NoContent().finish()
    }
    let config = WebhookConfig::single_token(TOKEN, "https://example.com").unwrap();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(config))
            .route("/twilio", web::post().to(handler)),
    )
    .await;
    let spaced = SignedRequest::post("https://h/a b").auth_token(TOKEN);
    assert!(matches!(
        spaced.actix_request(),
        Err(BuildError::InvalidTarget { .. })
    ));
    let ok = SignedRequest::incoming_message().auth_token(TOKEN);
    for (req, status) in [(ok.clone(), 204), (ok.without_signature(), 403)] {
        let res = test::call_service(&app, req.actix_request().unwrap().to_request()).await;
        assert_eq!(res.status().as_u16(), status);
    }
}
