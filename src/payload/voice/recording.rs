//! `RecordingStatusCallback`: the webhook Twilio sends to a `recordingStatusCallback` URL as a
//! recording starts, completes, or turns out absent.

use super::wire_enum::wire_enum;
use crate::payload::{number, PayloadError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A recording status callback, decoded from Twilio's parameters.
///
/// `AccountSid`, `RecordingSid` and `RecordingStatus` are required; everything else may be
/// absent. A call recording names its `CallSid`, a conference recording its `ConferenceSid`.
/// `ErrorCode` is set for `absent` recordings (`16101` too short, `16102` silent). Numbers are
/// `None` when absent or empty; fields this crate does not name are kept in `extra`.
///
/// ```
/// use twilio_webhook::payload::{RecordingSource, RecordingStatus, RecordingStatusCallback};
///
/// let cb = RecordingStatusCallback::from_form(
///     b"AccountSid=AC1&CallSid=CA1&RecordingSid=RE1&RecordingStatus=completed\
///       &RecordingUrl=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FRecordings%2FRE1\
///       &RecordingDuration=6&RecordingChannels=2&RecordingSource=DialVerb",
/// )?;
/// assert_eq!(cb.recording_status, RecordingStatus::Completed);
/// assert_eq!(cb.recording_duration, Some(6));
/// assert_eq!(cb.recording_source, Some(RecordingSource::DialVerb));
/// # Ok::<(), twilio_webhook::payload::PayloadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RecordingStatusCallback {
    /// `AccountSid`: the account the recording belongs to (`AC…`).
    pub account_sid: String,
    /// `CallSid`: the recorded call, for call recordings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_sid: Option<String>,
    /// `ConferenceSid`: the recorded conference (`CF…`), for conference recordings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conference_sid: Option<String>,
    /// `RecordingSid`: the recording's id (`RE…`).
    pub recording_sid: String,
    /// `RecordingUrl`: where to fetch the audio (append `.mp3` or `.wav` to choose a format).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_url: Option<String>,
    /// `RecordingStatus`: the recording's state.
    pub recording_status: RecordingStatus,
    /// `RecordingDuration`: the recording's length in seconds.
    #[serde(
        default,
        deserialize_with = "number::recording_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub recording_duration: Option<u32>,
    /// `RecordingChannels`: `1` (mono) or `2` (dual channel).
    #[serde(
        default,
        deserialize_with = "number::recording_channels",
        skip_serializing_if = "Option::is_none"
    )]
    pub recording_channels: Option<u32>,
    /// `RecordingStartTime`: when the recording started, as sent (RFC 2822).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_start_time: Option<String>,
    /// `RecordingSource`: what started the recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_source: Option<RecordingSource>,
    /// `RecordingTrack`: which audio was recorded (`inbound`, `outbound`, `both`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_track: Option<String>,
    /// `ErrorCode`: why a recording is `absent` or `failed`.
    #[serde(
        default,
        deserialize_with = "number::error_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub error_code: Option<u32>,
    /// Every other field, verbatim.
    #[serde(flatten)]
    pub extra: BTreeMap<String, String>,
}

impl RecordingStatusCallback {
    /// A callback with the required fields set and every other field absent; for tests.
    ///
    /// ```
    /// use twilio_webhook::payload::{RecordingStatus, RecordingStatusCallback};
    ///
    /// let mut cb = RecordingStatusCallback::new("AC1", "RE1", RecordingStatus::Absent);
    /// cb.error_code = Some(16102);
    /// assert!(cb.recording_url.is_none());
    /// ```
    pub fn new(
        account_sid: impl Into<String>,
        recording_sid: impl Into<String>,
        recording_status: RecordingStatus,
    ) -> Self {
        Self {
            account_sid: account_sid.into(),
            call_sid: None,
            conference_sid: None,
            recording_sid: recording_sid.into(),
            recording_url: None,
            recording_status,
            recording_duration: None,
            recording_channels: None,
            recording_start_time: None,
            recording_source: None,
            recording_track: None,
            error_code: None,
            extra: BTreeMap::new(),
        }
    }

    /// Decodes an `application/x-www-form-urlencoded` body, or the query string of a `GET`
    /// callback (after verifying it).
    ///
    /// ```
    /// use twilio_webhook::payload::RecordingStatusCallback;
    ///
    /// let err = RecordingStatusCallback::from_form(b"AccountSid=AC1&RecordingSid=RE1").unwrap_err();
    /// assert_eq!(err.to_string(), "invalid webhook payload: missing field `RecordingStatus`");
    /// ```
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        serde_urlencoded::from_bytes(body).map_err(PayloadError::new)
    }
}

wire_enum! {
    /// The `RecordingStatus` of a recording.
    ///
    /// Callbacks report `in-progress`, `completed` and `absent` (and `failed` when encryption
    /// fails); the REST API's other states are known too. Other values are kept in
    /// [`RecordingStatus::Unknown`].
    ///
    /// ```
    /// use twilio_webhook::payload::RecordingStatus;
    ///
    /// assert_eq!(RecordingStatus::from("in-progress"), RecordingStatus::InProgress);
    /// assert_eq!(RecordingStatus::Absent.as_str(), "absent");
    /// ```
    pub enum RecordingStatus ("a recording status string") {
        /// `in-progress`: recording has started.
        InProgress = "in-progress",
        /// `paused`: recording is paused.
        Paused = "paused",
        /// `stopped`: recording was stopped.
        Stopped = "stopped",
        /// `processing`: the recording is being processed into a file.
        Processing = "processing",
        /// `completed`: the file is ready at `RecordingUrl`.
        Completed = "completed",
        /// `absent`: there is no file (too short or silent; see `ErrorCode`).
        Absent = "absent",
        /// `failed`: the recording could not be stored (for example, encryption failed).
        Failed = "failed",
    } else {
        /// Any other value, kept exactly as sent.
        Unknown(String)
    }
}

wire_enum! {
    /// The `RecordingSource`: what started a recording.
    ///
    /// ```
    /// use twilio_webhook::payload::RecordingSource;
    ///
    /// assert_eq!(RecordingSource::from("RecordVerb"), RecordingSource::RecordVerb);
    /// assert_eq!(RecordingSource::OutboundApi.as_str(), "OutboundAPI");
    /// ```
    pub enum RecordingSource ("a recording source string") {
        /// `DialVerb`: the `record` attribute of `<Dial>`.
        DialVerb = "DialVerb",
        /// `Conference`: the `record` attribute of `<Conference>`.
        Conference = "Conference",
        /// `OutboundAPI`: the `Record` parameter when creating a call.
        OutboundApi = "OutboundAPI",
        /// `Trunking`: recording on an Elastic SIP Trunk.
        Trunking = "Trunking",
        /// `RecordVerb`: the `<Record>` verb.
        RecordVerb = "RecordVerb",
        /// `StartCallRecordingAPI`: the Call Recordings REST API.
        StartCallRecordingApi = "StartCallRecordingAPI",
        /// `StartConferenceRecordingAPI`: the Conference Recordings REST API.
        StartConferenceRecordingApi = "StartConferenceRecordingAPI",
    } else {
        /// Any other value, kept exactly as sent.
        Unknown(String)
    }
}
