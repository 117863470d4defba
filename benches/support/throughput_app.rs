//! The app the throughput measurements load: two axum routes doing the same handler work
//! on the same form body, one of them behind `TwilioWebhook`. Shared by
//! `benches/tools/throughput_server.rs` (wrk, `benches/throughput/run.sh`),
//! `benches/adapter.rs` (criterion, in process) and `benches/tools/prof_adapter.rs` (callgrind).
//!
//! - `POST /plain`: no verification; `Form` still reads and decodes the whole body.
//! - `POST /verified`: `TwilioWebhook<Form<..>>`.
//!
//! No attempt log, replay guard or tracing subscriber unless the caller adds them to the
//! config (the throughput server does, on request): apart from verification both routes
//! do the same work, so the ratio of the two is the cost of the adapter alone.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Form, Router};
use twilio_webhook::adapters::axum::TwilioWebhook;
use twilio_webhook::pipeline::WebhookConfig;

type Params = Form<HashMap<String, String>>;

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

/// The router, verifying `/verified` with `token` against the public base URL `base`.
#[allow(dead_code)] // the throughput server builds its config itself (`app_with`)
pub(crate) fn app(token: &str, base: &str) -> Result<Router, twilio_webhook::Error> {
    Ok(app_with(WebhookConfig::single_token(token, base)?))
}

/// The router, verifying `/verified` with `config` (the throughput server adds an attempt
/// log or a replay guard to it).
pub(crate) fn app_with(config: WebhookConfig) -> Router {
    Router::new()
        .route("/plain", post(plain))
        .route("/verified", post(verified))
        .with_state(Arc::new(config))
}

/// The handler work both routes share: look at the decoded form, answer empty TwiML.
fn respond(params: &HashMap<String, String>) -> impl IntoResponse {
    // Touch a field so the decode cannot be considered dead work.
    std::hint::black_box(params.get("MessageSid"));
    ([(header::CONTENT_TYPE, "text/xml")], EMPTY_TWIML)
}

async fn plain(Form(params): Params) -> impl IntoResponse {
    respond(&params)
}

async fn verified(hook: TwilioWebhook<Params>) -> impl IntoResponse {
    let Form(params) = &hook.payload;
    let response = respond(params);
    // With a replay guard this stores the answer for repeats; without one it does nothing.
    hook.completion
        .complete(200, Some("text/xml"), EMPTY_TWIML.as_bytes())
        .await;
    response
}
