//! Sample webhooks as Twilio sends them, for tests that care about one or two fields.
//!
//! Each sample is a form POST with the parameters Twilio sends, in its order, and placeholder
//! values; set what your test looks at with the field setters (`.from(…)`, `.body(…)`) or
//! [`SignedRequest::set_param`]. The Voice samples use the parameters Twilio documents for
//! each webhook (the sources are cited in `tests/data/voice/samples.json`); send them as GET
//! with [`SignedRequest::as_get`] when your Voice URL is configured for GET.

use super::SignedRequest;

/// The URL the samples are addressed to until [`SignedRequest::url`] changes it.
pub const SAMPLE_URL: &str = "https://example.com/twilio";

const INCOMING_MESSAGE: &[(&str, &str)] = &[
    ("ToCountry", "US"),
    ("ToState", "CA"),
    ("SmsMessageSid", "SM00000000000000000000000000000001"),
    ("NumMedia", "0"),
    ("ToCity", "SAN FRANCISCO"),
    ("FromZip", "94105"),
    ("SmsSid", "SM00000000000000000000000000000001"),
    ("FromState", "CA"),
    ("SmsStatus", "received"),
    ("FromCity", "SAN FRANCISCO"),
    ("Body", "Hello from the test kit"),
    ("FromCountry", "US"),
    ("To", "+15005550006"),
    ("ToZip", "94105"),
    ("NumSegments", "1"),
    ("MessageSid", "SM00000000000000000000000000000001"),
    ("AccountSid", "AC00000000000000000000000000000000"),
    ("From", "+15005550001"),
    ("ApiVersion", "2010-04-01"),
];

const STATUS_CALLBACK: &[(&str, &str)] = &[
    ("SmsSid", "SM00000000000000000000000000000001"),
    ("SmsStatus", "delivered"),
    ("MessageStatus", "delivered"),
    ("To", "+15005550001"),
    ("MessageSid", "SM00000000000000000000000000000001"),
    ("AccountSid", "AC00000000000000000000000000000000"),
    ("From", "+15005550006"),
    ("ApiVersion", "2010-04-01"),
];

const INCOMING_CALL: &[(&str, &str)] = &[
    ("CallSid", "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("From", "+16175551212"),
    ("To", "+18005551212"),
    ("CallStatus", "ringing"),
    ("ApiVersion", "2010-04-01"),
    ("Direction", "inbound"),
    ("ForwardedFrom", "+16175550000"),
    ("CallerName", "LOVELACE ADA"),
    ("FromCity", "BOSTON"),
    ("FromState", "MA"),
    ("FromZip", "02108"),
    ("FromCountry", "US"),
    ("ToCity", ""),
    ("ToState", ""),
    ("ToZip", ""),
    ("ToCountry", "US"),
    ("Called", "+18005551212"),
    ("Caller", "+16175551212"),
];

const CALL_STATUS_CALLBACK: &[(&str, &str)] = &[
    ("CallSid", "CAdddddddddddddddddddddddddddddddd"),
    ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("From", "+18005551212"),
    ("To", "+16175551212"),
    ("CallStatus", "completed"),
    ("ApiVersion", "2010-04-01"),
    ("Direction", "outbound-api"),
    ("CallbackSource", "call-progress-events"),
    ("Timestamp", "Mon, 16 Aug 2010 03:45:50 +0000"),
    ("SequenceNumber", "3"),
    ("CallDuration", "49"),
    ("Duration", "1"),
    ("SipResponseCode", "200"),
    ("AnsweredBy", "human"),
    ("MachineDetectionDuration", "2790"),
];

const GATHER_ACTION: &[(&str, &str)] = &[
    ("CallSid", "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("From", "+16175551212"),
    ("To", "+18005551212"),
    ("CallStatus", "in-progress"),
    ("ApiVersion", "2010-04-01"),
    ("Direction", "inbound"),
    ("Digits", "1234"),
    ("FinishedOnKey", "#"),
];

const RECORDING_STATUS_CALLBACK: &[(&str, &str)] = &[
    ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("CallSid", "CAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("RecordingSid", "REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Recordings/REaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    ("RecordingStatus", "completed"),
    ("RecordingDuration", "6"),
    ("RecordingChannels", "2"),
    ("RecordingStartTime", "Mon, 16 Aug 2010 03:45:02 +0000"),
    ("RecordingSource", "DialVerb"),
    ("RecordingTrack", "both"),
];

impl SignedRequest {
    /// An incoming SMS (`payload::IncomingMessage`), POSTed to [`SAMPLE_URL`].
    ///
    /// ```
    /// use twilio_webhook::testing::SignedRequest;
    /// let p = SignedRequest::incoming_message()
    ///     .from("+15551230000")
    ///     .body("STOP")
    ///     .auth_token("12345")
    ///     .parts()?;
    /// let body = String::from_utf8(p.body).unwrap();
    /// assert!(body.contains("From=%2B15551230000") && body.contains("Body=STOP"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn incoming_message() -> Self {
        SignedRequest::post(SAMPLE_URL).params(INCOMING_MESSAGE.iter().copied())
    }

    /// A message status callback (`payload::StatusCallback`), POSTed to [`SAMPLE_URL`].
    ///
    /// ```
    /// use twilio_webhook::testing::SignedRequest;
    /// let p = SignedRequest::status_callback()
    ///     .message_status("undelivered")
    ///     .error_code(30003)
    ///     .auth_token("12345")
    ///     .parts()?;
    /// let body = String::from_utf8(p.body).unwrap();
    /// assert!(body.contains("MessageStatus=undelivered") && body.contains("ErrorCode=30003"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn status_callback() -> Self {
        SignedRequest::post(SAMPLE_URL).params(STATUS_CALLBACK.iter().copied())
    }

    /// An incoming Voice call (`payload::IncomingCall`), POSTed to [`SAMPLE_URL`].
    ///
    /// ```
    /// use twilio_webhook::testing::SignedRequest;
    /// let p = SignedRequest::incoming_call().from("+15551230000").auth_token("12345").parts()?;
    /// assert!(String::from_utf8(p.body).unwrap().contains("CallStatus=ringing"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn incoming_call() -> Self {
        SignedRequest::post(SAMPLE_URL).params(INCOMING_CALL.iter().copied())
    }

    /// A call status callback for a completed call (`payload::CallStatusCallback`).
    ///
    /// ```
    /// use twilio_webhook::testing::SignedRequest;
    /// let p = SignedRequest::call_status_callback().set_param("CallStatus", "busy").auth_token("12345").parts()?;
    /// assert!(String::from_utf8(p.body).unwrap().contains("CallStatus=busy"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn call_status_callback() -> Self {
        SignedRequest::post(SAMPLE_URL).params(CALL_STATUS_CALLBACK.iter().copied())
    }

    /// A `<Gather>` action with `Digits=1234` (`payload::GatherAction`).
    ///
    /// ```
    /// use twilio_webhook::testing::SignedRequest;
    /// let p = SignedRequest::gather_action().set_param("Digits", "9").auth_token("12345").parts()?;
    /// assert!(String::from_utf8(p.body).unwrap().contains("Digits=9"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn gather_action() -> Self {
        SignedRequest::post(SAMPLE_URL).params(GATHER_ACTION.iter().copied())
    }

    /// A recording status callback for a completed recording
    /// (`payload::RecordingStatusCallback`).
    ///
    /// ```
    /// use twilio_webhook::testing::SignedRequest;
    /// let p = SignedRequest::recording_status_callback().auth_token("12345").parts()?;
    /// assert!(String::from_utf8(p.body).unwrap().contains("RecordingStatus=completed"));
    /// # Ok::<(), twilio_webhook::testing::BuildError>(())
    /// ```
    pub fn recording_status_callback() -> Self {
        SignedRequest::post(SAMPLE_URL).params(RECORDING_STATUS_CALLBACK.iter().copied())
    }

    /// Sets `From`.
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::incoming_message().from("whatsapp:+15550001111");
    /// # let _ = r;
    /// ```
    pub fn from(self, from: &str) -> Self {
        self.set_param("From", from)
    }

    /// Sets `To`.
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::incoming_message().to("+15550002222");
    /// # let _ = r;
    /// ```
    pub fn to(self, to: &str) -> Self {
        self.set_param("To", to)
    }

    /// Sets `Body`.
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::incoming_message().body("hi");
    /// # let _ = r;
    /// ```
    pub fn body(self, body: &str) -> Self {
        self.set_param("Body", body)
    }

    /// Sets `AccountSid` (the tenant, for an `AccountSidMap`).
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::incoming_message().account_sid("AC1");
    /// # let _ = r;
    /// ```
    pub fn account_sid(self, sid: &str) -> Self {
        self.set_param("AccountSid", sid)
    }

    /// Sets `MessageSid` and its legacy copies `SmsSid` / `SmsMessageSid` where present.
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::status_callback().message_sid("SM1");
    /// # let _ = r;
    /// ```
    pub fn message_sid(mut self, sid: &str) -> Self {
        for legacy in ["SmsSid", "SmsMessageSid"] {
            if self.params.iter().any(|(n, _)| n == legacy) {
                self = self.set_param(legacy, sid);
            }
        }
        self.set_param("MessageSid", sid)
    }

    /// Sets `MessageStatus` (and the legacy `SmsStatus` where present).
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::status_callback().message_status("failed");
    /// # let _ = r;
    /// ```
    pub fn message_status(mut self, status: &str) -> Self {
        if self.params.iter().any(|(n, _)| n == "SmsStatus") {
            self = self.set_param("SmsStatus", status);
        }
        self.set_param("MessageStatus", status)
    }

    /// Sets `ErrorCode` (a failed or undelivered message).
    ///
    /// ```
    /// let r = twilio_webhook::testing::SignedRequest::status_callback().error_code(30007);
    /// # let _ = r;
    /// ```
    pub fn error_code(self, code: u32) -> Self {
        self.set_param("ErrorCode", &code.to_string())
    }
}
