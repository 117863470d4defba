//! Demo and test only: what the multi-replica tests (`examples/tests/replicas.rs`) need from the
//! demo handlers of `axum_server` and `actix_server`, on only when `DEMO_TEST_HOOKS=1`.
//! Never set it in production: the headers it reads are not signed, so anyone could send
//! them.
//!
//! With it on, every run of a demo handler prints one line to stdout,
//! `demo handler ran: <path> <MessageSid> <MessageStatus or ->`, and two request headers
//! change what the handler does. Twilio signs the URL and the parameters, not these headers,
//! so a test can send one delivery (one signature) with and without them:
//! - `X-Demo-Delay-Ms: N`: the handler waits N ms before it answers (a slow handler, or
//!   one that hangs until its process is killed);
//! - `X-Demo-Fail: 1`: the handler answers 500 (a first delivery that failed).

use std::sync::OnceLock;
use std::time::Duration;

/// What a failing handler answers.
pub const FAIL_STATUS: u16 = 500;

/// Whether `DEMO_TEST_HOOKS=1`.
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("DEMO_TEST_HOOKS").as_deref() == Ok("1"))
}

/// Called first thing by a handler that runs: with the hooks on, prints its line, waits
/// as `X-Demo-Delay-Ms` says, and returns `Some(FAIL_STATUS)` when `X-Demo-Fail: 1` asks
/// the handler to fail. `header` reads a request header by name.
pub async fn on_run<'h>(
    path: &str,
    message_sid: Option<&str>,
    message_status: Option<&str>,
    header: impl Fn(&str) -> Option<&'h str>,
) -> Option<u16> {
    if !enabled() {
        return None;
    }
    println!(
        "demo handler ran: {path} {} {}",
        message_sid.unwrap_or("-"),
        message_status.unwrap_or("-")
    );
    if let Some(ms) = header("x-demo-delay-ms").and_then(|v| v.trim().parse().ok()) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    (header("x-demo-fail") == Some("1")).then_some(FAIL_STATUS)
}
