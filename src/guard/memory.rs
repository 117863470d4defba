//! The in-memory store: one process, bounded, sharded.

use core::future::Future;
use std::collections::hash_map::{self, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::key::{ClaimToken, GuardKey};
use super::store::{ClaimState, StoreError, StoredResponse, StoredResponseRef};
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
///   Memory per entry: about 100 bytes plus the stored response (its body at most the
///   response cap), which consecutive completions with an equal response share.
/// - **Concurrency**: each shard is one mutex, held only for a map operation.
/// - **Clock**: leases and windows are measured with `tokio::time::Instant`; a delivery's
///   `first_seen` is that clock's reading anchored to the wall clock when the store was
///   created (one clock read per claim; a later step of the wall clock does not move it).
///
/// ```
/// use twilio_webhook::guard::{Guard, GuardConfig, MemoryStore};
/// let guard = Guard::new(MemoryStore::new(100_000), GuardConfig::default()).unwrap();
/// # let _ = guard;
/// ```
pub struct MemoryStore {
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    capacity: usize,
    /// The wall-clock time of `epoch`: a delivery's `first_seen` is `wall_epoch` plus its
    /// claim's distance from `epoch`, so that a claim reads one clock, not two.
    wall_epoch: SystemTime,
    epoch: Instant,
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

#[derive(Default)]
struct Shard {
    map: Map,
    /// The response this shard stored last. A route answers most deliveries with the same
    /// TwiML: a completion whose response equals it shares it (no copy, no allocation,
    /// one body in memory for a day of deliveries), any other replaces it.
    last: Option<Arc<StoredResponse>>,
}

struct Entry {
    state: State,
    first_seen: Instant,
    expires: Instant,
}

enum State {
    /// Claimed under this token.
    Held(ClaimToken),
    /// Completed with this response.
    Completed(Arc<StoredResponse>),
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
            shards: (0..shards).map(|_| Mutex::default()).collect(),
            shard_capacity: capacity.div_ceil(shards),
            capacity,
            wall_epoch: SystemTime::now(),
            epoch: Instant::now(),
        }
    }

    /// Live and expired entries currently held (expired ones are dropped lazily).
    ///
    /// ```
    /// assert_eq!(twilio_webhook::guard::MemoryStore::new(8).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).map.len()).sum()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, key: &GuardKey) -> MutexGuard<'_, Shard> {
        // The key is a SHA-256 digest: any 8 of its bytes are uniform. The map's hash takes
        // bytes 0..8, so the shard takes 8..16.
        let (_, rest) = key.as_bytes().split_at(8);
        let n = rest
            .first_chunk::<8>()
            .map_or(0, |b| u64::from_le_bytes(*b));
        // No truncation: the remainder is below the shard count, itself a `usize`.
        #[allow(clippy::cast_possible_truncation)]
        let i = (n % self.shards.len() as u64) as usize;
        // In bounds: `i` is a remainder of the number of shards (`new` makes at least one).
        #[allow(clippy::indexing_slicing)]
        let shard = &self.shards[i];
        lock(shard)
    }

    fn wall_time(&self, at: Instant) -> SystemTime {
        self.wall_epoch + at.saturating_duration_since(self.epoch)
    }

    fn claim_now(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        lease: Duration,
    ) -> Result<ClaimState, StoreError> {
        let now = Instant::now();
        let mut shard = self.shard(key);
        let map = &mut shard.map;
        if map.len() >= self.shard_capacity && !map.contains_key(key) {
            map.retain(|_, e| e.expires > now);
            if map.len() >= self.shard_capacity {
                return Err(StoreError::Full {
                    capacity: self.capacity,
                });
            }
        }
        let held = Entry {
            state: State::Held(*token),
            first_seen: now,
            expires: now + lease,
        };
        // One lookup: a free key is claimed in the slot it was looked up in.
        match map.entry(*key) {
            hash_map::Entry::Vacant(slot) => {
                slot.insert(held);
            }
            hash_map::Entry::Occupied(mut slot) => {
                let e = slot.get_mut();
                if e.expires > now {
                    let first_seen = self.wall_time(e.first_seen);
                    return Ok(match &e.state {
                        State::Completed(response) => ClaimState::Completed {
                            first_seen,
                            response: StoredResponse::clone(response),
                        },
                        State::Held(_) => ClaimState::Held { first_seen },
                    });
                }
                // A lapsed claim is taken over: the delivery was first seen then. An
                // expired completion is a new delivery.
                let first_seen = match e.state {
                    State::Held(_) => e.first_seen,
                    State::Completed(_) => now,
                };
                *e = Entry { first_seen, ..held };
            }
        }
        Ok(ClaimState::Claimed)
    }

    fn complete_now(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        response: StoredResponseRef<'_>,
        window: Duration,
    ) -> bool {
        let now = Instant::now();
        let mut shard = self.shard(key);
        let Shard { map, last } = &mut *shard;
        let Some(e) = map.get_mut(key) else {
            return false;
        };
        if !matches!(&e.state, State::Held(t) if t == token) || e.expires <= now {
            return false;
        }
        let response = match last {
            Some(shared) if shared.borrowed() == response => Arc::clone(shared),
            _ => Arc::clone(last.insert(Arc::new(response.to_stored()))),
        };
        e.state = State::Completed(response);
        e.expires = now + window;
        true
    }

    fn release_now(&self, key: &GuardKey, token: &ClaimToken) -> bool {
        let mut shard = self.shard(key);
        let ours = shard
            .map
            .get(key)
            .is_some_and(|e| matches!(&e.state, State::Held(t) if t == token));
        if ours {
            shard.map.remove(key);
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
        response: StoredResponseRef<'_>,
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

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Duration = Duration::from_secs(60);

    fn response(body: &[u8]) -> StoredResponse {
        StoredResponse {
            status: 200,
            content_type: Some("text/xml".into()),
            body: body.to_vec(),
            body_omitted: false,
        }
    }

    /// Claims and completes `mac` with `body`, then returns what a repeat finds.
    fn deliver(store: &MemoryStore, mac: &[u8], body: &[u8]) -> (SystemTime, StoredResponse) {
        let key = GuardKey::new(None, mac);
        let token = ClaimToken::random();
        assert!(matches!(
            store.claim_now(&key, &token, LONG),
            Ok(ClaimState::Claimed)
        ));
        assert!(store.complete_now(&key, &token, response(body).borrowed(), LONG));
        match store.claim_now(&key, &ClaimToken::random(), LONG) {
            Ok(ClaimState::Completed {
                first_seen,
                response,
            }) => (first_seen, response),
            other => panic!("{other:?}"),
        }
    }

    fn stored(store: &MemoryStore, mac: &[u8]) -> Arc<StoredResponse> {
        let shard = store.shard(&GuardKey::new(None, mac));
        match shard.map.get(&GuardKey::new(None, mac)).map(|e| &e.state) {
            Some(State::Completed(r)) => Arc::clone(r),
            _ => panic!("not completed"),
        }
    }

    #[test]
    fn equal_responses_share_one_copy_and_each_delivery_keeps_its_own() {
        let store = MemoryStore::new(100); // one shard
        assert_eq!(deliver(&store, b"a", b"<Response/>").1.body, b"<Response/>");
        assert_eq!(deliver(&store, b"b", b"<Response/>").1.body, b"<Response/>");
        assert_eq!(deliver(&store, b"c", b"<Other/>").1.body, b"<Other/>");
        assert_eq!(deliver(&store, b"d", b"<Response/>").1.body, b"<Response/>");
        assert!(Arc::ptr_eq(&stored(&store, b"a"), &stored(&store, b"b")));
        assert!(!Arc::ptr_eq(&stored(&store, b"b"), &stored(&store, b"c")));
        // Repeats still get their own delivery's response.
        let again = |mac: &[u8]| match store.claim_now(
            &GuardKey::new(None, mac),
            &ClaimToken::random(),
            LONG,
        ) {
            Ok(ClaimState::Completed { response, .. }) => response.body,
            other => panic!("{other:?}"),
        };
        assert_eq!(again(b"a"), b"<Response/>");
        assert_eq!(again(b"c"), b"<Other/>");
        assert_eq!(again(b"d"), b"<Response/>");
    }

    #[test]
    fn first_seen_is_stable_across_repeats_and_ordered_by_claim() {
        let store = MemoryStore::new(100);
        let before = store.wall_epoch;
        let (a, _) = deliver(&store, b"a", b"");
        let (b, _) = deliver(&store, b"b", b"");
        assert!(before <= a && a <= b);
        let (a_again, _) =
            match store.claim_now(&GuardKey::new(None, b"a"), &ClaimToken::random(), LONG) {
                Ok(ClaimState::Completed {
                    first_seen,
                    response,
                }) => (first_seen, response),
                other => panic!("{other:?}"),
            };
        assert_eq!(a_again, a);
    }
}
