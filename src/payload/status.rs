//! `StatusCallback`: the webhook Twilio sends when an outbound message changes state.

use super::{number, MessageStatus, PayloadError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A message status callback (the URL given as `StatusCallback` when sending), decoded from
/// Twilio's form parameters.
///
/// `MessageSid`, `AccountSid` and `MessageStatus` are required; everything else may be absent.
/// `ErrorCode` is `None` when absent or empty. See the [module docs](super) for the decoding
/// rules. `#[non_exhaustive]`: build one for tests with [`StatusCallback::new`] and field
/// assignment.
///
/// ```
/// use twilio_webhook::payload::{MessageStatus, StatusCallback};
///
/// let cb = StatusCallback::from_form(
///     b"MessageSid=SM1&AccountSid=AC1&MessageStatus=undelivered&ErrorCode=30008\
///       &ErrorMessage=Unknown+error&To=%2B15550002222",
/// )?;
/// assert_eq!(cb.message_status, MessageStatus::Undelivered);
/// assert_eq!(cb.error_code, Some(30008));
/// assert_eq!(cb.to.as_deref(), Some("+15550002222"));
/// # Ok::<(), twilio_webhook::payload::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusCallback {
    /// `MessageSid`: the message whose status changed.
    #[serde(rename = "MessageSid")]
    pub message_sid: String,
    /// `MessageStatus`: its new status.
    #[serde(rename = "MessageStatus")]
    pub message_status: MessageStatus,
    /// `ErrorCode`: Twilio's error code for `failed` / `undelivered` (for example `30008`).
    #[serde(
        rename = "ErrorCode",
        default,
        deserialize_with = "number::error_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_code: Option<u32>,
    /// `ErrorMessage`: a description of the error, when Twilio sends one.
    #[serde(
        rename = "ErrorMessage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_message: Option<String>,
    /// `To`: the recipient.
    #[serde(rename = "To", default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `From`: the sender.
    #[serde(rename = "From", default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `AccountSid`: the account the message belongs to (`AC…`).
    #[serde(rename = "AccountSid")]
    pub account_sid: String,
    /// `SmsSid`: legacy copy of the message id.
    #[serde(rename = "SmsSid", default, skip_serializing_if = "Option::is_none")]
    pub sms_sid: Option<String>,
    /// `SmsStatus`: legacy copy of the status.
    #[serde(rename = "SmsStatus", default, skip_serializing_if = "Option::is_none")]
    pub sms_status: Option<MessageStatus>,
    /// `ApiVersion`: the API version Twilio used (`2010-04-01`).
    #[serde(
        rename = "ApiVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<String>,
    /// `MessagingServiceSid`: the Messaging Service (`MG…`) that sent the message.
    #[serde(
        rename = "MessagingServiceSid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub messaging_service_sid: Option<String>,
    /// `ChannelPrefix`: the channel for non-SMS messages (`whatsapp`).
    #[serde(
        rename = "ChannelPrefix",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_prefix: Option<String>,
    /// `ChannelInstallSid`: the channel installation (`XE…`).
    #[serde(
        rename = "ChannelInstallSid",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_install_sid: Option<String>,
    /// `ChannelStatusMessage`: the channel's own status text, when it sends one.
    #[serde(
        rename = "ChannelStatusMessage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_status_message: Option<String>,
    /// `ChannelToAddress`: the recipient's address on the channel, without the prefix.
    #[serde(
        rename = "ChannelToAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub channel_to_address: Option<String>,
    /// `RawDlrDoneDate`: the carrier's delivery-receipt time, as sent (`YYMMDDhhmm`).
    #[serde(
        rename = "RawDlrDoneDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub raw_dlr_done_date: Option<String>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, String>,
}

impl StatusCallback {
    /// A callback with the required fields set and every other field absent; for tests and
    /// for apps that build callbacks themselves.
    ///
    /// ```
    /// use twilio_webhook::payload::{MessageStatus, StatusCallback};
    ///
    /// let mut cb = StatusCallback::new("SM1", "AC1", MessageStatus::Failed);
    /// cb.error_code = Some(30003);
    /// assert!(cb.extra.is_empty());
    /// ```
    pub fn new(
        message_sid: impl Into<String>,
        account_sid: impl Into<String>,
        message_status: MessageStatus,
    ) -> Self {
        Self {
            message_sid: message_sid.into(),
            message_status,
            error_code: None,
            error_message: None,
            to: None,
            from: None,
            account_sid: account_sid.into(),
            sms_sid: None,
            sms_status: None,
            api_version: None,
            messaging_service_sid: None,
            channel_prefix: None,
            channel_install_sid: None,
            channel_status_message: None,
            channel_to_address: None,
            raw_dlr_done_date: None,
            extra: BTreeMap::new(),
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body (after verifying it).
    ///
    /// ```
    /// use twilio_webhook::payload::{MessageStatus, StatusCallback};
    ///
    /// let cb = StatusCallback::from_form(
    ///     b"MessageSid=SM1&AccountSid=AC1&MessageStatus=failed&ErrorCode=",
    /// )?;
    /// assert!(cb.message_status.is_failure());
    /// assert_eq!(cb.error_code, None);
    /// # Ok::<(), twilio_webhook::payload::PayloadError>(())
    /// ```
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        serde_urlencoded::from_bytes(body).map_err(PayloadError::new)
    }
}
