//! Security events, the attempt log and Sentry, without a server: one forged and one
//! valid request go through `WebhookConfig::precheck`/`check` as an adapter would send them.
//!
//! ```text
//! cargo run -p twilio-webhook-examples --example sentry_events
//! LOG_FORMAT=json cargo run -p twilio-webhook-examples --example sentry_events
//! SENTRY_DSN=https://<key>@<org>.ingest.sentry.io/<project> cargo run -p twilio-webhook-examples --example sentry_events
//! ```
//!
//! Prints the security events (text, or JSON lines with `LOG_FORMAT=json`) and the attempt
//! log records. With `SENTRY_DSN` set the forged request is sent to Sentry as an event;
//! without it the Sentry event that would be sent is captured in memory and printed.

use twilio_webhook_examples::demo;
use twilio_webhook_examples::observe;

use std::sync::Arc;

use http::{HeaderMap, HeaderValue};
use sentry::test::TestTransport;
use twilio_webhook::pipeline::{PublicUrl, RequestParts, StaticKeys, WebhookConfig};
use twilio_webhook::report::MemoryLog;
use twilio_webhook::Verifier;

const PUBLIC_URL: &str = "https://api.example.com";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dsn_set = std::env::var("SENTRY_DSN").is_ok_and(|d| !d.trim().is_empty());
    // Without a DSN, keep what Sentry would receive in memory so the mapping is visible.
    let captured = (!dsn_set).then(TestTransport::new);
    let options = match &captured {
        Some(t) => observe::sentry_options()
            .dsn("https://public@sentry.invalid/1")
            .transport(t.clone()),
        None => observe::sentry_options(),
    };
    let guard = observe::init_with_sentry(Some(options));

    let log = Arc::new(MemoryLog::default());
    let tenant = StaticKeys::with_tenant_id(Verifier::new(demo::DEMO_TOKEN), "acme");
    let public_url = PublicUrl::base(PUBLIC_URL).expect("a valid base URL");
    let config = WebhookConfig::new(tenant, public_url).with_attempt_log(log.clone());

    let url = format!("{PUBLIC_URL}{}", demo::INCOMING_PATH);
    let params = demo::sample_incoming();
    let valid =
        twilio_webhook::compute_twilio_signature(&url, params.iter().copied(), demo::DEMO_TOKEN);
    let mut forged_params = params.clone();
    forged_params[3].1 = "Send the refund to account 1234";
    let body = |p: &[(&str, &str)]| serde_urlencoded::to_string(p).expect("strings encode");

    // The forged request reuses the signature of the genuine body.
    println!("--- forged request (expect 403)");
    let status = submit(&config, &valid, body(&forged_params).as_bytes()).await;
    println!("    -> {status}");
    println!("--- valid request (expect 200)");
    let status = submit(&config, &valid, body(&params).as_bytes()).await;
    println!("    -> {status}");

    println!("--- attempt log ({} records)", log.records().len());
    for r in log.records() {
        println!(
            "    {} {} {} reason={:?} ip={:?} headers={:?}",
            r.status, r.event_type, r.endpoint, r.reason, r.ip_address, r.headers
        );
    }

    match captured {
        Some(t) => {
            let events = t.fetch_and_clear_events();
            println!("--- Sentry events that would be sent ({}):", events.len());
            for e in events {
                println!("    level={:?} message={:?}", e.level, e.message);
                if let Some(sentry::protocol::Context::Other(fields)) =
                    e.contexts.get("Rust Tracing Fields")
                {
                    for (k, v) in fields {
                        println!("      {k} = {v}");
                    }
                }
            }
        }
        None => {
            drop(guard); // flushes the queue to Sentry
            println!("--- sent to Sentry");
        }
    }
}

/// What an adapter does with one request: precheck, body, check, status.
async fn submit(config: &WebhookConfig, signature: &str, body: &[u8]) -> u16 {
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("api.example.com"));
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert("user-agent", HeaderValue::from_static("TwilioProxy/1.1"));
    if let Ok(v) = HeaderValue::from_str(signature) {
        headers.insert("x-twilio-signature", v);
    }
    let parts = RequestParts {
        method: "POST",
        path_and_query: demo::INCOMING_PATH,
        headers: &headers,
        peer: Some(([203, 0, 113, 7], 40000).into()),
        framework_body_limit: None,
    };
    match config.verify(&parts, |_limit| async { Ok(body) }).await {
        Ok(verdict) => match verdict.into_run() {
            Ok(accepted) => {
                accepted.completion.complete(200, None, b"").await;
                200
            }
            Err(answer) => answer.status,
        },
        Err(e) => e.http_status(),
    }
}
