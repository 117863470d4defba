//! Databases behind the crate's traits, each behind its feature, for the attempt log
//! (`report::AttemptStore`, with `sink`) and the replay guard
//! ([`GuardStore`](crate::guard::GuardStore)): PostgreSQL (`postgres`) and SQLite
//! (`sqlite`) on sqlx, and Redis (`redis`, guard only). The sqlx stores use runtime
//! queries (no build-time database) and no TLS feature of their own (a pool you build
//! decides).
//!
//! Each store ships its schema as SQL files (`src/stores/<db>/migrations/*.sql`) that its
//! `migrate()` applies once each, recording them by name in the crate's own table
//! `twilio_webhook_migrations` (not sqlx's `_sqlx_migrations`, which your own migrations
//! use). A record's fields are always bound as parameters.

#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub mod postgres;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
mod sql;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub mod sqlite;

#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use sql::{Migration, MIGRATIONS_TABLE};
