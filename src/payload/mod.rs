//! Typed payloads of the two Twilio Messaging webhooks: an [`IncomingMessage`] (SMS, MMS,
//! WhatsApp) and a delivery [`StatusCallback`]; and of the Voice webhooks: an
//! [`IncomingCall`], a [`CallStatusCallback`], a [`GatherAction`] and a
//! [`RecordingStatusCallback`] (see [`voice`] for what they add to the rules below).
//!
//! Decode them only **after** the request has been verified: the signature covers the raw
//! form, and these types are a convenient view of it, not a check. Both types implement serde's
//! `Deserialize`, so they work with any form extractor built on `serde_urlencoded`
//! (axum's `Form<T>`, actix-web's `web::Form<T>`), and with [`IncomingMessage::from_form`] /
//! [`StatusCallback::from_form`] on raw body bytes.
//!
//! # Decoding rules
//!
//! - Field names are Twilio's (`MessageSid`, `NumMedia`, …); the Rust fields are snake_case.
//! - Numbers arrive as text. `NumMedia`, `NumSegments`, `ReferralNumMedia` and `ErrorCode` are
//!   parsed to `u32`; an empty value or an absent field is `None`; anything else that is not a
//!   decimal `u32` is an error that names the field.
//! - Text fields keep the value exactly as sent, including empty strings (`FromCity=` is
//!   `Some("")`), so a stored payload says what Twilio sent.
//! - `MediaUrlN` / `MediaContentTypeN` for `N` in `0..NumMedia` become
//!   [`IncomingMessage::media`]; a missing entry is an error. Indexed entries at or beyond
//!   `NumMedia` are left in `extra`.
//! - Fields this crate does not name (`ChannelMetadata`, `SmsStatus` on new channels, whatever
//!   Twilio adds next) are kept in `extra`, never rejected.
//! - Repeated keys: a key that is a named field (for example two `Body` values) is rejected with
//!   a `duplicate field` error rather than silently picking one; a repeated key that lands in
//!   `extra` keeps its **last** value. Signature verification already covered every value.
//!
//! # Serializing
//!
//! `Serialize` writes the wire shape back (Twilio's field names, `MediaUrlN` flattened, `extra`
//! merged, absent fields omitted), so a stored payload decodes to an equal value from JSON or
//! from a form. Numbers are written as numbers in JSON and as text in forms; both decode.
//!
//! ```
//! use twilio_webhook::payload::{IncomingMessage, MessageStatus, StatusCallback};
//!
//! let msg = IncomingMessage::from_form(
//!     b"MessageSid=SM1&AccountSid=AC1&From=whatsapp%3A%2B15550001111&To=whatsapp%3A%2B15550002222\
//!       &Body=hello&NumMedia=0&ChannelMetadata=%7B%7D",
//! )?;
//! assert_eq!(msg.body, "hello");
//! assert_eq!(msg.extra["ChannelMetadata"], "{}");
//!
//! let status = StatusCallback::from_form(b"MessageSid=SM1&AccountSid=AC1&MessageStatus=delivered")?;
//! assert_eq!(status.message_status, MessageStatus::Delivered);
//! # Ok::<(), twilio_webhook::payload::PayloadError>(())
//! ```

mod error;
mod incoming;
mod message_status;
mod number;
mod status;
pub mod voice;

pub use error::PayloadError;
pub use incoming::{IncomingMessage, Media};
pub use message_status::MessageStatus;
pub use status::StatusCallback;
pub use voice::{
    AnsweredBy, CallDirection, CallStatus, CallStatusCallback, GatherAction, IncomingCall,
    RecordingSource, RecordingStatus, RecordingStatusCallback,
};
