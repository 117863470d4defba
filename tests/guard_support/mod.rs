//! The replay guard's behaviour, written once against any pair of stores that share one
//! backend ("replicas"): tests/guard.rs runs it on the in-memory store, tests/guard_stores.rs
//! on PostgreSQL, SQLite and Redis. No assertion is about time: waits are polls with a
//! bounded number of rounds.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use twilio_webhook::guard::{Claim, ClaimToken, Guard, GuardConfig, GuardError, GuardStore};

/// A MAC no other test uses (tests share databases).
pub(crate) fn fresh_mac() -> Vec<u8> {
    ClaimToken::random().as_bytes().to_vec()
}

pub(crate) fn guard(store: &Arc<dyn GuardStore>, config: GuardConfig) -> Guard {
    Guard::with_shared_store(Arc::clone(store), config).expect("valid config")
}

/// A short lease for takeover tests; no wait, so a held key answers at once.
pub(crate) fn short_lease() -> GuardConfig {
    GuardConfig::default()
        .with_lease(Duration::from_millis(300))
        .with_wait(Duration::ZERO)
}

/// Claims on `g` until it is the first (a lapsed lease or a release was seen), at most
/// `rounds` times 50 ms.
pub(crate) async fn claim_until_first(
    g: &Guard,
    tenant: Option<&str>,
    mac: &[u8],
    rounds: u32,
) -> Claim {
    let mut last = None;
    for _ in 0..rounds {
        match g.claim(tenant, mac).await {
            c @ Claim::First(_) => return c,
            other => last = Some(other),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never became first; last answer {last:?}");
}

/// 100 concurrent deliveries of one request spread over two replicas: the handler runs
/// once; every other answer is the stored response or the in-progress answer; afterwards
/// repeats get the stored response.
pub(crate) async fn hundred_concurrent_claims_run_the_handler_once(
    a: Arc<dyn GuardStore>,
    b: Arc<dyn GuardStore>,
) {
    let config = GuardConfig::default().with_wait(Duration::from_secs(10));
    let (ga, gb) = (guard(&a, config.clone()), guard(&b, config));
    let mac = fresh_mac();
    let runs = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let g = if i % 2 == 0 { ga.clone() } else { gb.clone() };
        let (mac, runs) = (mac.clone(), Arc::clone(&runs));
        tasks.push(tokio::spawn(async move {
            match g.claim(Some("acme"), &mac).await {
                Claim::First(handle) => {
                    runs.fetch_add(1, Ordering::SeqCst);
                    // The handler takes a while, so that repeats arrive while it runs.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    handle
                        .complete(
                            200,
                            Some("text/xml"),
                            b"<Response><Message>hi</Message></Response>",
                        )
                        .await
                        .expect("completes");
                    "first"
                }
                Claim::Duplicate(d) => {
                    assert_eq!(d.response.status, 200);
                    assert_eq!(d.response.content_type.as_deref(), Some("text/xml"));
                    assert_eq!(
                        d.response.body,
                        b"<Response><Message>hi</Message></Response>"
                    );
                    "duplicate"
                }
                Claim::InProgress(p) => {
                    assert_eq!(p.status, 503);
                    "in_progress"
                }
                other => panic!("unexpected {other:?}"),
            }
        }));
    }
    let mut firsts = 0;
    for t in tasks {
        if t.await.expect("task") == "first" {
            firsts += 1;
        }
    }
    assert_eq!(firsts, 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    for g in [&ga, &gb] {
        match g.claim(Some("acme"), &mac).await {
            Claim::Duplicate(d) => assert_eq!(
                d.response.body,
                b"<Response><Message>hi</Message></Response>"
            ),
            other => panic!("expected the stored response, got {other:?}"),
        }
    }
}

/// A first delivery whose handler failed is released: Twilio's retry runs it again, on
/// either replica.
pub(crate) async fn failed_first_delivery_is_retried(
    a: Arc<dyn GuardStore>,
    b: Arc<dyn GuardStore>,
) {
    let (ga, gb) = (
        guard(&a, GuardConfig::default()),
        guard(&b, GuardConfig::default()),
    );
    let mac = fresh_mac();
    let Claim::First(h) = ga.claim(None, &mac).await else {
        panic!("first")
    };
    // A 500 from the handler: complete refuses and releases.
    assert!(matches!(
        h.complete(500, None, b"").await,
        Err(GuardError::NotSuccess { status: 500 })
    ));
    let Claim::First(h) = gb.claim(None, &mac).await else {
        panic!("retry runs")
    };
    h.release().await.expect("released");
    let Claim::First(h) = ga.claim(None, &mac).await else {
        panic!("retry runs again")
    };
    h.complete(204, None, b"").await.expect("completes");
    match gb.claim(None, &mac).await {
        Claim::Duplicate(d) => {
            assert_eq!(d.response.status, 204);
            assert!(d.response.body.is_empty());
            assert_eq!(d.response.content_type, None);
        }
        other => panic!("{other:?}"),
    }
}

/// A dropped handle (a handler that panicked) releases its claim.
pub(crate) async fn dropped_handle_releases(a: Arc<dyn GuardStore>, b: Arc<dyn GuardStore>) {
    let (ga, gb) = (
        guard(&a, short_lease().with_lease(Duration::from_secs(60))),
        guard(&b, short_lease()),
    );
    let mac = fresh_mac();
    let Claim::First(h) = ga.claim(None, &mac).await else {
        panic!("first")
    };
    assert!(matches!(gb.claim(None, &mac).await, Claim::InProgress(_)));
    drop(h);
    // The release runs on a spawned task: poll for it (the 60 s lease is not what frees it).
    let Claim::First(_h) = claim_until_first(&gb, None, &mac, 100).await else {
        unreachable!()
    };
}

/// A replica killed between claim and completion (its handle leaked, never released):
/// after the lease a retry takes the delivery over, and the stale holder's completion
/// fails (compare-and-set) instead of overwriting the new holder's.
pub(crate) async fn lapsed_lease_is_taken_over(a: Arc<dyn GuardStore>, b: Arc<dyn GuardStore>) {
    let (ga, gb) = (guard(&a, short_lease()), guard(&b, short_lease()));

    // Killed: the handle is forgotten, as a dead process forgets it.
    let killed = fresh_mac();
    let Claim::First(h) = ga.claim(Some("t"), &killed).await else {
        panic!("first")
    };
    std::mem::forget(h);
    assert!(matches!(
        gb.claim(Some("t"), &killed).await,
        Claim::InProgress(_)
    ));
    let Claim::First(h) = claim_until_first(&gb, Some("t"), &killed, 200).await else {
        unreachable!()
    };
    h.complete(200, Some("text/plain"), b"taken over")
        .await
        .expect("new holder completes");

    // Stale: the first holder is still alive and finishes after the takeover.
    let mac = fresh_mac();
    let Claim::First(stale) = ga.claim(Some("t"), &mac).await else {
        panic!("first")
    };
    let Claim::First(fresh) = claim_until_first(&gb, Some("t"), &mac, 200).await else {
        unreachable!()
    };
    assert!(matches!(
        stale.complete(200, Some("text/plain"), b"stale").await,
        Err(GuardError::LeaseLost)
    ));
    fresh
        .complete(200, Some("text/plain"), b"fresh")
        .await
        .expect("completes");
    match ga.claim(Some("t"), &mac).await {
        Claim::Duplicate(d) => assert_eq!(d.response.body, b"fresh"),
        other => panic!("{other:?}"),
    }
}

/// A handler that outlived its lease fails its completion even when nobody took over.
pub(crate) async fn completion_after_the_lease_fails(a: Arc<dyn GuardStore>) {
    let g = guard(&a, short_lease());
    let mac = fresh_mac();
    let Claim::First(h) = g.claim(None, &mac).await else {
        panic!("first")
    };
    // Wait until the lease has lapsed, observed through the store (a takeover claim by a
    // probe would end the test's premise, so the probe is another key's lapse).
    let probe = fresh_mac();
    let Claim::First(p) = g.claim(None, &probe).await else {
        panic!("probe")
    };
    std::mem::forget(p);
    let Claim::First(_) = claim_until_first(&g, None, &probe, 200).await else {
        unreachable!()
    };
    assert!(matches!(
        h.complete(200, None, b"late").await,
        Err(GuardError::LeaseLost)
    ));
}

/// Distinct deliveries that share a `MessageSid` (status `sent`, then `delivered`) have
/// distinct MACs: both run. So do equal MACs of two tenants.
pub(crate) async fn distinct_macs_both_run(a: Arc<dyn GuardStore>, b: Arc<dyn GuardStore>) {
    let (ga, gb) = (
        guard(&a, GuardConfig::default()),
        guard(&b, GuardConfig::default()),
    );
    let (sent, delivered) = (fresh_mac(), fresh_mac());
    let Claim::First(h1) = ga.claim(Some("acme"), &sent).await else {
        panic!("sent")
    };
    let Claim::First(h2) = gb.claim(Some("acme"), &delivered).await else {
        panic!("delivered")
    };
    let Claim::First(h3) = gb.claim(Some("globex"), &sent).await else {
        panic!("other tenant")
    };
    let Claim::First(h4) = gb.claim(None, &sent).await else {
        panic!("no tenant")
    };
    for h in [h1, h2, h3, h4] {
        h.complete(200, None, b"").await.expect("completes");
    }
}

/// A repeat waits for an in-progress first delivery and gets its response.
pub(crate) async fn repeat_waits_for_the_first(a: Arc<dyn GuardStore>, b: Arc<dyn GuardStore>) {
    let ga = guard(&a, GuardConfig::default());
    let gb = guard(
        &b,
        GuardConfig::default().with_wait(Duration::from_secs(20)),
    );
    let mac = fresh_mac();
    let Claim::First(h) = ga.claim(None, &mac).await else {
        panic!("first")
    };
    let waiter = tokio::spawn({
        let mac = mac.clone();
        async move { gb.claim(None, &mac).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    h.complete(200, Some("text/xml"), b"<Response/>")
        .await
        .expect("completes");
    match waiter.await.expect("task") {
        Claim::Duplicate(d) => assert_eq!(d.response.body, b"<Response/>"),
        other => panic!("{other:?}"),
    }
}

/// Every behaviour above, for one backend.
pub(crate) async fn all(a: Arc<dyn GuardStore>, b: Arc<dyn GuardStore>) {
    hundred_concurrent_claims_run_the_handler_once(a.clone(), b.clone()).await;
    failed_first_delivery_is_retried(a.clone(), b.clone()).await;
    dropped_handle_releases(a.clone(), b.clone()).await;
    lapsed_lease_is_taken_over(a.clone(), b.clone()).await;
    completion_after_the_lease_fails(a.clone()).await;
    distinct_macs_both_run(a.clone(), b.clone()).await;
    repeat_waits_for_the_first(a, b).await;
}
