//! What the demo servers of `twilio-webhook` share: their configuration from the
//! environment ([`demo`]), the attempt log ([`attempt_log`]), the replay guard ([`replay`])
//! and monitoring through `tracing` and Sentry ([`observe`]); for tests only, handler hooks
//! ([`test_hooks`]). Not published; the demos are
//! `cargo run -p twilio-webhook-examples --example NAME` (see each example's header).

pub mod attempt_log;
pub mod demo;
pub mod observe;
pub mod replay;
pub mod test_hooks;
