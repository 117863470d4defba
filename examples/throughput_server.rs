//! The server `benches/throughput/run.sh` loads with wrk: one axum 0.8 app, two routes that
//! do the same handler work on the same form body, one of them behind `TwilioWebhook`.
//!
//! ```sh
//! TWILIO_AUTH_TOKEN=... PORT=3000 WORKERS=1 \
//!   cargo run --release --example throughput_server --features axum
//! ```
//!
//! - `POST /plain`: no verification; `Form` still reads and decodes the whole body.
//! - `POST /verified`: `TwilioWebhook<Form<..>>`, public URL `http://127.0.0.1:PORT`.
//!
//! Environment: `TWILIO_AUTH_TOKEN` (required), `PORT` (3000), `WORKERS` (tokio worker
//! threads, 1 so the server can be pinned to one core with `taskset`).
//!
//! No attempt log and no tracing subscriber: apart from verification both routes do the
//! same work, so the rps ratio is the cost of the layer alone.

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

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = env_or("PORT", 3000);
    let workers: usize = env_or("WORKERS", 1);
    // No default token: a benchmark signed with one token and served with another would
    // measure 403s.
    let token = std::env::var("TWILIO_AUTH_TOKEN")
        .map_err(|_| "TWILIO_AUTH_TOKEN must be set (run.sh takes it from the workload)")?;
    let config = WebhookConfig::single_token(&token, &format!("http://127.0.0.1:{port}"))?;

    let app = Router::new()
        .route("/plain", post(plain))
        .route("/verified", post(verified))
        .with_state(Arc::new(config));

    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            // run.sh waits for this line before loading the server.
            println!("throughput_server listening on 127.0.0.1:{port} with {workers} worker(s)");
            axum::serve(listener, app).await?;
            Ok(())
        })
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
    respond(params)
}
