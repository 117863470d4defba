//! `IncomingMessage`: the webhook Twilio sends when an SMS, MMS or WhatsApp message arrives.

use super::{number, PayloadError};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// An inbound SMS, MMS or WhatsApp message, decoded from Twilio's form parameters.
///
/// See the [module docs](super) for the decoding rules (numbers, empty values, media, unknown
/// and repeated keys). `MessageSid`, `AccountSid`, `From` and `To` are required; everything
/// else may be absent. The struct is `#[non_exhaustive]` so fields can be added as Twilio adds
/// them; build one for tests with [`Default`] and field assignment, or decode a form.
///
/// ```
/// use twilio_webhook::payload::IncomingMessage;
///
/// let msg = IncomingMessage::from_form(
///     b"MessageSid=MM1&AccountSid=AC1&From=%2B15550001111&To=%2B15550002222&Body=look\
///       &NumMedia=1&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm%2FME1&MediaContentType0=image%2Fjpeg",
/// )?;
/// assert_eq!(msg.from, "+15550001111");
/// assert_eq!(msg.num_media(), 1);
/// assert_eq!(msg.media[0].content_type, "image/jpeg");
///
/// let mut reply_to = IncomingMessage::default();
/// reply_to.body = "built in a test".into();
/// assert!(reply_to.media.is_empty());
/// # Ok::<(), twilio_webhook::payload::PayloadError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IncomingMessage {
    /// `MessageSid`: the message's id (`SM…` for SMS, `MM…` for MMS).
    pub message_sid: String,
    /// `SmsSid`: legacy copy of the message id.
    pub sms_sid: Option<String>,
    /// `SmsMessageSid`: legacy copy of the message id.
    pub sms_message_sid: Option<String>,
    /// `AccountSid`: the account the message belongs to (`AC…`).
    pub account_sid: String,
    /// `MessagingServiceSid`: the Messaging Service (`MG…`), when one received the message.
    pub messaging_service_sid: Option<String>,
    /// `From`: the sender (`+15550001111`, `whatsapp:+15550001111`).
    pub from: String,
    /// `To`: the recipient, your number or sender.
    pub to: String,
    /// `Body`: the text, up to 1600 characters; empty when absent (media-only messages).
    pub body: String,
    /// `NumSegments`: how many SMS segments made up the message.
    pub num_segments: Option<u32>,
    /// The attachments, from `MediaUrlN` / `MediaContentTypeN` for `N` in `0..NumMedia`.
    pub media: Vec<Media>,
    /// `SmsStatus`: legacy status of the inbound message (normally `received`).
    pub sms_status: Option<String>,
    /// `ProfileName`: the sender's WhatsApp profile name.
    pub profile_name: Option<String>,
    /// `WaId`: the sender's WhatsApp id (the number without `+`).
    pub wa_id: Option<String>,
    /// `ButtonText`: the label of the WhatsApp quick-reply button the user tapped.
    pub button_text: Option<String>,
    /// `ButtonPayload`: the payload of the WhatsApp quick-reply button the user tapped.
    pub button_payload: Option<String>,
    /// `MessageType`: the WhatsApp message type (`text`, `image`, `location`, `button`, …).
    pub message_type: Option<String>,
    /// `Latitude` of a shared location, as sent (see [`IncomingMessage::coordinates`]).
    pub latitude: Option<String>,
    /// `Longitude` of a shared location, as sent (see [`IncomingMessage::coordinates`]).
    pub longitude: Option<String>,
    /// `Address` of a shared location.
    pub address: Option<String>,
    /// `Label` of a shared location.
    pub label: Option<String>,
    /// `FromCity`: the sender's city, from carrier data (often empty).
    pub from_city: Option<String>,
    /// `FromState`: the sender's state or province.
    pub from_state: Option<String>,
    /// `FromZip`: the sender's postal code.
    pub from_zip: Option<String>,
    /// `FromCountry`: the sender's country (`US`).
    pub from_country: Option<String>,
    /// `ToCity`: the recipient's city.
    pub to_city: Option<String>,
    /// `ToState`: the recipient's state or province.
    pub to_state: Option<String>,
    /// `ToZip`: the recipient's postal code.
    pub to_zip: Option<String>,
    /// `ToCountry`: the recipient's country.
    pub to_country: Option<String>,
    /// `ReferralNumMedia`: media count of a WhatsApp click-to-chat ad referral.
    pub referral_num_media: Option<u32>,
    /// `ApiVersion`: the API version Twilio used (`2010-04-01`).
    pub api_version: Option<String>,
    /// Every other field, verbatim (`ChannelMetadata`, referral fields, future additions).
    pub extra: BTreeMap<String, String>,
}

/// One attachment of an [`IncomingMessage`].
///
/// ```
/// use twilio_webhook::payload::Media;
///
/// let m = Media { url: "https://api.twilio.com/m/ME1".into(), content_type: "image/png".into() };
/// assert!(m.content_type.starts_with("image/"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Media {
    /// `MediaUrlN`: where to fetch the file (Twilio may require HTTP basic auth).
    pub url: String,
    /// `MediaContentTypeN`: its MIME type (`image/jpeg`).
    pub content_type: String,
}

impl IncomingMessage {
    /// Decodes an `application/x-www-form-urlencoded` body (after verifying it).
    ///
    /// ```
    /// use twilio_webhook::payload::IncomingMessage;
    ///
    /// let msg = IncomingMessage::from_form(b"MessageSid=SM1&AccountSid=AC1&From=a&To=b&NumMedia=x");
    /// assert_eq!(
    ///     msg.unwrap_err().to_string(),
    ///     "invalid webhook payload: invalid NumMedia: expected a whole number from 0 to 4294967295",
    /// );
    /// ```
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        serde_urlencoded::from_bytes(body).map_err(PayloadError::new)
    }

    /// `NumMedia`: the number of attachments, `media.len()`.
    ///
    /// ```
    /// use twilio_webhook::payload::IncomingMessage;
    ///
    /// assert_eq!(IncomingMessage::default().num_media(), 0);
    /// ```
    pub fn num_media(&self) -> u32 {
        // Decoding builds at most u32::MAX entries; saturate for hand-built values.
        u32::try_from(self.media.len()).unwrap_or(u32::MAX)
    }

    /// The shared location as `(latitude, longitude)`, when both are present and numeric.
    ///
    /// ```
    /// use twilio_webhook::payload::IncomingMessage;
    ///
    /// let msg = IncomingMessage::from_form(
    ///     b"MessageSid=SM1&AccountSid=AC1&From=a&To=b&Latitude=37.7749&Longitude=-122.4194",
    /// )?;
    /// assert_eq!(msg.coordinates(), Some((37.7749, -122.4194)));
    /// # Ok::<(), twilio_webhook::payload::PayloadError>(())
    /// ```
    pub fn coordinates(&self) -> Option<(f64, f64)> {
        let lat = self.latitude.as_deref()?.trim().parse().ok()?;
        let lon = self.longitude.as_deref()?.trim().parse().ok()?;
        Some((lat, lon))
    }
}

const MEDIA_URL: &str = "MediaUrl";
const MEDIA_CONTENT_TYPE: &str = "MediaContentType";

/// The wire shape: Twilio's names, media still flattened in `rest`. The public type is built
/// from it (and back) so the field list lives in one place and the compiler checks the moves.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Wire {
    message_sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sms_sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sms_message_sid: Option<String>,
    account_sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    messaging_service_sid: Option<String>,
    from: String,
    to: String,
    #[serde(default)]
    body: String,
    #[serde(
        default,
        deserialize_with = "number::num_media",
        skip_serializing_if = "Option::is_none"
    )]
    num_media: Option<u32>,
    #[serde(
        default,
        deserialize_with = "number::num_segments",
        skip_serializing_if = "Option::is_none"
    )]
    num_segments: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sms_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wa_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    button_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    button_payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latitude: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    longitude: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from_city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from_zip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from_country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_zip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to_country: Option<String>,
    #[serde(
        default,
        deserialize_with = "number::referral_num_media",
        skip_serializing_if = "Option::is_none"
    )]
    referral_num_media: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// Moves `MediaUrlN` / `MediaContentTypeN` for `N < num_media` out of `rest`. The loop stops
/// at the first missing entry, so a huge `NumMedia` costs nothing more than the body's size.
fn take_media(num_media: u32, rest: &mut BTreeMap<String, String>) -> Result<Vec<Media>, String> {
    let mut media = Vec::new();
    for n in 0..num_media {
        let url_key = format!("{MEDIA_URL}{n}");
        let type_key = format!("{MEDIA_CONTENT_TYPE}{n}");
        let missing = |key: &str| format!("NumMedia is {num_media} but {key} is missing");
        let url = rest.remove(&url_key).ok_or_else(|| missing(&url_key))?;
        let content_type = rest.remove(&type_key).ok_or_else(|| missing(&type_key))?;
        media.push(Media { url, content_type });
    }
    Ok(media)
}

impl TryFrom<Wire> for IncomingMessage {
    type Error = String;

    fn try_from(w: Wire) -> Result<Self, String> {
        let mut extra = w.rest;
        let media = take_media(w.num_media.unwrap_or(0), &mut extra)?;
        Ok(Self {
            message_sid: w.message_sid,
            sms_sid: w.sms_sid,
            sms_message_sid: w.sms_message_sid,
            account_sid: w.account_sid,
            messaging_service_sid: w.messaging_service_sid,
            from: w.from,
            to: w.to,
            body: w.body,
            num_segments: w.num_segments,
            media,
            sms_status: w.sms_status,
            profile_name: w.profile_name,
            wa_id: w.wa_id,
            button_text: w.button_text,
            button_payload: w.button_payload,
            message_type: w.message_type,
            latitude: w.latitude,
            longitude: w.longitude,
            address: w.address,
            label: w.label,
            from_city: w.from_city,
            from_state: w.from_state,
            from_zip: w.from_zip,
            from_country: w.from_country,
            to_city: w.to_city,
            to_state: w.to_state,
            to_zip: w.to_zip,
            to_country: w.to_country,
            referral_num_media: w.referral_num_media,
            api_version: w.api_version,
            extra,
        })
    }
}

impl From<IncomingMessage> for Wire {
    fn from(m: IncomingMessage) -> Self {
        let num_media = m.num_media();
        let mut rest = m.extra;
        for (n, media) in m.media.into_iter().enumerate() {
            rest.insert(format!("{MEDIA_URL}{n}"), media.url);
            rest.insert(format!("{MEDIA_CONTENT_TYPE}{n}"), media.content_type);
        }
        Self {
            message_sid: m.message_sid,
            sms_sid: m.sms_sid,
            sms_message_sid: m.sms_message_sid,
            account_sid: m.account_sid,
            messaging_service_sid: m.messaging_service_sid,
            from: m.from,
            to: m.to,
            body: m.body,
            num_media: Some(num_media),
            num_segments: m.num_segments,
            sms_status: m.sms_status,
            profile_name: m.profile_name,
            wa_id: m.wa_id,
            button_text: m.button_text,
            button_payload: m.button_payload,
            message_type: m.message_type,
            latitude: m.latitude,
            longitude: m.longitude,
            address: m.address,
            label: m.label,
            from_city: m.from_city,
            from_state: m.from_state,
            from_zip: m.from_zip,
            from_country: m.from_country,
            to_city: m.to_city,
            to_state: m.to_state,
            to_zip: m.to_zip,
            to_country: m.to_country,
            referral_num_media: m.referral_num_media,
            api_version: m.api_version,
            rest,
        }
    }
}

impl<'de> Deserialize<'de> for IncomingMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::try_from(Wire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Serialize for IncomingMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Cloning keeps one field list (in `Wire`); serializing is for storage, not a hot path.
        Wire::from(self.clone()).serialize(s)
    }
}
