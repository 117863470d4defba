//! Security events reach Sentry through `sentry-tracing` with the demo servers' layers:
//! a forged request is one Sentry event, with the event's fields and without secrets;
//! lesser rejections are breadcrumbs; accepted requests send nothing. Uses the sentry
//! crate's in-memory test transport: no network.

#[path = "../../tests/report_support/mod.rs"]
mod report_support;

use twilio_webhook_examples::observe;

use std::future::Future;

use report_support::*;
use sentry::protocol::{Context, Event, Level};
use tracing_subscriber::layer::SubscriberExt as _;
use twilio_webhook::pipeline::{PublicUrl, WebhookConfig};

/// Runs `f` with the demo's Sentry layers and a test transport; returns what Sentry got.
fn sentry_events<F: Future>(f: impl FnOnce() -> F) -> Vec<Event<'static>> {
    sentry::test::with_captured_events(|| {
        let subscriber = tracing_subscriber::registry().with(observe::sentry_layers());
        let _guard = scoped_subscriber(subscriber);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f());
    })
}

fn fields<'e>(event: &'e Event<'_>) -> &'e std::collections::BTreeMap<String, serde_json::Value> {
    match event.contexts.get("Rust Tracing Fields") {
        Some(Context::Other(map)) => map,
        other => panic!("no tracing fields in the Sentry event: {other:?}"),
    }
}

#[test]
fn forged_request_is_one_sentry_event_with_fields_and_no_secrets() {
    let genuine = params("hello");
    let forged = params(BODY_SECRET);
    let received = sign(&genuine);
    let expected = sign(&forged);
    let events = sentry_events(|| async {
        let result = Req::form(encode(&forged), Some(&received))
            .send(&config())
            .await;
        assert_eq!(result.unwrap_err().http_status(), 403);
    });

    assert_eq!(events.len(), 1, "{events:#?}");
    let event = &events[0];
    assert_eq!(event.level, Level::Warning);
    assert_eq!(event.logger.as_deref(), Some("twilio_webhook::security"));
    assert_eq!(
        event.message.as_deref(),
        Some("Twilio webhook rejected: invalid signature")
    );
    let f = fields(event);
    assert_eq!(f["event_type"], "invalid_webhook_signature");
    assert_eq!(f["provider"], "twilio");
    assert_eq!(f["tenant_id"], TENANT);
    assert_eq!(f["ip_address"], PEER);
    assert_eq!(
        f["url"],
        "https://api.example.com/v1/webhooks/twilio?tenant=***"
    );
    assert_eq!(f["user_agent"], USER_AGENT);
    assert_eq!(f["status"], "unauthorized");
    assert!(f.contains_key("reason") && f.contains_key("url_variants_tried"));

    // The whole event as it would be sent.
    let sent = serde_json::to_string(event).unwrap();
    for secret in [
        TOKEN,
        expected.as_str(),
        received.as_str(),
        BODY_SECRET,
        "acme-private-tag",
    ] {
        assert!(!sent.contains(secret), "{secret:?} leaked into {sent}");
    }
}

#[test]
fn missing_signature_is_a_sentry_event_too() {
    let events = sentry_events(|| async {
        let p = params("hi");
        let _ = Req::form(encode(&p), None).send(&config()).await;
    });
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(
        fields(&events[0])["event_type"],
        "missing_webhook_signature"
    );
}

#[test]
fn accepted_requests_send_nothing() {
    let events = sentry_events(|| async {
        let p = params("hi");
        Req::form(encode(&p), Some(&sign(&p)))
            .send(&config())
            .await
            .unwrap();
    });
    assert!(events.is_empty(), "{events:#?}");
}

#[test]
fn malformed_request_is_a_breadcrumb_on_the_next_event() {
    let events = sentry_events(|| async {
        let mut json = Req::form(br#"{"a":1}"#.to_vec(), Some(&sign(&[])));
        json.headers
            .insert("content-type", "application/json".parse().unwrap());
        let _ = json.send(&config()).await;
        let p = params("hi");
        let _ = Req::form(encode(&p), None).send(&config()).await;
    });
    assert_eq!(events.len(), 1, "only the unsigned request: {events:#?}");
    let crumbs = &events[0].breadcrumbs.values;
    assert_eq!(crumbs.len(), 1, "{crumbs:#?}");
    assert_eq!(
        crumbs[0].category.as_deref(),
        Some("twilio_webhook::security")
    );
    assert_eq!(
        crumbs[0].data.get("event_type"),
        Some(&serde_json::json!("webhook_verification_error"))
    );
}

#[test]
fn misconfiguration_is_an_error_event() {
    let events = sentry_events(|| async {
        let config = WebhookConfig::new(FailingResolver, PublicUrl::base(BASE).unwrap());
        let p = params("hi");
        let _ = Req::form(encode(&p), Some(&sign(&p))).send(&config).await;
    });
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].level, Level::Error);
    assert_eq!(
        fields(&events[0])["event_type"],
        "webhook_verification_error"
    );
}
