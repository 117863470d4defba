//! Errors as data: every way a request can fail verification, and the class an adapter
//! turns into an HTTP status.
//!
//! No variant carries a token, a computed MAC or the expected signature: an error is safe
//! to log and to show in a response as is.

pub use crate::canonical::FormError;
pub use crate::signature::SignatureFormatError;
pub use crate::url::UrlError;
use crate::url::VariantSet;

/// Why a request was not accepted.
///
/// Match on the variant for precise handling, or call [`Error::class`] for the coarse
/// outcome an HTTP adapter needs.
///
/// ```
/// use twilio_webhook::{Error, ErrorClass, Verifier};
///
/// let v = Verifier::new("12345");
/// let err = v.verify_form("https://example.com/hook", b"Body=hi", "bm90IGEgc2lnbmF0dXJlIQ==")
///     .unwrap_err();
/// assert!(matches!(err, Error::MalformedSignature(_)));
/// assert_eq!(err.class(), ErrorClass::Forbidden);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request has no `X-Twilio-Signature` header.
    #[error("missing X-Twilio-Signature header")]
    MissingSignature,
    /// The `X-Twilio-Signature` header is not a signature of the expected shape.
    #[error("malformed X-Twilio-Signature header: {0}")]
    MalformedSignature(SignatureFormatError),
    /// The signature is well formed but matches no key for any accepted URL variant.
    #[error("signature does not match (URL variants tried: {tried})")]
    SignatureMismatch {
        /// The URL variants the signature was checked against.
        tried: VariantSet,
    },
    /// The URL signature is valid but the body's SHA-256 differs from the signed `bodySHA256`.
    #[error("body does not match the signed bodySHA256")]
    BodyHashMismatch,
    /// A non-form body arrived on a URL without a `bodySHA256` query parameter, so nothing
    /// signed covers the body.
    #[error("non-form body without a bodySHA256 query parameter")]
    MissingBodyHash,
    /// The `bodySHA256` query parameter is not 64 lowercase hex digits.
    #[error("bodySHA256 query parameter is not 64 lowercase hex digits")]
    MalformedBodyHash,
    /// The request was signed with a key this verifier does not hold: a SharedKey id it
    /// does not know, or the Auth Token way (no `X-Twilio-Webhooks-Signature-Settings`)
    /// when it holds SharedKeys only.
    #[error("signed with a key this verifier does not hold")]
    UnknownKey,
    /// `X-Twilio-Webhooks-Signature-Settings` names an algorithm this crate does not support.
    #[error("unsupported signature algorithm in X-Twilio-Webhooks-Signature-Settings")]
    UnsupportedAlgorithm,
    /// `X-Twilio-Webhooks-Signature-Settings` could not be parsed.
    #[error("malformed X-Twilio-Webhooks-Signature-Settings header")]
    MalformedSignatureSettings,
    /// The body is not valid `application/x-www-form-urlencoded` UTF-8.
    #[error("invalid form body: {0}")]
    InvalidForm(FormError),
    /// The URL the signature is checked against could not be understood.
    #[error("invalid URL: {0}")]
    InvalidUrl(UrlError),
    /// The body is larger than the configured limit.
    #[error("body larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A header that must appear once appeared several times.
    #[error("header {0} appears more than once")]
    DuplicateHeader(&'static str),
    /// The tenant was chosen by the request's `AccountSid`, but the decoded parameters do
    /// not hold exactly one `AccountSid` equal to it (a repeated or escaped second one
    /// would show the handler another tenant's account than the one that verified it).
    #[error("AccountSid missing, repeated or not the one whose keys were used")]
    TenantMismatch,
    /// Decoded form parameters were given for a URL with `bodySHA256`, which signs the
    /// URL alone and the raw body through its hash: give the raw body instead.
    #[error("decoded parameters given for a bodySHA256 URL; the raw body is needed")]
    ParamsWithBodyHash,
    /// Two `Content-Type` headers, or one listing several types: the body's type is
    /// ambiguous, so the verifier and the handler could read it differently.
    #[error("ambiguous Content-Type (repeated, a list, or not text)")]
    AmbiguousContentType,
    /// A form body with a `charset` other than UTF-8, which Twilio always uses and which the
    /// verifier and the typed extractors decode as.
    #[error("form body with a charset other than UTF-8")]
    UnsupportedCharset,
    /// No tenant's keys could be found for this request (unknown account or path).
    #[error("no tenant matches this request")]
    UnknownTenant,
    /// The key resolver failed (database down …); the request is rejected, not passed on.
    #[error("key resolver failed")]
    KeyResolverFailed,
    /// The body could not be read (client went away, timeout, transport error).
    #[error("request body could not be read")]
    BodyRead,
    /// The verifier cannot judge any request: for example it holds no key.
    #[error("verifier misconfigured: {0}")]
    Misconfigured(&'static str),
}

/// What an [`Error`] means for the HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The request is malformed (bad form encoding, JSON without `bodySHA256`): 400.
    BadRequest,
    /// Not signed by a key we hold, or not for this tenant: 403.
    Forbidden,
    /// The body exceeds the limit: 413.
    PayloadTooLarge,
    /// Our side is at fault (no keys, a failed key resolver, a misplaced extractor): 500.
    ServerError,
}

impl Error {
    /// The HTTP status an adapter answers with: 403, 400, 413 or 500.
    ///
    /// ```
    /// assert_eq!(twilio_webhook::Error::MissingSignature.http_status(), 403);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self.class() {
            ErrorClass::BadRequest => 400,
            ErrorClass::Forbidden => 403,
            ErrorClass::PayloadTooLarge => 413,
            ErrorClass::ServerError => 500,
        }
    }

    /// The coarse class of this error, for mapping to an HTTP status.
    ///
    /// ```
    /// use twilio_webhook::{Error, ErrorClass};
    /// assert_eq!(Error::MissingSignature.class(), ErrorClass::Forbidden);
    /// assert_eq!(Error::MissingBodyHash.class(), ErrorClass::BadRequest);
    /// ```
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::MissingSignature
            | Error::MalformedSignature(_)
            | Error::SignatureMismatch { .. }
            | Error::BodyHashMismatch
            | Error::UnknownKey
            | Error::UnsupportedAlgorithm
            | Error::DuplicateHeader(_)
            | Error::TenantMismatch
            | Error::UnknownTenant => ErrorClass::Forbidden,
            Error::MissingBodyHash
            | Error::MalformedBodyHash
            | Error::MalformedSignatureSettings
            | Error::InvalidForm(_)
            | Error::InvalidUrl(_)
            | Error::ParamsWithBodyHash
            | Error::AmbiguousContentType
            | Error::UnsupportedCharset
            | Error::BodyRead => ErrorClass::BadRequest,
            Error::BodyTooLarge { .. } => ErrorClass::PayloadTooLarge,
            Error::Misconfigured(_) | Error::KeyResolverFailed => ErrorClass::ServerError,
        }
    }
}
