//! Signed requests as Twilio sends them, for your webhook handlers' tests (feature `testing`).
//!
//! Not for production code: it holds your test token and signs anything you ask.
//! [`SignedRequest`] describes one request (a form POST, a GET, a JSON POST; Auth Token or
//! SharedKey; extra headers), signs it with the crate's public [`crate::compute_signature_with`],
//! and can be changed after signing for negative tests. Take it as [`SignedParts`] for any
//! client, as an `http::Request` (feature `http`: axum, hyper, tower) or as an actix-web
//! `TestRequest` (feature `actix`).
//!
//! ```
//! use twilio_webhook::testing::SignedRequest;
//! use twilio_webhook::{Payload, Verifier, WebhookRequest};
//!
//! let p = SignedRequest::incoming_message().from("+15550001111").auth_token("12345").parts()?;
//! let verdict = Verifier::new("12345").verify(&WebhookRequest {
//!     url: &p.url,
//!     signature: p.header("x-twilio-signature"),
//!     signature_settings: None,
//!     payload: Payload::Body { bytes: &p.body, content_type: p.header("content-type") },
//! });
//! assert!(verdict.is_ok());
//! # Ok::<(), twilio_webhook::testing::BuildError>(())
//! ```

mod error;
mod parts;
mod request;
mod samples;

#[cfg(feature = "actix")]
mod actix;
#[cfg(feature = "http")]
mod http;

pub use error::BuildError;
pub use parts::SignedParts;
pub use request::SignedRequest;
pub use samples::SAMPLE_URL;
