//! The demo servers' attempt log (table `webhook_log`), written through the crate's
//! non-blocking sink: `DATABASE_URL=postgres://…` writes to PostgreSQL; otherwise SQLite in
//! the file `WEBHOOK_LOG_DB` (default `webhook_log.sqlite3` in the working directory).
//! `WEBHOOK_LOG_QUEUE` sets the queue capacity (default 10,000), `WEBHOOK_LOG_BATCH` the
//! batch size (default 256). On SIGINT or SIGTERM a
//! server stops accepting, finishes its requests, then [`DemoLog::shutdown`] writes what
//! is queued.

use std::time::Duration;

use twilio_webhook::report::{AttemptSink, SinkConfig, SinkStats, SinkWriter};
use twilio_webhook::stores::postgres::PostgresLog;
use twilio_webhook::stores::sqlite::SqliteLog;

/// The demo's attempt log: the sink to give `with_attempt_log`, and its writer.
pub struct DemoLog {
    pub sink: AttemptSink,
    writer: SinkWriter,
}

/// Opens the store `DATABASE_URL` or `WEBHOOK_LOG_DB` names, applies its migrations and
/// starts the sink's writer (call inside the tokio runtime).
pub async fn attempt_log() -> Result<DemoLog, Box<dyn std::error::Error>> {
    let mut config = SinkConfig::default();
    if let Some(n) = std::env::var("WEBHOOK_LOG_QUEUE")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        config.capacity = n;
    }
    let (sink, writer) = match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let log = PostgresLog::connect_lazy(&url)?;
            log.migrate().await?;
            tracing::info!("webhook attempt log: PostgreSQL table webhook_log");
            AttemptSink::spawn(log, config)
        }
        _ => {
            let path = std::env::var("WEBHOOK_LOG_DB")
                .ok()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "webhook_log.sqlite3".to_owned());
            let log = SqliteLog::open(&path).await?;
            log.migrate().await?;
            tracing::info!(path = %path, "webhook attempt log: SQLite table webhook_log");
            AttemptSink::spawn(log, config)
        }
    };
    Ok(DemoLog { sink, writer })
}

impl DemoLog {
    /// Writes what is queued (30 s at most: a database that just came back may take a
    /// retry delay and a reconnection) and prints the sink's counters.
    pub async fn shutdown(self) -> Option<SinkStats> {
        match self.writer.shutdown(Duration::from_secs(30)).await {
            Ok(stats) => {
                println!(
                    "attempt log: {} written, {} dropped, {} failed, {} retries",
                    stats.written, stats.dropped, stats.failed, stats.retries
                );
                Some(stats)
            }
            Err(e) => {
                tracing::error!(error = %e, "attempt log not flushed");
                None
            }
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
