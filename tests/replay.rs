//! The replay guard wired into every adapter path (axum extractor and middleware, the tower
//! layer, actix extractor and middleware, hyper's `verify_request`), with the in-memory
//! store: the first delivery runs the handler, an identical repeat gets the first response
//! without running it, a failed or dropped first delivery leaves the retry to run it, and
//! distinct deliveries sharing a `MessageSid` both run.
//!
//! Each test also runs its scenario once without a guard where that tells the wiring
//! apart (the handler then runs for every repeat).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{test as actix_test, web};
use axum::{middleware::from_fn_with_state, routing::post, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tower::{Layer, ServiceExt};
use twilio_webhook::adapters::{actix as tw_actix, axum as tw_axum, hyper as tw_hyper};
use twilio_webhook::guard::{Guard, GuardConfig, GuardMode, MemoryStore};
use twilio_webhook::pipeline::{Delivery, Verdict, WebhookConfig};
use twilio_webhook::report::{AttemptStatus, MemoryLog};
use twilio_webhook::testing::SignedRequest;

const TOKEN: &str = "12345";
const ROUTE: &str = "/twilio";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    AxumExtractor,
    AxumMiddleware,
    TowerLayer,
    ActixExtractor,
    ActixMiddleware,
    Hyper,
}

const ALL: [Path; 6] = [
    Path::AxumExtractor,
    Path::AxumMiddleware,
    Path::TowerLayer,
    Path::ActixExtractor,
    Path::ActixMiddleware,
    Path::Hyper,
];

/// Paths where the handler holds the completion (and can drop it).
const EXTRACTORS: [Path; 3] = [Path::AxumExtractor, Path::ActixExtractor, Path::Hyper];

/// What the handler answers next.
#[derive(Clone)]
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    /// Extractor paths: complete the completion (else drop it).
    complete: bool,
}

impl Reply {
    fn twiml(body: &str) -> Self {
        Reply {
            status: 200,
            content_type: "text/xml",
            body: body.as_bytes().to_vec(),
            complete: true,
        }
    }
}

/// What the client got.
#[derive(Debug, PartialEq, Eq)]
struct Got {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

struct App {
    path: Path,
    config: Arc<WebhookConfig>,
    log: Arc<MemoryLog>,
    runs: Arc<AtomicUsize>,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    reply: Arc<Mutex<Reply>>,
}

impl App {
    fn new(path: Path, guard: Option<GuardConfig>) -> Self {
        let log = Arc::new(MemoryLog::default());
        let mut config = WebhookConfig::single_token(TOKEN, "https://example.com")
            .unwrap()
            .with_attempt_log(log.clone());
        if let Some(g) = guard {
            config = config.with_replay_guard(Guard::new(MemoryStore::new(1000), g).unwrap());
        }
        App {
            path,
            config: Arc::new(config),
            log,
            runs: Arc::default(),
            deliveries: Arc::default(),
            reply: Arc::new(Mutex::new(Reply::twiml("<Response/>"))),
        }
    }

    fn guarded(path: Path) -> Self {
        App::new(path, Some(GuardConfig::default()))
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    fn answer(&self, r: Reply) {
        *self.reply.lock().unwrap() = r;
    }

    /// The handler: counts, records the delivery, answers the current reply.
    fn handle(&self, delivery: Delivery) -> Reply {
        self.runs.fetch_add(1, Ordering::SeqCst);
        self.deliveries.lock().unwrap().push(delivery);
        self.reply.lock().unwrap().clone()
    }

    async fn send(self: &Arc<Self>, req: &SignedRequest) -> Got {
        match self.path {
            Path::AxumExtractor => {
                let app = self.clone();
                let router = Router::new()
                    .route(
                        ROUTE,
                        post(move |hook: tw_axum::TwilioWebhook<Bytes>| async move {
                            let r = app.handle(hook.verified.delivery);
                            if r.complete {
                                let ct = Some(r.content_type);
                                hook.completion.complete(r.status, ct, &r.body).await;
                            }
                            http_response(&r)
                        }),
                    )
                    .with_state(self.config.clone());
                collect(
                    router
                        .oneshot(req.http_request::<axum::body::Body>().unwrap())
                        .await
                        .unwrap(),
                )
                .await
            }
            Path::AxumMiddleware => {
                let app = self.clone();
                let router: Router = Router::new()
                    .route(
                        ROUTE,
                        post(
                            move |tw_axum::TwilioVerified(v): tw_axum::TwilioVerified| async move {
                                http_response(&app.handle(v.delivery))
                            },
                        ),
                    )
                    .route_layer(from_fn_with_state(
                        self.config.clone(),
                        tw_axum::verify_twilio,
                    ));
                collect(
                    router
                        .oneshot(req.http_request::<axum::body::Body>().unwrap())
                        .await
                        .unwrap(),
                )
                .await
            }
            Path::TowerLayer => {
                let app = self.clone();
                let svc = tw_hyper::TwilioWebhookLayer::new(self.config.clone()).layer(
                    tower::service_fn(move |r: http::Request<Full<Bytes>>| {
                        let app = app.clone();
                        async move {
                            let v = r
                                .extensions()
                                .get::<twilio_webhook::pipeline::VerifiedRequest>();
                            let reply = app.handle(v.unwrap().delivery);
                            Ok::<_, std::convert::Infallible>(http_response(&reply))
                        }
                    }),
                );
                let req: http::Request<Full<Bytes>> = req.http_request().unwrap();
                collect(svc.oneshot(req).await.unwrap()).await
            }
            Path::Hyper => {
                let req: http::Request<Full<Bytes>> = req.http_request().unwrap();
                match tw_hyper::verify_request(&self.config, req).await {
                    Ok(Verdict::Run((_req, verified, completion))) => {
                        let r = self.handle(verified.delivery);
                        if r.complete {
                            completion
                                .complete(r.status, Some(r.content_type), &r.body)
                                .await;
                        }
                        collect(http_response(&r)).await
                    }
                    Ok(Verdict::Answer(a)) => collect(tw_hyper::answer_response(a)).await,
                    Err(e) => collect(tw_hyper::error_response(&e)).await,
                }
            }
            Path::ActixExtractor => {
                let app = self.clone();
                let handler = move |hook: tw_actix::TwilioWebhook<web::Bytes>| {
                    let app = app.clone();
                    async move {
                        let r = app.handle(hook.verified.delivery);
                        if r.complete {
                            let ct = Some(r.content_type);
                            hook.completion.complete(r.status, ct, &r.body).await;
                        }
                        actix_response(&r)
                    }
                };
                let svc = actix_test::init_service(
                    actix_web::App::new()
                        .app_data(web::Data::from(self.config.clone()))
                        .route(ROUTE, web::post().to(handler)),
                )
                .await;
                actix_collect(
                    actix_test::call_service(&svc, req.actix_request().unwrap().to_request()).await,
                )
                .await
            }
            Path::ActixMiddleware => {
                let app = self.clone();
                let handler = move |v: web::ReqData<twilio_webhook::pipeline::VerifiedRequest>| {
                    let app = app.clone();
                    async move { actix_response(&app.handle(v.delivery)) }
                };
                let svc = actix_test::init_service(
                    actix_web::App::new()
                        .wrap(tw_actix::TwilioWebhookMiddleware::new(self.config.clone()))
                        .route(ROUTE, web::post().to(handler)),
                )
                .await;
                actix_collect(
                    actix_test::call_service(&svc, req.actix_request().unwrap().to_request()).await,
                )
                .await
            }
        }
    }
}

fn http_response(r: &Reply) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(r.status)
        .header("content-type", r.content_type)
        .body(Full::new(Bytes::from(r.body.clone())))
        .unwrap()
}

fn actix_response(r: &Reply) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(actix_web::http::StatusCode::from_u16(r.status).unwrap())
        .content_type(r.content_type)
        .body(r.body.clone())
}

async fn collect<B>(res: http::Response<B>) -> Got
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Got {
        status,
        content_type,
        body,
    }
}

async fn actix_collect<B: actix_web::body::MessageBody>(
    res: actix_web::dev::ServiceResponse<B>,
) -> Got {
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = actix_test::read_body(res).await.to_vec();
    Got {
        status,
        content_type,
        body,
    }
}

fn message() -> SignedRequest {
    SignedRequest::incoming_message().auth_token(TOKEN)
}

fn twiml(body: &str) -> Got {
    Got {
        status: 200,
        content_type: Some("text/xml".into()),
        body: body.as_bytes().to_vec(),
    }
}

#[actix_web::test]
async fn a_repeat_gets_the_first_response_without_running_the_handler() {
    const REPLY: &str = "<Response><Message>thanks</Message></Response>";
    for path in ALL {
        let app = Arc::new(App::guarded(path));
        app.answer(Reply::twiml(REPLY));
        assert_eq!(app.send(&message()).await, twiml(REPLY), "{path:?}");
        assert_eq!(app.runs(), 1, "{path:?}");
        // The handler would now answer something else: the repeat must not reach it.
        app.answer(Reply::twiml("<Response/>"));
        assert_eq!(app.send(&message()).await, twiml(REPLY), "{path:?}");
        assert_eq!(app.runs(), 1, "{path:?}: the repeat ran the handler");
        assert_eq!(
            app.deliveries.lock().unwrap()[0],
            Delivery::First,
            "{path:?}"
        );

        let records = app.log.records();
        let types: Vec<_> = records.iter().map(|r| (r.event_type, r.status)).collect();
        assert_eq!(
            types,
            [
                ("webhook_signature_verified", AttemptStatus::Success),
                ("duplicate_webhook", AttemptStatus::Success)
            ],
            "{path:?}"
        );
    }
}

#[actix_web::test]
async fn without_a_guard_every_repeat_runs_the_handler() {
    for path in ALL {
        let app = Arc::new(App::new(path, None));
        app.send(&message()).await;
        app.send(&message()).await;
        assert_eq!(app.runs(), 2, "{path:?}");
        assert_eq!(
            app.deliveries.lock().unwrap()[1],
            Delivery::Unguarded,
            "{path:?}"
        );
    }
}

#[actix_web::test]
async fn a_failed_first_delivery_leaves_the_retry_to_run_the_handler() {
    for path in ALL {
        let app = Arc::new(App::guarded(path));
        app.answer(Reply {
            status: 500,
            ..Reply::twiml("")
        });
        assert_eq!(app.send(&message()).await.status, 500, "{path:?}");
        app.answer(Reply::twiml("<Response/>"));
        assert_eq!(app.send(&message()).await, twiml("<Response/>"), "{path:?}");
        assert_eq!(
            app.runs(),
            2,
            "{path:?}: the retry of a failed delivery did not run"
        );
        // The retry completed: the next repeat is a duplicate.
        app.send(&message()).await;
        assert_eq!(app.runs(), 2, "{path:?}");
    }
}

#[actix_web::test]
async fn a_dropped_completion_releases_the_claim() {
    for path in EXTRACTORS {
        let app = Arc::new(App::guarded(path));
        app.answer(Reply {
            complete: false,
            ..Reply::twiml("<Response/>")
        });
        app.send(&message()).await;
        // The release runs on the runtime after the drop; the retry waits for it (polling
        // the store), then runs the handler.
        app.answer(Reply::twiml("<Response/>"));
        assert_eq!(app.send(&message()).await, twiml("<Response/>"), "{path:?}");
        assert_eq!(
            app.runs(),
            2,
            "{path:?}: a dropped completion kept the claim"
        );
        // The retry completed: the guard is on, and the next repeat is a duplicate.
        app.send(&message()).await;
        assert_eq!(app.runs(), 2, "{path:?}");
    }
}

#[actix_web::test]
async fn distinct_deliveries_sharing_a_message_sid_both_run() {
    for path in ALL {
        let app = Arc::new(App::guarded(path));
        let status = |s: &str| {
            SignedRequest::status_callback()
                .message_status(s)
                .auth_token(TOKEN)
        };
        app.send(&status("sent")).await;
        app.send(&status("delivered")).await;
        assert_eq!(app.runs(), 2, "{path:?}");
        app.send(&status("delivered")).await;
        assert_eq!(app.runs(), 2, "{path:?}: the repeat of `delivered` ran");
    }
}

#[actix_web::test]
async fn a_response_over_the_cap_goes_out_whole_and_the_repeat_gets_its_status() {
    let long = "x".repeat(100);
    for path in ALL {
        let app = Arc::new(App::new(
            path,
            Some(GuardConfig::default().with_response_cap(16)),
        ));
        app.answer(Reply::twiml(&long));
        assert_eq!(app.send(&message()).await, twiml(&long), "{path:?}");
        let repeat = app.send(&message()).await;
        assert_eq!(repeat, twiml(""), "{path:?}");
        assert_eq!(app.runs(), 1, "{path:?}");
    }
}

#[actix_web::test]
async fn pass_through_runs_the_repeat_and_tells_the_handler() {
    for path in ALL {
        let config = GuardConfig::default().with_mode(GuardMode::PassThrough);
        let app = Arc::new(App::new(path, Some(config)));
        app.send(&message()).await;
        app.send(&message()).await;
        assert_eq!(app.runs(), 2, "{path:?}");
        let deliveries = app.deliveries.lock().unwrap().clone();
        assert_eq!(deliveries[0], Delivery::First, "{path:?}");
        assert!(
            matches!(
                deliveries[1],
                Delivery::Repeat {
                    completed: true,
                    ..
                }
            ),
            "{path:?}: {deliveries:?}"
        );
        let types: Vec<_> = app.log.records().iter().map(|r| r.event_type).collect();
        assert_eq!(
            types,
            ["webhook_signature_verified", "duplicate_webhook"],
            "{path:?}"
        );
    }
}

#[actix_web::test]
async fn a_repeat_while_the_first_runs_gets_the_in_progress_status() {
    let config = GuardConfig::default().with_wait(std::time::Duration::ZERO);
    let app = Arc::new(App::new(Path::Hyper, Some(config)));
    let first = message().http_request::<Full<Bytes>>().unwrap();
    let Ok(Verdict::Run((_req, _v, completion))) =
        tw_hyper::verify_request(&app.config, first).await
    else {
        panic!("the first delivery runs");
    };
    // The first delivery is still running (its completion is held): the repeat waits no
    // longer than configured, and is answered 503 without running a handler.
    let repeat = message().http_request::<Full<Bytes>>().unwrap();
    match tw_hyper::verify_request(&app.config, repeat).await {
        Ok(Verdict::Answer(a)) => {
            assert_eq!((a.status, a.body.len()), (503, 0));
            assert!(a.first_seen.is_some());
        }
        other => panic!("{other:?}"),
    }
    let records = app.log.records();
    assert_eq!(records[1].event_type, "duplicate_webhook_in_progress");
    assert_eq!(records[1].status, AttemptStatus::Success);
    completion
        .complete(200, Some("text/xml"), b"<Response/>")
        .await;
    let again = message().http_request::<Full<Bytes>>().unwrap();
    match tw_hyper::verify_request(&app.config, again).await {
        Ok(Verdict::Answer(a)) => assert_eq!(a.body, b"<Response/>"),
        other => panic!("{other:?}"),
    }
}

#[actix_web::test]
async fn a_store_failure_under_the_refuse_policy_is_a_503_and_an_error_row() {
    use twilio_webhook::guard::StoreErrorPolicy;
    let log = Arc::new(MemoryLog::default());
    // Capacity 1: the first delivery fills the store, a second one fails it.
    let guard = Guard::new(
        MemoryStore::new(1),
        GuardConfig::default().with_store_errors(StoreErrorPolicy::Refuse),
    )
    .unwrap();
    let config = WebhookConfig::single_token(TOKEN, "https://example.com")
        .unwrap()
        .with_attempt_log(log.clone())
        .with_replay_guard(guard);
    let first = message().http_request::<Full<Bytes>>().unwrap();
    let Ok(Verdict::Run((_req, _v, _held))) = tw_hyper::verify_request(&config, first).await else {
        panic!("the first delivery runs");
    };
    let other = message()
        .set_param("Body", "another")
        .http_request::<Full<Bytes>>()
        .unwrap();
    match tw_hyper::verify_request(&config, other).await {
        Ok(Verdict::Answer(a)) => {
            let got = collect(tw_hyper::answer_response(a)).await;
            assert_eq!(got.status, 503);
            assert_eq!(got.body, b"Service Unavailable");
        }
        other => panic!("{other:?}"),
    }
    let last = log.records().pop().unwrap();
    assert_eq!(
        (last.event_type, last.status),
        ("webhook_guard_error", AttemptStatus::Error)
    );
}

/// A repeat's attempt keeps its payload under the refused-payload policy (a 2 KiB prefix,
/// the whole length and hash): a replay flood must not fill the log with full bodies.
#[actix_web::test]
async fn a_repeat_is_logged_with_the_refused_payload_policy() {
    let big = "x".repeat(5000);
    for path in ALL {
        let app = Arc::new(App::guarded(path));
        app.answer(Reply::twiml("<Response/>"));
        let req = message().body(&big);
        app.send(&req).await;
        app.send(&req).await;
        let records = app.log.records();
        assert_eq!(records.len(), 2, "{path:?}");
        let (first, repeat) = (&records[0], &records[1]);
        assert_eq!(repeat.event_type, "duplicate_webhook", "{path:?}");
        assert!(
            first.payload.len() > 5000,
            "{path:?}: the first keeps the whole body"
        );
        assert!(
            repeat.payload.len() <= 2048,
            "{path:?}: the repeat stored {} bytes",
            repeat.payload.len()
        );
        assert_eq!(repeat.payload_len, first.payload_len, "{path:?}");
        assert_eq!(repeat.payload_sha256, first.payload_sha256, "{path:?}");
    }
}
