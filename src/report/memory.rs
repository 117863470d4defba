//! An in-memory [`AttemptLog`] for tests.

use std::sync::Mutex;

use super::{Attempt, AttemptLog, AttemptRecord};

/// Keeps every record in memory. For tests and demos, not production (it grows forever).
///
/// ```
/// let log = twilio_webhook::report::MemoryLog::default();
/// assert!(log.records().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct MemoryLog {
    records: Mutex<Vec<AttemptRecord>>,
}

impl MemoryLog {
    /// A copy of the records so far.
    pub fn records(&self) -> Vec<AttemptRecord> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl AttemptLog for MemoryLog {
    fn record(
        &self,
        attempt: &Attempt<'_>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.records
            .lock()
            .map_err(|_| "attempt log mutex poisoned")?
            .push(attempt.to_record());
        Ok(())
    }
}

impl<T: AttemptLog> AttemptLog for std::sync::Arc<T> {
    fn record(
        &self,
        attempt: &Attempt<'_>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        (**self).record(attempt)
    }
}
