//! The demos' replay guard, on both routes: in memory by default; `REPLAY_STORE` set to a
//! `postgres://` or `redis://` URL selects that store (built with the `postgres` or `redis`
//! feature), so that several replicas share it. The attempt log keeps following
//! `DATABASE_URL`.

use std::error::Error;
use std::sync::Arc;

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
    Ok(Guard::with_shared_store(store, GuardConfig::default())?)
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
