//! PostgreSQL (feature `postgres`, on sqlx).

mod guard;

pub use guard::PostgresGuardStore;
