//! The guard's key (a digest of tenant and verified MAC) and a claim's token.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// Identifies one delivery: SHA-256 over the tenant id and the MAC that verified.
///
/// The MAC covers the URL and every signed parameter, so it is distinct per delivery and
/// cannot be forged; Twilio's retries of one delivery carry the same one. Only this digest
/// is stored, never the signature itself: a stored signature beside a stored payload would
/// be a request anyone who reads the store could replay. The tenant is part of the key so
/// that two tenants' keys never collide, and an absent tenant is distinct from an empty one.
///
/// ```
/// use twilio_webhook::guard::GuardKey;
/// let a = GuardKey::new(Some("acme"), &[1, 2, 3]);
/// assert_eq!(a, GuardKey::new(Some("acme"), &[1, 2, 3]));
/// assert_ne!(a, GuardKey::new(Some("globex"), &[1, 2, 3]));
/// assert_ne!(GuardKey::new(None, &[1]), GuardKey::new(Some(""), &[1]));
/// assert_eq!(a.to_hex().len(), 64);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GuardKey([u8; 32]);

/// Domain separation: these digests are never confused with any other SHA-256 use.
const KEY_DOMAIN: &[u8] = b"twilio-webhook/guard/v1\0";

impl GuardKey {
    /// The key of the delivery whose signature decoded to `mac` and verified, for
    /// `tenant` (the resolved tenant's id, if any).
    pub fn new(tenant: Option<&str>, mac: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(KEY_DOMAIN);
        match tenant {
            None => h.update([0u8]),
            Some(t) => {
                h.update([1u8]);
                h.update((t.len() as u64).to_be_bytes());
                h.update(t.as_bytes());
            }
        }
        h.update(mac);
        GuardKey(h.finalize().into())
    }

    /// The digest's 32 bytes (what the SQL stores keep).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest in lowercase hex (what the Redis store's key names end with).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl core::fmt::Debug for GuardKey {
    // A short fingerprint is enough to correlate; the digest reveals nothing either way.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "GuardKey({}…)", hex(&self.0[..4]))
    }
}

/// A claim's identity, so that only the replica holding a claim completes or releases it
/// (compare-and-set in the store). Unique, not secret: a random per-process prefix, drawn
/// once from the operating system, and a counter.
///
/// ```
/// use twilio_webhook::guard::ClaimToken;
/// assert_ne!(ClaimToken::random(), ClaimToken::random());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClaimToken([u8; 16]);

impl ClaimToken {
    /// A token no other claim, in this process or another, has.
    ///
    /// # Panics
    /// Only if the operating system has no random source at all (`getrandom` fails on
    /// the first call), which no supported platform does.
    pub fn random() -> Self {
        static PREFIX: OnceLock<[u8; 16]> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let prefix = PREFIX.get_or_init(|| {
            let mut b = [0u8; 16];
            // The documented panic: without a random source tokens could collide across
            // replicas, and a guard that cannot tell its claims apart must not run.
            #[allow(clippy::expect_used)]
            getrandom::fill(&mut b).expect("the OS random source is available");
            b
        });
        // Adding the counter modulo 2^128 keeps every token of this process distinct.
        let n = u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
        ClaimToken(u128::from_le_bytes(*prefix).wrapping_add(n).to_le_bytes())
    }

    /// Its 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Rebuilds a token from the bytes a store kept.
    ///
    /// ```
    /// use twilio_webhook::guard::ClaimToken;
    /// let t = ClaimToken::random();
    /// assert_eq!(ClaimToken::from_bytes(*t.as_bytes()), t);
    /// ```
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        ClaimToken(bytes)
    }

    /// Lowercase hex (the Redis store's representation).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl core::fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ClaimToken({})", hex(&self.0))
    }
}

use crate::body_hash::hex_lower as hex;

#[cfg(test)]
mod tests {
    use super::GuardKey;

    #[test]
    fn the_tenant_length_prefix_keeps_tenant_and_mac_apart() {
        // "ab" + mac "c" and "a" + mac "bc" would concatenate to the same bytes.
        assert_ne!(
            GuardKey::new(Some("ab"), b"c"),
            GuardKey::new(Some("a"), b"bc")
        );
        assert_ne!(
            GuardKey::new(Some("a"), b"x"),
            GuardKey::new(Some("a"), b"y")
        );
    }
}
