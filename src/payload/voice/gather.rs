//! `GatherAction`: the request Twilio sends to a `<Gather>`'s `action` URL with what the caller
//! pressed or said.

use super::IncomingCall;
use crate::payload::PayloadError;
use serde::{Deserialize, Serialize};

/// The result of a `<Gather>` (keypad digits or speech), decoded from the request Twilio sends
/// to its `action` URL.
///
/// The call fields are in `call` (with the unnamed ones in `call.extra`); the gathered input
/// sits beside them. Digits, speech and the key are text, kept as sent; `Confidence` is kept
/// as sent too, and read as a number with [`GatherAction::confidence_score`].
///
/// ```
/// use twilio_webhook::payload::GatherAction;
///
/// let gathered = GatherAction::from_form(
///     b"CallSid=CA1&AccountSid=AC1&From=%2B16175551212&To=%2B18005551212\
///       &CallStatus=in-progress&Digits=1234&FinishedOnKey=%23",
/// )?;
/// assert_eq!(gathered.digits.as_deref(), Some("1234"));
/// assert_eq!(gathered.finished_on_key.as_deref(), Some("#"));
/// assert_eq!(gathered.speech_result, None);
/// # Ok::<(), twilio_webhook::payload::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct GatherAction {
    /// The call fields, and in `call.extra` every field not named here or there.
    #[serde(flatten)]
    pub call: IncomingCall,
    /// `Digits`: the keys the caller pressed, without the `finishOnKey` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digits: Option<String>,
    /// `SpeechResult`: the transcribed speech, for speech input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_result: Option<String>,
    /// `Confidence`: how sure the recognizer is of `SpeechResult`, `0.0` to `1.0`, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<String>,
    /// `FinishedOnKey`: the key that ended the input (`#`), empty when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on_key: Option<String>,
}

impl GatherAction {
    /// A result for `call` with nothing gathered; for tests.
    ///
    /// ```
    /// use twilio_webhook::payload::{CallStatus, GatherAction, IncomingCall};
    ///
    /// let call = IncomingCall::new("CA1", "AC1", "+16175551212", "+18005551212", CallStatus::InProgress);
    /// let mut gathered = GatherAction::new(call);
    /// gathered.speech_result = Some("billing".into());
    /// assert_eq!(gathered.digits, None);
    /// ```
    pub fn new(call: IncomingCall) -> Self {
        Self {
            call,
            digits: None,
            speech_result: None,
            confidence: None,
            finished_on_key: None,
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body, or the query string of a `GET`
    /// action (after verifying it).
    ///
    /// ```
    /// use twilio_webhook::payload::GatherAction;
    ///
    /// let err = GatherAction::from_form(b"CallSid=CA1&Digits=1&Digits=2").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid webhook payload: duplicate field `Digits`");
    /// ```
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        serde_urlencoded::from_bytes(body).map_err(PayloadError::new)
    }

    /// `Confidence` as a number, when present and numeric.
    ///
    /// ```
    /// use twilio_webhook::payload::GatherAction;
    ///
    /// let gathered = GatherAction::from_form(
    ///     b"CallSid=CA1&AccountSid=AC1&From=a&To=b&CallStatus=in-progress\
    ///       &SpeechResult=Billing.&Confidence=0.9128385782241821",
    /// )?;
    /// assert_eq!(gathered.confidence_score(), Some(0.9128385782241821));
    /// # Ok::<(), twilio_webhook::payload::PayloadError>(())
    /// ```
    pub fn confidence_score(&self) -> Option<f64> {
        self.confidence.as_deref()?.trim().parse().ok()
    }
}
