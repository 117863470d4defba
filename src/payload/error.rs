//! The error of the `from_form` helpers.

use std::fmt;

/// A form body that could not be decoded into a payload type.
///
/// The message says which field was wrong (`invalid NumMedia: …`, `missing field
/// `MessageSid``, `duplicate field `Body``). The payload is not secret, but values are not
/// echoed, so the message stays short whatever was sent.
///
/// ```
/// use twilio_webhook::payload::IncomingMessage;
///
/// let err = IncomingMessage::from_form(b"MessageSid=SM1").unwrap_err();
/// assert!(err.to_string().contains("AccountSid"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    message: String,
}

impl PayloadError {
    pub(crate) fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid webhook payload: {}", self.message)
    }
}

impl std::error::Error for PayloadError {}
