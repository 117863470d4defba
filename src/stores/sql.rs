//! What the sqlx stores share: the migration record, error classification, the row format.

use std::time::{Duration, UNIX_EPOCH};

use sqlx::{Database, Encode, Executor, IntoArguments, Pool, Type};

use crate::guard::{
    ClaimState, ClaimToken, GuardKey, StoreError as GuardStoreError, StoredResponse,
    StoredResponseRef, UnboxedStore,
};
use crate::report::StoreError;

/// One schema change, applied once and recorded under its `name`.
///
/// ```
/// # #[cfg(feature = "sqlite")] {
/// let names: Vec<_> = twilio_webhook::stores::sqlite::SqliteLog::MIGRATIONS.iter().map(|m| m.name).collect();
/// assert_eq!(names, ["0001_webhook_log"]);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// Unique across the crate's stores (the file name without `.sql`).
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The crate's migration-tracking table.
pub const MIGRATIONS_TABLE: &str = "twilio_webhook_migrations";

/// Whether a sqlx error means the database is unavailable for now (retry) or refused the
/// statement (a retry would fail again).
pub(super) fn classify(e: sqlx::Error) -> StoreError {
    use sqlx::Error as E;
    let transient = match &e {
        E::Io(_) | E::Tls(_) | E::Protocol(_) | E::PoolTimedOut | E::PoolClosed => true,
        E::WorkerCrashed => true,
        E::Database(db) => db.code().is_some_and(|c| transient_code(&c)),
        _ => false,
    };
    if transient {
        StoreError::retryable(e)
    } else {
        StoreError::rejected(e)
    }
}

/// PostgreSQL: connection exceptions (08…), operator intervention such as a shutdown or a
/// restart (57P0…), insufficient resources (53…: disk full, too many connections),
/// serialization failures and deadlocks (40…). SQLite: BUSY (5), LOCKED (6), IOERR (10),
/// FULL (13), CANTOPEN (14), and their extended codes.
fn transient_code(code: &str) -> bool {
    // SQLSTATE codes are five characters (some all digits, such as 08006); SQLite's
    // extended result codes are numbers of at most four digits.
    if code.len() == 5 {
        return ["08", "57P0", "53", "40"]
            .iter()
            .any(|p| code.starts_with(p));
    }
    code.parse::<u32>()
        .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 10 | 13 | 14))
}

/// Text PostgreSQL (and JSON in it) can hold: NUL is refused by `text` and `jsonb`, and a
/// forged body with one byte 0 must not make a batch fail, so it becomes U+FFFD.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(super) fn no_nul(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        s.replace('\0', "\u{fffd}").into()
    } else {
        s.into()
    }
}

/// The headers as a JSON array of `[name, value]` pairs (repeated headers kept in order).
pub(super) fn headers_json(headers: &[(String, String)]) -> String {
    serde_json::to_string(headers).unwrap_or_else(|_| "[]".to_owned())
}

/// `now - retention` as the stores compare `received_at` (RFC 3339, UTC).
pub(super) fn cutoff(retention: std::time::Duration) -> String {
    let now = std::time::SystemTime::now();
    let t = now.checked_sub(retention).unwrap_or(std::time::UNIX_EPOCH);
    crate::report::rfc3339(t)
}

/// The replay guard's current claim from the row both SQL guard stores select: `completed`,
/// `first_seen_ms` (Unix ms), `status`, `content_type`, `body` and `body_omitted`.
fn guard_state<'r, R>(row: &'r R) -> Result<ClaimState, GuardStoreError>
where
    R: sqlx::Row,
    &'static str: sqlx::ColumnIndex<R>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let malformed = |column| move |_: sqlx::Error| GuardStoreError::Malformed(column);
    let completed: bool = row.try_get("completed").map_err(malformed("completed"))?;
    let ms: i64 = row
        .try_get("first_seen_ms")
        .map_err(malformed("first_seen"))?;
    let first_seen = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    if !completed {
        return Ok(ClaimState::Held { first_seen });
    }
    let status: Option<i64> = row.try_get("status").map_err(malformed("status"))?;
    let status = status
        .and_then(|s| u16::try_from(s).ok())
        .ok_or(GuardStoreError::Malformed("status"))?;
    let content_type = row
        .try_get("content_type")
        .map_err(malformed("content_type"))?;
    let body: Option<Vec<u8>> = row.try_get("body").map_err(malformed("body"))?;
    let body_omitted = row
        .try_get("body_omitted")
        .map_err(malformed("body_omitted"))?;
    Ok(ClaimState::Completed {
        first_seen,
        response: StoredResponse {
            status,
            content_type,
            body: body.unwrap_or_default(),
            body_omitted,
        },
    })
}

/// A replay guard store on a sqlx pool: its dialect's statements and bind types. The
/// claim loop, completion and release are written once, in the blanket [`UnboxedStore`]
/// impl below.
pub(super) trait SqlGuardStore: Send + Sync + 'static {
    type Db: Database;
    /// How the dialect binds a lease or window in milliseconds.
    type Millis: for<'q> Encode<'q, Self::Db> + Type<Self::Db> + Send + 'static;
    /// How the dialect binds an HTTP status.
    type Status: for<'q> Encode<'q, Self::Db> + Type<Self::Db> + Send + 'static;

    /// Takes the key if free: `1` key, `2` token, `3` lease; one row when claimed.
    const CLAIM: &'static str;
    /// The live row of key `1`, in the columns [`guard_state`] reads.
    const CURRENT: &'static str;
    /// Compare-and-set completion: `1` key, `2` token, `3` window, `4` status,
    /// `5` content type, `6` body, `7` body omitted.
    const COMPLETE: &'static str;
    /// Compare-and-set release: `1` key, `2` token.
    const RELEASE: &'static str;
    /// Deletes the rows whose lease or window expired.
    const PURGE: &'static str;

    fn pool(&self) -> &Pool<Self::Db>;
    fn millis(d: Duration) -> Self::Millis;
    fn status(status: u16) -> Result<Self::Status, GuardStoreError>;
    fn rows_affected(done: &<Self::Db as Database>::QueryResult) -> u64;
}

/// `purge_expired` of both SQL guard stores.
pub(super) async fn purge_expired<S, DB>(store: &S) -> Result<u64, GuardStoreError>
where
    S: SqlGuardStore<Db = DB>,
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    let done = sqlx::query(S::PURGE)
        .execute(store.pool())
        .await
        .map_err(GuardStoreError::backend)?;
    Ok(S::rows_affected(&done))
}

/// How often a claim is retried when the row it lost to vanished before it could be read
/// (released or expired in between): each retry is a fresh atomic claim.
const CLAIM_ATTEMPTS: usize = 8;

impl<S, DB> UnboxedStore for S
where
    S: SqlGuardStore<Db = DB>,
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    &'static str: sqlx::ColumnIndex<DB::Row>,
    for<'r> bool: sqlx::Decode<'r, DB>,
    for<'r> i64: sqlx::Decode<'r, DB> + Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + Type<DB>,
    for<'r> Vec<u8>: sqlx::Decode<'r, DB> + Type<DB>,
{
    async fn claim_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        lease: Duration,
    ) -> Result<ClaimState, GuardStoreError> {
        for _ in 0..CLAIM_ATTEMPTS {
            let claimed = sqlx::query(S::CLAIM)
                .bind(key.as_bytes().as_slice())
                .bind(token.as_bytes().as_slice())
                .bind(S::millis(lease))
                .fetch_optional(self.pool())
                .await
                .map_err(GuardStoreError::backend)?;
            if claimed.is_some() {
                return Ok(ClaimState::Claimed);
            }
            let row = sqlx::query(S::CURRENT)
                .bind(key.as_bytes().as_slice())
                .fetch_optional(self.pool())
                .await
                .map_err(GuardStoreError::backend)?;
            if let Some(row) = row {
                return guard_state(&row);
            }
        }
        Err(GuardStoreError::Contended)
    }

    async fn complete_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        response: StoredResponseRef<'_>,
        window: Duration,
    ) -> Result<bool, GuardStoreError> {
        let done = sqlx::query(S::COMPLETE)
            .bind(key.as_bytes().as_slice())
            .bind(token.as_bytes().as_slice())
            .bind(S::millis(window))
            .bind(S::status(response.status)?)
            .bind(response.content_type)
            .bind(response.body)
            .bind(response.body_omitted)
            .execute(self.pool())
            .await
            .map_err(GuardStoreError::backend)?;
        Ok(S::rows_affected(&done) == 1)
    }

    async fn release_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
    ) -> Result<bool, GuardStoreError> {
        let done = sqlx::query(S::RELEASE)
            .bind(key.as_bytes().as_slice())
            .bind(token.as_bytes().as_slice())
            .execute(self.pool())
            .await
            .map_err(GuardStoreError::backend)?;
        Ok(S::rows_affected(&done) == 1)
    }
}

/// The columns a store inserts, in the order it binds them (a macro, so that `concat!`
/// can build each store's statement from it).
macro_rules! log_columns {
    () => {
        "webhook_log (attempt_id, received_at, provider, tenant_id, method, endpoint, url, \
        status, event_type, reason, key_used, url_variant, ip_address, user_agent, \
        idempotency_token, headers, payload, payload_len, payload_sha256)"
    };
}
pub(super) use log_columns;

#[cfg(test)]
mod tests {
    #[test]
    fn transient_codes() {
        for c in [
            "08006", "57P01", "57P03", "53100", "53300", "40001", "5", "517", "13", "10",
        ] {
            assert!(super::transient_code(c), "{c}");
        }
        for c in ["23505", "42P01", "22021", "1", "19", "2067"] {
            assert!(!super::transient_code(c), "{c}");
        }
    }
}
