//! A key resolver whose store is down, shared by `tests/support` and `tests/report_support`
//! (which includes this file by path: its tests build without the test kit).

use twilio_webhook::pipeline::{BoxFuture, KeyResolver, ResolveContext, ResolveError, Tenant};

/// A resolver whose backing store is down: every request gets 500.
pub(crate) struct FailingResolver;

impl KeyResolver for FailingResolver {
    fn resolve<'a>(
        &'a self,
        _ctx: ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Option<Tenant>, ResolveError>> {
        Box::pin(async { Err(ResolveError("database unreachable".into())) })
    }
}
