//! The guard's security events: names, levels, the crate's field schema, and no response
//! body or MAC in any field.

mod report_support;

use std::time::Duration;

use report_support::{capture, config, encode, params, scoped_subscriber, security, sign, Req};
use tracing::Level;
use twilio_webhook::guard::{Claim, Guard, GuardConfig, MemoryStore, StoreErrorPolicy};

const BODY: &[u8] = b"<Response><Message>your code is 4921</Message></Response>";

#[tokio::test]
async fn repeats_are_info_events_and_store_failures_are_alerts() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);

    let g = Guard::new(
        MemoryStore::new(1),
        GuardConfig::default()
            .with_wait(Duration::ZERO)
            .with_store_errors(StoreErrorPolicy::Refuse),
    )
    .unwrap();
    let mac = b"mac-bytes-not-for-logs";
    let Claim::First(h) = g.claim(Some("acme"), mac).await else {
        panic!("first")
    };
    assert!(matches!(
        g.claim(Some("acme"), mac).await,
        Claim::InProgress(_)
    ));
    h.complete(200, Some("text/xml"), BODY).await.unwrap();
    assert!(matches!(
        g.claim(Some("acme"), mac).await,
        Claim::Duplicate(_)
    ));
    // Capacity 1: a second delivery fails the store, and the policy refuses it.
    assert!(matches!(
        g.claim(Some("acme"), b"other").await,
        Claim::Refused(_)
    ));

    let seen = security(&events);
    let names: Vec<_> = seen.iter().map(|e| (e.name.as_str(), e.level)).collect();
    assert_eq!(
        names,
        [
            ("duplicate_webhook_in_progress", Level::INFO),
            ("duplicate_webhook", Level::INFO),
            ("webhook_guard_error", Level::ERROR),
        ]
    );
    let dup = &seen[1];
    assert_eq!(dup.field("event_type"), Some("duplicate_webhook"));
    assert_eq!(dup.field("provider"), Some("twilio"));
    assert_eq!(dup.field("tenant_id"), Some("acme"));
    assert_eq!(dup.field("status"), Some("success"));
    assert_eq!(dup.field("response_status"), Some("200"));
    assert!(dup
        .field("first_seen")
        .is_some_and(|t| t.parse::<u64>().is_ok()));
    assert_eq!(seen[0].field("response_status"), Some("503"));

    let err = &seen[2];
    assert_eq!(err.field("operation"), Some("claim"));
    assert_eq!(err.field("policy"), Some("refuse"));
    assert_eq!(err.field("status"), Some("error"));
    assert!(err.field("reason").is_some_and(|r| r.contains("full")));

    for e in &seen {
        for v in e.fields.values() {
            assert!(!v.contains("4921") && !v.contains("mac-bytes"), "{e:?}");
        }
    }
}

#[tokio::test]
async fn a_let_through_store_failure_is_reported_with_its_policy() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let g = Guard::new(MemoryStore::new(1), GuardConfig::default()).unwrap();
    let Claim::First(h) = g.claim(None, b"a").await else {
        panic!("first")
    };
    h.complete(204, None, b"").await.unwrap();
    assert!(matches!(g.claim(None, b"a").await, Claim::Duplicate(_)));
    assert!(matches!(g.claim(None, b"b").await, Claim::Unguarded(_)));
    let seen = security(&events);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].name, "duplicate_webhook");
    // `error` level on the security target: `report::is_alert` makes it a Sentry event.
    assert_eq!(
        (seen[1].name.as_str(), seen[1].level),
        ("webhook_guard_error", Level::ERROR)
    );
    assert_eq!(seen[1].field("policy"), Some("let_through"));
}

/// Through the pipeline: a repeat's event is the guard's `duplicate_webhook`, not a second
/// `webhook_signature_verified`, and its attempt is `success` with the duplicate's type.
#[tokio::test]
async fn a_repeat_through_the_pipeline_is_one_duplicate_event() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let log = std::sync::Arc::new(twilio_webhook::report::MemoryLog::default());
    let guarded = config()
        .with_attempt_log(log.clone())
        .with_replay_guard(Guard::new(MemoryStore::new(10), GuardConfig::default()).unwrap());
    let p = params("hi");
    let req = Req::form(encode(&p), Some(&sign(&p)));
    assert!(req.send_guarded(&guarded).await.unwrap().is_some());
    assert!(req.send_guarded(&guarded).await.unwrap().is_none());

    let seen = security(&events);
    let names: Vec<_> = seen.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["webhook_signature_verified", "duplicate_webhook"]);
    let rows: Vec<_> = log
        .records()
        .iter()
        .map(|r| (r.event_type, r.status.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            ("webhook_signature_verified", "success"),
            ("duplicate_webhook", "success")
        ]
    );
}

/// A handler that outlives its lease fails its completion (compare-and-set: another
/// request took the delivery over meanwhile). That is reported twice: the guard's
/// `webhook_guard_error` event (operation `complete`), and a record of its own in the
/// attempt log, status `error`, with the reason.
#[tokio::test]
async fn a_completion_that_lost_its_lease_is_an_error_event_and_an_error_row() {
    use twilio_webhook::pipeline::{RequestParts, Verdict};
    use twilio_webhook::report::{AttemptStatus, MemoryLog};

    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let log = std::sync::Arc::new(MemoryLog::default());
    let guard = Guard::new(
        MemoryStore::new(10),
        GuardConfig::default()
            .with_lease(Duration::from_millis(20))
            .with_wait(Duration::ZERO),
    )
    .unwrap();
    let guarded = config()
        .with_attempt_log(log.clone())
        .with_replay_guard(guard);
    let p = params("hi");
    let req = Req::form(encode(&p), Some(&sign(&p))).header("i-twilio-idempotency-token", "idem-1");
    let verify = || async {
        let parts = RequestParts {
            method: "POST",
            path_and_query: &req.path_and_query,
            headers: &req.headers,
            peer: req.peer,
            framework_body_limit: None,
        };
        guarded
            .verify(&parts, |_limit| async { Ok(req.body.clone()) })
            .await
            .unwrap()
    };
    let Verdict::Run(slow) = verify().await else {
        panic!("the first delivery runs");
    };
    // The slow handler still holds its claim; once its lease lapsed, Twilio's retry takes
    // the delivery over (until then it is answered as in progress).
    let mut takeover = None;
    for _ in 0..1000 {
        match verify().await {
            Verdict::Run(accepted) => {
                takeover = Some(accepted);
                break;
            }
            Verdict::Answer(a) => assert_eq!(a.status, 503),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let takeover = takeover.expect("the lease lapsed and the retry took the delivery over");
    slow.completion
        .complete(200, Some("text/xml"), b"<Response>slow</Response>")
        .await;
    takeover
        .completion
        .complete(200, Some("text/xml"), b"<Response/>")
        .await;

    let lost = security(&events)
        .into_iter()
        .filter(|e| e.name == "webhook_guard_error")
        .collect::<Vec<_>>();
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(lost[0].level, Level::ERROR);
    assert_eq!(lost[0].field("operation"), Some("complete"));
    assert_eq!(lost[0].field("tenant_id"), Some("acme"));
    assert!(lost[0].field("reason").is_some_and(|r| r.contains("lease")));

    let records = log.records();
    let errors: Vec<_> = records
        .iter()
        .filter(|r| r.event_type == "webhook_guard_error")
        .collect();
    assert_eq!(errors.len(), 1, "{records:?}");
    let row = errors[0];
    assert_eq!(row.status, AttemptStatus::Error);
    assert!(
        row.reason.as_deref().is_some_and(|r| r.contains("lease")),
        "{row:?}"
    );
    assert_eq!(row.tenant_id.as_deref(), Some("acme"));
    assert_eq!(row.endpoint, "/v1/webhooks/twilio");
    assert_eq!(row.idempotency_token.as_deref(), Some("idem-1"));
    assert_eq!(row.ip_address.as_deref(), Some("203.0.113.7"));
    assert!(row.payload.is_empty() && row.headers.is_empty(), "{row:?}");
    // The takeover completed: a repeat now gets its response, not the slow one's.
    let Verdict::Answer(repeat) = verify().await else {
        panic!("a repeat is answered");
    };
    assert_eq!(repeat.body, b"<Response/>");
}
