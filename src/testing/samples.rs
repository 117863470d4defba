//! Sample webhooks as Twilio sends them, for tests that care about one or two fields.
//!
//! Each sample is a form POST with the parameters Twilio sends, in its order, and placeholder
//! values; set what your test looks at with the field setters (`.from(…)`, `.body(…)`) or
//! [`SignedRequest::set_param`]. The Voice samples (incoming call, call status) are added
//! here with the Voice payloads.

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
