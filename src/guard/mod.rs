//! The replay and duplicate-delivery guard: after a request verifies, the handler runs for
//! the first delivery only; repeats get the first delivery's response.
//!
//! Twilio's signatures carry no timestamp, so a captured signed request verifies forever,
//! and Twilio itself delivers a webhook again when the first attempt timed out. The guard
//! keys each delivery by a digest of (tenant, the verified MAC) ([`GuardKey`]): unforgeable,
//! distinct per delivery (the MAC covers the URL and every parameter), equal across
//! Twilio's retries, and never the raw signature.
//!
//! # The sequence
//!
//! [`Guard::claim`], once the signature verified:
//! - [`Claim::First`]: run the handler, then [`ClaimHandle::complete`] with its 2xx
//!   response (kept for the window, default 24 h) or [`ClaimHandle::release`] when it
//!   failed, so that Twilio's retry runs it again. Dropping the handle releases.
//! - [`Claim::Duplicate`]: a repeat of a completed delivery. Do not run the handler; answer
//!   with the stored response (status, content type, body), as idempotency keys do:
//!   Twilio retries because the first reply was lost, so an empty `<Response/>` would drop
//!   the reply, or hang up a call.
//! - [`Claim::InProgress`]: the first delivery is still running after the wait (default
//!   5 s, polling the store). Answer with [`InProgress::status`] (default 503, see below).
//! - [`Claim::Repeat`]: pass-through mode ([`GuardMode::PassThrough`]): run the handler,
//!   telling it this is a repeat and when the first was seen.
//! - [`Claim::Unguarded`] / [`Claim::Refused`]: the store failed; by the
//!   [`StoreErrorPolicy`] the request runs unguarded (default) or is refused with 503.
//!
//! The claim is two-phase so that replicas sharing a store agree: a claim holds a short
//! lease (default 30 s, at least Twilio's 15 s request timeout); a replica that dies
//! between claim and completion blocks the delivery only until the lease lapses, after
//! which a retry takes it over. A handler that outlives its lease fails its completion
//! ([`GuardError::LeaseLost`], compare-and-set): the guard emits `webhook_guard_error`,
//! and through the pipeline ([`Completion`](crate::pipeline::Completion)) the attempt log
//! gets a record of it.
//!
//! # Why 503 while the first delivery is in progress
//!
//! Twilio's webhook [connection overrides] (`#ct`, `#rt`, `#tt`, `#rc`, `#rp` in the URL
//! fragment) set its delivery behaviour: a read timeout (`rt`) of 15 s by default and at
//! most 15 s, a total time (`tt`) for all attempts of at most 15 s, one retry (`rc=1`) by
//! default, and a retry policy (`rp`) naming which failures are retried: `ct` (connect
//! timeout), `rt` (read timeout), `4xx`, `5xx` or `all`, by default only the two timeouts.
//! So Twilio retries a delivery while its first attempt is still running only when the
//! read timeout passed (a shortened `#rt`, or a slow handler), and by default it retries no
//! error status at all: whatever the guard answers a timed-out retry is final unless the
//! URL opts in with `#rp=5xx` (or `all`).
//!
//! The guard answers `503 Service Unavailable`: it is true (the delivery is being
//! processed, try later), it is the class an opted-in `rp=5xx` retries, so that the next
//! attempt can get the stored response, and as a failure it sends Twilio to the
//! number's *fallback URL* if one is configured ([availability and reliability]), instead
//! of pretending success: a 2xx would make Twilio drop the delivery even if the first
//! attempt then fails and releases it. A 4xx (409) would be retried only with `rp=4xx`,
//! which also retries real client errors such as 403.
//!
//! **Voice**: whatever is answered is what the caller hears. A 503 makes Twilio run the
//! voice fallback URL, or, without one, play its application-error message and end the
//! call, as it does for any failed TwiML fetch. For voice routes configure a fallback URL
//! that answers without side effects, or a longer wait (close to the `#rt` you set) so
//! the repeat gets the first call's TwiML.
//!
//! # Which webhooks to guard
//!
//! Only routes whose legitimate deliveries always differ in some signed parameter: an
//! incoming message (its `MessageSid`), a message status callback (the status differs
//! between `sent` and `delivered`, though the `MessageSid` is shared), an incoming call,
//! call status callbacks. Not `<Gather>`/`<Record>` action URLs or `<Redirect>` loops:
//! the same digits gathered twice at one URL in one call are byte-identical requests.
//! The guard is therefore applied per route: give the guarded routes a
//! [`WebhookConfig`](crate::pipeline::WebhookConfig) with
//! [`with_replay_guard`](crate::pipeline::WebhookConfig::with_replay_guard), and the
//! others one without; every adapter then runs it after verification.
//!
//! # Events (feature `tracing`)
//!
//! Target [`SECURITY_TARGET`](crate::report::SECURITY_TARGET), fields `event_type`,
//! `provider`, `tenant_id`, `status` as the other security events, plus `first_seen` (Unix
//! milliseconds), `response_status` and, on errors, `reason` and `operation`:
//!
//! | `event_type` | level | when |
//! |---|---|---|
//! | `duplicate_webhook` | `info` | a repeat answered with the stored response (or passed through) |
//! | `duplicate_webhook_in_progress` | `info` | a repeat answered with the in-progress status |
//! | `webhook_guard_error` | `error` | the store failed (with the policy applied), or a completion lost its lease |
//!
//! [`Claim::event_type`] gives the same names for the attempt log.
//!
//! [connection overrides]: https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
//! [availability and reliability]: https://www.twilio.com/docs/usage/security/availability-reliability
//!
//! ```
//! use twilio_webhook::guard::{Claim, Guard, GuardConfig, MemoryStore};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let guard = Guard::new(MemoryStore::new(10_000), GuardConfig::default()).unwrap();
//! let mac = [7u8; 20]; // the decoded X-Twilio-Signature that verified
//!
//! match guard.claim(Some("acme"), &mac).await {
//!     Claim::First(handle) => {
//!         // ... run the handler, then:
//!         handle.complete(200, Some("text/xml"), b"<Response/>").await.unwrap();
//!     }
//!     other => panic!("{other:?}"),
//! }
//! match guard.claim(Some("acme"), &mac).await {
//!     Claim::Duplicate(d) => assert_eq!(d.response.body, b"<Response/>"),
//!     other => panic!("{other:?}"),
//! }
//! # });
//! ```

mod config;
#[cfg(feature = "tracing")]
mod events;
mod handle;
mod key;
mod memory;
mod store;
mod unboxed;

use std::sync::Arc;
use std::time::SystemTime;

pub use config::{
    GuardConfig, GuardConfigError, GuardMode, StoreErrorPolicy, DEFAULT_IN_PROGRESS_STATUS,
    DEFAULT_LEASE, DEFAULT_POLL_INTERVAL, DEFAULT_RESPONSE_CAP, DEFAULT_WAIT, DEFAULT_WINDOW,
};
pub use handle::ClaimHandle;
pub use key::{ClaimToken, GuardKey};
pub use memory::MemoryStore;
pub use store::{ClaimState, GuardStore, StoreError, StoredResponse, StoredResponseRef};
// For the stores outside this module (the memory store imports it itself).
#[cfg(any(feature = "redis", feature = "postgres", feature = "sqlite"))]
pub(crate) use unboxed::UnboxedStore;

/// A guard operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuardError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The claim was no longer this handle's when it completed or released: its lease
    /// lapsed, and maybe another replica took the delivery over. Nothing was stored.
    #[error("replay guard claim lost: the handler outlived its lease")]
    LeaseLost,
    /// [`ClaimHandle::complete`] was given a status other than 2xx; the claim was
    /// released instead, so that a retry runs the handler again.
    #[error("only a 2xx response completes a replay guard claim (got {status}); released")]
    NotSuccess {
        /// The status given.
        status: u16,
    },
}

/// The duplicate-delivery guard: a store and its settings. Cheap to clone (the store is
/// shared).
#[derive(Clone)]
pub struct Guard {
    store: Arc<dyn GuardStore>,
    config: GuardConfig,
}

impl core::fmt::Debug for Guard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Guard")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A repeat of a completed delivery: answer with `response`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The first delivery's response.
    pub response: StoredResponse,
    /// When the first delivery was claimed (store clock).
    pub first_seen: SystemTime,
}

/// A repeat whose first delivery was still in progress when the wait ended: answer with
/// `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InProgress {
    /// The configured in-progress status (default 503).
    pub status: u16,
    /// When the first delivery was claimed (store clock).
    pub first_seen: SystemTime,
}

/// Pass-through mode: a repeat, for the handler to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// When the first delivery was claimed (store clock).
    pub first_seen: SystemTime,
    /// The first delivery's response, or `None` while it is still in progress.
    pub response: Option<StoredResponse>,
}

/// What [`Guard::claim`] decided.
#[derive(Debug)]
#[non_exhaustive]
pub enum Claim {
    /// The first delivery: run the handler, then complete or release the handle.
    First(ClaimHandle),
    /// A repeat of a completed delivery: do not run the handler; answer with the stored
    /// response.
    Duplicate(Duplicate),
    /// A repeat while the first is still in progress after the wait: do not run the
    /// handler; answer with the status.
    InProgress(InProgress),
    /// Pass-through mode only: a repeat; run the handler and tell it.
    Repeat(Repeat),
    /// The store failed and the policy is [`StoreErrorPolicy::LetThrough`]: run the handler
    /// without a claim (an `error` event was emitted).
    Unguarded(GuardError),
    /// The store failed and the policy is [`StoreErrorPolicy::Refuse`]: answer 503 without
    /// running the handler (an `error` event was emitted).
    Refused(GuardError),
}

impl Claim {
    /// The `event_type` for the attempt log: `None` for a first delivery,
    /// `duplicate_webhook`, `duplicate_webhook_in_progress` or `webhook_guard_error`.
    ///
    /// ```
    /// use twilio_webhook::guard::{Claim, GuardError};
    /// assert_eq!(Claim::Refused(GuardError::LeaseLost).event_type(), Some("webhook_guard_error"));
    /// ```
    pub fn event_type(&self) -> Option<&'static str> {
        match self {
            Claim::First(_) => None,
            Claim::Duplicate(_) | Claim::Repeat(_) => Some("duplicate_webhook"),
            Claim::InProgress(_) => Some("duplicate_webhook_in_progress"),
            Claim::Unguarded(_) | Claim::Refused(_) => Some("webhook_guard_error"),
        }
    }

    /// Whether the handler should run: first deliveries, pass-through repeats and
    /// unguarded requests.
    pub fn runs_handler(&self) -> bool {
        matches!(
            self,
            Claim::First(_) | Claim::Repeat(_) | Claim::Unguarded(_)
        )
    }
}

/// The status of a request refused because the store failed ([`StoreErrorPolicy::Refuse`]).
pub const REFUSED_STATUS: u16 = 503;

impl Guard {
    /// A guard over `store` with `config`, or the setting that makes no sense.
    ///
    /// ```
    /// use std::time::Duration;
    /// use twilio_webhook::guard::{Guard, GuardConfig, GuardConfigError, MemoryStore};
    /// let bad = GuardConfig::default().with_lease(Duration::ZERO);
    /// assert_eq!(Guard::new(MemoryStore::new(10), bad).unwrap_err(), GuardConfigError::ZeroLease);
    /// ```
    pub fn new(store: impl GuardStore, config: GuardConfig) -> Result<Self, GuardConfigError> {
        Self::with_shared_store(Arc::new(store), config)
    }

    /// As [`new`](Self::new), with a store shared with other guards.
    pub fn with_shared_store(
        store: Arc<dyn GuardStore>,
        config: GuardConfig,
    ) -> Result<Self, GuardConfigError> {
        config.validate()?;
        Ok(Guard { store, config })
    }

    /// The settings.
    pub fn config(&self) -> &GuardConfig {
        &self.config
    }

    /// Claims the delivery whose verified signature decoded to `mac`, for `tenant` (the
    /// resolved tenant's id). Call it only after the signature verified: an unverified
    /// request must never occupy a key.
    ///
    /// A repeat of an in-progress delivery waits (polling the store) up to the configured
    /// wait for it to complete or be released; a released one is then claimed by this
    /// request. Needs a tokio runtime with time enabled.
    pub async fn claim(&self, tenant: Option<&str>, mac: &[u8]) -> Claim {
        let key = GuardKey::new(tenant, mac);
        let token = ClaimToken::random();
        // Set when the store first reports the delivery held, not before the first claim:
        // a first delivery then reads no clock here (the store reads its own).
        let mut deadline = None;
        loop {
            let state = match self.store.claim(&key, &token, self.config.lease).await {
                Ok(state) => state,
                Err(e) => return self.store_failed(tenant, e),
            };
            match state {
                ClaimState::Claimed => {
                    return Claim::First(ClaimHandle::new(
                        Arc::clone(&self.store),
                        key,
                        token,
                        self.config.window,
                        self.config.response_cap,
                        #[cfg(feature = "tracing")]
                        tenant.map(Arc::from),
                    ))
                }
                ClaimState::Completed {
                    first_seen,
                    response,
                } => {
                    #[cfg(feature = "tracing")]
                    events::duplicate(tenant, first_seen, response.status);
                    return match self.config.mode {
                        GuardMode::PassThrough => Claim::Repeat(Repeat {
                            first_seen,
                            response: Some(response),
                        }),
                        GuardMode::Enforce => Claim::Duplicate(Duplicate {
                            response,
                            first_seen,
                        }),
                    };
                }
                ClaimState::Held { first_seen } => {
                    if self.config.mode == GuardMode::PassThrough {
                        #[cfg(feature = "tracing")]
                        events::in_progress(tenant, first_seen, None);
                        return Claim::Repeat(Repeat {
                            first_seen,
                            response: None,
                        });
                    }
                    let now = tokio::time::Instant::now();
                    let deadline = *deadline.get_or_insert(now + self.config.wait);
                    if now >= deadline {
                        let status = self.config.in_progress_status;
                        #[cfg(feature = "tracing")]
                        events::in_progress(tenant, first_seen, Some(status));
                        return Claim::InProgress(InProgress { status, first_seen });
                    }
                    tokio::time::sleep(self.config.poll_interval.min(deadline - now)).await;
                }
            }
        }
    }

    fn store_failed(&self, _tenant: Option<&str>, e: StoreError) -> Claim {
        let e = GuardError::Store(e);
        #[cfg(feature = "tracing")]
        events::failed(_tenant, "claim", &e, Some(self.config.store_errors));
        match self.config.store_errors {
            StoreErrorPolicy::LetThrough => Claim::Unguarded(e),
            StoreErrorPolicy::Refuse => Claim::Refused(e),
        }
    }
}
