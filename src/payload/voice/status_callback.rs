//! `CallStatusCallback`: the webhook Twilio sends to a call's `StatusCallback` URL as the call
//! moves through its states, and `AnsweredBy`, the answering-machine verdict it may carry.

use super::wire_enum::wire_enum;
use super::IncomingCall;
use crate::payload::{number, PayloadError};
use serde::{Deserialize, Serialize};

/// A call status callback (the URL given as `StatusCallback` when creating a call, or on a
/// `<Dial>` noun), decoded from Twilio's parameters.
///
/// The call fields (`CallSid`, `CallStatus`, `From`, `To`, …) are in `call`, and so are the
/// fields this crate does not name (`call.extra`: `Called`, `CallerCity`, `RecordingUrl`, …).
/// The callback's own fields sit beside it; numbers are `None` when absent or empty, and an
/// invalid number is an error naming its field. See the [module docs](crate::payload) for the
/// decoding rules.
///
/// ```
/// use twilio_webhook::payload::{AnsweredBy, CallStatus, CallStatusCallback};
///
/// let cb = CallStatusCallback::from_form(
///     b"CallSid=CA1&AccountSid=AC1&From=%2B16175551212&To=%2B18005551212\
///       &CallStatus=completed&CallDuration=49&SequenceNumber=3\
///       &CallbackSource=call-progress-events&AnsweredBy=machine_end_beep",
/// )?;
/// assert_eq!(cb.call.call_status, CallStatus::Completed);
/// assert_eq!(cb.call_duration, Some(49));
/// assert_eq!(cb.answered_by, Some(AnsweredBy::MachineEndBeep));
/// # Ok::<(), twilio_webhook::payload::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CallStatusCallback {
    /// The call fields, and in `call.extra` every field not named here or there.
    #[serde(flatten)]
    pub call: IncomingCall,
    /// `CallDuration`: the call's length in seconds, on the final callback.
    #[serde(
        default,
        deserialize_with = "number::call_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub call_duration: Option<u32>,
    /// `Duration`: the call's length in minutes, rounded up, on the final callback.
    #[serde(
        default,
        deserialize_with = "number::duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub duration: Option<u32>,
    /// `Timestamp`: when the event happened, as sent (RFC 2822, `Mon, 16 Aug 2010 03:45:01 +0000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// `SequenceNumber`: the order of this callback among the call's callbacks, from 0;
    /// callbacks can arrive out of order.
    #[serde(
        default,
        deserialize_with = "number::sequence_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub sequence_number: Option<u32>,
    /// `CallbackSource`: what sent the callback (`call-progress-events`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_source: Option<String>,
    /// `SipResponseCode`: the SIP response code of the call's outcome (`200`, `486`, `487`).
    #[serde(
        default,
        deserialize_with = "number::sip_response_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub sip_response_code: Option<u32>,
    /// `AnsweredBy`: the answering-machine detection verdict, when detection was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<AnsweredBy>,
}

impl CallStatusCallback {
    /// A callback about `call` with every callback field absent; for tests.
    ///
    /// ```
    /// use twilio_webhook::payload::{CallStatus, CallStatusCallback, IncomingCall};
    ///
    /// let call = IncomingCall::new("CA1", "AC1", "+16175551212", "+18005551212", CallStatus::Busy);
    /// let mut cb = CallStatusCallback::new(call);
    /// cb.sip_response_code = Some(486);
    /// assert!(cb.call.call_status.is_final());
    /// ```
    pub fn new(call: IncomingCall) -> Self {
        Self {
            call,
            call_duration: None,
            duration: None,
            timestamp: None,
            sequence_number: None,
            callback_source: None,
            sip_response_code: None,
            answered_by: None,
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body, or the query string of a `GET`
    /// callback (after verifying it).
    ///
    /// ```
    /// use twilio_webhook::payload::CallStatusCallback;
    ///
    /// let err = CallStatusCallback::from_form(
    ///     b"CallSid=CA1&AccountSid=AC1&From=a&To=b&CallStatus=completed&CallDuration=-1",
    /// )
    /// .unwrap_err();
    /// assert!(err.to_string().contains("invalid CallDuration"), "{err}");
    /// ```
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        serde_urlencoded::from_bytes(body).map_err(PayloadError::new)
    }
}

wire_enum! {
    /// `AnsweredBy`: who or what answering-machine detection (AMD) says picked up.
    ///
    /// Twilio has a value of its own for "could not tell", `unknown`, which is
    /// [`AnsweredBy::Unknown`]; a value this crate does not know yet is kept in
    /// [`AnsweredBy::Other`].
    ///
    /// ```
    /// use twilio_webhook::payload::AnsweredBy;
    ///
    /// assert_eq!(AnsweredBy::from("unknown"), AnsweredBy::Unknown);
    /// assert_eq!(AnsweredBy::from("robot"), AnsweredBy::Other("robot".into()));
    /// assert!(AnsweredBy::MachineEndSilence.is_machine());
    /// assert!(!AnsweredBy::Human.is_machine());
    /// ```
    pub enum AnsweredBy ("an answering machine detection result") {
        /// `human`: a person answered.
        Human = "human",
        /// `machine_start`: a machine answered (detected at the start of the greeting).
        MachineStart = "machine_start",
        /// `machine_end_beep`: a machine answered and its greeting ended with a beep.
        MachineEndBeep = "machine_end_beep",
        /// `machine_end_silence`: a machine answered and its greeting ended with silence.
        MachineEndSilence = "machine_end_silence",
        /// `machine_end_other`: a machine answered and its greeting ended otherwise.
        MachineEndOther = "machine_end_other",
        /// `fax`: a fax machine answered.
        Fax = "fax",
        /// `unknown`: detection could not tell (Twilio's own value).
        Unknown = "unknown",
    } else {
        /// Any other value, kept exactly as sent.
        Other(String)
    }
}

impl AnsweredBy {
    /// `true` for the `machine_*` verdicts.
    ///
    /// ```
    /// use twilio_webhook::payload::AnsweredBy;
    ///
    /// assert!(AnsweredBy::MachineStart.is_machine());
    /// assert!(!AnsweredBy::Fax.is_machine());
    /// ```
    pub fn is_machine(&self) -> bool {
        matches!(
            self,
            Self::MachineStart
                | Self::MachineEndBeep
                | Self::MachineEndSilence
                | Self::MachineEndOther
        )
    }
}
