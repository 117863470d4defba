//! How the guard behaves: window, lease, in-progress wait, response cap, store errors.

use std::time::Duration;

/// What the guard does when its store fails (connection lost, capacity reached …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StoreErrorPolicy {
    /// Run the handler unguarded and emit a `webhook_guard_error` event at `error` level.
    ///
    /// **A deliberate exception to failing secure.** The signature has already verified, so
    /// the request is genuine Twilio traffic (or a replay of it); refusing it during a store
    /// outage would drop every webhook, while letting it through risks only running a
    /// duplicate. Choose [`Refuse`](Self::Refuse) where running a duplicate is worse than
    /// an outage.
    #[default]
    LetThrough,
    /// Answer `503 Service Unavailable` without running the handler (and emit the event).
    Refuse,
}

/// Whether repeats are answered by the guard or handed to the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GuardMode {
    /// Repeats get the first delivery's stored response; the handler does not run.
    #[default]
    Enforce,
    /// Every delivery runs the handler, told whether it is the first or a repeat (and when
    /// the first was seen): [`Claim::Repeat`](super::Claim::Repeat). First deliveries are
    /// still claimed and completed, so repeats can be recognised.
    PassThrough,
}

/// The guard's settings. Defaults follow Twilio's delivery behaviour (see the module
/// documentation):
///
/// | setting | default |
/// |---|---|
/// | window (how long a completed delivery is remembered) | 24 h |
/// | lease (how long a claim holds without completing) | 30 s |
/// | in-progress wait (how long a repeat waits for the first to complete) | 5 s |
/// | poll interval while waiting | 100 ms |
/// | stored-response cap | 16 KiB |
/// | in-progress status (when the wait ends first) | 503 |
/// | store errors | [`StoreErrorPolicy::LetThrough`] |
/// | mode | [`GuardMode::Enforce`] |
///
/// ```
/// use std::time::Duration;
/// use twilio_webhook::guard::{GuardConfig, StoreErrorPolicy};
/// let config = GuardConfig::default()
///     .with_window(Duration::from_secs(3600))
///     .with_store_errors(StoreErrorPolicy::Refuse);
/// assert_eq!(config.window(), Duration::from_secs(3600));
/// assert_eq!(config.lease(), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone)]
pub struct GuardConfig {
    pub(super) window: Duration,
    pub(super) lease: Duration,
    pub(super) wait: Duration,
    pub(super) poll_interval: Duration,
    pub(super) response_cap: usize,
    pub(super) in_progress_status: u16,
    pub(super) store_errors: StoreErrorPolicy,
    pub(super) mode: GuardMode,
}

/// Default window: 24 hours.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// Default lease: 30 s, twice Twilio's longest read timeout (15 s), so that a handler
/// still running when Twilio retries is not run a second time beside it.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Default in-progress wait: 5 s.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);
/// Default poll interval while waiting: 100 ms.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Default stored-response cap: 16 KiB.
pub const DEFAULT_RESPONSE_CAP: usize = 16 * 1024;
/// Default in-progress status: 503 (see the module documentation for why).
pub const DEFAULT_IN_PROGRESS_STATUS: u16 = 503;

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            window: DEFAULT_WINDOW,
            lease: DEFAULT_LEASE,
            wait: DEFAULT_WAIT,
            poll_interval: DEFAULT_POLL_INTERVAL,
            response_cap: DEFAULT_RESPONSE_CAP,
            in_progress_status: DEFAULT_IN_PROGRESS_STATUS,
            store_errors: StoreErrorPolicy::default(),
            mode: GuardMode::default(),
        }
    }
}

/// A setting [`Guard::new`](super::Guard::new) refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GuardConfigError {
    /// The lease is zero: every claim would lapse at once.
    #[error("guard lease must be longer than zero")]
    ZeroLease,
    /// The window is shorter than the lease: a completed delivery would be forgotten
    /// before an unfinished one.
    #[error("guard window must be at least as long as the lease")]
    WindowShorterThanLease,
    /// The poll interval is zero while there is a wait: the wait would spin.
    #[error("guard poll interval must be longer than zero when the in-progress wait is")]
    ZeroPollInterval,
    /// The in-progress status is not a 4xx or 5xx: a 2xx or 3xx would tell Twilio the
    /// delivery succeeded.
    #[error("guard in-progress status must be 4xx or 5xx (got {0})")]
    InProgressStatus(u16),
}

impl GuardConfig {
    /// How long a completed delivery is remembered (from its completion).
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// How long a claim holds before another replica may take the delivery over. A
    /// handler that runs longer fails its completion ([`GuardError::LeaseLost`](super::GuardError::LeaseLost)).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a repeat waits for an in-progress first delivery before it is answered
    /// with the in-progress status. Zero: answer at once.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// How often the store is asked again while waiting.
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The largest response body stored for repeats, in bytes; a larger one is not stored
    /// ([`StoredResponse::body_omitted`](super::StoredResponse::body_omitted)).
    pub fn with_response_cap(mut self, bytes: usize) -> Self {
        self.response_cap = bytes;
        self
    }

    /// The status for a repeat whose first delivery is still in progress after the wait.
    pub fn with_in_progress_status(mut self, status: u16) -> Self {
        self.in_progress_status = status;
        self
    }

    /// What to do when the store fails.
    pub fn with_store_errors(mut self, policy: StoreErrorPolicy) -> Self {
        self.store_errors = policy;
        self
    }

    /// Enforce (default) or pass through.
    pub fn with_mode(mut self, mode: GuardMode) -> Self {
        self.mode = mode;
        self
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.window
    }
    /// The lease.
    pub fn lease(&self) -> Duration {
        self.lease
    }
    /// The in-progress wait.
    pub fn wait(&self) -> Duration {
        self.wait
    }
    /// The poll interval.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }
    /// The stored-response cap in bytes.
    pub fn response_cap(&self) -> usize {
        self.response_cap
    }
    /// The in-progress status.
    pub fn in_progress_status(&self) -> u16 {
        self.in_progress_status
    }
    /// The store-error policy.
    pub fn store_errors(&self) -> StoreErrorPolicy {
        self.store_errors
    }
    /// The mode.
    pub fn mode(&self) -> GuardMode {
        self.mode
    }

    pub(super) fn validate(&self) -> Result<(), GuardConfigError> {
        if self.lease.is_zero() {
            return Err(GuardConfigError::ZeroLease);
        }
        if self.window < self.lease {
            return Err(GuardConfigError::WindowShorterThanLease);
        }
        if self.poll_interval.is_zero() && !self.wait.is_zero() {
            return Err(GuardConfigError::ZeroPollInterval);
        }
        if !(400..=599).contains(&self.in_progress_status) {
            return Err(GuardConfigError::InProgressStatus(self.in_progress_status));
        }
        Ok(())
    }
}
