//! The replay guard's PostgreSQL store.

use std::time::Duration;

use sqlx::postgres::PgPool;

use crate::guard::StoreError;
use crate::stores::sql::SqlGuardStore;

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
        crate::stores::sql::purge_expired(self).await
    }
}

impl SqlGuardStore for PostgresGuardStore {
    type Db = sqlx::Postgres;
    type Millis = f64;
    type Status = i16;

    const CLAIM: &'static str = "
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

    const CURRENT: &'static str = "
    SELECT token IS NULL AS completed,
           (extract(epoch FROM first_seen) * 1000)::bigint AS first_seen_ms,
           status::bigint AS status, content_type, body, body_omitted
      FROM twilio_webhook_guard
     WHERE key = $1 AND expires_at > now()";

    const COMPLETE: &'static str = "
    UPDATE twilio_webhook_guard
       SET token = NULL, expires_at = now() + interval '1 millisecond' * $3::float8,
           status = $4, content_type = $5, body = $6, body_omitted = $7
     WHERE key = $1 AND token = $2 AND expires_at > now()";

    const RELEASE: &'static str = "DELETE FROM twilio_webhook_guard WHERE key = $1 AND token = $2";

    const PURGE: &'static str = "DELETE FROM twilio_webhook_guard WHERE expires_at <= now()";

    fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn millis(d: Duration) -> f64 {
        d.as_secs_f64() * 1000.0
    }

    fn status(status: u16) -> Result<i16, StoreError> {
        i16::try_from(status).map_err(|_| StoreError::Malformed("status"))
    }

    fn rows_affected(done: &sqlx::postgres::PgQueryResult) -> u64 {
        done.rows_affected()
    }
}
