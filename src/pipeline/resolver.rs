//! Which keys judge a request: one service may hold many Twilio accounts.

use core::future::Future;
use core::pin::Pin;
use std::collections::HashMap;
use std::sync::Arc;

use crate::verifier::Verifier;

/// A boxed future, so resolvers can be stored as `Arc<dyn KeyResolver>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a resolver may look at. Every field comes from the request and is **untrusted**:
/// use it only to select keys, never as proof of anything.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ResolveContext<'a> {
    /// The raw request path (no query).
    pub path: &'a str,
    /// The `Host` header, if any.
    pub host: Option<&'a str>,
    /// The first `AccountSid` form parameter, if the body is a form that has one.
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
        let tenant = self.0.clone();
        Box::pin(async move { Ok(Some(tenant)) })
    }

    fn uses_account_sid(&self) -> bool {
        false
    }
}

/// Tenants by the `AccountSid` form parameter (the original system kept `twilio_sid` and
/// `twilio_token` per tenant). The tenant id reported is the AccountSid unless set.
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
        self.tenants.insert(
            account_sid.to_owned(),
            Tenant {
                id: Some(tenant_id.into()),
                verifier: Arc::new(verifier),
            },
        );
        self
    }
}

impl KeyResolver for AccountSidMap {
    fn resolve<'a>(
        &'a self,
        ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        let tenant = ctx
            .account_sid
            .and_then(|sid| self.tenants.get(sid))
            .cloned();
        Box::pin(async move { Ok(tenant) })
    }
}
