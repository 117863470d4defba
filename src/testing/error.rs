//! Why a [`SignedRequest`](super::SignedRequest) could not be turned into a request.

/// What is wrong with a [`SignedRequest`](super::SignedRequest) description.
///
/// ```
/// use twilio_webhook::testing::{BuildError, SignedRequest};
/// let err = SignedRequest::post("https://example.com/sms").parts().unwrap_err();
/// assert_eq!(err, BuildError::NoKey);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Neither [`auth_token`](super::SignedRequest::auth_token) nor
    /// [`shared_key`](super::SignedRequest::shared_key) was given, so nothing can sign.
    #[error("no key to sign with: call auth_token() or shared_key()")]
    NoKey,
    /// The public URL (or the one given to `sent_to`) is not an absolute `scheme://host` URL.
    #[error("invalid URL {url:?}: {source}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        source: crate::UrlError,
    },
    /// The request target (path and query, or the full URL for HTTP/2) is not a URI the
    /// HTTP types accept: a space or a control character in it, typically.
    #[error("invalid request target {target:?}: percent-encode spaces and control characters")]
    InvalidTarget {
        /// The target as built.
        target: String,
    },
    /// A header name or value the HTTP types refuse (control characters, empty name).
    #[error("invalid header {name:?}")]
    InvalidHeader {
        /// The header's name.
        name: String,
    },
}
