//! `MessageStatus`: the delivery state in a status callback.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// The `MessageStatus` (and legacy `SmsStatus`) of a message, as Twilio reports it.
///
/// Wire names are lowercase (`partially_delivered`). Decoding never fails: a value this crate
/// does not know yet is kept verbatim in [`MessageStatus::Unknown`], so a new Twilio status
/// does not turn callbacks into errors.
///
/// ```
/// use twilio_webhook::payload::MessageStatus;
///
/// assert_eq!(MessageStatus::from("partially_delivered"), MessageStatus::PartiallyDelivered);
/// assert_eq!(MessageStatus::from("weird_new_status"), MessageStatus::Unknown("weird_new_status".into()));
/// assert_eq!(MessageStatus::Undelivered.as_str(), "undelivered");
/// assert!(MessageStatus::Undelivered.is_failure());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageStatus {
    /// `accepted`: a Messaging Service received the request and is choosing a sender.
    Accepted,
    /// `scheduled`: the message is scheduled to be sent later.
    Scheduled,
    /// `canceled`: a scheduled message was canceled.
    Canceled,
    /// `queued`: waiting to be sent.
    Queued,
    /// `sending`: being sent to the carrier or channel.
    Sending,
    /// `sent`: the carrier or channel accepted the message.
    Sent,
    /// `failed`: the message could not be sent.
    Failed,
    /// `delivered`: the carrier or channel confirmed delivery.
    Delivered,
    /// `undelivered`: the carrier or channel reported that delivery failed.
    Undelivered,
    /// `receiving`: an inbound message is being received.
    Receiving,
    /// `received`: an inbound message was received.
    Received,
    /// `read`: the recipient read the message (WhatsApp and other channels with read receipts).
    Read,
    /// `partially_delivered`: delivered to some but not all recipients.
    PartiallyDelivered,
    /// Any other value, kept exactly as sent. Build values with `From<&str>`, which never puts a
    /// known name here (a hand-made `Unknown("delivered")` decodes back as `Delivered`).
    Unknown(String),
}

impl MessageStatus {
    /// The wire name (`"delivered"`, `"partially_delivered"`, or the unknown value as sent).
    ///
    /// ```
    /// use twilio_webhook::payload::MessageStatus;
    ///
    /// assert_eq!(MessageStatus::PartiallyDelivered.as_str(), "partially_delivered");
    /// assert_eq!(MessageStatus::Unknown("new".into()).as_str(), "new");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Self::Accepted => "accepted",
            Self::Scheduled => "scheduled",
            Self::Canceled => "canceled",
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Receiving => "receiving",
            Self::Received => "received",
            Self::Read => "read",
            Self::PartiallyDelivered => "partially_delivered",
            Self::Unknown(other) => other,
        }
    }

    /// `true` for `failed` and `undelivered`, the two states where the message did not arrive
    /// and the callback usually carries an `ErrorCode`.
    ///
    /// ```
    /// use twilio_webhook::payload::MessageStatus;
    ///
    /// assert!(MessageStatus::Failed.is_failure());
    /// assert!(!MessageStatus::Delivered.is_failure());
    /// ```
    pub fn is_failure(&self) -> bool {
        matches!(self, Self::Failed | Self::Undelivered)
    }

    fn known(wire: &str) -> Option<Self> {
        Some(match wire {
            "accepted" => Self::Accepted,
            "scheduled" => Self::Scheduled,
            "canceled" => Self::Canceled,
            "queued" => Self::Queued,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "delivered" => Self::Delivered,
            "undelivered" => Self::Undelivered,
            "receiving" => Self::Receiving,
            "received" => Self::Received,
            "read" => Self::Read,
            "partially_delivered" => Self::PartiallyDelivered,
            _ => return None,
        })
    }
}

impl From<&str> for MessageStatus {
    /// Parses a wire name; unknown names become [`MessageStatus::Unknown`].
    fn from(wire: &str) -> Self {
        Self::known(wire).unwrap_or_else(|| Self::Unknown(wire.to_owned()))
    }
}

impl From<String> for MessageStatus {
    /// Parses a wire name; unknown names become [`MessageStatus::Unknown`] without copying.
    fn from(wire: String) -> Self {
        Self::known(&wire).unwrap_or(Self::Unknown(wire))
    }
}

impl fmt::Display for MessageStatus {
    /// Writes the wire name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for MessageStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

// By hand, because a derived enum would reject unknown strings instead of keeping them.
impl<'de> Deserialize<'de> for MessageStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StatusVisitor;

        impl Visitor<'_> for StatusVisitor {
            type Value = MessageStatus;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a message status string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<MessageStatus, E> {
                Ok(MessageStatus::from(v))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<MessageStatus, E> {
                Ok(MessageStatus::from(v))
            }
        }

        d.deserialize_str(StatusVisitor)
    }
}
