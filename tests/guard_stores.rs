//! The replay guard on real stores, each behaviour with two independent clients
//! ("replicas") of one backend: SQLite (a temporary file, always run), PostgreSQL and Redis
//! (ignored unless run with `--include-ignored`, as `.ci/run` does after starting them, with
//! `TEST_POSTGRES_URL` / `TEST_REDIS_URL`). Under `CI=true` a missing URL fails the test.

mod guard_support;

use std::sync::Arc;

use guard_support as support;
use twilio_webhook::guard::GuardStore;

type Pair = (Arc<dyn GuardStore>, Arc<dyn GuardStore>);

/// The URL in `var`, or `None` (skip) outside CI; under CI a missing service is a failure.
#[allow(dead_code)]
fn service_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{var} is not set under CI: .ci/run starts the service and sets it")
        }
        _ => {
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}

/// One test per shared behaviour, for the backend whose replica pair `$pair` builds.
macro_rules! behaviours {
    ($pair:path $(, #[$attr:meta])?) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$attr])?
        async fn hundred_concurrent_claims_run_the_handler_once() {
            let Some((a, b)) = $pair().await else { return };
            support::hundred_concurrent_claims_run_the_handler_once(a, b).await;
        }

        #[tokio::test]
        $(#[$attr])?
        async fn failed_first_delivery_is_retried() {
            let Some((a, b)) = $pair().await else { return };
            support::failed_first_delivery_is_retried(a, b).await;
        }

        #[tokio::test]
        $(#[$attr])?
        async fn dropped_handle_releases() {
            let Some((a, b)) = $pair().await else { return };
            support::dropped_handle_releases(a, b).await;
        }

        #[tokio::test]
        $(#[$attr])?
        async fn lapsed_lease_is_taken_over() {
            let Some((a, b)) = $pair().await else { return };
            support::lapsed_lease_is_taken_over(a, b).await;
        }

        #[tokio::test]
        $(#[$attr])?
        async fn completion_after_the_lease_fails() {
            let Some((a, _)) = $pair().await else { return };
            support::completion_after_the_lease_fails(a).await;
        }

        #[tokio::test]
        $(#[$attr])?
        async fn distinct_macs_both_run() {
            let Some((a, b)) = $pair().await else { return };
            support::distinct_macs_both_run(a, b).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$attr])?
        async fn repeat_waits_for_the_first() {
            let Some((a, b)) = $pair().await else { return };
            support::repeat_waits_for_the_first(a, b).await;
        }
    };
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};
    use twilio_webhook::stores::sqlite::SqliteGuardStore;

    async fn store(path: &std::path::Path) -> SqliteGuardStore {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(std::time::Duration::from_secs(30));
        let store = SqliteGuardStore::new(SqlitePool::connect_with(options).await.unwrap());
        store.ensure_schema().await.unwrap();
        store
    }

    /// Two pools on one new database file.
    pub(super) async fn pair() -> Option<Pair> {
        let token = twilio_webhook::guard::ClaimToken::random().to_hex();
        let path = std::env::temp_dir().join(format!("twilio-webhook-guard-{token}.db"));
        let (a, b) = (store(&path).await, store(&path).await);
        Some((Arc::new(a), Arc::new(b)))
    }

    behaviours!(pair);

    #[tokio::test]
    async fn schema_is_idempotent_and_purge_deletes_expired_rows() {
        let token = twilio_webhook::guard::ClaimToken::random().to_hex();
        let path = std::env::temp_dir().join(format!("twilio-webhook-guard-{token}.db"));
        let s = store(&path).await;
        s.ensure_schema().await.unwrap();
        let g = support::guard(
            &(Arc::new(s.clone()) as Arc<dyn GuardStore>),
            support::short_lease(),
        );
        let twilio_webhook::guard::Claim::First(h) = g.claim(None, b"m").await else {
            panic!("first")
        };
        std::mem::forget(h);
        let mut purged = 0;
        for _ in 0..200 {
            purged = s.purge_expired().await.unwrap();
            if purged > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(purged, 1);
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use sqlx::postgres::PgPoolOptions;
    use twilio_webhook::stores::postgres::PostgresGuardStore;

    /// Two pools on the test database; both ensure the schema at once, as replicas do.
    pub(super) async fn pair() -> Option<Pair> {
        let url = service_url("TEST_POSTGRES_URL")?;
        let connect = || async {
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect(&url)
                .await
                .unwrap();
            PostgresGuardStore::new(pool)
        };
        let (a, b) = (connect().await, connect().await);
        let (ra, rb) = tokio::join!(a.ensure_schema(), b.ensure_schema());
        ra.unwrap();
        rb.unwrap();
        Some((Arc::new(a), Arc::new(b)))
    }

    behaviours!(pair, #[ignore = "needs PostgreSQL: .ci/run starts one"]);

    #[tokio::test]
    #[ignore = "needs PostgreSQL: .ci/run starts one"]
    async fn purge_deletes_only_expired_rows() {
        let Some((a, _)) = pair().await else { return };
        let g = support::guard(&a, support::short_lease());
        let twilio_webhook::guard::Claim::First(live) = g.claim(None, &support::fresh_mac()).await
        else {
            panic!("first")
        };
        let url = std::env::var("TEST_POSTGRES_URL").unwrap();
        let store = PostgresGuardStore::new(sqlx::PgPool::connect(&url).await.unwrap());
        // Every other test's leftovers may be purged too; the live claim must survive.
        store.purge_expired().await.unwrap();
        live.complete(200, None, b"")
            .await
            .expect("still held after a purge");
    }
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;
    use twilio_webhook::stores::redis::RedisGuardStore;

    /// Two connections to the test server.
    pub(super) async fn pair() -> Option<Pair> {
        let url = service_url("TEST_REDIS_URL")?;
        let a = RedisGuardStore::connect(&url).await.unwrap();
        let b = RedisGuardStore::connect(&url).await.unwrap();
        Some((Arc::new(a), Arc::new(b)))
    }

    behaviours!(pair, #[ignore = "needs Redis: .ci/run starts one"]);

    #[tokio::test]
    #[ignore = "needs Redis: .ci/run starts one"]
    async fn a_foreign_value_is_a_malformed_record_not_a_panic() {
        let Some(url) = service_url("TEST_REDIS_URL") else {
            return;
        };
        let store = RedisGuardStore::connect(&url)
            .await
            .unwrap()
            .with_prefix("twilio-webhook-test:");
        let mac = support::fresh_mac();
        let key = twilio_webhook::guard::GuardKey::new(None, &mac);
        let client = ::redis::Client::open(url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = ::redis::cmd("SET")
            .arg(format!("twilio-webhook-test:{}", key.to_hex()))
            .arg("someone else's value")
            .arg("PX")
            .arg(60_000)
            .query_async(&mut conn)
            .await
            .unwrap();
        let g = support::guard(
            &(Arc::new(store) as Arc<dyn GuardStore>),
            twilio_webhook::guard::GuardConfig::default(),
        );
        assert!(matches!(
            g.claim(None, &mac).await,
            twilio_webhook::guard::Claim::Unguarded(twilio_webhook::guard::GuardError::Store(
                twilio_webhook::guard::StoreError::Malformed(_)
            ))
        ));
    }
}
