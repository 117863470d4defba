//! Framework adapters. Each only translates its framework's request into
//! [`crate::pipeline::RequestParts`] and a bounded body reader, runs
//! [`WebhookConfig::verify`](crate::pipeline::WebhookConfig::verify), and turns the result
//! into its framework's response. What they share (the verdict in request extensions, the
//! refusal response, the `http` translation) is here, once.

#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(any(feature = "axum", feature = "hyper"))]
mod http;
#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;

use crate::error::Error;
use crate::pipeline::{response_text, VerifiedRequest};

/// The verdict of this crate's middleware or layer, left in the request extensions beside
/// the public [`VerifiedRequest`]: a `TwilioWebhook` extractor on the same route takes it
/// instead of verifying (and reporting) the request a second time. Private, so that only a
/// verification can put it there.
#[derive(Clone)]
pub(crate) struct AlreadyVerified(
    // Read by the axum and actix extractors; with `hyper` alone only the layer sets it.
    #[cfg_attr(not(any(feature = "axum", feature = "actix")), allow(dead_code))]
    pub(crate)  VerifiedRequest,
);

/// A framework's request extensions.
pub(crate) trait Extensions {
    fn put<T: Clone + Send + Sync + 'static>(&mut self, value: T);
}

#[cfg(any(feature = "axum", feature = "hyper"))]
impl Extensions for ::http::Extensions {
    fn put<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.insert(value);
    }
}

#[cfg(feature = "actix")]
impl Extensions for ::actix_web::dev::Extensions {
    fn put<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.insert(value);
    }
}

/// Puts the verdict where handlers read it: the public [`VerifiedRequest`] and the private
/// marker that a later extractor recognises.
pub(crate) fn put_verdict(extensions: &mut impl Extensions, verified: &VerifiedRequest) {
    extensions.put(AlreadyVerified(verified.clone()));
    extensions.put(verified.clone());
}

pub(crate) use crate::pipeline::REFUSAL_CONTENT_TYPE;

/// What a refused request gets: the status of [`Error::http_status`] and the fixed text of
/// [`response_text`], nothing from the request (the reason went to the report).
pub(crate) fn refusal(err: &Error) -> (u16, &'static str) {
    let status = err.http_status();
    (status, response_text(status))
}
