//! SQLite (feature `sqlite`, on sqlx).

mod guard;

pub use guard::SqliteGuardStore;
