//! The two Twilio endpoints of a WhatsApp service (incoming messages, status callbacks) on actix-web 4, verified by this crate.
//!
//! ```text
//! cargo run -p twilio-webhook-examples --example actix_server
//! ```
//! Prints signed `curl` commands to try. `TWILIO_AUTH_TOKEN`, `PUBLIC_URL`, `PORT`, `BIND`
//! configure it (see `examples/src/demo.rs`); `RUST_LOG`, `LOG_FORMAT=json` the logs; `REPLAY_STORE`
//! the replay guard's store (see `examples/src/replay.rs`, also for the test knobs
//! `REPLAY_LEASE_MS`, `REPLAY_WAIT_MS`). `DEMO_TEST_HOOKS=1` is for tests only (see
//! `examples/src/test_hooks.rs`).
//!
//! It shows both ways in: the incoming-message route uses the `TwilioWebhook` extractor
//! with a typed form, the status-callback scope uses `TwilioWebhookMiddleware`.

use twilio_webhook_examples::attempt_log;
use twilio_webhook_examples::demo;
use twilio_webhook_examples::observe;
use twilio_webhook_examples::replay;
use twilio_webhook_examples::test_hooks;

use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde::Deserialize;
use twilio_webhook::adapters::actix::{TwilioWebhook, TwilioWebhookMiddleware};
use twilio_webhook::pipeline::{PublicUrl, StaticKeys, VerifiedRequest, WebhookConfig};
use twilio_webhook::Verifier;

/// The fields of an incoming message this demo reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Incoming {
    message_sid: String,
    from: String,
    body: String,
}

async fn incoming(req: HttpRequest, hook: TwilioWebhook<web::Form<Incoming>>) -> HttpResponse {
    tracing::info!(
        message_sid = %hook.payload.message_sid,
        from = %hook.payload.from,
        chars = hook.payload.body.chars().count(),
        idempotency_token = ?hook.verified.idempotency_token,
        "incoming message"
    );
    let sid = Some(hook.payload.message_sid.as_str());
    if let Some(failed) = test_hooks::on_run(demo::INCOMING_PATH, sid, None, header_of(&req)).await
    {
        // The failure status releases the replay guard's claim: Twilio's retry runs again.
        hook.completion.complete(failed, None, b"").await;
        return failure(failed);
    }
    // Stores the reply for Twilio's retries of this delivery (the replay guard).
    hook.completion
        .complete(200, Some("text/xml"), demo::EMPTY_TWIML.as_bytes())
        .await;
    HttpResponse::Ok()
        .content_type("text/xml")
        .body(demo::EMPTY_TWIML)
}

async fn status(
    req: HttpRequest,
    verified: web::ReqData<VerifiedRequest>,
    body: web::Bytes,
) -> HttpResponse {
    let status = form_urlencoded_field(&body, "MessageStatus");
    tracing::info!(
        message_status = status.as_deref().unwrap_or(""),
        idempotency_token = ?verified.idempotency_token,
        "status callback"
    );
    let sid = form_urlencoded_field(&body, "MessageSid");
    let hooked = test_hooks::on_run(
        demo::STATUS_PATH,
        sid.as_deref(),
        status.as_deref(),
        header_of(&req),
    )
    .await;
    // The middleware releases the replay guard's claim on a failure status.
    match hooked {
        Some(failed) => failure(failed),
        None => HttpResponse::NoContent().finish(),
    }
}

/// A request header as text (for the test hooks).
fn header_of<'h>(req: &'h HttpRequest) -> impl Fn(&str) -> Option<&'h str> + 'h {
    |name| req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn failure(status: u16) -> HttpResponse {
    HttpResponse::new(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let _guard = observe::init();
    let demo = demo::DemoConfig::from_env();
    let log = attempt_log::attempt_log()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let public_url = PublicUrl::base(&demo.public_url).unwrap_or_else(|e| {
        eprintln!("PUBLIC_URL {:?} is not usable: {e}", demo.public_url);
        std::process::exit(2);
    });
    let config = WebhookConfig::new(
        StaticKeys::with_tenant_id(
            Verifier::new(demo.auth_token.as_str()),
            demo.tenant_id.as_str(),
        ),
        public_url,
    )
    .with_body_limit(64 * 1024)
    .with_attempt_log(log.sink.clone())
    .with_replay_guard(replay::guard().await.unwrap_or_else(|e| {
        eprintln!("replay guard: {e}");
        std::process::exit(2);
    }));
    // The extractor finds its config in app_data; the middleware holds its own handle.
    let data = web::Data::new(config);
    let middleware = TwilioWebhookMiddleware::new(data.clone().into_inner());

    println!("{}", demo.banner("actix-web"));
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(demo::INCOMING_PATH, web::post().to(incoming))
            .service(
                web::scope(demo::STATUS_PATH)
                    .wrap(middleware.clone())
                    .route("", web::post().to(status)),
            )
    })
    .bind(demo.addr())?
    // actix stops gracefully on SIGINT and SIGTERM by itself: in-flight requests finish.
    .run()
    .await?;
    log.shutdown().await;
    Ok(())
}
