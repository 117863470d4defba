//! The replay guard's SQLite store.

use std::time::Duration;

use sqlx::sqlite::SqlitePool;

use crate::guard::StoreError;
use crate::stores::sql::SqlGuardStore;

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
        crate::stores::sql::purge_expired(self).await
    }
}

impl SqlGuardStore for SqliteGuardStore {
    type Db = sqlx::Sqlite;
    type Millis = i64;
    type Status = i64;

    const CLAIM: &'static str = concat!(
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

    const CURRENT: &'static str = concat!(
        "SELECT token IS NULL AS completed, first_seen AS first_seen_ms, status, content_type,
            body, body_omitted
       FROM twilio_webhook_guard
      WHERE key = ?1 AND expires_at > ",
        now_ms!()
    );

    const COMPLETE: &'static str = concat!(
        "UPDATE twilio_webhook_guard
        SET token = NULL, expires_at = ",
        now_ms!(),
        " + ?3, status = ?4, content_type = ?5, body = ?6, body_omitted = ?7
      WHERE key = ?1 AND token = ?2 AND expires_at > ",
        now_ms!()
    );

    const RELEASE: &'static str = "DELETE FROM twilio_webhook_guard WHERE key = ?1 AND token = ?2";

    const PURGE: &'static str = concat!(
        "DELETE FROM twilio_webhook_guard WHERE expires_at <= ",
        now_ms!()
    );

    fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn millis(d: Duration) -> i64 {
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }

    fn status(status: u16) -> Result<i64, StoreError> {
        Ok(i64::from(status))
    }

    fn rows_affected(done: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        done.rows_affected()
    }
}
