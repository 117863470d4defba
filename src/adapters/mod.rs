//! Framework adapters. Each only translates its framework's request into
//! [`crate::pipeline::RequestParts`] and the verdict into its framework's response; the
//! logic lives in [`crate::pipeline`].

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(any(feature = "axum", feature = "hyper"))]
mod http_body;
#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;
