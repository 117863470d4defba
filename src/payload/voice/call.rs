//! `IncomingCall`: the request Twilio sends to a number's Voice URL, and the call fields every
//! later Voice webhook about that call repeats.

use super::{CallDirection, CallStatus};
use crate::payload::PayloadError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A call arriving at your Voice URL (or a TwiML App), decoded from Twilio's parameters.
///
/// `CallSid`, `AccountSid`, `From`, `To` and `CallStatus` are required; everything else may
/// be absent. The same fields come with every later request about the call, so
/// [`CallStatusCallback`](super::CallStatusCallback) and [`GatherAction`](super::GatherAction)
/// hold one of these as `call`. Fields this crate does not name (`Called`, `Caller`,
/// `CallerCity`, `StirVerstat`, `SipHeader_…`, your own `<Parameter>`s) are kept in `extra`.
/// `#[non_exhaustive]`: build one for tests with [`IncomingCall::new`] and field assignment.
///
/// ```
/// use twilio_webhook::payload::{CallDirection, CallStatus, IncomingCall};
///
/// let call = IncomingCall::from_form(
///     b"CallSid=CA1&AccountSid=AC1&From=%2B16175551212&To=%2B18005551212\
///       &CallStatus=ringing&Direction=inbound&ApiVersion=2010-04-01&FromCountry=US",
/// )?;
/// assert_eq!(call.call_status, CallStatus::Ringing);
/// assert_eq!(call.direction, Some(CallDirection::Inbound));
/// assert_eq!(call.from_country.as_deref(), Some("US"));
/// # Ok::<(), twilio_webhook::payload::PayloadError>(())
/// ```
///
/// `Debug` shows whether a `CallToken` came, never the token: it lets whoever holds it forward
/// the call with the caller's ID.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct IncomingCall {
    /// `CallSid`: the call's id (`CA…`).
    pub call_sid: String,
    /// `AccountSid`: the account the call belongs to (`AC…`).
    pub account_sid: String,
    /// `From`: the caller (`+16175551212`, `client:tommy`, a SIP URI).
    pub from: String,
    /// `To`: the called party, in the same forms as `From`.
    pub to: String,
    /// `CallStatus`: the call's state when the request was sent.
    pub call_status: CallStatus,
    /// `ApiVersion`: the API version Twilio used (`2010-04-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `Direction`: who started the call and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<CallDirection>,
    /// `ForwardedFrom`: the number that forwarded the call, when the carrier passes it on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_from: Option<String>,
    /// `CallerName`: the caller's CNAM name, when caller-name lookup is enabled on the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_name: Option<String>,
    /// `ParentCallSid`: the call that created this one (a `<Dial>` leg's parent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_call_sid: Option<String>,
    /// `CallToken`: the token that lets an incoming PSTN call be forwarded with its caller ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_token: Option<String>,
    /// `FromCity`: the caller's city, from carrier data (often empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_city: Option<String>,
    /// `FromState`: the caller's state or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_state: Option<String>,
    /// `FromZip`: the caller's postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_zip: Option<String>,
    /// `FromCountry`: the caller's country (`US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_country: Option<String>,
    /// `ToCity`: the called party's city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_city: Option<String>,
    /// `ToState`: the called party's state or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_state: Option<String>,
    /// `ToZip`: the called party's postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_zip: Option<String>,
    /// `ToCountry`: the called party's country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_country: Option<String>,
    /// `SipDomain`: the Twilio SIP Domain the INVITE was sent to (calls to a SIP Domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_domain: Option<String>,
    /// `SipUsername`: the username the caller authenticated with (credential-list domains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_username: Option<String>,
    /// `SipCallId`: the `Call-ID` of the incoming INVITE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_call_id: Option<String>,
    /// `SipSourceIp`: the IP address the INVITE came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_source_ip: Option<String>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, String>,
}

impl fmt::Debug for IncomingCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Destructured without `..`, so that a new field cannot be left out of `Debug`.
        let Self {
            call_sid,
            account_sid,
            from,
            to,
            call_status,
            api_version,
            direction,
            forwarded_from,
            caller_name,
            parent_call_sid,
            call_token,
            from_city,
            from_state,
            from_zip,
            from_country,
            to_city,
            to_state,
            to_zip,
            to_country,
            sip_domain,
            sip_username,
            sip_call_id,
            sip_source_ip,
            extra,
        } = self;
        f.debug_struct("IncomingCall")
            .field("call_sid", call_sid)
            .field("account_sid", account_sid)
            .field("from", from)
            .field("to", to)
            .field("call_status", call_status)
            .field("api_version", api_version)
            .field("direction", direction)
            .field("forwarded_from", forwarded_from)
            .field("caller_name", caller_name)
            .field("parent_call_sid", parent_call_sid)
            .field("call_token", &call_token.as_ref().map(|_| Redacted))
            .field("from_city", from_city)
            .field("from_state", from_state)
            .field("from_zip", from_zip)
            .field("from_country", from_country)
            .field("to_city", to_city)
            .field("to_state", to_state)
            .field("to_zip", to_zip)
            .field("to_country", to_country)
            .field("sip_domain", sip_domain)
            .field("sip_username", sip_username)
            .field("sip_call_id", sip_call_id)
            .field("sip_source_ip", sip_source_ip)
            .field("extra", extra)
            .finish()
    }
}

/// Stands for a credential in `Debug` output.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl IncomingCall {
    /// A call with the required fields set and every other field absent; for tests and for
    /// apps that build requests themselves.
    ///
    /// ```
    /// use twilio_webhook::payload::{CallStatus, IncomingCall};
    ///
    /// let mut call = IncomingCall::new("CA1", "AC1", "+16175551212", "+18005551212", CallStatus::Ringing);
    /// call.caller_name = Some("Lovelace Ada".into());
    /// assert!(call.extra.is_empty());
    /// ```
    pub fn new(
        call_sid: impl Into<String>,
        account_sid: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
        call_status: CallStatus,
    ) -> Self {
        Self {
            call_sid: call_sid.into(),
            account_sid: account_sid.into(),
            from: from.into(),
            to: to.into(),
            call_status,
            api_version: None,
            direction: None,
            forwarded_from: None,
            caller_name: None,
            parent_call_sid: None,
            call_token: None,
            from_city: None,
            from_state: None,
            from_zip: None,
            from_country: None,
            to_city: None,
            to_state: None,
            to_zip: None,
            to_country: None,
            sip_domain: None,
            sip_username: None,
            sip_call_id: None,
            sip_source_ip: None,
            extra: BTreeMap::new(),
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body, or the query string of a `GET`
    /// webhook (after verifying it).
    ///
    /// ```
    /// use twilio_webhook::payload::IncomingCall;
    ///
    /// let err = IncomingCall::from_form(b"MessageSid=SM1&AccountSid=AC1").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid webhook payload: missing field `CallSid`");
    /// ```
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        serde_urlencoded::from_bytes(body).map_err(PayloadError::new)
    }
}
