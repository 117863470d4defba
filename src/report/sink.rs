//! The non-blocking attempt log: [`AttemptSink`] takes each attempt on the request path as
//! an owned, redacted [`AttemptRecord`] into a bounded queue; a tokio task writes them to an
//! [`AttemptStore`] in batches. The request path never waits for the store.
//!
//! - **Queue full**: the record is dropped (never the request) and counted
//!   ([`AttemptSink::stats`]); a `webhook_log_dropped` event (`warn`, fields `dropped`
//!   since the last event and `dropped_total`) is emitted at most once per second (feature
//!   `tracing`).
//! - **Store down**: a batch that fails with a retryable [`StoreError`] is retried with
//!   exponential backoff (`retry_initial`, doubling up to `retry_max`), while new records
//!   wait in the queue up to its capacity. A batch the store rejects is written again record
//!   by record; a record it still rejects is counted as `failed` and reported as
//!   `webhook_log_write_failed`.
//! - **Shutdown**: [`SinkWriter::shutdown`] writes everything queued before it, within a
//!   timeout; records offered afterwards are dropped and counted.
//!
//! Sizes ([`SinkConfig`]): queue capacity 10,000 records, batches of up to 256 records,
//! a batch waits at most 50 ms to fill up.

use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::Instant;

use super::{Attempt, AttemptLog, AttemptRecord};
use crate::boxed::BoxFuture;

/// Why a store could not write a batch.
///
/// ```
/// use twilio_webhook::report::StoreError;
/// let e = StoreError::retryable("connection refused");
/// assert!(e.is_retryable());
/// assert_eq!(e.to_string(), "attempt store unavailable: connection refused");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store is unreachable or busy (connection refused, pool timeout, database
    /// restarting, disk full): the batch is kept and retried.
    #[error("attempt store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store refused the batch itself (a constraint, a schema missing): retrying would
    /// fail again, so the batch is dropped and counted as failed.
    #[error("attempt store rejected the batch: {0}")]
    Rejected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// An [`Unavailable`](Self::Unavailable) error.
    pub fn retryable(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Unavailable(e.into())
    }

    /// A [`Rejected`](Self::Rejected) error.
    pub fn rejected(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError::Rejected(e.into())
    }

    /// Whether the writer retries the batch.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Where an [`AttemptSink`] writes batches: the PostgreSQL and SQLite stores (features
/// `postgres`, `sqlite`), or your own.
///
/// ```
/// use twilio_webhook::pipeline::BoxFuture;
/// use twilio_webhook::report::{AttemptRecord, AttemptStore, StoreError};
/// struct Stdout;
/// impl AttemptStore for Stdout {
///     fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
///         Box::pin(async move {
///             for r in batch {
///                 println!("{} {}", r.status, r.endpoint);
///             }
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait AttemptStore: Send + Sync + 'static {
    /// Writes `batch` (many rows per statement or per transaction), all or nothing.
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<T: AttemptStore + ?Sized> AttemptStore for Arc<T> {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).write(batch)
    }
}

/// Sizes and timings of an [`AttemptSink`].
///
/// ```
/// use std::time::Duration;
/// use twilio_webhook::report::SinkConfig;
/// let c = SinkConfig { capacity: 50_000, ..SinkConfig::default() };
/// assert_eq!(c.batch_size, 256);
/// assert_eq!(c.batch_delay, Duration::from_millis(50));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkConfig {
    /// Records the queue holds before new ones are dropped (default 10,000; at least 1).
    pub capacity: usize,
    /// Most records per write (default 256; at least 1, at most 1,000 so that a batch
    /// stays within SQLite's and PostgreSQL's bind-parameter limits).
    pub batch_size: usize,
    /// How long a batch waits to fill up after its first record (default 50 ms). The
    /// writer sleeps this long once per batch instead of waking for every record, unless
    /// the queue already holds a full batch or a flush is waiting; keep `capacity` above
    /// the peak rate times this delay.
    pub batch_delay: Duration,
    /// First delay before retrying a batch the store could not take (default 100 ms).
    pub retry_initial: Duration,
    /// Longest delay between retries (default 5 s).
    pub retry_max: Duration,
}

impl Default for SinkConfig {
    fn default() -> Self {
        SinkConfig {
            capacity: 10_000,
            batch_size: 256,
            batch_delay: Duration::from_millis(50),
            retry_initial: Duration::from_millis(100),
            retry_max: Duration::from_secs(5),
        }
    }
}

/// Counters of an [`AttemptSink`], from its start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkStats {
    /// Records offered (every attempt the sink saw).
    pub offered: u64,
    /// Records written to the store.
    pub written: u64,
    /// Records dropped because the queue was full or the sink shut down.
    pub dropped: u64,
    /// Records the store rejected (non-retryable errors).
    pub failed: u64,
    /// Write attempts that failed and were retried.
    pub retries: u64,
}

#[derive(Debug, Default)]
struct Counters {
    offered: AtomicU64,
    written: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
    retries: AtomicU64,
    /// `dropped` when the last `webhook_log_dropped` event went out.
    dropped_reported: AtomicU64,
    /// Milliseconds since `start` of the last `webhook_log_dropped` event, plus one (0: never).
    last_report_ms: AtomicU64,
    closed: AtomicBool,
}

#[derive(Debug)]
struct Shared {
    counters: Counters,
    start: Instant,
    /// Cuts the writer's batch delay short: a flush is waiting, or a full batch.
    wake: Notify,
    /// [`SinkConfig::batch_size`].
    batch_size: usize,
    /// Records the writer has taken off the queue into the batch it is filling.
    held: AtomicUsize,
}

impl Shared {
    fn stats(&self) -> SinkStats {
        let c = &self.counters;
        SinkStats {
            offered: c.offered.load(Ordering::Relaxed),
            written: c.written.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
        }
    }

    fn drop_one(&self) {
        self.counters.dropped.fetch_add(1, Ordering::Relaxed);
        self.report_drops();
    }

    /// Emits `webhook_log_dropped` if records were dropped since the last one and a second
    /// has passed; only one caller wins the slot.
    fn report_drops(&self) {
        let c = &self.counters;
        let total = c.dropped.load(Ordering::Relaxed);
        let since = total - c.dropped_reported.load(Ordering::Relaxed).min(total);
        if since == 0 {
            return;
        }
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1;
        let last = c.last_report_ms.load(Ordering::Relaxed);
        if last != 0 && now < last + 1000 {
            return;
        }
        if c.last_report_ms
            .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let before = c.dropped_reported.swap(total, Ordering::AcqRel);
        #[cfg(feature = "tracing")]
        super::events::log_dropped(total.saturating_sub(before), total);
        #[cfg(not(feature = "tracing"))]
        let _ = before;
    }
}

enum Msg {
    Record(Box<AttemptRecord>),
    Flush(oneshot::Sender<()>),
}

/// The [`AttemptLog`] half: cheap to clone, give it to
/// [`WebhookConfig::with_attempt_log`](crate::pipeline::WebhookConfig::with_attempt_log).
///
/// ```
/// use std::time::Duration;
/// use twilio_webhook::pipeline::WebhookConfig;
/// use twilio_webhook::report::{AttemptSink, MemoryStore, SinkConfig};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let store = std::sync::Arc::new(MemoryStore::default());
/// let (sink, writer) = AttemptSink::spawn(store.clone(), SinkConfig::default());
/// let config = WebhookConfig::single_token("auth token", "https://api.example.com").unwrap()
///     .with_attempt_log(sink.clone());
/// // … serve requests; then, on SIGTERM:
/// writer.shutdown(Duration::from_secs(5)).await.unwrap();
/// assert_eq!(sink.stats().dropped, 0);
/// # drop(config);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct AttemptSink {
    tx: mpsc::Sender<Msg>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Record(_) => "Record",
            Msg::Flush(_) => "Flush",
        })
    }
}

impl AttemptSink {
    /// Starts the writer task on the current tokio runtime (call it inside one) and returns
    /// the sink and the writer's handle.
    pub fn spawn(store: impl AttemptStore, config: SinkConfig) -> (AttemptSink, SinkWriter) {
        let config = SinkConfig {
            capacity: config.capacity.max(1),
            batch_size: config.batch_size.clamp(1, 1000),
            ..config
        };
        let (tx, rx) = mpsc::channel(config.capacity);
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            start: Instant::now(),
            wake: Notify::new(),
            batch_size: config.batch_size,
            held: AtomicUsize::new(0),
        });
        let task = tokio::spawn(write_loop(rx, store, config, shared.clone()));
        let sink = AttemptSink { tx, shared };
        let writer = SinkWriter {
            sink: sink.clone(),
            task,
        };
        (sink, writer)
    }

    /// Counters so far.
    pub fn stats(&self) -> SinkStats {
        self.shared.stats()
    }

    /// Records waiting in the queue.
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Waits until every record offered before the call is written (or rejected), up to
    /// `timeout`.
    pub async fn flush(&self, timeout: Duration) -> Result<(), SinkError> {
        let (ack, done) = oneshot::channel();
        let wait = async {
            self.tx
                .send(Msg::Flush(ack))
                .await
                .map_err(|_| SinkError::Stopped)?;
            self.shared.wake.notify_one();
            done.await.map_err(|_| SinkError::Stopped)
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| SinkError::Timeout {
                queued: self.queued(),
            })?
    }
}

impl AttemptLog for AttemptSink {
    fn record(
        &self,
        attempt: &Attempt<'_>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.shared.counters.offered.fetch_add(1, Ordering::Relaxed);
        if self.shared.counters.closed.load(Ordering::Acquire) {
            self.shared.drop_one();
            return Ok(());
        }
        // Dropping is the sink's answer to a full queue, reported by counter and event;
        // it is not a write failure of this one attempt.
        if self
            .tx
            .try_send(Msg::Record(Box::new(attempt.to_record())))
            .is_err()
        {
            self.shared.drop_one();
        } else {
            // Paired with the writer's fence: either it sees this record queued, or this
            // sees the records it holds, so a batch that fills during its sleep wakes it.
            fence(Ordering::SeqCst);
            if self.queued() + self.shared.held.load(Ordering::SeqCst) >= self.shared.batch_size {
                self.shared.wake.notify_one();
            }
        }
        Ok(())
    }
}

/// Why a flush or shutdown did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// The timeout passed with records still queued (the store is down or slow).
    #[error("attempt sink: timed out with {queued} records still queued")]
    Timeout {
        /// Records still in the queue.
        queued: usize,
    },
    /// The writer task is gone (it panicked or its runtime shut down).
    #[error("attempt sink: the writer task has stopped")]
    Stopped,
}

/// The writer task's handle: keep it to shut the sink down.
#[derive(Debug)]
pub struct SinkWriter {
    sink: AttemptSink,
    task: tokio::task::JoinHandle<()>,
}

impl SinkWriter {
    /// Refuses new records (dropped and counted from now on), writes everything queued
    /// before the call, and stops the task; gives up after `timeout`.
    pub async fn shutdown(self, timeout: Duration) -> Result<SinkStats, SinkError> {
        self.sink
            .shared
            .counters
            .closed
            .store(true, Ordering::Release);
        let flushed = self.sink.flush(timeout).await;
        self.task.abort();
        self.sink.shared.report_drops_now();
        flushed.map(|()| self.sink.stats())
    }
}

impl Shared {
    /// At shutdown: reports any drops not yet reported, whatever the time.
    fn report_drops_now(&self) {
        self.counters.last_report_ms.store(0, Ordering::Relaxed);
        self.report_drops();
    }
}

async fn write_loop(
    mut rx: mpsc::Receiver<Msg>,
    store: impl AttemptStore,
    config: SinkConfig,
    shared: Arc<Shared>,
) {
    let mut batch: Vec<AttemptRecord> = Vec::with_capacity(config.batch_size);
    loop {
        // Wake at least once a second to report drops that no new drop reported.
        let first = tokio::select! {
            m = rx.recv() => m,
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                shared.report_drops();
                continue;
            }
        };
        let Some(first) = first else { return };
        let mut flush = None;
        match first {
            Msg::Record(r) => batch.push(*r),
            Msg::Flush(ack) => flush = Some(ack),
        }
        // The batch fills while the writer sleeps once, rather than waking it for every
        // record; a queue that already holds a batch is written at once.
        shared.held.store(batch.len(), Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if flush.is_none() && rx.len() + batch.len() < config.batch_size {
            tokio::select! {
                () = tokio::time::sleep(config.batch_delay) => {}
                () = shared.wake.notified() => {}
            }
        }
        while flush.is_none() && batch.len() < config.batch_size {
            match rx.try_recv() {
                Ok(Msg::Record(r)) => batch.push(*r),
                Ok(Msg::Flush(ack)) => flush = Some(ack),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            write_batch(&store, &batch, &config, &shared).await;
            batch.clear();
            shared.held.store(0, Ordering::SeqCst);
        }
        if let Some(ack) = flush {
            let _ = ack.send(());
        }
    }
}

/// Writes `batch`; if the store rejects it, writes its records one by one, so that one
/// record the store refuses does not lose the others.
async fn write_batch(
    store: &impl AttemptStore,
    batch: &[AttemptRecord],
    config: &SinkConfig,
    shared: &Shared,
) {
    if write_with_retry(store, batch, config, shared).await.is_ok() || batch.len() == 1 {
        return;
    }
    for record in batch {
        let _ = write_with_retry(store, std::slice::from_ref(record), config, shared).await;
    }
}

/// Writes `batch`, retrying with backoff while the store is unavailable. A rejection is
/// counted (for a single record) and reported, and returned.
async fn write_with_retry(
    store: &impl AttemptStore,
    batch: &[AttemptRecord],
    config: &SinkConfig,
    shared: &Shared,
) -> Result<(), ()> {
    let mut delay = config.retry_initial;
    loop {
        match store.write(batch).await {
            Ok(()) => {
                shared
                    .counters
                    .written
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                return Ok(());
            }
            Err(e) if e.is_retryable() => {
                shared.counters.retries.fetch_add(1, Ordering::Relaxed);
                #[cfg(feature = "tracing")]
                super::events::store_failed(&e, batch.len(), true);
                let _ = e;
                shared.report_drops();
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(config.retry_max);
            }
            Err(e) => {
                if batch.len() == 1 {
                    shared.counters.failed.fetch_add(1, Ordering::Relaxed);
                    #[cfg(feature = "tracing")]
                    super::events::store_failed(&e, 1, false);
                }
                let _ = e;
                return Err(());
            }
        }
    }
}

/// An [`AttemptStore`] in memory, for tests and demos (it grows forever).
///
/// ```
/// let store = twilio_webhook::report::MemoryStore::default();
/// assert!(store.records().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: std::sync::Mutex<Vec<AttemptRecord>>,
}

impl MemoryStore {
    /// A copy of the records written so far.
    pub fn records(&self) -> Vec<AttemptRecord> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl AttemptStore for MemoryStore {
    fn write<'a>(&'a self, batch: &'a [AttemptRecord]) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.records
                .lock()
                .map_err(|_| StoreError::rejected("memory store mutex poisoned"))?
                .extend_from_slice(batch);
            Ok(())
        })
    }
}
