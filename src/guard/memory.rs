//! The in-memory store: one process, bounded, sharded.

use core::future::Future;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::key::{ClaimToken, GuardKey};
use super::store::{ClaimState, StoreError, StoredResponse};
use super::unboxed::UnboxedStore;

/// Claims in this process's memory: for a single replica, and for tests.
///
/// - **Bounded**: at most `capacity` live entries. A claim holds an entry for its lease, a
///   completed delivery for the window; an expired entry is dropped when a full shard
///   needs room (and overwritten when its key comes again).
/// - **When full**, after dropping expired entries, a new claim fails with
///   [`StoreError::Full`] rather than forget a delivery it has seen, and the guard's
///   [`StoreErrorPolicy`](super::StoreErrorPolicy) decides (by default the request runs
///   unguarded and an `error` event is emitted). Keys are spread over up to 64 shards,
///   each with its share of the capacity, so a shard may fill slightly before the whole.
///   Memory per entry: about 100 bytes plus the stored body (at most the response cap).
/// - **Concurrency**: each shard is one mutex, held only for a map operation.
/// - **Clock**: leases and windows are measured with `tokio::time::Instant`.
///
/// ```
/// use twilio_webhook::guard::{Guard, GuardConfig, MemoryStore};
/// let guard = Guard::new(MemoryStore::new(100_000), GuardConfig::default()).unwrap();
/// # let _ = guard;
/// ```
pub struct MemoryStore {
    shards: Box<[Mutex<Map>]>,
    shard_capacity: usize,
    capacity: usize,
}

impl core::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// Keys are SHA-256 digests, already uniform: hashing them again (SipHash) is waste, and
/// they cannot be chosen to collide by whoever sends requests.
type Map = HashMap<GuardKey, Entry, BuildHasherDefault<DigestHasher>>;

/// Takes the first 8 bytes written ([`GuardKey`] hashes as its 32 digest bytes).
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        if let Some(b) = bytes.first_chunk::<8>() {
            self.0 = u64::from_le_bytes(*b);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

struct Entry {
    /// `Some` while claimed; `None` once completed.
    token: Option<ClaimToken>,
    first_seen: SystemTime,
    expires: Instant,
    response: Option<StoredResponse>,
}

/// Entries per shard before another shard is added (up to [`MAX_SHARDS`]).
const ENTRIES_PER_SHARD: usize = 1024;
const MAX_SHARDS: usize = 64;

impl MemoryStore {
    /// A store for at most `capacity` live entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let shards = (capacity / ENTRIES_PER_SHARD).clamp(1, MAX_SHARDS);
        MemoryStore {
            shards: (0..shards).map(|_| Mutex::new(Map::default())).collect(),
            shard_capacity: capacity.div_ceil(shards),
            capacity,
        }
    }

    /// Live and expired entries currently held (expired ones are dropped lazily).
    ///
    /// ```
    /// assert_eq!(twilio_webhook::guard::MemoryStore::new(8).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).len()).sum()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // In bounds, and no truncation: the index is taken modulo the shard count (a `usize`, at
    // least 1), and `b` is a 32-byte digest.
    #[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
    fn shard(&self, key: &GuardKey) -> MutexGuard<'_, Map> {
        // The key is a SHA-256 digest: any 8 of its bytes are uniform. The map's hash takes
        // bytes 0..8, so the shard takes 8..16.
        let b = key.as_bytes();
        let n = u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);
        lock(&self.shards[(n % self.shards.len() as u64) as usize])
    }

    fn claim_now(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        lease: Duration,
    ) -> Result<ClaimState, StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(key);
        let mut first_seen = SystemTime::now();
        match shard.get(key) {
            Some(e) if e.expires > now => {
                return Ok(match &e.response {
                    Some(response) => ClaimState::Completed {
                        first_seen: e.first_seen,
                        response: response.clone(),
                    },
                    None => ClaimState::Held {
                        first_seen: e.first_seen,
                    },
                });
            }
            // A lapsed claim is taken over: the delivery was first seen then.
            Some(e) if e.response.is_none() => first_seen = e.first_seen,
            Some(_) => {}
            None => {
                if shard.len() >= self.shard_capacity {
                    shard.retain(|_, e| e.expires > now);
                }
                if shard.len() >= self.shard_capacity {
                    return Err(StoreError::Full {
                        capacity: self.capacity,
                    });
                }
            }
        }
        shard.insert(
            *key,
            Entry {
                token: Some(*token),
                first_seen,
                expires: now + lease,
                response: None,
            },
        );
        Ok(ClaimState::Claimed)
    }

    fn complete_now(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        response: StoredResponse,
        window: Duration,
    ) -> bool {
        let now = Instant::now();
        let mut shard = self.shard(key);
        match shard.get_mut(key) {
            Some(e) if e.token.as_ref() == Some(token) && e.expires > now => {
                e.token = None;
                e.expires = now + window;
                e.response = Some(response);
                true
            }
            _ => false,
        }
    }

    fn release_now(&self, key: &GuardKey, token: &ClaimToken) -> bool {
        let mut shard = self.shard(key);
        let ours = shard
            .get(key)
            .is_some_and(|e| e.token.as_ref() == Some(token));
        if ours {
            shard.remove(key);
        }
        ours
    }
}

/// A panic elsewhere while a shard was locked leaves its map consistent (every update is
/// one `insert`/`remove`/field write), so the lock is taken over rather than propagated.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl UnboxedStore for MemoryStore {
    fn claim_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        lease: Duration,
    ) -> impl Future<Output = Result<ClaimState, StoreError>> + Send {
        core::future::ready(self.claim_now(key, token, lease))
    }

    fn complete_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        response: StoredResponse,
        window: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        core::future::ready(Ok(self.complete_now(key, token, response, window)))
    }

    fn release_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        core::future::ready(Ok(self.release_now(key, token)))
    }
}
