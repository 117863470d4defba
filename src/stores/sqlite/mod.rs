//! SQLite stores (feature `sqlite`): [`SqliteLog`], the attempt log in table
//! `webhook_log`; [`SqliteGuardStore`], the replay guard's; and [`migrate`] for the
//! crate's schema.

mod guard;
mod log;

pub use guard::SqliteGuardStore;
pub use log::SqliteLog;

use sqlx::SqlitePool;

use super::Migration;

/// Applies each of `migrations` not yet recorded in `twilio_webhook_migrations`, in order,
/// each in the transaction that records it (SQLite serialises writers).
///
/// ```no_run
/// # async fn f(pool: sqlx::SqlitePool) -> Result<(), sqlx::Error> {
/// use twilio_webhook::stores::sqlite::{migrate, SqliteLog};
/// migrate(&pool, SqliteLog::MIGRATIONS).await?;
/// # Ok(()) }
/// ```
pub async fn migrate(pool: &SqlitePool, migrations: &[Migration]) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS twilio_webhook_migrations (
            name       TEXT PRIMARY KEY,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )",
    )
    .execute(pool)
    .await?;
    for m in migrations {
        let mut tx = pool.begin().await?;
        let done: Option<(String,)> =
            sqlx::query_as("SELECT name FROM twilio_webhook_migrations WHERE name = ?1")
                .bind(m.name)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_none() {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO twilio_webhook_migrations (name) VALUES (?1)")
                .bind(m.name)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
