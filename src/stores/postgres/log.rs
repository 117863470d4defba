//! The attempt log in PostgreSQL.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::boxed::BoxFuture;
use crate::report::{rfc3339, AttemptRecord, AttemptStore, StoreError};
use crate::stores::sql::{classify, cutoff, headers_json, no_nul, INSERT};
use crate::stores::Migration;

/// The attempt log in PostgreSQL table `webhook_log` (schema:
/// `src/stores/postgres/migrations/0001_webhook_log.sql`): `received_at` a `timestamptz`,
/// `headers` a `jsonb` array of `[name, value]` pairs, indexes on `(status, received_at)`
/// and `(tenant_id, received_at)`. An [`AttemptStore`]: put it behind an
/// [`AttemptSink`](crate::report::AttemptSink), which writes each batch as one
/// multi-row `INSERT`.
///
/// ```no_run
/// use std::time::Duration;
/// use twilio_webhook::report::{AttemptSink, SinkConfig};
/// use twilio_webhook::stores::postgres::PostgresLog;
///
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// let log = PostgresLog::connect_lazy("postgres://app@localhost/app")?;
/// log.migrate().await?;
/// let (sink, writer) = AttemptSink::spawn(log.clone(), SinkConfig::default());
/// // config.with_attempt_log(sink) …; on shutdown:
/// writer.shutdown(Duration::from_secs(5)).await?;
/// log.prune(Duration::from_secs(90 * 24 * 3600)).await?;
/// # drop(sink); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresLog {
    pool: PgPool,
}

impl PostgresLog {
    /// The schema, in order.
    pub const MIGRATIONS: &'static [Migration] = &[Migration {
        name: "0001_webhook_log",
        sql: include_str!("migrations/0001_webhook_log.sql"),
    }];

    /// A log on your own pool.
    pub fn new(pool: PgPool) -> Self {
        PostgresLog { pool }
    }

    /// A pool of up to 4 connections to `url`, opened on first use (so a database that is
    /// down at start-up only delays the writes).
    pub fn connect_lazy(url: &str) -> Result<Self, sqlx::Error> {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy(url)?;
        Ok(Self::new(pool))
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Creates or updates the schema ([`MIGRATIONS`](Self::MIGRATIONS)).
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        super::migrate(&self.pool, Self::MIGRATIONS).await
    }

    /// Deletes rows received more than `retention` ago; returns how many.
    pub async fn prune(&self, retention: Duration) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("DELETE FROM webhook_log WHERE received_at < $1::timestamptz")
            .bind(cutoff(retention))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    async fn insert(&self, batch: &[AttemptRecord]) -> Result<(), sqlx::Error> {
        let mut q = QueryBuilder::<Postgres>::new(INSERT);
        q.push_values(batch, |mut row, r| {
            row.push_bind(r.id.as_str())
                .push_bind(rfc3339(r.time))
                .push_unseparated("::timestamptz")
                .push_bind(r.provider)
                .push_bind(r.tenant_id.as_deref().map(no_nul).map(|s| s.into_owned()))
                .push_bind(no_nul(&r.method).into_owned())
                .push_bind(no_nul(&r.endpoint).into_owned())
                .push_bind(r.url.as_deref().map(no_nul).map(|s| s.into_owned()))
                .push_bind(r.status.as_str())
                .push_bind(r.event_type)
                .push_bind(r.reason.as_deref().map(no_nul).map(|s| s.into_owned()))
                .push_bind(r.key.as_deref().map(no_nul).map(|s| s.into_owned()))
                .push_bind(r.url_variant)
                .push_bind(r.ip_address.as_deref().map(no_nul).map(|s| s.into_owned()))
                .push_bind(r.user_agent.as_deref().map(no_nul).map(|s| s.into_owned()))
                .push_bind(
                    r.idempotency_token
                        .as_deref()
                        .map(no_nul)
                        .map(|s| s.into_owned()),
                )
                .push_bind(no_nul(&headers_json(&r.headers)).into_owned())
                .push_unseparated("::jsonb")
                .push_bind(no_nul(&r.payload).into_owned())
                .push_bind(i64::try_from(r.payload_len).unwrap_or(i64::MAX))
                .push_bind(r.payload_sha256.as_str());
        });
        // A batch retried after a reply lost in a cut connection may already be stored.
        q.push(" ON CONFLICT (attempt_id) DO NOTHING");
        q.build().execute(&self.pool).await.map(|_| ())
    }
}

impl AttemptStore for PostgresLog {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.insert(batch).await.map_err(classify) })
    }
}
