//! Which keys judge a request: one service may hold many Twilio accounts.

use std::collections::HashMap;
use std::sync::Arc;

use crate::verifier::Verifier;

pub use crate::boxed::BoxFuture;

/// What a resolver may look at, before anything is verified.
///
/// Every field comes from the request and is **untrusted** when the resolver runs: use it
/// only to select keys. What the keys then prove differs:
/// - `path` and `host` are parts of the public URL the signature covers, so keys chosen by
///   them bind the tenant to the route: a request signed by tenant A verifies only under
///   the keys the resolver picks for A's route or host ([`PathPrefixMap`], [`HostMap`]).
///   `host` is the host of that public URL, never a raw `Host` header that
///   [`PublicUrl`](super::PublicUrl) does not trust.
/// - `account_sid` is a parameter; when keys are chosen by it, the pipeline also checks
///   that the verified parameters hold exactly that one `AccountSid` (else
///   [`Error::TenantMismatch`](crate::Error::TenantMismatch)).
/// - `shared_key_id` only names a key; the MAC decides.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ResolveContext<'a> {
    /// The raw request path (no query).
    pub path: &'a str,
    /// The host of the public URL that will be checked (as written there, any case).
    pub host: Option<&'a str>,
    /// The first `AccountSid` parameter: of the form body, or of the query of a bodyless
    /// (GET) request.
    pub account_sid: Option<&'a str>,
    /// The `key=` of `X-Twilio-Webhooks-Signature-Settings`, if any.
    pub shared_key_id: Option<&'a str>,
}

/// A tenant's identity and the verifier holding its keys (primary and secondary Auth
/// Tokens, SharedKeys). Cache the `Arc<Verifier>`: keying HMAC per request is waste.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Your id for the tenant, reported in events and the attempt log.
    pub id: Option<Arc<str>>,
    /// Its keys.
    pub verifier: Arc<Verifier>,
}

impl Tenant {
    /// A tenant reported as `id`, judged by `verifier`.
    pub fn new(id: impl Into<Arc<str>>, verifier: Verifier) -> Self {
        Tenant {
            id: Some(id.into()),
            verifier: Arc::new(verifier),
        }
    }
}

/// A resolver's answer that needs no waiting (the maps in this module).
fn ready(tenant: Option<&Tenant>) -> BoxFuture<'static, Result<Option<Tenant>, ResolveError>> {
    let tenant = tenant.cloned();
    Box::pin(async move { Ok(tenant) })
}

/// The resolver failed (database down …). The request is rejected with 500.
#[derive(Debug)]
pub struct ResolveError(pub Box<dyn std::error::Error + Send + Sync>);

impl core::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "key resolver failed: {}", self.0)
    }
}

impl std::error::Error for ResolveError {}

/// Finds the keys for a request. `Ok(None)` means no tenant matches (rejected with 403).
///
/// ```
/// use std::sync::Arc;
/// use twilio_webhook::pipeline::{BoxFuture, KeyResolver, ResolveContext, ResolveError, Tenant};
/// use twilio_webhook::Verifier;
///
/// /// One tenant per path prefix, e.g. `/t/acme/...`.
/// struct ByPath(Arc<Verifier>);
/// impl KeyResolver for ByPath {
///     fn resolve<'a>(&'a self, ctx: ResolveContext<'a>) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
///         let hit = ctx.path.starts_with("/t/acme/");
///         let v = self.0.clone();
///         Box::pin(async move { Ok(hit.then(|| Tenant { id: Some("acme".into()), verifier: v })) })
///     }
/// }
/// # let _ = ByPath(Arc::new(Verifier::new("x")));
/// ```
pub trait KeyResolver: Send + Sync + 'static {
    /// Resolves the tenant for a request.
    fn resolve<'a>(
        &'a self,
        ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>>;

    /// Whether [`resolve`](Self::resolve) reads [`ResolveContext::account_sid`]. Finding
    /// it means scanning the form body, so a resolver that never looks (like
    /// [`StaticKeys`]) says `false` and gets `None` there. Defaults to `true`.
    fn uses_account_sid(&self) -> bool {
        true
    }
}

/// Every request is judged by the same keys.
///
/// ```
/// use twilio_webhook::pipeline::StaticKeys;
/// let r = StaticKeys::new(twilio_webhook::Verifier::new("token"));
/// # let _ = r;
/// ```
#[derive(Debug, Clone)]
pub struct StaticKeys(Tenant);

impl StaticKeys {
    /// One verifier, no tenant id.
    pub fn new(verifier: Verifier) -> Self {
        StaticKeys(Tenant {
            id: None,
            verifier: Arc::new(verifier),
        })
    }

    /// One verifier, reported under `tenant_id`.
    pub fn with_tenant_id(verifier: Verifier, tenant_id: impl Into<Arc<str>>) -> Self {
        StaticKeys(Tenant {
            id: Some(tenant_id.into()),
            verifier: Arc::new(verifier),
        })
    }
}

impl KeyResolver for StaticKeys {
    fn resolve<'a>(
        &'a self,
        _ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        ready(Some(&self.0))
    }

    fn uses_account_sid(&self) -> bool {
        false
    }
}

/// Tenants by the `AccountSid` form parameter (a multi-tenant service typically keeps a
/// `twilio_sid` and a `twilio_token` per tenant). The tenant id reported is the AccountSid
/// unless set.
///
/// ```
/// use twilio_webhook::{pipeline::AccountSidMap, Verifier};
/// let map = AccountSidMap::new()
///     .insert("AC123", Verifier::new("token-a"))
///     .insert_with_id("AC456", "tenant-b", Verifier::new("token-b"));
/// # let _ = map;
/// ```
#[derive(Debug, Clone, Default)]
pub struct AccountSidMap {
    tenants: HashMap<String, Tenant>,
}

impl AccountSidMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an account; its tenant id is the AccountSid.
    pub fn insert(self, account_sid: &str, verifier: Verifier) -> Self {
        self.insert_with_id(account_sid, account_sid, verifier)
    }

    /// Adds an account under your own tenant id.
    pub fn insert_with_id(
        mut self,
        account_sid: &str,
        tenant_id: impl Into<Arc<str>>,
        verifier: Verifier,
    ) -> Self {
        self.tenants
            .insert(account_sid.to_owned(), Tenant::new(tenant_id, verifier));
        self
    }
}

impl KeyResolver for AccountSidMap {
    fn resolve<'a>(
        &'a self,
        ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        ready(ctx.account_sid.and_then(|sid| self.tenants.get(sid)))
    }
}

/// Tenants by path prefix of the signed URL: `/t/acme/…` → acme's keys. A request signed by
/// one tenant is refused on another's route, since the path is part of what is signed and
/// the other route's keys judge it. The longest matching prefix wins; a prefix matches at a
/// `/` boundary only (`/t/a` does not match `/t/ab`).
///
/// ```
/// use twilio_webhook::{pipeline::PathPrefixMap, Verifier};
/// let map = PathPrefixMap::new()
///     .insert("/t/acme", "acme", Verifier::new("token-a"))
///     .insert("/t/globex", "globex", Verifier::new("token-b"));
/// # let _ = map;
/// ```
#[derive(Debug, Clone, Default)]
pub struct PathPrefixMap {
    prefixes: Vec<(String, Tenant)>,
}

impl PathPrefixMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes under `prefix` (without a trailing `/`) belong to `tenant_id`.
    pub fn insert(
        mut self,
        prefix: &str,
        tenant_id: impl Into<Arc<str>>,
        verifier: Verifier,
    ) -> Self {
        self.prefixes.push((
            prefix.trim_end_matches('/').to_owned(),
            Tenant::new(tenant_id, verifier),
        ));
        // Longest first, so the first match is the most specific.
        self.prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        self
    }

    fn find(&self, path: &str) -> Option<&Tenant> {
        self.prefixes.iter().find_map(|(prefix, tenant)| {
            let rest = path.strip_prefix(prefix.as_str())?;
            (rest.is_empty() || rest.starts_with('/')).then_some(tenant)
        })
    }
}

impl KeyResolver for PathPrefixMap {
    fn resolve<'a>(
        &'a self,
        ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        ready(self.find(ctx.path))
    }

    fn uses_account_sid(&self) -> bool {
        false
    }
}

/// Tenants by the host of the signed public URL (compared without case): one host name per
/// tenant. With [`PublicUrl::base`](super::PublicUrl::base) every request has the
/// configured host; use it with [`PublicUrl::host_header`](super::PublicUrl::host_header)
/// or trusted forwarded headers, where the host comes from the request and is covered by
/// the signature.
///
/// ```
/// use twilio_webhook::{pipeline::HostMap, Verifier};
/// let map = HostMap::new().insert("acme.hooks.example.com", "acme", Verifier::new("token-a"));
/// # let _ = map;
/// ```
#[derive(Debug, Clone, Default)]
pub struct HostMap {
    hosts: HashMap<String, Tenant>,
}

impl HostMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests for `host` (no port) belong to `tenant_id`.
    pub fn insert(
        mut self,
        host: &str,
        tenant_id: impl Into<Arc<str>>,
        verifier: Verifier,
    ) -> Self {
        self.hosts
            .insert(host.to_ascii_lowercase(), Tenant::new(tenant_id, verifier));
        self
    }
}

impl KeyResolver for HostMap {
    fn resolve<'a>(
        &'a self,
        ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        ready(
            ctx.host
                .and_then(|h| self.hosts.get(&h.to_ascii_lowercase())),
        )
    }

    fn uses_account_sid(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_prefixes_match_at_segment_boundaries_longest_first() {
        let map = PathPrefixMap::new()
            .insert("/t", "root", Verifier::new("a"))
            .insert("/t/acme/", "acme", Verifier::new("b"));
        let id = |p: &str| map.find(p).and_then(|t| t.id.as_deref().map(str::to_owned));
        assert_eq!(id("/t/acme/hook").as_deref(), Some("acme"));
        assert_eq!(id("/t/acme").as_deref(), Some("acme"));
        assert_eq!(id("/t/acmex/hook").as_deref(), Some("root"));
        assert_eq!(id("/tx"), None);
    }
}
