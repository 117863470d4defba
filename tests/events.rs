//! Security events: one per attempt, the original system's field names, the right level,
//! and nothing secret.

mod report_support;

use report_support::*;
use tracing::Level;
use twilio_webhook::pipeline::{PublicUrl, StaticKeys, WebhookConfig};
use twilio_webhook::{body_sha256_hex, compute_twilio_signature, Error, Verifier};

/// The fields every rejection carries (those with a value), plus the message.
const REJECTION_FIELDS: [&str; 12] = [
    "endpoint",
    "event_type",
    "ip_address",
    "message",
    "method",
    "provider",
    "reason",
    "status",
    "tenant_id",
    "url",
    "url_variants_tried",
    "user_agent",
];

const REDACTED_URL: &str = "https://api.example.com/v1/webhooks/twilio?tenant=***";

#[tokio::test]
async fn forged_signature_is_one_warn_event_with_every_field() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let genuine = params("hello");
    let forged = params(BODY_SECRET);
    let err = Req::form(encode(&forged), Some(&sign(&genuine)))
        .send(&config())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SignatureMismatch { .. }));

    let events = security(&events);
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e.level, Level::WARN);
    assert_eq!(e.name, "invalid_webhook_signature");
    assert_eq!(e.names(), REJECTION_FIELDS);
    assert_eq!(e.field("event_type"), Some("invalid_webhook_signature"));
    assert_eq!(e.field("provider"), Some("twilio"));
    assert_eq!(e.field("tenant_id"), Some(TENANT));
    assert_eq!(e.field("ip_address"), Some(PEER));
    assert_eq!(e.field("url"), Some(REDACTED_URL));
    assert_eq!(e.field("user_agent"), Some(USER_AGENT));
    assert_eq!(e.field("method"), Some("POST"));
    assert_eq!(e.field("endpoint"), Some(PATH));
    assert_eq!(e.field("status"), Some("unauthorized"));
    let tried = e.field("url_variants_tried").unwrap();
    assert!(tried.contains("as_received"), "{tried}");
    assert!(e.field("reason").unwrap().contains("does not match"));
}

#[tokio::test]
async fn missing_signature_is_reported_by_precheck_with_the_url() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let err = Req::form(encode(&params("hi")), None)
        .send(&config())
        .await
        .unwrap_err();
    assert_eq!(err, Error::MissingSignature);

    let events = security(&events);
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e.level, Level::WARN);
    assert_eq!(e.field("event_type"), Some("missing_webhook_signature"));
    assert_eq!(e.field("url"), Some(REDACTED_URL));
    assert_eq!(e.field("ip_address"), Some(PEER));
    assert_eq!(e.field("user_agent"), Some(USER_AGENT));
    // Refused before the tenant was looked up: the field is absent, not empty.
    assert_eq!(e.field("tenant_id"), None);
    assert_eq!(e.field("url_variants_tried"), None);
}

#[tokio::test]
async fn tampered_json_body_is_a_body_hash_mismatch() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let signed_body = br#"{"amount":10}"#;
    let path = format!("{PATH}?bodySHA256={}", body_sha256_hex(signed_body));
    let url = format!("{BASE}{path}");
    let sig = compute_twilio_signature(&url, std::iter::empty::<(&str, &str)>(), TOKEN);
    let mut req = Req::form(br#"{"amount":10000}"#.to_vec(), Some(&sig));
    req.path_and_query = path;
    req.headers
        .insert("content-type", "application/json".parse().unwrap());

    assert_eq!(req.send(&config()).await, Err(Error::BodyHashMismatch));
    let events = security(&events);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].level, Level::WARN);
    assert_eq!(
        events[0].field("event_type"),
        Some("webhook_body_hash_mismatch")
    );
    assert_eq!(
        events[0].field("url"),
        Some("https://api.example.com/v1/webhooks/twilio?bodySHA256=***")
    );
}

#[tokio::test]
async fn resolver_failure_is_an_error_event() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let config = WebhookConfig::new(FailingResolver, PublicUrl::base(BASE).unwrap());
    let p = params("hi");
    let err = Req::form(encode(&p), Some(&sign(&p)))
        .send(&config)
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), 500);

    let events = security(&events);
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].level, Level::ERROR);
    assert_eq!(
        events[0].field("event_type"),
        Some("webhook_verification_error")
    );
    assert_eq!(events[0].field("status"), Some("error"));
    assert_eq!(events[0].field("reason"), Some("key resolver failed"));
}

#[tokio::test]
async fn malformed_and_oversized_requests_are_warn_verification_errors() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    // JSON without bodySHA256: 400.
    let mut json = Req::form(br#"{"a":1}"#.to_vec(), Some(&sign(&[])));
    json.headers
        .insert("content-type", "application/json".parse().unwrap());
    assert_eq!(json.send(&config()).await, Err(Error::MissingBodyHash));
    // Declared length over the limit: 413 from precheck, body never read.
    let big = Req::form(Vec::new(), Some(&sign(&[]))).header("content-length", "5000");
    assert_eq!(
        big.send(&config().with_body_limit(1000)).await,
        Err(Error::BodyTooLarge { limit: 1000 })
    );

    let events = security(&events);
    assert_eq!(events.len(), 2, "{events:#?}");
    for e in &events {
        assert_eq!(e.level, Level::WARN);
        assert_eq!(e.field("event_type"), Some("webhook_verification_error"));
        assert_eq!(e.field("status"), Some("error"));
    }
}

#[tokio::test]
async fn success_is_one_debug_event_with_what_matched() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let p = params("hi");
    let ok = Req::form(encode(&p), Some(&sign(&p)))
        .send(&config())
        .await
        .unwrap();
    assert_eq!(ok.tenant_id.as_deref(), Some(TENANT));

    let events = security(&events);
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e.level, Level::DEBUG);
    assert_eq!(e.field("event_type"), Some("webhook_signature_verified"));
    assert_eq!(e.field("status"), Some("success"));
    assert_eq!(e.field("key"), Some("auth_token:primary"));
    assert_eq!(e.field("url_variant"), Some("as_received"));
    assert_eq!(e.field("tenant_id"), Some(TENANT));
    assert_eq!(e.field("reason"), None);
}

#[tokio::test]
async fn forwarded_client_address_only_with_the_opt_in() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let forwarded = || {
        Req::form(encode(&params("x")), Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="))
            .header("x-forwarded-for", "198.51.100.9, 10.0.0.2")
            .header("x-forwarded-proto", "https")
    };
    let _ = forwarded().send(&config()).await;
    let trusting = WebhookConfig::new(
        StaticKeys::new(Verifier::new(TOKEN)),
        PublicUrl::insecure_trust_forwarded_headers(true),
    );
    let _ = forwarded().send(&trusting).await;

    let events = security(&events);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[0].field("ip_address"), Some(PEER));
    assert_eq!(events[1].field("ip_address"), Some("198.51.100.9"));
}

#[tokio::test]
async fn json_output_is_one_line_per_event_without_secrets() {
    let (subscriber, buffer) = json_capture();
    let _guard = scoped_subscriber(subscriber);
    let genuine = params("hello");
    let forged = params(BODY_SECRET);
    let received = sign(&genuine);
    // What the server computes for the forged body: must never be printed.
    let expected = sign(&forged);
    assert_ne!(received, expected);
    let _ = Req::form(encode(&forged), Some(&received))
        .send(&config())
        .await
        .unwrap_err();
    let _ = Req::form(encode(&genuine), Some(&received))
        .send(&config())
        .await
        .unwrap();

    let out = buffer.text();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let forged_event: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(forged_event["event_type"], "invalid_webhook_signature");
    assert_eq!(forged_event["level"], "WARN");
    assert_eq!(forged_event["provider"], "twilio");
    assert_eq!(forged_event["tenant_id"], TENANT);
    assert_eq!(forged_event["ip_address"], PEER);
    assert_eq!(forged_event["url"], REDACTED_URL);
    assert_eq!(forged_event["user_agent"], USER_AGENT);
    assert_eq!(forged_event["target"], "twilio_webhook::security");
    let ok_event: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(ok_event["event_type"], "webhook_signature_verified");
    assert_eq!(ok_event["level"], "DEBUG");

    for secret in [
        TOKEN,
        &expected,
        &received,
        BODY_SECRET,
        "my+PIN", // the form-encoded body
        "acme-private-tag",
    ] {
        assert!(!out.contains(secret), "{secret:?} leaked into {out}");
    }
}
