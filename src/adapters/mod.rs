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

/// The verdict of this crate's middleware or layer, left in the request extensions beside
/// the public [`VerifiedRequest`](crate::pipeline::VerifiedRequest): a `TwilioWebhook`
/// extractor on the same route takes it instead of verifying (and reporting) the request a
/// second time. Private, so that only a verification can put it there.
#[cfg(any(feature = "axum", feature = "actix"))]
#[derive(Clone)]
pub(crate) struct AlreadyVerified(pub(crate) crate::pipeline::VerifiedRequest);
