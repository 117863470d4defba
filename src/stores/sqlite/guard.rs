//! The replay guard's SQLite store.

use std::time::{Duration, UNIX_EPOCH};

use sqlx::sqlite::SqlitePool;
use sqlx::Row;

use crate::boxed::BoxFuture;
use crate::guard::{
    ClaimState, ClaimToken, GuardKey, GuardStore, StoreError, StoredResponse, StoredResponseRef,
};

/// Guard claims in SQLite: for replicas on one machine sharing one database file.
///
/// Each claim is one atomic statement, an `INSERT … ON CONFLICT (key) DO UPDATE … WHERE
/// expires_at <= <now> RETURNING` (SQLite 3.35 or later; sqlx bundles a newer one), judged
/// by SQLite's own clock (`julianday('now')`, stable within a statement). Completion and
/// release are compare-and-set on the claim's token. Open the pool in WAL mode with a
/// busy timeout so that replicas' writes wait for each other instead of failing.
///
/// # Schema
///
/// [`ensure_schema`](Self::ensure_schema) creates it if absent (idempotent):
///
/// ```sql
/// CREATE TABLE IF NOT EXISTS twilio_webhook_guard (
///     key          BLOB PRIMARY KEY,  -- SHA-256 of (tenant, verified MAC), never the signature
///     token        BLOB,              -- the holder's claim token; NULL once completed
///     first_seen   INTEGER NOT NULL,  -- Unix ms, when the delivery was first claimed
///     expires_at   INTEGER NOT NULL,  -- Unix ms: lease end while claimed, window end once completed
///     status       INTEGER,           -- the stored response, once completed
///     content_type TEXT,
///     body         BLOB,
///     body_omitted INTEGER NOT NULL DEFAULT 0
/// ) WITHOUT ROWID;
/// CREATE INDEX IF NOT EXISTS twilio_webhook_guard_expires_at ON twilio_webhook_guard (expires_at);
/// ```
///
/// # Expiry
///
/// A row whose `expires_at` passed is free: the next claim of its key overwrites it.
/// [`purge_expired`](Self::purge_expired) deletes the others; call it periodically.
///
/// ```no_run
/// use std::str::FromStr;
/// use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};
/// use twilio_webhook::guard::{Guard, GuardConfig};
/// use twilio_webhook::stores::sqlite::SqliteGuardStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let options = SqliteConnectOptions::from_str("sqlite://guard.db")?
///     .create_if_missing(true)
///     .journal_mode(SqliteJournalMode::Wal)
///     .busy_timeout(std::time::Duration::from_secs(5));
/// let store = SqliteGuardStore::new(SqlitePool::connect_with(options).await?);
/// store.ensure_schema().await?;
/// let guard = Guard::new(store, GuardConfig::default())?;
/// # let _ = guard; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteGuardStore {
    pool: SqlitePool,
}

/// SQLite's clock in Unix milliseconds.
macro_rules! now_ms {
    () => {
        "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
    };
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS twilio_webhook_guard (
        key          BLOB PRIMARY KEY,
        token        BLOB,
        first_seen   INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        status       INTEGER,
        content_type TEXT,
        body         BLOB,
        body_omitted INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS twilio_webhook_guard_expires_at
        ON twilio_webhook_guard (expires_at)",
];

const CLAIM: &str = concat!(
    "INSERT INTO twilio_webhook_guard (key, token, first_seen, expires_at)
     VALUES (?1, ?2, ",
    now_ms!(),
    ", ",
    now_ms!(),
    " + ?3)
     ON CONFLICT (key) DO UPDATE
        SET token = excluded.token,
            first_seen = CASE WHEN twilio_webhook_guard.token IS NULL
                              THEN excluded.first_seen
                              ELSE twilio_webhook_guard.first_seen END,
            expires_at = excluded.expires_at,
            status = NULL, content_type = NULL, body = NULL, body_omitted = 0
      WHERE twilio_webhook_guard.expires_at <= ",
    now_ms!(),
    "
     RETURNING 1"
);

const CURRENT: &str = concat!(
    "SELECT token IS NULL AS completed, first_seen, status, content_type, body, body_omitted
       FROM twilio_webhook_guard
      WHERE key = ?1 AND expires_at > ",
    now_ms!()
);

const COMPLETE: &str = concat!(
    "UPDATE twilio_webhook_guard
        SET token = NULL, expires_at = ",
    now_ms!(),
    " + ?3, status = ?4, content_type = ?5, body = ?6, body_omitted = ?7
      WHERE key = ?1 AND token = ?2 AND expires_at > ",
    now_ms!()
);

const RELEASE: &str = "DELETE FROM twilio_webhook_guard WHERE key = ?1 AND token = ?2";

const PURGE: &str = concat!(
    "DELETE FROM twilio_webhook_guard WHERE expires_at <= ",
    now_ms!()
);

/// Retries of a claim whose conflicting row vanished before it was read.
const CLAIM_ATTEMPTS: usize = 8;

impl SqliteGuardStore {
    /// A store on `pool`. Call [`ensure_schema`](Self::ensure_schema) once at start-up.
    pub fn new(pool: SqlitePool) -> Self {
        SqliteGuardStore { pool }
    }

    /// Creates the table and its index if they do not exist.
    pub async fn ensure_schema(&self) -> Result<(), StoreError> {
        for statement in SCHEMA {
            sqlx::query(statement)
                .execute(&self.pool)
                .await
                .map_err(StoreError::backend)?;
        }
        Ok(())
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
        let done = sqlx::query(COMPLETE)
            .bind(&key.as_bytes()[..])
            .bind(&token.as_bytes()[..])
            .bind(millis(window))
            .bind(i64::from(response.status))
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

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn current_state(row: &sqlx::sqlite::SqliteRow) -> Result<ClaimState, StoreError> {
    let get = |e| StoreError::Malformed(e);
    let completed: bool = row.try_get("completed").map_err(|_| get("completed"))?;
    let ms: i64 = row.try_get("first_seen").map_err(|_| get("first_seen"))?;
    let first_seen = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    if !completed {
        return Ok(ClaimState::Held { first_seen });
    }
    let status: Option<i64> = row.try_get("status").map_err(|_| get("status"))?;
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

impl GuardStore for SqliteGuardStore {
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
