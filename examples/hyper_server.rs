//! The demo server on hyper 1 + tower: the two Twilio endpoints of a WhatsApp service (incoming messages, status callbacks) behind
//! `TwilioWebhookLayer`.
//!
//! ```sh
//! cargo run -p twilio-webhook-examples --example hyper_server
//! ```
//!
//! It prints signed `curl` commands to try. Environment: `TWILIO_AUTH_TOKEN`, `PUBLIC_URL`
//! (what Twilio calls, e.g. your tunnel's https URL), `PORT` (3000), `BIND` (127.0.0.1),
//! `RUST_LOG`, `LOG_FORMAT=json`, `REPLAY_STORE` (see `examples/src/replay.rs`).

use twilio_webhook_examples::attempt_log;
use twilio_webhook_examples::demo;
use twilio_webhook_examples::observe;
use twilio_webhook_examples::replay;

use std::convert::Infallible;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tower::{Layer, ServiceExt};
use twilio_webhook::adapters::hyper::TwilioWebhookLayer;
use twilio_webhook::pipeline::{PublicUrl, StaticKeys, VerifiedRequest, WebhookConfig};
use twilio_webhook::Verifier;

/// Runs only for verified requests: the layer answered everything else.
async fn route(req: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, Infallible> {
    if let Some(v) = req.extensions().get::<VerifiedRequest>() {
        tracing::info!(
            path = req.uri().path(),
            idempotency_token = v.idempotency_token.as_deref(),
            "verified webhook"
        );
    }
    let res = match (req.method(), req.uri().path()) {
        (&Method::POST, demo::INCOMING_PATH) => Response::builder()
            .header(http::header::CONTENT_TYPE, "text/xml")
            .body(Full::from(demo::EMPTY_TWIML)),
        (&Method::POST, demo::STATUS_PATH) => Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Full::default()),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::default()),
    };
    Ok(res.expect("static response parts are valid"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _guard = observe::init();
    let demo = demo::DemoConfig::from_env();
    let log = attempt_log::attempt_log().await?;
    let config = WebhookConfig::new(
        StaticKeys::with_tenant_id(
            Verifier::builder()
                .auth_token(demo.auth_token.as_str())
                .try_build()?,
            demo.tenant_id.as_str(),
        ),
        PublicUrl::base(&demo.public_url)?,
    )
    .with_attempt_log(log.sink.clone())
    .with_replay_guard(
        replay::guard()
            .await
            .map_err(|e| e as Box<dyn std::error::Error>)?,
    );
    let app = TwilioWebhookLayer::new(config).layer(tower::service_fn(route));

    let listener = tokio::net::TcpListener::bind(demo.addr()).await?;
    println!("{}", demo.banner("hyper"));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let signal = attempt_log::shutdown_signal();
    tokio::pin!(signal);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => accepted?,
            () = &mut signal => break,
        };
        let app = app.clone();
        // hyper serves `hyper::service::Service`; the tower service is called per request,
        // with the peer address where the layer looks for it.
        let svc = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(peer);
            app.clone().oneshot(req)
        });
        let conn =
            hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
        // Watched: on shutdown, idle connections close and in-flight requests finish.
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    if tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10 s; stopping anyway");
    }
    log.shutdown().await;
    Ok(())
}
