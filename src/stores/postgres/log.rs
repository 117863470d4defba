//! The attempt log in PostgreSQL.

use std::borrow::Cow;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::boxed::BoxFuture;
use crate::report::{rfc3339, AttemptRecord, AttemptStore, StoreError};
use crate::stores::sql::{classify, cutoff, headers_json, log_columns, no_nul};
use crate::stores::Migration;

/// The attempt log in PostgreSQL table `webhook_log` (schema:
/// `src/stores/postgres/migrations/0001_webhook_log.sql`): `received_at` a `timestamptz`,
/// `headers` a `jsonb` array of `[name, value]` pairs, indexes on `(status, received_at)`
/// and `(tenant_id, received_at)`. An [`AttemptStore`]: put it behind an
/// [`AttemptSink`](crate::report::AttemptSink), which writes each batch as one `INSERT`
/// of one array per column (`UNNEST`).
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

    async fn insert<'a>(&self, batch: &'a [AttemptRecord]) -> Result<(), sqlx::Error> {
        // One array per column: the statement text is the same for every batch, so it is
        // parsed and prepared once per connection, and PostgreSQL unpacks the rows itself
        // rather than parsing a VALUES list of rows × 19 placeholders each time.
        type Col<'b> = Vec<Cow<'b, str>>;
        type OptCol<'b> = Vec<Option<Cow<'b, str>>>;
        let col = |f: &dyn Fn(&'a AttemptRecord) -> &'a str| -> Col<'a> {
            batch.iter().map(|r| no_nul(f(r))).collect()
        };
        let opt = |f: &dyn Fn(&'a AttemptRecord) -> Option<&'a str>| -> OptCol<'a> {
            batch.iter().map(|r| f(r).map(no_nul)).collect()
        };
        let times: Vec<String> = batch.iter().map(|r| rfc3339(r.time)).collect();
        let headers: Vec<String> = batch.iter().map(|r| headers_json(&r.headers)).collect();
        let headers: Col<'_> = headers.iter().map(|h| no_nul(h)).collect();
        let payload_len: Vec<i64> = batch
            .iter()
            .map(|r| i64::try_from(r.payload_len).unwrap_or(i64::MAX))
            .collect();
        sqlx::query(INSERT_UNNEST)
            .bind(col(&|r| &r.id))
            .bind(&times)
            .bind(col(&|r| r.provider))
            .bind(opt(&|r| r.tenant_id.as_deref()))
            .bind(col(&|r| &r.method))
            .bind(col(&|r| &r.endpoint))
            .bind(opt(&|r| r.url.as_deref()))
            .bind(col(&|r| r.status.as_str()))
            .bind(col(&|r| r.event_type))
            .bind(opt(&|r| r.reason.as_deref()))
            .bind(opt(&|r| r.key.as_deref()))
            .bind(opt(&|r| r.url_variant))
            .bind(opt(&|r| r.ip_address.as_deref()))
            .bind(opt(&|r| r.user_agent.as_deref()))
            .bind(opt(&|r| r.idempotency_token.as_deref()))
            .bind(&headers)
            .bind(col(&|r| &r.payload))
            .bind(&payload_len)
            .bind(col(&|r| &r.payload_sha256))
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// The insert of a batch from one array per column; a batch retried after a reply lost in
/// a cut connection may already be stored, hence `ON CONFLICT`.
const INSERT_UNNEST: &str = concat!(
    "INSERT INTO ",
    log_columns!(),
    " SELECT * FROM UNNEST($1::text[], $2::text[]::timestamptz[], $3::text[], $4::text[], \
    $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], \
    $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]::jsonb[], $17::text[], \
    $18::int8[], $19::text[]) ON CONFLICT (attempt_id) DO NOTHING"
);

impl AttemptStore for PostgresLog {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.insert(batch).await.map_err(classify) })
    }
}
