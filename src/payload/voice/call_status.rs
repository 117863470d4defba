//! `CallStatus` and `CallDirection`: the state and direction of a call, sent with every Voice
//! webhook about a call.

use super::wire_enum::wire_enum;

wire_enum! {
    /// The `CallStatus` of a call, as Twilio reports it.
    ///
    /// Wire names are lowercase with hyphens (`in-progress`, `no-answer`). Decoding never
    /// fails: a value this crate does not know yet is kept verbatim in
    /// [`CallStatus::Unknown`].
    ///
    /// ```
    /// use twilio_webhook::payload::CallStatus;
    ///
    /// assert_eq!(CallStatus::from("in-progress"), CallStatus::InProgress);
    /// assert_eq!(CallStatus::from("on-hold"), CallStatus::Unknown("on-hold".into()));
    /// assert_eq!(CallStatus::NoAnswer.as_str(), "no-answer");
    /// assert!(CallStatus::Busy.is_final());
    /// ```
    pub enum CallStatus ("a call status string") {
        /// `queued`: the call is ready and waiting in line before it is dialed.
        Queued = "queued",
        /// `initiated`: Twilio has started dialing (status callbacks for the `initiated` event).
        Initiated = "initiated",
        /// `ringing`: the call is ringing.
        Ringing = "ringing",
        /// `in-progress`: the call was answered and is under way.
        InProgress = "in-progress",
        /// `completed`: the call was answered and has ended normally.
        Completed = "completed",
        /// `busy`: the caller received a busy signal.
        Busy = "busy",
        /// `failed`: the call could not be completed as dialed (most often a bad number).
        Failed = "failed",
        /// `no-answer`: nobody answered before the timeout.
        NoAnswer = "no-answer",
        /// `canceled`: the call was canceled while queued or ringing.
        Canceled = "canceled",
    } else {
        /// Any other value, kept exactly as sent. Build values with `From<&str>`, which never
        /// puts a known name here.
        Unknown(String)
    }
}

impl CallStatus {
    /// `true` for the states a call ends in (`completed`, `busy`, `failed`, `no-answer`,
    /// `canceled`): the last status callback of a call carries one of them.
    ///
    /// ```
    /// use twilio_webhook::payload::CallStatus;
    ///
    /// assert!(CallStatus::Completed.is_final());
    /// assert!(!CallStatus::Ringing.is_final());
    /// ```
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Busy | Self::Failed | Self::NoAnswer | Self::Canceled
        )
    }
}

wire_enum! {
    /// The `Direction` of a call.
    ///
    /// ```
    /// use twilio_webhook::payload::CallDirection;
    ///
    /// assert_eq!(CallDirection::from("outbound-dial"), CallDirection::OutboundDial);
    /// assert_eq!(CallDirection::Inbound.to_string(), "inbound");
    /// ```
    pub enum CallDirection ("a call direction string") {
        /// `inbound`: someone called your number, SIP domain or client.
        Inbound = "inbound",
        /// `outbound-api`: the call was created through the REST API.
        OutboundApi = "outbound-api",
        /// `outbound-dial`: the call was created by a `<Dial>` in TwiML.
        OutboundDial = "outbound-dial",
        /// `trunking-terminating`: an Elastic SIP Trunking call from your network to the PSTN.
        TrunkingTerminating = "trunking-terminating",
        /// `trunking-originating`: an Elastic SIP Trunking call from the PSTN to your network.
        TrunkingOriginating = "trunking-originating",
    } else {
        /// Any other value, kept exactly as sent.
        Unknown(String)
    }
}
