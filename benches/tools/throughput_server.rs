//! The server `benches/throughput/run.sh` loads with wrk: one axum 0.8 app, two routes that
//! do the same handler work on the same form body, one of them behind `TwilioWebhook`.
//!
//! ```sh
//! TWILIO_AUTH_TOKEN=... PORT=3000 WORKERS=1 \
//!   cargo run --release --example throughput_server --features axum
//! ```
//!
//! The routes (`/plain`, `/verified` with public URL `http://127.0.0.1:PORT`) are in
//! `benches/support/throughput_app.rs`.
//!
//! Environment: `TWILIO_AUTH_TOKEN` (required), `PORT` (3000), `WORKERS` (tokio worker
//! threads, 1 so the server can be pinned to one core with `taskset`), and, to measure what
//! they cost on `/verified`:
//! - `ATTEMPT_LOG=postgres://…` (feature `postgres`): the attempt log through the crate's
//!   sink into PostgreSQL's `webhook_log`; `WEBHOOK_LOG_QUEUE` (queue capacity, 10,000)
//!   and `WEBHOOK_LOG_BATCH` (batch size, 256) size it. `ATTEMPT_LOG=discard`: the same sink
//!   into a store that keeps nothing (the sink's own cost, without a database).
//! - `REPLAY_STORE=memory`, `redis://…` (feature `redis`) or `postgres://…` (feature
//!   `postgres`): the replay guard with that store.
//!
//! `GET /stats` answers the sink's counters as JSON (`offered`, `written`, `dropped`,
//! `failed`, `retries`; all 0 without `ATTEMPT_LOG`), so run.sh can tell a run with drops.

#[path = "../support/throughput_app.rs"]
mod throughput_app;

use std::sync::Arc;

use twilio_webhook::pipeline::WebhookConfig;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env_set(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn main() -> Result<(), BoxError> {
    let port: u16 = env_or("PORT", 3000);
    let workers: usize = env_or("WORKERS", 1);
    // No default token: a benchmark signed with one token and served with another would
    // measure 403s.
    let token = std::env::var("TWILIO_AUTH_TOKEN")
        .map_err(|_| "TWILIO_AUTH_TOKEN must be set (run.sh takes it from the workload)")?;
    let base = format!("http://127.0.0.1:{port}");

    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?
        .block_on(async move {
            let mut config = WebhookConfig::single_token(&token, &base)?;
            let mut what = Vec::new();
            let mut stats: Stats = Arc::new(|| {
                r#"{"offered":0,"written":0,"dropped":0,"failed":0,"retries":0}"#.to_owned()
            });
            if let Some(url) = env_set("ATTEMPT_LOG") {
                (config, stats) = with_attempt_log(config, &url).await?;
                what.push("attempt log: PostgreSQL");
            }
            if let Some(store) = env_set("REPLAY_STORE") {
                config = with_guard(config, &store).await?;
                what.push("replay guard");
            }
            let app = throughput_app::app_with(config).route(
                "/stats",
                axum::routing::get(move || {
                    let stats = Arc::clone(&stats);
                    async move { stats() }
                }),
            );
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            // run.sh waits for this line before loading the server.
            println!(
                "throughput_server listening on 127.0.0.1:{port} with {workers} worker(s){}{}",
                if what.is_empty() { "" } else { "; " },
                what.join(", ")
            );
            axum::serve(listener, app).await?;
            Ok(())
        })
}

/// The sink's counters as JSON, for `GET /stats`.
type Stats = Arc<dyn Fn() -> String + Send + Sync>;

#[cfg(feature = "postgres")]
async fn with_attempt_log(
    config: WebhookConfig,
    url: &str,
) -> Result<(WebhookConfig, Stats), BoxError> {
    use twilio_webhook::report::{
        AttemptRecord, AttemptSink, AttemptStore, SinkConfig, StoreError,
    };
    /// Takes every batch and keeps nothing: the sink's own cost, without a database.
    struct Discard;
    impl AttemptStore for Discard {
        fn write<'a>(
            &'a self,
            _batch: &'a [AttemptRecord],
        ) -> twilio_webhook::pipeline::BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async { Ok(()) })
        }
    }
    let mut sink_config = SinkConfig::default();
    sink_config.capacity = env_or("WEBHOOK_LOG_QUEUE", sink_config.capacity);
    sink_config.batch_size = env_or("WEBHOOK_LOG_BATCH", sink_config.batch_size);
    // The writer task runs as long as the process: run.sh kills the server at the end.
    let (sink, _writer) = if url == "discard" {
        AttemptSink::spawn(Discard, sink_config)
    } else {
        let log = twilio_webhook::stores::postgres::PostgresLog::connect_lazy(url)?;
        log.migrate().await?;
        AttemptSink::spawn(log, sink_config)
    };
    let stats = {
        let sink = sink.clone();
        Arc::new(move || {
            let s = sink.stats();
            format!(
                r#"{{"offered":{},"written":{},"dropped":{},"failed":{},"retries":{}}}"#,
                s.offered, s.written, s.dropped, s.failed, s.retries
            )
        })
    };
    Ok((config.with_attempt_log(sink), stats))
}

#[cfg(not(feature = "postgres"))]
async fn with_attempt_log(
    _config: WebhookConfig,
    _url: &str,
) -> Result<(WebhookConfig, Stats), BoxError> {
    Err("ATTEMPT_LOG needs the example built with the `postgres` feature".into())
}

#[cfg(feature = "guard")]
async fn with_guard(config: WebhookConfig, store: &str) -> Result<WebhookConfig, BoxError> {
    use twilio_webhook::guard::{Guard, GuardConfig, GuardStore, MemoryStore};
    let store: Arc<dyn GuardStore> = match store {
        "memory" => Arc::new(MemoryStore::new(1_000_000)),
        #[cfg(feature = "redis")]
        url if url.starts_with("redis://") => {
            Arc::new(twilio_webhook::stores::redis::RedisGuardStore::connect(url).await?)
        }
        #[cfg(feature = "postgres")]
        url if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store = twilio_webhook::stores::postgres::PostgresGuardStore::new(
                sqlx::PgPool::connect(url).await?,
            );
            store.ensure_schema().await?;
            Arc::new(store)
        }
        other => {
            return Err(format!(
                "REPLAY_STORE={other}: memory, or redis:// / postgres:// with the example built \
                 with the `redis` / `postgres` feature"
            )
            .into())
        }
    };
    Ok(config.with_replay_guard(Guard::with_shared_store(store, GuardConfig::default())?))
}

#[cfg(not(feature = "guard"))]
async fn with_guard(_config: WebhookConfig, _store: &str) -> Result<WebhookConfig, BoxError> {
    Err("REPLAY_STORE needs the example built with the `guard` feature".into())
}
