//! Observability for the demo servers: logs (text, or JSON with `LOG_FORMAT=json`) and the
//! webhook attempt log. (Sentry and the SQLite attempt log are being added.)
#![allow(dead_code)]

use twilio_webhook::report::AttemptLog;

/// Keeps whatever must live as long as the server (flush guards).
pub struct ObserveGuard;

/// Installs the tracing subscriber. `RUST_LOG` overrides the default filter `info`.
pub fn init() -> ObserveGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
    ObserveGuard
}

/// The attempt log the demo servers write to.
pub fn attempt_log() -> impl AttemptLog {
    twilio_webhook::report::MemoryLog::default()
}
