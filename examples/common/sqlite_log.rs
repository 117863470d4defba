//! The demo servers' webhook attempt log: one SQLite row per attempt.
//!
//! Schema (created on open if missing):
//!
//! ```sql
//! CREATE TABLE webhook_log (
//!     id                INTEGER PRIMARY KEY AUTOINCREMENT,
//!     received_at       TEXT NOT NULL,   -- UTC, '2025-01-31T12:00:00.123Z'
//!     provider          TEXT NOT NULL,   -- 'twilio'
//!     tenant_id         TEXT,            -- resolved tenant, if any
//!     method            TEXT NOT NULL,
//!     endpoint          TEXT NOT NULL,   -- request path without query
//!     url               TEXT,            -- public URL checked (full, query included)
//!     status            TEXT NOT NULL CHECK (status IN ('success', 'unauthorized', 'error')),
//!     event_type        TEXT NOT NULL,   -- as in the security event
//!     reason            TEXT,            -- why it was refused
//!     key_used          TEXT,            -- on success: 'auth_token:primary', 'shared_key:<id>' …
//!     url_variant       TEXT,            -- on success: which URL form matched
//!     ip_address        TEXT,
//!     user_agent        TEXT,
//!     idempotency_token TEXT,            -- I-Twilio-Idempotency-Token: equal on retries
//!     headers           TEXT NOT NULL,   -- JSON [[name, value], …]; X-Twilio-Signature as
//!                                        -- 'sha256:<12 hex>', credentials '[redacted]'
//!     payload           TEXT NOT NULL    -- the body as received (lossy UTF-8; '' if refused
//!                                        -- before it was read)
//! );
//! CREATE INDEX webhook_log_status ON webhook_log (status, received_at);
//! CREATE INDEX webhook_log_tenant ON webhook_log (tenant_id, received_at);
//! ```
//!
//! Look at it with `sqlite3 webhook_log.sqlite3 "SELECT received_at, status, event_type,
//! reason, ip_address FROM webhook_log ORDER BY id DESC LIMIT 20"`.
//!
//! **Blocking:** [`AttemptLog::record`] is synchronous and runs on the async runtime's
//! worker thread, so this log holds one connection behind a `Mutex` and does one short
//! `INSERT` per attempt (WAL journal, `synchronous = NORMAL`: no fsync per insert). That is
//! well under a millisecond on a local disk and fine for a demo; a busy production service
//! should hand records to a channel drained by a blocking task instead.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use rusqlite::{params, Connection};
use twilio_webhook::report::{Attempt, AttemptLog};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS webhook_log (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at       TEXT NOT NULL,
    provider          TEXT NOT NULL,
    tenant_id         TEXT,
    method            TEXT NOT NULL,
    endpoint          TEXT NOT NULL,
    url               TEXT,
    status            TEXT NOT NULL CHECK (status IN ('success', 'unauthorized', 'error')),
    event_type        TEXT NOT NULL,
    reason            TEXT,
    key_used          TEXT,
    url_variant       TEXT,
    ip_address        TEXT,
    user_agent        TEXT,
    idempotency_token TEXT,
    headers           TEXT NOT NULL,
    payload           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_log_status ON webhook_log (status, received_at);
CREATE INDEX IF NOT EXISTS webhook_log_tenant ON webhook_log (tenant_id, received_at);
";

/// An [`AttemptLog`] writing to SQLite (see the module docs for the schema).
pub struct SqliteLog {
    conn: Mutex<Connection>,
}

impl SqliteLog {
    /// Opens (or creates) the database file and the table.
    pub fn open(path: impl AsRef<Path>) -> rusqlite::Result<Self> {
        let conn = Connection::open(path)?;
        // WAL lets `sqlite3` read while the server writes; NORMAL skips the fsync per commit.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::with_connection(conn)
    }

    /// A database in memory (tests, or when the file cannot be opened).
    pub fn in_memory() -> rusqlite::Result<Self> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(conn: Connection) -> rusqlite::Result<Self> {
        // Another process writing the same file: wait briefly rather than fail at once.
        conn.busy_timeout(std::time::Duration::from_millis(200))?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteLog {
            conn: Mutex::new(conn),
        })
    }

    /// Number of rows, for the demo's banner and tests.
    pub fn count(&self) -> rusqlite::Result<i64> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row("SELECT count(*) FROM webhook_log", [], |r| r.get(0))
    }
}

impl AttemptLog for SqliteLog {
    fn record(&self, a: &Attempt<'_>) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let r = a.to_record();
        let seconds = r
            .time
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let headers = serde_json::to_string(&r.headers)?;
        let conn = self
            .conn
            .lock()
            .map_err(|_| "webhook log connection mutex poisoned")?;
        conn.prepare_cached(
            "INSERT INTO webhook_log (received_at, provider, tenant_id, method, endpoint, url,
                status, event_type, reason, key_used, url_variant, ip_address, user_agent,
                idempotency_token, headers, payload)
             VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', ?1, 'unixepoch'), ?2, ?3, ?4, ?5, ?6,
                ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            seconds,
            r.provider,
            r.tenant_id,
            r.method,
            r.endpoint,
            r.url,
            r.status.as_str(),
            r.event_type,
            r.reason,
            r.key,
            r.url_variant,
            r.ip_address,
            r.user_agent,
            r.idempotency_token,
            headers,
            r.payload,
        ])?;
        Ok(())
    }
}
