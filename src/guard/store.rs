//! What a guard store does: the three atomic operations of the two-phase claim.

use std::time::{Duration, SystemTime};

use super::key::{ClaimToken, GuardKey};
use crate::boxed::BoxFuture;

/// The first delivery's response, as stored for its repeats: status, content type and
/// body (the body only when it fits the configured cap).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status (always 2xx: only successful deliveries are completed).
    pub status: u16,
    /// `Content-Type` of the response, if it had one.
    pub content_type: Option<String>,
    /// The body, or empty when [`body_omitted`](Self::body_omitted).
    pub body: Vec<u8>,
    /// The body exceeded the cap ([`GuardConfig::with_response_cap`](super::GuardConfig::with_response_cap))
    /// and was not stored; repeats are answered with the status and an empty body.
    pub body_omitted: bool,
}

impl core::fmt::Debug for StoredResponse {
    // Bodies can be long and may carry personal data: only their size is shown.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("body_omitted", &self.body_omitted)
            .finish()
    }
}

impl StoredResponse {
    /// The response borrowed, as [`GuardStore::complete`] takes it.
    ///
    /// ```
    /// use twilio_webhook::guard::StoredResponse;
    /// let r = StoredResponse { status: 200, content_type: None, body: b"<Response/>".to_vec(), body_omitted: false };
    /// assert_eq!(r.borrowed().to_stored(), r);
    /// ```
    pub fn borrowed(&self) -> StoredResponseRef<'_> {
        StoredResponseRef {
            status: self.status,
            content_type: self.content_type.as_deref(),
            body: &self.body,
            body_omitted: self.body_omitted,
        }
    }
}

/// A completion's response, borrowed from the handler's answer: each store copies only what
/// it keeps (a row's columns, a Redis value), so that completing allocates nothing the
/// store does not keep. Fields as [`StoredResponse`]'s.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StoredResponseRef<'a> {
    /// HTTP status (always 2xx).
    pub status: u16,
    /// `Content-Type` of the response, if it had one.
    pub content_type: Option<&'a str>,
    /// The body, or empty when `body_omitted`.
    pub body: &'a [u8],
    /// The body exceeded the cap and is not stored.
    pub body_omitted: bool,
}

impl StoredResponseRef<'_> {
    /// An owned copy.
    pub fn to_stored(&self) -> StoredResponse {
        StoredResponse {
            status: self.status,
            content_type: self.content_type.map(str::to_owned),
            body: self.body.to_vec(),
            body_omitted: self.body_omitted,
        }
    }
}

impl core::fmt::Debug for StoredResponseRef<'_> {
    // As `StoredResponse`'s: the body's size only.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredResponseRef")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("body_omitted", &self.body_omitted)
            .finish()
    }
}

/// What the store found for a key when asked to claim it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimState {
    /// The key was free (never seen, released, its lease lapsed or its window expired):
    /// it is now held under the caller's token until the lease ends.
    Claimed,
    /// Another claim holds the key and its lease has not lapsed.
    Held {
        /// When the current claim was first made (store clock).
        first_seen: SystemTime,
    },
    /// The delivery completed and its window has not expired.
    Completed {
        /// When the delivery was first claimed (store clock).
        first_seen: SystemTime,
        /// Its stored response.
        response: StoredResponse,
    },
}

/// A store operation failed. The guard applies its
/// [`StoreErrorPolicy`](super::StoreErrorPolicy).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The in-memory store holds `capacity` live entries and refuses new ones rather than
    /// forget a delivery it has seen.
    #[error("replay guard store is full ({capacity} live entries)")]
    Full {
        /// The configured capacity.
        capacity: usize,
    },
    /// The database or Redis failed (connection, query, timeout).
    #[error("replay guard store failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A claim lost every one of its few attempts to a row that vanished (released or
    /// expired) before it could be read: heavy churn on one key.
    #[error("replay guard claim kept racing with releases of the same delivery")]
    Contended,
    /// The store returned a record this crate did not write (another application's key,
    /// a schema from an incompatible version).
    #[error("replay guard store returned a malformed record: {0}")]
    Malformed(&'static str),
}

impl StoreError {
    /// Wraps a backend error.
    ///
    /// ```
    /// use twilio_webhook::guard::StoreError;
    /// let e = StoreError::backend(std::io::Error::other("connection refused"));
    /// assert_eq!(e.to_string(), "replay guard store failed: connection refused");
    /// ```
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// Where claims live. Each operation is atomic in the store, so that replicas sharing
/// one store agree on which of them holds a delivery; expiry is judged by the store's
/// own clock (the database's `now()`, Redis's `TIME`), never by a replica's.
///
/// Implementations: [`MemoryStore`](super::MemoryStore) (one process), and behind their
/// features `PostgresGuardStore`, `SqliteGuardStore` and `RedisGuardStore` in
/// `twilio_webhook::stores`.
///
/// ```
/// use std::time::Duration;
/// use twilio_webhook::guard::{ClaimState, ClaimToken, GuardKey, GuardStore, MemoryStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let store = MemoryStore::new(1000);
/// let key = GuardKey::new(Some("acme"), b"the verified MAC");
/// let token = ClaimToken::random();
/// let lease = Duration::from_secs(30);
/// assert_eq!(store.claim(&key, &token, lease).await.unwrap(), ClaimState::Claimed);
/// assert!(matches!(
///     store.claim(&key, &ClaimToken::random(), lease).await.unwrap(),
///     ClaimState::Held { .. }
/// ));
/// assert!(store.release(&key, &token).await.unwrap());
/// # });
/// ```
pub trait GuardStore: Send + Sync + 'static {
    /// Claims `key` for `token` for `lease` if it is free, else reports who has it. One
    /// atomic step: of concurrent claims of a free key exactly one gets
    /// [`ClaimState::Claimed`]. A key whose lease lapsed or whose window expired is free.
    fn claim<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> BoxFuture<'a, Result<ClaimState, StoreError>>;

    /// Completes the claim if `token` still holds it and its lease has not lapsed
    /// (compare-and-set), storing `response` for `window`. `Ok(false)`: the claim was
    /// lost, nothing was written.
    fn complete<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
        response: StoredResponseRef<'a>,
        window: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Frees the key if `token` still holds it and it is not completed (compare-and-set),
    /// so a retry runs the handler again. `Ok(false)`: it was not held by `token`.
    fn release<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}
