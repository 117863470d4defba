//! The first delivery's claim: completed with the handler's 2xx response, or released.

use std::sync::Arc;
use std::time::Duration;

use super::key::{ClaimToken, GuardKey};
use super::store::{GuardStore, StoredResponseRef};
use super::GuardError;

/// The claim on a first delivery, held while its handler runs. Finish it with
/// [`complete`](Self::complete) (2xx) or [`release`](Self::release) (anything else).
///
/// **Dropping it unfinished releases the claim** (a handler that panicked or returned
/// early must not block Twilio's retry): the release is spawned on the current tokio
/// runtime. Outside a runtime nothing can run it, and the claim then lapses with its lease.
#[must_use = "complete the claim on success or release it on failure; dropping it releases"]
pub struct ClaimHandle {
    store: Arc<dyn GuardStore>,
    key: GuardKey,
    token: ClaimToken,
    window: Duration,
    response_cap: usize,
    /// For the events only (an allocation a build without them does not make).
    #[cfg(feature = "tracing")]
    tenant_id: Option<Arc<str>>,
    finished: bool,
}

impl core::fmt::Debug for ClaimHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct("ClaimHandle");
        d.field("key", &self.key);
        #[cfg(feature = "tracing")]
        d.field("tenant_id", &self.tenant_id);
        d.field("finished", &self.finished).finish_non_exhaustive()
    }
}

impl ClaimHandle {
    pub(super) fn new(
        store: Arc<dyn GuardStore>,
        key: GuardKey,
        token: ClaimToken,
        window: Duration,
        response_cap: usize,
        #[cfg(feature = "tracing")] tenant_id: Option<Arc<str>>,
    ) -> Self {
        ClaimHandle {
            store,
            key,
            token,
            window,
            response_cap,
            #[cfg(feature = "tracing")]
            tenant_id,
            finished: false,
        }
    }

    /// The delivery's key.
    pub fn key(&self) -> &GuardKey {
        &self.key
    }

    /// Records the delivery as done, keeping the handler's response for repeats for the
    /// window. The body is kept when it fits the response cap, else only status and
    /// content type ([`StoredResponse::body_omitted`](super::StoredResponse::body_omitted)).
    ///
    /// Only a 2xx completes: any other `status` releases the claim instead and returns
    /// [`GuardError::NotSuccess`]. [`GuardError::LeaseLost`]: the handler outlived its lease
    /// (or another replica took the delivery over), nothing was stored, and the caller
    /// should report it.
    ///
    /// ```
    /// use twilio_webhook::guard::{Claim, Guard, GuardConfig, GuardError, MemoryStore};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let guard = Guard::new(MemoryStore::new(100), GuardConfig::default()).unwrap();
    /// let Claim::First(handle) = guard.claim(None, b"mac").await else { unreachable!() };
    /// let err = handle.complete(500, None, b"").await.unwrap_err();
    /// assert!(matches!(err, GuardError::NotSuccess { status: 500 }));
    /// // Released: Twilio's retry of the failed delivery runs the handler again.
    /// assert!(matches!(guard.claim(None, b"mac").await, Claim::First(_)));
    /// # });
    /// ```
    pub async fn complete(
        mut self,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), GuardError> {
        if !(200..300).contains(&status) {
            self.release_now().await?;
            return Err(GuardError::NotSuccess { status });
        }
        self.finished = true;
        let body_omitted = body.len() > self.response_cap;
        let response = StoredResponseRef {
            status,
            content_type,
            body: if body_omitted { &[] } else { body },
            body_omitted,
        };
        let result = match self
            .store
            .complete(&self.key, &self.token, response, self.window)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(GuardError::LeaseLost),
            Err(e) => Err(GuardError::Store(e)),
        };
        if let Err(_e) = &result {
            #[cfg(feature = "tracing")]
            super::events::failed(self.tenant_id.as_deref(), "complete", _e, None);
        }
        result
    }

    /// Frees the delivery so that a retry runs the handler again: call it when the handler
    /// failed. [`GuardError::LeaseLost`]: the claim was no longer this handle's (its lease
    /// lapsed and another replica took it over), which is harmless here.
    ///
    /// ```
    /// use twilio_webhook::guard::{Claim, Guard, GuardConfig, MemoryStore};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let guard = Guard::new(MemoryStore::new(100), GuardConfig::default()).unwrap();
    /// let Claim::First(handle) = guard.claim(None, b"mac").await else { unreachable!() };
    /// handle.release().await.unwrap();
    /// assert!(matches!(guard.claim(None, b"mac").await, Claim::First(_)));
    /// # });
    /// ```
    pub async fn release(mut self) -> Result<(), GuardError> {
        self.release_now().await
    }

    async fn release_now(&mut self) -> Result<(), GuardError> {
        self.finished = true;
        match self.store.release(&self.key, &self.token).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(GuardError::LeaseLost),
            Err(e) => {
                let e = GuardError::Store(e);
                #[cfg(feature = "tracing")]
                super::events::failed(self.tenant_id.as_deref(), "release", &e, None);
                Err(e)
            }
        }
    }
}

impl Drop for ClaimHandle {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // No runtime to run the release on: the claim lapses with its lease.
        };
        let store = Arc::clone(&self.store);
        let (key, token) = (self.key, self.token);
        #[cfg(feature = "tracing")]
        let _tenant = self.tenant_id.take();
        runtime.spawn(async move {
            if let Err(_e) = store.release(&key, &token).await {
                #[cfg(feature = "tracing")]
                super::events::failed(_tenant.as_deref(), "release", &GuardError::Store(_e), None);
            }
        });
    }
}
