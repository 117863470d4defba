// The README is the crate documentation, and its examples are doctests: whatever the
// features, each block that needs one is compiled only with it (a hidden `#[cfg]` on its
// `fn main`, and an empty `main` without it).
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, missing_debug_implementations)]
// Bad input is an error, never a panic: library code neither unwraps nor indexes unchecked
// (`unreachable_pub` and `cast_possible_truncation` come from `[lints]` in Cargo.toml).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The pipeline, in order: URL variants → payload → canonical stream → MAC per key and
// variant → constant-time verdict → (replay guard) → report. `lib.rs` only names the steps.

pub mod canonical;
pub mod url;

#[cfg(feature = "guard")]
#[cfg_attr(docsrs, doc(cfg(feature = "guard")))]
pub mod guard;
#[cfg(feature = "pipeline")]
#[cfg_attr(docsrs, doc(cfg(feature = "pipeline")))]
pub mod headers;
#[cfg(feature = "pipeline")]
#[cfg_attr(docsrs, doc(cfg(feature = "pipeline")))]
pub mod pipeline;
#[cfg(feature = "pipeline")]
#[cfg_attr(docsrs, doc(cfg(feature = "pipeline")))]
pub mod redact;
#[cfg(feature = "pipeline")]
#[cfg_attr(docsrs, doc(cfg(feature = "pipeline")))]
pub mod report;
#[cfg(any(feature = "postgres", feature = "sqlite", feature = "redis"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "postgres", feature = "sqlite", feature = "redis")))
)]
pub mod stores;

#[cfg(any(feature = "axum", feature = "actix", feature = "hyper"))]
pub mod adapters;
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub mod payload;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

mod body_hash;
#[cfg(feature = "pipeline")]
mod boxed;
mod error;
mod one_shot;
mod request;
mod secret;
mod settings;
mod signature;
mod verifier;

pub use body_hash::body_sha256_hex;
pub use error::{Error, ErrorClass, FormError, SignatureFormatError, UrlError};
pub use one_shot::{
    compute_signature_with, compute_twilio_signature, verify_twilio_body, verify_twilio_signature,
};
pub use request::{is_form, Payload, WebhookRequest};
pub use secret::Secret;
pub use settings::SignatureSettings;
pub use signature::Algorithm;
pub use url::{UrlVariant, VariantSet};
pub use verifier::{KeyUsed, Verified, Verifier, VerifierBuilder};
