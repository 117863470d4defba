//! Lenient decoding of Twilio's numeric fields, which arrive as text in forms.
//!
//! Accepts decimal text (what Twilio sends), JSON numbers (what our own `Serialize` writes
//! to JSON), and treats an empty string or `null` as absent: Twilio sends `ErrorCode=` when
//! there is no error. Anything else is an error that names the field.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

struct OptU32 {
    field: &'static str,
}

impl OptU32 {
    fn invalid<E: de::Error>(&self) -> E {
        E::custom(format_args!(
            "invalid {}: expected a whole number from 0 to {}",
            self.field,
            u32::MAX
        ))
    }
}

impl<'de> Visitor<'de> for OptU32 {
    type Value = Option<u32>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a decimal number or empty", self.field)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() {
            return Ok(None);
        }
        // Only plain digits: `u32::from_str` would also take a leading `+`.
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid());
        }
        v.parse().map(Some).map_err(|_| self.invalid())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        u32::try_from(v).map(Some).map_err(|_| self.invalid())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u32::try_from(v).map(Some).map_err(|_| self.invalid())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn opt_u32<'de, D: Deserializer<'de>>(d: D, field: &'static str) -> Result<Option<u32>, D::Error> {
    // `deserialize_any`: form values only offer strings, JSON offers numbers; both are fine.
    d.deserialize_any(OptU32 { field })
}

// One function per field so the error can say which field was wrong; serde's
// `deserialize_with` cannot pass the field name itself.
macro_rules! field {
    ($($name:ident => $wire:literal),* $(,)?) => {$(
        pub(super) fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
            opt_u32(d, $wire)
        }
    )*};
}

field! {
    num_media => "NumMedia",
    num_segments => "NumSegments",
    referral_num_media => "ReferralNumMedia",
    error_code => "ErrorCode",
    call_duration => "CallDuration",
    duration => "Duration",
    sequence_number => "SequenceNumber",
    sip_response_code => "SipResponseCode",
    recording_duration => "RecordingDuration",
    recording_channels => "RecordingChannels",
}
