//! The crate's own stores written with plain async methods; one blanket impl boxes them
//! into [`GuardStore`]'s futures.

use core::future::Future;
use std::time::Duration;

use super::key::{ClaimToken, GuardKey};
use super::store::{ClaimState, GuardStore, StoreError, StoredResponseRef};
use crate::boxed::BoxFuture;

/// [`GuardStore`] with unboxed futures, for the crate's stores: each implements this and
/// gets `GuardStore` from the blanket impl below. Its operations mean the same as
/// `GuardStore`'s; your own store implements `GuardStore` directly.
pub(crate) trait UnboxedStore: Send + Sync + 'static {
    fn claim_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        lease: Duration,
    ) -> impl Future<Output = Result<ClaimState, StoreError>> + Send;

    fn complete_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
        response: StoredResponseRef<'_>,
        window: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn release_unboxed(
        &self,
        key: &GuardKey,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

impl<T: UnboxedStore> GuardStore for T {
    fn claim<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> BoxFuture<'a, Result<ClaimState, StoreError>> {
        Box::pin(self.claim_unboxed(key, token, lease))
    }

    fn complete<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
        response: StoredResponseRef<'a>,
        window: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.complete_unboxed(key, token, response, window))
    }

    fn release<'a>(
        &'a self,
        key: &'a GuardKey,
        token: &'a ClaimToken,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(self.release_unboxed(key, token))
    }
}
