//! The replay guard's Redis store (feature `redis`).

use std::time::{Duration, UNIX_EPOCH};

use redis::aio::ConnectionManager;
use redis::Script;

use crate::guard::{
    ClaimState, ClaimToken, GuardKey, StoreError, StoredResponse, StoredResponseRef, UnboxedStore,
};

/// Guard claims in Redis, shared by every replica that uses the server.
///
/// A claim is `SET key value NX PX <lease>` inside a Lua script that also returns the
/// current value when the key is taken, in one atomic step; the key's own expiry is the
/// lease, then the window, so Redis's clock judges both and a lapsed lease or an expired
/// window simply frees the key. Completion and release are Lua compare-and-set scripts on
/// the claim's token, so a replica never completes or releases another's claim. Needs
/// Redis 5 or later (scripts call `TIME` before writing).
///
/// # Keys and values
///
/// One string key per delivery, `<prefix><hex SHA-256 of (tenant, verified MAC)>` (prefix
/// `twilio-webhook:guard:` by default, see [`with_prefix`](Self::with_prefix)):
/// - while claimed, `c|<token hex>|<first seen, Unix ms>`, expiring with the lease;
/// - once completed, `d|<first seen>|<status>|<body omitted 0/1>|<has content type 0/1>|<content type length>|<content type><body>`,
///   expiring with the window.
///
/// No purge is needed: Redis deletes expired keys itself.
///
/// ```no_run
/// use twilio_webhook::guard::{Guard, GuardConfig};
/// use twilio_webhook::stores::redis::RedisGuardStore;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisGuardStore::connect("redis://127.0.0.1:6379").await?;
/// let guard = Guard::new(store, GuardConfig::default())?;
/// # let _ = guard; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisGuardStore {
    conn: ConnectionManager,
    prefix: String,
    claim: Script,
    complete: Script,
    release: Script,
}

impl core::fmt::Debug for RedisGuardStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RedisGuardStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Default key prefix.
pub const DEFAULT_PREFIX: &str = "twilio-webhook:guard:";

// KEYS[1] key; ARGV[1] token hex, ARGV[2] lease ms. Nil: claimed; else the current value
// (keys do not expire while a script runs, so the GET after a failed SET finds it).
const CLAIM: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
if redis.call('SET', KEYS[1], 'c|' .. ARGV[1] .. '|' .. now, 'NX', 'PX', ARGV[2]) then
  return false
end
return redis.call('GET', KEYS[1])
";

// KEYS[1] key; ARGV[1] 'c|<token>|', ARGV[2] the response part, ARGV[3] window ms.
const COMPLETE: &str = r"
local v = redis.call('GET', KEYS[1])
local p = ARGV[1]
if not v or string.sub(v, 1, #p) ~= p then return 0 end
redis.call('SET', KEYS[1], 'd|' .. string.sub(v, #p + 1) .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
";

// KEYS[1] key; ARGV[1] 'c|<token>|'.
const RELEASE: &str = r"
local v = redis.call('GET', KEYS[1])
local p = ARGV[1]
if not v or string.sub(v, 1, #p) ~= p then return 0 end
redis.call('DEL', KEYS[1])
return 1
";

impl RedisGuardStore {
    /// A store on a connection manager (it reconnects after Redis restarts or the
    /// connection drops; meanwhile claims fail and the store-error policy applies).
    pub fn new(conn: ConnectionManager) -> Self {
        RedisGuardStore {
            conn,
            prefix: DEFAULT_PREFIX.to_owned(),
            claim: Script::new(CLAIM),
            complete: Script::new(COMPLETE),
            release: Script::new(RELEASE),
        }
    }

    /// Connects to `url` (`redis://host:port/db`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(StoreError::backend)?;
        let conn = client
            .get_connection_manager()
            .await
            .map_err(StoreError::backend)?;
        Ok(Self::new(conn))
    }

    /// Sets the key prefix, e.g. to keep two applications apart on one server.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, key: &GuardKey) -> String {
        format!("{}{}", self.prefix, key.to_hex())
    }
}

impl UnboxedStore for RedisGuardStore {
    async fn claim_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        lease: Duration,
    ) -> Result<ClaimState, StoreError> {
        let current: Option<Vec<u8>> = self
            .claim
            .key(self.key(key))
            .arg(token.to_hex())
            .arg(millis(lease))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(StoreError::backend)?;
        match current {
            None => Ok(ClaimState::Claimed),
            Some(v) => parse(&v),
        }
    }

    async fn complete_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        response: StoredResponseRef<'_>,
        window: Duration,
    ) -> Result<bool, StoreError> {
        let ct = response.content_type.unwrap_or("");
        let mut record = format!(
            "{}|{}|{}|{}|{}",
            response.status,
            u8::from(response.body_omitted),
            u8::from(response.content_type.is_some()),
            ct.len(),
            ct
        )
        .into_bytes();
        record.extend_from_slice(response.body);
        let done: i64 = self
            .complete
            .key(self.key(key))
            .arg(claimed_prefix(token))
            .arg(record)
            .arg(millis(window))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(StoreError::backend)?;
        Ok(done == 1)
    }

    async fn release_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
    ) -> Result<bool, StoreError> {
        let done: i64 = self
            .release
            .key(self.key(key))
            .arg(claimed_prefix(token))
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(StoreError::backend)?;
        Ok(done == 1)
    }
}

fn claimed_prefix(token: &ClaimToken) -> String {
    format!("c|{}|", token.to_hex())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// The next `|`-terminated field of `v`.
fn field<'v>(v: &mut &'v [u8], what: &'static str) -> Result<&'v [u8], StoreError> {
    let i = v
        .iter()
        .position(|&b| b == b'|')
        .ok_or(StoreError::Malformed(what))?;
    let (f, rest) = v.split_at(i);
    *v = rest.get(1..).unwrap_or_default();
    Ok(f)
}

fn number<T: core::str::FromStr>(f: &[u8], what: &'static str) -> Result<T, StoreError> {
    core::str::from_utf8(f)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(StoreError::Malformed(what))
}

fn parse(v: &[u8]) -> Result<ClaimState, StoreError> {
    let mut rest = v;
    match field(&mut rest, "record kind")? {
        b"c" => {
            let _token = field(&mut rest, "claim token")?;
            let ms: u64 = number(rest, "first seen")?;
            Ok(ClaimState::Held {
                first_seen: UNIX_EPOCH + Duration::from_millis(ms),
            })
        }
        b"d" => {
            let ms: u64 = number(field(&mut rest, "first seen")?, "first seen")?;
            let status = number(field(&mut rest, "status")?, "status")?;
            let body_omitted = field(&mut rest, "body omitted")? == b"1";
            let has_ct = field(&mut rest, "content type")? == b"1";
            let ct_len: usize = number(field(&mut rest, "content type")?, "content type")?;
            if rest.len() < ct_len {
                return Err(StoreError::Malformed("content type"));
            }
            let (ct, body) = rest.split_at(ct_len);
            let ct = core::str::from_utf8(ct).map_err(|_| StoreError::Malformed("content type"))?;
            Ok(ClaimState::Completed {
                first_seen: UNIX_EPOCH + Duration::from_millis(ms),
                response: StoredResponse {
                    status,
                    content_type: has_ct.then(|| ct.to_owned()),
                    body: body.to_vec(),
                    body_omitted,
                },
            })
        }
        _ => Err(StoreError::Malformed("record kind")),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, ClaimState};

    #[test]
    fn records_parse_and_malformed_ones_are_errors_not_panics() {
        let ClaimState::Completed { response, .. } =
            parse(b"d|1700000000000|200|0|1|8|text/xml<Response/>|x").unwrap()
        else {
            panic!("completed")
        };
        assert_eq!(response.content_type.as_deref(), Some("text/xml"));
        assert_eq!(response.body, b"<Response/>|x");
        let ClaimState::Completed { response, .. } = parse(b"d|1|204|0|0|0|").unwrap() else {
            panic!("completed")
        };
        assert_eq!(response.content_type, None);
        assert!(matches!(
            parse(b"c|abcd|17").unwrap(),
            ClaimState::Held { .. }
        ));
        for bad in [
            &b""[..],
            b"x|1",
            b"d|1|200",
            b"d|1|200|0|1|99|short",
            b"c|t|notanumber",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
