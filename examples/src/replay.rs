//! The demos' replay guard, on both routes: in memory by default; `REPLAY_STORE` set to a
//! `postgres://` or `redis://` URL selects that store (built with the `postgres` or `redis`
//! feature), so that several replicas share it. The attempt log keeps following
//! `DATABASE_URL`.
//!
//! For tests (`examples/tests/replicas.rs`), not production: `REPLAY_LEASE_MS` sets the lease (default
//! 30 s), so that a replica killed between claim and completion frees its delivery soon, and
//! `REPLAY_WAIT_MS` the in-progress wait (default 5 s). A value that is not a positive
//! number of milliseconds stops the demo at start-up.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use twilio_webhook::guard::{Guard, GuardConfig, GuardStore, MemoryStore};

type BoxError = Box<dyn Error + Send + Sync>;

/// The guard `REPLAY_STORE` selects.
pub async fn guard() -> Result<Guard, BoxError> {
    let url = std::env::var("REPLAY_STORE").unwrap_or_default();
    let store: Arc<dyn GuardStore> = if url.is_empty() {
        Arc::new(MemoryStore::new(100_000))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        postgres(&url).await?
    } else if url.starts_with("redis://") || url.starts_with("rediss://") {
        redis(&url).await?
    } else {
        return Err("REPLAY_STORE must be a postgres:// or redis:// URL (or unset)".into());
    };
    let mut config = GuardConfig::default();
    if let Some(lease) = millis("REPLAY_LEASE_MS")? {
        config = config.with_lease(lease);
    }
    if let Some(wait) = millis("REPLAY_WAIT_MS")? {
        config = config.with_wait(wait);
    }
    Ok(Guard::with_shared_store(store, config)?)
}

/// The duration in the variable `name` (milliseconds), if set.
fn millis(name: &str) -> Result<Option<Duration>, BoxError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms))),
            _ => Err(format!("{name} must be a positive number of milliseconds, not {v:?}").into()),
        },
    }
}

async fn postgres(url: &str) -> Result<Arc<dyn GuardStore>, BoxError> {
    let store = twilio_webhook::stores::postgres::PostgresGuardStore::new(
        sqlx::PgPool::connect(url).await?,
    );
    store.ensure_schema().await?;
    Ok(Arc::new(store))
}

async fn redis(url: &str) -> Result<Arc<dyn GuardStore>, BoxError> {
    Ok(Arc::new(
        twilio_webhook::stores::redis::RedisGuardStore::connect(url).await?,
    ))
}
