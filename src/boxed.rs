//! The boxed future every async trait of the crate returns (key resolvers, attempt stores,
//! guard stores), so their implementations can be held as `Arc<dyn …>`. A module of its
//! own so that `report`, `guard` and `stores` need not reach into `pipeline` for it.

use core::future::Future;
use core::pin::Pin;

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
