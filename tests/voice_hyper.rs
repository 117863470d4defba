//! Voice payloads through the hyper adapter, end to end: a hyper 1 server on a real TCP
//! socket, `adapters::hyper::verify_request` in its service, the typed payload decoded from
//! the verified body (`POST`) or the query string (`GET`) and echoed as JSON. The same
//! samples and checks as the axum and actix runs (`voice_support`).

mod voice_support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use twilio_webhook::adapters::hyper::verify_request;
use twilio_webhook::payload::{
    CallStatusCallback, GatherAction, IncomingCall, PayloadError, RecordingStatusCallback,
};
use twilio_webhook::pipeline::{response_text, WebhookConfig};
use voice_support::*;

fn to_json<T: Serialize>(decoded: Result<T, PayloadError>) -> (u16, Vec<u8>) {
    match decoded {
        Ok(value) => (200, serde_json::to_vec(&value).unwrap()),
        Err(e) => (422, e.to_string().into_bytes()),
    }
}

/// Verifies, then decodes the route's payload type from the body (POST) or the query (GET).
async fn handle(
    config: Arc<WebhookConfig>,
    handled: Arc<AtomicUsize>,
    req: http::Request<Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let kind = ROUTES
        .iter()
        .find(|(_, path)| *path == req.uri().path())
        .map(|(kind, _)| *kind);
    let (status, body) = match (kind, verify_request(&config, req).await) {
        (_, Err(e)) => (e.http_status(), response_text(e.http_status()).into()),
        (None, Ok(_)) => (404, b"Not Found".to_vec()),
        (Some(kind), Ok(verdict)) => {
            let (req, _verified, completion) = verdict.into_run().expect("no replay guard");
            let form = match req.uri().query() {
                Some(query) if req.method() == http::Method::GET => query.as_bytes().to_vec(),
                _ => req.into_body().collect().await.unwrap().to_bytes().to_vec(),
            };
            let (status, body) = match kind {
                "IncomingCall" => to_json(IncomingCall::from_form(&form)),
                "CallStatusCallback" => to_json(CallStatusCallback::from_form(&form)),
                "GatherAction" => to_json(GatherAction::from_form(&form)),
                _ => to_json(RecordingStatusCallback::from_form(&form)),
            };
            if status == 200 {
                handled.fetch_add(1, Ordering::SeqCst);
            }
            completion.complete(status, None, b"").await;
            (status, body)
        }
    };
    Ok(http::Response::builder()
        .status(status)
        .body(Full::new(Bytes::from(body)))
        .unwrap())
}

async fn serve() -> (SocketAddr, Arc<AtomicUsize>) {
    let config = Arc::new(WebhookConfig::single_token(TOKEN, PUBLIC_BASE).unwrap());
    let handled = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let counter = handled.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (config, counter) = (config.clone(), counter.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    handle(config.clone(), counter.clone(), req)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (addr, handled)
}

#[tokio::test]
async fn every_sample_verifies_and_decodes_through_hyper_as_post_and_get() {
    let (addr, handled) = serve().await;
    let sent = every_sample_as_post_and_get(addr).await;
    assert_eq!(handled.load(Ordering::SeqCst), sent);
}

#[tokio::test]
async fn tampered_or_mismatched_voice_webhooks_are_refused_through_hyper() {
    let (addr, handled) = serve().await;
    tampered_requests_are_refused(addr).await;
    let (status, body) = recording_callback_to_the_status_route(addr).await;
    assert_eq!(
        (status, body.as_str()),
        (422, "invalid webhook payload: missing field `From`")
    );
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}
