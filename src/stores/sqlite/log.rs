//! The attempt log in SQLite.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use crate::boxed::BoxFuture;
use crate::report::{rfc3339, AttemptRecord, AttemptStore, StoreError};
use crate::stores::sql::{classify, cutoff, headers_json, log_columns};
use crate::stores::Migration;

/// The attempt log in SQLite table `webhook_log` (schema:
/// `src/stores/sqlite/migrations/0001_webhook_log.sql`): `received_at` as RFC 3339 text in
/// UTC with microseconds (text order is time order), `headers` a JSON array of
/// `[name, value]` pairs. An [`AttemptStore`]: put it behind an
/// [`AttemptSink`](crate::report::AttemptSink), which writes each batch as one
/// multi-row `INSERT`.
///
/// ```
/// use std::time::Duration;
/// use twilio_webhook::report::{AttemptSink, SinkConfig};
/// use twilio_webhook::stores::sqlite::SqliteLog;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("twh-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let log = SqliteLog::open(dir.join("log.sqlite3")).await.unwrap();
/// log.migrate().await.unwrap();
/// let (sink, writer) = AttemptSink::spawn(log.clone(), SinkConfig::default());
/// writer.shutdown(Duration::from_secs(5)).await.unwrap();
/// assert_eq!(log.count().await.unwrap(), 0);
/// # drop(sink);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SqliteLog {
    pool: SqlitePool,
}

impl SqliteLog {
    /// The schema, in order.
    pub const MIGRATIONS: &'static [Migration] = &[Migration {
        name: "0001_webhook_log",
        sql: include_str!("migrations/0001_webhook_log.sql"),
    }];

    /// A log on your own pool.
    pub fn new(pool: SqlitePool) -> Self {
        SqliteLog { pool }
    }

    /// Opens (creating it if missing) the database file at `path`: WAL journal (readers
    /// such as `sqlite3` do not block the writer), `synchronous = NORMAL` (no fsync per
    /// commit), a 5 s busy timeout, up to 4 connections.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(Self::new(pool))
    }

    /// The pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Creates or updates the schema ([`MIGRATIONS`](Self::MIGRATIONS)).
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        super::migrate(&self.pool, Self::MIGRATIONS).await
    }

    /// Deletes rows received more than `retention` ago; returns how many.
    pub async fn prune(&self, retention: Duration) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("DELETE FROM webhook_log WHERE received_at < ?1")
            .bind(cutoff(retention))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    /// Number of rows.
    pub async fn count(&self) -> Result<i64, sqlx::Error> {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM webhook_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    async fn insert(&self, batch: &[AttemptRecord]) -> Result<(), sqlx::Error> {
        let mut q = QueryBuilder::<Sqlite>::new(concat!("INSERT INTO ", log_columns!(), " "));
        q.push_values(batch, |mut row, r| {
            row.push_bind(r.id.as_str())
                .push_bind(rfc3339(r.time))
                .push_bind(r.provider)
                .push_bind(r.tenant_id.as_deref())
                .push_bind(r.method.as_str())
                .push_bind(r.endpoint.as_str())
                .push_bind(r.url.as_deref())
                .push_bind(r.status.as_str())
                .push_bind(r.event_type)
                .push_bind(r.reason.as_deref())
                .push_bind(r.key.as_deref())
                .push_bind(r.url_variant)
                .push_bind(r.ip_address.as_deref())
                .push_bind(r.user_agent.as_deref())
                .push_bind(r.idempotency_token.as_deref())
                .push_bind(headers_json(&r.headers))
                .push_bind(r.payload.as_str())
                .push_bind(i64::try_from(r.payload_len).unwrap_or(i64::MAX))
                .push_bind(r.payload_sha256.as_str());
        });
        // A batch retried after a reply lost in a cut connection may already be stored.
        q.push(" ON CONFLICT (attempt_id) DO NOTHING");
        q.build().execute(&self.pool).await.map(|_| ())
    }
}

impl AttemptStore for SqliteLog {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.insert(batch).await.map_err(classify) })
    }
}
