//! The non-blocking attempt sink with stores that are slow, down, or refuse a record: the
//! verdicts never wait, drops are counted and reported, queued records are written once the
//! store is back, and shutdown writes what was queued. No timing is asserted: the tests
//! poll counters.
#![cfg(all(feature = "sink", feature = "tracing", feature = "http"))]

#[path = "report_support/mod.rs"]
mod report_support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use report_support::*;
use tokio::sync::Semaphore;
use twilio_webhook::pipeline::BoxFuture;
use twilio_webhook::report::{
    AttemptRecord, AttemptSink, AttemptStore, MemoryStore, SinkConfig, SinkError, StoreError,
};

/// Polls `cond` every 10 ms, for at most 30 s.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("gave up waiting for {what}");
}

fn fast() -> SinkConfig {
    SinkConfig {
        batch_delay: Duration::from_millis(1),
        retry_initial: Duration::from_millis(5),
        retry_max: Duration::from_millis(20),
        ..SinkConfig::default()
    }
}

/// A store whose writes wait for a permit: a store as slow as the test wants.
struct Gated {
    permits: Semaphore,
    inner: MemoryStore,
}

impl AttemptStore for Gated {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.permits.acquire().await.unwrap().forget();
            self.inner.write(batch).await
        })
    }
}

/// A store that is down until `up` is set.
#[derive(Default)]
struct Flaky {
    up: AtomicBool,
    failures: AtomicUsize,
    inner: MemoryStore,
}

impl AttemptStore for Flaky {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            if !self.up.load(Ordering::SeqCst) {
                self.failures.fetch_add(1, Ordering::SeqCst);
                return Err(StoreError::retryable("connection refused"));
            }
            self.inner.write(batch).await
        })
    }
}

async fn send_forged(config: &twilio_webhook::pipeline::WebhookConfig, n: usize) {
    for _ in 0..n {
        let req = Req::form(encode(&params("x")), Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        assert!(req.send(config).await.is_err(), "verdict unaffected");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_overflow_drops_records_never_requests_and_reports_once_a_second() {
    let (subscriber, events) = capture();
    let _guard = scoped_subscriber(subscriber);
    let store = Arc::new(Gated {
        permits: Semaphore::new(0),
        inner: MemoryStore::default(),
    });
    let config = SinkConfig {
        capacity: 8,
        batch_size: 8,
        ..fast()
    };
    let (sink, writer) = AttemptSink::spawn(store.clone(), config);
    let webhook = report_support::config().with_attempt_log(sink.clone());

    // The store takes nothing: at most the queue (8) and one batch in hand (8) are kept.
    send_forged(&webhook, 100).await;
    let stats = sink.stats();
    assert_eq!(stats.offered, 100);
    assert!(stats.dropped >= 100 - 16, "{stats:?}");
    let dropped = stats.dropped;

    // Let the store go: what was kept is written, nothing more is dropped.
    store.permits.add_permits(1000);
    until("queued records written", || {
        let s = sink.stats();
        s.written + s.dropped == 100
    })
    .await;
    assert_eq!(sink.stats().dropped, dropped);
    assert_eq!(store.inner.records().len() as u64, 100 - dropped);

    // Reported, with the count, and not once per drop.
    let stats = writer.shutdown(Duration::from_secs(30)).await.unwrap();
    assert_eq!(stats.dropped, dropped);
    let reports: Vec<_> = security(&events)
        .into_iter()
        .filter(|e| e.name == "webhook_log_dropped")
        .collect();
    assert!(!reports.is_empty());
    assert!(
        reports.len() <= 3,
        "{} events for {dropped} drops",
        reports.len()
    );
    let counted: u64 = reports
        .iter()
        .map(|e| e.field("dropped").unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(counted, dropped, "every drop reported once");
    assert_eq!(
        reports.last().unwrap().field("dropped_total"),
        Some(dropped.to_string().as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_is_down_gets_what_was_queued_once_it_is_back() {
    let store = Arc::new(Flaky::default());
    let (sink, writer) = AttemptSink::spawn(store.clone(), fast());
    let webhook = report_support::config().with_attempt_log(sink.clone());
    send_forged(&webhook, 50).await;
    until("a few retries", || {
        store.failures.load(Ordering::SeqCst) >= 3
    })
    .await;
    assert_eq!(sink.stats().written, 0);
    send_forged(&webhook, 50).await;

    store.up.store(true, Ordering::SeqCst);
    let stats = writer.shutdown(Duration::from_secs(30)).await.unwrap();
    assert_eq!(stats.written, 100);
    assert_eq!(stats.dropped, 0);
    assert!(stats.retries >= 3);
    assert_eq!(store.inner.records().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_gives_up_after_its_timeout_while_the_store_is_down() {
    let store = Arc::new(Flaky::default());
    let (sink, writer) = AttemptSink::spawn(store.clone(), fast());
    let webhook = report_support::config().with_attempt_log(sink.clone());
    send_forged(&webhook, 3).await;
    let err = writer
        .shutdown(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(matches!(err, SinkError::Timeout { .. }), "{err}");
    // After shutdown, records are refused and counted.
    send_forged(&webhook, 2).await;
    assert_eq!(sink.stats().dropped, 2);
}

/// A store that refuses any batch holding a record whose payload says `poison`.
#[derive(Default)]
struct Picky(MemoryStore);

impl AttemptStore for Picky {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            if batch.iter().any(|r| r.payload.contains("poison")) {
                return Err(StoreError::rejected("value refused"));
            }
            self.0.write(batch).await
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_refused_record_does_not_lose_its_batch() {
    let store = Arc::new(Picky::default());
    let config = SinkConfig {
        batch_delay: Duration::from_millis(200),
        ..fast()
    };
    let (sink, writer) = AttemptSink::spawn(store.clone(), config);
    let webhook = report_support::config().with_attempt_log(sink.clone());
    send_forged(&webhook, 5).await;
    let poison = Req::form(
        encode(&params("poison")),
        Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    );
    assert!(poison.send(&webhook).await.is_err());
    send_forged(&webhook, 5).await;
    let stats = writer.shutdown(Duration::from_secs(30)).await.unwrap();
    assert_eq!((stats.written, stats.failed, stats.dropped), (10, 1, 0));
    assert_eq!(store.0.records().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_batch_is_written_without_waiting_for_the_delay() {
    let store = Arc::new(MemoryStore::default());
    let config = SinkConfig {
        batch_size: 5,
        batch_delay: Duration::from_secs(3600),
        ..fast()
    };
    let (sink, writer) = AttemptSink::spawn(store.clone(), config);
    let webhook = report_support::config().with_attempt_log(sink.clone());
    send_forged(&webhook, 5).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while store.records().len() < 5 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        store.records().len(),
        5,
        "written with no flush, long before the delay"
    );
    drop(writer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_writes_everything_offered_before_it() {
    let store = Arc::new(MemoryStore::default());
    let config = SinkConfig {
        batch_delay: Duration::from_secs(3600),
        ..fast()
    };
    let (sink, writer) = AttemptSink::spawn(store.clone(), config);
    let webhook = report_support::config().with_attempt_log(sink.clone());
    send_forged(&webhook, 7).await;
    sink.flush(Duration::from_secs(30)).await.unwrap();
    assert_eq!(store.records().len(), 7, "no waiting for the batch delay");
    drop(writer);
}
