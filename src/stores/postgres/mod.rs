//! PostgreSQL stores (feature `postgres`): [`PostgresLog`], the attempt log in table
//! `webhook_log`; [`PostgresGuardStore`], the replay guard's; and [`migrate`] for the
//! crate's schema.

mod guard;
mod log;

pub use guard::PostgresGuardStore;
pub use log::PostgresLog;

use sqlx::PgPool;

use super::{Migration, MIGRATIONS_TABLE};

/// Applies each of `migrations` not yet recorded in `twilio_webhook_migrations`, in order,
/// each in the transaction that records it. Concurrent callers wait on an advisory lock.
///
/// ```no_run
/// # async fn f(pool: sqlx::PgPool) -> Result<(), sqlx::Error> {
/// use twilio_webhook::stores::postgres::{migrate, PostgresLog};
/// migrate(&pool, PostgresLog::MIGRATIONS).await?;
/// # Ok(()) }
/// ```
pub async fn migrate(pool: &PgPool, migrations: &[Migration]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(MIGRATIONS_TABLE)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS twilio_webhook_migrations (
            name       TEXT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .execute(&mut *tx)
    .await?;
    for m in migrations {
        let done: Option<(String,)> =
            sqlx::query_as("SELECT name FROM twilio_webhook_migrations WHERE name = $1")
                .bind(m.name)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_none() {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO twilio_webhook_migrations (name) VALUES ($1)")
                .bind(m.name)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await
}
