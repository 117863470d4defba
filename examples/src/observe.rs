//! Observability for the demo servers: logs, Sentry and the webhook attempt log, all from
//! the environment.
//!
//! - `LOG_FORMAT=json`: one JSON object per line on stdout (fields flattened), the shape
//!   log pipelines ingest; anything else: human-readable text. `RUST_LOG` overrides the
//!   default filter `info,twilio_webhook::security=debug` (accepted requests are `debug`).
//! - `SENTRY_DSN`: when set, forged or unsigned requests and every `error` become Sentry
//!   events, other `warn`/`info` events breadcrumbs (see [`sentry_layers`]).
//!   `SENTRY_ENVIRONMENT` and `SENTRY_RELEASE` are honoured by the SDK.
//! - The attempt log: see `attempt_log.rs` beside this file.

use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, EnvFilter, LevelFilter};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;
use twilio_webhook::report::is_alert;

/// Keeps whatever must live as long as the server: the Sentry client, which flushes
/// queued events when dropped.
pub struct ObserveGuard {
    _sentry: Option<sentry::ClientInitGuard>,
}

/// Installs logging, and Sentry when `SENTRY_DSN` is set. Call once, first thing in
/// `main`, and keep the guard.
pub fn init() -> ObserveGuard {
    let dsn_set = std::env::var("SENTRY_DSN").is_ok_and(|d| !d.trim().is_empty());
    // With no `dsn` in the options the SDK reads `SENTRY_DSN` itself.
    init_with_sentry(dsn_set.then(sentry_options))
}

/// Installs logging, and Sentry with `options` if given (the `sentry_events` example
/// passes an in-memory transport here to show what would be sent).
pub fn init_with_sentry(options: Option<sentry::ClientOptions>) -> ObserveGuard {
    let sentry = options.map(sentry::init);
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,twilio_webhook::security=debug"));
    let fmt = if std::env::var("LOG_FORMAT").as_deref() == Ok("json") {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer().boxed()
    };
    // `RUST_LOG` filters only the log output: Sentry alerts do not depend on verbosity.
    tracing_subscriber::registry()
        .with(fmt.with_filter(filter))
        .with(sentry.is_some().then(sentry_layers))
        .init();
    ObserveGuard { _sentry: sentry }
}

/// The Sentry client options the demos use: no personal data beyond what the events
/// carry; release `twilio-webhook@<version>` unless `SENTRY_RELEASE` says otherwise.
pub fn sentry_options() -> sentry::ClientOptions {
    let options = sentry::ClientOptions::new().send_default_pii(false);
    if std::env::var_os("SENTRY_RELEASE").is_some() {
        options // read by the SDK
    } else {
        options.release(concat!(
            env!("CARGO_PKG_NAME"),
            "@",
            env!("CARGO_PKG_VERSION")
        ))
    }
}

/// Security events to Sentry through `sentry-tracing`: alerts ([`is_alert`]: forged or
/// unsigned requests, and every `error` event) become Sentry events; other `warn` and
/// `info` events become breadcrumbs, sent along with the next Sentry event; `debug`
/// (accepted requests) stays out of Sentry.
pub fn sentry_layers<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    // Breadcrumbs first, so a breadcrumb recorded for an event precedes any capture.
    BreadcrumbLayer::new()
        .with_filter(filter_fn(sentry_breadcrumb).with_max_level_hint(LevelFilter::INFO))
        .and_then(
            ErrorLayer::new()
                .with_filter(filter_fn(sentry_event).with_max_level_hint(LevelFilter::WARN)),
        )
}

fn sentry_event(meta: &Metadata<'_>) -> bool {
    meta.is_event() && (*meta.level() == Level::ERROR || is_alert(meta))
}

fn sentry_breadcrumb(meta: &Metadata<'_>) -> bool {
    meta.is_event() && matches!(*meta.level(), Level::WARN | Level::INFO) && !is_alert(meta)
}
