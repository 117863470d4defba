//! The two Twilio endpoints of a WhatsApp service (incoming messages, status callbacks) on
//! axum 0.8, verified by `TwilioWebhook`.
//!
//! ```sh
//! cargo run -p twilio-webhook-examples --example axum_server
//! ```
//!
//! It prints signed `curl` commands to try. Environment: `TWILIO_AUTH_TOKEN`, `PUBLIC_URL`
//! (the URL Twilio calls, without the path), `PORT` (3000), `BIND` (127.0.0.1),
//! `RUST_LOG`, `LOG_FORMAT=json`, `DATABASE_URL` / `WEBHOOK_LOG_DB` (the attempt log, see
//! `examples/src/attempt_log.rs`). SIGINT or SIGTERM stops it gracefully and flushes the log.
//! `REPLAY_STORE` selects the replay guard's store (see `examples/src/replay.rs`, also for
//! the test knobs `REPLAY_LEASE_MS`, `REPLAY_WAIT_MS`). `DEMO_TEST_HOOKS=1` is for tests
//! only (see `examples/src/test_hooks.rs`).

use twilio_webhook_examples::attempt_log;
use twilio_webhook_examples::demo;
use twilio_webhook_examples::observe;
use twilio_webhook_examples::replay;
use twilio_webhook_examples::test_hooks;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use twilio_webhook::adapters::axum::TwilioWebhook;
use twilio_webhook::pipeline::{PublicUrl, StaticKeys, WebhookConfig};
use twilio_webhook::Verifier;

type Params = Form<HashMap<String, String>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _guard = observe::init();
    let demo = demo::DemoConfig::from_env();
    let log = attempt_log::attempt_log().await?;

    let verifier = Verifier::builder()
        .auth_token(&demo.auth_token)
        .try_build()?;
    let config = WebhookConfig::new(
        StaticKeys::with_tenant_id(verifier, demo.tenant_id.as_str()),
        PublicUrl::base(&demo.public_url)?,
    )
    .with_attempt_log(log.sink.clone())
    .with_replay_guard(
        replay::guard()
            .await
            .map_err(|e| e as Box<dyn std::error::Error>)?,
    );

    let app = Router::new()
        .route(demo::INCOMING_PATH, post(incoming))
        .route(demo::STATUS_PATH, post(status))
        .with_state(Arc::new(config));

    let listener = tokio::net::TcpListener::bind(demo.addr()).await?;
    println!("{}", demo.banner("axum"));
    // ConnectInfo gives the attempt log the peer address.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(attempt_log::shutdown_signal())
    .await?;
    // Every request was answered: write what the sink still holds.
    log.shutdown().await;
    Ok(())
}

/// Incoming WhatsApp/SMS message: answered with empty TwiML (no reply message).
async fn incoming(headers: HeaderMap, hook: TwilioWebhook<Params>) -> Response {
    let Form(params) = &hook.payload;
    let sid = params.get("MessageSid").map(String::as_str);
    tracing::info!(
        message_sid = sid,
        idempotency_token = hook.verified.idempotency_token.as_deref(),
        "incoming message"
    );
    if let Some(failed) =
        test_hooks::on_run(demo::INCOMING_PATH, sid, None, header_of(&headers)).await
    {
        return fail(hook, failed).await;
    }
    let twiml = demo::EMPTY_TWIML;
    // Stores the reply for Twilio's retries of this delivery (the replay guard).
    hook.completion
        .complete(200, Some("text/xml"), twiml.as_bytes())
        .await;
    ([(header::CONTENT_TYPE, "text/xml")], twiml).into_response()
}

/// Message status callback: nothing to answer.
async fn status(headers: HeaderMap, hook: TwilioWebhook<Params>) -> Response {
    let Form(params) = &hook.payload;
    let sid = params.get("MessageSid").map(String::as_str);
    let message_status = params.get("MessageStatus").map(String::as_str);
    tracing::info!(message_sid = sid, message_status, "status callback");
    let hook_result =
        test_hooks::on_run(demo::STATUS_PATH, sid, message_status, header_of(&headers)).await;
    if let Some(failed) = hook_result {
        return fail(hook, failed).await;
    }
    hook.completion.complete(204, None, b"").await;
    StatusCode::NO_CONTENT.into_response()
}

/// A request header as text (for the test hooks).
fn header_of<'h>(headers: &'h HeaderMap) -> impl Fn(&str) -> Option<&'h str> + 'h {
    |name| headers.get(name).and_then(|v| v.to_str().ok())
}

/// The handler failed: the failure status releases the replay guard's claim, so that
/// Twilio's retry runs the handler again.
async fn fail(hook: TwilioWebhook<Params>, status: u16) -> Response {
    hook.completion.complete(status, None, b"").await;
    StatusCode::from_u16(status)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response()
}
