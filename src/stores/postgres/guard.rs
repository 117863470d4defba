//! The replay guard's PostgreSQL store.

use std::time::{Duration, UNIX_EPOCH};

use sqlx::postgres::PgPool;
use sqlx::Row;

use crate::boxed::BoxFuture;
use crate::guard::{
    ClaimState, ClaimToken, GuardKey, GuardStore, StoreError, StoredResponse, StoredResponseRef,
};

/// Guard claims in PostgreSQL, shared by every replica that uses the database.
///
/// Each claim is one atomic statement, an `INSERT … ON CONFLICT (key) DO UPDATE … WHERE
/// expires_at <= now() RETURNING`, so that of concurrent claims exactly one inserts or takes
/// over a lapsed lease or an expired row. Expiry is judged by the database's `now()`, never
/// by a replica's clock. Completion and release are compare-and-set on the claim's token.
///
/// # Schema
///
/// [`ensure_schema`](Self::ensure_schema) creates it if absent (idempotent, safe from
/// several replicas at once: it takes an advisory lock):
///
/// ```sql
/// CREATE TABLE IF NOT EXISTS twilio_webhook_guard (
///     key          BYTEA PRIMARY KEY,     -- SHA-256 of (tenant, verified MAC), never the signature
///     token        BYTEA,                 -- the holder's claim token; NULL once completed
///     first_seen   TIMESTAMPTZ NOT NULL,  -- when the delivery was first claimed
///     expires_at   TIMESTAMPTZ NOT NULL,  -- lease end while claimed, window end once completed
///     status       SMALLINT,              -- the stored response, once completed
///     content_type TEXT,
///     body         BYTEA,
///     body_omitted BOOLEAN NOT NULL DEFAULT FALSE
/// );
/// CREATE INDEX IF NOT EXISTS twilio_webhook_guard_expires_at ON twilio_webhook_guard (expires_at);
/// ```
///
/// # Expiry
///
/// A row whose `expires_at` passed is free: the next claim of its key overwrites it. Rows
/// whose key never comes again stay until [`purge_expired`](Self::purge_expired) deletes
/// them: call it periodically (an hourly task is plenty).
///
/// ```no_run
/// use twilio_webhook::guard::{Guard, GuardConfig};
/// use twilio_webhook::stores::postgres::PostgresGuardStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = sqlx::PgPool::connect("postgres://app@db/app").await?;
/// let store = PostgresGuardStore::new(pool);
/// store.ensure_schema().await?;
/// let guard = Guard::new(store, GuardConfig::default())?;
/// # let _ = guard; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresGuardStore {
    pool: PgPool,
}

/// Serialises concurrent `ensure_schema` calls (`CREATE TABLE IF NOT EXISTS` races on
/// PostgreSQL's catalog otherwise). An arbitrary constant: "twgu" in ASCII.
const SCHEMA_LOCK: i64 = 0x7477_6775;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS twilio_webhook_guard (
        key          BYTEA PRIMARY KEY,
        token        BYTEA,
        first_seen   TIMESTAMPTZ NOT NULL,
        expires_at   TIMESTAMPTZ NOT NULL,
        status       SMALLINT,
        content_type TEXT,
        body         BYTEA,
        body_omitted BOOLEAN NOT NULL DEFAULT FALSE
    )",
    "CREATE INDEX IF NOT EXISTS twilio_webhook_guard_expires_at
        ON twilio_webhook_guard (expires_at)",
];

const CLAIM: &str = "
    INSERT INTO twilio_webhook_guard AS g (key, token, first_seen, expires_at)
    VALUES ($1, $2, now(), now() + interval '1 millisecond' * $3::float8)
    ON CONFLICT (key) DO UPDATE
       SET token = EXCLUDED.token,
           -- a lapsed claim keeps its first sighting; an expired completion starts anew
           first_seen = CASE WHEN g.token IS NULL THEN EXCLUDED.first_seen ELSE g.first_seen END,
           expires_at = EXCLUDED.expires_at,
           status = NULL, content_type = NULL, body = NULL, body_omitted = FALSE
     WHERE g.expires_at <= now()
    RETURNING 1";

const CURRENT: &str = "
    SELECT token IS NULL AS completed,
           (extract(epoch FROM first_seen) * 1000)::bigint AS first_seen_ms,
           status, content_type, body, body_omitted
      FROM twilio_webhook_guard
     WHERE key = $1 AND expires_at > now()";

const COMPLETE: &str = "
    UPDATE twilio_webhook_guard
       SET token = NULL, expires_at = now() + interval '1 millisecond' * $3::float8,
           status = $4, content_type = $5, body = $6, body_omitted = $7
     WHERE key = $1 AND token = $2 AND expires_at > now()";

const RELEASE: &str = "DELETE FROM twilio_webhook_guard WHERE key = $1 AND token = $2";

const PURGE: &str = "DELETE FROM twilio_webhook_guard WHERE expires_at <= now()";

/// How often a claim is retried when the row it lost to vanished before it could be read
/// (released or expired in between): each retry is a fresh atomic claim.
const CLAIM_ATTEMPTS: usize = 8;

impl PostgresGuardStore {
    /// A store on `pool`. Call [`ensure_schema`](Self::ensure_schema) once at start-up.
    pub fn new(pool: PgPool) -> Self {
        PostgresGuardStore { pool }
    }

    /// Creates the table and its index if they do not exist.
    pub async fn ensure_schema(&self) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(StoreError::backend)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(SCHEMA_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::backend)?;
        for statement in SCHEMA {
            sqlx::query(statement)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::backend)?;
        }
        tx.commit().await.map_err(StoreError::backend)
    }

    /// Deletes rows whose lease or window expired; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(PURGE)
            .execute(&self.pool)
            .await
            .map_err(StoreError::backend)?;
        Ok(done.rows_affected())
    }

    async fn claim_row(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        lease: Duration,
    ) -> Result<ClaimState, StoreError> {
        for _ in 0..CLAIM_ATTEMPTS {
            let claimed = sqlx::query(CLAIM)
                .bind(&key.as_bytes()[..])
                .bind(&token.as_bytes()[..])
                .bind(millis(lease))
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::backend)?;
            if claimed.is_some() {
                return Ok(ClaimState::Claimed);
            }
            let row = sqlx::query(CURRENT)
                .bind(&key.as_bytes()[..])
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::backend)?;
            if let Some(row) = row {
                return current_state(&row);
            }
        }
        Err(StoreError::Contended)
    }

    async fn complete_row(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        response: StoredResponseRef<'_>,
        window: Duration,
    ) -> Result<bool, StoreError> {
        let status = i16::try_from(response.status).map_err(|_| StoreError::Malformed("status"))?;
        let done = sqlx::query(COMPLETE)
            .bind(&key.as_bytes()[..])
            .bind(&token.as_bytes()[..])
            .bind(millis(window))
            .bind(status)
            .bind(response.content_type)
            .bind(response.body)
            .bind(response.body_omitted)
            .execute(&self.pool)
            .await
            .map_err(StoreError::backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_row(&self, key: &GuardKey, token: &ClaimToken) -> Result<bool, StoreError> {
        let done = sqlx::query(RELEASE)
            .bind(&key.as_bytes()[..])
            .bind(&token.as_bytes()[..])
            .execute(&self.pool)
            .await
            .map_err(StoreError::backend)?;
        Ok(done.rows_affected() == 1)
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn current_state(row: &sqlx::postgres::PgRow) -> Result<ClaimState, StoreError> {
    let get = |e| StoreError::Malformed(e);
    let completed: bool = row.try_get("completed").map_err(|_| get("completed"))?;
    let ms: i64 = row
        .try_get("first_seen_ms")
        .map_err(|_| get("first_seen"))?;
    let first_seen = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    if !completed {
        return Ok(ClaimState::Held { first_seen });
    }
    let status: Option<i16> = row.try_get("status").map_err(|_| get("status"))?;
    let status = status
        .and_then(|s| u16::try_from(s).ok())
        .ok_or(get("status"))?;
    Ok(ClaimState::Completed {
        first_seen,
        response: StoredResponse {
            status,
            content_type: row
                .try_get("content_type")
                .map_err(|_| get("content_type"))?,
            body: row
                .try_get::<Option<Vec<u8>>, _>("body")
                .map_err(|_| get("body"))?
                .unwrap_or_default(),
            body_omitted: row
                .try_get("body_omitted")
                .map_err(|_| get("body_omitted"))?,
        },
    })
}

impl GuardStore for PostgresGuardStore {
    fn claim<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> BoxFuture<'a, Result<ClaimState, StoreError>> {
        Box::pin(self.claim_row(key, token, lease))
    }

    fn complete<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
        response: StoredResponseRef<'a>,
        window: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { self.complete_row(key, token, response, window).await })
    }

    fn release<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.release_row(key, token))
    }
}
