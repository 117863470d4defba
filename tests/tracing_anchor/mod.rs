//! Event capture that parallel tests cannot blind.
//!
//! `tracing` caches each callsite's interest once per process, computed by the first
//! thread that reaches it. While only one dispatcher is registered, that computation asks
//! the *registering* thread's default, so a sibling test with no subscriber caches
//! `Interest::never` and the capturing test silently loses the event (tracing-core 0.1.36,
//! `callsite.rs`, `Rebuilder::JustOne`). Two always-interested anchors, registered for
//! the life of the process, make every computation a union over all dispatchers instead.
#![allow(dead_code)] // not every test file captures

use std::sync::OnceLock;

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::{DefaultGuard, Interest};
use tracing::{Dispatch, Event, Metadata, Subscriber};

/// Interested in everything, records nothing; it is never any thread's default.
struct Anchor;

impl Subscriber for Anchor {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

static ANCHORS: OnceLock<[Dispatch; 2]> = OnceLock::new();

/// `tracing::subscriber::set_default`, safe against sibling tests on other threads.
pub(crate) fn scoped_subscriber(
    subscriber: impl Subscriber + Send + Sync + 'static,
) -> DefaultGuard {
    ANCHORS.get_or_init(|| [Dispatch::new(Anchor), Dispatch::new(Anchor)]);
    let guard = tracing::subscriber::set_default(subscriber);
    // Repairs any callsite a sibling registered while the anchors were being set up.
    tracing::callsite::rebuild_interest_cache();
    guard
}
