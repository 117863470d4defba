//! The replay guard on the in-memory store: the shared behaviour (tests/guard_support) with
//! two guards over one store, and what only the guard and this store do.

mod guard_support;

use std::sync::Arc;
use std::time::Duration;

use guard_support as support;
use twilio_webhook::guard::{
    Claim, Guard, GuardConfig, GuardError, GuardMode, GuardStore, MemoryStore, StoreError,
    StoreErrorPolicy,
};

fn pair() -> (Arc<dyn GuardStore>, Arc<dyn GuardStore>) {
    let store: Arc<dyn GuardStore> = Arc::new(MemoryStore::new(10_000));
    (Arc::clone(&store), store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_claims_run_the_handler_once() {
    let (a, b) = pair();
    support::hundred_concurrent_claims_run_the_handler_once(a, b).await;
}

#[tokio::test]
async fn failed_first_delivery_is_retried() {
    let (a, b) = pair();
    support::failed_first_delivery_is_retried(a, b).await;
}

#[tokio::test]
async fn dropped_handle_releases() {
    let (a, b) = pair();
    support::dropped_handle_releases(a, b).await;
}

#[tokio::test]
async fn lapsed_lease_is_taken_over() {
    let (a, b) = pair();
    support::lapsed_lease_is_taken_over(a, b).await;
}

#[tokio::test]
async fn completion_after_the_lease_fails() {
    let (a, _) = pair();
    support::completion_after_the_lease_fails(a).await;
}

#[tokio::test]
async fn distinct_macs_both_run() {
    let (a, b) = pair();
    support::distinct_macs_both_run(a, b).await;
}

#[tokio::test]
async fn repeat_waits_for_the_first() {
    let (a, b) = pair();
    support::repeat_waits_for_the_first(a, b).await;
}

/// Full: live entries are kept, new claims fail, and the policy decides. Completed and
/// in-progress entries are never evicted to make room; expired ones are.
#[tokio::test]
async fn a_full_store_refuses_new_claims_by_policy_and_frees_expired_entries() {
    let store: Arc<dyn GuardStore> = Arc::new(MemoryStore::new(2));
    let config = GuardConfig::default()
        .with_lease(Duration::from_millis(300))
        .with_wait(Duration::ZERO);
    let let_through = support::guard(&store, config.clone());
    let refuse = support::guard(&store, config.with_store_errors(StoreErrorPolicy::Refuse));

    let Claim::First(done) = let_through.claim(None, b"one").await else {
        panic!("one")
    };
    done.complete(200, None, b"1").await.unwrap();
    let Claim::First(held) = let_through.claim(None, b"two").await else {
        panic!("two")
    };

    match let_through.claim(None, b"three").await {
        Claim::Unguarded(GuardError::Store(StoreError::Full { capacity: 2 })) => {}
        other => panic!("{other:?}"),
    }
    match refuse.claim(None, b"three").await {
        c @ Claim::Refused(GuardError::Store(StoreError::Full { .. })) => {
            assert!(!c.runs_handler())
        }
        other => panic!("{other:?}"),
    }
    // The stored ones still answer.
    assert!(matches!(
        let_through.claim(None, b"one").await,
        Claim::Duplicate(_)
    ));
    assert!(matches!(
        let_through.claim(None, b"two").await,
        Claim::InProgress(_)
    ));

    // Once the claim on "two" lapses, its entry makes room.
    std::mem::forget(held);
    let Claim::First(_) = support::claim_until_first(&let_through, None, b"three", 200).await
    else {
        unreachable!()
    };
}

#[tokio::test]
async fn pass_through_tells_the_handler_it_is_a_repeat() {
    let store: Arc<dyn GuardStore> = Arc::new(MemoryStore::new(100));
    let g = support::guard(
        &store,
        GuardConfig::default().with_mode(GuardMode::PassThrough),
    );
    let Claim::First(h) = g.claim(Some("acme"), b"mac").await else {
        panic!("first")
    };
    match g.claim(Some("acme"), b"mac").await {
        c @ Claim::Repeat(_) => {
            assert!(c.runs_handler());
            let Claim::Repeat(r) = c else { unreachable!() };
            assert_eq!(
                r.response, None,
                "still in progress, and no wait in pass-through"
            );
        }
        other => panic!("{other:?}"),
    }
    h.complete(200, None, b"ok").await.unwrap();
    match g.claim(Some("acme"), b"mac").await {
        Claim::Repeat(r) => {
            assert_eq!(r.response.expect("completed").body, b"ok");
            assert!(r.first_seen <= std::time::SystemTime::now());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_body_over_the_cap_is_not_stored_but_the_delivery_is_completed() {
    let g = Guard::new(
        MemoryStore::new(100),
        GuardConfig::default().with_response_cap(4),
    )
    .unwrap();
    let Claim::First(h) = g.claim(None, b"big").await else {
        panic!("first")
    };
    h.complete(200, Some("text/xml"), b"<Response/>")
        .await
        .unwrap();
    match g.claim(None, b"big").await {
        Claim::Duplicate(d) => {
            assert!(d.response.body_omitted);
            assert!(d.response.body.is_empty());
            assert_eq!(d.response.content_type.as_deref(), Some("text/xml"));
        }
        other => panic!("{other:?}"),
    }
    let Claim::First(h) = g.claim(None, b"fits").await else {
        panic!("first")
    };
    h.complete(200, None, b"1234").await.unwrap();
    let Claim::Duplicate(d) = g.claim(None, b"fits").await else {
        panic!("dup")
    };
    assert!(!d.response.body_omitted);
    assert_eq!(d.response.body, b"1234");
}

#[tokio::test]
async fn the_in_progress_status_is_configurable_and_must_be_an_error_status() {
    let g = Guard::new(
        MemoryStore::new(100),
        GuardConfig::default()
            .with_wait(Duration::ZERO)
            .with_in_progress_status(409),
    )
    .unwrap();
    let Claim::First(_h) = g.claim(None, b"m").await else {
        panic!("first")
    };
    match g.claim(None, b"m").await {
        c @ Claim::InProgress(_) => {
            assert_eq!(c.event_type(), Some("duplicate_webhook_in_progress"));
            let Claim::InProgress(p) = c else {
                unreachable!()
            };
            assert_eq!(p.status, 409);
        }
        other => panic!("{other:?}"),
    }
    for bad in [200, 302, 600] {
        assert!(Guard::new(
            MemoryStore::new(1),
            GuardConfig::default().with_in_progress_status(bad)
        )
        .is_err());
    }
    assert!(Guard::new(
        MemoryStore::new(1),
        GuardConfig::default().with_window(Duration::from_secs(1))
    )
    .is_err());
}

#[test]
fn no_runtime_no_panic_dropping_a_handle_outside_one_lets_it_lapse() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let g = Guard::new(MemoryStore::new(10), GuardConfig::default()).unwrap();
    let claim = rt.block_on(g.claim(None, b"m"));
    drop(rt);
    drop(claim); // outside any runtime: nothing to spawn on, and no panic
}

#[tokio::test]
async fn debug_output_shows_no_body_and_no_full_key() {
    let g = Guard::new(MemoryStore::new(10), GuardConfig::default()).unwrap();
    let Claim::First(h) = g.claim(Some("acme"), b"secret-mac").await else {
        panic!("first")
    };
    let key_hex = h.key().to_hex();
    let handle = format!("{h:?}");
    assert!(
        !handle.contains(&key_hex) && !handle.contains("secret-mac"),
        "{handle}"
    );
    h.complete(200, Some("text/xml"), b"<Say>PIN 4921</Say>")
        .await
        .unwrap();
    let claim = g.claim(Some("acme"), b"secret-mac").await;
    let shown = format!("{claim:?}");
    assert!(
        !shown.contains("4921") && !shown.contains(&key_hex),
        "{shown}"
    );
    assert!(shown.contains("body_len: 19"), "{shown}");
}

/// A store of the application's own: `GuardStore` stays implementable outside the crate
/// (the crate's stores get it from a blanket impl). This one counts claims on the way to a
/// `MemoryStore`.
struct CountingStore {
    inner: MemoryStore,
    claims: std::sync::atomic::AtomicUsize,
}

impl GuardStore for CountingStore {
    fn claim<'a>(
        &'a self,
        key: &'a twilio_webhook::guard::GuardKey,
        token: &'a twilio_webhook::guard::ClaimToken,
        lease: Duration,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<twilio_webhook::guard::ClaimState, StoreError>>
                + Send
                + 'a,
        >,
    > {
        self.claims
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.claim(key, token, lease)
    }

    fn complete<'a>(
        &'a self,
        key: &'a twilio_webhook::guard::GuardKey,
        token: &'a twilio_webhook::guard::ClaimToken,
        response: twilio_webhook::guard::StoredResponseRef<'a>,
        window: Duration,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, StoreError>> + Send + 'a>>
    {
        self.inner.complete(key, token, response, window)
    }

    fn release<'a>(
        &'a self,
        key: &'a twilio_webhook::guard::GuardKey,
        token: &'a twilio_webhook::guard::ClaimToken,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, StoreError>> + Send + 'a>>
    {
        self.inner.release(key, token)
    }
}

#[tokio::test]
async fn an_application_store_implements_guard_store() {
    let store = Arc::new(CountingStore {
        inner: MemoryStore::new(100),
        claims: std::sync::atomic::AtomicUsize::new(0),
    });
    let shared: Arc<dyn GuardStore> = Arc::clone(&store) as Arc<dyn GuardStore>;
    support::failed_first_delivery_is_retried(Arc::clone(&shared), shared).await;
    assert!(store.claims.load(std::sync::atomic::Ordering::Relaxed) >= 2);
}

/// Counts the current thread's allocations, for the test below (this binary only).
struct Counting;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // `try_with`: the thread-local may already be gone while a thread shuts down.
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        std::alloc::System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        std::alloc::System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        std::alloc::System.realloc(ptr, layout, size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_first_delivery_answered_like_the_last_allocates_only_the_stores_futures() {
    // The memory store's futures are ready at their first poll: no runtime, whose own
    // allocations would be counted.
    fn ready<T>(f: impl std::future::Future<Output = T>) -> T {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(f).poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the memory store never waits here"),
        }
    }
    let g = Guard::new(MemoryStore::new(100), GuardConfig::default()).unwrap();
    let deliver = |mac: &[u8]| {
        ready(async {
            let Claim::First(h) = g.claim(None, mac).await else {
                panic!("first")
            };
            h.complete(200, Some("text/xml"), b"<Response/>")
                .await
                .unwrap();
        })
    };
    deliver(b"first"); // stores the response and sizes the map
    let before = ALLOCATIONS.with(std::cell::Cell::get);
    deliver(b"second");
    let n = ALLOCATIONS.with(std::cell::Cell::get) - before;
    // The boxed futures of `claim` and `complete`; the response is shared with the first
    // delivery's, not copied.
    assert!(n <= 2, "{n} allocations");
}
