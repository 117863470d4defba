//! Voice payloads through the actix-web adapter, end to end: an actix-web server on a real
//! TCP socket, `TwilioWebhook<web::Form<T>>` for `POST` and `TwilioWebhook<web::Query<T>>`
//! for `GET` (actix's `Form` reads only bodies), the payload echoed as JSON. The same samples
//! and checks as the axum and hyper runs (`voice_support`).

mod voice_support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::de::DeserializeOwned;
use serde::Serialize;
use twilio_webhook::adapters::actix::TwilioWebhook;
use twilio_webhook::payload::{
    CallStatusCallback, GatherAction, IncomingCall, RecordingStatusCallback,
};
use twilio_webhook::pipeline::WebhookConfig;
use voice_support::*;

async fn echo_post<T: Serialize + DeserializeOwned + 'static>(
    handled: web::Data<AtomicUsize>,
    hook: TwilioWebhook<web::Form<T>>,
) -> HttpResponse {
    handled.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(&hook.payload.0)
}

async fn echo_get<T: Serialize + DeserializeOwned + 'static>(
    handled: web::Data<AtomicUsize>,
    hook: TwilioWebhook<web::Query<T>>,
) -> HttpResponse {
    handled.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(&hook.payload.0)
}

fn routes<T: Serialize + DeserializeOwned + 'static>(cfg: &mut web::ServiceConfig, kind: &str) {
    cfg.route(route_of(kind), web::post().to(echo_post::<T>))
        .route(route_of(kind), web::get().to(echo_get::<T>));
}

fn serve() -> (SocketAddr, web::Data<AtomicUsize>) {
    let config = web::Data::new(WebhookConfig::single_token(TOKEN, PUBLIC_BASE).unwrap());
    let handled = web::Data::new(AtomicUsize::new(0));
    let counter = handled.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(config.clone())
            .app_data(counter.clone())
            .configure(|c| routes::<IncomingCall>(c, "IncomingCall"))
            .configure(|c| routes::<CallStatusCallback>(c, "CallStatusCallback"))
            .configure(|c| routes::<GatherAction>(c, "GatherAction"))
            .configure(|c| routes::<RecordingStatusCallback>(c, "RecordingStatusCallback"))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    (addr, handled)
}

#[actix_web::test]
async fn every_sample_verifies_and_decodes_through_actix_as_post_and_get() {
    let (addr, handled) = serve();
    let sent = every_sample_as_post_and_get(addr).await;
    assert_eq!(handled.load(Ordering::SeqCst), sent);
}

#[actix_web::test]
async fn tampered_or_mismatched_voice_webhooks_never_reach_the_actix_handler() {
    let (addr, handled) = serve();
    tampered_requests_are_refused(addr).await;
    // Authentic but of another kind: actix's form rejection (400), naming the field.
    let (status, body) = recording_callback_to_the_status_route(addr).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("missing field `From`"), "{body}");
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}
